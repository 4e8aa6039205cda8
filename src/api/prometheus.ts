import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/database.js';

/**
 * Prometheus metrics of an API process (`GET /metrics`, prom-client): request rate, latency and
 * status per route (the route pattern, never the raw path), and at each scrape the hand-off
 * figures ops watch, read from the database: hand-offs by stage, missed SLA windows, escalations,
 * notification and webhook deliveries by status, and the process's own Node metrics.
 */
export interface ApiMetrics {
  /** The exposition text of every metric, for `GET /metrics`. */
  scrape(): Promise<string>;
  contentType: string;
  middleware: MiddlewareHandler;
}

/** The process's Node metrics (heap, event loop lag, GC), registered once per process however many apps it builds. */
let processMetrics: Registry | undefined;

/** Other registries of this process that `/metrics` serves too (`npm start`: the worker's, src/observability/metrics.ts). */
const alsoServed = new Set<Registry>();

/** Serves `registry` on every API app's `/metrics` of this process as well (one endpoint for `npm start`). */
export function serveWithApiMetrics(registry: Registry): void {
  alsoServed.add(registry);
}

export function createApiMetrics(db: Database): ApiMetrics {
  const registry = new Registry();
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: 'baton_api_' });
  }
  const everything = [processMetrics, registry];

  const requests = new Counter({
    name: 'baton_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'baton_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  /** A gauge whose values are one query's rows at each scrape. */
  const fromQuery = (name: string, help: string, labelNames: string[], sql: string): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        const { rows } = await db.query<Record<string, string | number>>(sql);
        for (const row of rows) {
          const labels = Object.fromEntries(labelNames.map((l) => [l, String(row[l])]));
          this.set(labels, Number(row.value));
        }
      },
    });
  };
  fromQuery(
    'baton_handoffs',
    'Hand-offs by stage (the ledger projection)',
    ['stage'],
    'SELECT stage, count(*)::int AS value FROM handoff_projection GROUP BY stage',
  );
  fromQuery(
    'baton_sla_missed_handoffs',
    'Hand-offs that missed a window, by window (handoff: assignment; contact: first contact)',
    ['window'],
    `SELECT 'handoff' AS window, count(*) FILTER (WHERE handoff_sla = 'missed')::int AS value FROM handoff_projection
     UNION ALL SELECT 'contact', count(*) FILTER (WHERE contact_sla = 'missed')::int FROM handoff_projection`,
  );
  fromQuery(
    'baton_escalations',
    'Escalations of all hand-offs',
    [],
    'SELECT coalesce(sum(escalations), 0)::int AS value FROM handoff_projection',
  );
  fromQuery(
    'baton_notification_deliveries',
    'Notification deliveries by channel and status (sending, sent, failed, refused, held)',
    ['channel', 'status'],
    'SELECT channel, status, count(*)::int AS value FROM deliveries GROUP BY channel, status',
  );
  fromQuery(
    'baton_webhook_deliveries',
    'Webhook deliveries by status (pending, sent, failed)',
    ['status'],
    'SELECT status, count(*)::int AS value FROM webhook_deliveries GROUP BY status',
  );

  const middleware: MiddlewareHandler = async (c, next) => {
    const end = duration.startTimer();
    try {
      await next();
    } finally {
      // The matched route's pattern (`/v1/handoffs/:id`), so ids never become label values; a path
      // no route matched (a 404) is one label, whatever it was.
      const pattern = routePath(c, -1);
      const route = pattern && !pattern.endsWith('*') ? pattern : 'unmatched';
      const labels = { method: c.req.method, route };
      end(labels);
      requests.inc({ ...labels, status: String(c.res.status) });
    }
  };
  return { scrape: () => Registry.merge([...everything, ...alsoServed]).metrics(), contentType: registry.contentType, middleware };
}
