import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it, type TestContext } from 'node:test';
import { createActivities } from '../../activities/activities.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { RosterStore } from '../../src/db/roster.js';
import type { Ae } from '../../src/domain/roster.js';
import type { Assignment } from '../../src/domain/routing.js';
import { usePostgres } from '../support/postgres.js';
import { routeInWorkers, routeRequest, weightedRoster, type RouteJob, type Routed } from '../support/route-workers.js';

/**
 * Routing from two worker processes on one PostgreSQL server (DESIGN §2.6: a retried or concurrent
 * routing never assigns one hand-off twice or pushes an AE over capacity). Both workers route every
 * hand-off under the same key at the same moment — a retry racing the original.
 */

const HANDOFFS = 500;
const WEIGHTS = [1, 1, 2, 3, 3];

const server = usePostgres();

async function rosterDatabase(t: TestContext, roster: Ae[]): Promise<{ db: Database; url: string } | undefined> {
  const url = await server.database(t);
  if (!url) return undefined;
  const db = await openDatabase({ url, poolSize: 4 });
  t.after(() => db.close());
  await new RosterStore(db).seed(roster, 'admin-al');
  return { db, url };
}

/** Both workers route the same hand-offs in the same order, many at once. */
async function raceTwoWorkers(url: string): Promise<Routed[][]> {
  const handoffIds = Array.from({ length: HANDOFFS }, (_, i) => `race-${String(i).padStart(3, '0')}`);
  const job: RouteJob = { url, handoffIds, concurrency: 16, poolSize: 8 };
  const outcomes = await routeInWorkers([job, job]);
  for (const outcome of outcomes) assert.equal(outcome.exitCode, 0);
  return outcomes.map((o) => o.routed);
}

/** The ledger's and the workers' view must agree: one decision per key, each worker told exactly that. */
async function assertOneDecisionPerKey(t: TestContext, db: Database, workers: Routed[][]): Promise<Map<string, Assignment>> {
  const { rows } = await db.query<{ key: string; decision: Assignment }>('SELECT key, decision FROM routing_decisions');
  const stored = new Map(rows.map((r) => [r.key, r.decision]));
  assert.equal(rows.length, HANDOFFS, 'one decision per key');
  let overlapping = 0;
  const [first, second] = workers.map((routed) => new Map(routed.map((r) => [r.key, r])));
  for (const [key, decision] of stored) {
    const a = first!.get(key);
    const b = second!.get(key);
    assert.ok(a && b, `both workers answered ${key}`);
    assert.deepEqual(a.decision, decision, `worker 1 was told the stored decision for ${key}`);
    assert.deepEqual(b.decision, decision, `worker 2 was told the stored decision for ${key}`);
    if (a.startedAt < b.endedAt && b.startedAt < a.endedAt) overlapping++;
  }
  t.diagnostic(`keys routed by both workers at overlapping times: ${overlapping} of ${HANDOFFS}`);
  assert.ok(overlapping >= HANDOFFS / 10, 'the two workers really raced');

  const doubled = await db.query(
    'SELECT handoff_id FROM routing_decisions WHERE ae_id IS NOT NULL AND released_at IS NULL GROUP BY handoff_id HAVING count(*) > 1',
  );
  assert.deepEqual(doubled.rows, [], 'no hand-off held twice');
  return stored;
}

/** Open assignments per AE, and the router's own counter, checked against capacity. */
async function assertWithinCapacity(db: Database, roster: Ae[]): Promise<Map<string, number>> {
  const { rows } = await db.query<{ id: string; assigned: number; open: number }>(
    `SELECT a.id, a.assigned, (SELECT count(*)::int FROM routing_decisions d WHERE d.ae_id = a.id AND d.released_at IS NULL) AS open
       FROM aes a ORDER BY a.id`,
  );
  const open = new Map<string, number>();
  for (const row of rows) {
    const ae = roster.find((a) => a.id === row.id)!;
    assert.ok(row.open <= ae.capacity, `${row.id} holds ${row.open}, over their capacity of ${ae.capacity}`);
    assert.equal(row.assigned, row.open, `${row.id}: the fairness counter matches the ledger`);
    open.set(row.id, row.open);
  }
  return open;
}

