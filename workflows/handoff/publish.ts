import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { HandoffState } from '../../src/domain/state.js';
import {
  AssignedAeKey,
  CompanyNameKey,
  ContactDeadlineKey,
  EscalationCountKey,
  HandoffOutcomeKey,
  HandoffStageKey,
  HandoffTierKey,
  LeadScoreKey,
  SdrIdKey,
} from '../../src/temporal/search-attributes.js';

/** Mirrors the state into the search attributes ops filter on, and the Web UI's current details. */
export function publish(state: HandoffState, waitingFor: string): void {
  upsertSearchAttributes([
    { key: HandoffStageKey, value: state.stage },
    { key: SdrIdKey, value: state.sdrId },
    { key: HandoffTierKey, value: state.tier ?? null },
    { key: HandoffOutcomeKey, value: state.outcome ?? null },
    { key: AssignedAeKey, value: state.assignedAe ?? null },
    { key: CompanyNameKey, value: state.lead.company?.name ?? null },
    { key: LeadScoreKey, value: state.score?.total ?? null },
    { key: EscalationCountKey, value: state.escalations },
    // Only a clock that is still running: at-risk queries must not find contacted or closed hand-offs.
    {
      key: ContactDeadlineKey,
      value:
        state.deadlines.contactBy && (state.stage === 'assigned' || state.stage === 'accepted')
          ? new Date(state.deadlines.contactBy)
          : null,
    },
  ]);
  setCurrentDetails(details(state, waitingFor));
}

function details(state: HandoffState, waitingFor: string): string {
  const company = state.lead.company?.name ?? '(company missing)';
  const scoreText = state.score
    ? `score ${state.score.total} (fit ${state.score.fit}, engagement ${state.score.engagement}, intent ${state.score.intent})`
    : `provisional score ${state.provisionalScore}`;
  const ae = state.assignedAe ? ` · AE: ${state.assignedAe}` : '';
  const previously = state.previousAes.length ? ` (previously ${state.previousAes.join(', ')})` : '';
  return [
    `**${company}** — stage \`${state.stage}\`${state.outcome ? `, outcome \`${state.outcome}\`` : ''}`,
    `Tier: ${state.tier ?? `${state.provisionalTier} (provisional)`}, ${scoreText}`,
    `SDR: ${state.sdrId}${ae}${previously}${state.escalations ? ` · escalations: ${state.escalations}` : ''}`,
    `Waiting for: ${waitingFor}`,
    `Policy ${state.policyVersion}`,
  ].join('\n\n');
}
