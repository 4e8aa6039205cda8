import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it, type TestContext } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { LedgerStore } from '../../src/db/ledger.js';
import { WebhookStore } from '../../src/db/webhooks.js';
import { seedKpiHandoffs } from '../../src/dev/kpi-seed.js';
import type { HandoffCloudEvent } from '../../src/webhooks/cloudevent.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { onBothDatabases, type OpenTestDatabase } from '../support/postgres.js';

/**
 * Webhooks against both databases: every ledger event is queued for the subscriptions that want
 * it, and the dispatcher POSTs it as CloudEvents JSON signed per the Standard Webhooks spec (the
 * receiver verifies with the `standardwebhooks` library), retries with backoff, gives up, replays.
 */

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on loopback that answers each request with the next status of `answers` (then 204). */
async function receiver(t: TestContext, answers: number[] = []): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answers.shift() ?? 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received };
}

/** A seeded hand-off that closed, shipped in several batches. */
const closedHandoff = (seed: number, endingAt: string) =>
  seedKpiHandoffs({ count: 20, weeks: 1, endingAt, seed }).find(
    (s) => s.batches.length >= 3 && s.batches.some((b) => b.entries.some((e) => e.event === 'closed')),
  )!;

function suite(open: OpenTestDatabase) {
  it('queues every ledger event once per subscription that wants it; the receiver verifies each signed CloudEvent', async (t) => {
    const db = await open(t);
    if (!db) return;
    const hooks = new WebhookStore(db);
    const crm = await receiver(t);
    const all = await hooks.create({ url: crm.url, events: [] }, 'admin-root');
    const picky = await hooks.create({ url: crm.url, events: ['assigned', 'closed'] }, 'admin-root');
    assert.match(all.secret, /^whsec_/);
    // Each test its own hand-offs: the suite's tests share one database.
    const item = closedHandoff(3, '2026-11-20T00:00:00Z');
    const ledger = new LedgerStore(db);
    for (const batch of item.batches) {
      await ledger.append(batch);
      await ledger.append(batch); // a retried batch queues nothing twice
    }
    const events = await ledger.events(item.handoffId);
    const dispatcher = new WebhookDispatcher(db, { backoffMs: [0] });
    assert.equal(await dispatcher.drain(), events.length + events.filter((e) => ['assigned', 'closed'].includes(e.event)).length);

    const secrets = new Map([
      [all.id, all.secret],
      [picky.id, picky.secret],
    ]);
    const bySubscription = new Map<string, HandoffCloudEvent[]>();
    for (const r of crm.received) {
      assert.equal(r.headers['content-type'], 'application/cloudevents+json');
      // Which subscription: the one whose secret verifies the signature.
      const matching = [...secrets].filter(([, secret]) => {
        try {
          new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
          return true;
        } catch {
          return false;
        }
      });
      assert.equal(matching.length, 1, 'exactly one secret verifies each delivery');
      const event = JSON.parse(r.body) as HandoffCloudEvent;
      bySubscription.set(matching[0]![0], [...(bySubscription.get(matching[0]![0]) ?? []), event]);
    }
    const sent = bySubscription.get(all.id)!;
    assert.deepEqual(
      sent.map((e) => e.data.seq).sort((a, b) => a - b),
      events.map((e) => e.seq),
    );
    const first = sent.find((e) => e.data.seq === 0)!;
    assert.equal(first.specversion, '1.0');
    assert.equal(first.type, `dev.baton.handoff.${events[0]!.event}`);
    assert.equal(first.subject, item.handoffId);
    assert.equal(first.id, `${events[0]!.workflowId}:0`);
    assert.equal(first.time, events[0]!.at);
    assert.equal(first.data.facts.sdrId, events[0]!.facts.sdrId);
    assert.deepEqual(
      bySubscription
        .get(picky.id)!
        .map((e) => e.data.event)
        .sort(),
      events
        .filter((e) => ['assigned', 'closed'].includes(e.event))
        .map((e) => e.event)
        .sort(),
    );
    assert.equal(await dispatcher.drain(), 0, 'nothing is sent twice');
    const log = await hooks.deliveries(all.id);
    assert.ok(log.every((d) => d.status === 'sent' && d.attempts === 1 && d.lastStatus === 204));
  });

  it('a failing receiver is retried on the backoff schedule with the same message id, then given up; a replay sends it again', async (t) => {
    const db = await open(t);
    if (!db) return;
    const hooks = new WebhookStore(db);
    // 500, then 503, then the default 204 for the third attempt.
    const crm = await receiver(t, [500, 503]);
    const sub = await hooks.create({ url: crm.url, events: ['closed'] }, 'admin-root');
    const item = closedHandoff(5, '2026-11-20T00:00:00Z');
    const ledger = new LedgerStore(db);
    for (const batch of item.batches) await ledger.append(batch);
    const dispatcher = new WebhookDispatcher(db, { backoffMs: [0, 0] });
    await dispatcher.drain();
    assert.equal(crm.received.length, 3);
    assert.equal(new Set(crm.received.map((r) => r.headers['webhook-id'])).size, 1, 'one message id across attempts');
    const [delivery] = await hooks.deliveries(sub.id);
    assert.deepEqual([delivery!.status, delivery!.attempts, delivery!.lastStatus], ['sent', 3, 204]);

    // A receiver that never answers 2xx: two retries, then failed for good.
    const down = await receiver(t, [500, 500, 500]);
    const broken = await hooks.create({ url: down.url, events: ['closed'] }, 'admin-root');
    const again = closedHandoff(9, '2026-11-27T00:00:00Z');
    assert.notEqual(again.handoffId, item.handoffId);
    for (const batch of again.batches) await ledger.append(batch);
    await new WebhookDispatcher(db, { backoffMs: [0, 0] }).drain();
    const [failed] = await hooks.deliveries(broken.id);
    assert.deepEqual([failed!.status, failed!.attempts, failed!.lastError], ['failed', 3, 'HTTP 500']);

    // The admin fixes the receiver and replays the delivery: sent, same message id.
    const replayed = await hooks.replay(broken.id, failed!.id);
    assert.equal(replayed?.status, 'pending');
    down.received.length = 0;
    await new WebhookDispatcher(db, { backoffMs: [0, 0] }).drain();
    assert.equal(down.received.length, 1);
    assert.equal(down.received[0]!.headers['webhook-id'], failed!.id);
    assert.equal((await hooks.deliveries(broken.id))[0]!.status, 'sent');
  });

  it('a deleted subscription gets nothing more, and what was pending for it is dropped', async (t) => {
    const db = await open(t);
    if (!db) return;
    const hooks = new WebhookStore(db);
    const crm = await receiver(t);
    const sub = await hooks.create({ url: crm.url, events: [] }, 'admin-root');
    const item = closedHandoff(11, '2026-11-20T00:00:00Z');
    const ledger = new LedgerStore(db);
    await ledger.append(item.batches[0]!);
    assert.equal(await hooks.delete(sub.id), true);
    assert.equal(await hooks.delete(sub.id), false);
    for (const batch of item.batches.slice(1)) await ledger.append(batch);
    assert.equal(await new WebhookDispatcher(db).drain(), 0);
    assert.equal(crm.received.length, 0);
    assert.ok((await hooks.deliveries(sub.id)).every((d) => d.status === 'failed' && d.lastError === 'subscription deleted'));
  });
}

onBothDatabases(suite);
