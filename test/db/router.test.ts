import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { openDatabase, type Database } from '../../src/db/database.js';
import { migrate, readMigrations } from '../../src/db/migrate.js';
import { RosterConflict, RosterStore } from '../../src/db/roster.js';
import { ROSTER_LOCK, Router, type RouterOptions } from '../../src/db/router.js';
import { LeadSchema } from '../../src/domain/lead.js';
import { AeSchema, type Ae } from '../../src/domain/roster.js';
import type { AssignRequest } from '../../src/domain/routing.js';
import { testDatabase } from '../support/db.js';
import { usePostgres } from '../support/postgres.js';

/**
 * The router and the roster store (DESIGN §2.6) against both databases Baton runs on: the embedded
 * PGlite and a PostgreSQL server. Every test has a database of its own.
 */

const DAY = 24 * 3_600_000;
const T0 = Date.parse('2026-11-21T12:00:00Z');

type Open = (t: TestContext) => Promise<Database | undefined>;

function ae(id: string, overrides: Record<string, unknown> = {}): Ae {
  return AeSchema.parse({ id, name: `AE ${id}`, email: `${id}@example.com`, ...overrides });
}

/** Routing round `round` of a hand-off whose lead is a US company of 120 people (of `domain`, when given). */
function request(handoffId: string, round = 1, overrides: Partial<AssignRequest> & { domain?: string } = {}): AssignRequest {
  const { domain, ...rest } = overrides;
  const company = { name: `Company of ${handoffId}`, employees: 120, region: 'US', ...(domain ? { domain } : {}) };
  return { handoffId, key: `handoff-${handoffId}/route-${round}`, lead: LeadSchema.parse({ company }), exclude: [], ...rest };
}

/** A clock the test moves by hand (RouterOptions.now). */
function clock(start = T0) {
  let now = start;
  return { now: () => now, set: (at: number) => void (now = at) };
}

async function count(db: Database, sql: string, params: unknown[] = []): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n;
}

async function rejoining(db: Database, id: string): Promise<boolean> {
  return (await db.query<{ rejoining: boolean }>('SELECT rejoining FROM aes WHERE id = $1', [id])).rows[0]!.rejoining;
}

