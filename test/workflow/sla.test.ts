import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Lead } from '../../src/domain/lead.js';
import { acceptUpdate, markContactedUpdate, reportOutcomeUpdate } from '../../workflows/messages.js';
import { actors, coolLead, hotLead, warmLead } from '../fixtures/leads.js';
import { assertElapsed, DAY, events, HOUR, MINUTE, ms, waitForStage, withHarness } from './harness.js';

const { kim, sam } = actors;

const ladder: [string, Lead, number][] = [
  ['hot', hotLead, 24 * HOUR],
  ['warm', warmLead, 48 * HOUR],
];

describe('first-contact window and escalation ladder per tier (time-skipping)', { concurrency: true }, () => {
  for (const [tier, lead, window] of ladder) {
    it(`${tier}: reminders at 50 % and 80 %, escalation to the senior AE at ${window / HOUR} h, returned as sla_missed at the second miss`, () =>
      withHarness(async (h) => {
        const handle = await h.start(`sla-${tier}`, lead);
        const assigned = await waitForStage(h, handle, 'assigned');
        assert.equal(assigned.tier, tier);
        assert.equal(assigned.assignedAe, 'ae-kim');
        assert.deepEqual(
          assigned.deadlines.reminders?.map((r) => ms(r) - ms(assigned.assignedAt)),
          [window * 0.5, window * 0.8],
        );

        await h.env.sleep(window / 2 - MINUTE);
        assert.equal(events(await h.state(handle), 'reminder').length, 0, 'no reminder before 50 %');
        await h.env.sleep(2 * MINUTE);
        const first = events(await h.state(handle), 'reminder');
        assert.equal(first.length, 1, 'one reminder at 50 %');
        assertElapsed(assigned.assignedAt, first[0]!.at, window / 2);
        assert.equal(first[0]!.rule, `tiers.${tier}.reminders[0]`);

        await h.env.sleep(window * 0.3);
        const second = events(await h.state(handle), 'reminder');
        assert.equal(second.length, 2, 'a second reminder at 80 %');
        assertElapsed(assigned.assignedAt, second[1]!.at, window * 0.8);
        assert.equal(second[1]!.rule, `tiers.${tier}.reminders[1]`);

        await h.env.sleep(window * 0.2 - 2 * MINUTE);
        const before = await h.state(handle);
        assert.equal(before.assignedAe, 'ae-kim', 'not escalated a minute early');
        assert.equal(before.escalations, 0);

        await h.env.sleep(2 * MINUTE);
        const escalated = await waitForStage(h, handle, 'assigned');
        assert.equal(escalated.assignedAe, 'ae-sam', 'the senior AE');
        assert.deepEqual(escalated.previousAes, ['ae-kim']);
        assert.equal(escalated.escalations, 1);
        const missed = events(escalated, 'contact_window_missed');
        assert.equal(missed.length, 1);
        assert.equal(missed[0]!.rule, `tiers.${tier}.contactWindow`);
        assertElapsed(assigned.assignedAt, missed[0]!.at, window);
        assert.equal(events(escalated, 'escalated')[0]!.rule, `tiers.${tier}.escalations`);
        // A fresh window on the senior AE's clock, with fresh reminders.
        assertElapsed(escalated.assignedAt, escalated.deadlines.contactBy, window);
        assert.equal(escalated.deadlines.reminders?.length, 2);

        const final = await handle.result();
        assert.equal(final.outcome, 'returned_to_sdr');
        assert.equal(final.closeReason, 'sla_missed');
        assert.equal(final.escalations, 1);
        assertElapsed(escalated.assignedAt, final.closedAt, window);
        assert.equal(events(final, 'reminder').length, 4, 'each reminder once per assignment');
        assert.equal(events(final, 'contact_window_missed').length, 2);
        assert.equal(events(final, 'returned_to_sdr')[0]!.rule, `tiers.${tier}.onExhausted`);
      }));
  }

  it('cool: no escalation, returned to the SDR as sla_missed at 7 d, not a minute early', () =>
    withHarness(async (h) => {
      const handle = await h.start('sla-cool', coolLead);
      const assigned = await waitForStage(h, handle, 'assigned');
      assert.equal(assigned.tier, 'cool');
      await h.env.sleep(7 * DAY - MINUTE);
      const before = await h.state(handle);
      assert.equal(before.stage, 'assigned');
      assert.equal(events(before, 'reminder').length, 2);
      const final = await handle.result();
      assert.equal(final.outcome, 'returned_to_sdr');
      assert.equal(final.closeReason, 'sla_missed');
      assert.equal(final.escalations, 0);
      assert.equal(final.assignedAe, 'ae-kim');
      assertElapsed(final.assignedAt, final.closedAt, 7 * DAY);
      assert.match(events(final, 'returned_to_sdr')[0]!.detail ?? '', /does not escalate/);
    }));

  it('accepting does not stop the clock: accepted but never contacted is escalated', () =>
    withHarness(async (h) => {
      const handle = await h.start('sla-accepted', hotLead);
      const assigned = await waitForStage(h, handle, 'assigned');
      await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
      await h.env.sleep(24 * HOUR + MINUTE);
      const escalated = await h.state(handle);
      assert.equal(escalated.assignedAe, 'ae-sam');
      assert.equal(escalated.stage, 'assigned', 'the senior AE has not accepted yet');
      assert.equal(escalated.acceptedAt, undefined);
      assertElapsed(assigned.assignedAt, escalated.assignedAt, 24 * HOUR);
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
      assert.equal(later.escalations, 0);
      assert.equal(events(later, 'contact_window_missed').length, 0);
      assert.equal(events(later, 'reminder').length, 2);
    }));

  it('the escalated AE contacting in time ends the ladder', () =>
    withHarness(async (h) => {
      const handle = await h.start('sla-senior-contacts', hotLead);
      await waitForStage(h, handle, 'assigned');
      await h.env.sleep(24 * HOUR + MINUTE);
      assert.equal((await h.state(handle)).assignedAe, 'ae-sam');
      const contacted = await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: sam }] });
      assert.equal(contacted.stage, 'contacted');
      await h.env.sleep(2 * DAY);
      const later = await h.state(handle);
      assert.equal(later.stage, 'contacted');
      assert.equal(later.escalations, 1);
    }));
});

describe('outcome and feedback window (time-skipping)', { concurrency: true }, () => {
  it('reminds at 7 days and closes at 14 with the reported outcome when feedback never comes', () =>
    withHarness(async (h) => {
      const handle = await h.start('feedback-timeout', hotLead);
      await waitForStage(h, handle, 'assigned');
      await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'meeting', actor: kim }] });
      await handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'disqualified', actor: kim }] });
      await h.env.sleep(7 * DAY - MINUTE);
      assert.equal(events(await h.state(handle), 'feedback_reminder').length, 0, 'no reminder before 7 days');
      await h.env.sleep(2 * MINUTE);
      assert.equal(events(await h.state(handle), 'feedback_reminder').length, 1, 'reminder at 7 days');
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
