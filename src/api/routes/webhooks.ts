import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { WebhookStore } from '../../db/webhooks.js';
import { requireRole } from '../auth.js';
import { jsonBody } from '../body.js';
import { problemResponses, ProblemError } from '../problem.js';
import { bearerSecurity, createRouter, type ApiDeps, type AppEnv } from '../router.js';
import {
  CreatedWebhookSchema,
  WebhookDeliveriesQuery,
  WebhookDeliveryParams,
  WebhookDeliverySchema,
  WebhookIdParams,
  WebhookSubscriptionBodySchema,
  WebhookSubscriptionSchema,
  WEBHOOK_DELIVERY_ID,
  WEBHOOK_ID,
} from '../schemas.js';

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const ADMIN = requireRole('admin');
const notFound = (what: string) => new ProblemError('not-found', `no such ${what}`);
/** A subscription id this API never hands out is not found, before it reaches the database. */
const subscriptionId = (id: string): string => {
  if (!WEBHOOK_ID.test(id)) throw notFound('webhook subscription');
  return id;
};

/**
 * Webhook subscriptions for CRMs and automation (README "Webhooks"): every timeline event as a
 * CloudEvents JSON POST signed per the Standard Webhooks spec, retried with backoff, with a
 * delivery log and replay. Admins only.
 */
export function webhookRoutes(deps: ApiDeps): OpenAPIHono<AppEnv> {
  const router = createRouter();
  const store = new WebhookStore(deps.db);

  router.openapi(
    createRoute({
      method: 'get',
      path: '/',
      operationId: 'listWebhooks',
      tags: ['webhooks'],
      summary: 'List the webhook subscriptions',
      description: 'Admins only. Secrets are never shown again after creation.',
      security: bearerSecurity,
      middleware: [ADMIN] as const,
      responses: {
        200: { description: 'The subscriptions', ...json(z.array(WebhookSubscriptionSchema)) },
        ...problemResponses('unauthorized', 'forbidden'),
      },
    }),
    async (c) => c.json(await store.list(), 200),
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/',
      operationId: 'createWebhook',
      tags: ['webhooks'],
      summary: 'Subscribe a URL to timeline events',
      description:
        'From now on every timeline event (or those listed in `events`) of every hand-off is POSTed to `url` as CloudEvents JSON (`application/cloudevents+json`), signed per the Standard Webhooks spec with the `secret` of this answer (`webhook-id`, `webhook-timestamp`, `webhook-signature`). A non-2xx answer is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then the delivery has failed (it can be replayed). Admins only.',
      security: bearerSecurity,
      middleware: [ADMIN, jsonBody()] as const,
      request: { body: { required: true, ...json(WebhookSubscriptionBodySchema) } },
      responses: {
        201: {
          description: 'Created: the subscription and its signing secret (shown only here)',
          headers: { Location: { schema: { type: 'string' } } },
          ...json(CreatedWebhookSchema),
        },
        ...problemResponses('malformed-request', 'unauthorized', 'forbidden', 'payload-too-large', 'validation'),
      },
    }),
    async (c) => {
      const created = await store.create(c.req.valid('json'), c.get('principal').id);
      c.header('Location', `/v1/webhooks/${created.id}`);
      return c.json(created, 201);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      operationId: 'getWebhook',
      tags: ['webhooks'],
      summary: 'Read a webhook subscription',
      description: 'Admins only.',
      security: bearerSecurity,
      middleware: [ADMIN] as const,
      request: { params: WebhookIdParams },
      responses: {
        200: { description: 'The subscription', ...json(WebhookSubscriptionSchema) },
        ...problemResponses('unauthorized', 'forbidden', 'not-found'),
      },
    }),
    async (c) => {
      const sub = await store.get(subscriptionId(c.req.valid('param').id));
      if (!sub) throw notFound('webhook subscription');
      return c.json(sub, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      operationId: 'deleteWebhook',
      tags: ['webhooks'],
      summary: 'Remove a webhook subscription',
      description: 'Nothing more is sent to it; its pending deliveries are dropped (failed, "subscription deleted"). Admins only.',
      security: bearerSecurity,
      middleware: [ADMIN] as const,
      request: { params: WebhookIdParams },
      responses: {
        204: { description: 'Removed' },
        ...problemResponses('unauthorized', 'forbidden', 'not-found'),
      },
    }),
    async (c) => {
      if (!(await store.delete(subscriptionId(c.req.valid('param').id)))) throw notFound('webhook subscription');
      return c.body(null, 204);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/{id}/deliveries',
      operationId: 'listWebhookDeliveries',
      tags: ['webhooks'],
      summary: "A subscription's delivery log",
      description: 'The latest 100 deliveries, newest first, optionally of one status. Admins only.',
      security: bearerSecurity,
      middleware: [ADMIN] as const,
      request: { params: WebhookIdParams, query: WebhookDeliveriesQuery },
      responses: {
        200: { description: 'The deliveries', ...json(z.array(WebhookDeliverySchema)) },
        ...problemResponses('unauthorized', 'forbidden', 'not-found', 'validation'),
      },
    }),
    async (c) => {
      const id = subscriptionId(c.req.valid('param').id);
      if (!(await store.get(id))) throw notFound('webhook subscription');
      const { status } = c.req.valid('query');
      return c.json(await store.deliveries(id, status ? { status } : {}), 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/deliveries/{deliveryId}/replay',
      operationId: 'replayWebhookDelivery',
      tags: ['webhooks'],
      summary: 'Send a delivery again',
      description:
        'Queues the delivery to be sent at once, whatever became of it before, with the same message id (`webhook-id`), so a receiver that keeps ids drops it if it had it already. Admins only.',
      security: bearerSecurity,
      middleware: [ADMIN] as const,
      request: { params: WebhookDeliveryParams },
      responses: {
        202: { description: 'Queued', ...json(WebhookDeliverySchema) },
        ...problemResponses('unauthorized', 'forbidden', 'not-found'),
      },
    }),
    async (c) => {
      const { id, deliveryId } = c.req.valid('param');
      if (!WEBHOOK_ID.test(id) || !WEBHOOK_DELIVERY_ID.test(deliveryId)) throw notFound('delivery of that webhook subscription');
      const delivery = await store.replay(id, deliveryId);
      if (!delivery) throw notFound('delivery of that webhook subscription');
      return c.json(delivery, 202);
    },
  );

  return router;
}
