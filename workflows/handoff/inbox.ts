import type { Actor, InterventionInput, InterventionKind, RejectInput } from '../../src/domain/actions.js';
import type { Refusal } from '../../src/domain/transitions.js';

/** An intervention a manager or ops asked for, by update (answered) or signal (recorded only). */
export interface InterventionRequest<K extends InterventionKind = InterventionKind> {
  type: 'intervention';
  kind: K;
  input: InterventionInput[K];
  actor: Actor;
  /** The timeline `ref` of its answer: the update id, or the signal's requestId. */
  ref?: string;
  /** The AE the signal's sender saw holding the lead (`null`: nobody); absent: no check. */
  expectedAe?: string | null;
}

/**
 * The requests the playbook applies at its next safe point, because applying them means routing
 * or closing: an AE's rejection, a manager's intervention, unanswered booking attempts.
 */
export type Request =
  | { type: 'rejection'; input: RejectInput; actor: Actor }
  | InterventionRequest
  | { type: 'booking_escalation'; days: string[]; actor: string };

/** How a request ended: applied (the hand-off routed again or closed), or refused on the way. */
export type Settlement = { applied: true } | { applied: false; refusal: Refusal };

interface Entry {
  request: Request;
  settlement?: Settlement;
}

/**
 * One queue instead of a flag per kind of request. A request is `pending` until the playbook takes
 * it and `in flight` until it settles; while either, the hand-off is busy and refuses the AE's and
 * the SDR's actions that would race it. Whoever posted a request may wait for its settlement.
 */
export class Inbox {
  private readonly queue: Entry[] = [];
  private inFlight: Entry | undefined;

  post(request: Request): Entry {
    const entry: Entry = { request };
    this.queue.push(entry);
    return entry;
  }

  get hasPending(): boolean {
    return this.queue.length > 0;
  }

  /** The next request to apply; it stays in flight until settled. */
  take(): Request | undefined {
    const entry = this.queue.shift();
    if (entry) this.inFlight = entry;
    return entry?.request;
  }

  /** The request in flight is done (routed again, closed, or refused). */
  settle(settlement: Settlement = { applied: true }): void {
    if (this.inFlight) this.inFlight.settlement = settlement;
    this.inFlight = undefined;
  }

  /** The hand-off closed: whatever is still queued is refused. */
  refuseAll(refusal: Refusal): void {
    this.settle({ applied: false, refusal });
    for (const entry of this.queue.splice(0)) entry.settlement = { applied: false, refusal };
  }

  /** Why the AE's and SDR's racing actions wait: what is being applied, or null. */
  busy(): string | null {
    const request = (this.inFlight ?? this.queue[0])?.request;
    if (!request) return null;
    if (request.type === 'rejection') return 'the AE has rejected this hand-off; it is being re-routed';
    if (request.type === 'booking_escalation') return 'the hand-off is being escalated after unanswered booking attempts';
    return `a ${request.kind} by ${request.actor.id} is being applied`;
  }
}

export type InboxEntry = Entry;
