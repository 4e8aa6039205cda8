import { ApplicationFailure } from '@temporalio/workflow';
import type { ZodType } from 'zod';
import { ActorSchema, OPS_CONSOLE, type Actor } from '../../src/domain/actions.js';
import type { Refusal } from '../../src/domain/transitions.js';
import { INVALID_MESSAGE, REFUSED_TRANSITION } from '../messages.js';

export type FieldIssue = { path: string; message: string };
export type ParsedMessage<T> = { ok: true; actor: Actor; input: T } | { ok: false; issues: FieldIssue[] };

/** The actor of a message, or ops at the Temporal console when it names none. */
export const who = (actor: Actor | undefined): string => (actor ?? OPS_CONSOLE).id;

/** A message's body against its schema, and its optional actor (absent: the Temporal console, as ops). */
export function parseMessage<T>(schema: ZodType<T>, actor: unknown, body: Record<string, unknown>): ParsedMessage<T> {
  const parsedActor = actor === undefined ? { success: true as const, data: OPS_CONSOLE } : ActorSchema.safeParse(actor);
  const parsed = schema.safeParse(body);
  if (parsedActor.success && parsed.success) return { ok: true, actor: parsedActor.data, input: parsed.data };
  const issues = [
    ...(parsedActor.success ? [] : parsedActor.error.issues.map((i) => ({ ...i, path: ['actor', ...i.path] }))),
    ...(parsed.success ? [] : parsed.error.issues),
  ];
  return { ok: false, issues: issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
}

export const describeIssues = (issues: FieldIssue[]): string => issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ');

/** A refusal as the failure an update answers with: its code in the details, for the API. */
export function refused(refusal: Refusal): ApplicationFailure {
  return ApplicationFailure.create({ type: REFUSED_TRANSITION, message: refusal.reason, details: [refusal.code], nonRetryable: true });
}

/**
 * A synchronous update validator: the payload must match the action's schema (plus an optional
 * actor), then the state guard decides. Refusals leave nothing in history.
 */
export function validate<T>(schema: ZodType<T>, guard: (actor: Actor, input: T) => Refusal | null) {
  return (message: unknown): void => {
    const { actor, ...body } = (message ?? {}) as Record<string, unknown>;
    const parsed = parseMessage(schema, actor, body);
    if (!parsed.ok) {
      throw ApplicationFailure.create({
        type: INVALID_MESSAGE,
        message: describeIssues(parsed.issues),
        details: [parsed.issues],
        nonRetryable: true,
      });
    }
    const refusal = guard(parsed.actor, parsed.input);
    if (refusal) throw refused(refusal);
  };
}
