import type { LedgerEvent } from '../domain/ledger.js';

/** A timeline event as a CloudEvents 1.0 JSON event (structured mode), the body of every webhook delivery. */
export interface HandoffCloudEvent {
  specversion: '1.0';
  /** Unique per source: the hand-off's workflow id and the event's place in its timeline. */
  id: string;
  source: string;
  /** `dev.baton.handoff.<timeline event>`, e.g. `dev.baton.handoff.assigned`. */
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: {
    handoffId: string;
    workflowId: string;
    seq: number;
    event: string;
    actor: string;
    detail?: string;
    rule?: string;
    ref?: string;
    /** The hand-off after the batch the event was recorded in: stage, tier, AE, deadlines, outcome. */
    facts: LedgerEvent['facts'];
  };
}

export const CLOUDEVENT_TYPE_PREFIX = 'dev.baton.handoff.';

export function cloudEventOf(e: LedgerEvent): HandoffCloudEvent {
  return {
    specversion: '1.0',
    id: `${e.workflowId}:${e.seq}`,
    source: `/v1/handoffs/${encodeURIComponent(e.handoffId)}`,
    type: `${CLOUDEVENT_TYPE_PREFIX}${e.event}`,
    subject: e.handoffId,
    time: e.at,
    datacontenttype: 'application/json',
    data: {
      handoffId: e.handoffId,
      workflowId: e.workflowId,
      seq: e.seq,
      event: e.event,
      actor: e.actor,
      ...(e.detail !== undefined ? { detail: e.detail } : {}),
      ...(e.rule !== undefined ? { rule: e.rule } : {}),
      ...(e.ref !== undefined ? { ref: e.ref } : {}),
      facts: e.facts,
    },
  };
}
