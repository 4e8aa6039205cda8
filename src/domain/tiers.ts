import type { Lead } from './lead.js';
import { TIERS, type Policy, type Tier } from './policy.js';
import type { Score } from './scoring.js';
import { deadlineAfter, teamCalendar, type WorkCalendar } from './sla-clock.js';

/**
 * The tier of a scored lead (DESIGN §2.4), or `null` when it is below the nurture threshold.
 * A tier's `fastTrack` promotes a lead below its `minScore` that has the urgency signals it names.
 */
export function tierFor(score: Score, lead: Lead, policy: Policy): Tier | null {
  if (score.total < policy.scoring.threshold) return null;
  for (const tier of TIERS) {
    const rules = policy.tiers[tier];
    if (score.total >= rules.minScore) return tier;
    const fast = rules.fastTrack;
    if (
      fast &&
      score.total >= fast.minScore &&
      (!fast.requireTriggerEvent || Boolean(lead.urgency?.triggerEvent?.trim())) &&
      fast.timelines.some((t) => t === lead.urgency?.timeline)
    ) {
      return tier;
    }
  }
  return 'cool';
}

/**
 * The tier whose hand-off window applies while the checklist is incomplete: the tier of whatever
 * has been submitted so far, or the slowest tier when that scores below the threshold.
 */
export function provisionalTierFor(score: Score, lead: Lead, policy: Policy): Tier {
  return tierFor(score, lead, policy) ?? 'cool';
}

export interface HandoffClock {
  /** Submit → assigned deadline (epoch ms). */
  handoffBy: number;
  /** A draft still incomplete at this instant expires (epoch ms). */
  expiresAt: number;
}

/**
 * The hand-off window, measured from submission with the given (provisional) tier, in the team's
 * clock: the expiry is `draftExpiryFactor` windows of that clock's time.
 */
export function handoffClock(submittedAt: number, tier: Tier, policy: Policy): HandoffClock {
  const window = policy.tiers[tier].handoffWindow;
  const calendar = teamCalendar(policy);
  return {
    handoffBy: deadlineAfter(submittedAt, window, calendar),
    expiresAt: deadlineAfter(submittedAt, Math.round(window * policy.draftExpiryFactor), calendar),
  };
}

/** Assigned → contacted deadline (epoch ms), counted in `calendar` (the assigned AE's, see `aeCalendar`). */
export function contactDeadline(assignedAt: number, tier: Tier, policy: Policy, calendar: WorkCalendar): number {
  return deadlineAfter(assignedAt, policy.tiers[tier].contactWindow, calendar);
}

/** Instants (epoch ms) at which the AE is reminded, as fractions of the contact window counted in `calendar`. */
export function reminderTimes(assignedAt: number, tier: Tier, policy: Policy, calendar: WorkCalendar = teamCalendar(policy)): number[] {
  const { contactWindow } = policy.tiers[tier];
  return reminderOrder(tier, policy).map(({ fraction }) => deadlineAfter(assignedAt, Math.round(contactWindow * fraction), calendar));
}

/** The tier's reminders in the order they fall due, each with its index in the policy (`tiers.<tier>.reminders[index]`). */
export function reminderOrder(tier: Tier, policy: Policy): { fraction: number; index: number }[] {
  return policy.tiers[tier].reminders.map((fraction, index) => ({ fraction, index })).sort((a, b) => a.fraction - b.fraction);
}

/**
 * When the first-contact clock next wakes: the next reminder not yet sent when it falls before the
 * deadline, else the deadline itself.
 */
export function nextContactWake(contactBy: number, reminders: readonly number[], sent: number): { at: number; reminder: boolean } {
  const next = reminders[sent];
  return next !== undefined && next < contactBy ? { at: next, reminder: true } : { at: contactBy, reminder: false };
}
