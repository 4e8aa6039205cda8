import { log, patched, workflowInfo } from '@temporalio/workflow';
import { draftView, submittedState } from '../../src/domain/assessment.js';
import { handoffPackage, recipientsOf, type Notification, type NotificationKind } from '../../src/domain/notifications.js';
import type { Policy } from '../../src/domain/policy.js';
import type { WorkCalendar } from '../../src/domain/sla-clock.js';
import type { HandoffState, Outcome, Stage } from '../../src/domain/state.js';
import { BATON, type TimelineEvent } from '../../src/domain/timeline.js';
import { refusal, type Refusal } from '../../src/domain/transitions.js';
import type { HandoffStart } from '../messages.js';
import { deliver, notify } from './activities.js';
import { Inbox } from './inbox.js';
import { publish } from './publish.js';

/**
 * Hand-offs started before the SLA engine (reminders, escalation ladder, booking-attempt rule,
 * interventions) keep the single first-contact timer they began with, so their histories replay.
 */
export const SLA_ENGINE_PATCH = 'sla-engine';

/**
 * Notifications go out in the background, each with the hand-off's package, and the AE is told of
 * every assignment: a channel outage delays a notification, never the hand-off. Hand-offs started
 * before this waited for each notification where it was sent, and told nobody of assignments.
 */
export const DELIVERIES_PATCH = 'deliveries';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * One hand-off's state and the transitions every step of the playbook shares: the read model,
 * the timeline, publishing to the Web UI, closing, and telling people. The steps themselves live
 * beside this file; `workflows/handoff.ts` sequences them.
 */
export class Handoff {
  readonly workflowId = workflowInfo().workflowId;
  readonly submittedAt = Date.now();
  readonly state: HandoffState;
  /** False for hand-offs started before the SLA engine: one plain first-contact timer. */
  readonly slaEngine = patched(SLA_ENGINE_PATCH);
  /** Loaded once at start by an activity; the handlers that need it wait for it. */
  policy!: Policy;
  readonly inbox = new Inbox();
  /** Bumped whenever the checklist data changes, so clocks re-read their deadlines. */
  dataVersion = 0;
  /** The assigned AE's clock and manager, and how many of their reminders have gone out. */
  current: { calendar: WorkCalendar; managerId?: string; remindersSent: number } | undefined;
  /** Assignments so far (a step of the notification keys). */
  assignments = 0;
  /** Routing calls so far: each call's idempotency key counts them. */
  routingCalls = 0;
  /** The key of the latest routing call (the timeline's `ref` to its decision in the ledger). */
  routingKey: string | undefined;
  /** Set by the roster routes' signal: a hand-off waiting for an eligible AE tries again now. */
  rosterChanged = false;
  /** Submit updates answered (the first one started the hand-off). */
  submits = 0;
  /** The warm introduction sent for an AE (intro.ts): its invite's SEQUENCE, and whether it was cancelled. */
  intro: { ae: string; sequence: number; cancelled?: boolean } | undefined;
  /** Notifications on their way (DELIVERIES_PATCH); the run waits for them before it ends. */
  private readonly sending: Promise<void>[] = [];

  constructor(readonly start: HandoffStart) {
    this.state = submittedState({ ...start, submittedAt: this.submittedAt });
  }

  get closed(): boolean {
    return this.state.stage === 'closed';
  }

  get company(): string {
    return this.state.lead.company?.name ?? this.state.id;
  }

  /** The policy of the lead's tier (once tiered). */
  get tierRules(): Policy['tiers'][keyof Policy['tiers']] {
    return this.policy.tiers[this.state.tier!];
  }

  record(event: TimelineEvent, actor: string, detail?: string, extra: { rule?: string; ref?: string } = {}): void {
    this.state.timeline.push({
      at: iso(Date.now()),
      actor,
      event,
      ...(detail ? { detail } : {}),
      ...(extra.rule ? { rule: extra.rule } : {}),
      ...(extra.ref ? { ref: extra.ref } : {}),
    });
  }

  publish(waitingFor: string): void {
    publish(this.state, waitingFor);
  }

  setStage(stage: Stage, waitingFor: string): void {
    this.state.stage = stage;
    this.publish(waitingFor);
  }

  close(outcome: Outcome, reason: string, actor = BATON): void {
    const { state } = this;
    state.stage = 'closed';
    state.outcome = outcome;
    state.closeReason = reason;
    state.closedAt = iso(Date.now());
    this.record('closed', actor, `${outcome}: ${reason}`);
    this.publish('nothing: the hand-off is closed');
  }

  /** Refuses the AE's and SDR's actions that would race a request being applied. */
  busy(): Refusal | null {
    const reason = this.inbox.busy();
    return reason ? refusal('busy', reason) : null;
  }

  /** Re-evaluates everything derived from the lead data while the checklist is open. */
  evaluateDraft(): void {
    Object.assign(this.state, draftView(this.state.lead, this.submittedAt, this.policy));
  }

  /** What the checklist still needs, for the Web UI. */
  checklistWaitingFor(): string {
    const { checklist } = this.state;
    return checklist.complete ? 'gating, scoring and routing' : `the checklist: ${checklist.missing.length} item(s) missing`;
  }

  /**
   * Tells the people `kind` concerns (DESIGN §2.4–2.6), once per key: in the background (the step
   * goes on at once), or awaited where a hand-off started before DELIVERIES_PATCH did so.
   */
  tell(kind: NotificationKind, step: string, message: string, extra: Pick<Notification, 'invite'> = {}): Promise<void> {
    const { state } = this;
    const to = recipientsOf(kind, {
      sdrId: state.sdrId,
      sdrManagerId: this.start.sdrManagerId,
      aeId: state.assignedAe,
      aeManagerId: this.current?.managerId,
      ...(state.lead.contact?.email ? { prospect: state.lead.contact.email } : {}),
    });
    const notification = { key: `${this.workflowId}:${step}`, handoffId: state.id, kind, to, message };
    if (extra.invite) {
      // The introduction copies the SDR and the AE it introduces (the one cancelled, for a cancellation).
      const ae = this.intro?.ae ?? state.assignedAe;
      return this.send({
        ...notification,
        ...extra,
        cc: [{ id: state.sdrId, role: 'sdr' }, ...(ae ? [{ id: ae, role: 'ae' as const }] : [])],
      });
    }
    if (!patched(DELIVERIES_PATCH)) return notify(notification).then(() => undefined);
    return this.send(notification);
  }

  /** Delivers in the background, with the hand-off's package. */
  private send(notification: Notification): Promise<void> {
    this.sending.push(
      deliver({ ...notification, handoff: handoffPackage(this.state) }).then(
        () => undefined,
        (err: unknown) => log.warn(`notification ${notification.key} given up`, { error: String(err) }),
      ),
    );
    return Promise.resolve();
  }

  /** Resolves once every notification sent in the background has been delivered (or given up). */
  async delivered(): Promise<void> {
    await Promise.all(this.sending);
  }
}
