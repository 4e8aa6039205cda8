import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RosterStore } from '../../src/db/roster.js';
import { Router } from '../../src/db/router.js';
import { interventionSignals, rosterChangedSignal } from '../../workflows/messages.js';
import { actors, hotLead, testRoster } from '../fixtures/leads.js';
import { events, HOUR, ms, notifications, waitForStage, waitForState, withHarness } from './harness.js';

const [kim, lena, sam] = testRoster as [(typeof testRoster)[0], (typeof testRoster)[0], (typeof testRoster)[0]];
const otherCompany = { ...hotLead, company: { ...hotLead.company!, name: 'Globex', domain: 'globex.example' } };

describe('routing on the database (time-skipping)', { concurrency: true }, () => {
  it('nobody eligible: awaiting_assignment, the sales manager alerted, and a roster change assigns at once', () =>
    withHarness(
      async (h) => {
        const handle = await h.start('route-roster-change', hotLead);
        const waiting = await waitForStage(h, handle, 'awaiting_assignment');
        assert.deepEqual(waiting.routing?.excluded, [{ aeId: 'ae-lena', reason: 'territory' }]);
        assert.match(events(waiting, 'no_eligible_ae')[0]?.detail ?? '', /ae-lena territory/);
        assert.ok((await notifications(h)).some((n) => n.kind === 'no_eligible_ae' && n.to.includes('sales-manager')));
        assert.deepEqual(await new Router(h.db).waiting(), ['route-roster-change']);

        // What the roster routes do: change the roster, then signal the waiting hand-offs.
        await new RosterStore(h.db).create(kim, 'mgr-ana');
        await handle.signal(rosterChangedSignal);
        const assigned = await waitForStage(h, handle, 'assigned');
        assert.equal(assigned.assignedAe, 'ae-kim');
        assert.ok(ms(assigned.assignedAt) - ms(events(waiting, 'no_eligible_ae')[0]?.at) < HOUR, 'assigned before the hourly retry');
        assert.deepEqual(await new Router(h.db).waiting(), []);
      },
      { roster: [lena] },
    ));

  it('without a signal, routing is retried hourly and picks up the changed roster', () =>
    withHarness(
      async (h) => {
        const handle = await h.start('route-hourly', hotLead);
        const waiting = await waitForStage(h, handle, 'awaiting_assignment');
        await new RosterStore(h.db).create(sam, 'mgr-ana');
        await h.env.sleep(HOUR + 1000);
        const assigned = await waitForStage(h, handle, 'assigned');
        assert.equal(assigned.assignedAe, 'ae-sam');
        assert.ok(ms(assigned.assignedAt) - ms(events(waiting, 'no_eligible_ae')[0]?.at) >= HOUR);
        assert.equal(events(assigned, 'no_eligible_ae').length, 1, 'the manager is alerted once, not at every retry');
      },
      { roster: [lena] },
    ));

  it('explains every pick in the state, the timeline and the ledger', () =>
    withHarness(async (h) => {
      const handle = await h.start('route-explain', hotLead);
      const state = await waitForStage(h, handle, 'assigned');
      assert.equal(state.assignedAe, 'ae-kim');
      assert.equal(state.routing?.basis, 'fairness');
      assert.deepEqual(
        state.routing?.candidates.map((c) => [c.aeId, c.served, c.weight, c.open, c.capacity]),
        [
          ['ae-kim', 0, 1, 0, 10],
          ['ae-sam', 0, 1, 0, 10],
        ],
      );
      assert.deepEqual(state.routing?.excluded, [{ aeId: 'ae-lena', reason: 'territory' }]);
      const assigned = events(state, 'assigned')[0]!;
      assert.equal(assigned.rule, 'routing');
      assert.equal(assigned.ref, 'handoff-route-explain:route:0');
      assert.match(assigned.detail ?? '', /lowest fairness position among ae-kim 0, ae-sam 0; excluded: ae-lena territory/);

      const [decision] = await new Router(h.db).decisions('route-explain');
      assert.equal(decision?.key, assigned.ref);
      assert.equal(decision?.aeId, 'ae-kim');
      assert.deepEqual(decision?.candidates, state.routing?.candidates);

      // A closed hand-off gives its capacity back, and the ledger says why.
      await handle.signal(interventionSignals.returnToSdr, { reason: 'duplicate of an open opportunity', actor: actors.ana });
      assert.equal((await handle.result()).outcome, 'returned_to_sdr');
      const [released] = await new Router(h.db).decisions('route-explain');
      assert.equal(released?.releaseReason, 'closed: returned_to_sdr');
      assert.equal((await new RosterStore(h.db).get('ae-kim'))?.load.open, 0);
    }));

  it("a company's next hand-off goes to its account owner, outside the fairness count", () =>
    withHarness(async (h) => {
      const first = await waitForStage(h, await h.start('route-owner-1', hotLead), 'assigned');
      assert.equal(first.assignedAe, 'ae-kim');
      // Fairness alone would now pick sam (kim has one); another company does get sam.
      const other = await waitForStage(h, await h.start('route-owner-other', otherCompany), 'assigned');
      assert.equal(other.assignedAe, 'ae-sam');

      const second = await waitForState(h, await h.start('route-owner-2', hotLead), (s) => s.stage === 'assigned', 'assigned');
      assert.equal(second.assignedAe, 'ae-kim');
      assert.equal(second.routing?.basis, 'account_owner');
      assert.deepEqual(second.routing?.owner, { aeId: 'ae-kim', handoffId: 'route-owner-1' });
      assert.match(events(second, 'assigned')[0]?.detail ?? '', /account owner: had hand-off route-owner-1/);
      const load = (await new RosterStore(h.db).get('ae-kim'))?.load;
      assert.equal(load?.open, 2);
      assert.equal(load?.assigned, 1, 'the owner pick does not count for fairness');
    }));
});
