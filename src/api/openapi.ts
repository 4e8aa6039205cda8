import type { OpenAPIHono } from '@hono/zod-openapi';
import { MAX_BODY_BYTES } from './body.js';
import type { AppEnv } from './router.js';
import { docsRoutes } from './routes/docs.js';

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document generated from every route's zod schemas, which
 * state every constraint the validators check (test/api/contract.test.ts holds them to it); and
 * `GET /docs`, the interactive reference on it.
 */
export function openapiRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'A Baton token; `npm start` prints the demo tokens.',
  });
  let document: unknown;
  app.get('/openapi.json', (c) => {
    document ??= fixNullableRefs(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'Baton',
          version: '1',
          description: [
            'SDR → AE lead hand-off as a durable Temporal workflow. Errors are RFC 9457 problem details (application/problem+json).',
            'The schemas state every rule the validators check: a request they allow may be refused for who you are (401, 403), what exists (404) or the state it meets (409), not as invalid (422). The few rules no JSON Schema can state (a page token from the same listing, a figures range not reversed nor longer than 731 days, working intervals not overlapping) are in the descriptions.',
            `Patterns are ECMAScript regular expressions, without the \`u\` flag. Lengths, in \`minLength\`, \`maxLength\` and patterns alike, count UTF-16 code units, as JavaScript does: a character outside the Basic Multilingual Plane (most emoji) counts as two. Request bodies are at most ${MAX_BODY_BYTES / 1024} KiB (413 beyond).`,
            'Interactive reference: [/docs](/docs).',
          ].join('\n\n'),
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
            description:
              'Subscribe CRMs and automation to timeline events: signed CloudEvents, retries, a delivery log and replay (admins)',
          },
          { name: 'figures', description: 'Hand-off figures and the weekly SDR–AE sync report (scoped to your own for SDRs and AEs)' },
          { name: 'health', description: 'Liveness and readiness' },
        ],
      }),
    );
    return c.json(document);
  });
  app.route('/docs', docsRoutes());
}

/**
 * The generator writes a nullable reference as `allOf: [{$ref}, {type: [..., 'null']}]`, which no
 * `null` satisfies (the referenced schema is an object); it means `anyOf: [{$ref}, {type: 'null'}]`.
 */
export function fixNullableRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fixNullableRefs);
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node).map(([key, value]) => [key, fixNullableRefs(value)] as const);
  const schema = Object.fromEntries(entries) as Record<string, unknown>;
  const allOf = schema.allOf;
  if (Array.isArray(allOf) && allOf.length === 2) {
    const [ref, nullable] = allOf as [Record<string, unknown>, Record<string, unknown>];
    const type = nullable.type;
    if (typeof ref.$ref === 'string' && Object.keys(nullable).length === 1 && Array.isArray(type) && type.includes('null')) {
      const { allOf: _allOf, ...rest } = schema;
      return { ...rest, anyOf: [ref, { type: 'null' }] };
    }
  }
  return schema;
}
