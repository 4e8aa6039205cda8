import { condition } from '@temporalio/workflow';
import {
  ChecklistPatchSchema,
  OPS_CONSOLE,
  type AcceptInput,
  type BookingAttemptInput,
  type ChecklistPatch,
  type ContactedInput,
  type FeedbackInput,
  type Message,
  type OutcomeInput,
  type RejectInput,
  type SubmitInput,
  type WithdrawInput,
} from '../../src/domain/actions.js';
import { consecutiveBookingDays } from '../../src/domain/booking.js';
import { mergeLead } from '../../src/domain/lead.js';
import type { HandoffState } from '../../src/domain/state.js';
import { refusal, type Refusal } from '../../src/domain/transitions.js';
import type { Submitted } from '../messages.js';
import type { Handoff } from './handoff.js';
import { introduce } from './intro.js';
import { who } from './validate.js';

/**
 * What the SDR's and the AE's updates do once their validators let them through. Those that need
 * routing (a rejection, unanswered booking attempts) post a request for the playbook and answer
 * when it has been applied.
 */
const iso = (ms: number): string => new Date(ms).toISOString();

/** Settled: the policy is loaded (`submitted` is on the timeline) and a complete checklist has been gated and routed. */
const settled = (state: HandoffState): boolean =>
  state.timeline.length > 0 && !(state.stage === 'awaiting_checklist' && state.checklist.complete);

/** The SDR's submit sent with the start (update-with-start); a repeat must be the same SDR's same body. */
export function refuseSubmit(h: Handoff, actor: { id: string }, input: SubmitInput): Refusal | null {
  if (actor.id !== h.state.sdrId) return refusal('id_taken', `handoffId ${h.state.id} is already taken; use another idempotency key`);
  if (h.start.submissionHash !== undefined && input.submissionHash !== h.start.submissionHash) {
    return refusal(
      'different_submission',
      `hand-off ${h.state.id} was already submitted with a different body; PATCH it to change checklist items, or use a new handoffId`,
    );
  }
  return null;
}

export async function submit(h: Handoff): Promise<Submitted> {
  const created = ++h.submits === 1;
  await condition(() => settled(h.state));
  return { state: h.state, created };
}

export async function updateChecklist(h: Handoff, message: Message<ChecklistPatch>): Promise<HandoffState> {
  const { actor, ...patch } = message;
  const { state } = h;
  await condition(() => h.policy !== undefined);
  state.lead = mergeLead(state.lead, ChecklistPatchSchema.parse(patch));
  h.dataVersion++;
  h.evaluateDraft();
  h.record(
    'checklist_updated',
    who(actor),
    state.checklist.complete ? 'checklist complete' : `missing: ${state.checklist.missing.join(', ')}`,
  );
  h.publish(h.checklistWaitingFor());
  // Answer with the outcome of a completed checklist (assigned, awaiting an AE, or closed).
  await condition(() => state.stage !== 'awaiting_checklist' || !state.checklist.complete);
  return state;
}

export function withdraw(h: Handoff, { actor, reason }: Message<WithdrawInput>): HandoffState {
  h.close('withdrawn', reason ?? 'withdrawn by the SDR', who(actor));
  return h.state;
}

export function accept(h: Handoff, message: Message<AcceptInput>): HandoffState {
  h.state.acceptedAt = iso(Date.now());
  h.record('accepted', who(message.actor), message.note);
  h.setStage('accepted', `first contact by ${h.state.deadlines.contactBy}`);
  introduce(h);
  return h.state;
}

export async function reject(h: Handoff, message: Message<RejectInput>): Promise<HandoffState> {
  const { actor, ...input } = message;
  const entry = h.inbox.post({ type: 'rejection', input, actor: actor ?? OPS_CONSOLE });
  // Answer once the workflow has re-routed or returned the lead.
  await condition(() => entry.settlement !== undefined);
  return h.state;
}

export function markContacted(h: Handoff, message: Message<ContactedInput>): HandoffState {
  const { state } = h;
  const now = Date.now();
  const at = message.at ? Date.parse(message.at) : now;
  state.contact = { channel: message.channel, at: iso(at), by: who(message.actor), ...(message.note ? { note: message.note } : {}) };
  state.deadlines.feedbackBy = iso(now + h.policy.feedback.window);
  h.record('contacted', who(message.actor), `${message.channel} at ${iso(at)}`);
  h.setStage('contacted', `outcome and feedback by ${state.deadlines.feedbackBy}`);
  return state;
}

/** The second of outcome and feedback answers with the closed hand-off. */
const closedOnceBothReported = (h: Handoff): Promise<void> =>
  condition(() => h.state.outcomeReport === undefined || h.state.feedback === undefined || h.closed);

export async function reportOutcome(h: Handoff, message: Message<OutcomeInput>): Promise<HandoffState> {
  const { actor, ...input } = message;
  h.state.outcomeReport = { ...input, by: who(actor), at: iso(Date.now()) };
  h.record('outcome_reported', who(actor), input.outcome);
  await closedOnceBothReported(h);
  return h.state;
}

export async function submitFeedback(h: Handoff, message: Message<FeedbackInput>): Promise<HandoffState> {
  const { actor, ...input } = message;
  h.state.feedback = { ...input, by: who(actor), at: iso(Date.now()) };
  h.record(
    'feedback_submitted',
    who(actor),
    `rating ${input.rating}${input.qualityIssues.length ? `; issues: ${input.qualityIssues.join(', ')}` : ''}`,
  );
  await closedOnceBothReported(h);
  return h.state;
}

/** Attempts on consecutive days without the AE accepting or making contact escalate at once (DESIGN §2.5). */
export async function recordBookingAttempt(h: Handoff, message: Message<BookingAttemptInput>): Promise<HandoffState> {
  const { state } = h;
  const { actor, at, note } = message;
  const attemptedAt = at ? Date.parse(at) : Date.now();
  const ae = state.assignedAe!;
  state.bookingAttempts.push({ by: who(actor), at: iso(attemptedAt), aeId: ae, ...(note ? { note } : {}) });
  h.record('booking_attempt', who(actor), `tried to book ${ae} at ${iso(attemptedAt)}${note ? `: ${note}` : ''}`);
  // Only attempts on the AE who holds the lead now, and only while that AE has not accepted.
  if (h.slaEngine && !state.acceptedAt) {
    const attempts = state.bookingAttempts.filter((a) => a.aeId === ae).map((a) => Date.parse(a.at));
    const days = consecutiveBookingDays(attempts, state.sdrTimeZone!, h.policy.bookingAttempts.consecutiveDays);
    if (days) {
      const entry = h.inbox.post({ type: 'booking_escalation', days, actor: who(actor) });
      // Answer once the escalation has been applied.
      await condition(() => entry.settlement !== undefined);
    }
  }
  return state;
}
