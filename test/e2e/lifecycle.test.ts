/**
 * A hand-off's life over real HTTP against a real Temporal dev server: submit, route, the AE's
 * actions, idempotent submits, drafts and rejections.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LedgerStore } from '../../src/db/ledger.js';
import type { Metrics } from '../../src/domain/metrics.js';
import type { HandoffState } from '../../src/domain/state.js';
import {
  AssignedAeKey,
  CompanyNameKey,
  ContactDeadlineKey,
  HandoffOutcomeKey,
  HandoffStageKey,
  HandoffTierKey,
  LeadScoreKey,
  SdrIdKey,
} from '../../src/temporal/search-attributes.js';
import { workflowIdFor } from '../../workflows/messages.js';
import { draftCompletion, draftLead, submission, happyPathEvents } from '../fixtures/leads.js';
import { updateEvents } from '../fixtures/history.js';
import { assertProblem, newHandoffId, useStack, untilAssigned, waitForState, withLane } from './stack.js';

const current = useStack();

describe('hand-off lifecycle over HTTP', () => {
  it('submit → assigned to ae-kim (hot, 100) → accept → contacted → outcome → feedback → closed as opportunity', () =>
    withLane(current, async (lane) => {
      const jo = lane.as('sdr-jo');
      const kim = lane.as('ae-kim');
      const id = newHandoffId('life');

      const startedAt = performance.now();
      const created = await jo.post('/v1/handoffs', submission(id));
      assert.equal(created.status, 201, created.text);
      assert.equal(created.headers.get('location'), `/v1/handoffs/${id}`);
      const assigned = await untilAssigned(jo, created);
      const submitToAssigned = Math.round(performance.now() - startedAt);
      console.log(`submit→assigned: ${submitToAssigned} ms`);
      assert.ok(submitToAssigned < 5000, `submit→assigned took ${submitToAssigned} ms`);

      const read = await jo.get(`/v1/handoffs/${id}`);
      assert.equal(read.status, 200);
      for (const state of [assigned, read.body]) {
        assert.equal(state.id, id);
        assert.equal(state.stage, 'assigned');
        assert.equal(state.sdrId, 'sdr-jo');
        assert.equal(state.assignedAe, 'ae-kim');
        assert.equal(state.tier, 'hot');
        assert.equal(state.score?.total, 100);
        assert.ok(state.deadlines.contactBy);
      }
      assert.equal(Date.parse(read.body.deadlines.contactBy!) - Date.parse(read.body.assignedAt!), 24 * 3_600_000);

      // What ops sees in the Temporal UI: the start summary and the search attributes.
      const description = await current().client.workflow.getHandle(workflowIdFor(id)).describe();
      assert.equal(await description.staticSummary(), 'Acme Logistics — Dana Reyes · hot · score 100');
      const sa = description.typedSearchAttributes;
      assert.equal(sa.get(HandoffStageKey), 'assigned');
      assert.equal(sa.get(HandoffTierKey), 'hot');
      assert.equal(sa.get(AssignedAeKey), 'ae-kim');
      assert.equal(sa.get(SdrIdKey), 'sdr-jo');
      assert.equal(sa.get(CompanyNameKey), 'Acme Logistics');
      assert.equal(sa.get(LeadScoreKey), 100);
      assert.equal(sa.get(ContactDeadlineKey)?.toISOString(), read.body.deadlines.contactBy);

      // Accept has nothing to say: no body at all is fine.
      const accepted = await kim.post(`/v1/handoffs/${id}/accept`);
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal(accepted.body.stage, 'accepted');

      const contacted = await kim.post(`/v1/handoffs/${id}/contacted`, { channel: 'call', note: 'intro call with Dana' });
      assert.equal(contacted.status, 200, contacted.text);
      assert.equal(contacted.body.stage, 'contacted');
      assert.equal(contacted.body.contact?.channel, 'call');

      const outcome = await kim.post(`/v1/handoffs/${id}/outcome`, { outcome: 'opportunity', amount: 48000 });
      assert.equal(outcome.status, 200, outcome.text);
      assert.equal(outcome.body.outcomeReport?.outcome, 'opportunity');

      const feedback = await kim.post(`/v1/handoffs/${id}/feedback`, { rating: 5, qualityIssues: [] });
      assert.equal(feedback.status, 200, feedback.text);
      assert.equal(feedback.body.feedback?.rating, 5);

      const closed = await waitForState(jo, id, 'closed', (s) => s.stage === 'closed', 5_000);
      assert.equal(closed.outcome, 'opportunity');
      assert.equal(closed.closeReason, 'reported');
      assert.deepEqual(
        closed.timeline.map((e) => e.event),
        happyPathEvents,
      );
      assert.equal(closed.timeline.find((e) => e.event === 'accepted')?.actor, 'ae-kim');

      // Closed is closed: the AE's actions are refused, and the answer says so.
      const late = await kim.post(`/v1/handoffs/${id}/contacted`, { channel: 'email' });
      assert.match(assertProblem(late, 409, 'handoff-closed').detail, /closed/);

      // The manager reads it too, and the history holds exactly the submit sent with the start and the four accepted updates.
      assert.equal((await lane.as('mgr-ana').get(`/v1/handoffs/${id}`)).status, 200);
      const events = await updateEvents(current().client, id);
      assert.deepEqual(events.names, ['submit', 'accept', 'markContacted', 'reportOutcome', 'submitFeedback']);
      assert.equal(events.completed, 5);
      const handle = current().client.workflow.getHandle<() => Promise<HandoffState>>(workflowIdFor(id));
      assert.equal((await handle.result()).outcome, 'opportunity');
      const finalAttributes = (await handle.describe()).typedSearchAttributes;
      assert.equal(finalAttributes.get(HandoffStageKey), 'closed');
      assert.equal(finalAttributes.get(HandoffOutcomeKey), 'opportunity');

      // The ledger holds the timeline entry for entry, and the figures count the hand-off.
      const final = await handle.result();
      const ledger = await new LedgerStore(lane.db).events(id);
      assert.deepEqual(
        ledger.map((e) => [e.seq, e.event, e.at]),
        final.timeline.map((e, i) => [i, e.event, e.at]),
      );
      const figures = await lane.as('mgr-ana').get<Metrics>('/v1/metrics');
      assert.equal(figures.status, 200, figures.text);
      assert.deepEqual(
        [figures.body.submitted, figures.body.assigned, figures.body.conversionRate, figures.body.meanRating, figures.body.slaMetRate],
        [1, 1, 1, 5, { handoff: 1, contact: 1 }],
      );
      assert.equal(figures.body.timeToFirstContact.hot.count, 1);
      assert.equal((await lane.as('ae-lena').get<Metrics>('/v1/metrics')).body.submitted, 0, "another AE's figures leave it out");
    }));

  it('the same handoffId and body again answers 200 with the same hand-off; a different body is 409', () =>
    withLane(current, async (lane) => {
      const jo = lane.as('sdr-jo');
      const id = newHandoffId('idem');
      const body = submission(id);

      const first = await jo.post('/v1/handoffs', body);
      assert.equal(first.status, 201, first.text);
      const handle = current().client.workflow.getHandle(workflowIdFor(id));
      const { runId } = await handle.describe();

      // Key order and whitespace do not make a body different.
      const reordered = JSON.stringify(Object.fromEntries(Object.entries(body).reverse()), null, 2);
      const again = await jo.send<HandoffState>('POST', '/v1/handoffs', { raw: reordered });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.headers.get('location'), `/v1/handoffs/${id}`);
      assert.equal(again.body.id, id);
      assert.equal(again.body.assignedAe, first.body.assignedAe);
      assert.equal(again.body.submittedAt, first.body.submittedAt);
      assert.equal((await handle.describe()).runId, runId);

      const changed = await jo.post('/v1/handoffs', { ...body, notes: 'a different note' });
      const problem = assertProblem(changed, 409, 'duplicate-handoff');
      assert.match(problem.detail, /different body/);

      // Another SDR reusing the id is refused too, without being told whose it is.
      const other = await lane.as('sdr-max').post('/v1/handoffs', body);
      assertProblem(other, 409, 'duplicate-handoff');
      assert.doesNotMatch(other.text, /sdr-jo/);

      const runs = [];
      for await (const run of current().client.workflow.list({ query: `WorkflowId = '${workflowIdFor(id)}'` })) runs.push(run.runId);
      assert.deepEqual(runs, [runId]);
      assert.equal((await handle.describe()).runId, runId);

      // A client retrying in parallel: one submission starts the hand-off, the others get it back.
      const racedId = newHandoffId('race');
      const raced = await Promise.all(Array.from({ length: 5 }, () => jo.post('/v1/handoffs', submission(racedId))));
      assert.deepEqual(raced.map((r) => r.status).sort(), [200, 200, 200, 200, 201], raced.map((r) => r.text).join('\n'));
      assert.ok(raced.every((r) => r.body.id === racedId && r.body.sdrId === 'sdr-jo'));
      const racedRuns = [];
      for await (const run of current().client.workflow.list({ query: `WorkflowId = '${workflowIdFor(racedId)}'` }))
        racedRuns.push(run.runId);
      assert.equal(racedRuns.length, 1);
      const settled = await waitForState(jo, racedId, 'assigned', (s) => s.stage === 'assigned');
      assert.equal(settled.timeline.filter((e) => e.event === 'submitted').length, 1);
      assert.equal(settled.timeline.filter((e) => e.event === 'assigned').length, 1);
    }));

  it('a draft waits in awaiting_checklist with its missing items named; the PATCH completing it answers assigned', () =>
    withLane(current, async (lane) => {
      const jo = lane.as('sdr-jo');
      const id = newHandoffId('draft');

      const created = await jo.post('/v1/handoffs', submission(id, draftLead));
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.stage, 'awaiting_checklist');
      assert.equal(created.body.checklist.complete, false);
      for (const item of ['painPoints', 'nextStep', 'urgency.timeline', 'urgency.budget', 'context.champion']) {
        assert.ok(created.body.checklist.missing.includes(item), `missing lists ${item}: ${created.body.checklist.missing.join(', ')}`);
      }
      assert.ok(!created.body.checklist.missing.includes('company.name'));

      // A partial patch keeps it a draft, with fewer items missing.
      const partial = await jo.patch(`/v1/handoffs/${id}`, { painPoints: draftCompletion.painPoints });
      assert.equal(partial.status, 200, partial.text);
      assert.equal(partial.body.stage, 'awaiting_checklist');
      assert.ok(!partial.body.checklist.missing.includes('painPoints'));
      assert.ok(partial.body.checklist.missing.includes('nextStep'));

      const completed = await jo.patch(`/v1/handoffs/${id}`, draftCompletion);
      assert.equal(completed.status, 200, completed.text);
      assert.equal(completed.body.stage, 'assigned');
      assert.equal(completed.body.checklist.complete, true);
      assert.deepEqual(completed.body.checklist.missing, []);
      assert.equal(completed.body.assignedAe, 'ae-kim');
      assert.equal(completed.body.tier, 'hot');
    }));

  it('a routing rejection re-routes to ae-sam and never back to ae-kim; a qualification rejection returns the lead to the SDR', () =>
    withLane(current, async (lane) => {
      const jo = lane.as('sdr-jo');
      const kim = lane.as('ae-kim');
      const sam = lane.as('ae-sam');

      const id = newHandoffId('reroute');
      const created = await untilAssigned(jo, await jo.post('/v1/handoffs', submission(id)));
      assert.equal(created.assignedAe, 'ae-kim');

      const rejected = await kim.post(`/v1/handoffs/${id}/reject`, { reason: 'capacity', note: 'full week' });
      assert.equal(rejected.status, 200, rejected.text);
      assert.equal(rejected.body.stage, 'assigned');
      assert.equal(rejected.body.assignedAe, 'ae-sam');
      assert.deepEqual(rejected.body.previousAes, ['ae-kim']);
      assert.equal(rejected.body.rejection?.reason, 'capacity');
      assert.equal(rejected.body.rejection?.rerouted, true);
      assert.ok(rejected.body.routing?.excluded.some((e) => e.aeId === 'ae-kim' && e.reason === 'previously_assigned'));

      // Kim no longer sees it; Sam does.
      assertProblem(await kim.get(`/v1/handoffs/${id}`), 403, 'forbidden');
      assert.equal((await sam.get(`/v1/handoffs/${id}`)).status, 200);

      // Sam passes too: nobody is left (kim had it, lena is out of territory), so it waits — not back to kim.
      const again = await sam.post(`/v1/handoffs/${id}/reject`, { reason: 'conflict' });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.body.stage, 'awaiting_assignment');
      assert.equal(again.body.assignedAe, undefined);
      assert.deepEqual(again.body.previousAes, ['ae-kim', 'ae-sam']);
      const read = await lane.as('mgr-ana').get(`/v1/handoffs/${id}`);
      assert.equal(read.body.stage, 'awaiting_assignment');
      assert.deepEqual(
        read.body.timeline.filter((e) => e.event === 'assigned').map((e) => e.detail?.split(' ')[0]),
        ['ae-kim', 'ae-sam'],
      );

      const returnedId = newHandoffId('returned');
      const second = await untilAssigned(jo, await jo.post('/v1/handoffs', submission(returnedId)));
      const owner = second.assignedAe;
      assert.ok(owner === 'ae-kim' || owner === 'ae-sam', `assigned to ${owner}`);

      const returned = await lane
        .as(owner)
        .post(`/v1/handoffs/${returnedId}/reject`, { reason: 'no_budget', note: 'budget frozen until Q3' });
      assert.equal(returned.status, 200, returned.text);
      assert.equal(returned.body.stage, 'closed');
      assert.equal(returned.body.outcome, 'returned_to_sdr');
      assert.equal(returned.body.rejection?.reason, 'no_budget');
      assert.equal(returned.body.rejection?.rerouted, false);
      const closed = await waitForState(jo, returnedId, 'closed as returned_to_sdr', (s) => s.stage === 'closed');
      assert.equal(closed.outcome, 'returned_to_sdr');
      assert.deepEqual(closed.previousAes, []);
    }));
});

describe('health and the OpenAPI document', () => {
  it('GET /healthz and /readyz answer 200 with Temporal up; /openapi.json is the document', () =>
    withLane(current, async (lane) => {
      const live = await lane.anonymous.get<{ status: string }>('/healthz');
      assert.equal(live.status, 200);
      assert.deepEqual(live.body, { status: 'ok' });

      const ready = await lane.anonymous.get<{ status: string; temporal: { namespace: string } }>('/readyz');
      assert.equal(ready.status, 200, ready.text);
      assert.equal(ready.body.status, 'ready');
      assert.equal(ready.body.temporal.namespace, 'default');

      const doc = await lane.anonymous.get<{ openapi: string; paths: Record<string, unknown> }>('/openapi.json');
      assert.equal(doc.status, 200);
      assert.match(doc.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(doc.body.openapi, '3.1.0');
      for (const p of ['/v1/handoffs', '/v1/handoffs/{id}', '/v1/handoffs/{id}/accept', '/healthz', '/readyz']) {
        assert.ok(p in doc.body.paths, `documents ${p}`);
      }
    }));
});
