/**
 * Manager and ops interventions over real HTTP against a real Temporal dev server: escalate,
 * reassign and return (updates: applied and routed, or refused with the workflow's reason), what ops
 * sees in visibility afterwards, malformed signals from the Temporal client, and the SDR's booking attempts.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sha256 } from '../../src/api/auth.js';
import { startApi } from '../../src/api/server.js';
import type { Ae } from '../../src/domain/roster.js';
import type { HandoffState } from '../../src/domain/state.js';
import type { TimelineEntry } from '../../src/domain/timeline.js';
import {
  AssignedAeKey,
  ContactDeadlineKey,
  EscalationCountKey,
  HandoffOutcomeKey,
  HandoffStageKey,
} from '../../src/temporal/search-attributes.js';
import { interventionSignals, workflowIdFor } from '../../workflows/messages.js';
import { submission, testRoster } from '../fixtures/leads.js';
import { assertProblem, eventually, newHandoffId, token, untilAssigned, useStack, waitForState, withLane, type Lane } from './stack.js';

const current = useStack();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HOUR = 3_600_000;

/** A hot US lead from sdr-jo, assigned (to ae-kim, the first eligible AE of a fresh lane). */
async function assignedHotLead(lane: Lane, label: string): Promise<HandoffState> {
  const jo = lane.as('sdr-jo');
  const state = await untilAssigned(jo, await jo.post('/v1/handoffs', submission(newHandoffId(label))));
  assert.equal(state.assignedAe, 'ae-kim');
  assert.equal(state.tier, 'hot');
  return state;
}

/** The entry answering an intervention (it carries the update's id as `ref`) and the entries after it. */
function answered(state: HandoffState, event: string): { entry: TimelineEntry; after: string[] } {
  const at = state.timeline.findIndex((e) => e.event === event && e.ref !== undefined);
  assert.ok(at >= 0, `a ${event} entry with a ref: ${JSON.stringify(state.timeline)}`);
  return { entry: state.timeline[at]!, after: state.timeline.slice(at + 1).map((e) => e.event) };
}