describe('routing from two worker processes on PostgreSQL', () => {
  it(`routes ${HANDOFFS} hand-offs raced by two workers: one decision each, identical answers, weighted shares`, async (t) => {
    const roster = weightedRoster(
      WEIGHTS,
      WEIGHTS.map(() => HANDOFFS),
    );
    const s = await rosterDatabase(t, roster);
    if (!s) return;
    const workers = await raceTwoWorkers(s.url);
    const stored = await assertOneDecisionPerKey(t, s.db, workers);
    assert.ok([...stored.values()].every((d) => d.aeId !== null && d.basis === 'fairness'));

    const open = await assertWithinCapacity(s.db, roster);
    const totalWeight = WEIGHTS.reduce((a, b) => a + b, 0);
    let maxDeviation = 0;
    const shares = roster.map((ae) => {
      const share = (100 * open.get(ae.id)!) / HANDOFFS;
      const expected = (100 * ae.weight) / totalWeight;
      maxDeviation = Math.max(maxDeviation, Math.abs(share - expected));
      return `${ae.id} (weight ${ae.weight}) ${share.toFixed(1)}% of ${expected.toFixed(1)}%`;
    });
    t.diagnostic(`shares: ${shares.join(', ')}`);
    t.diagnostic(`max share deviation: ${maxDeviation.toFixed(2)} percentage points`);
    assert.ok(maxDeviation <= 2, `shares within ±2 percentage points of the weights (max ${maxDeviation.toFixed(2)})`);
  });

  it('fills exactly the total capacity when it is short, nobody over, the rest unassigned', async (t) => {
    const capacities = [10, 15, 20, 30, 25];
    const total = capacities.reduce((a, b) => a + b, 0);
    const roster = weightedRoster(WEIGHTS, capacities);
    const s = await rosterDatabase(t, roster);
    if (!s) return;
    const stored = await assertOneDecisionPerKey(t, s.db, await raceTwoWorkers(s.url));
    const decisions = [...stored.values()];
    assert.equal(decisions.filter((d) => d.aeId !== null).length, total);
    assert.equal(decisions.filter((d) => d.aeId === null).length, HANDOFFS - total);
    for (const d of decisions.filter((d) => d.aeId === null)) {
      assert.deepEqual(new Set(d.excluded.map((e) => e.reason)), new Set(['at_capacity']));
    }
    const open = await assertWithinCapacity(s.db, roster);
    assert.deepEqual([...open.values()], capacities, 'everyone filled to capacity');
    const waiting = await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM routing_waits');
    assert.equal(waiting.rows[0]!.n, HANDOFFS - total);
  });

  it('a worker that crashes after the commit, before answering: the retry elsewhere gets the same AE, one row', async (t) => {
    const roster = weightedRoster([1, 1], [10, 10]);
    const s = await rosterDatabase(t, roster);
    if (!s) return;
    const request = routeRequest('crash-001');
    const [crashed] = await routeInWorkers([
      { url: s.url, handoffIds: [request.handoffId], concurrency: 1, poolSize: 1, crashAfterCommit: true },
    ]);
    assert.equal(crashed!.exitCode, 1);
    assert.deepEqual(crashed!.routed, [], 'the crashed worker never answered');
    const committed = await s.db.query<{ ae_id: string; decision: Assignment }>(
      'SELECT ae_id, decision FROM routing_decisions WHERE key = $1',
      [request.key],
    );
    assert.equal(committed.rows.length, 1, 'the crashed routing committed');

    // Temporal retries the activity on another worker: here, this process with its own pool.
    const activities = createActivities({ db: s.db, policyFile: 'policy/default.yaml', dataDir: os.tmpdir() });
    const retried = await activities.assignAe(request);
    assert.equal(retried.aeId, committed.rows[0]!.ae_id);
    assert.deepEqual(retried, committed.rows[0]!.decision);
    const rows = await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM routing_decisions WHERE handoff_id = $1', [
      request.handoffId,
    ]);
    assert.equal(rows.rows[0]!.n, 1, 'one row for the hand-off');
    const counted = await s.db.query<{ id: string; assigned: number }>('SELECT id, assigned FROM aes WHERE assigned > 0');
    assert.deepEqual(counted.rows, [{ id: retried.aeId, assigned: 1 }], 'counted once for fairness');
  });
});
