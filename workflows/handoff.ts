import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ZodType } from 'zod';
import type { Activities } from '../activities/index.js';
import {
  AcceptSchema,
  ActorSchema,
  ChecklistPatchSchema,
  ContactedSchema,
  FeedbackSchema,
  isRoutingReason,
  OPS_CONSOLE,
  OutcomeSchema,
  RejectSchema,
  WithdrawSchema,
  type Actor,
  type RejectInput,
} from '../src/domain/actions.js';
import { draftView, submittedState } from '../src/domain/assessment.js';
import { formatDuration } from '../src/domain/duration.js';
import { mergeLead } from '../src/domain/lead.js';
import type { Policy } from '../src/domain/policy.js';
import { scoreLead } from '../src/domain/scoring.js';
import type { HandoffState, Outcome, Stage } from '../src/domain/state.js';
import { tierFor } from '../src/domain/tiers.js';
import * as guards from '../src/domain/transitions.js';
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
} from '../src/temporal/search-attributes.js';
import {
  acceptUpdate,
  INVALID_MESSAGE,
  markContactedUpdate,
  REFUSED_TRANSITION,
  rejectUpdate,
  reportOutcomeUpdate,
  stateQuery,
  submitFeedbackUpdate,
  updateChecklistUpdate,
  withdrawUpdate,
  type HandoffStart,
} from './messages.js';

const { loadPolicy, assignAe, releaseAe, notify } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const BATON = 'baton';
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * One SDR → AE hand-off, as the playbook runs it: wait for the checklist, gate on the ICP, score,
 * tier, route to an AE, run the first-contact clock, then collect the outcome and feedback.
 */
