import { Webhook } from 'standardwebhooks';
import type { Database } from '../db/database.js';
import { WebhookStore, type DueDelivery } from '../db/webhooks.js';
import { workerMetrics } from '../observability/metrics.js';
import { cloudEventOf } from './cloudevent.js';

/** The retry schedule after each failed attempt (the Standard Webhooks spec's example); after the last, a delivery has failed for good. */
export const WEBHOOK_BACKOFF_MS = [5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000];

export interface DispatcherOptions {
  /** Deliveries claimed per round (default 20). */
  batch?: number;
  /** How long a claim holds (default 60 s): longer than a send's timeout. */
  leaseMs?: number;
  /** Between rounds when the queue is empty (default 1 s). */
  intervalMs?: number;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  backoffMs?: readonly number[];
  /** Failed attempts and rounds (with the delivery's hand-off id, webhook id, URL and attempt). */
  log?: (line: string, fields?: Record<string, unknown>) => void;
}

/**
 * Sends the webhook queue: each delivery is a POST of the event as CloudEvents JSON, signed per the
 * Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-signature`); a 2xx answer is
 * sent, anything else is retried on the backoff schedule and then failed. Several dispatchers (one
 * per worker process) share the queue safely; the message id stays the same across attempts and
 * replays, so receivers can drop duplicates.
 */
export class WebhookDispatcher {
  private readonly store: WebhookStore;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    db: Database,
    private readonly opts: DispatcherOptions = {},
  ) {
    this.store = new WebhookStore(db);
  }

  start(): void {
    this.stopped = false;
    const tick = (): void => {
      this.round = this.drain()
        .catch((err: unknown) => this.opts.log?.(`webhooks: ${(err as Error).message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs ?? 1_000);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** Sends everything due now; answers how many attempts were made. */
  async drain(): Promise<number> {
    let attempts = 0;
    for (;;) {
      const due = await this.store.claimDue(this.opts.batch ?? 20, this.opts.leaseMs ?? 60_000);
      if (due.length === 0 || this.stopped) return attempts;
      await Promise.all(due.map((d) => this.send(d)));
      attempts += due.length;
    }
  }

  private async send(d: DueDelivery): Promise<void> {
    const body = JSON.stringify(cloudEventOf(d.ledgerEvent));
    const at = new Date();
    let failure: { status: number | null; error: string };
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
        headers: {
          'content-type': 'application/cloudevents+json',
          'user-agent': 'Baton-Webhooks/1',
          'webhook-id': d.id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': new Webhook(d.secret).sign(d.id, at, body),
        },
        body,
      });
      await res.body?.cancel();
      if (res.ok) {
        await this.store.markSent(d.id, res.status);
        return;
      }
      failure = { status: res.status, error: `HTTP ${res.status}` };
    } catch (err) {
      failure = { status: null, error: (err as Error).message };
    }
    const backoff = this.opts.backoffMs ?? WEBHOOK_BACKOFF_MS;
    const wait = backoff[d.attempts - 1];
    await this.store.markFailed(d.id, failure, wait === undefined ? undefined : new Date(Date.now() + wait));
    workerMetrics().webhookFailures.inc({ outcome: wait === undefined ? 'gave_up' : 'retrying' });
    this.opts.log?.(`webhook ${d.id} to ${d.url}: ${failure.error}${wait === undefined ? ' (gave up)' : ''}`, {
      handoffId: d.handoffId,
      webhookId: d.id,
      url: d.url,
      attempt: d.attempts,
      status: failure.status,
    });
  }
}
