import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { problemResponses, ProblemError } from '../problem.js';
import { createRouter, type ApiDeps, type AppEnv } from '../router.js';
import { READY_TIMEOUT_MS, withDeadline } from '../temporal.js';

const LiveSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Liveness' });
const ReadySchema = z
  .object({ status: z.literal('ready'), temporal: z.object({ namespace: z.string(), serverVersion: z.string().nullable() }) })
  .meta({ id: 'Readiness' });

/** Liveness and readiness for load balancers and orchestrators; no authentication. */
export function healthRoutes(deps: ApiDeps): OpenAPIHono<AppEnv> {
  const router = createRouter();
  const { client } = deps;

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
      summary: 'Readiness: Temporal answers and the namespace exists',
      responses: {
        200: { description: 'Ready to serve', content: { 'application/json': { schema: ReadySchema } } },
        ...problemResponses('unavailable'),
      },
    }),
    async (c) => {
      const namespace = client.options.namespace;
      try {
        const [, system] = await withDeadline(client, READY_TIMEOUT_MS, () =>
          Promise.all([client.workflowService.describeNamespace({ namespace }), client.workflowService.getSystemInfo({})]),
        );
        return c.json({ status: 'ready' as const, temporal: { namespace, serverVersion: system.serverVersion || null } }, 200);
      } catch (err) {
        throw new ProblemError('unavailable', `Temporal is not ready (namespace ${namespace}): ${(err as Error).message}`, {
          headers: { 'Retry-After': '5' },
          cause: err,
        });
      }
    },
  );

  return router;
}
