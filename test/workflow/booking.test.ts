import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import type { HandoffState } from '../../src/domain/state.js';
import { acceptUpdate, recordBookingAttemptUpdate } from '../../workflows/messages.js';
import { actors, coolLead, warmLead } from '../fixtures/leads.js';
import {
  DAY,
  events,
  HOUR,
  MINUTE,
  refusal,
  sleepUntilLocal,
  waitForStage,
  withHarness,
  type Harness,
  type HandoffHandle,
} from './harness.js';

const { jo, max, kim } = actors;
const CHICAGO = 'America/Chicago';

/** Records attempts at the given instants (all in the past by now) and returns the last answer. */
async function attempts(handle: HandoffHandle, times: number[]): Promise<HandoffState> {
  let state: HandoffState | undefined;
  for (const at of times) {
    state = await handle.executeUpdate(recordBookingAttemptUpdate, { args: [{ at: new Date(at).toISOString(), actor: jo }] });
  }
  return state!;
}

/** Starts a hand-off at `hour`:00 local time in Chicago on a weekday and waits for its assignment. */
async function startAt(h: Harness, id: string, lead = coolLead, sdrTimeZone = CHICAGO, hour = 10) {
  const day = await sleepUntilLocal(h, CHICAGO, hour, [1, 2, 3]);
  const handle = await h.start(id, lead, 'sdr-jo', sdrTimeZone);
  const assigned = await waitForStage(h, handle, 'assigned');
  return { handle, assigned, day: DateTime.fromMillis(day, { zone: CHICAGO }) };
}

describe('booking attempts with the AE (time-skipping)', { concurrency: true }, () => {
  it('attempts on 3 consecutive days in the SDR’s zone escalate at once, though they span 2 UTC days', () =>
    withHarness(async (h) => {
      const { handle, day } = await startAt(h, 'book-chicago', warmLead, CHICAGO, 23);
      const times = [day.set({ minute: 30 }), day.plus({ days: 1 }).set({ hour: 12 }), day.plus({ days: 2 }).set({ hour: 0, minute: 30 })];
      await h.env.sleep(times[2]!.toMillis() - day.toMillis() + MINUTE);
      const twoDays = await attempts(
        handle,
        times.slice(0, 2).map((t) => t.toMillis()),
      );
      assert.equal(twoDays.escalations, 0);
      const escalated = await attempts(handle, [times[2]!.toMillis()]);
      // The third attempt answers with the escalation applied: the senior AE, a fresh window.
      assert.equal(escalated.escalations, 1);
      assert.equal(escalated.assignedAe, 'ae-sam');
      assert.deepEqual(escalated.previousAes, ['ae-kim']);
      const entry = events(escalated, 'escalated')[0]!;
      assert.equal(entry.rule, 'tiers.warm.escalations');
      assert.match(entry.detail ?? '', /3 consecutive days .*America\/Chicago.*trigger bookingAttempts\.consecutiveDays/);
      assert.equal(escalated.bookingAttempts.length, 3);
      assert.ok(escalated.bookingAttempts.every((a) => a.aeId === 'ae-kim'));
    }));

  it('the same instants for an SDR in Berlin fall on 2 days: no escalation', () =>
    withHarness(async (h) => {
      const { handle, day } = await startAt(h, 'book-berlin', warmLead, 'Europe/Berlin', 23);
      const times = [day.set({ minute: 30 }), day.plus({ days: 1 }).set({ hour: 12 }), day.plus({ days: 2 }).set({ hour: 0, minute: 30 })];
      await h.env.sleep(times[2]!.toMillis() - day.toMillis() + MINUTE);
      const state = await attempts(
        handle,
        times.map((t) => t.toMillis()),
      );
      assert.equal(state.escalations, 0);
      assert.equal(state.assignedAe, 'ae-kim');
      assert.equal(state.sdrTimeZone, 'Europe/Berlin');
    }));

  it('a cool lead (no escalations in its tier) goes back to the SDR after 3 consecutive days', () =>
    withHarness(async (h) => {
      const { handle, day } = await startAt(h, 'book-cool');
      await h.env.sleep(2 * DAY + HOUR);
      const state = await attempts(
        handle,
        [0, 1, 2].map((d) => day.plus({ days: d, minutes: 30 }).toMillis()),
      );
      assert.equal(state.stage, 'closed');
      assert.equal(state.outcome, 'returned_to_sdr');
      assert.equal(state.closeReason, 'booking_attempts_unanswered');
      assert.equal(events(state, 'returned_to_sdr')[0]?.rule, 'tiers.cool.onExhausted');
    }));

  it('3 attempts on 2 days, or on 3 days with a gap, do not escalate', () =>
    withHarness(async (h) => {
      const { handle, day } = await startAt(h, 'book-no');
      await h.env.sleep(3 * DAY + HOUR);
      const at = (days: number, hours = 0) => day.plus({ days, hours }).toMillis();
      const twoDays = await attempts(handle, [at(0, 1), at(0, 5), at(1, 1)]);
      assert.equal(twoDays.escalations, 0);
      const gap = await attempts(handle, [at(3, 0)]);
      assert.equal(gap.escalations, 0, 'days 0, 1 and 3: a gap');
      assert.equal(gap.stage, 'assigned');
      assert.equal(gap.bookingAttempts.length, 4);
    }));

  it('once the AE has accepted, attempts no longer escalate', () =>
    withHarness(async (h) => {
      const { handle, day } = await startAt(h, 'book-accepted');
      await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
      await h.env.sleep(2 * DAY + HOUR);
      const state = await attempts(
        handle,
        [0, 1, 2].map((d) => day.plus({ days: d, minutes: 30 }).toMillis()),
      );
      assert.equal(state.stage, 'accepted');
      assert.equal(state.escalations, 0);
    }));

  it('only the owning SDR, after assignment, not in the future', () =>
    withHarness(async (h) => {
      const { handle, assigned } = await startAt(h, 'book-refused');
      const other = await refusal(handle.executeUpdate(recordBookingAttemptUpdate, { args: [{ actor: max }] }));
      assert.match(other.message, /belongs to sdr-jo/);
      const early = new Date(Date.parse(assigned.assignedAt!) - HOUR).toISOString();
      const before = await refusal(handle.executeUpdate(recordBookingAttemptUpdate, { args: [{ at: early, actor: jo }] }));
      assert.match(before.message, /before the hand-off was assigned/);
      const ae = await refusal(handle.executeUpdate(recordBookingAttemptUpdate, { args: [{ actor: kim }] }));
      assert.match(ae.message, /only the owning SDR/);
    }));
});
