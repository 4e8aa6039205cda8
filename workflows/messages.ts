import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type {
  AcceptInput,
  ChecklistPatch,
  ContactedInput,
  FeedbackInput,
  Message,
  OutcomeInput,
  RejectInput,
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
}

/** Failure types the update validators use, so the API maps them without string matching. */
export const REFUSED_TRANSITION = 'RefusedTransition';
export const INVALID_MESSAGE = 'InvalidMessage';

export const stateQuery = defineQuery<HandoffState>('state');

export const updateChecklistUpdate = defineUpdate<HandoffState, [Message<ChecklistPatch>]>('updateChecklist');
export const withdrawUpdate = defineUpdate<HandoffState, [Message<WithdrawInput>]>('withdraw');
export const acceptUpdate = defineUpdate<HandoffState, [Message<AcceptInput>]>('accept');
export const rejectUpdate = defineUpdate<HandoffState, [Message<RejectInput>]>('reject');
export const markContactedUpdate = defineUpdate<HandoffState, [Message<ContactedInput>]>('markContacted');
export const reportOutcomeUpdate = defineUpdate<HandoffState, [Message<OutcomeInput>]>('reportOutcome');
export const submitFeedbackUpdate = defineUpdate<HandoffState, [Message<FeedbackInput>]>('submitFeedback');
