import { z } from 'zod';
import { InstantSchema } from './sla-clock.js';

/**
 * Every event a hand-off's timeline (and so its ledger) can hold, in roughly the order the playbook
 * meets them. The workflow records only these; the ledger fold, the demo seed and the API read them.
 */
export const TIMELINE_EVENTS = [
  'submitted',
  'checklist_updated',
  'draft_expired',
  'handoff_window_missed',
  'checklist_completed',
  'icp_failed',
  'scored',
  'tiered',
  'no_eligible_ae',
  'assigned',
  'clock_fallback',
  'accepted',
  'rejected',
  'booking_attempt',
  'reminder',
  'contact_window_missed',
  'escalated',
  'reassigned',
  'returned_to_sdr',
  'sent_to_nurture',
  'intervention_refused',
  'intervention_failed',
  'contacted',
  'outcome_reported',
  'feedback_submitted',
  'feedback_reminder',
  'closed',
] as const;
export type TimelineEvent = (typeof TIMELINE_EVENTS)[number];

export const TimelineEntrySchema = z.object({
  at: InstantSchema,
  actor: z.string().meta({ description: "Principal id, or `baton` for the workflow's own decisions" }),
  event: z.enum(TIMELINE_EVENTS),
  detail: z.string().optional(),
  rule: z.string().optional().meta({ description: 'The policy rule that triggered a decision, e.g. tiers.hot.contactWindow' }),
  ref: z.string().optional().meta({
    description: 'A key this entry refers to: the routing decision in the ledger, or the id of the intervention it applies or refuses',
  }),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

/** The actor of the workflow's own decisions. */
export const BATON = 'baton';
