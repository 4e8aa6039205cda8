import { z } from 'zod';
import { REJECT_REASONS, REPORTED_OUTCOMES, type RejectReason } from './actions.js';
import { TIERS } from './policy.js';
import { LeadSchema } from './lead.js';
import { InstantSchema } from './sla-clock.js';
import { OUTCOMES, STAGES, type HandoffState } from './state.js';
import { TimelineEntrySchema } from './timeline.js';

/**
 * The hand-off ledger (DESIGN §2.7): every timeline entry of every hand-off, numbered by its place
 * in the timeline, shipped to PostgreSQL by an idempotent activity. Each event carries the
 * hand-off's facts after the batch it was shipped in, so one row per hand-off (the projection) can
 * be rebuilt from the ledger alone. Pure code: the workflow builds the batches, the store folds them.
 */

/** The figures' view of a hand-off's state: what the projection and the metrics need, nothing more. */
export const HandoffFactsSchema = z.object({
  stage: z.enum(STAGES),
  outcome: z.enum(OUTCOMES).optional(),
  closeReason: z.string().optional(),
  sdrId: z.string(),
  assignedAe: z.string().optional(),
  previousAes: z.array(z.string()),
  tier: z.enum(TIERS).optional(),
  provisionalTier: z.enum(TIERS),
  score: z.number().int().optional(),
  company: z.string().optional(),
  escalations: z.number().int(),
  handoffWindowMissed: z.boolean(),
  submittedAt: InstantSchema,
  handoffBy: InstantSchema,
  assignedAt: InstantSchema.optional(),
  contactBy: InstantSchema.optional(),
  contactedAt: InstantSchema.optional().meta({ description: 'When the AE says first contact happened (the `at` of markContacted)' }),
  closedAt: InstantSchema.optional(),
  rejection: z.object({ reason: z.enum(REJECT_REASONS), rerouted: z.boolean() }).optional(),
  reportedOutcome: z.enum(REPORTED_OUTCOMES).optional(),
  rating: z.number().int().optional(),
  qualityIssues: z.array(z.string()).optional(),
});
export type HandoffFacts = z.infer<typeof HandoffFactsSchema>;

/** One ledger row: a timeline entry, where it sits (workflow id + sequence), and the facts after it. */
export const LedgerEventSchema = TimelineEntrySchema.extend({
  workflowId: z.string().min(1),
  handoffId: z.string().min(1),
  seq: z.number().int().nonnegative(),
  facts: HandoffFactsSchema,
});
export type LedgerEvent = z.infer<typeof LedgerEventSchema>;

/** What the workflow hands the ledger activity: the timeline entries `[from, from + entries.length)`. */
export const LedgerBatchSchema = z.object({
  workflowId: z.string().min(1),
  handoffId: z.string().min(1),
  from: z.number().int().nonnegative(),
  entries: z.array(TimelineEntrySchema),
  facts: HandoffFactsSchema,
  /** The lead data as it stands (table `handoff_leads`, what the policy simulator replays); absent in older runs' batches. */
  lead: LeadSchema.optional(),
  /** The version of the policy the hand-off runs under ('(loading)' until it has loaded). */
  policyVersion: z.string().optional(),
});
export type LedgerBatch = z.infer<typeof LedgerBatchSchema>;

/** The ledger's facts of a hand-off's read model. */
export function factsOf(state: HandoffState): HandoffFacts {
  const facts: HandoffFacts = {
    stage: state.stage,
    outcome: state.outcome,
    closeReason: state.closeReason,
    sdrId: state.sdrId,
    assignedAe: state.assignedAe,
    previousAes: [...state.previousAes],
    tier: state.tier,
    provisionalTier: state.provisionalTier,
    score: state.score?.total,
    company: state.lead.company?.name,
    escalations: state.escalations,
    handoffWindowMissed: state.handoffWindowMissed,
    submittedAt: state.submittedAt,
    handoffBy: state.deadlines.handoffBy,
    assignedAt: state.assignedAt,
    contactBy: state.deadlines.contactBy,
    contactedAt: state.contact?.at,
    closedAt: state.closedAt,
    rejection: state.rejection ? { reason: state.rejection.reason, rerouted: state.rejection.rerouted } : undefined,
    reportedOutcome: state.outcomeReport?.outcome,
    rating: state.feedback?.rating,
    qualityIssues: state.feedback ? [...state.feedback.qualityIssues] : undefined,
  };
  return compactFacts(facts);
}

/** Facts without undefined fields (absent, not undefined: they travel as JSON and are compared as JSON). */
export function compactFacts(facts: HandoffFacts): HandoffFacts {
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as HandoffFacts;
}

