/**
 * The API's side of the intervention signals, against a scripted stand-in for the Temporal client:
 * how the answer is found on the timeline (refused, failed, applied and routed, not yet).
 */
import { ServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProblemError } from '../../src/api/problem.js';
import { sendIntervention } from '../../src/api/temporal.js';
import { submittedState } from '../../src/domain/assessment.js';
import type { HandoffState, TimelineEntry } from '../../src/domain/state.js';
import { INTERVENTION_FAILED, INTERVENTION_REFUSED, workflowIdFor } from '../../workflows/messages.js';
import { exampleLead } from '../fixtures/leads.js';

const MANAGER = { id: 'mgr-ana', role: 'manager' } as const;
const at = '2026-11-21T10:00:00.000Z';

/** An assigned hand-off whose timeline ends with `entries`. */
function assignedState(entries: TimelineEntry[] = []): HandoffState {
  return {
    ...submittedState({ handoffId: 'crm-1', sdrId: 'sdr-jo', lead: exampleLead, submittedAt: Date.parse(at) }),
    stage: 'assigned',
    assignedAe: 'ae-kim',
    timeline: [{ at, actor: 'baton', event: 'assigned', detail: 'ae-kim' }, ...entries],
  };
}

interface Sent {
  workflowId: string;
  name: string;
  arg: Record<string, unknown> & { requestId: string };
}

/**
 * A client whose workflow answers the `state` query with `answer(requestId, reads)`: the n-th read
 * after the signal. `signal` may throw instead of recording the signal.
 */
function scriptedClient(
  answer: (requestId: string, reads: number) => HandoffState,
  opts: { signal?: () => Promise<void>; describe?: () => Promise<unknown> } = {},
): { client: Client; sent: Sent[] } {
  const sent: Sent[] = [];
  let reads = 0;
  const client = {
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>): Promise<T> => fn(),
    workflow: {
      getHandle: (workflowId: string) => ({
        signal: async (def: { name: string }, arg: Sent['arg']) => {
          await opts.signal?.();
          sent.push({ workflowId, name: def.name, arg });
        },
        query: () => Promise.resolve(answer(sent.at(-1)?.arg.requestId ?? '', ++reads)),
        describe: () => opts.describe?.() ?? Promise.resolve({}),
      }),
    },
  };
  return { client: client as unknown as Client, sent };
}

const quick = { timeoutMs: 400, pollMs: 10 };

describe('sendIntervention', () => {
  test('signals with the actor and a fresh requestId, and answers once the hand-off is routed after the applied entry', async () => {
    const { client, sent } = scriptedClient((ref, reads) => {
      if (reads === 1) return assignedState();
      const escalated: TimelineEntry = { at, actor: 'mgr-ana', event: 'escalated', detail: 'slow', ref };
      if (reads === 2) return assignedState([escalated]);
      return { ...assignedState([escalated, { at, actor: 'baton', event: 'assigned', detail: 'ae-sam' }]), assignedAe: 'ae-sam' };
    });
    const result = await sendIntervention(client, 'crm-1', 'escalate', { reason: 'slow', actor: MANAGER }, assignedState(), quick);
    assert.equal(result.settled, true);
    assert.equal(result.state.assignedAe, 'ae-sam');
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.workflowId, workflowIdFor('crm-1'));
    assert.equal(sent[0]!.name, 'escalate');
    // The AE the API saw: the workflow refuses the escalation if the lead has moved since.
    assert.deepEqual(
      { ...sent[0]!.arg, requestId: undefined },
      { reason: 'slow', actor: MANAGER, requestId: undefined, expectedAe: 'ae-kim' },
    );
    assert.match(sent[0]!.arg.requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  test('each call has its own requestId', async () => {
    const { client, sent } = scriptedClient((ref) => assignedState([{ at, actor: 'mgr-ana', event: 'returned_to_sdr', ref }]));
    for (let i = 0; i < 2; i++) {
      await sendIntervention(client, 'crm-1', 'returnToSdr', { reason: 'stale', actor: MANAGER }, assignedState(), {
        timeoutMs: 50,
        pollMs: 10,
      });
    }
    assert.notEqual(sent[0]!.arg.requestId, sent[1]!.arg.requestId);
  });

  for (const event of [INTERVENTION_REFUSED, INTERVENTION_FAILED]) {
    test(`${event} on the timeline is a 409 with its detail`, async () => {
      const { client } = scriptedClient((ref) =>
        assignedState([{ at, actor: 'baton', event, detail: 'ae-lena is at capacity (10 of 10 open hand-offs)', ref }]),
      );
      await assert.rejects(
        sendIntervention(client, 'crm-1', 'reassign', { to: 'ae-lena', actor: MANAGER }, assignedState(), quick),
        (err: unknown) =>
          err instanceof ProblemError &&
          err.kind === 'refused-transition' &&
          err.message === 'ae-lena is at capacity (10 of 10 open hand-offs)',
      );
    });
  }

  test('entries of other requests, and routing before the applied entry, do not count', async () => {
    const { client } = scriptedClient((ref) =>
      assignedState([
        { at, actor: 'ops-pat', event: INTERVENTION_REFUSED, detail: 'someone else’s', ref: 'another-request' },
        { at, actor: 'baton', event: 'assigned', detail: 'ae-kim' },
        { at, actor: 'mgr-ana', event: 'reassigned', detail: 'ae-sam', ref },
      ]),
    );
    const result = await sendIntervention(client, 'crm-1', 'reassign', { to: 'ae-sam', actor: MANAGER }, assignedState(), quick);
    assert.equal(result.settled, false, 'not routed yet after the reassignment');
    assert.equal(result.state.timeline.at(-1)?.event, 'reassigned');
  });

  test('a workflow that has not answered within the wait: the state so far, not settled', async () => {
    const { client } = scriptedClient(() => assignedState());
    const startedAt = Date.now();
    const result = await sendIntervention(client, 'crm-1', 'escalate', { reason: 'slow', actor: MANAGER }, assignedState(), quick);
    assert.equal(result.settled, false);
    assert.ok(Date.now() - startedAt < quick.timeoutMs + 200, 'the wait is bounded');
  });

  test('a state that cannot be read after the signal: the state checked before, not settled', async () => {
    const before = assignedState();
    const { client } = scriptedClient(() => {
      throw new ServiceError('connection reset');
    });
    const result = await sendIntervention(client, 'crm-1', 'escalate', { reason: 'slow', actor: MANAGER }, before, quick);
    assert.equal(result.settled, false);
    assert.equal(result.state, before);
  });

  test('a hand-off that closed before the signal is 409 handoff-closed; one that never existed is 404', async () => {
    const notFound = () => Promise.reject(new WorkflowNotFoundError('workflow execution already completed', 'handoff-crm-1', undefined));
    const closed = scriptedClient(() => assignedState(), { signal: notFound });
    await assert.rejects(
      sendIntervention(closed.client, 'crm-1', 'escalate', { reason: 'slow', actor: MANAGER }, assignedState(), quick),
      (err: unknown) => err instanceof ProblemError && err.kind === 'handoff-closed',
    );
    const unknown = scriptedClient(() => assignedState(), { signal: notFound, describe: notFound });
    await assert.rejects(
      sendIntervention(unknown.client, 'crm-1', 'escalate', { reason: 'slow', actor: MANAGER }, assignedState(), quick),
      (err: unknown) => err instanceof ProblemError && err.kind === 'not-found',
    );
  });
});
