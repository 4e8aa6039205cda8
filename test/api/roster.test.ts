/**
 * The roster routes (`/v1/aes`) and the routing explanation (`GET /v1/handoffs/:id/routing`), through
 * `app.request()` on an embedded database, with a stand-in Temporal client that records the
 * wake-up signals and answers the hand-offs' state.
 */
import { ServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { z } from 'zod';
import { readPolicyFile } from '../../src/policy/file.js';
import { createApp } from '../../src/api/app.js';
import { TokenStore } from '../../src/api/auth.js';
import { loadConfig, repoRoot } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { DeliveryStore } from '../../src/db/deliveries.js';
import { Router } from '../../src/db/router.js';
import { submittedState } from '../../src/domain/assessment.js';
import type { Policy } from '../../src/domain/policy.js';
import type { HandoffState } from '../../src/domain/state.js';
import type {
  AuditListSchema,
  HandoffNotificationsSchema,
  HandoffRoutingSchema,
  RosterEntrySchema,
  RosterListSchema,
} from '../../src/api/schemas.js';
import { workflowIdFor } from '../../workflows/messages.js';
import { designExampleAe, exampleLead } from '../fixtures/leads.js';
import { testDatabase } from '../support/db.js';
import { expectJson, expectProblem, requestApp, type ProblemBody, type RequestOptions } from './http.js';

const TOKENS = {
  manager: 'tok-mgr-ana',
  admin: 'tok-admin-root',
  ops: 'tok-ops-pat',
  sdr: 'tok-sdr-jo',
  otherSdr: 'tok-sdr-max',
  ae: 'tok-ae-kim',
  otherAe: 'tok-ae-sam',
} as const;

const principals = TokenStore.fromTokens([
  { id: 'mgr-ana', role: 'manager', name: 'Ana Ortiz', token: TOKENS.manager },
  { id: 'admin-root', role: 'admin', name: 'Baton Admin', token: TOKENS.admin },
  { id: 'ops-pat', role: 'ops', name: 'Pat Rivera', token: TOKENS.ops },
  { id: 'sdr-jo', role: 'sdr', name: 'Jo Park', token: TOKENS.sdr },
  { id: 'sdr-max', role: 'sdr', name: 'Max Weber', token: TOKENS.otherSdr },
  { id: 'ae-kim', role: 'ae', name: 'Kim Lee', token: TOKENS.ae },
  { id: 'ae-sam', role: 'ae', name: 'Sam Okafor', token: TOKENS.otherAe },
]);

/** The DESIGN §2.6 example AE. */
const KIM = designExampleAe;
const SAM = { id: 'ae-sam', name: 'Sam Okafor', email: 'sam@example.com', senior: true, timeZone: 'America/New_York' };
const LENA = { id: 'ae-lena', name: 'Lena Fischer', email: 'lena@example.com', regions: ['GB', 'DE'], timeZone: 'Europe/Berlin' };
const NOOR = { id: 'ae-noor', name: 'Noor Haddad', email: 'noor@example.com', active: false };

type RosterEntry = z.output<typeof RosterEntrySchema>;
type RosterList = z.output<typeof RosterListSchema>;
type AuditList = z.output<typeof AuditListSchema>;
type Routing = z.output<typeof HandoffRoutingSchema>;
type Notifications = z.output<typeof HandoffNotificationsSchema>;
type Decision = Routing['decisions'][number];

let policy: Policy;
before(async () => {
  policy = await readPolicyFile(path.join(repoRoot, 'policy', 'default.yaml'));
});

interface Signalled {
  workflowId: string;
  name: string;
}

interface FakeTemporal {
  /** Thrown by `signal` instead of recording it. */
  signalError?: (workflowId: string) => Error | undefined;
  /** The hand-offs the `state` query knows. */
  states?: Map<string, HandoffState>;
}

/** Just enough of the Temporal client: signals are recorded, `state` answers from a map, readiness answers. */
function fakeClient(fake: FakeTemporal): { client: Client; signals: Signalled[] } {
  const signals: Signalled[] = [];
  const client = {
    options: { namespace: 'default' },
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>): Promise<T> => fn(),
    workflowService: {
      describeNamespace: () => Promise.resolve({}),
      getSystemInfo: () => Promise.resolve({ serverVersion: '1.29.0' }),
    },
    workflow: {
      getHandle: (workflowId: string) => ({
        signal: (def: { name: string }) => {
          const err = fake.signalError?.(workflowId);
          if (err) return Promise.reject(err);
          signals.push({ workflowId, name: def.name });
          return Promise.resolve();
        },
        query: () => {
          const state = [...(fake.states?.values() ?? [])].find((s) => workflowIdFor(s.id) === workflowId);
          return state ? Promise.resolve(state) : Promise.reject(new WorkflowNotFoundError('workflow not found', workflowId, undefined));
        },
      }),
    },
  };
  return { client: client as unknown as Client, signals };
}

interface Harness {
  db: Database;
  signals: Signalled[];
  request(method: string, url: string, opts?: RequestOptions): Promise<Response>;
}

