import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { problemResponses, ProblemError } from '../problem.js';
import { createRouter, type ApiDeps, type AppEnv } from '../router.js';
import { READY_TIMEOUT_MS, withDeadline } from '../temporal.js';

const LiveSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' });
const ReadySchema = z
  .object({
    status: z.literal('ready'),
    temporal: z.object({ namespace: z.string(), serverVersion: z.string().nullable() }),
    database: z.object({ kind: z.enum(['postgres', 'pglite']).meta({ description: 'A PostgreSQL server, or the embedded one' }) }),
  })
  .meta({ id: 'Readiness' });

/** Liveness and readiness for load balancers and orchestrators; no authentication. */
export function healthRoutes(deps: ApiDeps): OpenAPIHono<AppEnv> {
  const router = createRouter();
  const { client, db } = deps;

  router.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'liveness',
      tags: ['health'],
      summary: 'Liveness: the process answers',
      responses: { 200: { description: 'Alive', content: { 'application/json': { schema: LiveSchema } } } },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'readiness',
      tags: ['health'],
      summary: 'Readiness: Temporal answers, the namespace exists and the database answers',
      responses: {
        200: { description: 'Ready to serve', content: { 'application/json': { schema: ReadySchema } } },
        ...problemResponses('unavailable'),
      },
    }),
    async (c) => {
      const namespace = client.options.namespace;
      const [temporal, database] = await Promise.allSettled([
        withDeadline(client, READY_TIMEOUT_MS, () =>
          Promise.all([client.workflowService.describeNamespace({ namespace }), client.workflowService.getSystemInfo({})]),
        ),
        within(READY_TIMEOUT_MS, db.query('SELECT 1')),
      ]);
      if (temporal.status === 'fulfilled' && database.status === 'fulfilled') {
        const [, system] = temporal.value;
        return c.json(
          { status: 'ready' as const, temporal: { namespace, serverVersion: system.serverVersion || null }, database: { kind: db.kind } },
          200,
        );
      }
      const failures: { what: string; err: unknown }[] = [];
      if (temporal.status === 'rejected') failures.push({ what: `Temporal is not ready (namespace ${namespace})`, err: temporal.reason });
      if (database.status === 'rejected') failures.push({ what: `the database (${db.kind}) is not ready`, err: database.reason });
      throw new ProblemError('unavailable', failures.map((f) => `${f.what}: ${reason(f.err)}`).join('; '), {
        headers: { 'Retry-After': '5' },
        cause: failures[0]?.err,
      });
    },
  );

  return router;
}

const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The promise, or a rejection once `ms` have passed (a database that hangs is not ready). */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
