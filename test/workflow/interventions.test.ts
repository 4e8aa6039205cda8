import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptUpdate,
  interventionSignals,
  interventionUpdates,
  markContactedUpdate,
  REFUSED_TRANSITION,
  rejectUpdate,
} from '../../workflows/messages.js';
import { actors, hotLead, testRoster } from '../fixtures/leads.js';
import { assertElapsed, events, HOUR, MINUTE, notifications, refusal, waitForStage, waitForState, withHarness } from './harness.js';

const { kim, ana, pat, jo } = actors;

// One test at a time: with thirteen time-skipping servers at once on a 2-core CI machine, the
// awaiting_assignment test below was intermittently left with a workflow task that never completed
// (root cause not found; running them in turn has kept it green, loaded or not).
describe('manager and ops interventions by signal (time-skipping)', () => {
  it('escalate without a target: to the senior AE with a fresh window; the AE’s manager is alerted', () =>
    withHarness(async (h) => {
      const handle = await h.start('int-escalate', hotLead);
      const assigned = await waitForStage(h, handle, 'assigned');
      await h.env.sleep(3 * HOUR);
      await handle.signal(interventionSignals.escalate, { reason: 'VIP account', actor: ana, requestId: 'req-1' });
      const escalated = await waitForState(h, handle, (s) => s.assignedAe === 'ae-sam', 'the senior AE');
      assert.equal(escalated.escalations, 1);
      assert.deepEqual(escalated.previousAes, ['ae-kim']);
      const entry = events(escalated, 'escalated')[0]!;
      assert.equal(entry.actor, 'mgr-ana');
      assert.equal(entry.ref, 'req-1');
      assert.equal(entry.rule, 'intervention.escalate');
      assert.match(entry.detail ?? '', /VIP account/);
      assertElapsed(assigned.assignedAt, escalated.assignedAt, 3 * HOUR);
      assertElapsed(escalated.assignedAt, escalated.deadlines.contactBy, 24 * HOUR);
      const alerts = (await notifications(h)).filter((n) => n.kind === 'escalation');
      // The AE's manager, and the AE who had it (in their assignment's thread on Slack).
      assert.deepEqual(
        alerts.map((n) => n.to),
        [['mgr-ana', 'ae-kim']],
      );
    }));

  it('escalate to a named AE, and reassign to a named AE (not an escalation)', () =>
    withHarness(async (h) => {
      const handle = await h.start('int-named', hotLead);
      await waitForStage(h, handle, 'assigned');
      await handle.signal(interventionSignals.reassign, { to: 'ae-sam', actor: pat, requestId: 'r1' });
      const reassigned = await waitForState(h, handle, (s) => s.assignedAe === 'ae-sam', 'reassigned to sam');
      assert.equal(reassigned.escalations, 0);
      assert.equal(events(reassigned, 'reassigned')[0]?.ref, 'r1');
      // Back to kim, named explicitly: a manager may hand it to an AE who had it before.
      await handle.signal(interventionSignals.escalate, { reason: 'kim knows the account', to: 'ae-kim', actor: ana, requestId: 'r2' });
      const escalated = await waitForState(h, handle, (s) => s.assignedAe === 'ae-kim', 'escalated to kim');
      assert.equal(escalated.escalations, 1);
      assert.deepEqual(escalated.previousAes, ['ae-kim', 'ae-sam']);
      assert.equal(events(escalated, 'escalated')[0]?.ref, 'r2');
    }));

  it('returnToSdr closes the hand-off as returned_to_sdr with the reason', () =>
    withHarness(async (h) => {
      const handle = await h.start('int-return', hotLead);
      await waitForStage(h, handle, 'assigned');
      await handle.signal(interventionSignals.returnToSdr, { reason: 'needs a budget conversation first', actor: ana, requestId: 'r3' });
      const final = await handle.result();
      assert.equal(final.outcome, 'returned_to_sdr');
      assert.equal(final.closeReason, 'needs a budget conversation first');
      assert.equal(events(final, 'returned_to_sdr')[0]?.ref, 'r3');
      const returned = (await notifications(h)).filter((n) => n.kind === 'returned_to_sdr');
      assert.deepEqual(returned[0]?.to, ['sdr-jo']);
    }));

  it('malformed or unauthorised signals are refused in the timeline and never crash the hand-off', () =>
    withHarness(async (h) => {
      const handle = await h.start('int-malformed', hotLead);
      await waitForStage(h, handle, 'assigned');
      const send = (name: string, payload: unknown) => handle.signal(name, payload);
      await send('escalate', { bogus: 1, requestId: 'm1' });
      await send('escalate', 'please escalate');
      await send('reassign', { reason: 'no target', requestId: 'm3' });
      await send('reassign', { to: 'Not An Id!', requestId: 'm4' });
      await send('returnToSdr', { reason: 'x', actor: { id: 'mgr-ana' }, requestId: 'm5' });
      await send('escalate', { reason: 'an AE cannot escalate', actor: kim, requestId: 'm6' });
      await send('returnToSdr', { reason: 'nor an SDR return', actor: jo, requestId: 'm7' });
      await send('escalate', undefined);
      await send('reassign', { to: 'ae-kim', requestId: 'm9' });
      const refused = await waitForState(h, handle, (s) => events(s, 'intervention_refused').length === 9, 'nine refusals');
      const byRef = Object.fromEntries(events(refused, 'intervention_refused').map((e) => [e.ref ?? '-', e.detail ?? '']));
      assert.match(byRef.m1!, /escalate: malformed payload: .*reason/);
      assert.match(byRef.m3!, /to/);
      assert.match(byRef.m4!, /to: an AE id/);
      assert.match(byRef.m5!, /actor\.role/);
      assert.match(byRef.m6!, /only a manager or ops/);
      assert.match(byRef.m7!, /only a manager or ops/);
      assert.match(byRef.m9!, /already assigned to ae-kim/);
      assert.equal(refused.assignedAe, 'ae-kim');
      assert.equal(refused.escalations, 0);
      // Still alive and answering.
      const accepted = await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
      assert.equal(accepted.stage, 'accepted');
    }));

  it('a target who cannot take it fails the intervention; the current AE keeps the lead and the clock', () =>
    withHarness(
      async (h) => {
        const handle = await h.start('int-target-full', hotLead);
        const assigned = await waitForStage(h, handle, 'assigned');
        await handle.signal(interventionSignals.reassign, { to: 'ae-sam', actor: ana, requestId: 'f1' });
        // One at a time: a signal arriving while the first is applied is refused as busy (seen under load).
        await waitForState(h, handle, (s) => events(s, 'intervention_failed').length === 1, 'the first failure');
        await handle.signal(interventionSignals.escalate, { reason: 'x', to: 'ae-zed', actor: ana, requestId: 'f2' });
        const failed = await waitForState(h, handle, (s) => events(s, 'intervention_failed').length === 2, 'two failures');
        const [full, unknown] = events(failed, 'intervention_failed');
        assert.equal(full?.ref, 'f1');
        assert.match(full?.detail ?? '', /ae-sam is at capacity/);
        assert.equal(unknown?.ref, 'f2');
        assert.match(unknown?.detail ?? '', /ae-zed is not in the roster/);
        assert.equal(failed.assignedAe, 'ae-kim');
        assert.equal(failed.escalations, 0);
        assert.equal(failed.deadlines.contactBy, assigned.deadlines.contactBy);
      },
      { roster: testRoster.map((ae) => (ae.id === 'ae-sam' ? { ...ae, capacity: 0 } : ae)) },
    ));

  it('after first contact interventions are refused', () =>
    withHarness(async (h) => {
      const handle = await h.start('int-after-contact', hotLead);
      await waitForStage(h, handle, 'assigned');
      await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: kim }] });
      await handle.signal(interventionSignals.returnToSdr, { reason: 'too late', actor: ana, requestId: 'late' });
      const state = await waitForState(h, handle, (s) => events(s, 'intervention_refused').length === 1, 'refusal');
      assert.match(events(state, 'intervention_refused')[0]!.detail ?? '', /already made first contact/);
      assert.equal(state.stage, 'contacted');
    }));

  it('a hand-off nobody can take waits in awaiting_assignment until a manager names an AE', () =>
    withHarness(
      async (h) => {
        const handle = await h.start('int-awaiting', hotLead);
        const waiting = await waitForStage(h, handle, 'awaiting_assignment');
        assert.ok(waiting.routing?.excluded.some((e) => e.aeId === 'ae-lena' && e.reason === 'territory'));
        // Two and a half hours: routing retries hourly, and a signal at the very instant a retry timer
        // fires makes the Java test server refuse the task's completion ("invalid history builder
        // state for action": it cannot cancel a timer it has just fired), which a real server handles.
        await h.env.sleep(2 * HOUR + 30 * MINUTE);
        // A named AE need not match the territory.
        await handle.signal(interventionSignals.reassign, { to: 'ae-lena', reason: 'covers the US this week', actor: ana });
        const assigned = await waitForStage(h, handle, 'assigned');
        assert.equal(assigned.assignedAe, 'ae-lena');
        assert.equal(events(assigned, 'reassigned')[0]?.actor, 'mgr-ana');
        assertElapsed(assigned.assignedAt, assigned.deadlines.contactBy, 24 * HOUR);
      },
      { roster: testRoster.filter((ae) => ae.id === 'ae-lena') },
    ));

  it('a signal just before the deadline wins: the manager’s escalation, a fresh window, no breach', () =>
    withHarness(async (h) => {
      const handle = await h.start('int-race', hotLead);
      await waitForStage(h, handle, 'assigned');
      await h.env.sleep(24 * HOUR - MINUTE);
      await handle.signal(interventionSignals.escalate, {
        reason: 'racing the clock',
        actor: ana,
        requestId: 'race',
        expectedAe: 'ae-kim',
      });
      const escalated = await waitForState(h, handle, (s) => s.assignedAe === 'ae-sam', 'escalated');
      // Past kim's deadline: the timer it started was abandoned with the assignment.
      await h.env.sleep(2 * MINUTE);
      const state = await h.state(handle);
      assert.equal(state.escalations, 1, JSON.stringify(state.timeline.slice(-5)));
      assert.deepEqual(
        events(state, 'escalated').map((e) => [e.actor, e.ref]),
        [['mgr-ana', 'race']],
      );
      assert.equal(events(state, 'contact_window_missed').length, 0);
      assert.equal(state.deadlines.contactBy, escalated.deadlines.contactBy);
      assertElapsed(escalated.assignedAt, state.deadlines.contactBy, 24 * HOUR);
    }));

  it('the deadline escalated first: a signal decided before it is refused, not applied on top', () =>
    withHarness(async (h) => {
      const handle = await h.start('int-race-late', hotLead);
      await waitForStage(h, handle, 'assigned');
      await h.env.sleep(24 * HOUR + MINUTE);
      await waitForState(h, handle, (s) => s.assignedAe === 'ae-sam', 'escalated by the ladder');
      await handle.signal(interventionSignals.escalate, { reason: 'too late', actor: ana, requestId: 'late', expectedAe: 'ae-kim' });
      const state = await waitForState(h, handle, (s) => s.timeline.some((e) => e.ref === 'late'), 'the signal answered');
      const answer = state.timeline.find((e) => e.ref === 'late')!;
      assert.equal(answer.event, 'intervention_refused');
      assert.match(answer.detail ?? '', /moved since this was sent \(held by ae-sam, not ae-kim\)/);
      assert.equal(state.escalations, 1);
      assert.equal(state.assignedAe, 'ae-sam');
    }));

  it('an intervention decided on a state the lead has left is refused', () =>
    withHarness(async (h) => {
      const handle = await h.start('int-stale', hotLead);
      await waitForStage(h, handle, 'assigned');
      await handle.signal(interventionSignals.reassign, { to: 'ae-sam', actor: ana, expectedAe: 'ae-kim' });
      await waitForState(h, handle, (s) => s.assignedAe === 'ae-sam', 'reassigned');
      // A second manager, still looking at kim's hand-off, returns it.
      await handle.signal(interventionSignals.returnToSdr, { reason: 'stale view', actor: pat, requestId: 'stale', expectedAe: 'ae-kim' });
      const state = await waitForState(h, handle, (s) => events(s, 'intervention_refused').length === 1, 'refused');
      assert.match(events(state, 'intervention_refused')[0]!.detail ?? '', /moved since this was sent/);
      assert.equal(state.stage, 'assigned');
    }));
});

