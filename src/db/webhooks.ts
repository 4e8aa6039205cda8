/**
 * Webhook subscriptions and their delivery queue (db/migrations/0004_webhooks.sql). Deliveries are
 * queued with the ledger rows they announce (`QUEUE_INSERTED_EVENTS`, in the ledger's
 * insert), claimed by a dispatcher with a lease (`claimDue`, SKIP LOCKED, so several worker
 * processes share the queue), and answered sent, retried later, or failed for good.
 */
import { randomBytes } from 'node:crypto';
import type { LedgerEvent } from '../domain/ledger.js';
import type { Database } from './database.js';
import { toEvent, type EventRow } from './ledger.js';

export interface WebhookSubscription {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  createdBy: string;
  createdAt: string;
}

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'sent', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export interface WebhookDelivery {
  id: string;
  subscriptionId: string;
  workflowId: string;
  seq: number;
  handoffId: string;
  event: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastStatus: number | null;
  lastError: string | null;
  sentAt: string | null;
  createdAt: string;
}

/** A claimed delivery with what sending it needs: the subscription's URL and secret, and the ledger event. */
export interface DueDelivery extends WebhookDelivery {
  url: string;
  secret: string;
  ledgerEvent: LedgerEvent;
}

/**
 * The statement that queues ledger events for every live subscription that wants them, reading the
 * events from a preceding CTE named `inserted` (workflow_id, seq, handoff_id, event). The ledger
 * runs it in the same statement as its insert (src/db/ledger.ts): an event is in the ledger and
 * queued, or neither, and the ledger pays no extra round trip for it.
 */
export const QUEUE_INSERTED_EVENTS = `INSERT INTO webhook_deliveries (id, subscription_id, workflow_id, seq, handoff_id, event)
  SELECT 'msg_' || md5(s.id || ':' || e.workflow_id || ':' || e.seq), s.id, e.workflow_id, e.seq, e.handoff_id, e.event
  FROM inserted e
  JOIN webhook_subscriptions s ON s.active AND s.deleted_at IS NULL AND (cardinality(s.events) = 0 OR e.event = ANY (s.events))
  ON CONFLICT (subscription_id, workflow_id, seq) DO NOTHING`;

