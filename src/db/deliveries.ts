/**
 * The delivery log (db/migrations/0003_deliveries.sql): one row per notification step, recipient
 * and channel. A sender claims the row before it sends and records the result after, so a retried
 * or redelivered notify activity never sends twice. The one window left is a worker dying between
 * the provider's acceptance and the record: its claim is taken over after `leaseMs` and that
 * delivery is sent again (at least once there, exactly once everywhere else).
 */
import { randomUUID } from 'node:crypto';
import type { Database } from './database.js';

/**
 * `failed`: the next attempt sends again; `refused`: retrying cannot help (never sent again);
 * `held`: part of a burst, waiting to go out in the window's digest.
 */
export const DELIVERY_STATUSES = ['sending', 'sent', 'failed', 'refused', 'held'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** What identifies one delivery: the notification's workflow and step, who, and how. */
export interface DeliveryKey {
  workflowId: string;
  step: string;
  recipient: string;
  channel: string;
}

export interface Delivery extends DeliveryKey {
  handoffId: string;
  kind: string;
  address: string;
  status: DeliveryStatus;
  attempts: number;
  claimedAt: string;
  sentAt: string | null;
  providerId: string | null;
  error: string | null;
  /** A held delivery's text, for the digest. */
  message: string | null;
}

/** The answer to a claim: send now (holding `claim`), already sent, or someone else is sending it right now. */
export type Claim =
  | { state: 'claimed'; claim: string }
  | { state: 'sent'; providerId: string | null }
  | { state: 'refused'; error: string | null }
  | { state: 'held' }
  | { state: 'in_flight' };

interface Row {
  workflow_id: string;
  step: string;
  recipient: string;
  channel: string;
  handoff_id: string;
  kind: string;
  address: string;
  status: DeliveryStatus;
  attempts: number;
  claim: string;
  claimed_at: Date | string;
  sent_at: Date | string | null;
  provider_id: string | null;
  error: string | null;
  message: string | null;
}

export class DeliveryStore {
  constructor(
    private readonly db: Database,
    /** How long a claim stays exclusive: longer than any send takes (the notify activity times out at 30 s). */
    private readonly leaseMs = 60_000,
  ) {}

  /**
   * Claims a delivery: a new row, a failed one, or a claim whose lease ran out is taken (and its
   * attempt counted); a sent one answers `sent`; a live claim answers `in_flight`.
   */
  async claim(key: DeliveryKey, about: { handoffId: string; kind: string; address: string }): Promise<Claim> {
    const claim = randomUUID();
    const { rows } = await this.db.query<{ claim: string }>(
      `INSERT INTO deliveries (workflow_id, step, recipient, channel, handoff_id, kind, address, status, claim)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'sending', $8)
       ON CONFLICT (workflow_id, step, recipient, channel) DO UPDATE
         SET status = 'sending', claim = EXCLUDED.claim, claimed_at = now(), attempts = deliveries.attempts + 1,
             address = EXCLUDED.address, error = NULL
         WHERE deliveries.status = 'failed'
            OR (deliveries.status = 'sending' AND deliveries.claimed_at < now() - make_interval(secs => $9::double precision / 1000))
       RETURNING claim`,
      [key.workflowId, key.step, key.recipient, key.channel, about.handoffId, about.kind, about.address, claim, this.leaseMs],
    );
    if (rows[0]?.claim === claim) return { state: 'claimed', claim };
    const current = await this.get(key);
    if (current?.status === 'sent') return { state: 'sent', providerId: current.providerId };
    if (current?.status === 'refused') return { state: 'refused', error: current.error };
    if (current?.status === 'held') return { state: 'held' };
    return { state: 'in_flight' };
  }

  /** Records a send the provider accepted; only the claim's holder can. */
  async sent(key: DeliveryKey, claim: string, providerId: string | null): Promise<void> {
    await this.db.query(
      `UPDATE deliveries SET status = 'sent', sent_at = now(), provider_id = $6, error = NULL
       WHERE workflow_id = $1 AND step = $2 AND recipient = $3 AND channel = $4 AND claim = $5`,
      [key.workflowId, key.step, key.recipient, key.channel, claim, providerId],
    );
  }

  /** Records a failed send: `failed` lets the next attempt claim it at once, `refused` ends it for good. */
  async failed(key: DeliveryKey, claim: string, error: string, status: 'failed' | 'refused' = 'failed'): Promise<void> {
    await this.db.query(
      `UPDATE deliveries SET status = $7, error = $6
       WHERE workflow_id = $1 AND step = $2 AND recipient = $3 AND channel = $4 AND claim = $5 AND status = 'sending'`,
      [key.workflowId, key.step, key.recipient, key.channel, claim, error.slice(0, 2000), status],
    );
  }

  /** Holds a claimed delivery for the digest of its burst, with the text the digest will list. */
  async hold(key: DeliveryKey, claim: string, message: string): Promise<void> {
    await this.db.query(
      `UPDATE deliveries SET status = 'held', message = $6
       WHERE workflow_id = $1 AND step = $2 AND recipient = $3 AND channel = $4 AND claim = $5 AND status = 'sending'`,
      [key.workflowId, key.step, key.recipient, key.channel, claim, message],
    );
  }

  /** When this person last got a message of this kind on this channel (epoch ms), if ever. */
  async lastSent(recipient: string, channel: string, kind: string): Promise<number | undefined> {
    const { rows } = await this.db.query<{ at: Date | string | null }>(
      `SELECT max(sent_at) AS at FROM deliveries WHERE recipient = $1 AND channel = $2 AND kind = $3 AND status = 'sent'`,
      [recipient, channel, kind],
    );
    return rows[0]?.at ? new Date(rows[0].at).getTime() : undefined;
  }

  /**
   * Takes every held delivery of a burst (this person, channel and kind) for one digest, under one
   * new claim: a concurrent taker gets none of the same rows.
   */
  async takeHeld(recipient: string, channel: string, kind: string): Promise<{ claim: string; held: Delivery[] }> {
    const claim = randomUUID();
    const { rows } = await this.db.query<Row>(
      `UPDATE deliveries SET status = 'sending', claim = $4, claimed_at = now(), attempts = attempts + 1
       WHERE recipient = $1 AND channel = $2 AND kind = $3 AND status = 'held'
       RETURNING *`,
      [recipient, channel, kind, claim],
    );
    return { claim, held: rows.map(toDelivery).sort((a, b) => a.claimedAt.localeCompare(b.claimedAt)) };
  }

  /** The digest went out: every delivery it carried is sent, with its provider id. */
  async sentTaken(claim: string, providerId: string | null): Promise<void> {
    await this.db.query(
      `UPDATE deliveries SET status = 'sent', sent_at = now(), provider_id = $2, error = NULL WHERE claim = $1 AND status = 'sending'`,
      [claim, providerId],
    );
  }

  /** The digest failed: its deliveries are held again for the next attempt. */
  async releaseTaken(claim: string, error: string): Promise<void> {
    await this.db.query(`UPDATE deliveries SET status = 'held', error = $2 WHERE claim = $1 AND status = 'sending'`, [
      claim,
      error.slice(0, 2000),
    ]);
  }

  async get(key: DeliveryKey): Promise<Delivery | undefined> {
    const { rows } = await this.db.query<Row>(
      'SELECT * FROM deliveries WHERE workflow_id = $1 AND step = $2 AND recipient = $3 AND channel = $4',
      [key.workflowId, key.step, key.recipient, key.channel],
    );
    return rows[0] && toDelivery(rows[0]);
  }

  /**
   * The provider id of the latest delivery sent to `recipient` on `channel` for a hand-off whose step
   * starts with `stepPrefix` (e.g. the Slack message of their last `assigned:` step, to thread under).
   */
  async latestSent(handoffId: string, recipient: string, channel: string, stepPrefix: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ provider_id: string }>(
      `SELECT provider_id FROM deliveries
       WHERE handoff_id = $1 AND recipient = $2 AND channel = $3 AND left(step, length($4)) = $4
         AND status = 'sent' AND provider_id IS NOT NULL
       ORDER BY sent_at DESC LIMIT 1`,
      [handoffId, recipient, channel, stepPrefix],
    );
    return rows[0]?.provider_id;
  }

  /** A hand-off's deliveries, oldest first. */
  async forHandoff(handoffId: string): Promise<Delivery[]> {
    const { rows } = await this.db.query<Row>(
      'SELECT * FROM deliveries WHERE handoff_id = $1 ORDER BY claimed_at, workflow_id, step, recipient, channel',
      [handoffId],
    );
    return rows.map(toDelivery);
  }
}

const iso = (value: Date | string): string => new Date(value).toISOString();

function toDelivery(row: Row): Delivery {
  return {
    workflowId: row.workflow_id,
    step: row.step,
    recipient: row.recipient,
    channel: row.channel,
    handoffId: row.handoff_id,
    kind: row.kind,
    address: row.address,
    status: row.status,
    attempts: row.attempts,
    claimedAt: iso(row.claimed_at),
    sentAt: row.sent_at === null ? null : iso(row.sent_at),
    providerId: row.provider_id,
    error: row.error,
    message: row.message,
  };
}
