import { patched } from '@temporalio/workflow';
import type { Handoff } from './handoff.js';

/**
 * The warm introduction (README "Notifications"): when the AE accepts, the prospect gets one email
 * with the SDR and the AE in copy and a calendar invite for the booked meeting; when the lead then
 * goes to another AE, the invite is cancelled, and the next AE's acceptance sends a new one (same
 * UID, SEQUENCE bumped). Hand-offs started before this, and leads with `warmIntro: false`, no
 * contact email or no meeting time, get none.
 */
export const WARM_INTRO_PATCH = 'warm-intro';

/** Sends the introduction for the AE who just accepted. */
export function introduce(h: Handoff): void {
  const { state } = h;
  const { lead } = state;
  if (!patched(WARM_INTRO_PATCH) || !state.assignedAe) return;
  if (lead.warmIntro === false || !lead.contact?.email || !lead.nextStep?.meetingAt) return;
  h.intro = { ae: state.assignedAe, sequence: h.intro ? h.intro.sequence + 1 : 0 };
  void h.tell('warm_intro', `intro:${h.assignments}`, `${state.assignedAe} takes over ${h.company} from ${state.sdrId}`, {
    invite: { uid: `${h.workflowId}@baton`, sequence: h.intro.sequence, method: 'REQUEST' },
  });
}

/** The AE who was introduced gives the lead up: the invite is cancelled. */
export function withdrawIntroduction(h: Handoff, ae: string): void {
  if (!h.intro || h.intro.ae !== ae || h.intro.cancelled) return;
  h.intro = { ...h.intro, sequence: h.intro.sequence + 1, cancelled: true };
  void h.tell('warm_intro', `intro-cancel:${h.assignments}`, `The meeting with ${ae} about ${h.company} is cancelled`, {
    invite: { uid: `${h.workflowId}@baton`, sequence: h.intro.sequence, method: 'CANCEL' },
  });
}
