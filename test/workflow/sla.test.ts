import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Lead } from '../../src/domain/lead.js';
import { acceptUpdate, markContactedUpdate, reportOutcomeUpdate } from '../../workflows/messages.js';
import { actors, coolLead, hotLead, warmLead } from '../fixtures/leads.js';
import { assertElapsed, DAY, HOUR, MINUTE, waitForStage, withHarness } from './harness.js';

const { kim } = actors;

const tiers: [string, Lead, number][] = [
  ['hot', hotLead, 24 * HOUR],
  ['warm', warmLead, 48 * HOUR],
  ['cool', coolLead, 7 * DAY],
];

describe('first-contact window per tier (time-skipping)', () => {
  for (const [tier, lead, window] of tiers) {
    it(`${tier}: returned to the SDR as sla_missed at ${window / HOUR} h, not a minute early`, () =>
      withHarness(async (h) => {
        const handle = await h.start(`sla-${tier}`, lead);
        const assigned = await waitForStage(h, handle, 'assigned');
        assert.equal(assigned.tier, tier);
        await h.env.sleep(window - MINUTE);
        const before = await h.state(handle);
        assert.equal(before.stage, 'assigned');
        assert.equal(before.outcome, undefined);
        const final = await handle.result();
        assert.equal(final.outcome, 'returned_to_sdr');
        assert.equal(final.closeReason, 'sla_missed');
        assertElapsed(final.assignedAt, final.closedAt, window);
        assert.ok(final.timeline.some((e) => e.event === 'contact_window_missed' && e.detail?.includes(`tiers.${tier}.contactWindow`)));
      }));
  }

  it('accepting does not stop the clock: accepted but never contacted is returned', () =>
    withHarness(async (h) => {
      const handle = await h.start('sla-accepted', hotLead);
      await waitForStage(h, handle, 'assigned');
      await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
      const final = await handle.result();
      assert.equal(final.outcome, 'returned_to_sdr');
      assert.equal(final.closeReason, 'sla_missed');
      assertElapsed(final.assignedAt, final.closedAt, 24 * HOUR);
    }));

  it('contact one second before the deadline prevents the breach', () =>
    withHarness(async (h) => {
      const handle = await h.start('sla-just-in-time', hotLead);
      await waitForStage(h, handle, 'assigned');
      await h.env.sleep(24 * HOUR - 1000);
      const contacted = await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'email', actor: kim }] });
      assert.equal(contacted.stage, 'contacted');
      await h.env.sleep(2 * HOUR);
      const later = await h.state(handle);
      assert.equal(later.stage, 'contacted');
      assert.ok(!later.timeline.some((e) => e.event === 'contact_window_missed'));
    }));
});

describe('outcome and feedback window (time-skipping)', () => {
  it('reminds at 7 days and closes at 14 with the reported outcome when feedback never comes', () =>
    withHarness(async (h) => {
      const handle = await h.start('feedback-timeout', hotLead);
      await waitForStage(h, handle, 'assigned');
      await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'meeting', actor: kim }] });
      await handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'disqualified', actor: kim }] });
      await h.env.sleep(7 * DAY - MINUTE);
      assert.ok(!(await h.state(handle)).timeline.some((e) => e.event === 'feedback_reminder'), 'no reminder before 7 days');
      await h.env.sleep(2 * MINUTE);
      assert.ok(
        (await h.state(handle)).timeline.some((e) => e.event === 'feedback_reminder'),
        'reminder at 7 days',
      );
      const final = await handle.result();
      assert.equal(final.outcome, 'disqualified');
      assert.equal(final.closeReason, 'feedback_window_elapsed');
      assert.equal(final.feedback, undefined);
      assertElapsed(final.contact?.at, final.closedAt, 14 * DAY);
    }));

  it('closes as nurture when neither outcome nor feedback is reported', () =>
    withHarness(async (h) => {
      const handle = await h.start('feedback-none', hotLead);
      await waitForStage(h, handle, 'assigned');
      await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: kim }] });
      const final = await handle.result();
      assert.equal(final.outcome, 'nurture');
      assert.equal(final.closeReason, 'feedback_window_elapsed');
      assert.equal(final.outcomeReport, undefined);
    }));
});
