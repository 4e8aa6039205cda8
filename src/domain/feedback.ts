import type { Policy } from './policy.js';
import type { HandoffState, Outcome } from './state.js';

/** When the AE is reminded to report the outcome and rate the lead: the feedback window runs from first contact. */
export function feedbackReminderAt(feedbackBy: number, policy: Policy): number {
  return feedbackBy - policy.feedback.window + policy.feedback.reminder;
}

/** Both the outcome and the rating are in. */
export const feedbackComplete = (state: Pick<HandoffState, 'outcomeReport' | 'feedback'>): boolean =>
  state.outcomeReport !== undefined && state.feedback !== undefined;

/**
 * How a contacted hand-off closes: with the reported outcome once outcome and rating are in; when
 * the window elapses first, with whatever outcome was reported, or nurture (the gap is on record).
 */
export function feedbackClose(state: Pick<HandoffState, 'outcomeReport' | 'feedback'>): { outcome: Outcome; reason: string } {
  if (feedbackComplete(state)) return { outcome: state.outcomeReport!.outcome, reason: 'reported' };
  return { outcome: state.outcomeReport?.outcome ?? 'nurture', reason: 'feedback_window_elapsed' };
}
