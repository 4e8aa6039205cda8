import { condition, patched } from '@temporalio/workflow';
import type { AssignRequest, Assignment } from '../../src/domain/routing.js';
import { explainExclusions, explainPick } from '../../src/domain/routing.js';
import { formatDuration } from '../../src/domain/duration.js';
import { aeCalendar, describeCalendar, teamCalendar } from '../../src/domain/sla-clock.js';
import { BATON } from '../../src/domain/timeline.js';
import { contactDeadline, reminderTimes } from '../../src/domain/tiers.js';
import { assignAe, releaseAe } from './activities.js';
import { DELIVERIES_PATCH, type Handoff } from './handoff.js';
import { withdrawIntroduction } from './intro.js';
import { applyIntervention } from './interventions.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** What the router is asked for: any eligible AE, or a senior one (escalation). */
export interface RouteRequest {
  requireSenior?: boolean;
}

/**
 * Routes to an eligible AE (a senior one on escalation), never one who already had this hand-off;
 * while nobody is eligible it waits, retrying hourly, open to a manager's intervention.
 */
export async function route(h: Handoff, wanted: RouteRequest): Promise<void> {
  const { state } = h;
  for (let attempt = 0; !h.closed; attempt++) {
    const holder = state.assignedAe;
    const decision = await askRouter(h, {
      exclude: holder ? [...state.previousAes, holder] : state.previousAes,
      ...(wanted.requireSenior ? { requireSenior: true } : {}),
    });
    if (h.closed) {
      // Withdrawn while the router was choosing: give the capacity back.
      if (decision.aeId) await releaseAe({ handoffId: state.id, aeId: decision.aeId, reason: `closed: ${state.outcome}` });
      return;
    }
    if (decision.aeId) {
      adopt(h, decision, `${wanted.requireSenior ? 'senior AE; ' : ''}${explainPick(decision)}`);
      return;
    }
    if (attempt === 0) {
      // Escalation found no senior AE: the AE who missed the window gives the lead up.
      if (holder) await unassign(h, holder, 'escalated: no senior AE eligible');
      h.record(
        'no_eligible_ae',
        BATON,
        `${wanted.requireSenior ? 'no senior AE: ' : ''}${decision.excluded.length > 0 ? explainExclusions(decision) : 'the roster is empty'}`,
        { rule: 'routing.retryEvery', ref: h.routingKey },
      );
      h.setStage('awaiting_assignment', `an eligible AE (routing retried every ${formatDuration(h.policy.routing.retryEvery)})`);
      h.inbox.settle();
      await h.tell(
        'no_eligible_ae',
        `no-eligible-ae:${h.slaEngine ? h.routingCalls : state.previousAes.length}`,
        `No eligible ${wanted.requireSenior ? 'senior ' : ''}AE for ${h.company} (${state.tier})`,
      );
    }
    // Retried hourly (policy), and at once when the roster changes (the roster routes signal it).
    await condition(() => h.closed || h.inbox.hasPending || h.rosterChanged, h.policy.routing.retryEvery, {
      summary: 'retry routing (or a roster change)',
    });
    const request = h.inbox.take();
    if (request?.type === 'intervention') {
      const result = await applyIntervention(h, request);
      if (result === 'assigned' || result === 'closed') return;
      if (result === 'route_to_senior') {
        wanted = { requireSenior: true };
        attempt = -1;
      }
    }
  }
}

/** One routing decision (idempotent per call: its key counts this hand-off's routing calls), kept in the state. */
export async function askRouter(h: Handoff, constraints: Pick<AssignRequest, 'exclude' | 'requireSenior' | 'target'>): Promise<Assignment> {
  const { state } = h;
  h.routingKey = `${h.workflowId}:route:${h.routingCalls++}`;
  h.rosterChanged = false;
  const decision = await assignAe({
    handoffId: state.id,
    key: h.routingKey,
    lead: state.lead,
    ownerWindow: h.policy.routing.ownerWindow,
    ...constraints,
  });
  state.routing = decision;
  return decision;
}

/** The router picked an AE: a fresh first-contact window on that AE's clock, with its reminders. */
export function adopt(h: Handoff, decision: Assignment, why: string): void {
  const { state, policy } = h;
  const now = Date.now();
  const ae = decision.aeId!;
  if (state.assignedAe && state.assignedAe !== ae) {
    withdrawIntroduction(h, state.assignedAe);
    state.previousAes.push(state.assignedAe);
  }
  let calendar = decision.ae ? aeCalendar(policy, decision.ae) : teamCalendar(policy);
  let contactBy: number;
  try {
    contactBy = contactDeadline(now, state.tier!, policy, calendar);
  } catch (err) {
    // A roster override the team clock cannot honour (say, working hours on an empty week) must
    // not stall the hand-off: count calendar time and say so.
    h.record('clock_fallback', BATON, `${ae}'s clock cannot place the window (${(err as Error).message}); counting calendar time`);
    calendar = { ...calendar, mode: 'calendar' };
    contactBy = contactDeadline(now, state.tier!, policy, calendar);
  }
  h.assignments++;
  h.current = { calendar, managerId: decision.ae?.managerId, remindersSent: 0 };
  state.assignedAe = ae;
  state.assignedAt = iso(now);
  state.acceptedAt = undefined;
  state.deadlines.contactBy = iso(contactBy);
  state.deadlines.reminders = h.slaEngine ? reminderTimes(now, state.tier!, policy, calendar).map(iso) : undefined;
  state.clocks = { handoff: state.clocks!.handoff, contact: describeCalendar(calendar) };
  h.record(
    'assigned',
    BATON,
    `${ae} (${why}; excluded: ${explainExclusions(decision)}); first contact by ${state.deadlines.contactBy} (${state.clocks.contact})`,
    { rule: decision.basis === 'account_owner' ? 'routing.ownerWindow' : 'routing', ref: h.routingKey },
  );
  h.setStage('assigned', `${ae} to accept and make first contact by ${state.deadlines.contactBy}`);
  h.inbox.settle();
  if (patched(DELIVERIES_PATCH))
    void h.tell(
      'assignment',
      `assigned:${h.assignments}`,
      `${h.company} (${state.tier}) is yours: first contact by ${state.deadlines.contactBy}`,
    );
}

/** The AE gives the lead up (capacity freed) and is never routed this hand-off again. */
export async function unassign(h: Handoff, ae: string, reason: string): Promise<void> {
  const { state } = h;
  withdrawIntroduction(h, ae);
  await releaseAe({ handoffId: state.id, aeId: ae, reason });
  state.previousAes.push(ae);
  state.assignedAe = undefined;
  state.deadlines.contactBy = undefined;
  state.deadlines.reminders = undefined;
  h.current = undefined;
}
