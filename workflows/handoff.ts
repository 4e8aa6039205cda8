import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ZodType } from 'zod';
import type { Activities, AssignRequest, Assignment } from '../activities/index.js';
import {
  AcceptSchema,
  ActorSchema,
  BookingAttemptSchema,
  ChecklistPatchSchema,
  ContactedSchema,
  FeedbackSchema,
  INTERVENTION_SCHEMAS,
  INTERVENTIONS,
  isRoutingReason,
  OPS_CONSOLE,
  OutcomeSchema,
  RejectSchema,
  WithdrawSchema,
  type Actor,
  type InterventionInput,
  type InterventionKind,
  type RejectInput,
} from '../src/domain/actions.js';
import { consecutiveBookingDays } from '../src/domain/booking.js';
import { draftView, submittedState } from '../src/domain/assessment.js';
import { formatDuration } from '../src/domain/duration.js';
import { explainExclusions, explainPick } from '../src/domain/routing.js';
import { factsOf } from '../src/domain/ledger.js';
import { mergeLead } from '../src/domain/lead.js';
import type { Policy } from '../src/domain/policy.js';
import { scoreLead } from '../src/domain/scoring.js';
import type { HandoffState, Outcome, Stage } from '../src/domain/state.js';
import { aeCalendar, describeCalendar, teamCalendar, TimeZoneSchema, type WorkCalendar } from '../src/domain/sla-clock.js';
import { contactDeadline, reminderOrder, reminderTimes, tierFor } from '../src/domain/tiers.js';
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
  INTERVENTION_FAILED,
  INTERVENTION_REFUSED,
  interventionSignals,
  rosterChangedSignal,
  INVALID_MESSAGE,
  markContactedUpdate,
  recordBookingAttemptUpdate,
  REFUSED_TRANSITION,
  rejectUpdate,
  reportOutcomeUpdate,
  stateQuery,
  submitFeedbackUpdate,
  updateChecklistUpdate,
  withdrawUpdate,
  type HandoffStart,
} from './messages.js';

// Retried without limit, at most a minute apart: a database outage delays, never fails, a hand-off.
const { loadPolicy, assignAe, releaseAe, notify, recordEvents } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const BATON = 'baton';
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Hand-offs started before the SLA engine (reminders, escalation ladder, booking-attempt rule,
 * interventions) keep the single first-contact timer they began with, so their histories replay.
 */
export const SLA_ENGINE_PATCH = 'sla-engine';

/**
 * Hand-offs ship their timeline to the PostgreSQL ledger. One started before the ledger existed
 * ships its whole timeline at its first change after the upgrade (the patch is checked there, not
 * at start), so the ledger still gets every one of its events.
 */
export const LEDGER_PATCH = 'event-ledger';

/** What the router is asked for: any eligible AE, a senior one (escalation), or a named one. */
interface RouteRequest {
  requireSenior?: boolean;
}

interface PendingIntervention<K extends InterventionKind = InterventionKind> {
  kind: K;
  input: InterventionInput[K];
  actor: Actor;
  ref?: string;
  /** The AE the sender saw holding the lead (`null`: nobody); absent: no check. */
  expectedAe?: string | null;
}

/** What applying an intervention left to do. */
type InterventionResult = 'assigned' | 'route_to_senior' | 'closed' | 'unchanged';

/**
 * One SDR → AE hand-off, as the playbook runs it: wait for the checklist, gate on the ICP, score,
 * tier, route to an AE, run the first-contact clock (remind, escalate, return), then collect the
 * outcome and feedback. Managers and ops can escalate, reassign or return it at any point before
 * first contact.
 */