/** A fresh database and app; with a test, the database is closed when it ends (otherwise close `db` yourself). */
async function harness(t: TestContext | undefined, fake: FakeTemporal = {}): Promise<Harness> {
  const db = await testDatabase();
  t?.after(() => db.close());
  const { client, signals } = fakeClient(fake);
  const config = loadConfig({ BATON_DATA_DIR: path.join(repoRoot, '.data', 'api-test-unused') });
  const app = createApp({ client, config, policy, principals, db });
  return {
    db,
    signals,
    request: (method, url, opts = {}) => requestApp(app, method, url, opts),
  };
}

/** The field paths a validation problem names. */
const paths = (problem: ProblemBody): string[] => (problem.errors ?? []).map((e) => e.path);

async function create(h: Harness, ae: object, token: string = TOKENS.manager): Promise<RosterEntry> {
  return expectJson<RosterEntry>(await h.request('POST', '/v1/aes', { token, body: ae }), 201);
}

/** A hand-off routed by the router itself, as the workflow's activity would. */
function route(db: Database, handoffId: string, round = 1, exclude: string[] = []) {
  return new Router(db).assign({ handoffId, key: `${workflowIdFor(handoffId)}#${round}`, lead: exampleLead, exclude });
}

describe('the roster: create, read, change, delete', () => {
  test('a manager adds the DESIGN §2.6 AE: 201 with Location, the document, version 1 and empty figures', async (t) => {
    const h = await harness(t);
    const res = await h.request('POST', '/v1/aes', { token: TOKENS.manager, body: KIM });
    const entry = await expectJson<RosterEntry>(res.clone(), 201);
    assert.equal(res.headers.get('location'), '/v1/aes/ae-kim');
    assert.equal(res.headers.get('baton-woken-handoffs'), '0');
    const { version, createdAt, updatedAt, load, ...doc } = entry;
    assert.deepEqual(doc, KIM);
    assert.equal(version, 1);
    assert.ok(Date.parse(createdAt) > 0 && createdAt === updatedAt);
    assert.deepEqual(load, { open: 0, assigned: 0, served: 0 });
  });

  test('omitted fields take their defaults; regions are upper-cased and industries lower-cased', async (t) => {
    const h = await harness(t);
    const entry = await create(h, { id: 'ae-ed', name: 'Ed', email: 'ed@example.com', regions: ['us'], industries: ['Logistics'] });
    assert.deepEqual(
      {
        regions: entry.regions,
        industries: entry.industries,
        employeeBands: entry.employeeBands,
        capacity: entry.capacity,
        weight: entry.weight,
        senior: entry.senior,
        timeZone: entry.timeZone,
        active: entry.active,
        outOfOffice: entry.outOfOffice,
      },
      {
        regions: ['US'],
        industries: ['logistics'],
        employeeBands: [],
        capacity: 10,
        weight: 1,
        senior: false,
        timeZone: 'UTC',
        active: true,
        outOfOffice: [],
      },
    );
    assert.equal('managerId' in entry, false);
  });

  test('list (by id) and read one', async (t) => {
    const h = await harness(t);
    await create(h, SAM);
    await create(h, KIM);
    const list = await expectJson<RosterList>(await h.request('GET', '/v1/aes', { token: TOKENS.manager }), 200);
    assert.deepEqual(
      list.map((ae) => ae.id),
      ['ae-kim', 'ae-sam'],
    );
    const kim = await expectJson<RosterEntry>(await h.request('GET', '/v1/aes/ae-kim', { token: TOKENS.manager }), 200);
    assert.equal(kim.email, 'kim@example.com');
    assert.deepEqual(kim, list[0]);
  });

  test('PATCH replaces the given fields, null removes an optional one, and the version moves on', async (t) => {
    const h = await harness(t);
    await create(h, KIM);
    const res = await h.request('PATCH', '/v1/aes/ae-kim', {
      token: TOKENS.manager,
      body: { capacity: 5, regions: ['ca'], managerId: null, outOfOffice: [] },
    });
    const entry = await expectJson<RosterEntry>(res.clone(), 200);
    assert.equal(res.headers.get('baton-woken-handoffs'), '0');
    assert.equal(entry.capacity, 5);
    assert.deepEqual(entry.regions, ['CA']);
    assert.deepEqual(entry.outOfOffice, []);
    assert.equal('managerId' in entry, false);
    assert.equal(entry.name, KIM.name, 'fields not given are kept');
    assert.equal(entry.version, 2);
    assert.ok(entry.updatedAt >= entry.createdAt);

    // null on a defaulted field puts its default back.
    const reset = await expectJson<RosterEntry>(
      await h.request('PATCH', '/v1/aes/ae-kim', { token: TOKENS.manager, body: { capacity: null } }),
      200,
    );
    assert.equal(reset.capacity, 10);
  });

  test('PATCH can give and remove a clock of its own', async (t) => {
    const h = await harness(t);
    await create(h, KIM);
    const clock = { mode: 'calendar' };
    const withClock = await expectJson<RosterEntry>(
      await h.request('PATCH', '/v1/aes/ae-kim', { token: TOKENS.manager, body: { clock } }),
      200,
    );
    assert.deepEqual(withClock.clock, clock);
    const without = await expectJson<RosterEntry>(
      await h.request('PATCH', '/v1/aes/ae-kim', { token: TOKENS.manager, body: { clock: null } }),
      200,
    );
    assert.equal('clock' in without, false);
  });

  test('an empty PATCH changes nothing and audits nothing', async (t) => {
    const h = await harness(t);
    await create(h, KIM);
    const entry = await expectJson<RosterEntry>(await h.request('PATCH', '/v1/aes/ae-kim', { token: TOKENS.manager, body: {} }), 200);
    assert.equal(entry.version, 1);
    const audit = await expectJson<AuditList>(await h.request('GET', '/v1/aes/ae-kim/audit', { token: TOKENS.manager }), 200);
    assert.equal(audit.length, 1);
  });

  test('DELETE is 204; the AE is then unknown, but its history stays readable; the id can be used again', async (t) => {
    const h = await harness(t);
    await create(h, KIM);
    const res = await h.request('DELETE', '/v1/aes/ae-kim', { token: TOKENS.manager });
    assert.equal(res.status, 204, await res.clone().text());
    assert.equal(await res.text(), '');
    assert.equal(res.headers.get('baton-woken-handoffs'), '0');
    await expectProblem(await h.request('GET', '/v1/aes/ae-kim', { token: TOKENS.manager }), 404, 'not-found');
    assert.deepEqual(await expectJson<RosterList>(await h.request('GET', '/v1/aes', { token: TOKENS.manager }), 200), []);
    const audit = await expectJson<AuditList>(await h.request('GET', '/v1/aes/ae-kim/audit', { token: TOKENS.manager }), 200);
    assert.deepEqual(
      audit.map((e) => e.action),
      ['create', 'delete'],
    );
    const again = await create(h, { ...KIM, name: 'Kim Lee-Park' });
    assert.equal(again.name, 'Kim Lee-Park');
  });

  test('admins maintain the roster too', async (t) => {
    const h = await harness(t);
    await create(h, KIM, TOKENS.admin);
    await expectJson<RosterEntry>(await h.request('PATCH', '/v1/aes/ae-kim', { token: TOKENS.admin, body: { weight: 2 } }), 200);
    assert.equal((await h.request('DELETE', '/v1/aes/ae-kim', { token: TOKENS.admin })).status, 204);
  });
});

