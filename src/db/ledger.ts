/**
 * The hand-off ledger in PostgreSQL: `handoff_events` (append-only, keyed by workflow id + event
 * sequence) and `handoff_projection` (one row per hand-off, folded from its events by
 * `projectHandoff`). An append and its projection update are one transaction, so the two never
 * disagree; a repeated append inserts nothing and leaves the projection as it was.
 */
import { ledgerEvents, projectHandoff, type HandoffProjection, type LedgerBatch, type LedgerEvent } from '../domain/ledger.js';
import type { Database, Sql } from './database.js';
import { QUEUE_INSERTED_EVENTS } from './webhooks.js';
import type { TimelineEvent } from '../domain/timeline.js';

export interface StoredEntry {
  seq: number;
  event: string;
  actor: string;
  at: string;
  detail?: string;
}

export interface AppendResult {
  /** Rows written by this call (0 when every event was already in the ledger). */
  inserted: number;
  /** The batch's entries as the ledger holds them (their time and detail: the first record's). */
  stored: StoredEntry[];
  /** The hand-off's projection after the append. */
  projection: HandoffProjection;
}

/** A `handoff_events` row as the driver (or `to_jsonb`) answers it. */
export interface EventRow {
  workflow_id: string;
  seq: number;
  handoff_id: string;
  at: Date | string;
  actor: string;
  event: TimelineEvent;
  detail: string | null;
  rule: string | null;
  ref: string | null;
  facts: LedgerEvent['facts'];
}

const PROJECTION_COLUMNS = {
  handoffId: 'handoff_id',
  workflowId: 'workflow_id',
  stage: 'stage',
  outcome: 'outcome',
  closeReason: 'close_reason',
  tier: 'tier',
  provisionalTier: 'provisional_tier',
  score: 'score',
  sdrId: 'sdr_id',
  aeId: 'ae_id',
  firstAeId: 'first_ae_id',
  company: 'company',
  submittedAt: 'submitted_at',
  handoffBy: 'handoff_by',
  firstAssignedAt: 'first_assigned_at',
  assignedAt: 'assigned_at',
  firstContactAt: 'first_contact_at',
  closedAt: 'closed_at',
  handoffSla: 'handoff_sla',
  contactSla: 'contact_sla',
  escalations: 'escalations',
  reroutes: 'reroutes',
  rejectionReason: 'rejection_reason',
  reportedOutcome: 'reported_outcome',
  rating: 'rating',
  qualityIssues: 'quality_issues',
  lastSeq: 'last_seq',
  events: 'events',
} as const satisfies Record<keyof HandoffProjection, string>;
const FIELDS = Object.keys(PROJECTION_COLUMNS) as (keyof HandoffProjection)[];
const COLUMNS = FIELDS.map((f) => PROJECTION_COLUMNS[f]);
const UPSERT_PROJECTION = `INSERT INTO handoff_projection (${COLUMNS.join(', ')}, updated_at)
  VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}, now())
  ON CONFLICT (handoff_id) DO UPDATE SET ${COLUMNS.filter((c) => c !== 'handoff_id')
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ')}, updated_at = now()`;

export class LedgerStore {
  constructor(private readonly db: Database) {}

