import { condition, currentUpdateInfo } from '@temporalio/workflow';
import {
  ActorSchema,
  INTERVENTION_SCHEMAS,
  OPS_CONSOLE,
  type Actor,
  type InterventionInput,
  type InterventionKind,
  type Message,
} from '../../src/domain/actions.js';
import { refuseIntervention, refusal, type Refusal } from '../../src/domain/transitions.js';
import type { HandoffState } from '../../src/domain/state.js';
import { alertAeManager, notifySdrOfReturn } from './contact-clock.js';
import type { Handoff } from './handoff.js';
import type { InterventionRequest } from './inbox.js';
import { askRouter, adopt } from './routing.js';
import { describeIssues, parseMessage, refused } from './validate.js';
import { explainPick } from '../../src/domain/routing.js';

/** What applying an intervention left to do. */
export type InterventionResult = 'assigned' | 'route_to_senior' | 'closed' | 'unchanged';

const LEGACY = 'this hand-off started before interventions existed; use the API or the Temporal UI to terminate and resubmit it';

/** Whether a manager or ops may intervene now (the update validator and the signal handler ask the same). */
export function refuseToIntervene<K extends InterventionKind>(
  h: Handoff,
  actor: Actor,
  kind: K,
  input: InterventionInput[K],
): Refusal | null {
  if (!h.slaEngine) return refusal('not_supported', LEGACY);
  return refuseIntervention(h.state, actor, kind, input) ?? h.busy();
}

/**
 * The intervention update: validated synchronously, applied by the playbook at its next safe
 * point, answered once the hand-off has routed again or closed (or refused on the way).
 */
export async function interveneByUpdate<K extends InterventionKind>(
  h: Handoff,
  kind: K,
  message: Message<InterventionInput[K]>,
): Promise<HandoffState> {
  const { actor, ...input } = message;
  const entry = h.inbox.post({
    type: 'intervention',
    kind,
    input: input as InterventionInput[K],
    actor: actor ?? OPS_CONSOLE,
    ref: currentUpdateInfo()?.id,
  });
  await condition(() => entry.settlement !== undefined);
  if (!entry.settlement!.applied) throw refused(entry.settlement!.refusal);
  return h.state;
}

/**
 * The intervention signal (Temporal UI/CLI). Signals cannot answer, so a malformed or refused one is
 * recorded in the timeline (never thrown: a throwing signal handler would fail the workflow task).
 */
export function interveneBySignal(h: Handoff, kind: InterventionKind, message: unknown): void {
  const {
    actor: rawActor,
    requestId,
    expectedAe,
    ...body
  } = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
  const ref = typeof requestId === 'string' && requestId.length <= 128 ? requestId : undefined;
  const expected = typeof expectedAe === 'string' || expectedAe === null ? { expectedAe } : {};
  const parsed = parseMessage<InterventionInput[typeof kind]>(INTERVENTION_SCHEMAS[kind], rawActor, body);
  if (!parsed.ok || (typeof message !== 'object' && message !== undefined)) {
    const sender = ActorSchema.safeParse(rawActor).data?.id ?? OPS_CONSOLE.id;
    const issues = parsed.ok ? 'not a JSON object' : describeIssues(parsed.issues);
    h.record('intervention_refused', sender, `${kind}: malformed payload: ${issues}`, { ref });
    return;
  }
  const { actor, input } = parsed;
  const refusal = h.slaEngine
    ? (refuseIntervention(h.state, actor, kind, input) ?? movedSince(h, expected.expectedAe) ?? h.busy())
    : { reason: LEGACY };
  if (refusal) {
    h.record('intervention_refused', actor.id, `${kind}: ${refusal.reason}`, { ref });
    return;
  }
  h.inbox.post({ type: 'intervention', kind, input, actor, ...(ref ? { ref } : {}), ...expected });
}

/** Refuses an intervention decided on a state the workflow has since left (optimistic concurrency). */
function movedSince(h: Handoff, expectedAe: string | null | undefined): Refusal | null {
  const holder = h.state.assignedAe;
  if (expectedAe === undefined || expectedAe === (holder ?? null)) return null;
  return refusal(
    'moved',
    `the hand-off has moved since this was sent (held by ${holder ?? 'nobody'}, not ${expectedAe ?? 'nobody'}); look again and resend`,
  );
}

/** Applies an intervention the playbook took from the inbox, at a safe point. */
export async function applyIntervention(h: Handoff, request: InterventionRequest): Promise<InterventionResult> {
  const { state } = h;
  const { kind, input, actor, ref, expectedAe } = request;
  const by = actor.id;
  // The hand-off may have moved on since it was accepted (contact or a deadline in the same task).
  const refusal = refuseIntervention(state, actor, kind, input) ?? movedSince(h, expectedAe);
  if (refusal) {
    h.record('intervention_refused', by, `${kind}: ${refusal.reason}`, { ref });
    h.inbox.settle({ applied: false, refusal });
    return 'unchanged';
  }
  const rule = `intervention.${kind}`;
  if (kind === 'returnToSdr') {
    const { reason } = input as InterventionInput['returnToSdr'];
    h.record('returned_to_sdr', by, reason, { rule, ref });
    h.close('returned_to_sdr', reason, by);
    h.inbox.settle();
    await notifySdrOfReturn(h, reason);
    return 'closed';
  }
  const { to, reason } = input as InterventionInput['escalate'] | InterventionInput['reassign'];
  const from = state.assignedAe;
  if (kind === 'escalate') {
    if (from) await alertAeManager(h, `escalated-by-${by}`, `${by} escalated ${h.company} from ${from}: ${reason}`);
    if (!to) {
      state.escalations++;
      h.record('escalated', by, `${reason}: to a senior AE who has not had it${from ? ` (from ${from})` : ''}`, { rule, ref });
      return 'route_to_senior';
    }
  }
  const decision = await askRouter(h, { exclude: from ? [from] : [], target: to! });
  if (!decision.aeId) {
    const excluded = decision.excluded.find((e) => e.aeId === to);
    const why = `${kind} to ${to}: ${excluded ? `${to} is ${excluded.reason.replaceAll('_', ' ')}` : `${to} is not in the roster`}`;
    h.record('intervention_failed', by, why, { ref });
    h.inbox.settle({ applied: false, refusal: { code: 'target_unavailable', reason: why } });
    return 'unchanged';
  }
  if (kind === 'escalate') state.escalations++;
  h.record(kind === 'escalate' ? 'escalated' : 'reassigned', by, `${from ? `from ${from} ` : ''}to ${to}${reason ? `: ${reason}` : ''}`, {
    rule,
    ref,
  });
  adopt(h, decision, `named by ${by}; ${explainPick(decision)}`);
  return 'assigned';
}