describe('the audit trail', () => {
  test('names the actor, the time and every changed field with its value before and after', async (t) => {
    const h = await harness(t);
    await create(h, KIM);
    await expectJson(
      await h.request('PATCH', '/v1/aes/ae-kim', { token: TOKENS.admin, body: { capacity: 6, managerId: null, senior: false } }),
      200,
    );
    const res = await h.request('GET', '/v1/aes/ae-kim/audit', { token: TOKENS.ops });
    const audit = await expectJson<AuditList>(res, 200);
    const [created, updated] = audit as [AuditList[number], AuditList[number]];
    assert.equal(created.action, 'create');
    assert.equal(created.actor, 'mgr-ana');
    assert.deepEqual(created.changes.email, { to: 'kim@example.com' });
    assert.deepEqual(updated, {
      at: updated.at,
      actor: 'admin-root',
      action: 'update',
      // `senior` did not change, so it is not there.
      changes: { capacity: { from: 10, to: 6 }, managerId: { from: 'mgr-ana' } },
    });
    assert.ok(Date.parse(updated.at) >= Date.parse(created.at));
  });

  test('an AE never on the roster has no history: 404', async (t) => {
    const h = await harness(t);
    await expectProblem(await h.request('GET', '/v1/aes/ae-nobody/audit', { token: TOKENS.manager }), 404, 'not-found');
  });
});

describe('who may use the roster', () => {
  const routes = (body: object) => ({
    read: [
      ['GET', '/v1/aes'],
      ['GET', '/v1/aes/ae-kim'],
      ['GET', '/v1/aes/ae-kim/audit'],
    ] as const,
    write: [
      ['POST', '/v1/aes', body],
      ['PATCH', '/v1/aes/ae-kim', { capacity: 3 }],
      ['DELETE', '/v1/aes/ae-kim'],
    ] as const,
  });

  test('ops may read but not change it', async (t) => {
    const h = await harness(t);
    await create(h, KIM);
    const { read, write } = routes(SAM);
    for (const [method, url] of read) await expectJson(await h.request(method, url, { token: TOKENS.ops }), 200);
    for (const [method, url, body] of write) {
      const problem = await expectProblem(await h.request(method, url, { token: TOKENS.ops, body }), 403, 'forbidden');
      assert.match(problem.detail, /ops-pat \(ops\) may not do this; allowed roles: manager, admin/);
    }
    const kim = await expectJson<RosterEntry>(await h.request('GET', '/v1/aes/ae-kim', { token: TOKENS.ops }), 200);
    assert.equal(kim.capacity, 10, 'unchanged');
  });

  test('SDRs and AEs may not even read it (an AE not their own entry either)', async (t) => {
    const h = await harness(t);
    await create(h, KIM);
    const { read, write } = routes(SAM);
    for (const token of [TOKENS.sdr, TOKENS.ae]) {
      for (const [method, url, body] of [...read.map(([m, u]) => [m, u, undefined] as const), ...write]) {
        await expectProblem(await h.request(method, url, { token, body }), 403, 'forbidden');
      }
    }
    assert.equal((await expectJson<RosterList>(await h.request('GET', '/v1/aes', { token: TOKENS.manager }), 200)).length, 1);
  });

  test('without a token: 401', async (t) => {
    const h = await harness(t);
    await expectProblem(await h.request('GET', '/v1/aes'), 401, 'unauthorized');
    await expectProblem(await h.request('POST', '/v1/aes', { body: KIM }), 401, 'unauthorized');
  });
});

