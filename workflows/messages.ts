import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AcceptInput,
  BookingAttemptInput,
  ChecklistPatch,
  ContactedInput,
  EscalateInput,
  FeedbackInput,
  Message,
  OutcomeInput,
  ReassignInput,
  RejectInput,
  ReturnToSdrInput,
  Signalled,
  SubmitInput,
  WithdrawInput,
} from '../src/domain/actions.js';
import type { Lead } from '../src/domain/lead.js';
import type { HandoffState } from '../src/domain/state.js';

/**
 * The hand-off workflow's contract, shared by the workflow, the worker, the API and the tests.
 * The API imports this module, never the workflow body.
 */
export const WORKFLOW_TYPE = 'handoff';
export const workflowIdFor = (handoffId: string): string => `handoff-${handoffId}`;

export interface HandoffStart {
  handoffId: string;
  sdrId: string;
  lead: Lead;
  /** The SDR's time zone, in which booking-attempt days are counted (default: the team clock's zone). */
  sdrTimeZone?: string;
  /** The SDR's manager (principals file), told when the hand-off window is missed. */
  sdrManagerId?: string;
  /** The submission's fingerprint: a repeated submit must carry the same one. */
  submissionHash?: string;
}

/** Failure types the update validators use, so the API maps them without string matching. */
export const REFUSED_TRANSITION = 'RefusedTransition';
export const INVALID_MESSAGE = 'InvalidMessage';

/** What the submit update answers: the settled state, and whether this submit started the hand-off. */
export interface Submitted {
  state: HandoffState;
  created: boolean;
}

export const stateQuery = defineQuery<HandoffState>('state');

/** Sent with the workflow's start (update-with-start): answers once the hand-off is gated, scored and routed. */
export const submitUpdate = defineUpdate<Submitted, [Message<SubmitInput>]>('submit');
export const updateChecklistUpdate = defineUpdate<HandoffState, [Message<ChecklistPatch>]>('updateChecklist');
export const withdrawUpdate = defineUpdate<HandoffState, [Message<WithdrawInput>]>('withdraw');
export const acceptUpdate = defineUpdate<HandoffState, [Message<AcceptInput>]>('accept');
export const rejectUpdate = defineUpdate<HandoffState, [Message<RejectInput>]>('reject');
export const markContactedUpdate = defineUpdate<HandoffState, [Message<ContactedInput>]>('markContacted');
export const reportOutcomeUpdate = defineUpdate<HandoffState, [Message<OutcomeInput>]>('reportOutcome');
export const submitFeedbackUpdate = defineUpdate<HandoffState, [Message<FeedbackInput>]>('submitFeedback');
export const recordBookingAttemptUpdate = defineUpdate<HandoffState, [Message<BookingAttemptInput>]>('recordBookingAttempt');

/**
 * Manager/ops interventions, twice: as updates (the API: refused or applied, with the answer) and as
 * signals of the same names (the Temporal UI and CLI). Both go through the same handler.
 */
export const interventionUpdates = {
  escalate: defineUpdate<HandoffState, [Message<EscalateInput>]>('escalate'),
  reassign: defineUpdate<HandoffState, [Message<ReassignInput>]>('reassign'),
  returnToSdr: defineUpdate<HandoffState, [Message<ReturnToSdrInput>]>('returnToSdr'),
} as const;
export const interventionSignals = {
  escalate: defineSignal<[Signalled<EscalateInput>]>('escalate'),
  reassign: defineSignal<[Signalled<ReassignInput>]>('reassign'),
  returnToSdr: defineSignal<[Signalled<ReturnToSdrInput>]>('returnToSdr'),
} as const;

/** The roster changed (sent by the roster routes): a hand-off waiting for an eligible AE retries routing now. */
export const rosterChangedSignal = defineSignal('rosterChanged');

/** What each handler does, as the Temporal UI shows it. */
export const DESCRIPTIONS = {
  state: 'The full read model of this hand-off (DESIGN §3).',
  submit:
    'Sent with the start (update-with-start) by the API: {submissionHash}. Answers {state, created} once the hand-off is gated, scored and routed (a draft: at once). Refused for another SDR or a different body under the same id.',
  updateChecklist: 'SDR fills checklist items while the hand-off is awaiting_checklist (any subset of the submission body).',
  withdraw: 'SDR withdraws the hand-off before it is assigned. Body: {reason?, note?}.',
  accept: 'Assigned AE accepts the hand-off. Body: {note?}.',
  reject:
    'Assigned AE rejects. Body: {reason, note?}. Routing reasons (capacity, wrong_territory, conflict) re-route to another AE; qualification reasons return the lead to the SDR.',
  markContacted: 'Assigned AE records first contact. Body: {channel: call|email|meeting|linkedin|other, at?, note?}.',
  reportOutcome:
    'Assigned AE reports the outcome after first contact. Body: {outcome: opportunity|disqualified|no_show|nurture, amount?, note?}.',
  submitFeedback: 'Assigned AE rates how ready the lead was. Body: {rating: 1–5, qualityIssues: string[], note?}.',
  recordBookingAttempt:
    "Owning SDR records an attempt to book the assigned AE. Body: {at?, note?}. Attempts on consecutive days (policy bookingAttempts.consecutiveDays, counted in the SDR's time zone) without the AE accepting or making contact escalate at once.",
  escalate:
    'Manager/ops escalates: {"reason": "...", "to"?: "ae-id", "note"?: "..."}. Without `to` the lead goes to a senior AE who has not had it, with a fresh first-contact window.',
  reassign: 'Manager/ops reassigns to a named AE: {"to": "ae-id", "reason"?: "...", "note"?: "..."}. A fresh first-contact window starts.',
  returnToSdr: 'Manager/ops returns the lead to the SDR: {"reason": "...", "note"?: "..."}. The hand-off closes as returned_to_sdr.',
  rosterChanged: 'The AE roster changed: a hand-off waiting for an eligible AE retries routing now instead of at the next hourly try.',
} as const;
