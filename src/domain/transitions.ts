import { INTERVENING_ROLES, type Actor, type InterventionInput, type InterventionKind } from './actions.js';
import type { HandoffState, Stage } from './state.js';

/**
 * Why an action is refused, as a code the API maps to a problem type (never by reading the text)
 * and a reason for people.
 */
export const REFUSAL_CODES = [
  /** The hand-off is closed. */
  'closed',
  /** The action does not apply in the hand-off's stage. */
  'wrong_stage',
  /** The caller is not the owning SDR or the assigned AE. */
  'not_yours',
  /** The caller's role may not do this. */
  'wrong_role',
  /** It has been done already. */
  'already_done',
  /** A given time is in the future or before the assignment. */
  'bad_time',
  /** The workflow is still applying an earlier action (re-routing, escalating). */
  'busy',
  /** The hand-off moved since the sender looked (an intervention signal's `expectedAe`). */
  'moved',
  /** The hand-off started on a release without this action. */
  'not_supported',
  /** A named AE cannot take the lead (unknown, inactive, out of office, at capacity, already holds it). */
  'target_unavailable',
  /** The same hand-off id was submitted with a different body. */
  'different_submission',
  /** The hand-off id belongs to another SDR's hand-off. */
  'id_taken',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];
export interface Refusal {
  code: RefusalCode;
  reason: string;
}

export const refusal = (code: RefusalCode, reason: string): Refusal => ({ code, reason });

/**
 * Guards for every hand-off action. Each returns why an action is refused, or `null` when it may
 * proceed; workflow update validators turn a refusal into a rejection. Whose hand-off it is comes
 * first (`not_yours`, `wrong_role`: API 403, whatever the stage), then the stage and the rest (409).
 */
type Guard = Refusal | null;

const BEFORE_CONTACT: readonly Stage[] = ['assigned', 'accepted'];

function stageIs(state: HandoffState, allowed: readonly Stage[], action: string): Guard {
  if (state.stage === 'closed') return refusal('closed', `the hand-off is closed (${state.outcome}); it can no longer be ${action}`);
  if (!allowed.includes(state.stage))
    return refusal('wrong_stage', `a hand-off in stage ${state.stage} cannot be ${action} (allowed in: ${allowed.join(', ')})`);
  return null;
}

function assignedAeOnly(state: HandoffState, actor: Actor): Guard {
  if (actor.role === 'ae' && actor.id !== state.assignedAe)
    return refusal('not_yours', `the hand-off is assigned to ${state.assignedAe ?? 'nobody'}, not ${actor.id}`);
  if (actor.role === 'sdr') return refusal('wrong_role', 'only the assigned AE (or a manager) can do this');
  return null;
}

function owningSdrOnly(state: HandoffState, actor: Actor): Guard {
  if (actor.role === 'sdr' && actor.id !== state.sdrId)
    return refusal('not_yours', `the hand-off belongs to ${state.sdrId}, not ${actor.id}`);
  if (actor.role === 'ae') return refusal('wrong_role', 'only the owning SDR (or a manager) can do this');
  return null;
}

export function refuseChecklistUpdate(state: HandoffState, actor: Actor): Guard {
  const theirs = owningSdrOnly(state, actor);
  if (theirs) return theirs;
  if (state.stage !== 'awaiting_checklist' && state.stage !== 'closed') {
    return refusal('wrong_stage', `the checklist is complete and the hand-off is ${state.stage}: the AE owns the qualification data now`);
  }
  return stageIs(state, ['awaiting_checklist'], 'edited');
}

export function refuseWithdraw(state: HandoffState, actor: Actor): Guard {
  const theirs = owningSdrOnly(state, actor);
  if (theirs) return theirs;
  if (BEFORE_CONTACT.includes(state.stage) || state.stage === 'contacted') {
    return refusal(
      'wrong_stage',
      `the hand-off is ${state.stage}: once assigned the AE owns the lead and the SDR can no longer withdraw it`,
    );
  }
  return stageIs(state, ['awaiting_checklist', 'awaiting_assignment'], 'withdrawn');
}

