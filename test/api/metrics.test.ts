/**
 * `GET /v1/metrics` and `GET /v1/reports/weekly` through `createApp` on an embedded database with
 * seeded hand-offs: who may see what, the defaults, the 422s, CSV, and the OpenAPI document. The
 * figures themselves are checked against hand-computed values in test/db/metrics.test.ts.
 */
import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPolicyFile } from '../../src/policy/file.js';
import { createApp } from '../../src/api/app.js';
import { TokenStore } from '../../src/api/auth.js';
import { loadConfig, repoRoot } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { seedKpiHandoffs, writeKpiSeed, type SeededHandoff } from '../../src/dev/kpi-seed.js';
import type { Metrics, WeeklyReport } from '../../src/domain/metrics.js';
import type { Policy } from '../../src/domain/policy.js';
import { testDatabase } from '../support/db.js';
import { expectJson, expectProblem, requestApp, type ProblemBody } from './http.js';

const TOKENS = { manager: 'tok-mgr', ops: 'tok-ops', admin: 'tok-admin', sdr: 'tok-sdr-jo', ae: 'tok-ae-kim' } as const;
const principals = TokenStore.fromTokens([
  { id: 'mgr-ana', role: 'manager', name: 'Ana Ortiz', token: TOKENS.manager },
  { id: 'ops-pat', role: 'ops', name: 'Pat Rivera', token: TOKENS.ops },
  { id: 'admin-root', role: 'admin', name: 'Admin', token: TOKENS.admin },
  { id: 'sdr-jo', role: 'sdr', name: 'Jo Park', token: TOKENS.sdr },
  { id: 'ae-kim', role: 'ae', name: 'Kim Lee', token: TOKENS.ae },
]);

/** "Now": Wednesday 25 November 2026, 15:00 UTC (09:00 in Chicago). */
const NOW = Date.parse('2026-11-25T15:00:00Z');
const ZONE = 'America/Chicago';

let db: Database;
let items: SeededHandoff[];
let request: (url: string, token?: string, headers?: Record<string, string>) => Promise<Response>;

before(async () => {
  const base: Policy = await readPolicyFile(path.join(repoRoot, 'policy', 'default.yaml'));
  const policy: Policy = { ...base, clock: { ...base.clock, timeZone: ZONE } };
  db = await testDatabase();
  items = seedKpiHandoffs({ count: 150, weeks: 5, endingAt: NOW, seed: 11 });
  await writeKpiSeed(db, items);
  const config = loadConfig({ BATON_DATA_DIR: path.join(repoRoot, '.data', 'api-test-unused') });
  // The figures never reach Temporal.
  const app = createApp({ client: {} as Client, config, policy, principals, db, now: () => NOW });
  request = (url, token, headers) => requestApp(app, 'GET', url, { token, headers });
});
after(() => db.close());

const paths = (problem: ProblemBody): string[] => (problem.errors ?? []).map((e) => e.path);

