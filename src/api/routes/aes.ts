import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { z } from 'zod';
import type { Context } from 'hono';
import type { Database } from '../../db/database.js';
import { RosterConflict, RosterStore } from '../../db/roster.js';
import { Router } from '../../db/router.js';
import type { Role } from '../../domain/actions.js';
import { AeSchema } from '../../domain/roster.js';
import { rosterChangedSignal, workflowIdFor } from '../../../workflows/messages.js';
import { requireRole } from '../auth.js';
import { jsonBody } from '../body.js';
import { fieldErrors, problemResponses, ProblemError } from '../problem.js';
import { bearerSecurity, createRouter, type ApiDeps, type AppEnv } from '../router.js';
import { AeIdParams, AuditListSchema, bodies, RosterEntrySchema, RosterListSchema } from '../schemas.js';
import { withDeadline } from '../temporal.js';

/** Who maintains the roster, and who may only look at it. */
const EDITORS: Role[] = ['manager', 'admin'];
const READERS: Role[] = [...EDITORS, 'ops'];

/** The response header saying how many waiting hand-offs a roster change woke. */
export const WOKEN_HEADER = 'Baton-Woken-Handoffs';
/** A roster change waits at most this long for the wake-up signals (the workflows also retry hourly). */
const WAKE_TIMEOUT_MS = 2_000;
const WAKE_CONCURRENCY = 16;

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const entryResponse = (description: string) => ({ description, ...json(RosterEntrySchema) });
const wokenHeader = {
  [WOKEN_HEADER]: {
    schema: { type: 'integer' as const },
    description: 'How many hand-offs waiting for an eligible AE were signalled to retry routing',
  },
};
const location = (aeId: string): string => `/v1/aes/${encodeURIComponent(aeId)}`;

/** The AE roster (DESIGN §2.6): managers and admins maintain it, ops read it; every change is audited. */
export function aeRoutes(deps: ApiDeps): OpenAPIHono<AppEnv> {
  const router = createRouter();
  const store = new RosterStore(deps.db);

  /** Wakes the waiting hand-offs and says how many in the answer. */
  const announceChange = async (c: Context): Promise<void> => {
    c.header(WOKEN_HEADER, String(await wakeWaitingHandoffs(deps.client, deps.db)));
  };

  router.openapi(
    createRoute({
      method: 'get',
      path: '/',
      operationId: 'listAes',
      tags: ['roster'],
      summary: 'List the AE roster',
      description: 'Every AE on the roster by id, with the router’s figures. Managers, ops and admins.',
      security: bearerSecurity,
      middleware: [requireRole(...READERS)] as const,
      responses: {
        200: { description: 'The roster', ...json(RosterListSchema) },
        ...problemResponses('unauthorized', 'forbidden'),
      },
    }),
    async (c) => c.json(await store.list(), 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/',
      operationId: 'createAe',
      tags: ['roster'],
      summary: 'Add an AE to the roster',
      description:
        'The AE document of DESIGN §2.6; omitted fields take their defaults, unknown fields are refused. An id in use is 409; the id of a deleted AE may be used again (their fairness figures carry on). Hand-offs waiting for an eligible AE are signalled to retry routing.',
      security: bearerSecurity,
      middleware: [requireRole(...EDITORS), jsonBody()] as const,
      request: { body: { required: true, ...json(bodies.Ae) } },
      responses: {
        201: { ...entryResponse('Created: the new roster entry'), headers: { Location: { schema: { type: 'string' } }, ...wokenHeader } },
        ...problemResponses('malformed-request', 'unauthorized', 'forbidden', 'roster-conflict', 'payload-too-large', 'validation'),
      },
    }),
    async (c) => {
      const entry = await rosterChange(() => store.create(c.req.valid('json'), c.get('principal').id));
      await announceChange(c);
      c.header('Location', location(entry.id));
      return c.json(entry, 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      operationId: 'getAe',
      tags: ['roster'],
      summary: 'Read an AE',
      description: 'Managers, ops and admins.',
      security: bearerSecurity,
      middleware: [requireRole(...READERS)] as const,
      request: { params: AeIdParams },
      responses: {
        200: entryResponse('The roster entry'),
        ...problemResponses('unauthorized', 'forbidden', 'not-found'),
      },
    }),
    async (c) => {
      const id = knownId(c.req.valid('param').id);
      const entry = await store.get(id);
      if (!entry) throw notFound(id);
      return c.json(entry, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/{id}',
      operationId: 'updateAe',
      tags: ['roster'],
      summary: 'Change an AE',
      description:
        'Any subset of the document but `id`. A change of territory, segment, industry or seniority, or coming back from inactive, makes the AE rejoin their peers level at their next candidacy; it never resets their position. Hand-offs waiting for an eligible AE are signalled to retry routing.',
      security: bearerSecurity,
      middleware: [requireRole(...EDITORS), jsonBody()] as const,
      request: { params: AeIdParams, body: { required: true, ...json(bodies.AePatch) } },
      responses: {
        200: { ...entryResponse('The roster entry after the change'), headers: wokenHeader },
        ...problemResponses('malformed-request', 'unauthorized', 'forbidden', 'not-found', 'payload-too-large', 'validation'),
      },
    }),
    async (c) => {
      const id = knownId(c.req.valid('param').id);
      const entry = await rosterChange(() => store.update(id, c.req.valid('json'), c.get('principal').id));
      if (!entry) throw notFound(id);
      await announceChange(c);
      return c.json(entry, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      operationId: 'deleteAe',
      tags: ['roster'],
      summary: 'Take an AE off the roster',
      description:
        'Refused (409) while the AE still holds open hand-offs: reassign them first, or set `"active": false` to stop new ones. The AE’s history stays readable at `/v1/aes/{id}/audit`.',
      security: bearerSecurity,
      middleware: [requireRole(...EDITORS)] as const,
      request: { params: AeIdParams },
      responses: {
        204: { description: 'Deleted', headers: wokenHeader },
        ...problemResponses('unauthorized', 'forbidden', 'not-found', 'roster-conflict'),
      },
    }),
    async (c) => {
      const id = knownId(c.req.valid('param').id);
      if (!(await rosterChange(() => store.remove(id, c.get('principal').id)))) throw notFound(id);
      await announceChange(c);
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/audit',
      operationId: 'getAeAudit',
      tags: ['roster'],
      summary: 'The change history of an AE',
      description: 'Who changed what and when, oldest first; also for a deleted AE. Managers, ops and admins.',
      security: bearerSecurity,
      middleware: [requireRole(...READERS)] as const,
      request: { params: AeIdParams },
      responses: {
        200: { description: 'The audit trail', ...json(AuditListSchema) },
        ...problemResponses('unauthorized', 'forbidden', 'not-found'),
      },
    }),
    async (c) => {
      const id = knownId(c.req.valid('param').id);
      const history = await store.audit(id);
      if (!history) throw notFound(id);
      return c.json(history, 200);
    },
  );

  return router;
}

