import { IANAZone } from 'luxon';
import { z } from 'zod';
import { ActorSchema, ROLES } from './actions.js';
import { QuietHoursSchema } from './quiet-hours.js';
import { SlackUserIdSchema } from './roster.js';

/** A principal id as the tokens file spells it (`sdr-jo`, `mgr-ana`): the same id an actor carries. */
export const PrincipalIdSchema = ActorSchema.shape.id;

/** Who is calling: the principal a bearer token maps to (DESIGN §4). */
export const PrincipalSchema = z.strictObject({
  id: PrincipalIdSchema,
  role: z.enum(ROLES),
  name: z.string().min(1).max(200),
  /** An SDR's IANA time zone, in which their booking-attempt days are counted. */
  timeZone: z
    .string()
    .refine((zone) => IANAZone.isValidZone(zone), { message: 'an IANA time zone such as America/Chicago' })
    .optional(),
  /** Where Baton emails this person (notifications; README "Notifications"). */
  email: z.email().optional(),
  /** This person's Slack member id, for notifications in Slack. */
  slackUserId: SlackUserIdSchema.optional(),
  /** When email and Slack wait for this person (in `timeZone`, UTC without one). */
  quietHours: QuietHoursSchema.optional(),
  /** The principal's manager (an SDR's sales manager), told when the SDR's hand-offs need them. */
  managerId: PrincipalIdSchema.optional(),
});
export type Principal = z.infer<typeof PrincipalSchema>;

/** One entry of the tokens file: the principal and the SHA-256 of its token (the token itself is never stored). */
export const TokenEntrySchema = PrincipalSchema.extend({
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'hex SHA-256 of the token'),
});
export type TokenEntry = z.infer<typeof TokenEntrySchema>;
