import { z } from 'zod';
import { checkChecklist, ChecklistResultSchema } from './checklist.js';
import { checkIcp, IcpResultSchema } from './icp.js';
import type { Lead } from './lead.js';
import { TIERS, type Policy } from './policy.js';
import { scoreLead, ScoreSchema } from './scoring.js';
import type { HandoffState } from './state.js';
import { handoffClock, provisionalTierFor, tierFor } from './tiers.js';

/** What the domain makes of a lead under a policy, without starting anything (the scoring preview). */
export const LeadAssessmentSchema = z
  .object({
    checklist: ChecklistResultSchema,
    icp: IcpResultSchema,
    score: ScoreSchema,
    tier: z.enum(TIERS).nullable().meta({ description: 'null: below the threshold, the lead would go to nurture' }),
    provisionalTier: z.enum(TIERS).meta({ description: 'The tier whose hand-off window applies while the checklist is incomplete' }),
    policyVersion: z.string(),
  })
  .meta({ id: 'ScoringPreview' });
export type LeadAssessment = z.infer<typeof LeadAssessmentSchema>;

export function assessLead(lead: Lead, policy: Policy): LeadAssessment {
  const score = scoreLead(lead, policy.scoring);
  return {
    checklist: checkChecklist(lead),
    icp: checkIcp(lead, policy.icp),
    score,
    tier: tierFor(score, lead, policy),
    provisionalTier: provisionalTierFor(score, lead, policy),
    policyVersion: policy.version,
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A hand-off's read model at submission, before any policy is applied. */
export function submittedState(start: { handoffId: string; sdrId: string; lead: Lead; submittedAt: number }): HandoffState {
  return {
    id: start.handoffId,
    stage: 'awaiting_checklist',
    sdrId: start.sdrId,
    previousAes: [],
    provisionalTier: 'cool',
    provisionalScore: 0,
    icp: { pass: false, failed: [] },
    checklist: checkChecklist(start.lead),
    deadlines: { handoffBy: iso(start.submittedAt) },
    handoffWindowMissed: false,
    escalations: 0,
    bookingAttempts: [],
    submittedAt: iso(start.submittedAt),
    policyVersion: '(loading)',
    lead: start.lead,
    timeline: [],
  };
}

/**
 * Everything in the read model derived from the lead data while the checklist is open: what is
 * missing, the ICP result, the provisional score and tier, and the hand-off clock they set.
 */
export function draftView(
  lead: Lead,
  submittedAt: number,
  policy: Policy,
): Pick<HandoffState, 'checklist' | 'icp' | 'provisionalScore' | 'provisionalTier' | 'deadlines' | 'policyVersion'> {
  const assessment = assessLead(lead, policy);
  const clock = handoffClock(submittedAt, assessment.provisionalTier, policy);
  return {
    checklist: assessment.checklist,
    icp: assessment.icp,
    provisionalScore: assessment.score.total,
    provisionalTier: assessment.provisionalTier,
    deadlines: {
      handoffBy: iso(clock.handoffBy),
      ...(assessment.checklist.complete ? {} : { expiresAt: iso(clock.expiresAt) }),
    },
    policyVersion: policy.version,
  };
}
