import { z } from 'zod';
import { ClockOverrideSchema, TimeZoneSchema } from './sla-clock.js';

/** An Account Executive in the roster (DESIGN §2.6). Empty lists mean "any". */
export const EmployeeBandSchema = z.strictObject({
  min: z.number().int().min(0),
  max: z.number().int().min(0).nullable().default(null),
});

export const AeSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case id such as ae-kim'),
  name: z.string().min(1).max(200),
  email: z.email(),
  regions: z
    .array(
      z
        .string()
        .toUpperCase()
        .regex(/^[A-Z]{2}$/),
    )
    .default([]),
  employeeBands: z.array(EmployeeBandSchema).default([]),
  industries: z.array(z.string().toLowerCase()).default([]),
  capacity: z.number().int().min(0).default(10),
  weight: z.number().positive().default(1),
  senior: z.boolean().default(false),
  timeZone: TimeZoneSchema.default('UTC'),
  /** The AE's changes to the team clock (working hours, holidays, mode), counted in `timeZone`. */
  clock: ClockOverrideSchema.optional(),
  managerId: z.string().min(1).optional(),
  active: z.boolean().default(true),
  outOfOffice: z.array(z.strictObject({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })).default([]),
});
export type Ae = z.output<typeof AeSchema>;
export const RosterSchema = z.array(AeSchema);