/** The rows of one batch, numbered from its start. */
export function ledgerEvents(batch: LedgerBatch): LedgerEvent[] {
  return batch.entries.map((entry, i) => ({
    ...entry,
    workflowId: batch.workflowId,
    handoffId: batch.handoffId,
    seq: batch.from + i,
    facts: batch.facts,
  }));
}

/** One row per hand-off (table `handoff_projection`): what the figures are computed from. */
export interface HandoffProjection {
  handoffId: string;
  workflowId: string;
  stage: HandoffFacts['stage'];
  outcome: HandoffFacts['outcome'] | null;
  closeReason: string | null;
  tier: HandoffFacts['tier'] | null;
  provisionalTier: HandoffFacts['provisionalTier'];
  score: number | null;
  sdrId: string;
  /** The AE who holds the hand-off, or the last one who did. */
  aeId: string | null;
  /** The first AE it was assigned to. */
  firstAeId: string | null;
  company: string | null;
  submittedAt: string;
  handoffBy: string;
  firstAssignedAt: string | null;
  /** The latest assignment (differs from the first after a re-route, escalation or reassignment). */
  assignedAt: string | null;
  firstContactAt: string | null;
  closedAt: string | null;
  /** Submit → assigned within the hand-off window: met, missed, or not decided yet (null). */
  handoffSla: 'met' | 'missed' | null;
  /** Assigned → first contact within the first-contact window, for every AE who held it: met, missed, or not decided (null). */
  contactSla: 'met' | 'missed' | null;
  escalations: number;
  /** Rejections for routing reasons (capacity, territory, conflict): re-routed, not counted as rejections. */
  reroutes: number;
  /** The qualification reason an AE rejected it for (it went back to the SDR), if any. */
  rejectionReason: RejectReason | null;
  reportedOutcome: HandoffFacts['reportedOutcome'] | null;
  rating: number | null;
  qualityIssues: string[];
  lastSeq: number;
  /** Rows in the ledger; `lastSeq + 1` when there are no gaps. */
  events: number;
}

/**
 * Folds a hand-off's ledger rows (any order, duplicates allowed) into its projection row. The
 * latest facts give the current state; the events give what facts forget (the first assignment,
 * every missed window, every re-route).
 */
export function projectHandoff(rows: readonly LedgerEvent[]): HandoffProjection {
  if (rows.length === 0) throw new Error('a projection needs at least one ledger event');
  const bySeq = new Map<number, LedgerEvent>();
  for (const row of rows) bySeq.set(row.seq, row);
  const events = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const last = events.at(-1)!;
  const facts = last.facts;
  const firstAssigned = events.find((e) => e.event === 'assigned');
  const firstAssignedAt = firstAssigned?.at ?? earliest(events.map((e) => e.facts.assignedAt));
  const everMissedContact = events.some((e) => e.event === 'contact_window_missed');
  const reroutes = events.filter((e) => e.event === 'rejected').length - (facts.rejection && !facts.rejection.rerouted ? 1 : 0);
  const heldBy = facts.assignedAe ?? facts.previousAes.at(-1) ?? null;
  return {
    handoffId: last.handoffId,
    workflowId: last.workflowId,
    stage: facts.stage,
    outcome: facts.outcome ?? null,
    closeReason: facts.closeReason ?? null,
    tier: facts.tier ?? null,
    provisionalTier: facts.provisionalTier,
    score: facts.score ?? null,
    sdrId: facts.sdrId,
    aeId: heldBy,
    firstAeId: facts.previousAes[0] ?? facts.assignedAe ?? null,
    company: facts.company ?? null,
    submittedAt: facts.submittedAt,
    handoffBy: facts.handoffBy,
    firstAssignedAt: firstAssignedAt ?? null,
    assignedAt: facts.assignedAt ?? null,
    firstContactAt: facts.contactedAt ?? null,
    closedAt: facts.closedAt ?? null,
    handoffSla: facts.handoffWindowMissed ? 'missed' : firstAssignedAt ? 'met' : null,
    contactSla: everMissedContact ? 'missed' : facts.contactedAt ? 'met' : null,
    escalations: facts.escalations,
    reroutes: Math.max(0, reroutes),
    rejectionReason: facts.rejection && !facts.rejection.rerouted ? facts.rejection.reason : null,
    reportedOutcome: facts.reportedOutcome ?? null,
    rating: facts.rating ?? null,
    qualityIssues: facts.qualityIssues ?? [],
    lastSeq: last.seq,
    events: events.length,
  };
}

function earliest(instants: (string | undefined)[]): string | undefined {
  const defined = instants.filter((i): i is string => i !== undefined);
  return defined.length ? defined.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b)) : undefined;
}
