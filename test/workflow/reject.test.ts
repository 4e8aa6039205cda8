import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rejectUpdate, withdrawUpdate } from '../../workflows/messages.js';
import { actors, hotLead } from '../fixtures/leads.js';
import { HOUR, ms, waitForStage, withHarness } from './harness.js';

const { kim, sam } = actors;

describe('AE rejection (time-skipping)', () => {
  it('a routing reason re-routes to another AE, never the same one, with a fresh window', () =>
    withHarness(async (h) => {
      const handle = await h.start('reject-routing', hotLead);
      const first = await waitForStage(h, handle, 'assigned');
      assert.equal(first.assignedAe, 'ae-kim');
      await h.env.sleep(3 * HOUR);

      const rerouted = await handle.executeUpdate(rejectUpdate, { args: [{ reason: 'capacity', note: 'full this week', actor: kim }] });
      assert.equal(rerouted.stage, 'assigned');
      assert.equal(rerouted.assignedAe, 'ae-sam');
      assert.deepEqual(rerouted.previousAes, ['ae-kim']);
      assert.equal(rerouted.rejection?.reason, 'capacity');
      assert.equal(rerouted.rejection?.rerouted, true);
      assert.equal(ms(rerouted.deadlines.contactBy) - ms(rerouted.assignedAt), 24 * HOUR);
      assert.ok(ms(rerouted.assignedAt) - ms(first.assignedAt) >= 3 * HOUR);

      // Nobody left: kim and sam had it, lena covers another territory.
      const stuck = await handle.executeUpdate(rejectUpdate, { args: [{ reason: 'conflict', actor: sam }] });
      assert.equal(stuck.stage, 'awaiting_assignment');
      assert.equal(stuck.assignedAe, undefined);
      assert.deepEqual(stuck.previousAes, ['ae-kim', 'ae-sam']);
      assert.deepEqual(
        [...(stuck.routing?.excluded ?? [])].sort((a, b) => a.aeId.localeCompare(b.aeId)),
        [
          { aeId: 'ae-kim', reason: 'previously_assigned' },
          { aeId: 'ae-lena', reason: 'territory' },
          { aeId: 'ae-sam', reason: 'previously_assigned' },
        ],
      );
      // Routing is retried hourly; still nobody after a few hours.
      await h.env.sleep(3 * HOUR + 1000);
      const waiting = await h.state(handle);
      assert.equal(waiting.stage, 'awaiting_assignment');
      assert.equal(waiting.timeline.filter((e) => e.event === 'no_eligible_ae').length, 1, 'the manager is alerted once, not hourly');
      const withdrawn = await handle.executeUpdate(withdrawUpdate, { args: [{ actor: { id: 'sdr-jo', role: 'sdr' } }] });
      assert.equal(withdrawn.outcome, 'withdrawn');
    }));

  it('a qualification reason returns the lead to the SDR', () =>
    withHarness(async (h) => {
      const handle = await h.start('reject-qualification', hotLead);
      await waitForStage(h, handle, 'assigned');
      const returned = await handle.executeUpdate(rejectUpdate, {
        args: [{ reason: 'no_budget', note: 'budget frozen until Q3', actor: kim }],
      });
      assert.equal(returned.stage, 'closed');
      assert.equal(returned.outcome, 'returned_to_sdr');
      assert.equal(returned.closeReason, 'no_budget');
      assert.equal(returned.rejection?.rerouted, false);
      assert.equal(returned.rejection?.by, 'ae-kim');
      assert.equal(returned.rejection?.note, 'budget frozen until Q3');
      const final = await handle.result();
      assert.equal(final.outcome, 'returned_to_sdr');
    }));
});
