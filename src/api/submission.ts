import { createHash } from 'node:crypto';
import type { LeadAssessment } from '../domain/assessment.js';
import type { Lead, Submission } from '../domain/lead.js';

/** JSON with object keys sorted at every level and `undefined` dropped: equal data, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

/** The idempotency fingerprint of a submission (after parsing, so whitespace and case do not count). */
export function submissionHash(submission: Submission): string {
  return createHash('sha256').update(canonicalJson(submission), 'utf8').digest('hex');
}

/** One line for the Temporal Web UI list: `Acme Logistics — Dana Reyes · hot (provisional) · score 86`. */
export function staticSummary(lead: Lead, assessment: LeadAssessment): string {
  const company = lead.company?.name ?? '(company missing)';
  const contact = lead.contact?.name ?? '(contact missing)';
  return `${company} — ${contact} · ${tierLabel(assessment)} · score ${assessment.score.total}`;
}

function tierLabel(a: LeadAssessment): string {
  if (a.checklist.complete && !a.icp.pass) return 'outside the ICP';
  if (a.checklist.complete) return a.tier ?? 'nurture';
  return `${a.provisionalTier} (provisional)`;
}

/** The hand-off at submission, in Temporal markdown, for the Web UI's details panel. */
export function staticDetails(sdrId: string, lead: Lead, assessment: LeadAssessment): string {
  const { checklist, icp, score } = assessment;
  const nextStep = [
    lead.nextStep?.meetingAt ? `meeting at ${lead.nextStep.meetingAt}` : undefined,
    lead.nextStep?.text,
    lead.nextStep?.meetingLink,
  ].filter(Boolean);
  return [
    `**SDR:** ${sdrId}`,
    `**Checklist:** ${checklist.complete ? 'complete' : `missing ${checklist.missing.map((m) => `\`${m}\``).join(', ')}`}`,
    `**ICP:** ${icp.pass ? 'pass' : `fails ${icp.failed.map((f) => f.detail).join('; ')}`}`,
    `**Score:** ${score.total} (fit ${score.fit}, engagement ${score.engagement}, intent ${score.intent}) · policy ${assessment.policyVersion}`,
    `**Pain points:** ${lead.painPoints?.length ? lead.painPoints.join(', ') : '(none given)'}`,
    `**Next step:** ${nextStep.length ? nextStep.join(' · ') : '(none given)'}`,
  ].join('\n\n');
}