function suite(open: Open) {
  /** A database with `roster` on it, a router on its clock, and the roster store. */
  async function setUp(t: TestContext, roster: Ae[], options: RouterOptions = {}) {
    const db = await open(t);
    if (!db) return undefined;
    const store = new RosterStore(db);
    for (const entry of roster) await store.create(entry, 'admin-al');
    return { db, store, router: new Router(db, options) };
  }

  describe('Router', () => {
    it('answers the same key twice with the same decision, stored once and counted once', async (t) => {
      const s = await setUp(t, [ae('ae-a'), ae('ae-b')]);
      if (!s) return;
      const first = await s.router.assign(request('h1'));
      const again = await s.router.assign(request('h1'));
      const otherWorker = await new Router(s.db, { now: () => T0 + DAY }).assign(request('h1'));
      assert.equal(first.aeId, 'ae-a');
      assert.deepEqual(again, first);
      assert.deepEqual(otherWorker, first);
      assert.equal(await count(s.db, 'routing_decisions WHERE key = $1', ['handoff-h1/route-1']), 1);
      assert.deepEqual(
        (await s.store.list()).map((e) => [e.id, e.load.open, e.load.assigned]),
        [
          ['ae-a', 1, 1],
          ['ae-b', 0, 0],
        ],
      );
    });

    it('a new round re-routes the hand-off to someone else and releases the previous holder as rerouted', async (t) => {
      const s = await setUp(t, [ae('ae-a'), ae('ae-b')]);
      if (!s) return;
      assert.equal((await s.router.assign(request('h1', 1))).aeId, 'ae-a');
      const second = await s.router.assign(request('h1', 2));
      assert.equal(second.aeId, 'ae-b');
      assert.deepEqual(second.excluded, [{ aeId: 'ae-a', reason: 'previously_assigned' }]);
      const history = await s.router.decisions('h1');
      assert.deepEqual(
        history.map((d) => [d.key, d.aeId, d.releaseReason]),
        [
          ['handoff-h1/route-1', 'ae-a', 'rerouted'],
          ['handoff-h1/route-2', 'ae-b', undefined],
        ],
      );
      assert.ok(history[0]!.releasedAt);
      assert.equal((await s.store.get('ae-a'))!.load.open, 0);
      assert.equal((await s.store.get('ae-b'))!.load.open, 1);
    });

    it('excludes an AE at capacity, and release frees the capacity once (a second release is a no-op)', async (t) => {
      const s = await setUp(t, [ae('ae-a', { capacity: 1 })]);
      if (!s) return;
      assert.equal((await s.router.assign(request('h1'))).aeId, 'ae-a');
      const full = await s.router.assign(request('h2'));
      assert.equal(full.aeId, null);
      assert.deepEqual(full.excluded, [{ aeId: 'ae-a', reason: 'at_capacity' }]);

      assert.equal(await s.router.release('h1', 'ae-b'), false, 'not the holder');
      assert.equal(await s.router.release('h1', 'ae-a', 'closed'), true);
      assert.equal(await s.router.release('h1', 'ae-a', 'closed'), false, 'a retried release');
      assert.equal((await s.router.decisions('h1'))[0]!.releaseReason, 'closed');
      assert.equal((await s.store.get('ae-a'))!.load.open, 0);
      assert.equal((await s.router.assign(request('h2', 2))).aeId, 'ae-a');
    });

    it('excludes an AE out of office while away, and routes to them again after', async (t) => {
      const time = clock();
      const away = { from: new Date(T0 - DAY).toISOString(), to: new Date(T0 + DAY).toISOString() };
      const s = await setUp(t, [ae('ae-a', { outOfOffice: [away] }), ae('ae-b')], { now: time.now });
      if (!s) return;
      const during = await s.router.assign(request('h1'));
      assert.equal(during.aeId, 'ae-b');
      assert.deepEqual(during.excluded, [{ aeId: 'ae-a', reason: 'out_of_office' }]);
      time.set(T0 + 2 * DAY);
      const back = await s.router.assign(request('h2'));
      assert.equal(back.aeId, 'ae-a');
      assert.deepEqual(back.excluded, []);
    });

    it("routes a company's next hand-off to its account owner first", async (t) => {
      const s = await setUp(t, [ae('ae-a'), ae('ae-b'), ae('ae-c')]);
      if (!s) return;
      assert.equal((await s.router.assign(request('h1', 1, { domain: 'acme.example' }))).aeId, 'ae-a');
      const next = await s.router.assign(request('h2', 1, { domain: 'ACME.example' }));
      assert.equal(next.aeId, 'ae-a', 'fairness alone would pick ae-b');
      assert.equal(next.basis, 'account_owner');
      assert.deepEqual(next.owner, { aeId: 'ae-a', handoffId: 'h1' });
      assert.equal((await s.router.assign(request('h3', 1, { domain: 'other.example' }))).basis, 'fairness');
    });

    it('an owner pick does not count for fairness', async (t) => {
      const time = clock();
      const s = await setUp(t, [ae('ae-a'), ae('ae-b')], { now: time.now });
      if (!s) return;
      await s.router.assign(request('h1', 1, { domain: 'acme.example' }));
      const before = await s.store.get('ae-a');
      time.set(T0 + 60_000);
      assert.equal((await s.router.assign(request('h2', 1, { domain: 'acme.example' }))).basis, 'account_owner');
      const after = await s.store.get('ae-a');
      assert.deepEqual(after!.load, { ...before!.load, open: 2 });
      const row = (await s.db.query<{ assigned: number; served: number }>('SELECT assigned, served FROM aes WHERE id = $1', ['ae-a']))
        .rows[0];
      assert.deepEqual(row, { assigned: 1, served: 1 });
      assert.equal((await s.router.assign(request('h3'))).aeId, 'ae-b');
    });

    it('a released hand-off makes its AE the owner within the owner window only', async (t) => {
      const time = clock();
      const s = await setUp(t, [ae('ae-a'), ae('ae-b')], { now: time.now });
      if (!s) return;
      const window = 30 * DAY;
      await s.router.assign(request('h1', 1, { domain: 'acme.example' }));
      await s.router.release('h1', 'ae-a', 'closed');
      time.set(T0 + 10 * DAY);
      const within = await s.router.assign(request('h2', 1, { domain: 'acme.example', ownerWindow: window }));
      assert.deepEqual([within.aeId, within.basis], ['ae-a', 'account_owner']);
      await s.router.release('h2', 'ae-a', 'closed');
      time.set(T0 + 41 * DAY); // h2 was decided 31 days ago
      const outside = await s.router.assign(request('h3', 1, { domain: 'acme.example', ownerWindow: window }));
      assert.deepEqual([outside.aeId, outside.basis, outside.owner], ['ae-b', 'fairness', undefined]);
    });

    it('an AE who rejected the lead or missed its window does not become the account owner', async (t) => {
      const s = await setUp(t, [ae('ae-a'), ae('ae-b')]);
      if (!s) return;
      await s.router.assign(request('h1', 1, { domain: 'acme.example' }));
      await s.router.release('h1', 'ae-a', 'rejected: conflict');
      await s.router.assign(request('h2', 1, { domain: 'acme.example' }));
      await s.router.release('h2', 'ae-b', 'escalated: no senior AE eligible');
      const next = await s.router.assign(request('h3', 1, { domain: 'acme.example' }));
      assert.deepEqual([next.basis, next.owner], ['fairness', undefined]);
    });

    it('an open hand-off keeps its AE the owner however old', async (t) => {
      const time = clock();
      const s = await setUp(t, [ae('ae-a'), ae('ae-b')], { now: time.now });
      if (!s) return;
      await s.router.assign(request('h1', 1, { domain: 'acme.example' }));
      time.set(T0 + 400 * DAY);
      assert.equal((await s.router.assign(request('h2', 1, { domain: 'acme.example' }))).basis, 'account_owner');
    });

    it('an owner who cannot take the lead is passed over, and the decision says why', async (t) => {
      const s = await setUp(t, [ae('ae-a', { capacity: 1 }), ae('ae-b')]);
      if (!s) return;
      await s.router.assign(request('h1', 1, { domain: 'acme.example' }));
      const next = await s.router.assign(request('h2', 1, { domain: 'acme.example' }));
      assert.deepEqual([next.aeId, next.basis], ['ae-b', 'fairness']);
      assert.deepEqual(next.owner, { aeId: 'ae-a', handoffId: 'h1', skipped: 'at_capacity' });
    });

    it('with nobody eligible, answers no AE and lists the hand-off as waiting until a later round assigns it', async (t) => {
      const time = clock();
      const s = await setUp(t, [ae('ae-a', { regions: ['GB'] })], { now: time.now });
      if (!s) return;
      const none = await s.router.assign(request('h1'));
      assert.equal(none.aeId, null);
      assert.equal(none.basis, null);
      assert.deepEqual(none.excluded, [{ aeId: 'ae-a', reason: 'territory' }]);
      assert.deepEqual(await s.router.assign(request('h1')), none);
      assert.deepEqual(await s.router.waiting(), ['h1']);
      time.set(T0 + 60_000);
      await s.router.assign(request('h2'));
      assert.deepEqual(await s.router.waiting(), ['h1', 'h2']);

      await s.store.update('ae-a', { regions: ['GB', 'US'] }, 'mgr-ana');
      assert.equal((await s.router.assign(request('h1', 2))).aeId, 'ae-a');
      assert.deepEqual(await s.router.waiting(), ['h2']);
      await s.router.forgetWait('h2');
      assert.deepEqual(await s.router.waiting(), []);
      assert.equal(await count(s.db, 'routing_decisions WHERE handoff_id = $1', ['h1']), 2);
    });
  });

  describe('RosterStore', () => {
    it('creates an AE with fresh figures; an id in use is a conflict', async (t) => {
      const s = await setUp(t, []);
      if (!s) return;
      const created = await s.store.create(ae('ae-kim', { regions: ['us'] }), 'admin-al');
      assert.equal(created.version, 1);
      assert.deepEqual(created.regions, ['US']);
      assert.deepEqual(created.load, { open: 0, assigned: 0, served: 0 });
      await assert.rejects(s.store.create(ae('ae-kim', { name: 'Someone Else' }), 'admin-al'), RosterConflict);
      assert.equal((await s.store.get('ae-kim'))!.name, 'AE ae-kim');
      assert.deepEqual(
        (await s.store.list()).map((e) => e.id),
        ['ae-kim'],
      );
      assert.equal(await s.store.get('ae-nobody'), undefined);
    });

    it('creates of one new id racing each other: one wins, the others are conflicts', async (t) => {
      const s = await setUp(t, []);
      if (!s) return;
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => s.store.create(ae('ae-new', { name: `Try ${i}` }), 'admin-al')),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof RosterConflict, String(r.reason));
      assert.equal(await count(s.db, 'aes'), 1);
    });

    it("an AE's id cannot change through an update", async (t) => {
      const s = await setUp(t, [ae('ae-kim')]);
      if (!s) return;
      await assert.rejects(s.store.update('ae-kim', { id: 'ae-kimberly' }, 'mgr-ana'), RosterConflict);
      assert.ok(await s.store.update('ae-kim', { id: 'ae-kim', weight: 2 }, 'mgr-ana'));
      assert.deepEqual(
        (await s.store.list()).map((e) => [e.id, e.weight]),
        [['ae-kim', 2]],
      );
    });

    it('update merges the patch, validates the whole document and audits the changed fields', async (t) => {
      const s = await setUp(t, [ae('ae-kim', { managerId: 'mgr-ana' })]);
      if (!s) return;
      const updated = await s.store.update('ae-kim', { capacity: 5, timeZone: 'Europe/Paris' }, 'mgr-ana');
      assert.equal(updated!.capacity, 5);
      assert.equal(updated!.timeZone, 'Europe/Paris');
      assert.equal(updated!.name, 'AE ae-kim', 'fields not in the patch are kept');
      assert.equal(updated!.version, 2);

      await assert.rejects(s.store.update('ae-kim', { capacity: -1 }, 'mgr-ana'), { name: 'ZodError' });
      await assert.rejects(s.store.update('ae-kim', { nickname: 'K' }, 'mgr-ana'), { name: 'ZodError' });
      assert.equal((await s.store.get('ae-kim'))!.version, 2, 'a refused patch changes nothing');

      const removed = await s.store.update('ae-kim', { managerId: null }, 'ops-oz');
      assert.equal(removed!.managerId, undefined, 'null removes an optional field');
      assert.equal((await s.store.update('ae-kim', { capacity: 5 }, 'ops-oz'))!.version, 3, 'no change, no new version');
      assert.equal(await s.store.update('ae-nobody', { capacity: 5 }, 'ops-oz'), undefined);

      const audit = (await s.store.audit('ae-kim'))!;
      assert.deepEqual(
        audit.slice(1).map((a) => [a.actor, a.action, a.changes]),
        [
          ['mgr-ana', 'update', { capacity: { from: 10, to: 5 }, timeZone: { from: 'UTC', to: 'Europe/Paris' } }],
          ['ops-oz', 'update', { managerId: { from: 'mgr-ana' } }],
        ],
      );
    });

    it('an update of regions (a new pool of peers) marks the AE to rejoin; a weight change does not', async (t) => {
      const s = await setUp(t, [ae('ae-a'), ae('ae-b')]);
      if (!s) return;
      await s.router.assign(request('h1'));
      assert.deepEqual([await rejoining(s.db, 'ae-a'), await rejoining(s.db, 'ae-b')], [false, false]);
      await s.store.update('ae-a', { regions: ['US'] }, 'mgr-ana');
      await s.store.update('ae-b', { weight: 2 }, 'mgr-ana');
      assert.deepEqual([await rejoining(s.db, 'ae-a'), await rejoining(s.db, 'ae-b')], [true, false]);
    });

    it('keeps the fairness figures through an edit: a weight change keeps served and counts from now on', async (t) => {
      const s = await setUp(t, [ae('ae-a'), ae('ae-b')]);
      if (!s) return;
      for (const id of ['h1', 'h2', 'h3', 'h4']) await s.router.assign(request(id));
      const before = (await s.store.get('ae-a'))!.load;
      assert.deepEqual([before.assigned, before.served], [2, 2]);
      const edited = (await s.store.update('ae-a', { weight: 2, name: 'Alex A.' }, 'mgr-ana'))!;
      assert.deepEqual(edited.load, before);
      // ae-a (served 2, assigned less recently) goes next and now moves by ½.
      assert.equal((await s.router.assign(request('h5'))).aeId, 'ae-a');
      assert.equal((await s.store.get('ae-a'))!.load.served, 2.5);
    });

    it('remove refuses while the AE holds open hand-offs, and succeeds after their release', async (t) => {
      const s = await setUp(t, [ae('ae-a')]);
      if (!s) return;
      await s.router.assign(request('h1'));
      await assert.rejects(
        s.store.remove('ae-a', 'mgr-ana'),
        (err: Error) => err instanceof RosterConflict && /1 open hand-off/.test(err.message),
      );
      assert.ok(await s.store.get('ae-a'));
      await s.router.release('h1', 'ae-a', 'closed');
      assert.equal(await s.store.remove('ae-a', 'mgr-ana'), true);
      assert.equal(await s.store.remove('ae-a', 'mgr-ana'), false);
      assert.equal(await s.store.get('ae-a'), undefined);
      assert.deepEqual(await s.store.list(), []);
      assert.equal((await s.router.decisions('h1'))[0]!.aeId, 'ae-a', 'the ledger still reads');
      assert.equal((await s.router.assign(request('h2'))).aeId, null, 'a removed AE is not routed to');
    });

    it('audit lists who changed what and when, deletion included', async (t) => {
      const s = await setUp(t, []);
      if (!s) return;
      const start = Date.now();
      await s.store.create(ae('ae-kim'), 'admin-al');
      await s.store.update('ae-kim', { senior: true }, 'mgr-ana');
      await s.store.remove('ae-kim', 'ops-oz');
      const end = Date.now();
      const audit = (await s.store.audit('ae-kim'))!;
      assert.deepEqual(
        audit.map((a) => [a.actor, a.action]),
        [
          ['admin-al', 'create'],
          ['mgr-ana', 'update'],
          ['ops-oz', 'delete'],
        ],
      );
      for (const entry of audit) {
        const at = Date.parse(entry.at);
        assert.ok(at >= start - 1000 && at <= end + 1000, `${entry.at} is when it happened`);
      }
      assert.deepEqual(audit[0]!.changes.id, { to: 'ae-kim' });
      assert.deepEqual(audit[1]!.changes, { senior: { from: false, to: true } });
      assert.deepEqual(audit[2]!.changes.name, { from: 'AE ae-kim' });
      assert.equal(await s.store.audit('ae-nobody'), undefined);
    });
  });

  describe('migrations', () => {
    it('applies each migration once: a second run applies nothing', async (t) => {
      const db = await open(t);
      if (!db) return;
      const extra = [...(await readMigrations()), { version: 9999, name: 'extra', sql: 'CREATE TABLE extra (id integer)' }];
      assert.deepEqual(await migrate(db), [], 'the shipped migrations are already applied');
      assert.deepEqual(await migrate(db, extra), [9999]);
      assert.deepEqual(await migrate(db, extra), []);
      assert.equal(await count(db, 'schema_migrations'), extra.length);
    });
  });
}