const notFound = (id: string): ProblemError => new ProblemError('not-found', `no AE ${id}`);

/** A path id no AE can have is not found, before it reaches the database. */
function knownId(id: string): string {
  if (!AeSchema.shape.id.safeParse(id).success) throw notFound(id);
  return id;
}

/**
 * Runs a roster change with the store's refusals as problems: a conflict is 409 with its reason,
 * and a merged document that breaks the schema (a PATCH removing a required field, say) is 422.
 */
async function rosterChange<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (err) {
    if (err instanceof RosterConflict) throw new ProblemError('roster-conflict', err.message, { cause: err });
    if (err instanceof z.ZodError) {
      const errors = fieldErrors(err);
      throw new ProblemError('validation', `the AE would be invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, {
        errors,
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * After a roster change: signals every hand-off waiting for an eligible AE to retry routing now,
 * answering how many were signalled. A hand-off whose workflow is gone is forgotten; anything else
 * is logged and left to the workflow's hourly retry, so a roster change never fails for it.
 */
export async function wakeWaitingHandoffs(client: Client, db: Database): Promise<number> {
  const router = new Router(db);
  let waiting: string[];
  try {
    waiting = await router.waiting();
  } catch (err) {
    console.warn(`roster changed, but the hand-offs waiting for an AE could not be read: ${(err as Error).message}`);
    return 0;
  }
  let woken = 0;
  const queue = [...waiting];
  const signalNext = async (): Promise<void> => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      if (await wake(client, router, id)) woken++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(WAKE_CONCURRENCY, queue.length) }, signalNext));
  return woken;
}

async function wake(client: Client, router: Router, handoffId: string): Promise<boolean> {
  try {
    await withDeadline(client, WAKE_TIMEOUT_MS, () => client.workflow.getHandle(workflowIdFor(handoffId)).signal(rosterChangedSignal));
    return true;
  } catch (err) {
    // Signalling a closed workflow is "not found" too: either way it will never route again.
    if (err instanceof WorkflowNotFoundError) {
      await router
        .forgetWait(handoffId)
        .catch((e: unknown) => console.warn(`could not forget the wait of closed hand-off ${handoffId}: ${(e as Error).message}`));
    } else {
      console.warn(`could not wake hand-off ${handoffId} after a roster change (it retries within the hour): ${(err as Error).message}`);
    }
    return false;
  }
}