describe('GET /v1/metrics', () => {
  it('needs a token (401 with a challenge)', async () => {
    const res = await request('/v1/metrics');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    await expectProblem(res, 401, 'unauthorized');
    await expectProblem(await request('/v1/metrics', 'not-a-token'), 401, 'unauthorized');
  });

  it('defaults: the twelve weeks up to today in the policy zone, totals only', async () => {
    const m = await expectJson<Metrics>(await request('/v1/metrics', TOKENS.manager), 200);
    assert.deepEqual([m.from, m.to, m.timeZone, m.groupBy, m.scope, m.groups], ['2026-09-03', '2026-11-25', ZONE, [], {}, []]);
    assert.equal(m.submitted, items.length);
  });

  it('managers, ops and admins see everyone; an SDR only theirs; an AE only those they hold or held last', async () => {
    const url = '/v1/metrics?from=2026-10-01&to=2026-11-25&groupBy=sdr';
    for (const token of [TOKENS.manager, TOKENS.ops, TOKENS.admin]) {
      const m = await expectJson<Metrics>(await request(url, token), 200);
      assert.equal(m.submitted, items.length);
      assert.ok(m.groups.length > 1, 'several SDRs');
    }
    const jo = await expectJson<Metrics>(await request(url, TOKENS.sdr), 200);
    assert.deepEqual(jo.scope, { sdr: 'sdr-jo' });
    assert.equal(jo.submitted, items.filter((h) => h.sdr === 'sdr-jo').length);
    assert.deepEqual(
      jo.groups.map((g) => g.key.sdr),
      ['sdr-jo'],
    );
    const kim = await expectJson<Metrics>(await request('/v1/metrics?from=2026-10-01&to=2026-11-25&groupBy=ae', TOKENS.ae), 200);
    assert.deepEqual(kim.scope, { ae: 'ae-kim' });
    assert.equal(kim.submitted, items.filter((h) => h.ae === 'ae-kim').length);
    assert.deepEqual(
      kim.groups.map((g) => g.key.ae),
      ['ae-kim'],
    );
  });

  it('filters: a manager narrows to an SDR or AE; an SDR or AE naming someone else is 403', async () => {
    const lena = await expectJson<Metrics>(await request('/v1/metrics?from=2026-10-01&to=2026-11-25&ae=ae-lena', TOKENS.manager), 200);
    assert.deepEqual(lena.scope, { ae: 'ae-lena' });
    assert.equal(lena.submitted, items.filter((h) => h.ae === 'ae-lena').length);
    await expectProblem(await request('/v1/metrics?sdr=sdr-max', TOKENS.sdr), 403, 'forbidden');
    await expectProblem(await request('/v1/metrics?ae=ae-lena', TOKENS.ae), 403, 'forbidden');
    const own = await expectJson<Metrics>(await request('/v1/metrics?from=2026-10-01&to=2026-11-25&sdr=sdr-jo&ae=ae-kim', TOKENS.sdr), 200);
    assert.deepEqual(own.scope, { sdr: 'sdr-jo', ae: 'ae-kim' });
    assert.equal(own.submitted, items.filter((h) => h.sdr === 'sdr-jo' && h.ae === 'ae-kim').length);
  });

  it('groupBy: one or two distinct dimensions; anything else is 422 naming groupBy', async () => {
    const pair = await expectJson<Metrics>(await request('/v1/metrics?groupBy=sdr,ae', TOKENS.manager), 200);
    assert.deepEqual(pair.groupBy, ['sdr', 'ae']);
    assert.ok(
      pair.groups.every((g) => Object.keys(g.key).sort().join() === 'ae,sdr'),
      'every key has sdr and ae',
    );
    for (const bad of ['team', 'sdr,sdr', 'week,sdr,ae', 'sdr,', ',']) {
      const problem = await expectProblem(
        await request(`/v1/metrics?groupBy=${encodeURIComponent(bad)}`, TOKENS.manager),
        422,
        'validation',
      );
      assert.deepEqual(paths(problem), ['groupBy'], bad);
    }
  });

  it('dates and zones: malformed, reversed or too long ranges and unknown zones are 422 naming the field', async () => {
    const cases: [string, string][] = [
      ['from=2026-13-01', 'from'],
      ['to=yesterday', 'to'],
      ['from=2026-11-20&to=2026-11-01', 'from'],
      ['from=2030-01-01', 'from'],
      ['from=2020-01-01&to=2026-11-01', 'from'],
      ['timeZone=Mars/Olympus', 'timeZone'],
      ['sdr=' + encodeURIComponent('bad id!'), 'sdr'],
    ];
    for (const [query, field] of cases) {
      const problem = await expectProblem(await request(`/v1/metrics?${query}`, TOKENS.manager), 422, 'validation');
      assert.deepEqual(paths(problem), [field], query);
    }
    // Exactly 731 days is allowed.
    await expectJson(await request('/v1/metrics?from=2024-11-25&to=2026-11-25', TOKENS.manager), 200);
  });
});