describe('roster validation', () => {
  // Refused requests change nothing, so these tests share one roster: ae-kim alone.
  let h: Harness;
  before(async () => {
    h = await harness(undefined);
    await create(h, KIM);
  });
  after(() => h.db.close());
  const rosterIds = async (): Promise<string[]> =>
    (await expectJson<RosterList>(await h.request('GET', '/v1/aes', { token: TOKENS.manager }), 200)).map((ae) => ae.id);

  const invalid: [string, object, string][] = [
    ['a bad email', { ...KIM, email: 'kim-at-example' }, 'email'],
    ['an unknown field', { ...KIM, nickname: 'K' }, 'nickname'],
    ['a negative capacity', { ...KIM, capacity: -1 }, 'capacity'],
    ['a fractional capacity', { ...KIM, capacity: 2.5 }, 'capacity'],
    ['a zero weight', { ...KIM, weight: 0 }, 'weight'],
    ['a bad time zone', { ...KIM, timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    ['an upper-case id', { ...KIM, id: 'AE Kim' }, 'id'],
    ['a region that is not a country code', { ...KIM, regions: ['USA'] }, 'regions.0'],
    ['an employee band without min', { ...KIM, employeeBands: [{ max: 10 }] }, 'employeeBands.0.min'],
    [
      'an out-of-office period without an offset',
      { ...KIM, outOfOffice: [{ from: '2026-12-22', to: '2027-01-02T00:00:00Z' }] },
      'outOfOffice.0.from',
    ],
    ['a missing name', { id: 'ae-x', email: 'x@example.com' }, 'name'],
  ];
  for (const [what, body, field] of invalid) {
    test(`POST with ${what} is 422 naming ${field}`, async () => {
      const problem = await expectProblem(await h.request('POST', '/v1/aes', { token: TOKENS.manager, body }), 422, 'validation');
      assert.ok(paths(problem).includes(field), `${field} in ${JSON.stringify(problem.errors)}`);
      assert.match(problem.detail, new RegExp(field.replace(/\./g, '\\.')));
      assert.deepEqual(await rosterIds(), ['ae-kim']);
    });
  }

  test('an unknown field is named as such', async () => {
    const problem = await expectProblem(
      await h.request('POST', '/v1/aes', { token: TOKENS.manager, body: { ...KIM, nickname: 'K' } }),
      422,
      'validation',
    );
    assert.deepEqual(problem.errors, [{ path: 'nickname', message: 'unknown field' }]);
  });

  const invalidPatches: [string, object, string, RegExp?][] = [
    ['the id', { id: 'ae-kim2' }, 'id', /cannot be changed/],
    ['a bad email', { email: 'nope' }, 'email'],
    ['a negative capacity', { capacity: -3 }, 'capacity'],
    ['a bad time zone', { timeZone: 'Europe/Atlantis' }, 'timeZone', /IANA time zone/],
    ['an unknown field', { nickname: 'K' }, 'nickname', /unknown field/],
    ['null for a required field', { name: null }, 'name'],
    ['a clock that is not one', { clock: { mode: 'lunar' } }, 'clock.mode'],
  ];
  for (const [what, body, field, message] of invalidPatches) {
    test(`PATCH with ${what} is 422 naming ${field}, and changes nothing`, async () => {
      const problem = await expectProblem(await h.request('PATCH', '/v1/aes/ae-kim', { token: TOKENS.manager, body }), 422, 'validation');
      assert.ok(paths(problem).includes(field), `${field} in ${JSON.stringify(problem.errors)}`);
      if (message) assert.match(problem.errors!.find((e) => e.path === field)!.message, message);
      const kim = await expectJson<RosterEntry>(await h.request('GET', '/v1/aes/ae-kim', { token: TOKENS.manager }), 200);
      assert.equal(kim.version, 1);
    });
  }

  test('a body that is not JSON, is missing, or is not an object is a problem, never a 5xx', async () => {
    await expectProblem(await h.request('POST', '/v1/aes', { token: TOKENS.manager, raw: '{"id": ' }), 400, 'malformed-request');
    await expectProblem(await h.request('POST', '/v1/aes', { token: TOKENS.manager }), 400, 'malformed-request');
    await expectProblem(await h.request('PATCH', '/v1/aes/ae-kim', { token: TOKENS.manager }), 400, 'malformed-request');
    await expectProblem(await h.request('POST', '/v1/aes', { token: TOKENS.manager, body: [KIM] }), 422, 'validation');
    await expectProblem(await h.request('PATCH', '/v1/aes/ae-kim', { token: TOKENS.manager, body: 'capacity' }), 422, 'validation');
    assert.deepEqual(await rosterIds(), ['ae-kim']);
  });
});

describe('unknown AEs and conflicts', () => {
  test('GET, PATCH, DELETE of an unknown AE are 404 — also for ids no AE can have', async (t) => {
    const h = await harness(t);
    for (const id of ['ae-nobody', 'AE%20Kim', 'ae%00kim', 'x'.repeat(300)]) {
      const url = `/v1/aes/${id}`;
      await expectProblem(await h.request('GET', url, { token: TOKENS.manager }), 404, 'not-found');
      await expectProblem(await h.request('PATCH', url, { token: TOKENS.manager, body: { capacity: 1 } }), 404, 'not-found');
      await expectProblem(await h.request('DELETE', url, { token: TOKENS.manager }), 404, 'not-found');
      await expectProblem(await h.request('GET', `${url}/audit`, { token: TOKENS.manager }), 404, 'not-found');
    }
    const problem = await expectProblem(await h.request('GET', '/v1/aes/ae-nobody', { token: TOKENS.manager }), 404, 'not-found');
    assert.equal(problem.detail, 'no AE ae-nobody');
  });

  test('a duplicate id is 409 and leaves the first AE as it was', async (t) => {
    const h = await harness(t);
    await create(h, KIM);
    const problem = await expectProblem(
      await h.request('POST', '/v1/aes', { token: TOKENS.manager, body: { ...KIM, name: 'Another Kim' } }),
      409,
      'roster-conflict',
    );
    assert.match(problem.detail, /ae-kim already exists/);
    const kim = await expectJson<RosterEntry>(await h.request('GET', '/v1/aes/ae-kim', { token: TOKENS.manager }), 200);
    assert.equal(kim.name, 'Kim Lee');
  });

  test('deleting an AE who still holds an open hand-off is 409 with the reason; once released it is 204', async (t) => {
    const h = await harness(t);
    await create(h, { ...KIM, outOfOffice: [] });
    const assignment = await route(h.db, 'crm-1');
    assert.equal(assignment.aeId, 'ae-kim');
    const kim = await expectJson<RosterEntry>(await h.request('GET', '/v1/aes/ae-kim', { token: TOKENS.manager }), 200);
    assert.equal(kim.load.open, 1);
    assert.equal(kim.load.assigned, 1);

    const problem = await expectProblem(await h.request('DELETE', '/v1/aes/ae-kim', { token: TOKENS.manager }), 409, 'roster-conflict');
    assert.match(problem.detail, /ae-kim still holds 1 open hand-off\(s\)/);
    assert.match(problem.detail, /"active": false/);
    await expectJson<RosterEntry>(await h.request('GET', '/v1/aes/ae-kim', { token: TOKENS.manager }), 200);

    await new Router(h.db).release('crm-1', 'ae-kim', 'closed');
    assert.equal((await h.request('DELETE', '/v1/aes/ae-kim', { token: TOKENS.manager })).status, 204);
  });
});

describe('a roster change wakes the hand-offs waiting for an AE', () => {
  /** Two hand-offs that found nobody eligible (the roster is empty). */
  async function waitingHandoffs(h: Harness): Promise<void> {
    for (const id of ['crm-1', 'crm-2']) assert.equal((await route(h.db, id)).aeId, null);
    assert.deepEqual(await new Router(h.db).waiting(), ['crm-1', 'crm-2']);
  }

  test('create, change and delete each signal every waiting hand-off, and say how many', async (t) => {
    const h = await harness(t);
    await waitingHandoffs(h);
    const created = await h.request('POST', '/v1/aes', { token: TOKENS.manager, body: { ...LENA } });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('baton-woken-handoffs'), '2');
    assert.deepEqual(
      h.signals.sort((a, b) => a.workflowId.localeCompare(b.workflowId)),
      [
        { workflowId: 'handoff-crm-1', name: 'rosterChanged' },
        { workflowId: 'handoff-crm-2', name: 'rosterChanged' },
      ],
    );
    const patched = await h.request('PATCH', '/v1/aes/ae-lena', { token: TOKENS.manager, body: { regions: [] } });
    assert.equal(patched.headers.get('baton-woken-handoffs'), '2');
    const deleted = await h.request('DELETE', '/v1/aes/ae-lena', { token: TOKENS.manager });
    assert.equal(deleted.status, 204);
    assert.equal(deleted.headers.get('baton-woken-handoffs'), '2');
    assert.equal(h.signals.length, 6);
    assert.deepEqual(await new Router(h.db).waiting(), ['crm-1', 'crm-2'], 'the waits stay until the hand-offs are routed');
  });

  test('a hand-off that is routed stops waiting and is not signalled again', async (t) => {
    const h = await harness(t);
    await waitingHandoffs(h);
    await create(h, SAM);
    assert.equal((await route(h.db, 'crm-1', 2)).aeId, 'ae-sam');
    const res = await h.request('PATCH', '/v1/aes/ae-sam', { token: TOKENS.manager, body: { capacity: 1 } });
    assert.equal(res.headers.get('baton-woken-handoffs'), '1');
    assert.deepEqual(h.signals.at(-1), { workflowId: 'handoff-crm-2', name: 'rosterChanged' });
  });

  test('a hand-off whose workflow is gone (or closed) is forgotten', async (t) => {
    const h = await harness(t, {
      signalError: (workflowId) =>
        workflowId === 'handoff-crm-1'
          ? new WorkflowNotFoundError('workflow execution already completed', workflowId, undefined)
          : undefined,
    });
    await waitingHandoffs(h);
    const res = await h.request('POST', '/v1/aes', { token: TOKENS.manager, body: SAM });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('baton-woken-handoffs'), '1');
    assert.deepEqual(h.signals, [{ workflowId: 'handoff-crm-2', name: 'rosterChanged' }]);
    assert.deepEqual(await new Router(h.db).waiting(), ['crm-2']);
  });

  test('Temporal trouble never fails the roster change: the waits are kept for the hourly retry', async (t) => {
    const h = await harness(t, { signalError: () => new ServiceError('Temporal is unavailable') });
    await waitingHandoffs(h);
    const warnings: unknown[] = [];
    t.mock.method(console, 'warn', (...args: unknown[]) => warnings.push(args));
    const res = await h.request('POST', '/v1/aes', { token: TOKENS.manager, body: SAM });
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(res.headers.get('baton-woken-handoffs'), '0');
    assert.equal(warnings.length, 2);
    assert.deepEqual(await new Router(h.db).waiting(), ['crm-1', 'crm-2']);
    await expectJson<RosterEntry>(await h.request('GET', '/v1/aes/ae-sam', { token: TOKENS.manager }), 200);
  });

  test('a refused change wakes nobody', async (t) => {
    const h = await harness(t);
    await waitingHandoffs(h);
    await expectProblem(await h.request('POST', '/v1/aes', { token: TOKENS.manager, body: { ...SAM, capacity: -1 } }), 422, 'validation');
    await expectProblem(await h.request('PATCH', '/v1/aes/ae-nobody', { token: TOKENS.manager, body: { capacity: 1 } }), 404, 'not-found');
    assert.deepEqual(h.signals, []);
  });
});

