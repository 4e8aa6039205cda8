/**
 * Every way a request can be refused, over real HTTP against a real Temporal dev server: each
 * answer is problem+json with the right status, and a refused update leaves nothing in history.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BODY_BYTES } from '../../src/api/body.js';
import type { Problem } from '../../src/api/problem.js';
import { submission } from '../fixtures/leads.js';
import { updateEvents } from '../fixtures/history.js';
import { assertProblem, newHandoffId, useStack, untilAssigned, withLane, type Lane } from './stack.js';

const current = useStack();

/** Submits the §4 example as sdr-jo and answers its id once it is assigned to ae-kim. */
async function assignedHandoff(lane: Lane, label: string): Promise<string> {
  const id = newHandoffId(label);
  const jo = lane.as('sdr-jo');
  const assigned = await untilAssigned(jo, await jo.post('/v1/handoffs', submission(id)));
  assert.equal(assigned.assignedAe, 'ae-kim');
  return id;
}

describe('refusals over HTTP', () => {
  it('401 without a token or with a bad one', () =>
    withLane(current, async (lane) => {
      const id = newHandoffId('unauth');
      const none = await lane.anonymous.get(`/v1/handoffs/${id}`);
      assertProblem(none, 401, 'unauthorized');
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);

      const bad = await lane.withToken('not-a-token').get(`/v1/handoffs/${id}`);
      assertProblem(bad, 401, 'unauthorized');
      assert.match(bad.headers.get('www-authenticate') ?? '', /invalid_token/);

      const basic = await lane.anonymous.send('GET', '/v1/handoffs', { headers: { Authorization: 'Basic c2RyLWpvOnB3' } });
      assertProblem(basic, 401, 'unauthorized');

      const submit = await lane.withToken('not-a-token').post('/v1/handoffs', submission(id));
      assertProblem(submit, 401, 'unauthorized');
      const nothing = await lane.as('mgr-ana').get(`/v1/handoffs/${id}`);
      assertProblem(nothing, 404, 'not-found');
    }));

  it('403 for the wrong role or someone else’s hand-off; 404 for an unknown one; 409 with the validator’s reason for refused transitions — and no trace in history', () =>
    withLane(current, async (lane) => {
      const jo = lane.as('sdr-jo');
      const kim = lane.as('ae-kim');

      const aeSubmits = await kim.post('/v1/handoffs', submission(newHandoffId('ae-submits')));
      assert.match(assertProblem(aeSubmits, 403, 'forbidden').detail, /ae-kim \(ae\)/);

      const id = await assignedHandoff(lane, 'refusals');

      assertProblem(await lane.as('sdr-max').get(`/v1/handoffs/${id}`), 403, 'forbidden');
      assertProblem(await lane.as('ae-lena').get(`/v1/handoffs/${id}`), 403, 'forbidden');
      assertProblem(await lane.as('ae-lena').post(`/v1/handoffs/${id}/accept`, {}), 403, 'forbidden');
      assertProblem(await lane.as('sdr-max').post(`/v1/handoffs/${id}/withdraw`, {}), 403, 'forbidden');
      assertProblem(await jo.post(`/v1/handoffs/${id}/accept`, {}), 403, 'forbidden');
      assertProblem(await kim.patch(`/v1/handoffs/${id}`, { notes: 'mine now' }), 403, 'forbidden');

      const unknown = newHandoffId('unknown');
      assertProblem(await lane.as('mgr-ana').get(`/v1/handoffs/${unknown}`), 404, 'not-found');
      assertProblem(await kim.post(`/v1/handoffs/${unknown}/accept`, {}), 404, 'not-found');
      assertProblem(await jo.patch(`/v1/handoffs/${unknown}`, { notes: 'x' }), 404, 'not-found');

      // Once assigned, the AE owns the lead: the workflow's validators refuse the SDR's edits.
      const patch = assertProblem(await jo.patch(`/v1/handoffs/${id}`, { notes: 'one more thing' }), 409, 'refused-transition');
      assert.equal(patch.detail, 'the checklist is complete and the hand-off is assigned: the AE owns the qualification data now');
      const withdraw = assertProblem(
        await jo.post(`/v1/handoffs/${id}/withdraw`, { reason: 'changed my mind' }),
        409,
        'refused-transition',
      );
      assert.equal(withdraw.detail, 'the hand-off is assigned: once assigned the AE owns the lead and the SDR can no longer withdraw it');
      const early = assertProblem(await kim.post(`/v1/handoffs/${id}/outcome`, { outcome: 'opportunity' }), 409, 'refused-transition');
      assert.equal(early.detail, 'record the first contact before reporting an outcome');

      const accepted = await kim.post(`/v1/handoffs/${id}/accept`, {});
      assert.equal(accepted.status, 200, accepted.text);
      const twice = assertProblem(await kim.post(`/v1/handoffs/${id}/accept`, {}), 409, 'refused-transition');
      assert.equal(twice.detail, 'the hand-off is already accepted');
      const future = assertProblem(
        await kim.post(`/v1/handoffs/${id}/contacted`, { channel: 'call', at: new Date(Date.now() + 3_600_000).toISOString() }),
        409,
        'refused-transition',
      );
      assert.match(future.detail, /is in the future/);

      const state = await jo.get(`/v1/handoffs/${id}`);
      assert.equal(state.body.stage, 'accepted');
      assert.deepEqual(
        state.body.timeline.map((e) => e.event),
        ['submitted', 'checklist_completed', 'scored', 'tiered', 'assigned', 'accepted'],
      );

      // Only the submit sent with the start and the one accepted update are in the history; the refused ones left nothing.
      const events = await updateEvents(current().client, id);
      assert.deepEqual(events.names, ['submit', 'accept']);
      assert.equal(events.accepted, 2);
      assert.equal(events.completed, 2);
    }));

  it('400 for malformed JSON, 422 naming the field for unknown fields and bad enums, 413 for a body over the limit', () =>
    withLane(current, async (lane) => {
      const jo = lane.as('sdr-jo');
      const id = newHandoffId('invalid');

      const malformed = await jo.send('POST', '/v1/handoffs', { raw: '{"handoffId": "x", ' });
      assertProblem(malformed, 400, 'malformed-request');
      assertProblem(await jo.send('POST', '/v1/handoffs', { raw: '' }), 400);
      assertProblem(
        await jo.send('POST', '/v1/handoffs', { raw: 'handoffId=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
        400,
      );

      const fieldPaths = (problem: Problem): string[] => (problem.errors ?? []).map((e) => e.path);

      const unknownTop = assertProblem(await jo.post('/v1/handoffs', { ...submission(id), priority: 'high' }), 422, 'validation');
      assert.deepEqual(fieldPaths(unknownTop), ['priority']);
      const base = submission(id);
      const unknownNested = assertProblem(
        await jo.post('/v1/handoffs', { ...base, company: { ...base.company, ceo: 'Pat' } }),
        422,
        'validation',
      );
      assert.deepEqual(fieldPaths(unknownNested), ['company.ceo']);
      const badEnum = assertProblem(
        await jo.post('/v1/handoffs', { ...base, contact: { ...base.contact, authority: 'ceo' } }),
        422,
        'validation',
      );
      assert.deepEqual(fieldPaths(badEnum), ['contact.authority']);
      const badBudget = assertProblem(
        await jo.post('/v1/handoffs', { ...base, urgency: { ...base.urgency, budget: 'lots' } }),
        422,
        'validation',
      );
      assert.deepEqual(fieldPaths(badBudget), ['urgency.budget']);

      // None of those started anything.
      assertProblem(await jo.get(`/v1/handoffs/${id}`), 404, 'not-found');

      const assigned = await untilAssigned(jo, await jo.post('/v1/handoffs', submission(newHandoffId('actions'))));
      const kim = lane.as(assigned.assignedAe === 'ae-sam' ? 'ae-sam' : 'ae-kim');
      const path = `/v1/handoffs/${assigned.id}`;
      assertProblem(await kim.send('POST', `${path}/accept`, { raw: '{' }), 400, 'malformed-request');
      assert.deepEqual(fieldPaths(assertProblem(await kim.post(`${path}/reject`, { reason: 'too_busy' }), 422, 'validation')), ['reason']);
      assert.deepEqual(fieldPaths(assertProblem(await kim.post(`${path}/accept`, { eager: true }), 422, 'validation')), ['eager']);
      assert.deepEqual(fieldPaths(assertProblem(await kim.post(`${path}/contacted`, { channel: 'pigeon' }), 422, 'validation')), [
        'channel',
      ]);
      assert.deepEqual(fieldPaths(assertProblem(await kim.post(`${path}/feedback`, { rating: 6, qualityIssues: [] }), 422, 'validation')), [
        'rating',
      ]);
      const manager = lane.as('mgr-ana');
      assert.deepEqual(fieldPaths(assertProblem(await manager.get('/v1/handoffs?stage=limbo'), 422, 'validation')), ['stage']);
      assert.deepEqual(fieldPaths(assertProblem(await manager.get('/v1/handoffs?colour=red'), 422, 'validation')), ['colour']);
      assertProblem(await manager.send('DELETE', path), 405, 'method-not-allowed');
      assertProblem(await manager.get('/v1/nothing-here'), 404, 'not-found');

      const huge = { ...submission(newHandoffId('huge')), notes: 'x'.repeat(MAX_BODY_BYTES + 1) };
      assertProblem(await jo.post('/v1/handoffs', huge), 413, 'payload-too-large');
      assertProblem(await kim.post(`${path}/accept`, { note: 'y'.repeat(MAX_BODY_BYTES) }), 413, 'payload-too-large');

      // The hand-off the AE actions were refused on is untouched.
      const after = await kim.get(`${path}`);
      assert.equal(after.body.stage, 'assigned');
      assert.deepEqual((await updateEvents(current().client, assigned.id)).names, ['submit'], 'only the submit sent with the start');
    }));
});
