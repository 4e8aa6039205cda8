import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HandoffState } from '../../src/domain/state.js';
import {
  acceptUpdate,
  markContactedUpdate,
  reportOutcomeUpdate,
  submitFeedbackUpdate,
  updateChecklistUpdate,
  withdrawUpdate,
} from '../../workflows/messages.js';
import { actors, draftCompletion, draftLead, hotLead, nurtureLead, tooSmallLead, happyPathEvents } from '../fixtures/leads.js';
import { assertElapsed, DAY, HOUR, MINUTE, ms, notifications, waitForStage, withHarness } from './harness.js';

const { kim, jo } = actors;

describe('hand-off lifecycle (time-skipping)', () => {
  it('complete → assigned → accepted → contacted → outcome + feedback → closed as opportunity', () =>
    withHarness(async (h) => {
      const handle = await h.start('life-1', hotLead);
      const assigned = await waitForStage(h, handle, 'assigned');
      assert.equal(assigned.tier, 'hot');
      assert.equal(assigned.score?.total, 100);
      assert.equal(assigned.assignedAe, 'ae-kim');
      assert.equal(ms(assigned.deadlines.contactBy) - ms(assigned.assignedAt), 24 * HOUR);
      assert.equal(assigned.routing?.aeId, 'ae-kim');
      assert.deepEqual(assigned.routing?.excluded, [{ aeId: 'ae-lena', reason: 'territory' }]);

      const accepted = await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
      assert.equal(accepted.stage, 'accepted');
      await h.env.sleep(2 * HOUR);
      const contacted = await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: kim }] });
      assert.equal(contacted.stage, 'contacted');
      assert.equal(ms(contacted.deadlines.feedbackBy) - ms(contacted.contact?.at), 14 * DAY);
      await handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'opportunity', amount: 48000, actor: kim }] });
      const closed = await handle.executeUpdate(submitFeedbackUpdate, { args: [{ rating: 5, qualityIssues: [], actor: kim }] });
      assert.equal(closed.stage, 'closed', 'the second of outcome and feedback answers with the closed hand-off');

      const final: HandoffState = await handle.result();
      assert.equal(final.stage, 'closed');
      assert.equal(final.outcome, 'opportunity');
      assert.equal(final.closeReason, 'reported');
      assert.equal(final.outcomeReport?.amount, 48000);
      assert.equal(final.feedback?.rating, 5);
      assert.deepEqual(
        final.timeline.map((e) => e.event),
        happyPathEvents,
      );
      assert.ok(final.timeline.every((e) => e.actor && !Number.isNaN(Date.parse(e.at))));
      assert.equal(final.timeline.find((e) => e.event === 'accepted')?.actor, 'ae-kim');
      assert.equal(final.policyVersion, '2026-11-21.1');
    }));

  it('a draft waits with its missing items named, then is routed when the SDR completes it', () =>
    withHarness(async (h) => {
      const handle = await h.start('draft-1', draftLead);
      const draft = await waitForStage(h, handle, 'awaiting_checklist');
      assert.equal(draft.checklist.complete, false);
      assert.ok(draft.checklist.missing.includes('painPoints'));
      assert.ok(draft.checklist.missing.includes('nextStep'));
      assert.equal(draft.assignedAe, undefined);
      await h.env.sleep(HOUR);
      const done = await handle.executeUpdate(updateChecklistUpdate, { args: [{ ...draftCompletion, actor: jo }] });
      assert.equal(done.stage, 'assigned');
      assert.equal(done.checklist.complete, true);
      assert.deepEqual(done.checklist.missing, []);
      assert.equal(done.tier, 'hot');
      assert.equal(done.handoffWindowMissed, false);
    }));

  it('a draft still incomplete at 3× its hand-off window expires, after alerting the SDR and their manager at 1×', () =>
    withHarness(async (h) => {
      const handle = await h.start('draft-expire', draftLead, 'sdr-jo', undefined, { sdrManagerId: 'mgr-ana' });
      const draft = await waitForStage(h, handle, 'awaiting_checklist');
      // The draft scores 30 so far: provisional tier cool, window 72 h.
      assert.equal(draft.provisionalTier, 'cool');
      assert.equal(ms(draft.deadlines.handoffBy) - ms(draft.submittedAt), 72 * HOUR);
      await h.env.sleep(72 * HOUR - MINUTE);
      assert.equal((await h.state(handle)).handoffWindowMissed, false);
      await h.env.sleep(MINUTE + 1000);
      const missed = await h.state(handle);
      assert.equal(missed.handoffWindowMissed, true);
      assert.equal(missed.stage, 'awaiting_checklist');
      await h.env.sleep(2 * 72 * HOUR - 2 * MINUTE);
      assert.equal((await h.state(handle)).stage, 'awaiting_checklist', 'not a minute early');
      const final = await handle.result();
      assert.equal(final.outcome, 'expired');
      assertElapsed(final.submittedAt, final.closedAt, 3 * 72 * HOUR);
      assert.ok(final.timeline.some((e) => e.event === 'handoff_window_missed'));
      // Who is told comes from the principals file (the SDR's manager), not a placeholder.
      const alerts = (await notifications(h)).filter((n) => n.kind === 'handoff_window_missed');
      assert.deepEqual(
        alerts.map((n) => n.recipients),
        [
          [
            { id: 'sdr-jo', role: 'sdr' },
            { id: 'mgr-ana', role: 'sdr_manager' },
          ],
        ],
      );
    }));

  it('a lead outside the ICP closes as not_icp with the failed rules', () =>
    withHarness(async (h) => {
      const final = await (await h.start('not-icp', tooSmallLead)).result();
      assert.equal(final.outcome, 'not_icp');
      assert.deepEqual(
        final.icp.failed.map((f) => f.rule),
        ['minEmployees'],
      );
      assert.equal(final.assignedAe, undefined);
    }));

  it('a lead below the threshold goes to nurture with its score explained', () =>
    withHarness(async (h) => {
      const final = await (await h.start('nurture', nurtureLead)).result();
      assert.equal(final.outcome, 'nurture');
      assert.equal(final.score?.total, 30);
      assert.equal(final.tier, undefined);
      assert.match(final.closeReason ?? '', /below the threshold 50/);
    }));

  it('the SDR can withdraw a draft', () =>
    withHarness(async (h) => {
      const handle = await h.start('withdraw-1', draftLead);
      await waitForStage(h, handle, 'awaiting_checklist');
      const state = await handle.executeUpdate(withdrawUpdate, { args: [{ reason: 'duplicate in CRM', actor: jo }] });
      assert.equal(state.outcome, 'withdrawn');
      assert.equal((await handle.result()).closeReason, 'duplicate in CRM');
    }));
});
