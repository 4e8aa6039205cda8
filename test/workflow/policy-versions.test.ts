import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../src/config.js';
import { PolicyStore } from '../../src/db/policies.js';
import { readPolicyDocument } from '../../src/policy/source.js';
import { exampleLead } from '../fixtures/leads.js';
import { HOUR, waitForStage, waitForState, withHarness } from './harness.js';

const SHIPPED = path.join(repoRoot, 'policy', 'default.yaml');

describe('policy versions from the database (time-skipping)', () => {
  it('a new hand-off takes the version published at its start; a running one keeps its own', () =>
    withHarness(
      async (h) => {
        const before = await h.start('pv-1', exampleLead);
        const first = await waitForStage(h, before, 'assigned');
        const shipped = await readPolicyDocument(SHIPPED);
        assert.equal(first.policyVersion, shipped.version, 'the catalog was seeded from policy/default.yaml as version 1');

        // A faster draft: hot leads must be contacted within 12 hours, not 24.
        const store = new PolicyStore(h.db);
        const tiers = structuredClone(shipped.tiers) as Record<string, Record<string, unknown>>;
        tiers.hot!.contactWindow = '12h';
        const draft = await store.create({ document: { ...shipped, version: 'strict-1', tiers }, author: 'mgr-ana', basedOn: 1 });
        await h.env.sleep(HOUR);
        const stillFirst = await h.start('pv-2', exampleLead);
        assert.equal((await waitForStage(h, stillFirst, 'assigned')).policyVersion, shipped.version, 'a draft changes nothing');

        await store.publish(draft.number, 'mgr-ana');
        const after = await h.start('pv-3', exampleLead);
        const second = await waitForStage(h, after, 'assigned');
        assert.equal(second.policyVersion, 'strict-1');
        assert.equal(second.tier, 'hot');
        const window = (s: typeof first) => Date.parse(s.deadlines.contactBy!) - Date.parse(s.assignedAt!);
        assert.equal(window(first), 24 * HOUR);
        assert.equal(window(second), 12 * HOUR, "the published version sets the new hand-off's contact window");

        // The running hand-off kept its policy: its contact clock still runs on the shipped window.
        const running = await h.state(before);
        assert.equal(running.policyVersion, shipped.version);
        assert.equal(running.tier, first.tier);
        assert.equal(running.deadlines.contactBy, first.deadlines.contactBy);

        // The ledger has each hand-off's lead data and the version it ran under, for the simulator.
        await waitForState(h, after, () => true, 'ledger');
        for (let i = 0; i < 200; i++) {
          const { rows } = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM handoff_leads WHERE policy_version IS NOT NULL');
          if (rows[0]!.n === 3) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        const { rows } = await h.db.query<{ handoff_id: string; policy_version: string; lead: { company: { name: string } } }>(
          'SELECT handoff_id, policy_version, lead FROM handoff_leads ORDER BY handoff_id',
        );
        assert.deepEqual(
          rows.map((r) => [r.handoff_id, r.policy_version, r.lead.company.name]),
          [
            ['pv-1', shipped.version, exampleLead.company!.name],
            ['pv-2', shipped.version, exampleLead.company!.name],
            ['pv-3', 'strict-1', exampleLead.company!.name],
          ],
        );
      },
      { policiesFromDatabase: true },
    ));
});