describe('GET /v1/handoffs/:id/routing', () => {
  /**
   * crm-1 of sdr-jo: routed to ae-kim (fairness, ae-lena out of territory, ae-noor inactive), then
   * rerouted away from ae-kim to ae-sam.
   */
  async function routedTwice(t: TestContext): Promise<Harness & { state: HandoffState }> {
    const states = new Map<string, HandoffState>();
    const h = await harness(t, { states });
    for (const ae of [{ ...KIM, outOfOffice: [] }, SAM, LENA, NOOR]) await create(h, ae);
    const first = await route(h.db, 'crm-1');
    assert.equal(first.aeId, 'ae-kim');
    const second = await route(h.db, 'crm-1', 2, ['ae-kim']);
    assert.equal(second.aeId, 'ae-sam');
    const { ae: _, ...routing } = second;
    const state: HandoffState = {
      ...submittedState({ handoffId: 'crm-1', sdrId: 'sdr-jo', lead: exampleLead, submittedAt: Date.parse('2026-11-21T10:00:00Z') }),
      stage: 'assigned',
      assignedAe: 'ae-sam',
      previousAes: ['ae-kim'],
      routing,
    };
    states.set('crm-1', state);
    return { ...h, state };
  }

  test('answers the current routing and every recorded decision with its explanation', async (t) => {
    const h = await routedTwice(t);
    const body = await expectJson<Routing>(await h.request('GET', '/v1/handoffs/crm-1/routing', { token: TOKENS.manager }), 200);
    assert.equal(body.handoffId, 'crm-1');
    assert.deepEqual(body.current, h.state.routing);
    assert.equal(body.decisions.length, 2);
    const [first, second] = body.decisions as [Decision, Decision];

    assert.equal(first.key, 'handoff-crm-1#1');
    assert.equal(first.aeId, 'ae-kim');
    assert.equal(first.basis, 'fairness');
    assert.deepEqual(
      first.candidates.map((c: { aeId: string }) => c.aeId),
      ['ae-kim', 'ae-sam'],
    );
    const kim = first.candidates[0]!;
    assert.deepEqual(
      { weight: kim.weight, assigned: kim.assigned, served: kim.served, open: kim.open, capacity: kim.capacity },
      { weight: 1, assigned: 0, served: 0, open: 0, capacity: 10 },
    );
    assert.deepEqual(
      [...first.excluded].sort((a: { aeId: string }, b: { aeId: string }) => a.aeId.localeCompare(b.aeId)),
      [
        { aeId: 'ae-lena', reason: 'territory' },
        { aeId: 'ae-noor', reason: 'inactive' },
      ],
    );
    assert.equal(first.releaseReason, 'rerouted');
    assert.ok(Date.parse(first.releasedAt!) > 0);
    assert.deepEqual(first.ae, { timeZone: 'America/Chicago', senior: false, managerId: 'mgr-ana' });

    assert.equal(second.aeId, 'ae-sam');
    assert.equal(second.basis, 'fairness');
    assert.ok(second.excluded.some((e: { aeId: string; reason: string }) => e.aeId === 'ae-kim' && e.reason === 'previously_assigned'));
    assert.equal(second.releasedAt, undefined);
    assert.ok(Date.parse(second.at) >= Date.parse(first.at));
  });

  test('an account owner pick says whose account it was', async (t) => {
    const states = new Map<string, HandoffState>();
    const h = await harness(t, { states });
    await create(h, { ...KIM, outOfOffice: [] });
    await create(h, SAM);
    await route(h.db, 'crm-1');
    const owned = await route(h.db, 'crm-2');
    assert.equal(owned.basis, 'account_owner');
    states.set('crm-2', {
      ...submittedState({ handoffId: 'crm-2', sdrId: 'sdr-jo', lead: exampleLead, submittedAt: Date.now() }),
      assignedAe: owned.aeId!,
    });
    const body = await expectJson<Routing>(await h.request('GET', '/v1/handoffs/crm-2/routing', { token: TOKENS.ops }), 200);
    assert.equal(body.current, null, 'the state has not recorded a routing');
    assert.deepEqual(body.decisions[0]!.owner, { aeId: 'ae-kim', handoffId: 'crm-1' });
    assert.equal(body.decisions[0]!.basis, 'account_owner');
  });

  test('a hand-off that found nobody shows the decision with everyone excluded and no winner', async (t) => {
    const states = new Map<string, HandoffState>();
    const h = await harness(t, { states });
    await create(h, LENA);
    await route(h.db, 'crm-9');
    states.set('crm-9', submittedState({ handoffId: 'crm-9', sdrId: 'sdr-jo', lead: exampleLead, submittedAt: Date.now() }));
    const body = await expectJson<Routing>(await h.request('GET', '/v1/handoffs/crm-9/routing', { token: TOKENS.sdr }), 200);
    assert.deepEqual(
      body.decisions.map((d) => [d.aeId, d.basis, d.excluded]),
      [[null, null, [{ aeId: 'ae-lena', reason: 'territory' }]]],
    );
  });

  test('whoever may read the hand-off may read its routing; others are 403', async (t) => {
    const h = await routedTwice(t);
    for (const token of [TOKENS.manager, TOKENS.admin, TOKENS.ops, TOKENS.sdr, TOKENS.otherAe]) {
      await expectJson(await h.request('GET', '/v1/handoffs/crm-1/routing', { token }), 200);
    }
    const otherSdr = await expectProblem(
      await h.request('GET', '/v1/handoffs/crm-1/routing', { token: TOKENS.otherSdr }),
      403,
      'forbidden',
    );
    assert.match(otherSdr.detail, /another SDR/);
    // ae-kim had it once, but it is ae-sam's now.
    await expectProblem(await h.request('GET', '/v1/handoffs/crm-1/routing', { token: TOKENS.ae }), 403, 'forbidden');
    await expectProblem(await h.request('GET', '/v1/handoffs/crm-1/routing'), 401, 'unauthorized');
  });

  test('an unknown hand-off is 404, also when the router has decisions under its id', async (t) => {
    const h = await harness(t, { states: new Map() });
    await route(h.db, 'crm-ghost');
    await expectProblem(await h.request('GET', '/v1/handoffs/crm-ghost/routing', { token: TOKENS.manager }), 404, 'not-found');
    await expectProblem(await h.request('GET', '/v1/handoffs/no%20such/routing', { token: TOKENS.manager }), 404, 'not-found');
  });
});

