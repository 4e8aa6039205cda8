import { condition } from '@temporalio/workflow';
import { feedbackClose, feedbackComplete, feedbackReminderAt } from '../../src/domain/feedback.js';
import { BATON } from '../../src/domain/timeline.js';
import type { Handoff } from './handoff.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** After first contact: outcome and feedback within the feedback window, with one reminder. */
export async function collectFeedback(h: Handoff): Promise<void> {
  const { state } = h;
  const both = (): boolean => feedbackComplete(state);
  const feedbackBy = Date.parse(state.deadlines.feedbackBy!);
  const remindAt = feedbackReminderAt(feedbackBy, h.policy);
  if (!(await condition(both, Math.max(1, remindAt - Date.now()), { summary: `feedback reminder at ${iso(remindAt)}` }))) {
    h.record(
      'feedback_reminder',
      BATON,
      `outcome${state.outcomeReport ? ' (done)' : ''} and feedback${state.feedback ? ' (done)' : ''} due by ${state.deadlines.feedbackBy}`,
      { rule: 'feedback.reminder' },
    );
    await h.tell('feedback_reminder', 'feedback-reminder', `Report the outcome and rate ${h.company} by ${state.deadlines.feedbackBy}`);
  }
  await condition(both, Math.max(1, feedbackBy - Date.now()), { summary: `outcome and feedback by ${state.deadlines.feedbackBy}` });
  const { outcome, reason } = feedbackClose(state);
  h.close(outcome, reason);
}
