import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import type { PolicyInput } from '../../src/domain/policy.js';
import { interventionSignals, rejectUpdate } from '../../workflows/messages.js';
import { actors, hotLead, testRoster } from '../fixtures/leads.js';
import {
  assertElapsed,
  events,
  HOUR,
  MINUTE,
  ms,
  notifications,
  policyWith,
  sleepUntilLocal,
  waitForStage,
  waitForState,
  withHarness,
} from './harness.js';

const { kim, sam, ana } = actors;
const CHICAGO = 'America/Chicago';

describe('escalation ladder edges (time-skipping)', { concurrency: true }, () => {
  it('onExhausted: nurture sends the lead to nurture instead of back to the SDR', async () =>
    withHarness(
      async (h) => {
        const handle = await h.start('ladder-nurture', hotLead);
        await waitForStage(h, handle, 'assigned');
        const final = await handle.result();
        assert.equal(final.outcome, 'nurture');
        assert.equal(final.closeReason, 'sla_missed');
        assert.equal(final.escalations, 0);
        assert.equal(events(final, 'sent_to_nurture')[0]?.rule, 'tiers.hot.onExhausted');
        assertElapsed(final.assignedAt, final.closedAt, 24 * HOUR);
      },
      {
        policyFile: await policyWith((p) => {
          p.tiers.hot.escalations = 0;
          p.tiers.hot.onExhausted = 'nurture';
        }),
      },
    ));

  it('escalation never goes back to an AE who had the lead: with no other senior AE it waits, and the manager is alerted', () =>
    withHarness(async (h) => {
      const handle = await h.start('ladder-no-senior', hotLead);
      await waitForStage(h, handle, 'assigned');
      const rerouted = await handle.executeUpdate(rejectUpdate, { args: [{ reason: 'conflict', actor: kim }] });
      assert.equal(rerouted.assignedAe, 'ae-sam');
      await h.env.sleep(24 * HOUR + MINUTE);
      const waiting = await waitForStage(h, handle, 'awaiting_assignment');
      assert.equal(waiting.escalations, 1);
      assert.equal(waiting.assignedAe, undefined);
      assert.equal(waiting.deadlines.contactBy, undefined);
      assert.deepEqual(waiting.previousAes, ['ae-kim', 'ae-sam']);
      assert.match(events(waiting, 'no_eligible_ae').at(-1)?.detail ?? '', /no senior AE/);
      const sent = await notifications(h);
      assert.ok(sent.some((n) => n.kind === 'no_eligible_ae' && n.to.includes('sales-manager')));
      assert.ok(sent.some((n) => n.kind === 'escalation' && n.to.includes('mgr-ana')));
      // The manager decides: kim gets it back, with a fresh window.
      await handle.signal(interventionSignals.reassign, { to: 'ae-kim', reason: 'sam is out', actor: ana });
      const assigned = await waitForState(h, handle, (s) => s.assignedAe === 'ae-kim', 'kim again');
      assertElapsed(assigned.assignedAt, assigned.deadlines.contactBy, 24 * HOUR);
      void sam;
    }));

  it('business hours: the window counts working hours in the AE’s zone, skipping the weekend and a holiday', async () => {
    // Friday 15:00 in Chicago; the Monday after is a company holiday.
    const business = (holidays: string[]) => (p: PolicyInput) => {
      p.clock = { mode: 'business_hours', timeZone: CHICAGO, holidays };
    };
    const policyFile = await policyWith(business([]));
    return withHarness(
      async (h) => {
        const friday = await sleepUntilLocal(h, CHICAGO, 15, [5]);
        const local = DateTime.fromMillis(friday, { zone: CHICAGO });
        // Each hand-off reads the policy file when it starts.
        await policyWith(business([local.plus({ days: 3 }).toISODate()!]), policyFile);
        const handle = await h.start('ladder-business-hours', hotLead);
        const assigned = await waitForStage(h, handle, 'assigned');
        const at = (days: number, hour: number, minute = 0) => local.plus({ days }).set({ hour, minute }).toMillis();
        assert.equal(assigned.clocks?.contact, `working hours Mon–Fri 09:00–17:00 ${CHICAGO}, 1 holiday`);
        // 4 working hours: Friday 15–17, then (Monday is the holiday) Tuesday 09–11.
        assert.equal(ms(assigned.deadlines.handoffBy) - (ms(assigned.submittedAt) - friday), at(4, 11));
        // 24 working hours from ~Friday 15:00: Fri 2 h, Tue 8 h, Wed 8 h, Thu 09:00 + 6 h.
        const start = ms(assigned.assignedAt) - friday;
        assert.ok(start >= 0 && start < MINUTE);
        assert.equal(ms(assigned.deadlines.contactBy) - start, at(6, 15));
        assert.deepEqual(
          assigned.deadlines.reminders?.map((r) => ms(r) - start),
          [at(5, 11), at(6, 10, 12)],
        );
        await h.env.sleep(at(6, 15) - friday - MINUTE);
        assert.equal((await h.state(handle)).escalations, 0, 'not escalated a minute early');
        await h.env.sleep(2 * MINUTE);
        const escalated = await waitForState(h, handle, (s) => s.assignedAe === 'ae-sam', 'the senior AE');
        // sam works calendar time (an AE override) in New York: a plain 24 h.
        assert.equal(escalated.clocks?.contact, 'calendar time');
        assertElapsed(escalated.assignedAt, escalated.deadlines.contactBy, 24 * HOUR);
      },
      {
        roster: testRoster.map((ae) => (ae.id === 'ae-sam' ? { ...ae, clock: { mode: 'calendar' as const } } : ae)),
        policyFile,
      },
    );
  });

  it('an AE clock that cannot place the window falls back to calendar time instead of stalling', async () =>
    withHarness(
      async (h) => {
        const handle = await h.start('ladder-clock-fallback', hotLead);
        const assigned = await waitForStage(h, handle, 'assigned');
        assert.equal(assigned.assignedAe, 'ae-kim');
        assert.match(events(assigned, 'clock_fallback')[0]?.detail ?? '', /ae-kim's clock cannot place the window/);
        assert.equal(assigned.clocks?.contact, 'calendar time');
        assertElapsed(assigned.assignedAt, assigned.deadlines.contactBy, 24 * HOUR);
      },
      {
        // The team counts calendar time and keeps no working week; kim's override asks for working hours.
        policyFile: await policyWith((p) => {
          p.clock = { mode: 'calendar', workingHours: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] } };
        }),
        roster: testRoster.map((ae) => (ae.id === 'ae-kim' ? { ...ae, clock: { mode: 'business_hours' as const } } : ae)),
      },
    ));
});