/** A new signing secret in the Standard Webhooks format (`whsec_` + base64 of 24 random bytes). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

interface SubscriptionRow {
  id: string;
  url: string;
  secret: string;
  events: string[];
  description: string | null;
  active: boolean;
  created_by: string;
  created_at: Date | string;
}

interface DeliveryRow {
  id: string;
  subscription_id: string;
  workflow_id: string;
  seq: number;
  handoff_id: string;
  event: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: Date | string;
  last_status: number | null;
  last_error: string | null;
  sent_at: Date | string | null;
  created_at: Date | string;
}

export class WebhookStore {
  constructor(private readonly db: Database) {}

  /** Adds a subscription; answers it with its secret (shown this once). */
  async create(
    input: { url: string; events: string[]; description?: string | undefined },
    actor: string,
  ): Promise<WebhookSubscription & { secret: string }> {
    const id = `wh_${randomBytes(9).toString('base64url')}`;
    const secret = newWebhookSecret();
    const { rows } = await this.db.query<SubscriptionRow>(
      `INSERT INTO webhook_subscriptions (id, url, secret, events, description, created_by)
       VALUES ($1, $2, $3, $4::text[], $5, $6) RETURNING *`,
      [id, input.url, secret, input.events, input.description ?? null, actor],
    );
    return { ...toSubscription(rows[0]!), secret };
  }

  async list(): Promise<WebhookSubscription[]> {
    const { rows } = await this.db.query<SubscriptionRow>(
      'SELECT * FROM webhook_subscriptions WHERE deleted_at IS NULL ORDER BY created_at, id',
    );
    return rows.map(toSubscription);
  }

  async get(id: string): Promise<WebhookSubscription | undefined> {
    const { rows } = await this.db.query<SubscriptionRow>('SELECT * FROM webhook_subscriptions WHERE id = $1 AND deleted_at IS NULL', [id]);
    return rows[0] && toSubscription(rows[0]);
  }

  /** Removes a subscription: nothing more is queued for it, and what was pending is dropped (failed, "subscription deleted"). */
  async delete(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        'UPDATE webhook_subscriptions SET deleted_at = now(), active = false WHERE id = $1 AND deleted_at IS NULL RETURNING id',
        [id],
      );
      if (rows.length === 0) return false;
      await tx.query(
        `UPDATE webhook_deliveries SET status = 'failed', last_error = 'subscription deleted' WHERE subscription_id = $1 AND status = 'pending'`,
        [id],
      );
      return true;
    });
  }

  /** A subscription's deliveries, newest first. */
  async deliveries(subscriptionId: string, opts: { status?: WebhookDeliveryStatus; limit?: number } = {}): Promise<WebhookDelivery[]> {
    const { rows } = await this.db.query<DeliveryRow>(
      `SELECT * FROM webhook_deliveries WHERE subscription_id = $1 AND ($2::text IS NULL OR status = $2)
       ORDER BY created_at DESC, workflow_id, seq DESC LIMIT $3`,
      [subscriptionId, opts.status ?? null, opts.limit ?? 100],
    );
    return rows.map(toDelivery);
  }

  /** Sends a delivery again (whatever became of it), as soon as the dispatcher looks; same message id. */
  async replay(subscriptionId: string, deliveryId: string): Promise<WebhookDelivery | undefined> {
    const { rows } = await this.db.query<DeliveryRow>(
      `UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = now(), last_error = NULL
       FROM webhook_subscriptions s
       WHERE d.id = $2 AND d.subscription_id = $1 AND s.id = d.subscription_id AND s.deleted_at IS NULL
       RETURNING d.*`,
      [subscriptionId, deliveryId],
    );
    return rows[0] && toDelivery(rows[0]);
  }

  /**
   * Claims up to `limit` due deliveries for `leaseMs` (their next attempt moves past the lease, so
   * a dispatcher that dies mid-send leaves them due again after it) and counts the attempt.
   */
  async claimDue(limit: number, leaseMs: number): Promise<DueDelivery[]> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<DeliveryRow & { url: string; secret: string; ledger: EventRow }>(
        `WITH due AS (
           SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()
           ORDER BY next_attempt_at, workflow_id, seq LIMIT $1 FOR UPDATE SKIP LOCKED
         ), claimed AS (
           UPDATE webhook_deliveries d SET attempts = d.attempts + 1,
             next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
           FROM due WHERE d.id = due.id RETURNING d.*
         )
         SELECT c.*, s.url, s.secret, to_jsonb(e.*) AS ledger
         FROM claimed c JOIN webhook_subscriptions s ON s.id = c.subscription_id
         JOIN handoff_events e ON e.workflow_id = c.workflow_id AND e.seq = c.seq
         ORDER BY c.workflow_id, c.seq`,
        [limit, leaseMs],
      );
      return rows.map((row) => ({ ...toDelivery(row), url: row.url, secret: row.secret, ledgerEvent: toEvent(row.ledger) }));
    });
  }

  async markSent(id: string, status: number): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET status = 'sent', sent_at = now(), last_status = $2, last_error = NULL WHERE id = $1`,
      [id, status],
    );
  }

  /** A failed attempt: due again at `retryAt`, or failed for good when there is none. */
  async markFailed(id: string, failure: { status: number | null; error: string }, retryAt: Date | undefined): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET last_status = $2, last_error = $3,
         status = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
         next_attempt_at = COALESCE($4::timestamptz, next_attempt_at)
       WHERE id = $1`,
      [id, failure.status, failure.error.slice(0, 2000), retryAt?.toISOString() ?? null],
    );
  }
}

const iso = (value: Date | string): string => new Date(value).toISOString();

function toSubscription(row: SubscriptionRow): WebhookSubscription {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    active: row.active,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
  };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    subscriptionId: row.subscription_id,
    workflowId: row.workflow_id,
    seq: row.seq,
    handoffId: row.handoff_id,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: iso(row.next_attempt_at),
    lastStatus: row.last_status,
    lastError: row.last_error,
    sentAt: row.sent_at === null ? null : iso(row.sent_at),
    createdAt: iso(row.created_at),
  };
}
