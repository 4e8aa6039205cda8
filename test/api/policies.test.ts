/**
 * The policy catalog (`/v1/policies`): saving drafts, the diff view, publishing, validation that
 * names the field, roles, and BATON_POLICY_FILE teams. Through `app.request()` on an embedded
 * database; the API reads the live policy from the database as `startApi` wires it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { TokenStore } from '../../src/api/auth.js';
import { repoRoot } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import type { PolicyDiff, PolicyVersion, PolicyVersionDetail } from '../../src/domain/policy-catalog.js';
import type { LeadAssessment } from '../../src/domain/assessment.js';
import type { PolicyInput } from '../../src/domain/policy.js';
import { PublishedPolicySource, readPolicyDocument } from '../../src/policy/source.js';
import { PolicyStore } from '../../src/db/policies.js';
import { exampleLead } from '../fixtures/leads.js';
import { testDatabase } from '../support/db.js';
import { appOnCatalog, expectJson, expectProblem, requestApp, type RequestOptions } from './http.js';

const TOKENS = { manager: 'tok-mgr', admin: 'tok-admin', ops: 'tok-ops', sdr: 'tok-sdr', ae: 'tok-ae' } as const;
const principals = TokenStore.fromTokens([
  { id: 'mgr-ana', role: 'manager', name: 'Ana Ortiz', token: TOKENS.manager },
  { id: 'admin-root', role: 'admin', name: 'Admin', token: TOKENS.admin },
  { id: 'ops-pat', role: 'ops', name: 'Pat Rivera', token: TOKENS.ops },
  { id: 'sdr-jo', role: 'sdr', name: 'Jo Park', token: TOKENS.sdr },
  { id: 'ae-kim', role: 'ae', name: 'Kim Lee', token: TOKENS.ae },
]);
const SHIPPED = path.join(repoRoot, 'policy', 'default.yaml');

interface Catalog {
  source: 'database' | 'file';
  live: string;
  versions: PolicyVersion[];
}

async function api(t: TestContext, env: Record<string, string> = {}) {
  const db: Database = await testDatabase();
  t.after(() => db.close());
  const app = await appOnCatalog(db, principals, env);
  const request = (method: string, url: string, opts: RequestOptions = {}) =>
    requestApp(app, method, url, { token: TOKENS.manager, ...opts });
  return { db, request };
}

/** The shipped document without its version label (the catalog labels it), changed as the test needs. */
async function shippedWith(change: (doc: PolicyInput) => void): Promise<Record<string, unknown>> {
  const { version: _label, ...rest } = structuredClone(await readPolicyDocument(SHIPPED)) as unknown as PolicyInput;
  const doc = rest as PolicyInput;
  change(doc);
  return doc;
}