export async function handoff(start: HandoffStart): Promise<HandoffState> {
  const workflowId = workflowInfo().workflowId;
  const submittedAt = Date.now();
  // Handlers are registered before the policy loads, so the API can query a hand-off at once.
  // eslint-disable-next-line prefer-const -- assigned once the activity returns, read by handlers
  let policy!: Policy;
  const state: HandoffState = submittedState({ ...start, submittedAt });
  /** Bumped whenever the checklist data changes, so clocks re-read their deadlines. */
  let dataVersion = 0;
  let pendingRejection: { input: RejectInput; actor: Actor } | undefined;

  const record = (event: string, actor: string, detail?: string): void => {
    state.timeline.push({ at: iso(Date.now()), actor, event, ...(detail ? { detail } : {}) });
  };

  /** Re-evaluates everything derived from the lead data while the checklist is open. */
  const evaluateDraft = (): void => {
    Object.assign(state, draftView(state.lead, submittedAt, policy));
  };

  /** Mirrors the state into search attributes and the Web UI's current details. */
  const publish = (waitingFor: string): void => {
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
    const company = state.lead.company?.name ?? '(company missing)';
    const scoreText = state.score
      ? `score ${state.score.total} (fit ${state.score.fit}, engagement ${state.score.engagement}, intent ${state.score.intent})`
      : `provisional score ${state.provisionalScore}`;
    setCurrentDetails(
      [
        `**${company}** — stage \`${state.stage}\`${state.outcome ? `, outcome \`${state.outcome}\`` : ''}`,
        `Tier: ${state.tier ?? `${state.provisionalTier} (provisional)`}, ${scoreText}`,
        `SDR: ${state.sdrId}${state.assignedAe ? ` · AE: ${state.assignedAe}` : ''}${state.previousAes.length ? ` (previously ${state.previousAes.join(', ')})` : ''}`,
        `Waiting for: ${waitingFor}`,
        `Policy ${state.policyVersion}`,
      ].join('\n\n'),
    );
  };

  const setStage = (stage: Stage, waitingFor: string): void => {
    state.stage = stage;
    publish(waitingFor);
  };

  const close = (outcome: Outcome, reason: string, actor = BATON): void => {
    state.stage = 'closed';
    state.outcome = outcome;
    state.closeReason = reason;
    state.closedAt = iso(Date.now());
    record('closed', actor, `${outcome}: ${reason}`);
    publish('nothing: the hand-off is closed');
  };
  const isClosed = (): boolean => state.stage === 'closed';
  /** The second of outcome and feedback answers with the closed hand-off. */
  const closedOnceBothReported = (): Promise<void> =>
    condition(() => state.outcomeReport === undefined || state.feedback === undefined || isClosed());
  const rejectionInProgress = (): string | null => (pendingRejection ? 'the AE has rejected this hand-off; it is being re-routed' : null);

  // ---- messages -------------------------------------------------------------------------------
  setHandler(stateQuery, () => state, { description: 'The full read model of this hand-off (DESIGN §3).' });

  setHandler(
    updateChecklistUpdate,
    async (message) => {
      const { actor, ...patch } = message;
      await condition(() => policy !== undefined);
      state.lead = mergeLead(state.lead, ChecklistPatchSchema.parse(patch));
      dataVersion++;
      evaluateDraft();
      record(
        'checklist_updated',
        who(actor),
        state.checklist.complete ? 'checklist complete' : `missing: ${state.checklist.missing.join(', ')}`,
      );
      publish(
        state.checklist.complete ? 'gating, scoring and routing' : `the checklist: ${state.checklist.missing.length} item(s) missing`,
      );
      // Answer with the outcome of a completed checklist (assigned, awaiting an AE, or closed).
      await condition(() => state.stage !== 'awaiting_checklist' || !state.checklist.complete);
      return state;
    },
    {
      description: 'SDR fills checklist items while the hand-off is awaiting_checklist (any subset of the submission body).',
      validator: validate(ChecklistPatchSchema, (actor) => guards.refuseChecklistUpdate(state, actor)),
    },
  );

  setHandler(
    withdrawUpdate,
    (message) => {
      const { actor, reason } = message;
      close('withdrawn', reason ?? 'withdrawn by the SDR', who(actor));
      return state;
    },
    {
      description: 'SDR withdraws the hand-off before it is assigned. Body: {reason?, note?}.',
      validator: validate(WithdrawSchema, (actor) => guards.refuseWithdraw(state, actor)),
    },
  );

  setHandler(
    acceptUpdate,
    (message) => {
      state.acceptedAt = iso(Date.now());
      record('accepted', who(message.actor), message.note);
      setStage('accepted', `first contact by ${state.deadlines.contactBy}`);
      return state;
    },
    {
      description: 'Assigned AE accepts the hand-off. Body: {note?}.',
      validator: validate(AcceptSchema, (actor) => guards.refuseAccept(state, actor) ?? rejectionInProgress()),
    },
  );

  setHandler(
    rejectUpdate,
    async (message) => {
      const { actor, ...input } = message;
      pendingRejection = { input, actor: actor ?? OPS_CONSOLE };
      // Answer once the workflow has re-routed or returned the lead.
      await condition(() => pendingRejection === undefined);
      return state;
    },
    {
      description:
        'Assigned AE rejects. Body: {reason, note?}. Routing reasons (capacity, wrong_territory, conflict) re-route to another AE; qualification reasons return the lead to the SDR.',
      validator: validate(RejectSchema, (actor) => guards.refuseReject(state, actor) ?? rejectionInProgress()),
    },
  );

  setHandler(
    markContactedUpdate,
    (message) => {
      const now = Date.now();
      const at = message.at ? Date.parse(message.at) : now;
      state.contact = { channel: message.channel, at: iso(at), by: who(message.actor), ...(message.note ? { note: message.note } : {}) };
      state.deadlines.feedbackBy = iso(now + policy.feedback.window);
      record('contacted', who(message.actor), `${message.channel} at ${iso(at)}`);
      setStage('contacted', `outcome and feedback by ${state.deadlines.feedbackBy}`);
      return state;
    },
    {
      description: 'Assigned AE records first contact. Body: {channel: call|email|meeting|linkedin|other, at?, note?}.',
      validator: validate(
        ContactedSchema,
        (actor, input) =>
          guards.refuseMarkContacted(state, actor, input.at ? Date.parse(input.at) : Date.now(), Date.now()) ?? rejectionInProgress(),
      ),
    },
  );

  setHandler(
    reportOutcomeUpdate,
    async (message) => {
      const { actor, ...input } = message;
      state.outcomeReport = { ...input, by: who(actor), at: iso(Date.now()) };
      record('outcome_reported', who(actor), input.outcome);
      await closedOnceBothReported();
      return state;
    },
    {
      description:
        'Assigned AE reports the outcome after first contact. Body: {outcome: opportunity|disqualified|no_show|nurture, amount?, note?}.',
      validator: validate(OutcomeSchema, (actor) => guards.refuseReportOutcome(state, actor)),
    },
  );

  setHandler(
    submitFeedbackUpdate,
    async (message) => {
      const { actor, ...input } = message;
      state.feedback = { ...input, by: who(actor), at: iso(Date.now()) };
      record(
        'feedback_submitted',
        who(actor),
        `rating ${input.rating}${input.qualityIssues.length ? `; issues: ${input.qualityIssues.join(', ')}` : ''}`,
      );
      await closedOnceBothReported();
      return state;
    },
    {
      description: 'Assigned AE rates how ready the lead was. Body: {rating: 1–5, qualityIssues: string[], note?}.',
      validator: validate(FeedbackSchema, (actor) => guards.refuseSubmitFeedback(state, actor)),
    },
  );

  // ---- the playbook ---------------------------------------------------------------------------
  policy = await loadPolicy();
  evaluateDraft();
  record('submitted', start.sdrId, state.checklist.complete ? 'complete' : `draft; missing: ${state.checklist.missing.join(', ')}`);
  publish(state.checklist.complete ? 'gating, scoring and routing' : `the checklist: ${state.checklist.missing.length} item(s) missing`);
  void watchHandoffWindow();

  await waitForChecklist();
  if (!isClosed()) qualify();
  while (!isClosed() && !state.contact) {
    await route();
    if (!isClosed()) await runContactClock();
  }
  if (!isClosed()) await collectFeedback();
  // A closed hand-off no longer counts against its AE's capacity (idempotent).
  if (state.assignedAe) await releaseAe({ handoffId: state.id, aeId: state.assignedAe });
  await condition(allHandlersFinished);
  return state;

  /** Submit → assigned: the hand-off window of the provisional tier; a breach alerts the SDR and their manager. */
  async function watchHandoffWindow(): Promise<void> {
    for (;;) {
      const version = dataVersion;
      const deadline = Date.parse(state.deadlines.handoffBy);
      const settled = await condition(
        () => state.assignedAt !== undefined || isClosed() || dataVersion !== version,
        Math.max(1, deadline - Date.now()),
        { summary: `hand-off window (${state.provisionalTier}) ends ${state.deadlines.handoffBy}` },
      );
      if (state.assignedAt !== undefined || isClosed()) return;
      if (settled || Date.now() < Date.parse(state.deadlines.handoffBy)) continue;
      state.handoffWindowMissed = true;
      record(
        'handoff_window_missed',
        BATON,
        `not assigned within the ${state.provisionalTier} hand-off window (${formatDuration(policy.tiers[state.provisionalTier].handoffWindow)}, rule tiers.${state.provisionalTier}.handoffWindow)`,
      );
      publish(state.stage === 'awaiting_checklist' ? `the checklist (hand-off window missed)` : 'an eligible AE (hand-off window missed)');
      await notify({
        key: `${workflowId}:handoff-window-missed`,
        handoffId: state.id,
        to: [state.sdrId, `manager-of:${state.sdrId}`],
        kind: 'handoff_window_missed',
        message: `${state.lead.company?.name ?? state.id} was not assigned within its ${state.provisionalTier} hand-off window`,
      });
      return;
    }
  }

  /** A draft waits for its missing items; still incomplete at the expiry multiple, it expires. */
  async function waitForChecklist(): Promise<void> {
    while (!state.checklist.complete && !isClosed()) {
      const version = dataVersion;
      const expiresAt = Date.parse(state.deadlines.expiresAt ?? state.deadlines.handoffBy);
      await condition(() => state.checklist.complete || isClosed() || dataVersion !== version, Math.max(1, expiresAt - Date.now()), {
        summary: `draft expires ${iso(expiresAt)}`,
      });
      if (!state.checklist.complete && !isClosed() && dataVersion === version && Date.now() >= expiresAt) {
        close(
          'expired',
          `checklist still incomplete at ${policy.draftExpiryFactor}× the ${state.provisionalTier} hand-off window; missing: ${state.checklist.missing.join(', ')}`,
        );
      }
    }
  }

  /** The ICP gate, then the score and tier; below the threshold the lead goes to nurture. */
  function qualify(): void {
    record('checklist_completed', BATON);
    if (!state.icp.pass) {
      record('icp_failed', BATON, state.icp.failed.map((f) => f.detail).join('; '));
      close('not_icp', `outside the ICP: ${state.icp.failed.map((f) => f.rule).join(', ')}`);
      return;
    }
    const score = scoreLead(state.lead, policy.scoring);
    state.score = score;
    record(
      'scored',
      BATON,
      `${score.total} = fit ${score.fit} + engagement ${score.engagement} + intent ${score.intent}; rules: ${score.rules.map((r) => `${r.id} +${r.points}`).join(', ')}`,
    );
    const tier = tierFor(score, state.lead, policy);
    if (!tier) {
      close('nurture', `score ${score.total} below the threshold ${policy.scoring.threshold}`);
      return;
    }
    state.tier = tier;
    record('tiered', BATON, tier);
    publish('an AE');
  }

  /** Routes to an eligible AE, never one who already had this hand-off; waits while nobody is eligible. */
  async function route(): Promise<void> {
    for (let attempt = 0; !isClosed(); attempt++) {
      const round = state.previousAes.length;
      const decision = await assignAe({
        handoffId: state.id,
        key: `${workflowId}:route:${round}:${attempt}`,
        lead: state.lead,
        exclude: state.previousAes,
      });
      state.routing = decision;
      if (isClosed()) {
        // Withdrawn while the router was choosing: give the capacity back.
        if (decision.aeId) await releaseAe({ handoffId: state.id, aeId: decision.aeId });
        return;
      }
      if (decision.aeId) {
        const now = Date.now();
        state.assignedAe = decision.aeId;
        state.assignedAt = iso(now);
        state.acceptedAt = undefined;
        state.deadlines.contactBy = iso(now + policy.tiers[state.tier!].contactWindow);
        record(
          'assigned',
          BATON,
          `${decision.aeId} (lowest weighted load among ${decision.candidates.map((c) => c.aeId).join(', ')}; excluded: ${decision.excluded.map((e) => `${e.aeId} ${e.reason}`).join(', ') || 'none'})`,
        );
        setStage('assigned', `${decision.aeId} to accept and make first contact by ${state.deadlines.contactBy}`);
        pendingRejection = undefined;
        return;
      }
      if (attempt === 0) {
        record('no_eligible_ae', BATON, decision.excluded.map((e) => `${e.aeId} ${e.reason}`).join(', ') || 'the roster is empty');
        setStage('awaiting_assignment', `an eligible AE (routing retried every ${formatDuration(policy.routing.retryEvery)})`);
        pendingRejection = undefined;
        await notify({
          key: `${workflowId}:no-eligible-ae:${round}`,
          handoffId: state.id,
          to: ['sales-manager'],
          kind: 'no_eligible_ae',
          message: `No eligible AE for ${state.lead.company?.name ?? state.id} (${state.tier})`,
        });
      }
      await condition(isClosed, policy.routing.retryEvery, { summary: 'retry routing' });
    }
  }

  /** Assigned → contacted within the tier's window, or the lead goes back to the SDR. */
  async function runContactClock(): Promise<void> {
    const contactBy = Date.parse(state.deadlines.contactBy!);
    const settled = await condition(
      () => state.contact !== undefined || pendingRejection !== undefined || isClosed(),
      Math.max(1, contactBy - Date.now()),
      { summary: `first contact by ${state.deadlines.contactBy}` },
    );
    if (state.contact || isClosed()) return;
    const ae = state.assignedAe!;
    if (settled && pendingRejection) {
      const { input, actor } = pendingRejection;
      const rerouted = isRoutingReason(input.reason);
      state.rejection = {
        reason: input.reason,
        ...(input.note ? { note: input.note } : {}),
        by: who(actor),
        at: iso(Date.now()),
        rerouted,
      };
      record('rejected', who(actor), `${input.reason}${input.note ? `: ${input.note}` : ''}`);
      if (rerouted) {
        // The loop routes again, excluding every AE who had it; the reject update answers then.
        await releaseAe({ handoffId: state.id, aeId: ae });
        state.previousAes.push(ae);
        state.assignedAe = undefined;
        state.deadlines.contactBy = undefined;
        setStage('awaiting_assignment', 're-routing to another AE');
        return;
      }
      close('returned_to_sdr', input.reason, who(actor));
      pendingRejection = undefined;
      await notifySdrOfReturn(input.reason);
      return;
    }
    record(
      'contact_window_missed',
      BATON,
      `${ae} made no contact within the ${state.tier} window (${formatDuration(policy.tiers[state.tier!].contactWindow)}, rule tiers.${state.tier}.contactWindow)`,
    );
    close('returned_to_sdr', 'sla_missed');
    await notifySdrOfReturn('sla_missed');
  }

  async function notifySdrOfReturn(reason: string): Promise<void> {
    await notify({
      key: `${workflowId}:returned`,
      handoffId: state.id,
      to: [state.sdrId],
      kind: 'returned_to_sdr',
      message: `${state.lead.company?.name ?? state.id} was returned to you (${reason})`,
    });
  }

  /** After first contact: outcome and feedback within the feedback window, with one reminder. */
  async function collectFeedback(): Promise<void> {
    const both = (): boolean => state.outcomeReport !== undefined && state.feedback !== undefined;
    const feedbackBy = Date.parse(state.deadlines.feedbackBy!);
    // The feedback window runs from when first contact was recorded.
    const remindAt = feedbackBy - policy.feedback.window + policy.feedback.reminder;
    if (!(await condition(both, Math.max(1, remindAt - Date.now()), { summary: `feedback reminder at ${iso(remindAt)}` }))) {
      record(
        'feedback_reminder',
        BATON,
        `outcome${state.outcomeReport ? ' (done)' : ''} and feedback${state.feedback ? ' (done)' : ''} due by ${state.deadlines.feedbackBy}`,
      );
      await notify({
        key: `${workflowId}:feedback-reminder`,
        handoffId: state.id,
        to: [state.assignedAe!],
        kind: 'feedback_reminder',
        message: `Report the outcome and rate ${state.lead.company?.name ?? state.id} by ${state.deadlines.feedbackBy}`,
      });
    }
    const complete = await condition(both, Math.max(1, feedbackBy - Date.now()), {
      summary: `outcome and feedback by ${state.deadlines.feedbackBy}`,
    });
    if (complete) {
      close(state.outcomeReport!.outcome, 'reported');
    } else {
      // Without a reported outcome the lead goes back to nurture; the missing report is on record.
      close(state.outcomeReport?.outcome ?? 'nurture', 'feedback_window_elapsed');
    }
  }
}

function who(actor: Actor | undefined): string {
  return (actor ?? OPS_CONSOLE).id;
}

/**
 * A synchronous update validator: the payload must match the action's schema (plus an optional
 * actor), then the state guard decides. Refusals leave nothing in history.
 */
function validate<T>(schema: ZodType<T>, guard: (actor: Actor, input: T) => string | null) {
  return (message: unknown): void => {
    const { actor, ...body } = (message ?? {}) as Record<string, unknown>;
    const parsedActor = actor === undefined ? { success: true as const, data: OPS_CONSOLE } : ActorSchema.safeParse(actor);
    const parsed = schema.safeParse(body);
    if (!parsedActor.success || !parsed.success) {
      const issues = [
        ...(parsedActor.success ? [] : parsedActor.error.issues.map((i) => ({ ...i, path: ['actor', ...i.path] }))),
        ...(parsed.success ? [] : parsed.error.issues),
      ];
      throw ApplicationFailure.create({
        type: INVALID_MESSAGE,
        message: issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
        details: [issues.map((i) => ({ path: i.path.join('.'), message: i.message }))],
        nonRetryable: true,
      });
    }
    const refusal = guard(parsedActor.data, parsed.data);
    if (refusal) throw ApplicationFailure.create({ type: REFUSED_TRANSITION, message: refusal, nonRetryable: true });
  };
}
