/**
 * Policy versions over real HTTP against a real Temporal dev server: a manager saves and publishes
 * a draft through `/v1/policies`, the worker's next hand-off runs under it while the one before
 * keeps the shipped policy, and the simulator replays both from the lead data the workflows shipped
 * to the ledger.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyVersion, PolicyVersionDetail } from '../../src/domain/policy-catalog.js';
import type { SimulationReport } from '../../src/domain/simulation-report.js';
import type { HandoffState } from '../../src/domain/state.js';
import { hotLead, submission } from '../fixtures/leads.js';
import { eventually, newHandoffId, untilAssigned, useStack, withLane, type Lane } from './stack.js';

const current = useStack();
const HOUR = 3_600_000;

async function submit(lane: Lane, label: string): Promise<HandoffState> {
  const sdr = lane.as('sdr-jo');
  const lead = { ...hotLead, company: { ...hotLead.company!, name: label, domain: `${label}.example` } };
  return untilAssigned(sdr, await sdr.post('/v1/handoffs', submission(newHandoffId(label), lead)));
}

const contactWindow = (state: HandoffState): number => Date.parse(state.deadlines.contactBy!) - Date.parse(state.assignedAt!);

describe('policy versions over HTTP', () => {
  it('a published draft governs the next hand-off, not the running one; the simulator replays both', () =>
    withLane(current, async (lane) => {
      const ana = lane.as('mgr-ana');
      const before = await submit(lane, 'policy-before');
      const shipped = await ana.get<PolicyVersionDetail>('/v1/policies/1');
      assert.equal(shipped.status, 200, shipped.text);
      assert.equal(before.policyVersion, shipped.body.version);
      assert.equal(contactWindow(before), 24 * HOUR);

      const tiers = structuredClone(shipped.body.document.tiers) as { hot: { contactWindow: string } };
      tiers.hot.contactWindow = '12h';
      const saved = await ana.post<PolicyVersionDetail>('/v1/policies', {
        policy: { ...shipped.body.document, version: 'e2e-fast-hot', tiers },
        note: 'hot leads within 12 hours',
        basedOn: 1,
      });
      assert.equal(saved.status, 201, saved.text);
      const published = await ana.post<PolicyVersion>(`/v1/policies/${saved.body.number}/publish`, {});
      assert.equal(published.status, 200, published.text);

      const after = await submit(lane, 'policy-after');
      assert.equal(after.policyVersion, 'e2e-fast-hot');
      assert.equal(contactWindow(after), 12 * HOUR);
      const running = await lane.as('sdr-jo').get<HandoffState>(`/v1/handoffs/${before.id}`);
      assert.equal(running.body.policyVersion, shipped.body.version);
      assert.equal(running.body.deadlines.contactBy, before.deadlines.contactBy);

      // Both workflows shipped their lead data with their ledger batches.
      await eventually('both leads in the ledger', async () => {
        const { rows } = await lane.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM handoff_leads WHERE policy_version IS NOT NULL',
        );
        return rows[0]!.n === 2 ? true : undefined;
      });
      const today = new Date().toISOString().slice(0, 10);
      const report = await ana.post<SimulationReport>('/v1/policies/simulate', { policy: 1, from: today, to: today, timeZone: 'UTC' });
      assert.equal(report.status, 200, report.text);
      assert.equal(report.body.handoffs, 2);
      assert.deepEqual(report.body.baseline, { version: 'e2e-fast-hot', number: saved.body.number });
      assert.deepEqual(
        report.body.ranUnder.map((r) => [r.version, r.handoffs]).sort(),
        [
          [shipped.body.version, 1],
          ['e2e-fast-hot', 1],
        ].sort(),
      );
      // The one that ran under the live version replays as recorded.
      assert.deepEqual(report.body.fidelity, { compared: 1, matching: 1, mismatches: [] });
      // Going back to the shipped policy gives both hot hand-offs their 24-hour window again.
      assert.equal(report.body.changes.contactDeadline, 2);
      assert.equal(report.body.deadlines.contact.later, 2);
      assert.deepEqual(report.body.changed[0]!.responsible, [{ path: 'tiers.hot.contactWindow', before: '12h', after: '1d' }]);
    }));
});