describe('GET /v1/handoffs/:id/notifications', () => {
  test('lists the delivery log of the hand-off to whoever may read it; others are 403, unknown hand-offs 404', async (t) => {
    const states = new Map<string, HandoffState>();
    const h = await harness(t, { states });
    states.set('crm-1', {
      ...submittedState({ handoffId: 'crm-1', sdrId: 'sdr-jo', lead: exampleLead, submittedAt: Date.now() }),
      stage: 'assigned',
      assignedAe: 'ae-kim',
    });
    const store = new DeliveryStore(h.db);
    const about = { handoffId: 'crm-1', kind: 'assignment' };
    const email = { workflowId: 'handoff-crm-1', step: 'assigned:1', recipient: 'ae-kim', channel: 'email' };
    const claim = await store.claim(email, { ...about, address: 'kim@example.com' });
    await store.sent(email, claim.state === 'claimed' ? claim.claim : '', '<abc@baton>');
    const outbox = { ...email, channel: 'outbox' };
    const failing = await store.claim(outbox, { ...about, address: 'notifications.jsonl' });
    await store.failed(outbox, failing.state === 'claimed' ? failing.claim : '', 'disk full');

    const body = await expectJson<Notifications>(await h.request('GET', '/v1/handoffs/crm-1/notifications', { token: TOKENS.ae }), 200);
    assert.equal(body.handoffId, 'crm-1');
    assert.deepEqual(
      body.deliveries.map((d) => [d.kind, d.step, d.recipient, d.channel, d.address, d.status, d.attempts, d.providerId, d.error]),
      [
        ['assignment', 'assigned:1', 'ae-kim', 'email', 'kim@example.com', 'sent', 1, '<abc@baton>', null],
        ['assignment', 'assigned:1', 'ae-kim', 'outbox', 'notifications.jsonl', 'failed', 1, null, 'disk full'],
      ],
    );
    assert.ok(Date.parse(body.deliveries[0]!.sentAt!) > 0);
    assert.deepEqual(Object.keys(body.deliveries[0]!).sort(), [
      'address',
      'attempts',
      'channel',
      'claimedAt',
      'error',
      'kind',
      'providerId',
      'recipient',
      'sentAt',
      'status',
      'step',
    ]);
    for (const token of [TOKENS.manager, TOKENS.ops, TOKENS.sdr])
      await expectJson(await h.request('GET', '/v1/handoffs/crm-1/notifications', { token }), 200);
    await expectProblem(await h.request('GET', '/v1/handoffs/crm-1/notifications', { token: TOKENS.otherAe }), 403, 'forbidden');
    await expectProblem(await h.request('GET', '/v1/handoffs/crm-1/notifications'), 401, 'unauthorized');
    await expectProblem(await h.request('GET', '/v1/handoffs/crm-ghost/notifications', { token: TOKENS.manager }), 404, 'not-found');
  });
});

