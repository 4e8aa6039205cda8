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
import { ApplicationFailure, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InterventionInput, InterventionKind, Message, Signalled } from '../domain/actions.js';
import type { HandoffState } from '../domain/state.js';
import {
  INTERVENTION_FAILED,
  INTERVENTION_REFUSED,
  interventionSignals,
  INVALID_MESSAGE,
  REFUSED_TRANSITION,
  SETTLED_AFTER_INTERVENTION,
  stateQuery,
  workflowIdFor,
} from '../../workflows/messages.js';
import { ProblemError, type FieldError } from './problem.js';

/**
 * The API's side of the hand-off workflow: reading its state and sending it updates, with bounded
 * waits, and Temporal's errors turned into problems the caller can act on.
 */
export const QUERY_TIMEOUT_MS = 5_000;
/** Updates may wait for routing (an activity) before they answer. */
export const UPDATE_TIMEOUT_MS = 30_000;
export const READY_TIMEOUT_MS = 3_000;
/** How long an intervention waits for the workflow to apply it (and route again), and how often it looks. */
export const INTERVENTION_WAIT_MS = 10_000;
export const INTERVENTION_POLL_MS = 100;

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

/** Sends an update and returns the state it answers with; refusals become 409, bad payloads 422. */
export async function sendUpdate<T>(
  client: Client,
  handoffId: string,
  update: UpdateDefinition<HandoffState, [Message<T>]>,
  input: Message<T>,
): Promise<HandoffState> {
  const handle = client.workflow.getHandle(workflowIdFor(handoffId));
  try {
    return await withDeadline(client, UPDATE_TIMEOUT_MS, () => handle.executeUpdate(update, { args: [input] }));
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      const failure = err.cause;
      if (failure.type === REFUSED_TRANSITION) throw new ProblemError('refused-transition', failure.message, { cause: err });
      if (failure.type === INVALID_MESSAGE) {
        throw new ProblemError('validation', failure.message, { errors: fieldErrorsOf(failure.details?.[0]), cause: err });
      }
    }
    if (err instanceof WorkflowNotFoundError) throw await closedOrUnknown(client, handoffId, err);
    throw err;
  }
}

/** The server answers a message to a finished workflow as "not found": tell closed from unknown. */
async function closedOrUnknown(client: Client, handoffId: string, err: WorkflowNotFoundError): Promise<ProblemError> {
  if (await exists(client, handoffId)) return new ProblemError('handoff-closed', `the hand-off ${handoffId} is closed`, { cause: err });
  return new ProblemError('not-found', `no hand-off ${handoffId}`, { cause: err });
}

const settledAfterIntervention: ReadonlySet<string> = new Set(SETTLED_AFTER_INTERVENTION);

export interface InterventionResult {
  state: HandoffState;
  /** False when the bounded wait ran out first: the signal is delivered and the workflow will still act on it. */
  settled: boolean;
}

/**
 * Sends an intervention signal and waits (bounded) for the workflow's answer. Signals cannot answer,
 * so each one carries a fresh `requestId` and the workflow answers on the timeline with an entry whose
 * `ref` is that id: refused or failed is 409 with the entry's reason; applied is the state once a later
 * entry shows the hand-off routed again or closed. `before` is the state the caller checked, answered
 * if the hand-off cannot be read again in time.
 */
export async function sendIntervention<K extends InterventionKind>(
  client: Client,
  handoffId: string,
  kind: K,
  input: Message<InterventionInput[K]>,
  before: HandoffState,
  opts: { timeoutMs?: number; pollMs?: number } = {},
): Promise<InterventionResult> {
  const giveUpAt = Date.now() + (opts.timeoutMs ?? INTERVENTION_WAIT_MS);
  const pollMs = opts.pollMs ?? INTERVENTION_POLL_MS;
  const requestId = randomUUID();
  const signal = interventionSignals[kind] as SignalDefinition<[Signalled<InterventionInput[K]>]>;
  // TypeScript does not see that spreading a generic message keeps its shape.
  const message = { ...input, requestId, expectedAe: before.assignedAe ?? null } as Signalled<InterventionInput[K]>;
  const handle = client.workflow.getHandle(workflowIdFor(handoffId));
  try {
    await withDeadline(client, QUERY_TIMEOUT_MS, () => handle.signal(signal, message));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw await closedOrUnknown(client, handoffId, err);
    throw err;
  }

  let state = before;
  for (;;) {
    try {
      state = await readState(client, handoffId, { timeoutMs: Math.max(giveUpAt - Date.now(), pollMs) });
    } catch (err) {
      // The signal is in the history: a slow read is "accepted, not yet seen", not a failure.
      if (temporalProblem(err)?.kind !== 'unavailable') throw err;
      return { state, settled: false };
    }
    const at = state.timeline.findIndex((entry) => entry.ref === requestId);
    const answer = state.timeline[at];
    if (answer?.event === INTERVENTION_REFUSED || answer?.event === INTERVENTION_FAILED) {
      throw new ProblemError('refused-transition', answer.detail ?? `the hand-off refused the ${kind}`);
    }
    if (answer && state.timeline.slice(at + 1).some((entry) => settledAfterIntervention.has(entry.event))) {
      return { state, settled: true };
    }
    if (Date.now() + pollMs >= giveUpAt) return { state, settled: false };
    await sleep(pollMs);
  }
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
