import { z } from 'zod';
import { REJECT_REASONS, REPORTED_OUTCOMES } from './actions.js';
import { ChecklistResultSchema } from './checklist.js';
import { IcpResultSchema } from './icp.js';
import { LeadSchema } from './lead.js';
import { TIERS } from './policy.js';
import { RoutingDecisionSchema } from './routing.js';
import { ScoreSchema } from './scoring.js';
import { InstantSchema } from './sla-clock.js';
import { TimelineEntrySchema } from './timeline.js';

export const STAGES = ['awaiting_checklist', 'awaiting_assignment', 'assigned', 'accepted', 'contacted', 'closed'] as const;
export type Stage = (typeof STAGES)[number];
export const OUTCOMES = [
  'opportunity',
  'disqualified',
  'no_show',
  'nurture',
  'returned_to_sdr',
  'not_icp',
  'expired',
  'withdrawn',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

const instant = InstantSchema;
const by = { by: z.string(), at: instant };

/** The read model of one hand-off (DESIGN §3): query `state` and `GET /v1/handoffs/:id`. */
export const HandoffStateSchema = z
  .object({
    id: z.string(),
    stage: z.enum(STAGES),
    outcome: z.enum(OUTCOMES).optional(),
    closeReason: z.string().optional().meta({ description: 'Why it closed, e.g. sla_missed, feedback_window_elapsed, a rejection reason' }),
    sdrId: z.string(),
    assignedAe: z.string().optional(),
    previousAes: z.array(z.string()),
    tier: z.enum(TIERS).optional(),
    provisionalTier: z.enum(TIERS),
    score: ScoreSchema.optional(),
    provisionalScore: z.number().int().meta({ description: 'Score of the data so far while the checklist is incomplete' }),
    icp: IcpResultSchema,
    checklist: ChecklistResultSchema,
    deadlines: z.object({
      handoffBy: instant,
      expiresAt: instant.optional(),
      contactBy: instant.optional(),
      feedbackBy: instant.optional(),
      reminders: z
        .array(instant)
        .optional()
        .meta({ description: "When the assigned AE is reminded (fractions of the contact window, on the AE's clock)" }),
    }),
    clocks: z
      .object({ handoff: z.string(), contact: z.string().optional() })
      .optional()
      .meta({ description: 'How each window counts time: calendar time, or working hours in a time zone' }),
    sdrTimeZone: z.string().optional().meta({ description: 'The zone in which booking-attempt days are counted' }),
    handoffWindowMissed: z.boolean(),
    escalations: z.number().int(),
    bookingAttempts: z.array(z.object({ ...by, aeId: z.string().optional(), note: z.string().optional() })),
    rejection: z.object({ reason: z.enum(REJECT_REASONS), note: z.string().optional(), ...by, rerouted: z.boolean() }).optional(),
    contact: z.object({ channel: z.string(), note: z.string().optional(), ...by }).optional(),
    outcomeReport: z
      .object({ outcome: z.enum(REPORTED_OUTCOMES), amount: z.number().optional(), note: z.string().optional(), ...by })
      .optional(),
    feedback: z.object({ rating: z.number().int(), qualityIssues: z.array(z.string()), note: z.string().optional(), ...by }).optional(),
    routing: RoutingDecisionSchema.extend({ at: instant })
      .optional()
      .meta({ description: 'The last routing decision: the AE picked, the candidates and who was excluded why.' }),
    submittedAt: instant,
    assignedAt: instant.optional(),
    acceptedAt: instant.optional(),
    closedAt: instant.optional(),
    policyVersion: z.string(),
    lead: LeadSchema,
    timeline: z.array(TimelineEntrySchema),
  })
  .meta({ id: 'HandoffState' });
export type HandoffState = z.infer<typeof HandoffStateSchema>;
