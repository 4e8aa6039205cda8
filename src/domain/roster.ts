import { z } from 'zod';
import { email, isoDateTime, storableText } from './formats.js';
import { QuietHoursSchema } from './quiet-hours.js';
import { ClockOverrideSchema, InstantSchema, TimeZoneSchema } from './sla-clock.js';

/** A Slack member id, as Slack shows it in a profile ("Copy member ID"). */
export const SlackUserIdSchema = z.string().regex(/^[UW][A-Z0-9]{2,20}$/, 'a Slack member id such as U024BE7LH');

/** A whole number of employees, people or hand-offs: zod's integers are the safe ones. */
const count = () => z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** An Account Executive in the roster (DESIGN §2.6). Empty lists mean "any". */
export const EmployeeBandSchema = z.strictObject({
  min: count(),
  max: count().nullable().default(null),
});

/** An AE's id: lower-case, as routes and the tokens file spell it. */
export const AE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export const AeSchema = z.strictObject({
  id: z.string().regex(AE_ID, 'lower-case id such as ae-kim'),
  name: storableText().min(1).max(200),
  email: email(),
  /** The AE's Slack member id: assignments, reminders and escalations reach them there (README "Notifications"). */
  slackUserId: SlackUserIdSchema.optional(),
  /** When email and Slack wait (in `timeZone`); the outbox log is written regardless. */
  quietHours: QuietHoursSchema.optional(),
  // Checked before it is upper-cased, so the document's pattern is the check.
  regions: z
    .array(
      z
        .string()
        .regex(/^[A-Za-z]{2}$/)
        .toUpperCase(),
    )
    .default([]),
  employeeBands: z.array(EmployeeBandSchema).default([]),
  industries: z.array(storableText().toLowerCase()).default([]),
  capacity: count().default(10),
  weight: z.number().positive().max(Number.MAX_VALUE).default(1),
  senior: z.boolean().default(false),
  timeZone: TimeZoneSchema.default('UTC'),
  /** The AE's changes to the team clock (working hours, holidays, mode), counted in `timeZone`. */
  clock: ClockOverrideSchema.optional(),
  managerId: storableText().min(1).optional(),
  active: z.boolean().default(true),
  outOfOffice: z.array(z.strictObject({ from: isoDateTime(), to: isoDateTime() })).default([]),
});
export type Ae = z.output<typeof AeSchema>;
export const RosterSchema = z.array(AeSchema);

/** An AE as the roster routes answer it: the document, its version and the router's figures. */
export const RosterEntrySchema = AeSchema.extend({
  version: z.number().int().meta({ description: 'Starts at 1; every change adds one.' }),
  createdAt: InstantSchema,
  updatedAt: InstantSchema,
  load: z
    .object({
      open: z.number().int().meta({ description: 'Hand-offs held now (counted against `capacity`)' }),
      assigned: z.number().int().meta({ description: 'Assignments that counted for fairness, all time' }),
      served: z.number().meta({ description: 'Fairness position: 1 ÷ weight per counted assignment (lowest goes next)' }),
      lastAssignedAt: InstantSchema.optional(),
    })
    .meta({ description: "The router's figures for this AE; roster edits never change them." }),
});
export type RosterEntry = z.infer<typeof RosterEntrySchema>;

/** One audited roster change: who, when, and each changed field before and after. */
export const AuditEntrySchema = z.object({
  at: InstantSchema,
  actor: z.string().meta({ description: 'The principal id that made the change' }),
  action: z.enum(['create', 'update', 'delete']),
  changes: z
    .record(z.string(), z.object({ from: z.unknown().optional(), to: z.unknown().optional() }))
    .meta({ description: 'Per changed field, the value before (`from`) and after (`to`); absent when the field was absent.' }),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
