import type { Policy, Tier } from './policy.js';

/**
 * What happens when an AE misses the first-contact window, or an SDR could not book them
 * (DESIGN §2.5): a senior AE with a fresh window while the tier's escalations last, then back to
 * the SDR (or to nurture, as the tier's `onExhausted` says).
 */
export type LadderStep =
  | { step: 'escalate'; escalation: number; allowed: number; rule: string }
  | { step: 'exhausted'; outcome: 'returned_to_sdr' | 'nurture'; why: string; rule: string };

export function afterMiss(tier: Tier, escalationsSoFar: number, policy: Policy): LadderStep {
  const { escalations: allowed, onExhausted } = policy.tiers[tier];
  if (escalationsSoFar < allowed) {
    return { step: 'escalate', escalation: escalationsSoFar + 1, allowed, rule: `tiers.${tier}.escalations` };
  }
  return {
    step: 'exhausted',
    outcome: onExhausted === 'nurture' ? 'nurture' : 'returned_to_sdr',
    why: allowed === 0 ? `the ${tier} tier does not escalate` : `its ${allowed} escalation(s) are used up`,
    rule: `tiers.${tier}.onExhausted`,
  };
}
