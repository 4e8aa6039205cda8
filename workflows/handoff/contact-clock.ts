import { condition } from '@temporalio/workflow';
import { isRoutingReason, type Actor, type RejectInput } from '../../src/domain/actions.js';
import { formatDuration } from '../../src/domain/duration.js';
import { afterMiss } from '../../src/domain/ladder.js';
import { BATON } from '../../src/domain/timeline.js';
import { nextContactWake, reminderOrder } from '../../src/domain/tiers.js';
import type { Handoff } from './handoff.js';
import { applyIntervention } from './interventions.js';
import type { RouteRequest } from './routing.js';
import { unassign } from './routing.js';
import { who } from './validate.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Assigned → contacted within the tier's window on the AE's clock: reminders at the policy's
 * fractions, then the escalation ladder. Returns what to route next, or nothing when the lead was
 * contacted or closed.
 */
export async function runContactClock(h: Handoff): Promise<RouteRequest | undefined> {
  const { state } = h;
  for (;;) {
    const contactBy = Date.parse(state.deadlines.contactBy!);
    const sent = h.current?.remindersSent ?? 0;
    const wake = nextContactWake(contactBy, h.current ? (state.deadlines.reminders ?? []).map(Date.parse) : [], sent);
    await condition(() => state.contact !== undefined || h.inbox.hasPending || h.closed, Math.max(1, wake.at - Date.now()), {
      summary: wake.reminder
        ? `reminder ${sent + 1} to ${state.assignedAe} at ${iso(wake.at)}`
        : `first contact by ${state.deadlines.contactBy}`,
    });
    if (state.contact || h.closed) return undefined;
    // Whatever arrived together with a timer wins over it: the AE or manager acted in time.
    const request = h.inbox.take();
    if (request?.type === 'rejection') return handleRejection(h, request);
    if (request?.type === 'intervention') {
      const result = await applyIntervention(h, request);
      if (result === 'closed') return undefined;
      if (result === 'route_to_senior') return { requireSenior: true };
      continue; // reassigned (a fresh clock) or unchanged
    }
    if (request?.type === 'booking_escalation') {
      const { days, actor } = request;
      await alertAeManager(h, 'booking_attempts', `${actor} could not book ${state.assignedAe} on ${days.join(', ')}`);
      return escalateOrExhaust(
        h,
        `${actor} tried to book ${state.assignedAe} on ${days.length} consecutive days (${days.join(', ')}, ${state.sdrTimeZone}) without an accept or contact`,
        'bookingAttempts.consecutiveDays',
        'booking_attempts_unanswered',
      );
    }
    if (Date.now() >= contactBy) return missedContactWindow(h);
    if (wake.reminder && Date.now() >= wake.at) await remind(h);
  }
}

async function remind(h: Handoff): Promise<void> {
  const { state } = h;
  const sent = h.current!.remindersSent++;
  const { fraction, index } = reminderOrder(state.tier!, h.policy)[sent]!;
  const ae = state.assignedAe!;
  h.record(
    'reminder',
    BATON,
    `${ae}: ${Math.round(fraction * 100)} % of the ${state.tier} first-contact window (${formatDuration(h.tierRules.contactWindow)}, ${state.clocks?.contact}) has passed; contact due by ${state.deadlines.contactBy}`,
    { rule: `tiers.${state.tier}.reminders[${index}]` },
  );
  await h.tell(
    'contact_reminder',
    `reminder:${h.assignments}:${sent}`,
    `Reminder: make first contact with ${h.company} (${state.tier}) by ${state.deadlines.contactBy}`,
  );
}

async function handleRejection(h: Handoff, request: { input: RejectInput; actor: Actor }): Promise<RouteRequest | undefined> {
  const { state } = h;
  const { input, actor } = request;
  const ae = state.assignedAe!;
  const rerouted = isRoutingReason(input.reason);
  state.rejection = {
    reason: input.reason,
    ...(input.note ? { note: input.note } : {}),
    by: who(actor),
    at: iso(Date.now()),
    rerouted,
  };
  h.record('rejected', who(actor), `${input.reason}${input.note ? `: ${input.note}` : ''}`);
  if (rerouted) {
    // Routing again excludes every AE who had it; the reject update answers then.
    await unassign(h, ae, `rejected: ${input.reason}`);
    h.setStage('awaiting_assignment', 're-routing to another AE');
    return {};
  }
  h.close('returned_to_sdr', input.reason, who(actor));
  h.inbox.settle();
  await notifySdrOfReturn(h, input.reason);
  return undefined;
}

async function missedContactWindow(h: Handoff): Promise<RouteRequest | undefined> {
  const { state } = h;
  const ae = state.assignedAe!;
  h.record(
    'contact_window_missed',
    BATON,
    `${ae} made no contact within the ${state.tier} window (${formatDuration(h.tierRules.contactWindow)}${state.clocks?.contact ? ` of ${state.clocks.contact}` : ''})`,
    { rule: `tiers.${state.tier}.contactWindow` },
  );
  if (!h.slaEngine) {
    h.close('returned_to_sdr', 'sla_missed');
    await notifySdrOfReturn(h, 'sla_missed');
    return undefined;
  }
  await alertAeManager(h, 'contact_window_missed', `${ae} missed the ${state.tier} first-contact window for ${h.company}`);
  return escalateOrExhaust(h, `${ae} missed the ${state.tier} first-contact window`, `tiers.${state.tier}.contactWindow`, 'sla_missed');
}

/** The ladder (DESIGN §2.5): a senior AE while the tier's escalations last, then back to the SDR (or nurture). */
async function escalateOrExhaust(h: Handoff, why: string, trigger: string, closeReason: string): Promise<RouteRequest | undefined> {
  const { state } = h;
  const next = afterMiss(state.tier!, state.escalations, h.policy);
  if (next.step === 'escalate') {
    state.escalations = next.escalation;
    h.record(
      'escalated',
      BATON,
      `${why}: to a senior AE with a fresh window (escalation ${next.escalation} of ${next.allowed}; trigger ${trigger})`,
      { rule: next.rule },
    );
    return { requireSenior: true };
  }
  h.record(next.outcome === 'nurture' ? 'sent_to_nurture' : 'returned_to_sdr', BATON, `${why}; ${next.why} (trigger ${trigger})`, {
    rule: next.rule,
  });
  h.close(next.outcome, closeReason);
  h.inbox.settle();
  await notifySdrOfReturn(h, closeReason);
  return undefined;
}

export async function alertAeManager(h: Handoff, step: string, message: string): Promise<void> {
  await h.tell('escalation', `${step}:${h.assignments}`, message);
}

export async function notifySdrOfReturn(h: Handoff, reason: string): Promise<void> {
  await h.tell('returned_to_sdr', 'returned', `${h.company} was returned to you (${reason})`);
}