describe('GET /v1/reports/weekly', () => {
  it('defaults to the last complete week in the policy zone, as JSON', async () => {
    const report = await expectJson<WeeklyReport>(await request('/v1/reports/weekly', TOKENS.manager), 200);
    assert.deepEqual([report.week, report.from, report.to, report.timeZone], ['2026-W47', '2026-11-16', '2026-11-22', ZONE]);
    assert.deepEqual(
      report.previousWeeks.map((p) => p.week),
      ['2026-W46', '2026-W45', '2026-W44', '2026-W43'],
    );
    assert.ok(report.figures.submitted > 0, 'the week has hand-offs');
  });

  it('scoped like the metrics, and 401 without a token', async () => {
    const jo = await expectJson<WeeklyReport>(await request('/v1/reports/weekly?week=2026-W47', TOKENS.sdr), 200);
    assert.deepEqual(jo.scope, { sdr: 'sdr-jo' });
    assert.deepEqual(
      [...jo.slaBreaches, ...jo.lowestRated].filter((h) => h.sdr !== 'sdr-jo'),
      [],
    );
    const kim = await expectJson<WeeklyReport>(await request('/v1/reports/weekly?week=2026-W47', TOKENS.ae), 200);
    assert.deepEqual(
      [...kim.slaBreaches, ...kim.lowestRated, ...kim.rejectionPairs].filter((h) => h.ae !== 'ae-kim'),
      [],
    );
    await expectProblem(await request('/v1/reports/weekly?week=2026-W47&sdr=sdr-max', TOKENS.sdr), 403, 'forbidden');
    await expectProblem(await request('/v1/reports/weekly'), 401, 'unauthorized');
  });

  it('422 naming the field: a malformed week, a week that does not exist, an unknown format or zone', async () => {
    for (const [query, field] of [
      ['week=2026-47', 'week'],
      ['week=2026-W54', 'week'],
      ['week=2025-W53', 'week'],
      ['format=xml', 'format'],
      ['timeZone=Nowhere', 'timeZone'],
    ] as const) {
      const problem = await expectProblem(await request(`/v1/reports/weekly?${query}`, TOKENS.manager), 422, 'validation');
      assert.deepEqual(paths(problem), [field], query);
    }
    // 2025 has 52 ISO weeks; 2026 has 53.
    await expectJson(await request('/v1/reports/weekly?week=2026-W53', TOKENS.manager), 200);
  });

  it('CSV with format=csv or Accept: text/csv: the content type, a filename, a header row, quoting', async () => {
    const viaFormat = await request('/v1/reports/weekly?week=2026-W47&format=csv', TOKENS.manager);
    assert.equal(viaFormat.status, 200);
    assert.equal(viaFormat.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(viaFormat.headers.get('content-disposition'), 'attachment; filename="baton-weekly-2026-W47.csv"');
    const csv = await viaFormat.text();
    assert.ok(csv.startsWith('section,week,sdr,ae,handoffId,company,tier,metric,value,detail\r\n'), csv.slice(0, 80));
    const sections = new Set(csv.split('\r\n').map((line) => line.split(',')[0]));
    for (const s of ['figures', 'previous', 'baseline', 'sla_breach', 'low_rating']) assert.ok(sections.has(s), `section ${s}`);
    // The seed's names with a comma or quotes arrive quoted.
    const quoted = items.find((h) => /[,"]/.test(h.company) && csv.includes(h.handoffId));
    if (quoted) assert.ok(csv.includes(`"${quoted.company.replaceAll('"', '""')}"`), `${quoted.company} quoted`);

    const viaAccept = await request('/v1/reports/weekly?week=2026-W47', TOKENS.manager, { Accept: 'text/csv' });
    assert.equal(viaAccept.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(await viaAccept.text(), csv);

    const preferJson = await request('/v1/reports/weekly?week=2026-W47', TOKENS.manager, { Accept: 'application/json, text/csv;q=0.5' });
    assert.match(preferJson.headers.get('content-type') ?? '', /^application\/json/);
    const formatWins = await request('/v1/reports/weekly?week=2026-W47&format=json', TOKENS.manager, { Accept: 'text/csv' });
    assert.match(formatWins.headers.get('content-type') ?? '', /^application\/json/);

    const jo = await request('/v1/reports/weekly?week=2026-W47&format=csv', TOKENS.sdr);
    assert.equal(jo.headers.get('content-disposition'), 'attachment; filename="baton-weekly-2026-W47-sdr-jo.csv"');
  });
});

describe('the OpenAPI document', () => {
  it('describes both routes under the figures tag', async () => {
    const doc = await expectJson<{
      paths: Record<string, Record<string, { tags: string[]; parameters: { name: string }[]; responses: Record<string, unknown> }>>;
      tags: { name: string }[];
    }>(await request('/openapi.json'), 200);
    const metrics = doc.paths['/v1/metrics']!.get!;
    const weekly = doc.paths['/v1/reports/weekly']!.get!;
    assert.deepEqual([metrics.tags, weekly.tags], [['figures'], ['figures']]);
    assert.deepEqual(metrics.parameters.map((p) => p.name).sort(), ['ae', 'from', 'groupBy', 'sdr', 'timeZone', 'to']);
    assert.deepEqual(weekly.parameters.map((p) => p.name).sort(), ['ae', 'format', 'sdr', 'timeZone', 'week']);
    assert.deepEqual(Object.keys(weekly.responses).sort(), ['200', '401', '403', '422']);
    assert.ok(
      doc.tags.some((t) => t.name === 'figures'),
      'the figures tag',
    );
  });
});
