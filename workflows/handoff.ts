import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import type { ZodType } from 'zod';
import {
  AcceptSchema,
  BookingAttemptSchema,
  ChecklistPatchSchema,
  ContactedSchema,
  FeedbackSchema,
  INTERVENTION_SCHEMAS,
  INTERVENTIONS,
  OutcomeSchema,
  RejectSchema,
  SubmitSchema,
  WithdrawSchema,
  type InterventionInput,
  type InterventionKind,
  type Message,
} from '../src/domain/actions.js';
import type { HandoffState } from '../src/domain/state.js';
import { describeCalendar, teamCalendar, TimeZoneSchema } from '../src/domain/sla-clock.js';
import * as guards from '../src/domain/transitions.js';
import * as act from './handoff/actions.js';
import { loadPolicy, releaseAe } from './handoff/activities.js';
import { runContactClock } from './handoff/contact-clock.js';
import { collectFeedback } from './handoff/feedback.js';
import { Handoff } from './handoff/handoff.js';
import { qualify, waitForChecklist, watchHandoffWindow } from './handoff/intake.js';
import { interveneBySignal, interveneByUpdate, refuseToIntervene } from './handoff/interventions.js';
import { LedgerShipper } from './handoff/ledger.js';
import { route, type RouteRequest } from './handoff/routing.js';
import { validate } from './handoff/validate.js';
import * as m from './messages.js';

export { DELIVERIES_PATCH, SLA_ENGINE_PATCH } from './handoff/handoff.js';
export { WARM_INTRO_PATCH } from './handoff/intro.js';
export { LEDGER_LOCAL_PATCH, LEDGER_PATCH } from './handoff/ledger.js';

/**
 * One SDR → AE hand-off, as the playbook runs it: wait for the checklist, gate on the ICP, score,
 * tier, route to an AE, run the first-contact clock (remind, escalate, return), then collect the
 * outcome and feedback. Managers and ops can escalate, reassign or return it at any point before
 * first contact.
 */
export async function handoff(start: m.HandoffStart): Promise<HandoffState> {
  const h = new Handoff(start);
  // Handlers are registered before the policy loads, so the API can query a hand-off at once.
  registerHandlers(h);
  const ledger = new LedgerShipper(h);

  h.policy = await loadPolicy();
  h.evaluateDraft();
  const team = teamCalendar(h.policy);
  h.state.clocks = { handoff: describeCalendar(team) };
  h.state.sdrTimeZone = TimeZoneSchema.safeParse(start.sdrTimeZone).data ?? team.timeZone;
  const { checklist } = h.state;
  h.record('submitted', start.sdrId, checklist.complete ? 'complete' : `draft; missing: ${checklist.missing.join(', ')}`);
  h.publish(h.checklistWaitingFor());
  void watchHandoffWindow(h);

  await waitForChecklist(h);
  if (!h.closed) qualify(h);
  let next: RouteRequest | undefined = {};
  while (next && !h.closed && !h.state.contact) {
    await route(h, next);
    next = h.closed ? undefined : await runContactClock(h);
  }
  if (!h.closed) await collectFeedback(h);

  // A closed hand-off no longer counts against its AE's capacity (idempotent).
  const { assignedAe, outcome } = h.state;
  if (assignedAe) await releaseAe({ handoffId: h.state.id, aeId: assignedAe, reason: `closed: ${outcome}` });
  h.inbox.refuseAll(guards.refusal('closed', `the hand-off is closed (${outcome})`));
  await condition(allHandlersFinished);
  await h.delivered();
  await ledger.finish();
  return h.state;
}

/** Every message the hand-off answers: the SDR's and AE's updates, the managers' interventions, the state query. */
function registerHandlers(h: Handoff): void {
  const { state } = h;
  const d = m.DESCRIPTIONS;
  setHandler(m.stateQuery, () => state, { description: d.state });
  setHandler(m.submitUpdate, () => act.submit(h), {
    description: d.submit,
    validator: validate(SubmitSchema, (actor, input) => act.refuseSubmit(h, actor, input)),
  });
  setHandler(m.updateChecklistUpdate, (msg) => act.updateChecklist(h, msg), {
    description: d.updateChecklist,
    validator: validate(ChecklistPatchSchema, (actor) => guards.refuseChecklistUpdate(state, actor)),
  });
  setHandler(m.withdrawUpdate, (msg) => act.withdraw(h, msg), {
    description: d.withdraw,
    validator: validate(WithdrawSchema, (actor) => guards.refuseWithdraw(state, actor)),
  });
  setHandler(m.acceptUpdate, (msg) => act.accept(h, msg), {
    description: d.accept,
    validator: validate(AcceptSchema, (actor) => guards.refuseAccept(state, actor) ?? h.busy()),
  });
  setHandler(m.rejectUpdate, (msg) => act.reject(h, msg), {
    description: d.reject,
    validator: validate(RejectSchema, (actor) => guards.refuseReject(state, actor) ?? h.busy()),
  });
  const at = (input: { at?: string }): number => (input.at ? Date.parse(input.at) : Date.now());
  setHandler(m.markContactedUpdate, (msg) => act.markContacted(h, msg), {
    description: d.markContacted,
    validator: validate(ContactedSchema, (actor, input) => guards.refuseMarkContacted(state, actor, at(input), Date.now()) ?? h.busy()),
  });
  setHandler(m.reportOutcomeUpdate, (msg) => act.reportOutcome(h, msg), {
    description: d.reportOutcome,
    validator: validate(OutcomeSchema, (actor) => guards.refuseReportOutcome(state, actor)),
  });
  setHandler(m.submitFeedbackUpdate, (msg) => act.submitFeedback(h, msg), {
    description: d.submitFeedback,
    validator: validate(FeedbackSchema, (actor) => guards.refuseSubmitFeedback(state, actor)),
  });
  setHandler(m.recordBookingAttemptUpdate, (msg) => act.recordBookingAttempt(h, msg), {
    description: d.recordBookingAttempt,
    validator: validate(
      BookingAttemptSchema,
      (actor, input) => guards.refuseBookingAttempt(state, actor, at(input), Date.now()) ?? h.busy(),
    ),
  });
  setHandler(
    m.rosterChangedSignal,
    () => {
      h.rosterChanged = true;
    },
    { description: d.rosterChanged },
  );
  for (const kind of INTERVENTIONS) registerIntervention(h, kind);
}

/** An intervention as an update (the API) and as a signal of the same name (the Temporal UI/CLI), one handler behind both. */
function registerIntervention<K extends InterventionKind>(h: Handoff, kind: K): void {
  const description = m.DESCRIPTIONS[kind];
  const schema = INTERVENTION_SCHEMAS[kind] as unknown as ZodType<InterventionInput[K]>;
  const update = m.interventionUpdates[kind] as UpdateDefinition<HandoffState, [Message<InterventionInput[K]>]>;
  const signal = m.interventionSignals[kind] as SignalDefinition<[unknown]>;
  setHandler(signal, (msg) => interveneBySignal(h, kind, msg), { description });
  setHandler(update, (msg) => interveneByUpdate(h, kind, msg), {
    description,
    validator: validate(schema, (actor, input) => refuseToIntervene(h, actor, kind, input)),
  });
}