export function refuseAccept(state: HandoffState, actor: Actor): Guard {
  const theirs = assignedAeOnly(state, actor);
  if (theirs) return theirs;
  if (state.stage === 'accepted') return refusal('already_done', 'the hand-off is already accepted');
  return stageIs(state, ['assigned'], 'accepted');
}

export function refuseReject(state: HandoffState, actor: Actor): Guard {
  return assignedAeOnly(state, actor) ?? stageIs(state, BEFORE_CONTACT, 'rejected');
}

export function refuseMarkContacted(state: HandoffState, actor: Actor, contactedAt: number, now: number): Guard {
  const theirs = assignedAeOnly(state, actor);
  if (theirs) return theirs;
  if (state.stage === 'contacted') return refusal('already_done', 'first contact is already recorded');
  const refused = stageIs(state, BEFORE_CONTACT, 'marked contacted');
  if (refused) return refused;
  if (contactedAt > now + 5 * 60_000) return refusal('bad_time', `at ${new Date(contactedAt).toISOString()} is in the future`);
  if (state.assignedAt && contactedAt < Date.parse(state.assignedAt)) {
    return refusal('bad_time', `at ${new Date(contactedAt).toISOString()} is before the hand-off was assigned (${state.assignedAt})`);
  }
  return null;
}

export function refuseReportOutcome(state: HandoffState, actor: Actor): Guard {
  const theirs = assignedAeOnly(state, actor);
  if (theirs) return theirs;
  if (state.outcomeReport) return refusal('already_done', `the outcome is already reported (${state.outcomeReport.outcome})`);
  if (BEFORE_CONTACT.includes(state.stage)) return refusal('wrong_stage', 'record the first contact before reporting an outcome');
  return stageIs(state, ['contacted'], 'given an outcome');
}

export function refuseSubmitFeedback(state: HandoffState, actor: Actor): Guard {
  const theirs = assignedAeOnly(state, actor);
  if (theirs) return theirs;
  if (state.feedback) return refusal('already_done', 'feedback is already submitted');
  if (BEFORE_CONTACT.includes(state.stage)) return refusal('wrong_stage', 'record the first contact before rating the hand-off');
  return stageIs(state, ['contacted'], 'rated');
}

/** The owning SDR records an attempt to book the assigned AE (DESIGN §2.5: notes and booking attempts stay open to the SDR). */
export function refuseBookingAttempt(state: HandoffState, actor: Actor, attemptedAt: number, now: number): Guard {
  const theirs = owningSdrOnly(state, actor);
  if (theirs) return theirs;
  if (state.stage === 'contacted') return refusal('wrong_stage', 'the AE has already made first contact; booking attempts no longer apply');
  const refused = stageIs(state, BEFORE_CONTACT, 'given booking attempts');
  if (refused) return refused;
  if (attemptedAt > now + 5 * 60_000) return refusal('bad_time', `at ${new Date(attemptedAt).toISOString()} is in the future`);
  if (state.assignedAt && attemptedAt < Date.parse(state.assignedAt)) {
    return refusal(
      'bad_time',
      `at ${new Date(attemptedAt).toISOString()} is before the hand-off was assigned to ${state.assignedAe} (${state.assignedAt})`,
    );
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
): Guard {
  if (!INTERVENING_ROLES.includes(actor.role))
    return refusal('wrong_role', `only a manager or ops can intervene (${actor.id} is ${actor.role})`);
  if (state.stage === 'contacted')
    return refusal('wrong_stage', `the AE has already made first contact; the hand-off can no longer be ${INTERVENTION_VERBS[kind]}`);
  const refused = stageIs(state, ['awaiting_assignment', ...BEFORE_CONTACT], INTERVENTION_VERBS[kind]);
  if (refused) return refused;
  const to = 'to' in input ? input.to : undefined;
  if (to !== undefined && to === state.assignedAe) return refusal('target_unavailable', `the hand-off is already assigned to ${to}`);
  return null;
}
