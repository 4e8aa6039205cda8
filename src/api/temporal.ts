import {
  isGrpcServiceError,
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from '../domain/actions.js';
import type { HandoffState } from '../domain/state.js';
import { REFUSAL_CODES, type RefusalCode } from '../domain/transitions.js';
import { INVALID_MESSAGE, REFUSED_TRANSITION, stateQuery, workflowIdFor } from '../../workflows/messages.js';
import { ProblemError, type FieldError, type ProblemKind } from './problem.js';

/**
 * The API's side of the hand-off workflow: reading its state and sending it updates, with bounded
 * waits, and Temporal's errors turned into problems the caller can act on.
 */
export const QUERY_TIMEOUT_MS = 5_000;
/** Updates may wait for routing (an activity) before they answer. */
export const UPDATE_TIMEOUT_MS = 30_000;
export const READY_TIMEOUT_MS = 3_000;

/** The gRPC status codes the API tells apart (grpc-js is not a direct dependency). */
const grpcStatus = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, UNAVAILABLE: 14 } as const;

/** Runs Temporal calls with a deadline, so a missing server or worker never hangs a request. */
export function withDeadline<T>(client: Client, ms: number, fn: () => Promise<T>): Promise<T> {
  return client.withDeadline(Date.now() + ms, fn);
}

/** The grpc status code of a Temporal client error, if it carries one. */
function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e)) return e.code;
  }
  return undefined;
}

/**
 * A just-started hand-off cannot answer queries yet: the server refuses them before the first
 * workflow task, and the workflow registers its handlers only once its policy is loaded.
 */
function notReadyYet(err: unknown): boolean {
  return err instanceof QueryNotRegisteredError || grpcCode(err) === grpcStatus.FAILED_PRECONDITION;
}

/**
 * Query `state` within `timeoutMs` (404 for an unknown hand-off). A workflow that has not run its
 * first task yet refuses queries; within the time budget the query is retried.
 */
export async function readState(client: Client, handoffId: string, opts: { timeoutMs?: number } = {}): Promise<HandoffState> {
  const handle = client.workflow.getHandle(workflowIdFor(handoffId));
  const giveUpAt = Date.now() + (opts.timeoutMs ?? QUERY_TIMEOUT_MS);
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.withDeadline(giveUpAt, () => handle.query(stateQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ProblemError('not-found', `no hand-off ${handoffId}`, { cause: err });
      const pause = Math.min(50 * 2 ** attempt, 500);
      if (!notReadyYet(err) || Date.now() + pause >= giveUpAt) throw err;
      await sleep(pause);
    }
  }
}

/** Sends an update and returns what it answers with; refusals become 403 or 409 (by their code), bad payloads 422. */
export async function sendUpdate<T, R = HandoffState>(
  client: Client,
  handoffId: string,
  update: UpdateDefinition<R, [Message<T>]>,
  input: Message<T>,
): Promise<R> {
  const handle = client.workflow.getHandle(workflowIdFor(handoffId));
  try {
    return await withDeadline(client, UPDATE_TIMEOUT_MS, () => handle.executeUpdate(update, { args: [input] }));
  } catch (err) {
    const problem = updateProblem(err);
    if (problem) throw problem;
    if (err instanceof WorkflowNotFoundError) throw await closedOrUnknown(client, handoffId, err);
    throw err;
  }
}

/** The problem kind of each refusal code; every other refusal is a refused transition. */
const REFUSAL_PROBLEMS: Partial<Record<RefusalCode, ProblemKind>> = {
  not_yours: 'forbidden',
  wrong_role: 'forbidden',
  closed: 'handoff-closed',
  id_taken: 'duplicate-handoff',
  different_submission: 'duplicate-handoff',
};

/** An update's refusal (403 or 409 by its code) or invalid payload (422), from the failure the validator threw. */
export function updateProblem(err: unknown): ProblemError | undefined {
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const failure = err.cause;
  if (failure.type === REFUSED_TRANSITION) {
    const code = refusalCodeOf(failure.details?.[0]);
    return new ProblemError((code && REFUSAL_PROBLEMS[code]) ?? 'refused-transition', failure.message, { cause: err });
  }
  if (failure.type === INVALID_MESSAGE) {
    return new ProblemError('validation', failure.message, { errors: fieldErrorsOf(failure.details?.[0]), cause: err });
  }
  return undefined;
}

function refusalCodeOf(detail: unknown): RefusalCode | undefined {
  return (REFUSAL_CODES as readonly unknown[]).includes(detail) ? (detail as RefusalCode) : undefined;
}

/** The server answers a message to a finished workflow as "not found": tell closed from unknown. */
export async function closedOrUnknown(client: Client, handoffId: string, err: WorkflowNotFoundError): Promise<ProblemError> {
  if (await exists(client, handoffId)) return new ProblemError('handoff-closed', `the hand-off ${handoffId} is closed`, { cause: err });
  return new ProblemError('not-found', `no hand-off ${handoffId}`, { cause: err });
}

async function exists(client: Client, handoffId: string): Promise<boolean> {
  try {
    await withDeadline(client, QUERY_TIMEOUT_MS, () => client.workflow.getHandle(workflowIdFor(handoffId)).describe());
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

function fieldErrorsOf(details: unknown): FieldError[] | undefined {
  if (!Array.isArray(details)) return undefined;
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  return details
    .filter((d): d is { path: unknown; message: unknown } => typeof d === 'object' && d !== null)
    .map((d) => ({ path: text(d.path), message: text(d.message) }));
}

/** Temporal trouble that is not the caller's fault: 503 with a hint, never a stack trace. */
export function temporalProblem(err: unknown): ProblemError | undefined {
  const retry = { 'Retry-After': '5' };
  if (err instanceof WorkflowNotFoundError) return new ProblemError('not-found', 'no such hand-off', { cause: err });
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ProblemError(
      'unavailable',
      'the hand-off did not answer in time; the action may still complete, so read the hand-off before retrying',
      {
        headers: retry,
        cause: err,
      },
    );
  }
  if (notReadyYet(err)) {
    return new ProblemError('unavailable', 'the hand-off is still starting (is a worker polling the task queue?); try again shortly', {
      headers: retry,
      cause: err,
    });
  }
  if (err instanceof QueryRejectedError) return undefined;
  const code = grpcCode(err);
  if (code === grpcStatus.DEADLINE_EXCEEDED) {
    return new ProblemError(
      'unavailable',
      'Temporal did not answer in time: it may be down, or no worker is polling the task queue; try again shortly',
      { headers: retry, cause: err },
    );
  }
  if (code === grpcStatus.UNAVAILABLE || code === grpcStatus.CANCELLED || code === grpcStatus.RESOURCE_EXHAUSTED) {
    return new ProblemError('unavailable', 'Temporal is unavailable; try again shortly', { headers: retry, cause: err });
  }
  if (err instanceof ServiceError && code === undefined) {
    return new ProblemError('unavailable', 'Temporal could not be reached; try again shortly', { headers: retry, cause: err });
  }
  return undefined;
}