describe('interventions over HTTP', () => {
  it('a manager escalates an assigned hot lead to the senior AE; ops finds it with the at-risk query; ops escalates again to a named AE', () =>
    withLane(current, async (lane) => {
      const before = await assignedHotLead(lane, 'escalate');
      const id = before.id;
      const startedAt = performance.now();
      const escalated = await lane
        .as('mgr-ana')
        .post(`/v1/handoffs/${id}/escalate`, { reason: 'Kim is out sick', note: 'call Dana today' });
      console.log(`escalate → routed: ${Math.round(performance.now() - startedAt)} ms`);
      assert.equal(escalated.status, 200, escalated.text);
      const state = escalated.body;
      assert.equal(state.stage, 'assigned');
      assert.equal(state.escalations, 1);
      assert.equal(state.assignedAe, 'ae-sam', 'the senior AE of the test roster');
      assert.ok(testRoster.find((ae) => ae.id === state.assignedAe)?.senior);
      assert.deepEqual(state.previousAes, ['ae-kim']);
      const { entry, after } = answered(state, 'escalated');
      assert.equal(entry.actor, 'mgr-ana');
      assert.match(entry.ref!, UUID);
      assert.match(entry.detail ?? '', /Kim is out sick/);
      assert.ok(after.includes('assigned'), `routed after the escalation: ${after.join(', ')}`);
      // A fresh first-contact window from the new assignment.
      assert.ok(Date.parse(state.assignedAt!) >= Date.parse(before.assignedAt!));
      assert.equal(Date.parse(state.deadlines.contactBy!) - Date.parse(state.assignedAt!), 24 * HOUR);

      // The read model agrees; kim lost it, sam has it.
      assertProblem(await lane.as('ae-kim').get(`/v1/handoffs/${id}`), 403, 'forbidden');
      assert.equal((await lane.as('ae-sam').get(`/v1/handoffs/${id}`)).body.escalations, 1);

      // Ops in the Web UI or CLI: assigned hot leads whose contact deadline is within 25 hours.
      const query = `HandoffStage = 'assigned' AND HandoffTier = 'hot' AND ContactDeadline < '${new Date(Date.now() + 25 * HOUR).toISOString()}'`;
      const found = await eventually(`${id} in ${query} with AssignedAe ae-sam`, async () => {
        for await (const run of current().client.workflow.list({ query })) {
          const sa = run.typedSearchAttributes;
          if (run.workflowId === workflowIdFor(id) && sa.get(AssignedAeKey) === 'ae-sam') return sa;
        }
        return undefined;
      });
      assert.equal(found.get(HandoffStageKey), 'assigned');
      assert.equal(found.get(EscalationCountKey), 1);
      assert.equal(found.get(ContactDeadlineKey)?.toISOString(), state.deadlines.contactBy);

      // Ops escalates once more, to a named AE outside the lead's territory (a manager's pick may be).
      const again = await lane.as('ops-pat').post(`/v1/handoffs/${id}/escalate`, { reason: 'needs a German speaker', to: 'ae-lena' });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.body.assignedAe, 'ae-lena');
      assert.equal(again.body.escalations, 2);
      assert.deepEqual(again.body.previousAes, ['ae-kim', 'ae-sam']);
      assert.equal(again.body.timeline.filter((e) => e.event === 'escalated').at(-1)?.actor, 'ops-pat');

      // The new AE's actions work as before.
      const accepted = await lane.as('ae-lena').post(`/v1/handoffs/${id}/accept`);
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal(accepted.body.stage, 'accepted');
    }));

  it('a manager reassigns to a named AE; an AE at capacity or unknown is a 409 with the workflow’s reason', () => {
    const roster: Ae[] = [...testRoster, { ...testRoster[1]!, id: 'ae-busy', name: 'Busy Bee', email: 'busy@example.com', capacity: 0 }];
    return withLane(
      current,
      async (lane) => {
        const { id } = await assignedHotLead(lane, 'reassign');
        const manager = lane.as('mgr-ana');

        const moved = await manager.post(`/v1/handoffs/${id}/reassign`, { to: 'ae-lena', reason: 'speaks German' });
        assert.equal(moved.status, 200, moved.text);
        assert.equal(moved.body.stage, 'assigned');
        assert.equal(moved.body.assignedAe, 'ae-lena');
        assert.deepEqual(moved.body.previousAes, ['ae-kim']);
        assert.equal(moved.body.escalations, 0, 'a reassignment is not an escalation');
        const { entry, after } = answered(moved.body, 'reassigned');
        assert.equal(entry.actor, 'mgr-ana');
        assert.deepEqual(after.slice(0, 1), ['assigned']);

        // Refused by the workflow (the router) when it applies the update: 409 with its reason, and on the timeline.
        const busy = await lane.as('ops-pat').post(`/v1/handoffs/${id}/reassign`, { to: 'ae-busy' });
        assert.match(assertProblem(busy, 409, 'refused-transition').detail, /ae-busy is at.capacity/);
        const ghost = await manager.post(`/v1/handoffs/${id}/reassign`, { to: 'ae-ghost' });
        assert.match(assertProblem(ghost, 409, 'refused-transition').detail, /ae-ghost is not in the roster/);
        // Refused by the update's validator: nothing in the history.
        const same = await manager.post(`/v1/handoffs/${id}/reassign`, { to: 'ae-lena' });
        assert.match(assertProblem(same, 409, 'refused-transition').detail, /already assigned to ae-lena/);

        const read = await manager.get(`/v1/handoffs/${id}`);
        assert.equal(read.body.assignedAe, 'ae-lena');
        assert.equal(read.body.timeline.filter((e) => e.event === 'intervention_failed').length, 2);
        assert.ok(read.body.timeline.filter((e) => e.event === 'intervention_failed').every((e) => UUID.test(e.ref ?? '')));
        // Updates carry their id (a UUID) to the entry that answers them; routing entries carry their ledger key.
        assert.equal(read.body.timeline.filter((e) => UUID.test(e.ref ?? '')).length, 3, 'the validator’s refusal left no entry');
      },
      { roster },
    );
  });

  it('a manager returns the lead to the SDR; a closed hand-off cannot be escalated; SDRs and AEs may not intervene', () =>
    withLane(current, async (lane) => {
      const { id } = await assignedHotLead(lane, 'return');
      assertProblem(await lane.as('sdr-jo').post(`/v1/handoffs/${id}/escalate`, { reason: 'Kim never called' }), 403, 'forbidden');
      assertProblem(await lane.as('ae-kim').post(`/v1/handoffs/${id}/return`, { reason: 'not for me' }), 403, 'forbidden');

      const returned = await lane.as('mgr-ana').post(`/v1/handoffs/${id}/return`, { reason: 'prospect asked to pause until Q3' });
      assert.equal(returned.status, 200, returned.text);
      assert.equal(returned.body.stage, 'closed');
      assert.equal(returned.body.outcome, 'returned_to_sdr');
      const { entry, after } = answered(returned.body, 'returned_to_sdr');
      assert.equal(entry.actor, 'mgr-ana');
      assert.ok(after.includes('closed'));

      const late = await lane.as('mgr-ana').post(`/v1/handoffs/${id}/escalate`, { reason: 'too late' });
      assert.match(assertProblem(late, 409).detail, /closed/);
      const closed = await waitForState(lane.as('sdr-jo'), id, 'closed', (s) => s.stage === 'closed');
      assert.equal(closed.outcome, 'returned_to_sdr');
      const sa = await eventually('closed search attributes', async () => {
        const { typedSearchAttributes } = await current().client.workflow.getHandle(workflowIdFor(id)).describe();
        return typedSearchAttributes.get(HandoffStageKey) === 'closed' ? typedSearchAttributes : undefined;
      });
      assert.equal(sa.get(HandoffOutcomeKey), 'returned_to_sdr');
    }));

  it('a malformed or refused signal from the Temporal client is refused on the timeline and the hand-off carries on', () =>
    withLane(current, async (lane) => {
      const { id } = await assignedHotLead(lane, 'malformed');
      const handle = current().client.workflow.getHandle(workflowIdFor(id));
      await handle.signal<[unknown]>('escalate', { bogus: 1 });
      await handle.signal<[unknown]>('reassign', 'ae-sam');
      // Well-formed, from the console (no actor: ops), but refused by the guard.
      await handle.signal(interventionSignals.escalate, { reason: 'console test', to: 'ae-kim' });

      const kim = lane.as('ae-kim');
      const refused = await waitForState(
        kim,
        id,
        'three refusals',
        (s) => s.timeline.filter((e) => e.event === 'intervention_refused').length === 3,
      );
      const [bogus, notObject, same] = refused.timeline.filter((e) => e.event === 'intervention_refused');
      assert.match(bogus!.detail ?? '', /^escalate: malformed payload: .*bogus/);
      assert.match(bogus!.detail ?? '', /reason/);
      assert.equal(bogus!.actor, 'temporal-console');
      assert.match(notObject!.detail ?? '', /^reassign: malformed payload/);
      assert.match(same!.detail ?? '', /already assigned to ae-kim/);
      assert.equal(refused.stage, 'assigned');
      assert.equal(refused.assignedAe, 'ae-kim');
      assert.equal(refused.escalations, 0);

      // Still running, still answering queries and actions.
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      const accepted = await kim.post(`/v1/handoffs/${id}/accept`);
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal(accepted.body.stage, 'accepted');
    }));
});

