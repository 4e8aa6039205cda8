import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FileRouter } from '../../activities/routing.js';
import { exampleLead as lead, testRoster } from '../fixtures/leads.js';

async function router(roster = testRoster): Promise<FileRouter> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-router-'));
  const rosterFile = path.join(dir, 'roster.json');
  await writeFile(rosterFile, JSON.stringify(roster));
  return new FileRouter(rosterFile, dir, () => Date.parse('2026-11-21T10:00:00Z'));
}

describe('interim file router (assignAe activity)', () => {
  it('a retried assignment returns the stored decision and counts once', async () => {
    const r = await router();
    const first = await r.assign({ handoffId: 'h1', key: 'handoff-h1:route:0:0', lead, exclude: [] });
    const retry = await r.assign({ handoffId: 'h1', key: 'handoff-h1:route:0:0', lead, exclude: [] });
    assert.equal(first.aeId, 'ae-kim');
    assert.deepEqual(retry, first);
    assert.deepEqual(await r.loads(), { 'ae-kim': { assigned: 1, open: 1, lastAssignedAt: Date.parse('2026-11-21T10:00:00Z') } });
  });

  it('concurrent routing of many hand-offs never pushes an AE over capacity nor holds one hand-off twice', async () => {
    const roster = testRoster.map((ae) => ({ ...ae, capacity: 3 }));
    const r = await router(roster);
    const decisions = await Promise.all(
      Array.from({ length: 10 }, (_, i) => r.assign({ handoffId: `h${i}`, key: `handoff-h${i}:route:0:0`, lead, exclude: [] })),
    );
    const assigned = decisions.filter((d) => d.aeId !== null);
    // kim and sam are eligible for a US lead, three each.
    assert.equal(assigned.length, 6);
    const loads = await r.loads();
    assert.equal(loads['ae-kim']?.open, 3);
    assert.equal(loads['ae-sam']?.open, 3);
    // The other four found both at capacity, whatever order the concurrent calls ran in.
    const unassigned = decisions.filter((d) => d.aeId === null);
    assert.equal(unassigned.length, 4);
    assert.ok(unassigned.every((d) => d.excluded.filter((e) => e.reason === 'at_capacity').length === 2));
  });

  it('re-routing releases the previous AE; release is idempotent', async () => {
    const r = await router();
    await r.assign({ handoffId: 'h1', key: 'k0', lead, exclude: [] });
    const second = await r.assign({ handoffId: 'h1', key: 'k1', lead, exclude: ['ae-kim'] });
    assert.equal(second.aeId, 'ae-sam');
    let loads = await r.loads();
    assert.equal(loads['ae-kim']?.open, 0);
    assert.equal(loads['ae-kim']?.assigned, 1, 'fairness counters never reset');
    assert.equal(await r.release('h1', 'ae-sam'), true);
    assert.equal(await r.release('h1', 'ae-sam'), false);
    loads = await r.loads();
    assert.equal(loads['ae-sam']?.open, 0);
  });

  it('nobody eligible yields no AE and the reasons', async () => {
    const r = await router(testRoster.filter((ae) => ae.id === 'ae-lena'));
    const decision = await r.assign({ handoffId: 'h1', key: 'k0', lead, exclude: [] });
    assert.equal(decision.aeId, null);
    assert.deepEqual(decision.excluded, [{ aeId: 'ae-lena', reason: 'territory' }]);
  });
});