describe('policy catalog', () => {
  test('the first read seeds version 1 from policy/default.yaml, published', async (t) => {
    const { request } = await api(t);
    const catalog = await expectJson<Catalog>(await request('GET', '/v1/policies', { token: TOKENS.ops }), 200);
    const shipped = await readPolicyDocument(SHIPPED);
    assert.equal(catalog.source, 'database');
    assert.equal(catalog.live, shipped.version);
    assert.equal(catalog.versions.length, 1);
    assert.deepEqual(
      (({ number, version, status, author, basedOn, publishedBy }) => ({ number, version, status, author, basedOn, publishedBy }))(
        catalog.versions[0]!,
      ),
      { number: 1, version: shipped.version, status: 'published', author: 'baton', basedOn: null, publishedBy: 'baton' },
    );
    const one = await expectJson<PolicyVersionDetail>(await request('GET', '/v1/policies/1'), 200);
    assert.deepEqual(one.document, shipped);
  });

  test('a draft is saved with its author, note and base, and the diff names each changed field', async (t) => {
    const { request } = await api(t);
    await request('GET', '/v1/policies');
    const policy = await shippedWith((doc) => {
      doc.scoring.threshold = 60;
      doc.tiers.hot.handoffWindow = '2h';
    });
    const res = await request('POST', '/v1/policies', { body: { policy, note: 'stricter nurture line', basedOn: 1 } });
    const saved = await expectJson<PolicyVersionDetail>(res, 201);
    assert.equal(res.headers.get('location'), '/v1/policies/2');
    assert.deepEqual(
      (({ number, version, status, author, note, basedOn, publishedAt }) => ({
        number,
        version,
        status,
        author,
        note,
        basedOn,
        publishedAt,
      }))(saved),
      { number: 2, version: 'v2', status: 'draft', author: 'mgr-ana', note: 'stricter nurture line', basedOn: 1, publishedAt: null },
    );

    const diff = await expectJson<PolicyDiff>(await request('GET', '/v1/policies/2/diff'), 200);
    assert.equal(diff.from, 1);
    const changes = Object.fromEntries(diff.changes.map((c) => [c.path, [c.kind, c.before, c.after]]));
    assert.deepEqual(changes, {
      version: ['changed', (await readPolicyDocument(SHIPPED)).version, 'v2'],
      'scoring.threshold': ['changed', 50, 60],
      'tiers.hot.handoffWindow': ['changed', '4h', '2h'],
    });
    assert.match(diff.unified, /^-\s+threshold: 50$/m);
    assert.match(diff.unified, /^\+\s+threshold: 60$/m);
    const against = await expectJson<PolicyDiff>(await request('GET', '/v1/policies/1/diff?against=2'), 200);
    assert.deepEqual(
      against.changes.find((c) => c.path === 'scoring.threshold'),
      { path: 'scoring.threshold', kind: 'changed', before: 60, after: 50 },
    );
  });

  test('publishing makes a version live for new work; publishing an older one rolls back', async (t) => {
    const { request } = await api(t);
    await request('GET', '/v1/policies');
    const preview = async () =>
      expectJson<LeadAssessment>(await request('POST', '/v1/scoring/preview', { token: TOKENS.sdr, body: exampleLead }), 200);
    assert.equal((await preview()).icp.pass, true);

    // An ICP floor just above this lead's size turns it away, once published.
    const employees = exampleLead.company!.employees!;
    const policy = await shippedWith((doc) => {
      doc.version = 'bigger-accounts';
      doc.icp = { ...doc.icp, minEmployees: employees + 1 };
    });
    const saved = await expectJson<PolicyVersionDetail>(await request('POST', '/v1/policies', { body: { policy } }), 201);
    assert.equal((await preview()).policyVersion, (await readPolicyDocument(SHIPPED)).version, 'a draft changes nothing');

    await expectProblem(await request('POST', `/v1/policies/${saved.number}/publish`, { token: TOKENS.ops, body: {} }), 403);
    const published = await expectJson<PolicyVersion>(
      await request('POST', `/v1/policies/${saved.number}/publish`, { token: TOKENS.admin, body: { note: 'Q1 plan' } }),
      200,
    );
    assert.equal(published.status, 'published');
    assert.equal(published.publishedBy, 'admin-root');
    const now = await preview();
    assert.equal(now.policyVersion, 'bigger-accounts');
    assert.equal(now.icp.pass, false);

    const catalog = await expectJson<Catalog>(await request('GET', '/v1/policies'), 200);
    assert.equal(catalog.live, 'bigger-accounts');
    assert.deepEqual(
      catalog.versions.map((v) => [v.number, v.status]),
      [
        [2, 'published'],
        [1, 'retired'],
      ],
    );
    await expectJson(await request('POST', '/v1/policies/1/publish', { body: {} }), 200);
    assert.equal((await preview()).icp.pass, true, 'rolled back');
    assert.deepEqual(
      (await expectJson<Catalog>(await request('GET', '/v1/policies'), 200)).versions.map((v) => v.status),
      ['retired', 'published'],
    );
  });

  test('an invalid document is 422 naming every field at fault; nothing is saved', async (t) => {
    const { request } = await api(t);
    await request('GET', '/v1/policies');
    const policy = await shippedWith((doc) => {
      doc.scoring.threshold = 500;
      doc.tiers.warm.contactWindow = 'two days';
      Object.assign(doc.scoring.rules[0]!.when, { field: 'company.revenue' });
      Object.assign(doc, { colour: 'blue' });
    });
    const problem = await expectProblem(await request('POST', '/v1/policies', { body: { policy } }), 422);
    const paths = (problem.errors ?? []).map((e) => e.path).sort();
    assert.deepEqual(paths, ['policy', 'policy.scoring.rules.0.when.field', 'policy.scoring.threshold', 'policy.tiers.warm.contactWindow']);
    assert.match(problem.detail ?? '', /policy\.tiers\.warm\.contactWindow: not a duration/);
    const unknownBase = await expectProblem(
      await request('POST', '/v1/policies', { body: { policy: await shippedWith(() => undefined), basedOn: 9 } }),
      422,
    );
    assert.deepEqual(unknownBase.errors, [{ path: 'basedOn', message: 'no policy version 9' }]);
    assert.equal((await expectJson<Catalog>(await request('GET', '/v1/policies'), 200)).versions.length, 1);
  });

  test('a version label in use is 409; unknown versions are 404', async (t) => {
    const { request } = await api(t);
    await request('GET', '/v1/policies');
    const shipped = await readPolicyDocument(SHIPPED);
    const problem = await expectProblem(await request('POST', '/v1/policies', { body: { policy: shipped } }), 409);
    assert.match(problem.detail ?? '', /already version 1's/);
    await expectProblem(await request('GET', '/v1/policies/7'), 404);
    await expectProblem(await request('GET', '/v1/policies/x1'), 404);
    await expectProblem(await request('POST', '/v1/policies/7/publish', { body: {} }), 404);
    await expectProblem(await request('GET', '/v1/policies/1/diff?against=7'), 404);
  });

  test('SDRs and AEs cannot read policy; ops can read but not write', async (t) => {
    const { request } = await api(t);
    for (const token of [TOKENS.sdr, TOKENS.ae]) {
      await expectProblem(await request('GET', '/v1/policies', { token }), 403);
      await expectProblem(await request('GET', '/v1/policies/1', { token }), 403);
      await expectProblem(await request('POST', '/v1/policies/simulate', { token, body: { policy: 1 } }), 403);
    }
    await expectJson(await request('GET', '/v1/policies', { token: TOKENS.ops }), 200);
    await expectProblem(await request('POST', '/v1/policies', { token: TOKENS.ops, body: { policy: {} } }), 403);
  });

  test('with BATON_POLICY_FILE the file governs: drafts can be saved and simulated, not published', async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-policy-'));
    const file = path.join(dir, 'policy.yaml');
    await writeFile(file, (await readFile(SHIPPED, 'utf8')).replace(/^version: .*$/m, "version: 'git-7'"));
    const { request } = await api(t, { BATON_POLICY_FILE: file });
    const catalog = await expectJson<Catalog>(await request('GET', '/v1/policies'), 200);
    assert.equal(catalog.source, 'file');
    assert.equal(catalog.live, 'git-7');
    assert.deepEqual(catalog.versions, [], 'the file is not copied into the catalog');
    const saved = await expectJson<PolicyVersionDetail>(
      await request('POST', '/v1/policies', { body: { policy: await shippedWith(() => undefined) } }),
      201,
    );
    const problem = await expectProblem(await request('POST', `/v1/policies/${saved.number}/publish`, { body: {} }), 409);
    assert.match(problem.detail ?? '', /BATON_POLICY_FILE/);
    await expectJson(await request('POST', '/v1/policies/simulate', { body: { policy: saved.number } }), 200);
  });

  test('a catalog of drafts saved under BATON_POLICY_FILE gets the shipped policy published when the file is dropped', async (t) => {
    const db = await testDatabase();
    t.after(() => db.close());
    const store = new PolicyStore(db);
    // A draft that took the shipped label with other content.
    const shippedLabel = (await readPolicyDocument(SHIPPED)).version as string;
    const draft = await store.create({
      document: await shippedWith((doc) => {
        doc.version = shippedLabel;
        doc.scoring.threshold = 70;
      }),
      author: 'mgr-ana',
    });
    assert.equal(draft.number, 1);
    const live = await new PublishedPolicySource(db, SHIPPED).current();
    assert.equal(live.version, `${shippedLabel} (seed)`);
    assert.equal(live.scoring.threshold, 50, 'the shipped document, not the draft');
    assert.deepEqual(
      (await store.list()).map((v) => [v.number, v.status, v.author]),
      [
        [2, 'published', 'baton'],
        [1, 'draft', 'mgr-ana'],
      ],
    );
    assert.equal(await store.seed(await readPolicyDocument(SHIPPED), 'again'), false, 'seeded once');

    // A draft that is the shipped document itself is published as it is.
    const other = await testDatabase();
    t.after(() => other.close());
    const otherStore = new PolicyStore(other);
    await otherStore.create({ document: await readPolicyDocument(SHIPPED), author: 'mgr-ana' });
    assert.equal((await new PublishedPolicySource(other, SHIPPED).current()).version, shippedLabel);
    assert.deepEqual(
      (await otherStore.list()).map((v) => [v.number, v.status]),
      [[1, 'published']],
    );
  });
});