describe('booking attempts over HTTP', () => {
  it('are recorded in bookingAttempts; three on one day do not escalate; the AE and other SDRs may not record them', () =>
    withLane(current, async (lane) => {
      const assigned = await assignedHotLead(lane, 'booking');
      const id = assigned.id;
      const jo = lane.as('sdr-jo');

      const first = await jo.post(`/v1/handoffs/${id}/booking-attempts`);
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.bookingAttempts.length, 1);
      const { at, by, aeId } = first.body.bookingAttempts[0]!;
      assert.equal(by, 'sdr-jo');
      assert.equal(aeId, 'ae-kim');
      assert.ok(Math.abs(Date.parse(at) - Date.now()) < 60_000, `at defaults to now: ${at}`);

      // Two more at the same instant: one day, not three.
      for (const note of ['left a voicemail', 'emailed the calendar link']) {
        const reply = await jo.post(`/v1/handoffs/${id}/booking-attempts`, { at, note });
        assert.equal(reply.status, 200, reply.text);
      }
      const state = (await jo.get(`/v1/handoffs/${id}`)).body;
      assert.equal(state.bookingAttempts.length, 3);
      assert.deepEqual(
        state.bookingAttempts.map((a) => a.note),
        [undefined, 'left a voicemail', 'emailed the calendar link'],
      );
      assert.equal(state.escalations, 0);
      assert.equal(state.assignedAe, 'ae-kim');
      assert.equal(state.stage, 'assigned');
      assert.ok(!state.timeline.some((e) => e.event === 'escalated'));

      // Refused by the workflow's validator: 409 with the reason.
      const future = await jo.post(`/v1/handoffs/${id}/booking-attempts`, { at: new Date(Date.now() + HOUR).toISOString() });
      assert.match(assertProblem(future, 409, 'refused-transition').detail, /in the future/);
      const early = await jo.post(`/v1/handoffs/${id}/booking-attempts`, { at: '2020-01-01T09:00:00Z' });
      assert.match(assertProblem(early, 409, 'refused-transition').detail, /before the hand-off was assigned/);
      // Not theirs to record.
      assertProblem(await lane.as('ae-kim').post(`/v1/handoffs/${id}/booking-attempts`), 403, 'forbidden');
      assertProblem(await lane.as('sdr-max').post(`/v1/handoffs/${id}/booking-attempts`), 403, 'forbidden');
      assert.equal((await jo.get(`/v1/handoffs/${id}`)).body.bookingAttempts.length, 3);
    }));

  it('an SDR whose token carries a time zone starts hand-offs that count booking days there', () =>
    withLane(current, async (lane) => {
      // A second API on the lane's task queue, whose tokens file gives sdr-jo a zone.
      const tokensFile = path.join(lane.dataDir, 'tokens-with-zones.json');
      const jo = { id: 'sdr-jo', role: 'sdr', name: 'Jo Park', timeZone: 'America/Chicago' };
      await writeFile(tokensFile, JSON.stringify([{ ...jo, tokenSha256: sha256(token(jo.id)).toString('hex') }]));
      const api = await startApi({ client: current().client, config: { ...lane.config, tokensFile, port: 0 }, db: lane.db });
      try {
        const id = newHandoffId('zone');
        const res = await fetch(`${api.url}/v1/handoffs`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token(jo.id)}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(submission(id)),
        });
        assert.equal(res.status, 201, await res.clone().text());
        const state = await waitForState(lane.as('mgr-ana'), id, 'policy loaded', (s) => s.timeline.length > 0);
        assert.equal(state.sdrTimeZone, 'America/Chicago');
      } finally {
        await api.close();
      }
    }));
});
