import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { PolicyStore } from '../../db/policies.js';
import type { Role } from '../../domain/actions.js';
import { trimmedText } from '../../domain/formats.js';
import { diffPolicies, PolicyDiffSchema, PolicyVersionDetailSchema, PolicyVersionSchema } from '../../domain/policy-catalog.js';
import { simulationCsv, SimulationReportSchema } from '../../domain/simulation-report.js';
import { requireRole } from '../auth.js';
import { jsonBody } from '../body.js';
import { problemResponses, ProblemError } from '../problem.js';
import { bearerSecurity, createRouter, livePolicy, type ApiDeps, type AppEnv } from '../router.js';
import {
  policyChange,
  PolicyDocumentInput,
  policyNotFound,
  runSimulation,
  savedVersion,
  SimulateBodySchema,
  simulationFilename,
  versionNumber,
} from '../simulation.js';
import { wantsCsv } from './metrics.js';

/** Who writes and publishes policy (DESIGN: admin/manager), and who may also read and simulate it. */
export const POLICY_EDITORS: readonly Role[] = ['manager', 'admin'];
export const POLICY_READERS: readonly Role[] = ['manager', 'ops', 'admin'];
const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8';

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });

const VersionNumber = z
  .string()
  .meta({ example: '2', pattern: '^[1-9][0-9]{0,8}$', description: 'A policy version number; one of another shape is not found (404).' });
const NumberParams = z.object({ number: VersionNumber });

const CatalogSchema = z
  .object({
    source: z.enum(['database', 'file']).meta({
      description: 'database: new hand-offs take the published version; file: BATON_POLICY_FILE governs, and publishing is refused',
    }),
    live: z.string().meta({ description: "The version label new hand-offs take now (the published version's, or the file's)" }),
    versions: z.array(PolicyVersionSchema).meta({ description: 'Newest first' }),
  })
  .meta({ id: 'PolicyCatalog' });

const CreateBodySchema = z.strictObject({
  policy: PolicyDocumentInput,
  note: trimmedText(2000).optional().meta({ description: 'Why this version: shown in the catalog' }),
  basedOn: z
    .number()
    .int()
    .min(1)
    .max(999_999_999)
    .optional()
    .meta({ description: 'The version this one was edited from (the diff view compares them); one not saved is 422' }),
});

const PublishBodySchema = z.strictObject({ note: trimmedText(2000).optional() });

const DiffQuerySchema = z.object({
  against: VersionNumber.optional().meta({
    description: 'The version to compare with; default: the one it was based on, else the published version, else the one before',
  }),
});

const SimulateQuerySchema = z.object({
  format: z
    .enum(['json', 'csv'])
    .optional()
    .meta({ description: 'csv: the changed hand-offs as one table (also with `Accept: text/csv`)' }),
});

