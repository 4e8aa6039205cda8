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
}

/** Failure types the update validators use, so the API maps them without string matching. */
export const REFUSED_TRANSITION = 'RefusedTransition';
export const INVALID_MESSAGE = 'InvalidMessage';

/** Timeline events that answer an intervention signal (their `ref` is the signal's requestId). */
export const INTERVENTION_REFUSED = 'intervention_refused';
export const INTERVENTION_FAILED = 'intervention_failed';
/**
 * Timeline events after which an applied intervention has settled: the workflow has routed the
 * hand-off (assigned, or nobody eligible) or closed it.
 */
export const SETTLED_AFTER_INTERVENTION: readonly string[] = ['assigned', 'no_eligible_ae', 'closed'];

export const stateQuery = defineQuery<HandoffState>('state');

export const updateChecklistUpdate = defineUpdate<HandoffState, [Message<ChecklistPatch>]>('updateChecklist');
export const withdrawUpdate = defineUpdate<HandoffState, [Message<WithdrawInput>]>('withdraw');
export const acceptUpdate = defineUpdate<HandoffState, [Message<AcceptInput>]>('accept');
export const rejectUpdate = defineUpdate<HandoffState, [Message<RejectInput>]>('reject');
export const markContactedUpdate = defineUpdate<HandoffState, [Message<ContactedInput>]>('markContacted');
export const reportOutcomeUpdate = defineUpdate<HandoffState, [Message<OutcomeInput>]>('reportOutcome');
export const submitFeedbackUpdate = defineUpdate<HandoffState, [Message<FeedbackInput>]>('submitFeedback');
export const recordBookingAttemptUpdate = defineUpdate<HandoffState, [Message<BookingAttemptInput>]>('recordBookingAttempt');

/** Manager/ops interventions: signals, so they can be sent from the Temporal UI or CLI. */
export const escalateSignal = defineSignal<[Signalled<EscalateInput>]>('escalate');
export const reassignSignal = defineSignal<[Signalled<ReassignInput>]>('reassign');
export const returnToSdrSignal = defineSignal<[Signalled<ReturnToSdrInput>]>('returnToSdr');
/** The roster changed (sent by the roster routes): a hand-off waiting for an eligible AE retries routing now. */
export const rosterChangedSignal = defineSignal('rosterChanged');
export const interventionSignals = { escalate: escalateSignal, reassign: reassignSignal, returnToSdr: returnToSdrSignal } as const;
