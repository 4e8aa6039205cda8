import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './router.js';

/** `GET /openapi.json`: the OpenAPI 3.1 document generated from every route's zod schemas. */
export function openapiRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A Baton token; `npm start` prints the demo tokens.',
  });
  let document: unknown;
  app.get('/openapi.json', (c) => {
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Baton',
        version: '1',
        description:
          'SDR → AE lead hand-off as a durable Temporal workflow. Errors are RFC 9457 problem details (application/problem+json).',
      },
      tags: [
        { name: 'hand-offs', description: 'Submit, read and act on hand-offs' },
        {
          name: 'roster',
          description: 'Maintain the AE roster the router picks from (managers and admins; ops read), with its audit trail',
        },
        { name: 'scoring', description: 'Preview the scoring matrix' },
        {
          name: 'webhooks',
          description: 'Subscribe CRMs and automation to timeline events: signed CloudEvents, retries, a delivery log and replay (admins)',
        },
        { name: 'figures', description: 'Hand-off figures and the weekly SDR–AE sync report (scoped to your own for SDRs and AEs)' },
        { name: 'health', description: 'Liveness and readiness' },
      ],
    });
    return c.json(document);
  });
}
