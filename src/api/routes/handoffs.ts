import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, type RawWorkflowExecutionInfo } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { DeliveryStore } from '../../db/deliveries.js';
import { Router } from '../../db/router.js';
import type { NotificationKind } from '../../domain/notifications.js';
import { INTERVENING_ROLES, type InterventionInput, type InterventionKind, type Message, type Role } from '../../domain/actions.js';
import type { Submission } from '../../domain/lead.js';
import { TIERS, type Policy } from '../../domain/policy.js';
import { OUTCOMES, STAGES, type HandoffState } from '../../domain/state.js';
import {
  AssignedAeKey,
  CompanyNameKey,
  ContactDeadlineKey,
  HandoffOutcomeKey,
  HandoffStageKey,
  HandoffTierKey,
  LeadScoreKey,
  SdrIdKey,
} from '../../temporal/search-attributes.js';
import { visibilityRecordOf } from '../../temporal/visibility.js';
import {
  acceptUpdate,
  interventionUpdates,
  markContactedUpdate,
  recordBookingAttemptUpdate,
  rejectUpdate,
  reportOutcomeUpdate,
  submitFeedbackUpdate,
  updateChecklistUpdate,
  submitUpdate,
  withdrawUpdate,
  WORKFLOW_TYPE,
  workflowIdFor,
  type HandoffStart,
  type Submitted,
} from '../../../workflows/messages.js';
import { requireRole, type Principal } from '../auth.js';
import { jsonBody } from '../body.js';
import { problemResponses, ProblemError } from '../problem.js';
import { bearerSecurity, createRouter, livePolicy, type ApiDeps, type AppEnv } from '../router.js';
import {
  bodies,
  HandoffIdParams,
  HandoffListSchema,
  HandoffNotificationsSchema,
  HandoffRoutingSchema,
  HandoffStateSchema,
  ListQuerySchema,
  type HandoffSummarySchema,
} from '../schemas.js';
import { assessLead, draftView, submittedState } from '../../domain/assessment.js';
import { canonicalJson, staticDetails, staticSummary, submissionHash } from '../submission.js';
import { QUERY_TIMEOUT_MS, readState, sendUpdate, temporalProblem, updateProblem, withDeadline } from '../temporal.js';

/** What can go wrong with an action on an existing hand-off. */
const ACTION_PROBLEMS = problemResponses(
  'malformed-request',
  'unauthorized',
  'forbidden',
  'not-found',
  'refused-transition',
  'handoff-closed',
  'payload-too-large',
  'validation',
  'unavailable',
);

/** The memo key holding the fingerprint of the submission that started a hand-off. */
export const SUBMISSION_HASH_MEMO = 'submissionHash';
/** How long a submission waits for the workflow to gate, score and route it before answering without that. */
const FIRST_STATE_WAIT_MS = 5_000;
/** At risk: the first-contact deadline is less than this far away. */
const AT_RISK_WITHIN_MS = 2 * 3_600_000;

type HandoffWorkflow = (start: HandoffStart) => Promise<HandoffState>;

const SDR_ACTORS: Role[] = ['sdr', 'manager', 'admin'];
const AE_ACTORS: Role[] = ['ae', 'manager', 'admin'];

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const stateResponse = (description: string) => ({ description, ...json(HandoffStateSchema) });

const location = (handoffId: string): string => `/v1/handoffs/${encodeURIComponent(handoffId)}`;

