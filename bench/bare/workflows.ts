/**
 * The bare SDK baseline of `bench/lifecycle.ts`: the same hand-off lifecycle written as plainly as
 * the SDK allows — the same activities (load the policy, route, ledger, release), the same updates
 * and timers — without Baton's read model, validators, search attributes, timeline or ledger batches.
 */
import { condition, defineUpdate, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import type { Lead } from '../../src/domain/lead.js';

const { loadPolicy, assignAe, recordEvents, releaseAe } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

export const submit = defineUpdate<string>('submit');
export const accept = defineUpdate<void>('accept');
export const markContacted = defineUpdate<void>('markContacted');
export const reportOutcome = defineUpdate<void>('reportOutcome');
export const submitFeedback = defineUpdate<void>('submitFeedback');

export async function bareHandoff(input: { handoffId: string; lead: Lead }): Promise<void> {
  const workflowId = workflowInfo().workflowId;
  const routed: { ae?: string } = {};
  let accepted = false;
  let contacted = false;
  let outcome = false;
  let feedback = false;
  setHandler(submit, async () => {
    await condition(() => routed.ae !== undefined);
    return routed.ae!;
  });
  setHandler(accept, () => void (accepted = true));
  setHandler(markContacted, () => void (contacted = true));
  setHandler(reportOutcome, () => void (outcome = true));
  setHandler(submitFeedback, () => void (feedback = true));

  const policy = await loadPolicy();
  const decision = await assignAe({
    handoffId: input.handoffId,
    key: `${workflowId}:route:0`,
    lead: input.lead,
    exclude: [],
    ownerWindow: policy.routing.ownerWindow,
  });
  const ae = (routed.ae = decision.aeId!);
  await condition(() => contacted, '24 hours');
  await condition(() => outcome && feedback, '14 days');
  await recordEvents({
    workflowId,
    handoffId: input.handoffId,
    from: 0,
    entries: [{ at: new Date().toISOString(), actor: 'baton', event: 'closed', detail: accepted ? 'opportunity' : 'nurture' }],
    facts: {
      stage: 'closed',
      outcome: 'opportunity',
      sdrId: 'sdr-jo',
      assignedAe: ae,
      previousAes: [],
      provisionalTier: 'hot',
      escalations: 0,
      handoffWindowMissed: false,
      submittedAt: new Date().toISOString(),
      handoffBy: new Date().toISOString(),
    },
  });
  await releaseAe({ handoffId: input.handoffId, aeId: ae, reason: 'closed' });
}