  /**
   * Writes a batch of events and refreshes the hand-off's projection. The workflow ships from inside
   * a workflow task, and a task attempt that never completed (its worker killed, the server
   * restarted) may already have shipped entries:
   * - the same entry at that attempt's workflow time: the first record is kept, and the answer's
   *   `stored` entries let the workflow take its time over (workflows/handoff/ledger.ts), so
   *   timeline, ledger and webhooks agree;
   * - another entry at that sequence number (the retried attempt met a timer before the message the
   *   abandoned one handled): the retried attempt's is the one the history keeps, so it replaces
   *   the row (`inserted` counts it; a webhook not sent yet goes out with it).
   */
  async append(batch: LedgerBatch): Promise<AppendResult> {
    const events = ledgerEvents(batch);
    return this.db.transaction(async (tx) => {
      // One writer per hand-off at a time, so the fold always sees every committed event.
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [batch.handoffId]);
      // One statement for the whole batch: each row is 10 parameters.
      const rows = events.map((e) => [
        e.workflowId,
        e.seq,
        e.handoffId,
        e.at,
        e.actor,
        e.event,
        e.detail ?? null,
        e.rule ?? null,
        e.ref ?? null,
        JSON.stringify(e.facts),
      ]);
      let inserted = 0;
      if (rows.length > 0) {
        const values = rows.map((_, r) => `(${Array.from({ length: 10 }, (_, c) => `$${r * 10 + c + 1}`).join(', ')})`).join(', ');
        // The new rows are announced to the webhook subscribers in the same statement (src/db/webhooks.ts).
        const result = await tx.query(
          `WITH inserted AS (
             INSERT INTO handoff_events (workflow_id, seq, handoff_id, at, actor, event, detail, rule, ref, facts)
             VALUES ${values}
             ON CONFLICT (workflow_id, seq) DO UPDATE SET
               at = EXCLUDED.at, actor = EXCLUDED.actor, event = EXCLUDED.event, detail = EXCLUDED.detail,
               rule = EXCLUDED.rule, ref = EXCLUDED.ref, facts = EXCLUDED.facts, recorded_at = now()
             WHERE (handoff_events.event, handoff_events.actor, handoff_events.rule, handoff_events.ref)
                   IS DISTINCT FROM (EXCLUDED.event, EXCLUDED.actor, EXCLUDED.rule, EXCLUDED.ref)
             RETURNING workflow_id, seq, handoff_id, event
           ), queued AS (${QUEUE_INSERTED_EVENTS})
           SELECT seq FROM inserted`,
          rows.flat(),
        );
        inserted = result.rows.length;
      }
      const { rows: kept } = await tx.query<{ seq: number; event: string; actor: string; at: Date | string; detail: string | null }>(
        'SELECT seq, event, actor, at, detail FROM handoff_events WHERE workflow_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq',
        [batch.workflowId, batch.from, batch.from + events.length],
      );
      const stored = kept.map((row) => ({
        seq: row.seq,
        event: row.event,
        actor: row.actor,
        at: new Date(row.at).toISOString(),
        ...(row.detail === null ? {} : { detail: row.detail }),
      }));
      if (batch.lead) {
        await tx.query(
          `INSERT INTO handoff_leads (handoff_id, workflow_id, lead, policy_version) VALUES ($1, $2, $3, $4)
           ON CONFLICT (handoff_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id, lead = EXCLUDED.lead,
             policy_version = COALESCE(EXCLUDED.policy_version, handoff_leads.policy_version), updated_at = now()
           WHERE (handoff_leads.lead, handoff_leads.policy_version) IS DISTINCT FROM (EXCLUDED.lead, COALESCE(EXCLUDED.policy_version, handoff_leads.policy_version))`,
          [
            batch.handoffId,
            batch.workflowId,
            JSON.stringify(batch.lead),
            batch.policyVersion === '(loading)' ? null : (batch.policyVersion ?? null),
          ],
        );
      }
      const projection = await reproject(tx, batch.handoffId);
      return { inserted, stored, projection: projection! };
    });
  }

  /** A hand-off's ledger rows in sequence order. */
  async events(handoffId: string): Promise<LedgerEvent[]> {
    const { rows } = await this.db.query<EventRow>('SELECT * FROM handoff_events WHERE handoff_id = $1 ORDER BY workflow_id, seq', [
      handoffId,
    ]);
    return rows.map(toEvent);
  }

  async projection(handoffId: string): Promise<HandoffProjection | undefined> {
    const { rows } = await this.db.query<Record<string, unknown>>('SELECT * FROM handoff_projection WHERE handoff_id = $1', [handoffId]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /**
   * Rebuilds the whole projection from the ledger (`npm run ledger:backfill`): after a change to
   * the fold, or to repair a table edited by hand. Hand-offs are refolded in batches, each batch
   * one transaction; rows whose hand-off has no events left are removed.
   */
  async backfill(opts: { batchSize?: number; onProgress?: (done: number) => void } = {}): Promise<{ handoffs: number; events: number }> {
    const batchSize = opts.batchSize ?? 500;
    let after = '';
    let handoffs = 0;
    let events = 0;
    await this.db.query(
      'DELETE FROM handoff_projection p WHERE NOT EXISTS (SELECT 1 FROM handoff_events e WHERE e.handoff_id = p.handoff_id)',
    );
    for (;;) {
      const { rows: ids } = await this.db.query<{ handoff_id: string }>(
        'SELECT DISTINCT handoff_id FROM handoff_events WHERE handoff_id > $1 ORDER BY handoff_id LIMIT $2',
        [after, batchSize],
      );
      if (ids.length === 0) break;
      const batch = ids.map((r) => r.handoff_id);
      events += await this.db.transaction(async (tx) => {
        const { rows } = await tx.query<EventRow>('SELECT * FROM handoff_events WHERE handoff_id = ANY($1) ORDER BY handoff_id, seq', [
          batch,
        ]);
        const grouped = new Map<string, LedgerEvent[]>();
        for (const row of rows) {
          const list = grouped.get(row.handoff_id) ?? [];
          list.push(toEvent(row));
          grouped.set(row.handoff_id, list);
        }
        for (const list of grouped.values()) await upsertProjection(tx, projectHandoff(list));
        return rows.length;
      });
      handoffs += batch.length;
      after = batch.at(-1)!;
      opts.onProgress?.(handoffs);
    }
    return { handoffs, events };
  }
}

async function reproject(tx: Sql, handoffId: string): Promise<HandoffProjection | undefined> {
  const { rows } = await tx.query<EventRow>('SELECT * FROM handoff_events WHERE handoff_id = $1 ORDER BY seq', [handoffId]);
  if (rows.length === 0) return undefined;
  const projection = projectHandoff(rows.map(toEvent));
  await upsertProjection(tx, projection);
  return projection;
}

async function upsertProjection(tx: Sql, projection: HandoffProjection): Promise<void> {
  await tx.query(
    UPSERT_PROJECTION,
    FIELDS.map((f) => projection[f]),
  );
}

/** A ledger row as the domain's event. */
export function toEvent(row: EventRow): LedgerEvent {
  return {
    workflowId: row.workflow_id,
    handoffId: row.handoff_id,
    seq: row.seq,
    at: instant(row.at)!,
    actor: row.actor,
    event: row.event,
    ...(row.detail !== null ? { detail: row.detail } : {}),
    ...(row.rule !== null ? { rule: row.rule } : {}),
    ...(row.ref !== null ? { ref: row.ref } : {}),
    facts: row.facts,
  };
}

const TIMESTAMPS = new Set<keyof HandoffProjection>([
  'submittedAt',
  'handoffBy',
  'firstAssignedAt',
  'assignedAt',
  'firstContactAt',
  'closedAt',
]);

function fromRow(row: Record<string, unknown>): HandoffProjection {
  return Object.fromEntries(
    FIELDS.map((f) => {
      const value = row[PROJECTION_COLUMNS[f]];
      return [f, TIMESTAMPS.has(f) ? instant(value as Date | string | null) : value];
    }),
  ) as unknown as HandoffProjection;
}

function instant(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