/** The hand-off resource (DESIGN §4): submit, read, list, and the SDR's and AE's actions. */
export function handoffRoutes(deps: ApiDeps): OpenAPIHono<AppEnv> {
  const router = createRouter();
  const { client } = deps;
  const now = deps.now ?? Date.now;

  router.openapi(
    createRoute({
      method: 'post',
      path: '/',
      operationId: 'submitHandoff',
      tags: ['hand-offs'],
      summary: 'Submit a hand-off (draft or complete)',
      description:
        '`handoffId` is the idempotency key: the same body again answers 200 with the current state; the same id with a different body is 409. The SDR is the caller, never a body field.',
      security: bearerSecurity,
      middleware: [requireRole('sdr'), jsonBody()] as const,
      request: { body: { required: true, ...json(bodies.Submission) } },
      responses: {
        201: { ...stateResponse('Created: the new hand-off'), headers: { Location: { schema: { type: 'string' } } } },
        200: stateResponse('The same submission again: the current state'),
        ...problemResponses(
          'malformed-request',
          'unauthorized',
          'forbidden',
          'duplicate-handoff',
          'payload-too-large',
          'validation',
          'unavailable',
        ),
      },
    }),
    async (c) => {
      const { state, created } = await submitHandoff(deps, c.get('principal'), c.req.valid('json'));
      c.header('Location', location(state.id));
      return created ? c.json(state, 201) : c.json(state, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/',
      operationId: 'listHandoffs',
      tags: ['hand-offs'],
      summary: 'List hand-offs, newest first',
      description: 'Managers, ops and admins see every hand-off; an SDR sees the ones they submitted, an AE the ones assigned to them.',
      security: bearerSecurity,
      request: { query: ListQuerySchema },
      responses: {
        200: { description: 'One page of hand-off summaries', ...json(HandoffListSchema) },
        ...problemResponses('unauthorized', 'forbidden', 'validation', 'unavailable'),
      },
    }),
    async (c) => {
      const principal = c.get('principal');
      const filters = { ...c.req.valid('query') };
      if (principal.role === 'sdr') filters.sdr = ownFilter(principal, filters.sdr, 'sdr');
      if (principal.role === 'ae') filters.ae = ownFilter(principal, filters.ae, 'ae');
      const query = visibilityQuery(filters, now());
      const scope = pageScope(filters);
      const pageToken = filters.pageToken ? decodePageToken(filters.pageToken, scope) : undefined;
      const response = await withDeadline(client, QUERY_TIMEOUT_MS, () =>
        client.workflowService.listWorkflowExecutions({
          namespace: client.options.namespace,
          query,
          pageSize: filters.pageSize,
          nextPageToken: pageToken,
        }),
      );
      const items = response.executions.map(summarize);
      const next = response.nextPageToken?.length ? encodePageToken(response.nextPageToken, scope) : null;
      return c.json({ items, nextPageToken: next }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      operationId: 'getHandoff',
      tags: ['hand-offs'],
      summary: 'Read a hand-off',
      description: 'Its owning SDR, its assigned AE, managers, ops and admins may read it.',
      security: bearerSecurity,
      request: { params: HandoffIdParams },
      responses: {
        200: stateResponse('The read model of the hand-off'),
        ...problemResponses('unauthorized', 'forbidden', 'not-found', 'unavailable'),
      },
    }),
    async (c) => {
      const state = await readState(client, c.req.valid('param').id);
      assertMayRead(c.get('principal'), state);
      return c.json(state, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/routing',
      operationId: 'getHandoffRouting',
      tags: ['hand-offs'],
      summary: 'Why the hand-off went where it did',
      description:
        'Every routing decision recorded for the hand-off, with the candidates and their fairness figures, each excluded AE and why, the basis of the pick and when each AE was released. Whoever may read the hand-off may read this.',
      security: bearerSecurity,
      request: { params: HandoffIdParams },
      responses: {
        200: { description: 'The routing history of the hand-off', ...json(HandoffRoutingSchema) },
        ...problemResponses('unauthorized', 'forbidden', 'not-found', 'unavailable'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const state = await readState(client, id);
      assertMayRead(c.get('principal'), state);
      const decisions = await new Router(deps.db).decisions(id);
      return c.json({ handoffId: id, current: state.routing ?? null, decisions }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/notifications',
      operationId: 'getHandoffNotifications',
      tags: ['hand-offs'],
      summary: 'Who was told what about the hand-off, when, and how it went',
      description:
        'Every notification delivery of the hand-off (the delivery log): one per step, recipient and channel, with its status, attempts and the provider id. Whoever may read the hand-off may read this.',
      security: bearerSecurity,
      request: { params: HandoffIdParams },
      responses: {
        200: { description: 'The deliveries of the hand-off', ...json(HandoffNotificationsSchema) },
        ...problemResponses('unauthorized', 'forbidden', 'not-found', 'unavailable'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      assertMayRead(c.get('principal'), await readState(client, id));
      const deliveries = (await new DeliveryStore(deps.db).forHandoff(id)).map(
        ({ workflowId: _w, handoffId: _h, message: _m, ...delivery }) => ({
          ...delivery,
          kind: delivery.kind as NotificationKind,
        }),
      );
      return c.json({ handoffId: id, deliveries }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'patch',
      path: '/{id}',
      operationId: 'updateChecklist',
      tags: ['hand-offs'],
      summary: 'Fill checklist items',
      description:
        'Any subset of the submission body (without `handoffId`), while the hand-off is `awaiting_checklist`. Within a section the given fields replace the old ones; lists are replaced whole. When the checklist becomes complete the answer waits until the hand-off is gated, scored and routed.',
      security: bearerSecurity,
      middleware: [requireRole(...SDR_ACTORS), jsonBody()] as const,
      request: { params: HandoffIdParams, body: { required: true, ...json(bodies.ChecklistPatch) } },
      responses: {
        200: stateResponse('The hand-off after the update'),
        ...ACTION_PROBLEMS,
      },
    }),
    async (c) => {
      // Whose hand-off it is, and whether it may still change, the workflow's validator decides (403/409).
      const { id } = c.req.valid('param');
      return c.json(
        await sendUpdate(client, id, updateChecklistUpdate, { ...c.req.valid('json'), actor: actorOf(c.get('principal')) }),
        200,
      );
    },
  );

  const action = <S extends z.ZodType<object>>(spec: {
    name: string;
    operationId?: string;
    summary: string;
    description?: string;
    body: S;
    update: UpdateDefinition<HandoffState, [Message<z.output<S>>]>;
    actors: 'sdr' | 'ae';
    optionalBody?: boolean;
  }): void => {
    const ae = spec.actors === 'ae';
    router.openapi(
      createRoute({
        method: 'post',
        path: `/{id}/${spec.name}`,
        operationId: spec.operationId ?? `${spec.name}Handoff`,
        tags: ['hand-offs'],
        summary: spec.summary,
        description: [ae ? 'The assigned AE (or a manager).' : 'The owning SDR (or a manager).', spec.description]
          .filter(Boolean)
          .join(' '),
        security: bearerSecurity,
        middleware: [requireRole(...(ae ? AE_ACTORS : SDR_ACTORS)), jsonBody({ optional: spec.optionalBody })] as const,
        request: { params: HandoffIdParams, body: { required: true, ...json(spec.body) } },
        responses: {
          200: stateResponse('The hand-off after the action'),
          ...ACTION_PROBLEMS,
        },
      }),
      async (c) => {
        // The route is generic in its body schema, which hides the validated types from Hono.
        const req = c.req as unknown as { valid(target: 'param'): { id: string }; valid(target: 'json'): z.output<S> };
        // One round trip: the update's validator refuses someone else's hand-off (403) or a refused transition (409).
        const { id } = req.valid('param');
        const body = req.valid('json');
        return c.json(await sendUpdate(client, id, spec.update, { ...body, actor: actorOf(c.get('principal')) }), 200);
      },
    );
  };

  action({ name: 'accept', summary: 'Accept the hand-off', body: bodies.Accept, update: acceptUpdate, actors: 'ae', optionalBody: true });
  action({ name: 'reject', summary: 'Reject the hand-off with a reason', body: bodies.Reject, update: rejectUpdate, actors: 'ae' });
  action({ name: 'contacted', summary: 'Record the first contact', body: bodies.Contacted, update: markContactedUpdate, actors: 'ae' });
  action({ name: 'outcome', summary: 'Report the outcome', body: bodies.Outcome, update: reportOutcomeUpdate, actors: 'ae' });
  action({ name: 'feedback', summary: 'Rate how ready the lead was', body: bodies.Feedback, update: submitFeedbackUpdate, actors: 'ae' });
  action({
    name: 'withdraw',
    summary: 'Withdraw the hand-off before it is assigned',
    body: bodies.Withdraw,
    update: withdrawUpdate,
    actors: 'sdr',
    optionalBody: true,
  });
  action({
    name: 'booking-attempts',
    operationId: 'recordBookingAttempt',
    summary: 'Record an attempt to book the assigned AE',
    description:
      'While the hand-off is assigned or accepted; `at` defaults to now. Attempts on 3 distinct consecutive days (in the SDR’s time zone) without the AE accepting or contacting escalate the hand-off at once; the answer already shows the escalation.',
    body: bodies.BookingAttempt,
    update: recordBookingAttemptUpdate,
    actors: 'sdr',
    optionalBody: true,
  });

  const intervention = <K extends InterventionKind>(spec: {
    name: string;
    kind: K;
    summary: string;
    description: string;
    body: z.ZodType<InterventionInput[K]>;
  }): void => {
    const update = interventionUpdates[spec.kind] as UpdateDefinition<HandoffState, [Message<InterventionInput[K]>]>;
    router.openapi(
      createRoute({
        method: 'post',
        path: `/{id}/${spec.name}`,
        operationId: `${spec.kind}Handoff`,
        tags: ['hand-offs'],
        summary: spec.summary,
        description: `${spec.description} Managers, ops and admins. Sent to the workflow as the \`${spec.kind}\` update (ops can send the signal of the same name from the Temporal UI or CLI); the answer is the hand-off once the workflow has applied it and routed or closed it, or 409 with the reason it was refused.`,
        security: bearerSecurity,
        middleware: [requireRole(...INTERVENING_ROLES), jsonBody()] as const,
        request: { params: HandoffIdParams, body: { required: true, ...json(spec.body) } },
        responses: {
          200: stateResponse('The hand-off after the intervention, routed again or closed'),
          ...ACTION_PROBLEMS,
        },
      }),
      async (c) => {
        // The route is generic in its body schema, which hides the validated types from Hono.
        const req = c.req as unknown as { valid(target: 'param'): { id: string }; valid(target: 'json'): InterventionInput[K] };
        const { id } = req.valid('param');
        const message = { ...req.valid('json'), actor: actorOf(c.get('principal')) } as Message<InterventionInput[K]>;
        return c.json(await sendUpdate(client, id, update, message), 200);
      },
    );
  };

  intervention({
    name: 'escalate',
    kind: 'escalate',
    summary: 'Escalate the hand-off to a senior AE',
    description:
      'Reassigns the lead with a fresh first-contact window: to `to` when given, otherwise to a senior AE the router picks (the current AE is excluded). Counts as an escalation.',
    body: bodies.Escalate,
  });
  intervention({
    name: 'reassign',
    kind: 'reassign',
    summary: 'Reassign the hand-off to a named AE',
    description: 'Moves the lead to AE `to` with a fresh first-contact window; refused when that AE is unknown, inactive or at capacity.',
    body: bodies.Reassign,
  });
  intervention({
    name: 'return',
    kind: 'returnToSdr',
    summary: 'Return the hand-off to the SDR',
    description: 'Closes the hand-off as `returned_to_sdr` with the given reason, for the SDR to re-engage.',
    body: bodies.ReturnToSdr,
  });

  return router;
}

const actorOf = (principal: Principal) => ({ id: principal.id, role: principal.role });

function assertMayRead(principal: Principal, state: HandoffState): void {
  assertOwningSdr(principal, state);
  assertAssignedAe(principal, state);
}

function assertOwningSdr(principal: Principal, state: HandoffState): void {
  if (principal.role === 'sdr' && state.sdrId !== principal.id) throw new ProblemError('forbidden', 'this hand-off belongs to another SDR');
}

function assertAssignedAe(principal: Principal, state: HandoffState): void {
  if (principal.role === 'ae' && state.assignedAe !== principal.id)
    throw new ProblemError('forbidden', 'this hand-off is not assigned to you');
}

/** SDRs and AEs list only their own hand-offs; asking for someone else's is 403. */
function ownFilter(principal: Principal, asked: string | undefined, param: 'sdr' | 'ae'): string {
  if (asked !== undefined && asked !== principal.id)
    throw new ProblemError(
      'forbidden',
      `as ${principal.role} ${principal.id} you can only list your own hand-offs (${param}=${principal.id})`,
    );
  return principal.id;
}

/**
 * Submits a hand-off in one call (update-with-start): starts its workflow, or finds the running
 * one, and answers with the state once it is gated, scored and routed. `created` is false when this
 * SDR already submitted this very body under this id (idempotent replay); any other reuse of the id
 * is 409, without saying whose it is.
 */
async function submitHandoff(deps: ApiDeps, principal: Principal, submission: Submission): Promise<Submitted> {
  const { client, config } = deps;
  const policy = await livePolicy(deps);
  const { handoffId, ...lead } = submission;
  const hash = submissionHash(submission);
  const assessment = assessLead(lead, policy);
  const workflowId = workflowIdFor(handoffId);
  const start: HandoffStart = {
    handoffId,
    sdrId: principal.id,
    lead,
    submissionHash: hash,
    ...(principal.timeZone ? { sdrTimeZone: principal.timeZone } : {}),
    ...(principal.managerId ? { sdrManagerId: principal.managerId } : {}),
  };
  const startWorkflowOperation = new WithStartWorkflowOperation<HandoffWorkflow>(WORKFLOW_TYPE, {
    workflowId,
    taskQueue: config.taskQueue,
    args: [start],
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: HandoffStageKey, value: 'awaiting_checklist' },
      { key: SdrIdKey, value: principal.id },
      ...(lead.company?.name ? [{ key: CompanyNameKey, value: lead.company.name }] : []),
    ],
    memo: { [SUBMISSION_HASH_MEMO]: hash },
    staticSummary: staticSummary(lead, assessment),
    staticDetails: staticDetails(principal.id, lead, assessment),
  });
  try {
    return await withDeadline(client, FIRST_STATE_WAIT_MS, () =>
      client.workflow.executeUpdateWithStart(submitUpdate, {
        args: [{ submissionHash: hash, actor: actorOf(principal) }],
        startWorkflowOperation,
      }),
    );
  } catch (err) {
    const refused = updateProblem(err);
    if (refused) throw refused;
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      // The hand-off is closed: a repeat of its submission reads it, anything else is refused.
      await assertSameSubmission(deps, principal, handoffId, hash);
      return { state: await readState(client, handoffId), created: false };
    }
    // Started, but the workflow has not answered yet (no worker polling, say): what the start knows.
    if (
      !temporalProblem(err) ||
      !(await startWorkflowOperation.workflowHandle().then(
        () => true,
        () => false,
      ))
    )
      throw err;
    return { state: pendingState(deps, start, policy), created: true };
  }
}

async function assertSameSubmission(deps: ApiDeps, principal: Principal, handoffId: string, hash: string): Promise<void> {
  const existing = await withDeadline(deps.client, QUERY_TIMEOUT_MS, () =>
    deps.client.workflow.getHandle(workflowIdFor(handoffId)).describe(),
  );
  if (existing.typedSearchAttributes.get(SdrIdKey) !== principal.id) {
    throw new ProblemError('duplicate-handoff', `handoffId ${handoffId} is already taken; use another idempotency key`);
  }
  if (existing.memo?.[SUBMISSION_HASH_MEMO] !== hash) {
    throw new ProblemError(
      'duplicate-handoff',
      `hand-off ${handoffId} was already submitted with a different body; PATCH it to change checklist items, or use a new handoffId`,
    );
  }
}

/** What the start already knows, when the workflow has not answered yet (no worker polling, say). */
function pendingState(deps: ApiDeps, start: HandoffStart, policy: Policy): HandoffState {
  const submittedAt = deps.now?.() ?? Date.now();
  return {
    ...submittedState({ ...start, submittedAt }),
    ...draftView(start.lead, submittedAt, policy),
    ...(start.sdrTimeZone ? { sdrTimeZone: start.sdrTimeZone } : {}),
  };
}

type ListFilters = z.output<typeof ListQuerySchema>;

/** A visibility literal: single-quoted, with quotes and backslashes escaped. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The Temporal visibility query for a list request (DESIGN §3 search attributes). */
export function visibilityQuery(filters: Omit<ListFilters, 'pageSize' | 'pageToken'>, nowMs: number): string {
  const clauses = [`WorkflowType = ${quote(WORKFLOW_TYPE)}`];
  if (filters.stage) clauses.push(`${HandoffStageKey.name} = ${quote(filters.stage)}`);
  if (filters.tier) clauses.push(`${HandoffTierKey.name} = ${quote(filters.tier)}`);
  if (filters.ae) clauses.push(`${AssignedAeKey.name} = ${quote(filters.ae)}`);
  if (filters.sdr) clauses.push(`${SdrIdKey.name} = ${quote(filters.sdr)}`);
  if (filters.atRisk === true) {
    clauses.push(`${HandoffStageKey.name} IN (${quote('assigned')}, ${quote('accepted')})`);
    clauses.push(`${ContactDeadlineKey.name} < ${quote(new Date(nowMs + AT_RISK_WITHIN_MS).toISOString())}`);
  } else if (filters.atRisk === false) {
    clauses.push(
      `(${HandoffStageKey.name} NOT IN (${quote('assigned')}, ${quote('accepted')}) OR ${ContactDeadlineKey.name} >= ${quote(new Date(nowMs + AT_RISK_WITHIN_MS).toISOString())})`,
    );
  }
  return clauses.join(' AND ');
}

/** The filters a page token belongs to (not the clock: at-risk pages stay valid as time passes). */
function pageScope(filters: ListFilters): string {
  return canonicalJson({ stage: filters.stage, tier: filters.tier, ae: filters.ae, sdr: filters.sdr, atRisk: filters.atRisk });
}

const CHECK_BYTES = 8;
const tokenCheck = (serverToken: Uint8Array, scope: string): Buffer =>
  createHash('sha256').update(scope).update(serverToken).digest().subarray(0, CHECK_BYTES);

/**
 * Page tokens carry a check of the filters they were issued for, so a garbled token, or one from
 * another listing, is refused here: Temporal answers a bad token with a retryable error, which
 * the client would retry until its deadline.
 */
function encodePageToken(serverToken: Uint8Array, scope: string): string {
  return Buffer.concat([tokenCheck(serverToken, scope), serverToken]).toString('base64url');
}

function decodePageToken(token: string, scope: string): Buffer {
  const raw = Buffer.from(token, 'base64url');
  const serverToken = raw.subarray(CHECK_BYTES);
  if (serverToken.length === 0 || !tokenCheck(serverToken, scope).equals(raw.subarray(0, CHECK_BYTES))) {
    throw new ProblemError('validation', 'pageToken is not a nextPageToken of this listing (same filters)', {
      errors: [{ path: 'pageToken', message: 'not a nextPageToken of this listing' }],
    });
  }
  return serverToken;
}

function oneOf<T extends string>(values: readonly T[], value: string | undefined): T | null {
  return value !== undefined && (values as readonly string[]).includes(value) ? (value as T) : null;
}

function summarize(raw: RawWorkflowExecutionInfo): z.infer<typeof HandoffSummarySchema> {
  const info = visibilityRecordOf(raw);
  const sa = info.typedSearchAttributes;
  return {
    id: info.workflowId.replace(/^handoff-/, ''),
    stage: oneOf(STAGES, sa.get(HandoffStageKey)),
    tier: oneOf(TIERS, sa.get(HandoffTierKey)),
    outcome: oneOf(OUTCOMES, sa.get(HandoffOutcomeKey)),
    sdrId: sa.get(SdrIdKey) ?? null,
    assignedAe: sa.get(AssignedAeKey) ?? null,
    companyName: sa.get(CompanyNameKey) ?? null,
    score: sa.get(LeadScoreKey) ?? null,
    contactDeadline: sa.get(ContactDeadlineKey)?.toISOString() ?? null,
    startedAt: info.startTime.toISOString(),
    closedAt: info.closeTime?.toISOString() ?? null,
    status: info.status,
  };
}
