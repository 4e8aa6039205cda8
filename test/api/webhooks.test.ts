/**
 * The webhook routes (`/v1/webhooks`) through `app.request()` on an embedded database: admins
 * manage subscriptions, read the delivery log and replay; everyone else is refused.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { z } from 'zod';
import { TokenStore } from '../../src/api/auth.js';
import type { CreatedWebhookSchema, WebhookDeliverySchema, WebhookSubscriptionSchema } from '../../src/api/schemas.js';
import { LedgerStore } from '../../src/db/ledger.js';
import { seedKpiHandoffs } from '../../src/dev/kpi-seed.js';
import { appWithoutTemporal, expectJson, expectProblem } from './http.js';

type Created = z.output<typeof CreatedWebhookSchema>;
type Subscription = z.output<typeof WebhookSubscriptionSchema>;
type Delivery = z.output<typeof WebhookDeliverySchema>;

const TOKENS = { admin: 'tok-admin', manager: 'tok-mgr', ops: 'tok-ops' } as const;
const principals = TokenStore.fromTokens([
  { id: 'admin-root', role: 'admin', name: 'Baton Admin', token: TOKENS.admin },
  { id: 'mgr-ana', role: 'manager', name: 'Ana Ortiz', token: TOKENS.manager },
  { id: 'ops-pat', role: 'ops', name: 'Pat Rivera', token: TOKENS.ops },
]);

async function harness(t: TestContext) {
  // The webhook routes never call Temporal.
  return appWithoutTemporal(t, principals);
}

describe('/v1/webhooks', () => {
  test('an admin subscribes a URL: 201 with Location and the whsec_ secret, shown only then', async (t) => {
    const h = await harness(t);
    const res = await h.request('POST', '/v1/webhooks', {
      token: TOKENS.admin,
      body: { url: 'https://crm.example/baton', events: ['assigned', 'closed'], description: 'CRM sync' },
    });
    const created = await expectJson<Created>(res.clone(), 201);
    assert.match(created.id, /^wh_/);
    assert.equal(res.headers.get('location'), `/v1/webhooks/${created.id}`);
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/=]{32}$/);
    assert.deepEqual(
      [created.url, created.events, created.description, created.createdBy, created.active],
      ['https://crm.example/baton', ['assigned', 'closed'], 'CRM sync', 'admin-root', true],
    );
    const listed = await expectJson<Subscription[]>(await h.request('GET', '/v1/webhooks', { token: TOKENS.admin }), 200);
    assert.equal(listed.length, 1);
    assert.equal('secret' in listed[0]!, false);
    const read = await expectJson<Subscription>(await h.request('GET', `/v1/webhooks/${created.id}`, { token: TOKENS.admin }), 200);
    assert.equal('secret' in read, false);
    assert.deepEqual(
      (
        await expectJson<Subscription>(
          await h.request('POST', '/v1/webhooks', { token: TOKENS.admin, body: { url: 'http://10.0.0.5:8080/x' } }),
          201,
        )
      ).events,
      [],
    );
  });

  test('bad bodies are 422 naming the field; other roles are 403; no token 401', async (t) => {
    const h = await harness(t);
    const bad = async (body: unknown, field: string) => {
      const problem = await expectProblem(await h.request('POST', '/v1/webhooks', { token: TOKENS.admin, body }), 422, 'validation');
      assert.ok(
        problem.errors?.some((e) => e.path === field),
        `${JSON.stringify(problem.errors)} names ${field}`,
      );
    };
    await bad({ url: 'ftp://crm.example/x' }, 'url');
    await bad({ url: 'not a url' }, 'url');
    await bad({ url: 'https://crm.example/x', events: ['teleported'] }, 'events.0');
    await bad({ url: 'https://crm.example/x', secret: 'mine' }, 'secret');
    for (const token of [TOKENS.manager, TOKENS.ops]) {
      await expectProblem(await h.request('POST', '/v1/webhooks', { token, body: { url: 'https://crm.example/x' } }), 403, 'forbidden');
      await expectProblem(await h.request('GET', '/v1/webhooks', { token }), 403, 'forbidden');
    }
    await expectProblem(await h.request('GET', '/v1/webhooks'), 401, 'unauthorized');
  });

  test('the delivery log lists what was queued; a replay is 202 and due at once; delete is 204, then 404', async (t) => {
    const h = await harness(t);
    const created = await expectJson<Created>(
      await h.request('POST', '/v1/webhooks', { token: TOKENS.admin, body: { url: 'https://crm.example/baton', events: ['closed'] } }),
      201,
    );
    const closed = seedKpiHandoffs({ count: 20, weeks: 1, endingAt: '2026-11-20T00:00:00Z', seed: 4 }).find((s) =>
      s.batches.some((b) => b.entries.some((e) => e.event === 'closed')),
    )!;
    for (const batch of closed.batches) await new LedgerStore(h.db).append(batch);
    const log = await expectJson<Delivery[]>(await h.request('GET', `/v1/webhooks/${created.id}/deliveries`, { token: TOKENS.admin }), 200);
    assert.deepEqual(
      log.map((d) => [d.handoffId, d.event, d.status, d.attempts]),
      [[closed.handoffId, 'closed', 'pending', 0]],
    );
    assert.deepEqual(
      await expectJson<Delivery[]>(
        await h.request('GET', `/v1/webhooks/${created.id}/deliveries?status=sent`, { token: TOKENS.admin }),
        200,
      ),
      [],
    );
    await expectProblem(
      await h.request('GET', `/v1/webhooks/${created.id}/deliveries?status=lost`, { token: TOKENS.admin }),
      422,
      'validation',
    );

    const replayed = await expectJson<Delivery>(
      await h.request('POST', `/v1/webhooks/${created.id}/deliveries/${log[0]!.id}/replay`, { token: TOKENS.admin }),
      202,
    );
    assert.equal(replayed.status, 'pending');
    assert.ok(Date.parse(replayed.nextAttemptAt) <= Date.now());
    await expectProblem(
      await h.request('POST', `/v1/webhooks/${created.id}/deliveries/msg_nope/replay`, { token: TOKENS.admin }),
      404,
      'not-found',
    );

    const del = await h.request('DELETE', `/v1/webhooks/${created.id}`, { token: TOKENS.admin });
    assert.equal(del.status, 204);
    await expectProblem(await h.request('DELETE', `/v1/webhooks/${created.id}`, { token: TOKENS.admin }), 404, 'not-found');
    await expectProblem(await h.request('GET', `/v1/webhooks/${created.id}`, { token: TOKENS.admin }), 404, 'not-found');
    await expectProblem(await h.request('GET', `/v1/webhooks/${created.id}/deliveries`, { token: TOKENS.admin }), 404, 'not-found');
  });
});
