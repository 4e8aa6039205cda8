/**
 * `GET /metrics` (Prometheus text format, prom-client): per-route request counts and latencies with
 * route patterns as labels, and the hand-off figures read from the database at each scrape.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TokenStore } from '../../src/api/auth.js';
import { DeliveryStore } from '../../src/db/deliveries.js';
import { LedgerStore } from '../../src/db/ledger.js';
import { seedKpiHandoffs } from '../../src/dev/kpi-seed.js';
import { appWithoutTemporal } from './http.js';

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean);
    if (want.every((w) => have.includes(w)) && have.length === want.length) return Number(match[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  test('counts requests per route pattern and status, and reports hand-offs by stage, missed windows and deliveries', async (t) => {
    const { db, app } = await appWithoutTemporal(
      t,
      TokenStore.fromTokens([{ id: 'mgr-ana', role: 'manager', name: 'Ana', token: 'tok-mgr' }]),
    );
    const seeded = seedKpiHandoffs({ count: 30, weeks: 2, endingAt: '2026-11-20T00:00:00Z', seed: 5 });
    const ledger = new LedgerStore(db);
    for (const item of seeded) for (const batch of item.batches) await ledger.append(batch);
    const store = new DeliveryStore(db);
    const key = { workflowId: 'handoff-m-1', step: 'assigned:1', recipient: 'ae-kim', channel: 'email' };
    const claim = await store.claim(key, { handoffId: 'm-1', kind: 'assignment', address: 'kim@example.com' });
    await store.sent(key, claim.state === 'claimed' ? claim.claim : '', '<x@baton>');

    for (const id of ['ae-kim', 'ae-sam']) await app.request(`/v1/aes/${id}`, { headers: { Authorization: 'Bearer tok-mgr' } });
    await app.request('/v1/aes', { headers: { Authorization: 'Bearer nope' } });
    await app.request('/no/such/path/123');

    const res = await app.request('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();

    assert.equal(
      sample(text, 'baton_http_requests_total', { method: 'GET', route: '/v1/aes/:id', status: '404' }),
      2,
      'one label for both ids',
    );
    assert.equal(sample(text, 'baton_http_requests_total', { method: 'GET', route: '/v1/aes', status: '401' }), 1);
    assert.equal(sample(text, 'baton_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }), 1);
    assert.equal(sample(text, 'baton_http_request_duration_seconds_count', { method: 'GET', route: '/v1/aes/:id' }), 2);

    const { rows } = await db.query<{ stage: string; n: number; handoff: number; contact: number; escalations: number }>(
      `SELECT stage, count(*)::int AS n FROM handoff_projection GROUP BY stage`,
    );
    for (const row of rows) assert.equal(sample(text, 'baton_handoffs', { stage: row.stage }), row.n, row.stage);
    const [sla] = (
      await db.query<{ handoff: number; contact: number; escalations: number }>(
        `SELECT count(*) FILTER (WHERE handoff_sla = 'missed')::int AS handoff, count(*) FILTER (WHERE contact_sla = 'missed')::int AS contact,
           coalesce(sum(escalations), 0)::int AS escalations FROM handoff_projection`,
      )
    ).rows;
    assert.equal(sample(text, 'baton_sla_missed_handoffs', { window: 'handoff' }), sla!.handoff);
    assert.equal(sample(text, 'baton_sla_missed_handoffs', { window: 'contact' }), sla!.contact);
    assert.equal(sample(text, 'baton_escalations'), sla!.escalations);
    assert.equal(sample(text, 'baton_notification_deliveries', { channel: 'email', status: 'sent' }), 1);
    assert.ok(sample(text, 'baton_api_process_resident_memory_bytes')! > 0, 'the process metrics are there');
  });
});
