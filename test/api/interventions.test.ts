/**
 * The API's side of the workflow updates, against a scripted stand-in for the Temporal client: how a
 * validator's refusal (by its typed code) or invalid payload becomes a problem, and how a message to
 * a finished or unknown hand-off is told apart.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProblemError, type ProblemKind } from '../../src/api/problem.js';
import { sendUpdate } from '../../src/api/temporal.js';
import { submittedState } from '../../src/domain/assessment.js';
import { REFUSAL_CODES, type RefusalCode } from '../../src/domain/transitions.js';
import { acceptUpdate, interventionUpdates, INVALID_MESSAGE, REFUSED_TRANSITION, workflowIdFor } from '../../workflows/messages.js';
import { exampleLead } from '../fixtures/leads.js';

const MANAGER = { id: 'mgr-ana', role: 'manager' } as const;
const state = submittedState({ handoffId: 'crm-1', sdrId: 'sdr-jo', lead: exampleLead, submittedAt: Date.parse('2026-11-21T10:00:00Z') });

interface Sent {
  workflowId: string;
  name: string;
  args: unknown[];
}

/** A client whose workflow answers every update with `answer()` (or throws what it throws). */
function scriptedClient(
  answer: () => Promise<unknown>,
  opts: { describe?: () => Promise<unknown> } = {},
): { client: Client; sent: Sent[] } {
  const sent: Sent[] = [];
  const client = {
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>): Promise<T> => fn(),
    workflow: {
      getHandle: (workflowId: string) => ({
        executeUpdate: async (def: { name: string }, { args }: { args: unknown[] }) => {
          sent.push({ workflowId, name: def.name, args });
          return answer();
        },
        describe: () => opts.describe?.() ?? Promise.resolve({}),
      }),
    },
  };
  return { client: client as unknown as Client, sent };
}

const updateFailed = (failure: ApplicationFailure): WorkflowUpdateFailedError =>
  new WorkflowUpdateFailedError('Workflow Update failed', failure);

const refusedWith = (code: string, reason: string): WorkflowUpdateFailedError =>
  updateFailed(ApplicationFailure.create({ type: REFUSED_TRANSITION, message: reason, details: [code], nonRetryable: true }));

async function problemOf(promise: Promise<unknown>): Promise<ProblemError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ProblemError, `a ProblemError, not ${String(err)}`);
    return err;
  }
  assert.fail('expected a problem');
}

describe('sendUpdate', () => {
  test('sends the update with the actor to the hand-off’s workflow and answers with its result', async () => {
    const { client, sent } = scriptedClient(() => Promise.resolve(state));
    const answer = await sendUpdate(client, 'crm-1', interventionUpdates.escalate, { reason: 'slow', actor: MANAGER });
    assert.deepEqual(answer, state);
    assert.deepEqual(sent, [{ workflowId: workflowIdFor('crm-1'), name: 'escalate', args: [{ reason: 'slow', actor: MANAGER }] }]);
  });

  const expected: Record<RefusalCode, ProblemKind> = {
    closed: 'handoff-closed',
    wrong_stage: 'refused-transition',
    not_yours: 'forbidden',
    wrong_role: 'forbidden',
    already_done: 'refused-transition',
    bad_time: 'refused-transition',
    busy: 'refused-transition',
    moved: 'refused-transition',
    not_supported: 'refused-transition',
    target_unavailable: 'refused-transition',
    different_submission: 'duplicate-handoff',
    id_taken: 'duplicate-handoff',
  };
  for (const code of REFUSAL_CODES) {
    test(`a refusal coded ${code} is ${expected[code]}, with the validator’s reason as detail`, async () => {
      const { client } = scriptedClient(() => Promise.reject(refusedWith(code, `because ${code}`)));
      const problem = await problemOf(sendUpdate(client, 'crm-1', acceptUpdate, { actor: MANAGER }));
      assert.equal(problem.kind, expected[code]);
      assert.equal(problem.message, `because ${code}`);
    });
  }

  test('a refusal without a known code is still a refused transition (never read from its text)', async () => {
    const { client } = scriptedClient(() => Promise.reject(refusedWith('martian', 'the hand-off is closed (expired)')));
    assert.equal((await problemOf(sendUpdate(client, 'crm-1', acceptUpdate, { actor: MANAGER }))).kind, 'refused-transition');
  });

  test('an invalid payload is 422 with the field errors the validator gave', async () => {
    const issues = [{ path: 'reason', message: 'Invalid option' }];
    const failure = ApplicationFailure.create({
      type: INVALID_MESSAGE,
      message: 'reason: Invalid option',
      details: [issues],
      nonRetryable: true,
    });
    const { client } = scriptedClient(() => Promise.reject(updateFailed(failure)));
    const problem = await problemOf(sendUpdate(client, 'crm-1', interventionUpdates.returnToSdr, { reason: '', actor: MANAGER }));
    assert.equal(problem.kind, 'validation');
    assert.deepEqual(problem.errors, issues);
  });

  test('a finished hand-off is 409 handoff-closed; one that never existed is 404', async () => {
    const notFound = () => Promise.reject(new WorkflowNotFoundError('not found', workflowIdFor('crm-1'), undefined));
    const closed = scriptedClient(notFound, { describe: () => Promise.resolve({ status: { name: 'COMPLETED' } }) });
    assert.equal((await problemOf(sendUpdate(closed.client, 'crm-1', acceptUpdate, { actor: MANAGER }))).kind, 'handoff-closed');
    const unknown = scriptedClient(notFound, { describe: notFound });
    assert.equal((await problemOf(sendUpdate(unknown.client, 'crm-1', acceptUpdate, { actor: MANAGER }))).kind, 'not-found');
  });
});
