/**
 * The roster over real HTTP against a real Temporal dev server: managers edit it through
 * `/v1/aes`, and routing follows at once — territory edits, leave, and a hand-off that found
 * nobody being assigned as soon as someone eligible joins.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedAssignment } from '../../src/db/router.js';
import type { Lead } from '../../src/domain/lead.js';
import type { HandoffState } from '../../src/domain/state.js';
import { hotLead, submission, testRoster } from '../fixtures/leads.js';
import { assertProblem, newHandoffId, untilAssigned, useStack, waitForState, withLane, type Lane } from './stack.js';

const current = useStack();
const [kim, lena] = testRoster as [(typeof testRoster)[0], (typeof testRoster)[0]];

/** A hot US lead of a company of its own, so the account-owner rule stays out of the way. */
const leadOf = (company: string): Lead => ({ ...hotLead, company: { ...hotLead.company!, name: company, domain: `${company}.example` } });

async function submit(lane: Lane, label: string): Promise<HandoffState> {
  const id = newHandoffId(label);
  return untilAssigned(lane.as('sdr-jo'), await lane.as('sdr-jo').post('/v1/handoffs', submission(id, leadOf(label))));
}

interface RoutingView {
  handoffId: string;
  current: HandoffState['routing'] | null;
  decisions: RecordedAssignment[];
}

describe('roster edits over HTTP change routing', () => {
  it('a territory edit moves the next lead; the routing answer says why', () =>
    withLane(current, async (lane) => {
      const ana = lane.as('mgr-ana');
      const first = await submit(lane, 'territory-a');
      assert.equal(first.assignedAe, 'ae-kim');

      const edited = await ana.patch<{ regions: string[]; version: number }>('/v1/aes/ae-kim', { regions: ['GB'] });
      assert.equal(edited.status, 200, edited.text);
      assert.deepEqual(edited.body.regions, ['GB']);

      const second = await submit(lane, 'territory-b');
      assert.equal(second.assignedAe, 'ae-sam');
      const routing = await ana.get<RoutingView>(`/v1/handoffs/${second.id}/routing`);
      assert.equal(routing.status, 200, routing.text);
      assert.equal(routing.body.current?.aeId, 'ae-sam');
      assert.deepEqual(
        routing.body.decisions[0]?.excluded.find((e) => e.aeId === 'ae-kim'),
        { aeId: 'ae-kim', reason: 'territory' },
        routing.text,
      );
      assert.equal(routing.body.decisions[0]?.basis, 'fairness');

      const audit = await ana.get<{ actor: string; action: string; changes: Record<string, unknown> }[]>('/v1/aes/ae-kim/audit');
      assert.equal(audit.status, 200, audit.text);
      const change = audit.body.at(-1);
      assert.equal(change?.actor, 'mgr-ana');
      assert.equal(change?.action, 'update');
      assert.deepEqual(Object.keys(change?.changes ?? {}), ['regions']);

      // Ops may read the roster but not change it.
      assert.equal((await lane.as('ops-pat').get('/v1/aes')).status, 200);
      assertProblem(await lane.as('ops-pat').patch('/v1/aes/ae-kim', { weight: 2 }), 403, 'forbidden');
    }));

  it('an AE on leave receives nothing, and is back in turn (without a surge) after it', () =>
    withLane(current, async (lane) => {
      const ana = lane.as('mgr-ana');
      const leave = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 7 * 86_400_000).toISOString() };
      const onLeave = await ana.patch('/v1/aes/ae-kim', { outOfOffice: [leave] });
      assert.equal(onLeave.status, 200, onLeave.text);

      const during: HandoffState[] = [];
      for (const label of ['leave-a', 'leave-b', 'leave-c']) during.push(await submit(lane, label));
      assert.deepEqual(
        during.map((s) => s.assignedAe),
        ['ae-sam', 'ae-sam', 'ae-sam'],
      );
      const why = await ana.get<RoutingView>(`/v1/handoffs/${during[0]!.id}/routing`);
      assert.deepEqual(
        why.body.decisions[0]?.excluded.find((e) => e.aeId === 'ae-kim'),
        { aeId: 'ae-kim', reason: 'out_of_office' },
      );

      // Back early: kim rejoins level with sam instead of taking the three leads missed.
      assert.equal((await ana.patch('/v1/aes/ae-kim', { outOfOffice: [] })).status, 200);
      const after: HandoffState[] = [];
      for (const label of ['back-a', 'back-b', 'back-c', 'back-d']) after.push(await submit(lane, label));
      const kims = after.filter((s) => s.assignedAe === 'ae-kim').length;
      assert.ok(kims <= 2, `kim took ${kims} of 4 after leave: ${after.map((s) => s.assignedAe).join(' ')}`);
      const levelled = await ana.get<RoutingView>(`/v1/handoffs/${after[0]!.id}/routing`);
      assert.equal(levelled.body.decisions[0]?.candidates.find((c) => c.aeId === 'ae-kim')?.levelledFrom, 0, levelled.text);
    }));

  it('a hand-off that found nobody is assigned as soon as an eligible AE is added', () =>
    withLane(
      current,
      async (lane) => {
        const jo = lane.as('sdr-jo');
        const ana = lane.as('mgr-ana');
        const id = newHandoffId('nobody');
        const created = await jo.post('/v1/handoffs', submission(id, leadOf('nobody')));
        assert.equal(created.status, 201, created.text);
        const waiting = await waitForState(jo, id, 'awaiting_assignment', (s) => s.stage === 'awaiting_assignment');
        assert.deepEqual(waiting.routing?.excluded, [{ aeId: 'ae-lena', reason: 'territory' }]);

        const added = await ana.send('POST', '/v1/aes', { json: kim });
        assert.equal(added.status, 201, added.text);
        assert.equal(added.headers.get('baton-woken-handoffs'), '1');
        const startedAt = performance.now();
        const assigned = await waitForState(jo, id, 'assigned to the new AE', (s) => s.stage === 'assigned');
        const took = Math.round(performance.now() - startedAt);
        console.log(`roster change → assigned: ${took} ms`);
        assert.equal(assigned.assignedAe, 'ae-kim');
        assert.ok(took < 5000, `assigned ${took} ms after the roster change, not at the hourly retry`);
      },
      { roster: [lena] },
    ));
});
