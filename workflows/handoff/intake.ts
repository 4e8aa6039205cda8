import { condition } from '@temporalio/workflow';
import { formatDuration } from '../../src/domain/duration.js';
import { scoreLead } from '../../src/domain/scoring.js';
import { BATON } from '../../src/domain/timeline.js';
import { tierFor } from '../../src/domain/tiers.js';
import type { Handoff } from './handoff.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Submit → assigned: the hand-off window of the provisional tier; a breach alerts the SDR and their manager. */
export async function watchHandoffWindow(h: Handoff): Promise<void> {
  const { state } = h;
  for (;;) {
    const version = h.dataVersion;
    const deadline = Date.parse(state.deadlines.handoffBy);
    const settled = await condition(
      () => state.assignedAt !== undefined || h.closed || h.dataVersion !== version,
      Math.max(1, deadline - Date.now()),
      { summary: `hand-off window (${state.provisionalTier}) ends ${state.deadlines.handoffBy}` },
    );
    if (state.assignedAt !== undefined || h.closed) return;
    if (settled || Date.now() < Date.parse(state.deadlines.handoffBy)) continue;
    state.handoffWindowMissed = true;
    h.record(
      'handoff_window_missed',
      BATON,
      `not assigned within the ${state.provisionalTier} hand-off window (${formatDuration(h.policy.tiers[state.provisionalTier].handoffWindow)} of ${state.clocks?.handoff ?? 'calendar time'})`,
      { rule: `tiers.${state.provisionalTier}.handoffWindow` },
    );
    h.publish(state.stage === 'awaiting_checklist' ? `the checklist (hand-off window missed)` : 'an eligible AE (hand-off window missed)');
    await h.tell(
      'handoff_window_missed',
      'handoff-window-missed',
      `${h.company} was not assigned within its ${state.provisionalTier} hand-off window`,
    );
    return;
  }
}

/** A draft waits for its missing items; still incomplete at the expiry multiple, it expires. */
export async function waitForChecklist(h: Handoff): Promise<void> {
  const { state } = h;
  while (!state.checklist.complete && !h.closed) {
    const version = h.dataVersion;
    const expiresAt = Date.parse(state.deadlines.expiresAt ?? state.deadlines.handoffBy);
    await condition(() => state.checklist.complete || h.closed || h.dataVersion !== version, Math.max(1, expiresAt - Date.now()), {
      summary: `draft expires ${iso(expiresAt)}`,
    });
    if (!state.checklist.complete && !h.closed && h.dataVersion === version && Date.now() >= expiresAt) {
      h.record('draft_expired', BATON, `missing: ${state.checklist.missing.join(', ')}`, { rule: 'draftExpiryFactor' });
      h.close(
        'expired',
        `checklist still incomplete at ${h.policy.draftExpiryFactor}× the ${state.provisionalTier} hand-off window; missing: ${state.checklist.missing.join(', ')}`,
      );
    }
  }
}

/** The ICP gate, then the score and tier; below the threshold the lead goes to nurture. */
export function qualify(h: Handoff): void {
  const { state, policy } = h;
  h.record('checklist_completed', BATON);
  if (!state.icp.pass) {
    h.record('icp_failed', BATON, state.icp.failed.map((f) => f.detail).join('; '), { rule: 'icp' });
    h.close('not_icp', `outside the ICP: ${state.icp.failed.map((f) => f.rule).join(', ')}`);
    return;
  }
  const score = scoreLead(state.lead, policy.scoring);
  state.score = score;
  h.record(
    'scored',
    BATON,
    `${score.total} = fit ${score.fit} + engagement ${score.engagement} + intent ${score.intent}; rules: ${score.rules.map((r) => `${r.id} +${r.points}`).join(', ')}`,
  );
  const tier = tierFor(score, state.lead, policy);
  if (!tier) {
    h.close('nurture', `score ${score.total} below the threshold ${policy.scoring.threshold}`);
    return;
  }
  state.tier = tier;
  h.record('tiered', BATON, tier, { rule: `tiers.${tier}.minScore` });
  h.publish('an AE');
}