export async function handoff(start: HandoffStart): Promise<HandoffState> {
  const workflowId = workflowInfo().workflowId;
  const submittedAt = Date.now();
  const slaEngine = patched(SLA_ENGINE_PATCH);
  // Handlers are registered before the policy loads, so the API can query a hand-off at once.
  // eslint-disable-next-line prefer-const -- assigned once the activity returns, read by handlers
  let policy!: Policy;
  const state: HandoffState = submittedState({ ...start, submittedAt });
  /** Bumped whenever the checklist data changes, so clocks re-read their deadlines. */
  let dataVersion = 0;
  let pendingRejection: { input: RejectInput; actor: Actor } | undefined;
  let pendingIntervention: PendingIntervention | undefined;
  let bookingEscalation: { days: string[]; actor: string } | undefined;
  /** The assigned AE's clock and manager, and how many of their reminders have gone out. */
  let current: { calendar: WorkCalendar; managerId: string; remindersSent: number } | undefined;
  let assignments = 0;
  let routingCalls = 0;
  /** The idempotency key of the latest routing call (the timeline's `ref` to its decision in the ledger). */
  let routingKey: string | undefined;
  /** Set by the roster routes' signal: a hand-off waiting for an eligible AE tries again now. */
  let rosterChanged = false;
  /** Timeline entries already in the ledger, and whether the playbook is done (ship the rest, then stop). */
  let shipped = 0;
  let finishing = false;

  const record = (event: string, actor: string, detail?: string, extra: { rule?: string; ref?: string } = {}): void => {
    state.timeline.push({
      at: iso(Date.now()),
      actor,
      event,
      ...(detail ? { detail } : {}),
      ...(extra.rule ? { rule: extra.rule } : {}),
      ...(extra.ref ? { ref: extra.ref } : {}),
    });
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
        `SDR: ${state.sdrId}${state.assignedAe ? ` · AE: ${state.assignedAe}` : ''}${state.previousAes.length ? ` (previously ${state.previousAes.join(', ')})` : ''}${state.escalations ? ` · escalations: ${state.escalations}` : ''}`,
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
  /** While the workflow is re-routing or escalating, the AE's actions wait for the outcome. */
  const busy = (): string | null =>
    pendingRejection
      ? 'the AE has rejected this hand-off; it is being re-routed'
      : pendingIntervention
        ? `a ${pendingIntervention.kind} by ${pendingIntervention.actor.id} is being applied`
        : bookingEscalation
          ? 'the hand-off is being escalated after unanswered booking attempts'
          : null;
  const company = (): string => state.lead.company?.name ?? state.id;
  const tierRules = () => policy.tiers[state.tier!];

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
      validator: validate(AcceptSchema, (actor) => guards.refuseAccept(state, actor) ?? busy()),
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
      validator: validate(RejectSchema, (actor) => guards.refuseReject(state, actor) ?? busy()),
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
        (actor, input) => guards.refuseMarkContacted(state, actor, input.at ? Date.parse(input.at) : Date.now(), Date.now()) ?? busy(),
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

  setHandler(
    recordBookingAttemptUpdate,
    async (message) => {
      const { actor, at, note } = message;
      const attemptedAt = at ? Date.parse(at) : Date.now();
      const ae = state.assignedAe!;
      state.bookingAttempts.push({ by: who(actor), at: iso(attemptedAt), aeId: ae, ...(note ? { note } : {}) });
      record('booking_attempt', who(actor), `tried to book ${ae} at ${iso(attemptedAt)}${note ? `: ${note}` : ''}`);
      // Only attempts on the AE who holds the lead now, and only while that AE has not accepted.
      if (slaEngine && !state.acceptedAt) {
        const attempts = state.bookingAttempts.filter((a) => a.aeId === ae).map((a) => Date.parse(a.at));
        const days = consecutiveBookingDays(attempts, state.sdrTimeZone!, policy.bookingAttempts.consecutiveDays);
        if (days) {
          bookingEscalation = { days, actor: who(actor) };
          // Answer once the escalation has been applied.
          await condition(() => bookingEscalation === undefined);
        }
      }
      return state;
    },
    {
      description:
        "Owning SDR records an attempt to book the assigned AE. Body: {at?, note?}. Attempts on consecutive days (policy bookingAttempts.consecutiveDays, counted in the SDR's time zone) without the AE accepting or making contact escalate at once.",
      validator: validate(
        BookingAttemptSchema,
        (actor, input) => guards.refuseBookingAttempt(state, actor, input.at ? Date.parse(input.at) : Date.now(), Date.now()) ?? busy(),
      ),
    },
  );

  setHandler(
    rosterChangedSignal,
    () => {
      rosterChanged = true;
    },
    { description: 'The AE roster changed: a hand-off waiting for an eligible AE retries routing now instead of at the next hourly try.' },
  );

  for (const kind of INTERVENTIONS) {
    setHandler(interventionSignals[kind], (message: unknown) => receiveIntervention(kind, message), {
      description: {
        escalate:
          'Manager/ops escalates: {"reason": "...", "to"?: "ae-id", "note"?: "..."}. Without `to` the lead goes to a senior AE who has not had it, with a fresh first-contact window.',
        reassign:
          'Manager/ops reassigns to a named AE: {"to": "ae-id", "reason"?: "...", "note"?: "..."}. A fresh first-contact window starts.',
        returnToSdr: 'Manager/ops returns the lead to the SDR: {"reason": "...", "note"?: "..."}. The hand-off closes as returned_to_sdr.',
      }[kind],
    });
  }

  /**
   * Signals cannot answer, so a malformed or refused intervention is recorded in the timeline
   * (never thrown: a throwing signal handler would fail the workflow task).
   */
  function receiveIntervention(kind: InterventionKind, message: unknown): void {
    const {
      actor: rawActor,
      requestId,
      expectedAe,
      ...body
    } = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
    const ref = typeof requestId === 'string' && requestId.length <= 128 ? requestId : undefined;
    const expected = typeof expectedAe === 'string' || expectedAe === null ? { expectedAe } : {};
    const parsed = parseMessage<InterventionInput[typeof kind]>(INTERVENTION_SCHEMAS[kind], rawActor, body);
    if (!parsed.ok || (typeof message !== 'object' && message !== undefined)) {
      const sender = ActorSchema.safeParse(rawActor).data?.id ?? OPS_CONSOLE.id;
      const issues = parsed.ok ? 'not a JSON object' : describeIssues(parsed.issues);
      record(INTERVENTION_REFUSED, sender, `${kind}: malformed payload: ${issues}`, { ref });
      return;
    }
    const { actor, input } = parsed;
    const refusal = slaEngine
      ? (guards.refuseIntervention(state, actor, kind, input) ?? movedSince(expected.expectedAe) ?? busy())
      : 'this hand-off started before interventions existed; use the API or the Temporal UI to terminate and resubmit it';
    if (refusal) {
      record(INTERVENTION_REFUSED, actor.id, `${kind}: ${refusal}`, { ref });
      return;
    }
    pendingIntervention = { kind, input, actor, ...(ref ? { ref } : {}), ...expected };
  }

  /** Refuses an intervention decided on a state the workflow has since left (optimistic concurrency). */
  function movedSince(expectedAe: string | null | undefined): string | null {
    if (expectedAe === undefined || expectedAe === (state.assignedAe ?? null)) return null;
    return `the hand-off has moved since this was sent (held by ${state.assignedAe ?? 'nobody'}, not ${expectedAe ?? 'nobody'}); look again and resend`;
  }

  // ---- the playbook ---------------------------------------------------------------------------
  const ledgerShipped = shipLedger();
  policy = await loadPolicy();
  evaluateDraft();
  const team = teamCalendar(policy);
  state.clocks = { handoff: describeCalendar(team) };
  state.sdrTimeZone = TimeZoneSchema.safeParse(start.sdrTimeZone).data ?? team.timeZone;
  record('submitted', start.sdrId, state.checklist.complete ? 'complete' : `draft; missing: ${state.checklist.missing.join(', ')}`);
  publish(state.checklist.complete ? 'gating, scoring and routing' : `the checklist: ${state.checklist.missing.length} item(s) missing`);
  void watchHandoffWindow();

  await waitForChecklist();
  if (!isClosed()) qualify();
  let request: RouteRequest | undefined = {};
  while (request && !isClosed() && !state.contact) {
    await route(request);
    request = isClosed() ? undefined : await runContactClock();
  }
  if (!isClosed()) await collectFeedback();
  // A closed hand-off no longer counts against its AE's capacity (idempotent).
  if (state.assignedAe) await releaseAe({ handoffId: state.id, aeId: state.assignedAe, reason: `closed: ${state.outcome}` });
  await condition(allHandlersFinished);
  finishing = true;
  await ledgerShipped;
  return state;

  /**
   * Ships every timeline entry to the ledger, in order, in the background: a database outage
   * delays the ledger (the activity retries) but never the hand-off.
   */
  async function shipLedger(): Promise<void> {
    let seen = 0;
    for (;;) {
      await condition(() => state.timeline.length > seen || finishing);
      seen = state.timeline.length;
      if (seen > shipped && patched(LEDGER_PATCH)) {
        await recordEvents({
          workflowId,
          handoffId: state.id,
          from: shipped,
          entries: state.timeline.slice(shipped, seen),
          facts: factsOf(state),
        });
        shipped = seen;
      }
      if (finishing && seen === state.timeline.length) return;
    }
  }

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
        `not assigned within the ${state.provisionalTier} hand-off window (${formatDuration(policy.tiers[state.provisionalTier].handoffWindow)} of ${state.clocks?.handoff ?? 'calendar time'})`,
        { rule: `tiers.${state.provisionalTier}.handoffWindow` },
      );
      publish(state.stage === 'awaiting_checklist' ? `the checklist (hand-off window missed)` : 'an eligible AE (hand-off window missed)');
      await notify({
        key: `${workflowId}:handoff-window-missed`,
        handoffId: state.id,
        to: [state.sdrId, `manager-of:${state.sdrId}`],
        kind: 'handoff_window_missed',
        message: `${company()} was not assigned within its ${state.provisionalTier} hand-off window`,
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
        record('draft_expired', BATON, `missing: ${state.checklist.missing.join(', ')}`, { rule: 'draftExpiryFactor' });
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
      record('icp_failed', BATON, state.icp.failed.map((f) => f.detail).join('; '), { rule: 'icp' });
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
    record('tiered', BATON, tier, { rule: `tiers.${tier}.minScore` });
    publish('an AE');
  }

  /**
   * Routes to an eligible AE (a senior one on escalation), never one who already had this hand-off;
   * while nobody is eligible it waits, retrying hourly, open to a manager's intervention.
   */
  async function route(wanted: RouteRequest): Promise<void> {
    for (let attempt = 0; !isClosed(); attempt++) {
      const holder = state.assignedAe;
      const decision = await askRouter({
        exclude: holder ? [...state.previousAes, holder] : state.previousAes,
        ...(wanted.requireSenior ? { requireSenior: true } : {}),
      });
      if (isClosed()) {
        // Withdrawn while the router was choosing: give the capacity back.
        if (decision.aeId) await releaseAe({ handoffId: state.id, aeId: decision.aeId, reason: `closed: ${state.outcome}` });
        return;
      }
      if (decision.aeId) {
        adopt(decision, `${wanted.requireSenior ? 'senior AE; ' : ''}${explainPick(decision)}`);
        return;
      }
      if (attempt === 0) {
        // Escalation found no senior AE: the AE who missed the window gives the lead up.
        if (holder) await unassign(holder, 'escalated: no senior AE eligible');
        record(
          'no_eligible_ae',
          BATON,
          `${wanted.requireSenior ? 'no senior AE: ' : ''}${decision.excluded.length > 0 ? explainExclusions(decision) : 'the roster is empty'}`,
          { rule: 'routing.retryEvery', ref: routingKey },
        );
        setStage('awaiting_assignment', `an eligible AE (routing retried every ${formatDuration(policy.routing.retryEvery)})`);
        settleWaiters();
        await notify({
          key: `${workflowId}:no-eligible-ae:${slaEngine ? routingCalls : state.previousAes.length}`,
          handoffId: state.id,
          to: ['sales-manager'],
          kind: 'no_eligible_ae',
          message: `No eligible ${wanted.requireSenior ? 'senior ' : ''}AE for ${company()} (${state.tier})`,
        });
      }
      // Retried hourly (policy), and at once when the roster changes (the roster routes signal it).
      await condition(() => isClosed() || pendingIntervention !== undefined || rosterChanged, policy.routing.retryEvery, {
        summary: 'retry routing (or a roster change)',
      });
      if (pendingIntervention) {
        const result = await applyIntervention();
        if (result === 'assigned' || result === 'closed') return;
        if (result === 'route_to_senior') {
          wanted = { requireSenior: true };
          attempt = -1;
        }
      }
    }
  }

  /** One routing decision (idempotent per call: its key counts this hand-off's routing calls), kept in the state. */
  async function askRouter(constraints: Pick<AssignRequest, 'exclude' | 'requireSenior' | 'target'>): Promise<Assignment> {
    routingKey = `${workflowId}:route:${routingCalls++}`;
    rosterChanged = false;
    const decision = await assignAe({
      handoffId: state.id,
      key: routingKey,
      lead: state.lead,
      ownerWindow: policy.routing.ownerWindow,
      ...constraints,
    });
    state.routing = decision;
    return decision;
  }

  /** The router picked an AE: a fresh first-contact window on that AE's clock, with its reminders. */
  function adopt(decision: Assignment, why: string): void {
    const now = Date.now();
    const ae = decision.aeId!;
    if (state.assignedAe && state.assignedAe !== ae) state.previousAes.push(state.assignedAe);
    let calendar = decision.ae ? aeCalendar(policy, decision.ae) : teamCalendar(policy);
    let contactBy: number;
    try {
      contactBy = contactDeadline(now, state.tier!, policy, calendar);
    } catch (err) {
      // A roster override the team clock cannot honour (say, working hours on an empty week) must
      // not stall the hand-off: count calendar time and say so.
      record('clock_fallback', BATON, `${ae}'s clock cannot place the window (${(err as Error).message}); counting calendar time`);
      calendar = { ...calendar, mode: 'calendar' };
      contactBy = contactDeadline(now, state.tier!, policy, calendar);
    }
    assignments++;
    current = { calendar, managerId: decision.ae?.managerId ?? `manager-of:${ae}`, remindersSent: 0 };
    state.assignedAe = ae;
    state.assignedAt = iso(now);
    state.acceptedAt = undefined;
    state.deadlines.contactBy = iso(contactBy);
    state.deadlines.reminders = slaEngine ? reminderTimes(now, state.tier!, policy, calendar).map(iso) : undefined;
    state.clocks = { handoff: state.clocks!.handoff, contact: describeCalendar(calendar) };
    record(
      'assigned',
      BATON,
      `${ae} (${why}; excluded: ${explainExclusions(decision)}); first contact by ${state.deadlines.contactBy} (${state.clocks.contact})`,
      { rule: decision.basis === 'account_owner' ? 'routing.ownerWindow' : 'routing', ref: routingKey },
    );
    setStage('assigned', `${ae} to accept and make first contact by ${state.deadlines.contactBy}`);
    settleWaiters();
  }

  /** The AE gives the lead up (capacity freed) and is never routed this hand-off again. */
  async function unassign(ae: string, reason: string): Promise<void> {
    await releaseAe({ handoffId: state.id, aeId: ae, reason });
    state.previousAes.push(ae);
    state.assignedAe = undefined;
    state.deadlines.contactBy = undefined;
    state.deadlines.reminders = undefined;
    current = undefined;
  }

  /** Actions that wait for the workflow to re-route (a rejection, a booking escalation) answer now. */
  function settleWaiters(): void {
    pendingRejection = undefined;
    bookingEscalation = undefined;
  }

  /**
   * Assigned → contacted within the tier's window on the AE's clock: reminders at the policy's
   * fractions, then the escalation ladder. Returns what to route next, or nothing when the lead was
   * contacted or closed.
   */
  async function runContactClock(): Promise<RouteRequest | undefined> {
    for (;;) {
      const contactBy = Date.parse(state.deadlines.contactBy!);
      const reminders = (state.deadlines.reminders ?? []).map(Date.parse);
      const nextReminder = current && current.remindersSent < reminders.length ? reminders[current.remindersSent]! : undefined;
      const wakeAt = nextReminder !== undefined && nextReminder < contactBy ? nextReminder : contactBy;
      await condition(
        () =>
          state.contact !== undefined ||
          pendingRejection !== undefined ||
          pendingIntervention !== undefined ||
          bookingEscalation !== undefined ||
          isClosed(),
        Math.max(1, wakeAt - Date.now()),
        {
          summary:
            wakeAt === contactBy
              ? `first contact by ${state.deadlines.contactBy}`
              : `reminder ${current!.remindersSent + 1} to ${state.assignedAe} at ${iso(wakeAt)}`,
        },
      );
      if (state.contact || isClosed()) return undefined;
      // Whatever arrived together with a timer wins over it: the AE or manager acted in time.
      if (pendingRejection) return handleRejection();
      if (pendingIntervention) {
        const result = await applyIntervention();
        if (result === 'closed') return undefined;
        if (result === 'route_to_senior') return { requireSenior: true };
        continue; // reassigned (a fresh clock) or unchanged
      }
      if (bookingEscalation) {
        const { days, actor } = bookingEscalation;
        await alertAeManager('booking_attempts', `${actor} could not book ${state.assignedAe} on ${days.join(', ')}`);
        return escalateOrExhaust(
          `${actor} tried to book ${state.assignedAe} on ${days.length} consecutive days (${days.join(', ')}, ${state.sdrTimeZone}) without an accept or contact`,
          'bookingAttempts.consecutiveDays',
          'booking_attempts_unanswered',
        );
      }
      if (Date.now() >= contactBy) return missedContactWindow();
      if (nextReminder !== undefined && Date.now() >= nextReminder) await remind();
    }
  }

  async function remind(): Promise<void> {
    const sent = current!.remindersSent++;
    const { fraction, index } = reminderOrder(state.tier!, policy)[sent]!;
    const { contactWindow } = tierRules();
    const ae = state.assignedAe!;
    record(
      'reminder',
      BATON,
      `${ae}: ${Math.round(fraction * 100)} % of the ${state.tier} first-contact window (${formatDuration(contactWindow)}, ${state.clocks?.contact}) has passed; contact due by ${state.deadlines.contactBy}`,
      { rule: `tiers.${state.tier}.reminders[${index}]` },
    );
    await notify({
      key: `${workflowId}:reminder:${assignments}:${sent}`,
      handoffId: state.id,
      to: [ae],
      kind: 'contact_reminder',
      message: `Reminder: make first contact with ${company()} (${state.tier}) by ${state.deadlines.contactBy}`,
    });
  }

  async function handleRejection(): Promise<RouteRequest | undefined> {
    const { input, actor } = pendingRejection!;
    const ae = state.assignedAe!;
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
      // Routing again excludes every AE who had it; the reject update answers then.
      await unassign(ae, `rejected: ${input.reason}`);
      setStage('awaiting_assignment', 're-routing to another AE');
      return {};
    }
    close('returned_to_sdr', input.reason, who(actor));
    pendingRejection = undefined;
    await notifySdrOfReturn(input.reason);
    return undefined;
  }

  async function missedContactWindow(): Promise<RouteRequest | undefined> {
    const ae = state.assignedAe!;
    record(
      'contact_window_missed',
      BATON,
      `${ae} made no contact within the ${state.tier} window (${formatDuration(tierRules().contactWindow)}${state.clocks?.contact ? ` of ${state.clocks.contact}` : ''})`,
      { rule: `tiers.${state.tier}.contactWindow` },
    );
    if (!slaEngine) {
      close('returned_to_sdr', 'sla_missed');
      await notifySdrOfReturn('sla_missed');
      return undefined;
    }
    await alertAeManager('contact_window_missed', `${ae} missed the ${state.tier} first-contact window for ${company()}`);
    return escalateOrExhaust(`${ae} missed the ${state.tier} first-contact window`, `tiers.${state.tier}.contactWindow`, 'sla_missed');
  }

  /** The ladder: a senior AE while the tier's escalations last, then back to the SDR (or nurture). */
  async function escalateOrExhaust(why: string, trigger: string, closeReason: string): Promise<RouteRequest | undefined> {
    const { escalations: allowed, onExhausted } = tierRules();
    if (state.escalations < allowed) {
      state.escalations++;
      record(
        'escalated',
        BATON,
        `${why}: to a senior AE with a fresh window (escalation ${state.escalations} of ${allowed}; trigger ${trigger})`,
        {
          rule: `tiers.${state.tier}.escalations`,
        },
      );
      return { requireSenior: true };
    }
    const why2 = allowed === 0 ? `the ${state.tier} tier does not escalate` : `its ${allowed} escalation(s) are used up`;
    if (onExhausted === 'nurture') {
      record('sent_to_nurture', BATON, `${why}; ${why2} (trigger ${trigger})`, { rule: `tiers.${state.tier}.onExhausted` });
      close('nurture', closeReason);
    } else {
      record('returned_to_sdr', BATON, `${why}; ${why2} (trigger ${trigger})`, { rule: `tiers.${state.tier}.onExhausted` });
      close('returned_to_sdr', closeReason);
    }
    settleWaiters();
    await notifySdrOfReturn(closeReason);
    return undefined;
  }

  /** A manager or ops intervention accepted by its signal handler, applied at a safe point of the playbook. */
  async function applyIntervention(): Promise<InterventionResult> {
    const { kind, input, actor, ref, expectedAe } = pendingIntervention!;
    pendingIntervention = undefined;
    const by = actor.id;
    // The hand-off may have moved on since the signal was accepted (contact or a deadline in the same task).
    const refusal = guards.refuseIntervention(state, actor, kind, input) ?? movedSince(expectedAe);
    if (refusal) {
      record(INTERVENTION_REFUSED, by, `${kind}: ${refusal}`, { ref });
      return 'unchanged';
    }
    const rule = `intervention.${kind}`;
    if (kind === 'returnToSdr') {
      const { reason } = input as InterventionInput['returnToSdr'];
      record('returned_to_sdr', by, reason, { rule, ref });
      close('returned_to_sdr', reason, by);
      await notifySdrOfReturn(reason);
      return 'closed';
    }
    const { to, reason } = input as InterventionInput['escalate'] | InterventionInput['reassign'];
    const from = state.assignedAe;
    if (kind === 'escalate') {
      if (from) await alertAeManager(`escalated-by-${by}`, `${by} escalated ${company()} from ${from}: ${reason}`);
      if (!to) {
        state.escalations++;
        record('escalated', by, `${reason}: to a senior AE who has not had it${from ? ` (from ${from})` : ''}`, { rule, ref });
        return 'route_to_senior';
      }
    }
    const decision = await askRouter({ exclude: from ? [from] : [], target: to! });
    if (!decision.aeId) {
      const excluded = decision.excluded.find((e) => e.aeId === to);
      record(
        INTERVENTION_FAILED,
        by,
        `${kind} to ${to}: ${excluded ? `${to} is ${excluded.reason.replaceAll('_', ' ')}` : `${to} is not in the roster`}`,
        {
          ref,
        },
      );
      return 'unchanged';
    }
    if (kind === 'escalate') state.escalations++;
    record(kind === 'escalate' ? 'escalated' : 'reassigned', by, `${from ? `from ${from} ` : ''}to ${to}${reason ? `: ${reason}` : ''}`, {
      rule,
      ref,
    });
    adopt(decision, `named by ${by}; ${explainPick(decision)}`);
    return 'assigned';
  }

  async function alertAeManager(step: string, message: string): Promise<void> {
    await notify({
      key: `${workflowId}:${step}:${assignments}`,
      handoffId: state.id,
      to: [current?.managerId ?? `manager-of:${state.assignedAe}`],
      kind: 'escalation',
      message,
    });
  }

  async function notifySdrOfReturn(reason: string): Promise<void> {
    await notify({
      key: `${workflowId}:returned`,
      handoffId: state.id,
      to: [state.sdrId],
      kind: 'returned_to_sdr',
      message: `${company()} was returned to you (${reason})`,
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
        { rule: 'feedback.reminder' },
      );
      await notify({
        key: `${workflowId}:feedback-reminder`,
        handoffId: state.id,
        to: [state.assignedAe!],
        kind: 'feedback_reminder',
        message: `Report the outcome and rate ${company()} by ${state.deadlines.feedbackBy}`,
      });
    }
    const complete = await condition(both, Math.max(1, feedbackBy - Date.now()), {
      summary: `outcome and feedback by ${state.deadlines.feedbackBy}`,
    });
    if (complete) {
      close(state.outcomeReport!.outcome, 'reported');
    } else {
      // Without a reported outcome the lead goes back to nurture; the missing report is on record.
      close(state.outcomeReport?.outcome ?? 'nurture', 'feedback_window_elapsed', BATON);
    }
  }
}