describe('readiness and the OpenAPI document', () => {
  test('/readyz checks the database too and names its kind', async (t) => {
    const h = await harness(t);
    const ready = await expectJson(await h.request('GET', '/readyz'), 200);
    assert.deepEqual(ready, { status: 'ready', temporal: { namespace: 'default', serverVersion: '1.29.0' }, database: { kind: 'pglite' } });
  });

  test('/readyz is a 503 problem naming the database when it does not answer', async (t) => {
    const h = await harness(t);
    const failing: Database = { ...h.db, query: () => Promise.reject(new Error('connection refused')) };
    const { client } = fakeClient({});
    const config = loadConfig({ BATON_DATA_DIR: path.join(repoRoot, '.data', 'api-test-unused') });
    const app = createApp({ client, config, policy, principals, db: failing });
    const res = await app.request('/readyz');
    const problem = await expectProblem(res, 503, 'unavailable');
    assert.match(problem.detail, /the database \(pglite\) is not ready: connection refused/);
    assert.doesNotMatch(problem.detail, /Temporal/);
    assert.equal(res.headers.get('retry-after'), '5');
  });

  test('documents every roster route and the routing explanation, with bearer security and their schemas', async (t) => {
    const h = await harness(t);
    const doc = await expectJson<{
      paths: Record<
        string,
        Record<
          string,
          {
            tags: string[];
            security?: unknown[];
            responses: Record<string, { headers?: Record<string, unknown> }>;
            requestBody?: { required?: boolean };
          }
        >
      >;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
      tags: { name: string }[];
    }>(await h.request('GET', '/openapi.json'), 200);
    const expected: [string, string, string[]][] = [
      ['/v1/aes', 'get', ['200', '401', '403']],
      ['/v1/aes', 'post', ['201', '400', '401', '403', '409', '422']],
      ['/v1/aes/{id}', 'get', ['200', '401', '403', '404']],
      ['/v1/aes/{id}', 'patch', ['200', '400', '401', '403', '404', '422']],
      ['/v1/aes/{id}', 'delete', ['204', '401', '403', '404', '409']],
      ['/v1/aes/{id}/audit', 'get', ['200', '401', '403', '404']],
      ['/v1/handoffs/{id}/routing', 'get', ['200', '401', '403', '404']],
      ['/v1/handoffs/{id}/notifications', 'get', ['200', '401', '403', '404']],
    ];
    for (const [p, method, statuses] of expected) {
      const op = doc.paths[p]?.[method];
      assert.ok(op, `${method.toUpperCase()} ${p} documented`);
      assert.deepEqual(op.security, [{ bearer: [] }]);
      for (const status of statuses) assert.ok(op.responses[status], `${method} ${p} documents ${status}`);
      if (op.requestBody) assert.equal(op.requestBody.required, true);
    }
    assert.ok(doc.paths['/v1/aes']!.post!.responses['201']!.headers?.Location);
    assert.ok(doc.paths['/v1/aes']!.post!.responses['201']!.headers?.['Baton-Woken-Handoffs']);
    assert.ok(doc.tags.some((tag) => tag.name === 'roster'));
    for (const schema of [
      'Ae',
      'AePatch',
      'RosterEntry',
      'RosterList',
      'AuditEntry',
      'AeAudit',
      'HandoffRouting',
      'RoutingDecision',
      'HandoffNotifications',
      'Delivery',
    ])
      assert.ok(doc.components.schemas[schema], `${schema} schema`);
    assert.ok(doc.components.schemas.AePatch!.properties?.managerId);
    assert.ok(doc.components.schemas.Readiness!.properties?.database);
  });
});
