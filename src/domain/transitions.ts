import { INTERVENING_ROLES, type Actor, type InterventionInput, type InterventionKind } from './actions.js';
import type { HandoffState, Stage } from './state.js';

/**
 * Guards for every hand-off action. Each returns the reason an action is refused, or `null` when
 * it may proceed; workflow update validators turn a reason into a rejection (API 409).
 */
type Refusal = string | null;

const BEFORE_CONTACT: readonly Stage[] = ['assigned', 'accepted'];

function stageIs(state: HandoffState, allowed: readonly Stage[], action: string): Refusal {
  if (state.stage === 'closed') return `the hand-off is closed (${state.outcome}); it can no longer be ${action}`;
  if (!allowed.includes(state.stage)) return `a hand-off in stage ${state.stage} cannot be ${action} (allowed in: ${allowed.join(', ')})`;
  return null;
}

function assignedAeOnly(state: HandoffState, actor: Actor): Refusal {
  if (actor.role === 'ae' && actor.id !== state.assignedAe)
    return `the hand-off is assigned to ${state.assignedAe ?? 'nobody'}, not ${actor.id}`;
  if (actor.role === 'sdr') return 'only the assigned AE (or a manager) can do this';
  return null;
}

function owningSdrOnly(state: HandoffState, actor: Actor): Refusal {
  if (actor.role === 'sdr' && actor.id !== state.sdrId) return `the hand-off belongs to ${state.sdrId}, not ${actor.id}`;
  if (actor.role === 'ae') return 'only the owning SDR (or a manager) can do this';
  return null;
}

export function refuseChecklistUpdate(state: HandoffState, actor: Actor): Refusal {
  if (state.stage !== 'awaiting_checklist' && state.stage !== 'closed') {
    return `the checklist is complete and the hand-off is ${state.stage}: the AE owns the qualification data now`;
  }
  return stageIs(state, ['awaiting_checklist'], 'edited') ?? owningSdrOnly(state, actor);
}

export function refuseWithdraw(state: HandoffState, actor: Actor): Refusal {
  if (BEFORE_CONTACT.includes(state.stage) || state.stage === 'contacted') {
    return `the hand-off is ${state.stage}: once assigned the AE owns the lead and the SDR can no longer withdraw it`;
  }
  return stageIs(state, ['awaiting_checklist', 'awaiting_assignment'], 'withdrawn') ?? owningSdrOnly(state, actor);
}

export function refuseAccept(state: HandoffState, actor: Actor): Refusal {
  if (state.stage === 'accepted') return 'the hand-off is already accepted';
  return stageIs(state, ['assigned'], 'accepted') ?? assignedAeOnly(state, actor);
}

export function refuseReject(state: HandoffState, actor: Actor): Refusal {
  return stageIs(state, BEFORE_CONTACT, 'rejected') ?? assignedAeOnly(state, actor);
}

export function refuseMarkContacted(state: HandoffState, actor: Actor, contactedAt: number, now: number): Refusal {
  if (state.stage === 'contacted') return 'first contact is already recorded';
  const refusal = stageIs(state, BEFORE_CONTACT, 'marked contacted') ?? assignedAeOnly(state, actor);
  if (refusal) return refusal;
  if (contactedAt > now + 5 * 60_000) return `at ${new Date(contactedAt).toISOString()} is in the future`;
  if (state.assignedAt && contactedAt < Date.parse(state.assignedAt)) {
    return `at ${new Date(contactedAt).toISOString()} is before the hand-off was assigned (${state.assignedAt})`;
  }
  return null;
}

export function refuseReportOutcome(state: HandoffState, actor: Actor): Refusal {
  if (state.outcomeReport) return `the outcome is already reported (${state.outcomeReport.outcome})`;
  if (BEFORE_CONTACT.includes(state.stage)) return 'record the first contact before reporting an outcome';
  return stageIs(state, ['contacted'], 'given an outcome') ?? assignedAeOnly(state, actor);
}

export function refuseSubmitFeedback(state: HandoffState, actor: Actor): Refusal {
  if (state.feedback) return 'feedback is already submitted';
  if (BEFORE_CONTACT.includes(state.stage)) return 'record the first contact before rating the hand-off';
  return stageIs(state, ['contacted'], 'rated') ?? assignedAeOnly(state, actor);
}

/** The owning SDR records an attempt to book the assigned AE (DESIGN §2.5: notes and booking attempts stay open to the SDR). */
export function refuseBookingAttempt(state: HandoffState, actor: Actor, attemptedAt: number, now: number): Refusal {
  if (state.stage === 'contacted') return 'the AE has already made first contact; booking attempts no longer apply';
  const refusal = stageIs(state, BEFORE_CONTACT, 'given booking attempts') ?? owningSdrOnly(state, actor);
  if (refusal) return refusal;
  if (attemptedAt > now + 5 * 60_000) return `at ${new Date(attemptedAt).toISOString()} is in the future`;
  if (state.assignedAt && attemptedAt < Date.parse(state.assignedAt)) {
    return `at ${new Date(attemptedAt).toISOString()} is before the hand-off was assigned to ${state.assignedAe} (${state.assignedAt})`;
  }
  return null;
}

const INTERVENTION_VERBS: Record<InterventionKind, string> = {
  escalate: 'escalated',
  reassign: 'reassigned',
  returnToSdr: 'returned to the SDR',
};

/**
 * A manager or ops intervention: allowed from the moment the lead is qualified until first contact
 * (after that the AE owns the outcome), and only by managers, ops and admins.
 */
export function refuseIntervention<K extends InterventionKind>(
  state: HandoffState,
  actor: Actor,
  kind: K,
  input: InterventionInput[K],
): Refusal {
  if (!INTERVENING_ROLES.includes(actor.role)) return `only a manager or ops can intervene (${actor.id} is ${actor.role})`;
  if (state.stage === 'contacted')
    return `the AE has already made first contact; the hand-off can no longer be ${INTERVENTION_VERBS[kind]}`;
  const refusal = stageIs(state, ['awaiting_assignment', ...BEFORE_CONTACT], INTERVENTION_VERBS[kind]);
  if (refusal) return refusal;
  const to = 'to' in input ? input.to : undefined;
  if (to !== undefined && to === state.assignedAe) return `the hand-off is already assigned to ${to}`;
  return null;
}