describe('manager and ops interventions by update (time-skipping)', { concurrency: true }, () => {
  it('escalate answers with the hand-off routed to the senior AE; the entry carries the update id', () =>
    withHarness(async (h) => {
      const handle = await h.start('upd-escalate', hotLead);
      await waitForStage(h, handle, 'assigned');
      const state = await handle.executeUpdate(interventionUpdates.escalate, {
        args: [{ reason: 'VIP account', actor: ana }],
        updateId: 'esc-1',
      });
      assert.equal(state.assignedAe, 'ae-sam', 'the answer is the routed hand-off, no polling');
      assert.equal(state.escalations, 1);
      const escalated = events(state, 'escalated')[0]!;
      assert.equal(escalated.actor, 'mgr-ana');
      assert.equal(escalated.ref, 'esc-1');
      assert.equal(state.timeline.at(-1)?.event, 'assigned');
    }));

  it('refused by the validator with a typed code (no trace), or when applying it (a named AE who cannot take it)', () =>
    withHarness(async (h) => {
      const handle = await h.start('upd-refused', hotLead);
      await waitForStage(h, handle, 'assigned');
      const same = await refusal(handle.executeUpdate(interventionUpdates.reassign, { args: [{ to: 'ae-kim', actor: ana }] }));
      assert.equal(same.type, REFUSED_TRANSITION);
      assert.deepEqual(same.details, ['target_unavailable']);
      const byAnAe = await refusal(handle.executeUpdate(interventionUpdates.returnToSdr, { args: [{ reason: 'not mine', actor: kim }] }));
      assert.deepEqual(byAnAe.details, ['wrong_role']);
      const ghost = await refusal(
        handle.executeUpdate(interventionUpdates.reassign, { args: [{ to: 'ae-ghost', actor: ana }], updateId: 'r-ghost' }),
      );
      assert.deepEqual(ghost.details, ['target_unavailable']);
      assert.match(ghost.message, /ae-ghost is not in the roster/);
      const state = await h.state(handle);
      assert.equal(state.assignedAe, 'ae-kim');
      assert.deepEqual(
        state.timeline.filter((e) => e.ref === 'r-ghost').map((e) => e.event),
        ['intervention_failed'],
      );
      const returned = await handle.executeUpdate(interventionUpdates.returnToSdr, { args: [{ reason: 'paused until Q3', actor: pat }] });
      assert.equal(returned.stage, 'closed');
      assert.equal(returned.outcome, 'returned_to_sdr');
      const late = await refusal(handle.executeUpdate(interventionUpdates.escalate, { args: [{ reason: 'too late', actor: ana }] }));
      assert.deepEqual(late.details, ['closed']);
    }));

  it('while a rejection is being re-routed, an intervention is refused as busy', () =>
    withHarness(
      async (h) => {
        const handle = await h.start('upd-busy', hotLead);
        await waitForStage(h, handle, 'assigned');
        const rejecting = handle.executeUpdate(rejectUpdate, { args: [{ reason: 'capacity', actor: kim }] });
        // The router is slow (see below): the rejection is in flight when the manager acts.
        await waitForState(h, handle, (s) => events(s, 'rejected').length === 1, 'rejection taken');
        const busy = await refusal(handle.executeUpdate(interventionUpdates.escalate, { args: [{ reason: 'now', actor: ana }] }));
        assert.deepEqual(busy.details, ['busy']);
        assert.match(busy.message, /rejected this hand-off; it is being re-routed/);
        assert.notEqual((await rejecting).assignedAe, 'ae-kim');
      },
      {
        activities: (real) => ({
          ...real,
          async assignAe(request) {
            if (request.key.endsWith(':route:1')) await new Promise((r) => setTimeout(r, 1500));
            return real.assignAe(request);
          },
        }),
      },
    ));
});
