/**
 * Listing hand-offs through Temporal visibility (search attributes registered on the dev server):
 * filters, who sees what, the at-risk view, and the same query straight from the Temporal client.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import type { HandoffSummarySchema } from '../../src/api/schemas.js';
import { repoRoot } from '../../src/config.js';
import type { Lead } from '../../src/domain/lead.js';
import { ContactDeadlineKey } from '../../src/temporal/search-attributes.js';
import { workflowIdFor } from '../../workflows/messages.js';
import { draftLead, hotLead, submission, warmLead } from '../fixtures/leads.js';
import { assertProblem, eventually, newHandoffId, useStack, waitForState, withLane, type Caller, type Lane } from './stack.js';
import type { z } from 'zod';

type Summary = z.infer<typeof HandoffSummarySchema>;
interface Page {
  items: Summary[];
  nextPageToken: string | null;
}

const current = useStack();

async function submit(lane: Lane, sdr: 'sdr-jo' | 'sdr-max', label: string, lead: Lead): Promise<string> {
  const id = newHandoffId(label);
  const created = await lane.as(sdr).post('/v1/handoffs', submission(id, lead));
  assert.equal(created.status, 201, created.text);
  return id;
}

async function list(caller: Caller, query: string): Promise<Page> {
  const reply = await caller.get<Page>(`/v1/handoffs?${query}`);
  assert.equal(reply.status, 200, reply.text);
  return reply.body;
}

/** Lists until every one of `ids` is on the (single) page: visibility catches up asynchronously. */
function listIncluding(caller: Caller, query: string, ids: string[]): Promise<Page> {
  return eventually(`${ids.join(', ')} listed by ?${query}`, async () => {
    const page = await list(caller, query);
    const listed = new Set(page.items.map((i) => i.id));
    return ids.every((id) => listed.has(id)) ? page : undefined;
  });
}

const idsOf = (page: Page): string[] => page.items.map((i) => i.id);