describe('embedded PGlite', () => {
  suite(async (t) => {
    const db = await testDatabase();
    t.after(() => db.close());
    return db;
  });
});

describe('PostgreSQL server', () => {
  const server = usePostgres();
  const open = async (t: TestContext, skipMigrations = false) => {
    const url = await server.database(t);
    if (!url) return undefined;
    const db = await openDatabase({ url, poolSize: 4, skipMigrations });
    t.after(() => db.close());
    return db;
  };
  suite(open);

  it('a roster change waits for routings in flight, so the hand-offs they found nobody for are there to wake', async (t) => {
    const db = await open(t);
    if (!db) return;
    // A routing in flight holds the roster lock shared until it commits (here: held by hand).
    let commit!: () => void;
    const held = new Promise<void>((resolve) => (commit = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const routing = db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock_shared($1)', [ROSTER_LOCK]);
      locked();
      await held;
    });
    await lockTaken;
    let created = false;
    const creating = new RosterStore(db).create(ae('ae-new'), 'mgr-ana').then(() => (created = true));
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(created, false, 'the create went ahead while a routing held the roster');
    } finally {
      commit();
      await routing;
      await creating;
    }
    assert.equal(created, true);
  });

  describe('migrations on a bare server', () => {
    it('applies the shipped migrations to a new database, then nothing', async (t) => {
      const db = await open(t, true);
      if (!db) return;
      const shipped = (await readMigrations()).map((m) => m.version);
      assert.deepEqual(shipped.slice(0, 2), [1, 2], 'routing, then the ledger');
      assert.deepEqual(await migrate(db), shipped);
      assert.deepEqual(await migrate(db), []);
    });

    it('processes migrating together apply each migration once (advisory lock)', async (t) => {
      const url = await server.database(t);
      if (!url) return;
      // One pool per process, two processes' worth, each migrating twice at once.
      const pools = await Promise.all([1, 2].map(() => openDatabase({ url, poolSize: 2, skipMigrations: true })));
      t.after(() => Promise.all(pools.map((p) => p.close())));
      const applied = await Promise.all(pools.flatMap((db) => [migrate(db), migrate(db)]));
      const shipped = (await readMigrations()).map((m) => m.version);
      assert.deepEqual(
        applied.flat().sort((a, b) => a - b),
        shipped,
      );
      assert.equal((await pools[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')).rows[0]!.n, shipped.length);
    });
  });
});