/** The policy catalog and the what-if simulator (issue 14). */
export function policyRoutes(deps: ApiDeps): OpenAPIHono<AppEnv> {
  const router = createRouter();
  const store = new PolicyStore(deps.db);
  const fromFile = deps.config.policyFromFile;

  router.openapi(
    createRoute({
      method: 'get',
      path: '/',
      operationId: 'listPolicies',
      tags: ['policies'],
      summary: 'List the policy versions',
      description:
        'Every saved version, newest first, which one is live, and where new hand-offs take their policy from. Managers, ops and admins.',
      security: bearerSecurity,
      middleware: [requireRole(...POLICY_READERS)] as const,
      responses: { 200: { description: 'The catalog', ...json(CatalogSchema) }, ...problemResponses('unauthorized', 'forbidden') },
    }),
    async (c) => {
      // The live policy first: on a first start, reading it seeds the catalog.
      const live = await livePolicy(deps);
      const versions = await store.list();
      return c.json({ source: fromFile ? ('file' as const) : ('database' as const), live: live.version, versions }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/',
      operationId: 'createPolicy',
      tags: ['policies'],
      summary: 'Save a new policy version (a draft)',
      description:
        'Validated like a policy file; nothing changes for any hand-off until it is published. A version label in use is 409. Managers and admins.',
      security: bearerSecurity,
      middleware: [requireRole(...POLICY_EDITORS), jsonBody()] as const,
      request: { body: { required: true, ...json(CreateBodySchema) } },
      responses: {
        201: { description: 'Saved', ...json(PolicyVersionDetailSchema), headers: { Location: { schema: { type: 'string' } } } },
        ...problemResponses('malformed-request', 'unauthorized', 'forbidden', 'policy-conflict', 'payload-too-large', 'validation'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const saved = await policyChange(() =>
        store.create({ document: body.policy, author: c.get('principal').id, note: body.note ?? '', basedOn: body.basedOn ?? null }),
      );
      c.header('Location', `/v1/policies/${saved.number}`);
      return c.json(saved, 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/{number}',
      operationId: 'getPolicy',
      tags: ['policies'],
      summary: 'Read a policy version',
      description: 'The document as saved, with who saved it and its publication. Managers, ops and admins.',
      security: bearerSecurity,
      middleware: [requireRole(...POLICY_READERS)] as const,
      request: { params: NumberParams },
      responses: {
        200: { description: 'The version', ...json(PolicyVersionDetailSchema) },
        ...problemResponses('unauthorized', 'forbidden', 'not-found'),
      },
    }),
    async (c) => c.json(await savedVersion(store, c.req.valid('param').number), 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/{number}/diff',
      operationId: 'diffPolicy',
      tags: ['policies'],
      summary: 'What a version changes',
      description: 'Field by field, and as a unified diff of the two documents as YAML. Managers, ops and admins.',
      security: bearerSecurity,
      middleware: [requireRole(...POLICY_READERS)] as const,
      request: { params: NumberParams, query: DiffQuerySchema },
      responses: {
        200: { description: 'The differences', ...json(PolicyDiffSchema) },
        ...problemResponses('unauthorized', 'forbidden', 'not-found', 'validation'),
      },
    }),
    async (c) => {
      const version = await savedVersion(store, c.req.valid('param').number);
      const { against } = c.req.valid('query');
      const other = await savedVersion(
        store,
        against ?? version.basedOn ?? (await store.publishedNumber()) ?? Math.max(1, version.number - 1),
      );
      return c.json(diffPolicies(other, version), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/{number}/publish',
      operationId: 'publishPolicy',
      tags: ['policies'],
      summary: 'Make a version the live policy',
      description:
        'New hand-offs take it from their start; running ones keep the policy they started with. Publishing an earlier version again rolls back. Refused (409) while BATON_POLICY_FILE governs. Managers and admins.',
      security: bearerSecurity,
      middleware: [requireRole(...POLICY_EDITORS), jsonBody()] as const,
      request: { params: NumberParams, body: { required: true, ...json(PublishBodySchema) } },
      responses: {
        200: { description: 'Published', ...json(PolicyVersionSchema) },
        ...problemResponses(
          'malformed-request',
          'unauthorized',
          'forbidden',
          'not-found',
          'policy-conflict',
          'payload-too-large',
          'validation',
        ),
      },
    }),
    async (c) => {
      const number = versionNumber(c.req.valid('param').number);
      if (fromFile) {
        throw new ProblemError(
          'policy-conflict',
          `new hand-offs take their policy from BATON_POLICY_FILE (${deps.config.policyFile}); unset it to publish from the catalog`,
        );
      }
      const published = await store.publish(number, c.get('principal').id, c.req.valid('json').note ?? '');
      if (!published) throw policyNotFound(number);
      return c.json(published, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/simulate',
      operationId: 'simulatePolicy',
      tags: ['policies'],
      summary: 'What a draft policy would have changed',
      description:
        "Replays the lead data of every hand-off submitted in the range through the ICP gate, scoring, tiering, the hand-off clock and routing (the roster as it is now; AEs' capacity and fairness positions evolving over the replay), under the live policy and under the draft, and answers the differences: hand-offs that change tier or move to or from nurture or not_icp (with examples and the rules responsible), the AEs' expected shares, the deadlines that move, and each tier's conversion where outcomes are known. Touches nothing live. JSON, or the changed hand-offs as CSV (`format=csv` or `Accept: text/csv`). Managers, ops and admins.",
      security: bearerSecurity,
      middleware: [requireRole(...POLICY_READERS), jsonBody()] as const,
      request: { query: SimulateQuerySchema, body: { required: true, ...json(SimulateBodySchema) } },
      responses: {
        200: {
          description: 'The differences',
          content: {
            'application/json': { schema: SimulationReportSchema },
            'text/csv': { schema: z.string().meta({ description: 'The changed hand-offs as one RFC 4180 table with a header row' }) },
          },
        },
        ...problemResponses('malformed-request', 'unauthorized', 'forbidden', 'not-found', 'payload-too-large', 'validation'),
      },
    }),
    async (c) => {
      const report = await runSimulation(deps, c.req.valid('json'));
      if (wantsCsv(c, c.req.valid('query').format)) {
        return c.body(simulationCsv(report), 200, {
          'Content-Type': CSV_MEDIA_TYPE,
          'Content-Disposition': `attachment; filename="${simulationFilename(report)}"`,
        });
      }
      return c.json(report, 200);
    },
  );

  return router;
}