describe('listing hand-offs through visibility', () => {
  it('filters by stage and tier, scopes SDRs to their own, and matches a direct visibility query', () =>
    withLane(current, async (lane) => {
      const joHot = [await submit(lane, 'sdr-jo', 'hot-a', hotLead), await submit(lane, 'sdr-jo', 'hot-b', hotLead)];
      const maxHot = await submit(lane, 'sdr-max', 'hot-max', hotLead);
      const joWarm = await submit(lane, 'sdr-jo', 'warm', warmLead);
      const joDraft = await submit(lane, 'sdr-jo', 'draft', draftLead);
      const hot = [...joHot, maxHot];

      const manager = lane.as('mgr-ana');
      const assignedHot = await listIncluding(manager, 'stage=assigned&tier=hot&pageSize=100', hot);
      assert.ok(
        assignedHot.items.every((i) => i.stage === 'assigned' && i.tier === 'hot'),
        JSON.stringify(assignedHot.items),
      );
      assert.ok(!idsOf(assignedHot).includes(joWarm));
      assert.ok(!idsOf(assignedHot).includes(joDraft));
      const one = assignedHot.items.find((i) => i.id === maxHot)!;
      assert.equal(one.sdrId, 'sdr-max');
      assert.equal(one.companyName, 'Acme Logistics');
      assert.equal(one.score, 100);
      assert.equal(one.status, 'RUNNING');
      assert.ok(one.assignedAe === 'ae-kim' || one.assignedAe === 'ae-sam');
      assert.ok(one.contactDeadline && Date.parse(one.contactDeadline) > Date.now() + 23 * 3_600_000);

      // Ops sees the same; the warm lead is found by its own tier.
      await listIncluding(lane.as('ops-pat'), 'stage=assigned&tier=hot&pageSize=100', hot);
      await listIncluding(manager, 'tier=warm&pageSize=100', [joWarm]);
      await listIncluding(manager, 'stage=awaiting_checklist&pageSize=100', [joDraft]);

      // An SDR lists only their own, newest first, and may not ask for someone else's.
      const jo = lane.as('sdr-jo');
      const own = await listIncluding(jo, 'pageSize=100', [...joHot, joWarm, joDraft]);
      assert.ok(
        own.items.every((i) => i.sdrId === 'sdr-jo'),
        JSON.stringify(own.items.map((i) => i.sdrId)),
      );
      assert.ok(!idsOf(own).includes(maxHot));
      const started = own.items.map((i) => Date.parse(i.startedAt));
      assert.deepEqual(
        started,
        [...started].sort((a, b) => b - a),
      );
      const ownHot = await listIncluding(jo, 'stage=assigned&tier=hot&pageSize=100', joHot);
      assert.ok(!idsOf(ownHot).includes(maxHot));
      assertProblem(await jo.get('/v1/handoffs?sdr=sdr-max'), 403, 'forbidden');
      const maxOwn = await listIncluding(lane.as('sdr-max'), 'pageSize=100', [maxHot]);
      assert.ok(maxOwn.items.every((i) => i.sdrId === 'sdr-max'));

      // An AE sees what is assigned to them.
      const kimOwn = await list(lane.as('ae-kim'), 'pageSize=100');
      assert.ok(kimOwn.items.every((i) => i.assignedAe === 'ae-kim'));

      // Pages: one item at a time, the token carries on where the last page ended.
      const first = await list(jo, 'pageSize=1');
      assert.equal(first.items.length, 1);
      assert.ok(first.nextPageToken);
      const second = await list(jo, `pageSize=1&pageToken=${encodeURIComponent(first.nextPageToken)}`);
      assert.equal(second.items.length, 1);
      assert.notEqual(second.items[0]!.id, first.items[0]!.id);
      assertProblem(
        await jo.get(`/v1/handoffs?pageSize=1&stage=assigned&pageToken=${encodeURIComponent(first.nextPageToken)}`),
        422,
        'validation',
      );

      // The same question, asked of Temporal directly (as ops would in the UI or CLI).
      const direct = await eventually('the direct visibility query', async () => {
        const found: string[] = [];
        for await (const run of current().client.workflow.list({ query: "HandoffStage = 'assigned' AND HandoffTier = 'hot'" }))
          found.push(run.workflowId);
        return hot.every((id) => found.includes(workflowIdFor(id))) ? found : undefined;
      });
      assert.ok(!direct.includes(workflowIdFor(joWarm)));
      assert.ok(!direct.includes(workflowIdFor(joDraft)));

      // A withdrawn draft is listed as closed, with its outcome, once its workflow has completed.
      const withdrawn = await jo.post(`/v1/handoffs/${joDraft}/withdraw`, { reason: 'duplicate of another lead' });
      assert.equal(withdrawn.status, 200, withdrawn.text);
      assert.equal(withdrawn.body.outcome, 'withdrawn');
      const closed = await eventually('the withdrawn draft listed as closed and completed', async () => {
        const page = await list(manager, 'stage=closed&pageSize=100');
        const item = page.items.find((i) => i.id === joDraft);
        return item?.status === 'COMPLETED' ? item : undefined;
      });
      assert.equal(closed.outcome, 'withdrawn');
      assert.ok(closed.closedAt);

      // A fresh hot lead has 24 h to first contact: not at risk.
      const atRisk = await list(manager, 'atRisk=true&pageSize=100');
      for (const id of hot) assert.ok(!idsOf(atRisk).includes(id), `${id} is not at risk`);
      await listIncluding(manager, 'atRisk=false&pageSize=100', hot);
    }));

  it('atRisk=true lists an assigned hand-off whose first-contact deadline is less than 2 h away', async () => {
    const policy = YAML.parse(await readFile(path.join(repoRoot, 'policy', 'default.yaml'), 'utf8')) as {
      version: string;
      tiers: { hot: { contactWindow: string } };
    };
    policy.version = `${policy.version}-e2e-short-contact`;
    policy.tiers.hot.contactWindow = '1h';
    await withLane(
      current,
      async (lane) => {
        const manager = lane.as('mgr-ana');
        const urgent = await submit(lane, 'sdr-jo', 'urgent', hotLead);
        const state = await waitForState(manager, urgent, 'assigned', (s) => s.stage === 'assigned');
        assert.equal(state.policyVersion, policy.version);
        assert.equal(Date.parse(state.deadlines.contactBy!) - Date.parse(state.assignedAt!), 3_600_000);

        const atRisk = await listIncluding(manager, 'atRisk=true&pageSize=100', [urgent]);
        const item = atRisk.items.find((i) => i.id === urgent)!;
        assert.ok(Date.parse(item.contactDeadline!) < Date.now() + 2 * 3_600_000);
        assert.ok(
          atRisk.items.every(
            (i) => (i.stage === 'assigned' || i.stage === 'accepted') && Date.parse(i.contactDeadline!) < Date.now() + 2 * 3_600_000,
          ),
        );
        // Ops' one query in the Web UI or CLI: assigned hot leads whose contact deadline is within 2 hours.
        const within2h = new Date(Date.now() + 2 * 3_600_000).toISOString();
        const query = `HandoffStage = 'assigned' AND HandoffTier = 'hot' AND ContactDeadline < '${within2h}'`;
        const found = await eventually(`the ops query ${query}`, async () => {
          const runs: { id: string; deadline: unknown }[] = [];
          for await (const run of current().client.workflow.list({ query })) {
            runs.push({ id: run.workflowId, deadline: run.typedSearchAttributes.get(ContactDeadlineKey) });
          }
          return runs.some((r) => r.id === workflowIdFor(urgent)) ? runs : undefined;
        });
        for (const run of found) assert.ok(run.deadline instanceof Date && run.deadline.toISOString() < within2h, JSON.stringify(run));

        // Accepted but not yet contacted is still at risk; the AE sees it in their own at-risk list.
        const owner = state.assignedAe as 'ae-kim' | 'ae-sam';
        assert.equal((await lane.as(owner).post(`/v1/handoffs/${urgent}/accept`, {})).status, 200);
        await eventually('the accepted hand-off still at risk', async () => {
          const page = await list(lane.as(owner), 'atRisk=true&pageSize=100');
          return page.items.some((i) => i.id === urgent && i.stage === 'accepted') ? page : undefined;
        });
        const notAtRisk = await list(manager, 'atRisk=false&pageSize=100');
        assert.ok(!idsOf(notAtRisk).includes(urgent));
      },
      { policy: YAML.stringify(policy) },
    );
  });
});
