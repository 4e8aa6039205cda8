import type { RejectReason, ReportedOutcome } from './actions.js';
import type { ChecklistResult } from './checklist.js';
import type { IcpResult } from './icp.js';
import type { Lead } from './lead.js';
import type { Tier } from './policy.js';
import type { RoutingDecision } from './routing.js';
import type { Score } from './scoring.js';

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

export interface TimelineEntry {
  /** ISO instant. */
  at: string;
  /** Principal id, or `baton` for the workflow's own decisions. */
  actor: string;
  event: string;
  detail?: string;
}

/** The read model of one hand-off (DESIGN §3): query `state` and `GET /v1/handoffs/:id`. */
export interface HandoffState {
  id: string;
  stage: Stage;
  outcome?: Outcome;
  /** Why it closed, e.g. `sla_missed`, `feedback_window_elapsed`, a rejection reason. */
  closeReason?: string;
  sdrId: string;
  assignedAe?: string;
  previousAes: string[];
  tier?: Tier;
  provisionalTier: Tier;
  score?: Score;
  /** Score of the data so far while the checklist is incomplete. */
  provisionalScore: number;
  icp: IcpResult;
  checklist: ChecklistResult;
  deadlines: { handoffBy: string; expiresAt?: string; contactBy?: string; feedbackBy?: string };
  handoffWindowMissed: boolean;
  escalations: number;
  bookingAttempts: { at: string; by: string }[];
  rejection?: { reason: RejectReason; note?: string; by: string; at: string; rerouted: boolean };
  contact?: { channel: string; at: string; by: string; note?: string };
  outcomeReport?: { outcome: ReportedOutcome; amount?: number; note?: string; by: string; at: string };
  feedback?: { rating: number; qualityIssues: string[]; note?: string; by: string; at: string };
  routing?: RoutingDecision & { at: string };
  submittedAt: string;
  assignedAt?: string;
  acceptedAt?: string;
  closedAt?: string;
  policyVersion: string;
  lead: Lead;
  timeline: TimelineEntry[];
}
