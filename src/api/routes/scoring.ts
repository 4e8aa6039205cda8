import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { requireRole } from '../auth.js';
import { jsonBody } from '../body.js';
import { problemResponses } from '../problem.js';
import { bearerSecurity, createRouter, livePolicy, type ApiDeps, type AppEnv } from '../router.js';
import { bodies, ScoringPreviewSchema } from '../schemas.js';
import { assessLead } from '../../domain/assessment.js';

/** Scores and tiers a lead under the current policy, starting nothing (DESIGN §4). */
export function scoringRoutes(deps: ApiDeps): OpenAPIHono<AppEnv> {
  const router = createRouter();
  router.openapi(
    createRoute({
      method: 'post',
      path: '/preview',
      operationId: 'previewScore',
      tags: ['scoring'],
      summary: 'Score and tier a lead without starting a hand-off',
      description:
        'The body is a submission without `handoffId`. The answer explains every rule that fired, the checklist and the ICP gate.',
      security: bearerSecurity,
      middleware: [requireRole('sdr', 'manager', 'ops', 'admin'), jsonBody()] as const,
      request: { body: { required: true, content: { 'application/json': { schema: bodies.Lead } } } },
      responses: {
        200: { description: 'What the policy makes of the lead', content: { 'application/json': { schema: ScoringPreviewSchema } } },
        ...problemResponses('malformed-request', 'unauthorized', 'forbidden', 'payload-too-large', 'validation'),
      },
    }),
    async (c) => c.json(assessLead(c.req.valid('json'), await livePolicy(deps)), 200),
  );
  return router;
}
