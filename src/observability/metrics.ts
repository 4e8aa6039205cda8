import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * A worker's own metrics (prom-client): how long routing takes, every activity attempt by type and
 * outcome (retries among them), and the deliveries that failed. One set per process, whatever
 * records into it (the activities, the webhook dispatcher, the interceptor); a standalone worker
 * serves it on its own port (`serveWorkerMetrics`), `npm start` through the API's `/metrics`.
 */
export interface WorkerMetrics {
  registry: Registry;
  /** The `assignAe` activity's routing, by outcome (`assigned`, `no_eligible_ae`, `error`). */
  routingDuration: Histogram<'outcome'>;
  /** Activity attempts by activity type and outcome (`completed`, `failed`, `held`, `cancelled`). */
  activityAttempts: Counter<'activity' | 'outcome'>;
  /** Attempts after the first, by activity type. */
  activityRetries: Counter<'activity'>;
  activityDuration: Histogram<'activity'>;
  /** A notification channel's send that failed: `refused` for good, or `failed` and retried. */
  notificationFailures: Counter<'channel' | 'outcome'>;
  /** A webhook POST that failed: `retrying` on the backoff schedule, or `gave_up` after the last. */
  webhookFailures: Counter<'outcome'>;
}

let metrics: WorkerMetrics | undefined;

export function workerMetrics(): WorkerMetrics {
  if (metrics) return metrics;
  const registry = new Registry();
  const registers = [registry];
  metrics = {
    registry,
    routingDuration: new Histogram({
      name: 'baton_routing_duration_seconds',
      help: 'Time the routing activity (assignAe) took to pick and record an AE, by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    activityAttempts: new Counter({
      name: 'baton_activity_attempts_total',
      help: 'Activity attempts by activity type and outcome (completed, failed, held: a notification held back on purpose, cancelled)',
      labelNames: ['activity', 'outcome'] as const,
      registers,
    }),
    activityRetries: new Counter({
      name: 'baton_activity_retries_total',
      help: 'Activity attempts after the first (retries), by activity type',
      labelNames: ['activity'] as const,
      registers,
    }),
    activityDuration: new Histogram({
      name: 'baton_activity_duration_seconds',
      help: 'Time an activity attempt took, by activity type',
      labelNames: ['activity'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    notificationFailures: new Counter({
      name: 'baton_notification_delivery_failures_total',
      help: 'Notification sends that failed, by channel and outcome (refused: for good; failed: retried)',
      labelNames: ['channel', 'outcome'] as const,
      registers,
    }),
    webhookFailures: new Counter({
      name: 'baton_webhook_delivery_failures_total',
      help: 'Webhook deliveries that failed, by outcome (retrying on the backoff schedule, gave_up after the last attempt)',
      labelNames: ['outcome'] as const,
      registers,
    }),
  };
  return metrics;
}

/** Counts every activity attempt by type and outcome, and the retries (attempt > 1). */
export function activityMetrics(m: WorkerMetrics = workerMetrics()): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const activity = ctx.info.activityType;
        if (ctx.info.attempt > 1) m.activityRetries.inc({ activity });
        const end = m.activityDuration.startTimer({ activity });
        try {
          const result = await next(input);
          m.activityAttempts.inc({ activity, outcome: 'completed' });
          return result;
        } catch (err) {
          m.activityAttempts.inc({ activity, outcome: outcomeOf(err) });
          throw err;
        } finally {
          end();
        }
      },
    },
  });
}

function outcomeOf(err: unknown): 'failed' | 'held' | 'cancelled' {
  if (err instanceof CancelledFailure) return 'cancelled';
  // The notify activity's "not yet" (quiet hours, a digest window): a retry it asked for, not a fault.
  if (err instanceof ApplicationFailure && err.type === 'HeldBack') return 'held';
  return 'failed';
}

let workerProcessMetrics: Registry | undefined;

/**
 * Serves the worker's metrics and its process's Node metrics (`baton_worker_*`) at `/metrics` on
 * `port` (0: any free port) on every interface: keep the port on an internal network.
 */
export async function serveWorkerMetrics(port: number, host = '0.0.0.0'): Promise<{ url: string; close(): Promise<void> }> {
  if (!workerProcessMetrics) {
    workerProcessMetrics = new Registry();
    collectDefaultMetrics({ register: workerProcessMetrics, prefix: 'baton_worker_' });
  }
  const registries = [workerProcessMetrics, workerMetrics().registry];
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    const merged = Registry.merge(registries);
    merged.metrics().then(
      (text) => res.writeHead(200, { 'content-type': merged.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`BATON_WORKER_METRICS_PORT ${port} is in use: choose another port, 0 for any free one, or off`)
          : err,
      ),
    );
    server.listen(port, host, resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
