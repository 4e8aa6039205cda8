import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Database } from '../../src/db/database.js';
import { LedgerStore } from '../../src/db/ledger.js';
import { seedKpiHandoffs, writeKpiSeed, type SeededHandoff } from '../../src/dev/kpi-seed.js';
import type { LedgerBatch } from '../../src/domain/ledger.js';
import { onBothDatabases, type OpenTestDatabase } from '../support/postgres.js';

/**
 * The ledger store against both databases: appends are idempotent by workflow id + sequence (a
 * retry, an overlapping batch, two writers at once), and the backfill rebuilds exactly the
 * projection the appends kept.
 */

async function count(db: Database, table: string): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
}

/** Every projection row, ordered, as the store reads them. */
async function projections(db: Database): Promise<unknown[]> {
  const { rows } = await db.query<{ handoff_id: string }>('SELECT handoff_id FROM handoff_projection ORDER BY handoff_id');
  const store = new LedgerStore(db);
  return Promise.all(rows.map((r) => store.projection(r.handoff_id)));
}

/** A seeded hand-off that went the whole way, with several batches. */
function seeded(count = 40): SeededHandoff[] {
  return seedKpiHandoffs({ count, weeks: 2, endingAt: '2026-11-20T00:00:00Z', seed: 7 });
}

function suite(open: OpenTestDatabase) {
  it('a repeated or overlapping batch inserts nothing twice; sequence numbers stay gapless', async (t) => {
    const db = await open(t);
    if (!db) return;
    const store = new LedgerStore(db);
    const item = seeded().find((s) => s.batches.length >= 4)!;
    const total = item.batches.reduce((n, b) => n + b.entries.length, 0);
    for (const batch of item.batches) {
      const first = await store.append(batch);
      assert.equal(first.inserted, batch.entries.length);
      const again = await store.append(batch);
      assert.equal(again.inserted, 0, 'a retried batch writes nothing');
      assert.deepEqual(again.projection, first.projection);
    }
    // A batch that overlaps what is there (a replay shipped from an earlier point) adds only the new part.
    const all: LedgerBatch = {
      ...item.batches.at(-1)!,
      from: 0,
      entries: item.batches.flatMap((b) => b.entries),
    };
    assert.equal((await store.append(all)).inserted, 0);
    const events = await store.events(item.handoffId);
    assert.deepEqual(
      events.map((e) => e.seq),
      [...Array(total).keys()],
    );
    const projection = await store.projection(item.handoffId);
    assert.equal(projection?.events, total);
    assert.equal(projection?.lastSeq, total - 1);
  });

  it('an event recorded again at a later workflow time keeps its first record, and the answer says which', async (t) => {
    const db = await open(t);
    if (!db) return;
    const store = new LedgerStore(db);
    const item = seeded().find((s) => s.batches.length >= 4)!;
    const [first, second] = item.batches as [LedgerBatch, LedgerBatch];
    await store.append(first);
    // A workflow task shipped `second`, then never completed (its worker was killed); the retried
    // task handled the same message 12 s later, so it ships the same entries at the later time.
    const shipped = await store.append(second);
    const iso = (at: string): string => new Date(at).toISOString();
    assert.deepEqual(
      shipped.stored.map((e) => [e.seq, e.at]),
      second.entries.map((e, i) => [second.from + i, iso(e.at)]),
    );
    const later = (at: string): string => new Date(Date.parse(at) + 12_000).toISOString();
    const retried: LedgerBatch = { ...second, entries: second.entries.map((e) => ({ ...e, at: later(e.at) })) };
    const result = await store.append(retried);
    assert.equal(result.inserted, 0, 'the first record stays');
    assert.deepEqual(
      result.stored.map((e) => [e.seq, e.at, e.detail]),
      second.entries.map((e, i) => [second.from + i, iso(e.at), e.detail]),
      'the answer holds the stored entries, which the workflow takes over',
    );
    const events = await store.events(item.handoffId);
    assert.deepEqual(
      events.slice(second.from).map((e) => e.at),
      second.entries.map((e) => iso(e.at)),
    );
  });

  it("another entry at a sequence number an abandoned attempt shipped replaces it: the history keeps the retried attempt's", async (t) => {
    const db = await open(t);
    if (!db) return;
    const store = new LedgerStore(db);
    const item = seeded().find((s) => s.batches.length >= 4)!;
    const [first, second] = item.batches as [LedgerBatch, LedgerBatch];
    await store.append(first);
    await store.append(second);
    // The retried attempt met the contact window's timer before the AE's update the abandoned one handled.
    const [head, ...rest] = second.entries;
    const missed = { ...head!, event: 'contact_window_missed' as const, actor: 'baton', rule: 'tiers.hot.contactWindow', detail: 'missed' };
    const result = await store.append({ ...second, entries: [missed, ...rest] });
    assert.equal(result.inserted, 1, 'the differing entry is written, the same ones are kept');
    assert.deepEqual(
      result.stored.map((e) => [e.seq, e.event, e.actor]),
      [missed, ...rest].map((e, i) => [second.from + i, e.event, e.actor]),
    );
    const events = await store.events(item.handoffId);
    assert.deepEqual(
      [events[second.from]!.event, events[second.from]!.rule, events[second.from]!.detail],
      ['contact_window_missed', 'tiers.hot.contactWindow', 'missed'],
    );
  });

  it('two writers of the same batches at once leave one row per event', async (t) => {
    const db = await open(t);
    if (!db) return;
    const store = new LedgerStore(db);
    const items = seeded(10);
    const results = await Promise.all(
      [0, 1].map(async () => {
        let inserted = 0;
        for (const item of items) for (const batch of item.batches) inserted += (await store.append(batch)).inserted;
        return inserted;
      }),
    );
    const total = items.reduce((n, i) => n + i.batches.reduce((m, b) => m + b.entries.length, 0), 0);
    assert.equal(results[0]! + results[1]!, total, 'between them the writers inserted every event once');
    assert.equal(await count(db, 'handoff_events'), total);
    assert.equal(await count(db, 'handoff_projection'), items.length);
  });

  it('the backfill rebuilds the projection the appends kept, repairs edited rows and drops orphans', async (t) => {
    const db = await open(t);
    if (!db) return;
    const store = new LedgerStore(db);
    const items = seeded(60);
    await writeKpiSeed(db, items);
    const kept = await projections(db);
    assert.equal(kept.length, 60);

    await db.query(`UPDATE handoff_projection SET stage = 'closed', rating = 1 WHERE handoff_id = $1`, [items[0]!.handoffId]);
    await db.query(`DELETE FROM handoff_projection WHERE handoff_id = $1`, [items[1]!.handoffId]);
    await db.query(
      `INSERT INTO handoff_projection (handoff_id, workflow_id, stage, provisional_tier, sdr_id, submitted_at, handoff_by, last_seq, events)
       VALUES ('ghost', 'handoff-ghost', 'closed', 'hot', 'sdr-x', now(), now(), 0, 1)`,
    );
    let progress = 0;
    const result = await store.backfill({ batchSize: 16, onProgress: (done) => (progress = done) });
    assert.equal(result.handoffs, 60);
    assert.equal(result.events, await count(db, 'handoff_events'));
    assert.equal(progress, 60);
    assert.deepEqual(await projections(db), kept);
  });
}

onBothDatabases(suite);
