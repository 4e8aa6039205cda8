import { z } from 'zod';
import { isoDateTime, trimmedText } from './formats.js';
import { LeadSchema } from './lead.js';

/**
 * Bodies of the hand-off actions (DESIGN §4). The API validates them; the workflow's update
 * validators validate them again, with the acting principal added, so a message sent from the
 * Temporal UI or CLI is held to the same rules.
 */
export const ROLES = ['sdr', 'ae', 'manager', 'ops', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const ActorSchema = z.strictObject({ id: z.string().min(1).max(128), role: z.enum(ROLES) });
export type Actor = z.infer<typeof ActorSchema>;

/** Whoever sent a message without naming themselves: the Temporal UI or CLI. */
export const OPS_CONSOLE: Actor = { id: 'temporal-console', role: 'ops' };

export const ROUTING_REASONS = ['capacity', 'wrong_territory', 'conflict'] as const;
export const QUALIFICATION_REASONS = [
  'not_icp_fit',
  'no_budget',
  'no_authority',
  'no_need',
  'bad_timing',
  'insufficient_context',
  'duplicate',
] as const;
export const REJECT_REASONS = [...ROUTING_REASONS, ...QUALIFICATION_REASONS] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
export const CONTACT_CHANNELS = ['call', 'email', 'meeting', 'linkedin', 'other'] as const;
export const REPORTED_OUTCOMES = ['opportunity', 'disqualified', 'no_show', 'nurture'] as const;
export type ReportedOutcome = (typeof REPORTED_OUTCOMES)[number];

const note = trimmedText(2000).optional();

export const AcceptSchema = z.strictObject({ note });
export const RejectSchema = z.strictObject({ reason: z.enum(REJECT_REASONS), note });
export const ContactedSchema = z.strictObject({
  channel: z.enum(CONTACT_CHANNELS),
  at: isoDateTime().optional(),
  note,
});
export const OutcomeSchema = z.strictObject({
  outcome: z.enum(REPORTED_OUTCOMES),
  amount: z.number().min(0).max(1e12).optional(),
  note,
});
export const FeedbackSchema = z.strictObject({
  rating: z.number().int().min(1).max(5),
  qualityIssues: z.array(trimmedText(120)).max(50),
  note,
});
export const WithdrawSchema = z.strictObject({ reason: trimmedText(500).optional(), note });
/** The submit update that starts a hand-off: the submission's fingerprint (SHA-256, hex). */
export const SubmitSchema = z.strictObject({ submissionHash: z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256') });
/** The SDR tried to book the assigned AE (a meeting, a call back); `at` defaults to now. */
export const BookingAttemptSchema = z.strictObject({ at: isoDateTime().optional(), note });

const aeId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'an AE id such as ae-sam');
const reason = trimmedText(500);
/** Manager/ops interventions (DESIGN §2.5, §4): signals from the Temporal UI/CLI and API routes. */
export const EscalateSchema = z.strictObject({ reason, to: aeId.optional(), note });
export const ReassignSchema = z.strictObject({ to: aeId, reason: reason.optional(), note });
export const ReturnToSdrSchema = z.strictObject({ reason, note });
export const INTERVENTIONS = ['escalate', 'reassign', 'returnToSdr'] as const;
export type InterventionKind = (typeof INTERVENTIONS)[number];
export const INTERVENTION_SCHEMAS = { escalate: EscalateSchema, reassign: ReassignSchema, returnToSdr: ReturnToSdrSchema } as const;
/** Who may intervene: the managers and ops (and admins); a signal without an actor is ops at the console. */
export const INTERVENING_ROLES: readonly Role[] = ['manager', 'ops', 'admin'];
export const ChecklistPatchSchema = LeadSchema.refine((patch) => Object.values(patch).some((v) => v !== undefined), {
  message: 'the patch is empty: give at least one checklist field',
}).meta({ minProperties: 1 });

export type AcceptInput = z.infer<typeof AcceptSchema>;
export type RejectInput = z.infer<typeof RejectSchema>;
export type ContactedInput = z.infer<typeof ContactedSchema>;
export type OutcomeInput = z.infer<typeof OutcomeSchema>;
export type FeedbackInput = z.infer<typeof FeedbackSchema>;
export type WithdrawInput = z.infer<typeof WithdrawSchema>;
export type ChecklistPatch = z.infer<typeof ChecklistPatchSchema>;
export type SubmitInput = z.infer<typeof SubmitSchema>;
export type BookingAttemptInput = z.infer<typeof BookingAttemptSchema>;
export type EscalateInput = z.infer<typeof EscalateSchema>;
export type ReassignInput = z.infer<typeof ReassignSchema>;
export type ReturnToSdrInput = z.infer<typeof ReturnToSdrSchema>;
export type InterventionInput = { escalate: EscalateInput; reassign: ReassignInput; returnToSdr: ReturnToSdrInput };

/** The argument of a workflow message: the action body plus, optionally, who sends it. */
export type Message<T> = T & { actor?: Actor };
/**
 * The argument of an intervention signal (the Temporal UI and CLI; the API sends updates). A signal
 * cannot answer, so the timeline entry that applies or refuses it carries its optional `requestId`
 * as `ref`; and `expectedAe`, when given, names the AE the sender saw holding the lead (`null`:
 * nobody): if the workflow has moved the lead since, the intervention is refused rather than
 * applied on top of a state its sender never saw.
 */
export type Signalled<T> = Message<T> & { requestId?: string; expectedAe?: string | null };

export function isRoutingReason(reason: RejectReason): boolean {
  return (ROUTING_REASONS as readonly string[]).includes(reason);
}