function who(actor: Actor | undefined): string {
  return (actor ?? OPS_CONSOLE).id;
}

type ParsedMessage<T> = { ok: true; actor: Actor; input: T } | { ok: false; issues: { path: string; message: string }[] };

/** A message's body against its schema, and its optional actor (absent: the Temporal console, as ops). */
function parseMessage<T>(schema: ZodType<T>, actor: unknown, body: Record<string, unknown>): ParsedMessage<T> {
  const parsedActor = actor === undefined ? { success: true as const, data: OPS_CONSOLE } : ActorSchema.safeParse(actor);
  const parsed = schema.safeParse(body);
  if (parsedActor.success && parsed.success) return { ok: true, actor: parsedActor.data, input: parsed.data };
  const issues = [
    ...(parsedActor.success ? [] : parsedActor.error.issues.map((i) => ({ ...i, path: ['actor', ...i.path] }))),
    ...(parsed.success ? [] : parsed.error.issues),
  ];
  return { ok: false, issues: issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
}

const describeIssues = (issues: { path: string; message: string }[]): string =>
  issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; ');

/**
 * A synchronous update validator: the payload must match the action's schema (plus an optional
 * actor), then the state guard decides. Refusals leave nothing in history.
 */
function validate<T>(schema: ZodType<T>, guard: (actor: Actor, input: T) => string | null) {
  return (message: unknown): void => {
    const { actor, ...body } = (message ?? {}) as Record<string, unknown>;
    const parsed = parseMessage(schema, actor, body);
    if (!parsed.ok) {
      throw ApplicationFailure.create({
        type: INVALID_MESSAGE,
        message: describeIssues(parsed.issues),
        details: [parsed.issues],
        nonRetryable: true,
      });
    }
    const refusal = guard(parsed.actor, parsed.input);
    if (refusal) throw ApplicationFailure.create({ type: REFUSED_TRANSITION, message: refusal, nonRetryable: true });
  };
}
