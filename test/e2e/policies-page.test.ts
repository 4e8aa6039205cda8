/**
 * The policy page (`/dashboard/policies`) in a real browser: Debian's Chromium, driven by
 * playwright-core, against the API on a database seeded with the KPI seed (600 hand-offs over six
 * weeks, each with its lead data), the seed's AEs on the roster, the catalog seeded from
 * policy/default.yaml as version 1 and two drafts saved on top. It signs in through the form, picks
 * a draft, runs it, and checks that what the page shows — headline numbers, the field-by-field
 * diff, the charts' bars, the conversion table, the changed hand-offs and the CSV download — is the
 * report `runSimulation` computes for the same version and range, under the page's
 * Content-Security-Policy without a console error. Time is pinned, so the default range (twelve
 * weeks ending today) is fixed. A screenshot goes to test/artifacts/policies.png.
 *
 * The page needs no Temporal: the API gets a client whose connection is lazy and never used.
 * Without /usr/bin/chromium (or CHROMIUM_PATH) the browser tests are skipped, unless CI is set.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { buildDashboard } from '../../scripts/build-dashboard.js';
import { createApp, type ApiDeps } from '../../src/api/app.js';
import { TokenStore } from '../../src/api/auth.js';
import { ProblemError } from '../../src/api/problem.js';
import { SESSION_COOKIE } from '../../src/api/routes/dashboard.js';
import { runSimulation } from '../../src/api/simulation.js';
import { loadConfig, repoRoot } from '../../src/config.js';
import type { PoliciesHandle, PolicyCatalogData } from '../../src/dashboard/data.js';
import {
  bucketLabel,
  formatChange,
  formatCount,
  formatInstant,
  formatPolicyValue,
  formatRate,
  formatResponsible,
  NONE,
} from '../../src/dashboard/format.js';
import type { Database } from '../../src/db/database.js';
import { PolicyStore } from '../../src/db/policies.js';
import { RosterStore } from '../../src/db/roster.js';
import { KPI_AES, kpiRoster, seedKpiHandoffs, writeKpiSeed } from '../../src/dev/kpi-seed.js';
import { diffPolicies, type PolicyDocument } from '../../src/domain/policy-catalog.js';
import type { PolicyInput } from '../../src/domain/policy.js';
import { BUCKETS, simulationCsv, type SimulationReport } from '../../src/domain/simulation-report.js';
import { policySource, readPolicyDocument } from '../../src/policy/source.js';
import { launchChromium, openPage, skipWithoutChromium } from '../support/chromium.js';
import { testDatabase } from '../support/db.js';

const SCREENSHOT = path.join(repoRoot, 'test', 'artifacts', 'policies.png');

const SEED = { count: 600, weeks: 6, endingAt: '2026-11-22T00:00:00Z', seed: 20261122 };
/** "Now" for the API: the default range is the twelve weeks ending on this day (the shipped policy counts in UTC). */
const NOW = Date.parse('2026-11-23T15:00:00Z');
const DEFAULT_RANGE = { from: '2026-09-01', to: '2026-11-23', timeZone: 'UTC' };

const PRINCIPALS = [
  { id: 'mgr-ana', role: 'manager', name: 'Ana Ortiz' },
  { id: 'ops-lee', role: 'ops', name: 'Lee Ops' },
  { id: 'sdr-jo', role: 'sdr', name: 'Jo Park' },
] as const;
const token = (id: string): string => `policies-token-${id}`;
const principals = TokenStore.fromTokens(PRINCIPALS.map((p) => ({ ...p, token: token(p.id) })));

/** The API on a free port, with time pinned and the database's live policy. */
async function serveApi(db: Database): Promise<{ url: string; deps: ApiDeps; close: () => Promise<void> }> {
  const config = loadConfig({ BATON_DATA_DIR: path.join(repoRoot, '.data', 'policies-page-test-unused'), PORT: '0' });
  assert.equal(config.policyFromFile, false, 'the catalog governs (BATON_POLICY_FILE is not set)');
  const policies = policySource(config, db);
  // The page never calls Temporal; a lazy connection is never opened.
  const deps: ApiDeps = { client: new Client(), config, policy: await policies.current(), policies, principals, db, now: () => NOW };
  const app = createApp(deps);
  const { server, port } = await new Promise<{ server: ServerType; port: number }>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => resolve({ server, port: info.port }));
    server.once('error', reject);
  });
  const close = () =>
    new Promise<void>((resolve, reject) => {
      (server as HttpServer).closeAllConnections?.();
      server.close((err) => (err ? reject(err) : resolve()));
    });
  return { url: `http://127.0.0.1:${port}`, deps, close };
}

describe('policy page (/dashboard/policies) in headless Chromium', { skip: skipWithoutChromium('policy page') }, () => {
  let db: Database;
  let api: Awaited<ReturnType<typeof serveApi>>;
  let browser: Browser;
  let shipped: PolicyDocument;
  /** The draft the test picks (threshold 50 → 60) and the newer one the page opens by default (hot window 4h → 2h). */
  let threshold: number;
  let hotWindow: number;

  before(async () => {
    const [, database, document] = await Promise.all([
      buildDashboard(),
      testDatabase(),
      readPolicyDocument(path.join(repoRoot, 'policy', 'default.yaml')),
    ]);
    db = database;
    shipped = document;
    await writeKpiSeed(db, seedKpiHandoffs(SEED), { perTransaction: 100 });
    // Everyone can take every lead (no regions, bands or industries), with room for all of them.
    await new RosterStore(db).seed(kpiRoster(1000), 'test');
    api = await serveApi(db); // reads the live policy: seeds the catalog with version 1
    const store = new PolicyStore(db);
    const edit = (version: string, change: (doc: PolicyInput) => void): PolicyDocument => {
      const doc = structuredClone(shipped) as unknown as PolicyInput;
      doc.version = version;
      change(doc);
      return doc;
    };
    threshold = (
      await store.create({
        document: edit('threshold-60', (d) => (d.scoring.threshold = 60)),
        author: 'mgr-ana',
        note: 'Fewer, better hand-offs',
        basedOn: 1,
      })
    ).number;
    hotWindow = (
      await store.create({
        document: edit('hot-2h', (d) => (d.tiers.hot.handoffWindow = '2h')),
        author: 'ops-lee',
        note: 'Hot leads within two hours',
        basedOn: 1,
      })
    ).number;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await api?.close();
    await db?.close();
  });

  /** The report the page must show: computed here, by the function the routes call. */
  async function expected(policy: number, range: { from: string; to: string } = DEFAULT_RANGE): Promise<SimulationReport> {
    return runSimulation(api.deps, { policy, from: range.from, to: range.to });
  }
  const withoutElapsed = ({ elapsedMs: _elapsed, ...rest }: SimulationReport) => rest;

  async function signIn(page: Page, id: string, at = '/dashboard'): Promise<number | undefined> {
    await page.goto(`${api.url}${at}`);
    await page.fill('#token', token(id));
    const [response] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    return response?.status();
  }

  const settled = (page: Page, state = 'ready'): Promise<unknown> =>
    page.waitForSelector(`body[data-state="${state}"]`, { timeout: 30_000 });
  const handle = (page: Page): Promise<PoliciesHandle> =>
    page.evaluate(() => (globalThis as unknown as { batonPolicies: PoliciesHandle }).batonPolicies);
  const text = async (page: Page, selector: string): Promise<string> => ((await page.locator(selector).textContent()) ?? '').trim();
  const texts = async (page: Page, selector: string): Promise<string[]> =>
    (await page.locator(selector).allTextContents()).map((t) => t.trim());
  /** Each row's cells' text (its header cell first). */
  async function cells(page: Page, selector: string): Promise<string[][]> {
    const rows: string[][] = [];
    for (const row of await page.locator(selector).all()) rows.push((await row.locator('th, td').allTextContents()).map((t) => t.trim()));
    return rows;
  }
  /** An attribute of every element the selector finds. */
  async function attributes(page: Page, selector: string, ...names: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const node of await page.locator(selector).all()) {
      out.push((await Promise.all(names.map((name) => node.getAttribute(name)))).join('/'));
    }
    return out;
  }

  /** The bars of a chart: `category/series` → value. */
  async function bars(page: Page, chart: string): Promise<Record<string, number>> {
    const list = await attributes(page, `#${chart}-chart rect.bar`, 'data-category', 'data-series', 'data-value');
    return Object.fromEntries(list.map((entry) => [entry.replace(/\/[^/]*$/, ''), Number(entry.split('/').at(-1))]));
  }

  it('opens from the KPI page, signs in back to itself, and simulates the newest draft over the last twelve weeks', async () => {
    const { page, problems, close } = await openPage(browser, { acceptDownloads: true });
    try {
      // Without a session: the sign-in form, which leads back here.
      const first = await page.goto(`${api.url}/dashboard/policies`);
      assert.equal(first?.status(), 401);
      assert.equal(await page.locator('input[name=next]').inputValue(), '/dashboard/policies');
      assert.equal(await signIn(page, 'mgr-ana', '/dashboard/policies'), 200);
      assert.equal(new URL(page.url()).pathname, '/dashboard/policies');
      problems.length = 0; // the 401 above was the point

      await settled(page);
      const { catalog, report } = await handle(page);
      assert.equal(catalog.published, 1);
      assert.deepEqual(
        catalog.versions.map((v) => [v.number, v.status]),
        [
          [hotWindow, 'draft'],
          [threshold, 'draft'],
          [1, 'published'],
        ],
      );
      assert.deepEqual(catalog.range, DEFAULT_RANGE);
      assert.equal(await page.locator('#policy-version').inputValue(), String(hotWindow), 'the newest draft by default');
      assert.equal(await page.locator('#range-from').inputValue(), DEFAULT_RANGE.from);
      assert.equal(await page.locator('#range-to').inputValue(), DEFAULT_RANGE.to);
      assert.deepEqual(withoutElapsed(report!), withoutElapsed(await expected(hotWindow)));
      assert.ok(report!.changes.handoffDeadline > 0, 'a shorter hot window moves hand-off deadlines');
      assert.equal(
        await text(page, '[data-tile="deadlinesMoved"] [data-value]'),
        formatCount(report!.deadlines.handoff.changed + report!.deadlines.contact.changed),
      );

      // The catalog: every version, its status, author and note.
      assert.deepEqual(await cells(page, '#catalog tbody tr'), [
        [
          `#${hotWindow}`,
          'hot-2h',
          'Draft',
          'ops-lee',
          'Hot leads within two hours',
          '#1',
          formatInstant(catalog.versions[0]!.createdAt, 'UTC'),
          'Simulate',
        ],
        [
          `#${threshold}`,
          'threshold-60',
          'Draft',
          'mgr-ana',
          'Fewer, better hand-offs',
          '#1',
          formatInstant(catalog.versions[1]!.createdAt, 'UTC'),
          'Simulate',
        ],
        [
          '#1',
          String(shipped.version),
          'Live',
          'baton',
          catalog.versions[2]!.note,
          NONE,
          formatInstant(catalog.versions[2]!.createdAt, 'UTC'),
          'Simulate',
        ],
      ]);

      // The pages link to each other.
      await Promise.all([page.waitForURL(`${api.url}/dashboard`), page.click('nav.pages >> text=KPIs')]);
      await page.waitForSelector('body[data-state="ready"]');
      assert.equal(await page.locator('nav.pages a[aria-current="page"]').textContent(), 'KPIs');
      await Promise.all([page.waitForURL(`${api.url}/dashboard/policies`), page.click('nav.pages >> text=Policies')]);
      await settled(page);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  it('shows a picked draft’s differences: numbers, diff, charts, conversion, changed hand-offs and their CSV', async () => {
    const report = await expected(threshold);
    assert.equal(report.handoffs, 600);
    assert.equal(report.withoutLeadData, 0);
    assert.ok(report.changes.toNurture > 0 && report.changed.length > 0, 'threshold 60 sends some cool leads to nurture');

    const { page, problems, close } = await openPage(browser, { acceptDownloads: true });
    try {
      assert.equal(await signIn(page, 'ops-lee'), 200);
      await page.waitForSelector('body[data-state="ready"]'); // leaving earlier would abort its request
      await page.goto(`${api.url}/dashboard/policies`);
      await settled(page);

      // Pick the draft and run it from the keyboard.
      await page.focus('#policy-version');
      await page.selectOption('#policy-version', String(threshold));
      await page.focus('#run');
      await Promise.all([page.waitForURL(/policy=\d+/), page.keyboard.press('Enter')]);
      await settled(page);
      const url = new URL(page.url());
      assert.equal(url.searchParams.get('policy'), String(threshold));
      assert.equal(url.searchParams.get('from'), DEFAULT_RANGE.from);
      assert.equal(url.searchParams.get('to'), DEFAULT_RANGE.to);

      const shown = await handle(page);
      assert.deepEqual(withoutElapsed(shown.report!), withoutElapsed(report));
      assert.equal(await text(page, '#candidate-name'), `#${threshold} threshold-60`);
      assert.equal(await page.locator('#status').isHidden(), true, 'no status line once drawn');
      assert.equal(await page.locator('#fidelity').isHidden(), true, 'the baseline replay matches the record');

      // Headline numbers.
      const c = report.changes;
      const d = report.deadlines;
      const tiles: Record<string, number> = {
        changed: c.handoffs,
        tier: c.tier,
        toNurture: c.toNurture,
        fromNurture: c.fromNurture,
        toNotIcp: c.toNotIcp,
        fromNotIcp: c.fromNotIcp,
        deadlinesMoved: d.handoff.changed + d.contact.changed,
        wouldHaveMissed: d.handoff.wouldHaveMissed + d.contact.wouldHaveMissed,
        ae: c.ae,
        score: c.score,
      };
      for (const [key, value] of Object.entries(tiles)) {
        assert.equal(await text(page, `[data-tile="${key}"] [data-value]`), formatCount(value), `tile ${key}`);
      }

      // The diff against the live version, field by field.
      const changes = diffPolicies((await new PolicyStore(db).get(1))!, (await new PolicyStore(db).get(threshold))!).changes;
      assert.deepEqual(changes.map((ch) => ch.path).sort(), ['scoring.threshold', 'version']);
      assert.deepEqual(
        await cells(page, '#diff tbody tr'),
        changes.map((ch) => [ch.path, 'Changed', formatPolicyValue(ch.before), formatPolicyValue(ch.after)]),
      );
      assert.deepEqual(await cells(page, '#diff tbody tr[data-path="scoring.threshold"]'), [['scoring.threshold', 'Changed', '50', '60']]);

      // Charts: every bar, with its value.
      assert.deepEqual(
        await bars(page, 'buckets'),
        Object.fromEntries(
          BUCKETS.flatMap((b) => [
            [`${b}/baseline`, report.buckets.baseline[b]],
            [`${b}/candidate`, report.buckets.candidate[b]],
          ]),
        ),
      );
      assert.deepEqual(await texts(page, '#buckets-chart text.category'), BUCKETS.map(bucketLabel));
      assert.equal(
        await page.locator('#buckets-chart rect[data-category="nurture"][data-series="candidate"] title').textContent(),
        `Nurture, threshold-60: ${formatCount(report.buckets.candidate.nurture)}`,
      );
      assert.ok(report.buckets.candidate.nurture > report.buckets.baseline.nurture);
      assert.deepEqual(
        await bars(page, 'shares'),
        Object.fromEntries(
          report.aeShares.flatMap((a) => [
            [`${a.aeId}/baseline`, a.baseline.share],
            [`${a.aeId}/candidate`, a.candidate.share],
          ]),
        ),
      );
      assert.deepEqual(
        report.aeShares.map((a) => a.aeId),
        [...KPI_AES].sort(),
      );
      assert.deepEqual(await bars(page, 'deadlines'), {
        'handoff/earlier': d.handoff.earlier,
        'handoff/later': d.handoff.later,
        'handoff/missed': d.handoff.wouldHaveMissed,
        'contact/earlier': d.contact.earlier,
        'contact/later': d.contact.later,
        'contact/missed': d.contact.wouldHaveMissed,
      });
      assert.equal(await page.locator('svg[role="img"][aria-label^="Hand-offs per bucket"]').count(), 1);
      assert.deepEqual(await texts(page, '#buckets-legend li'), ['Live 2026-11-21.1', 'threshold-60']);

      // Conversion per bucket, both sides.
      const conversion = (side: SimulationReport['conversion']['baseline'], bucket: string): [string, string] => {
        const row = side.find((x) => x.bucket === bucket)!;
        const rate =
          row.withOutcome > 0 ? `${formatRate(row.rate)} (${formatCount(row.opportunities)} of ${formatCount(row.withOutcome)})` : NONE;
        return [formatCount(row.handoffs), rate];
      };
      assert.deepEqual(
        await cells(page, '#conversion tbody tr'),
        BUCKETS.map((b) => [bucketLabel(b), ...conversion(report.conversion.baseline, b), ...conversion(report.conversion.candidate, b)]),
      );
      assert.ok(
        report.conversion.baseline.some((x) => x.rate !== null && x.rate > 0),
        'some bucket converted',
      );

      // Movements: every bucket change, with its count.
      assert.deepEqual(
        await attributes(page, '#movements li', 'data-from', 'data-to', 'data-count'),
        report.movements.map((m) => `${m.from}/${m.to}/${m.count}`),
      );

      // The changed hand-offs: every one, in order, and one row in full.
      assert.equal(await page.locator('#changed tbody tr').count(), report.changed.length);
      assert.deepEqual(
        await attributes(page, '#changed tbody tr', 'data-handoff'),
        report.changed.map((h) => h.handoffId),
      );
      const row = report.changed.find((h) => h.changed.includes('nurture'))!;
      const { baseline: b, candidate: k } = row;
      assert.deepEqual(await cells(page, `#changed tr[data-handoff="${row.handoffId}"]`), [
        [
          row.handoffId,
          row.company ?? NONE,
          formatChange(bucketLabel(b.bucket), bucketLabel(k.bucket)),
          formatChange(String(b.score ?? NONE), String(k.score ?? NONE)),
          formatChange(b.aeId ?? NONE, k.aeId ?? NONE),
          formatChange(formatInstant(b.handoffBy, 'UTC'), formatInstant(k.handoffBy, 'UTC')),
          formatChange(formatInstant(b.contactBy, 'UTC'), formatInstant(k.contactBy, 'UTC')),
          row.responsible.map(formatResponsible).join('; '),
        ],
      ]);
      assert.equal(b.bucket, 'cool');
      assert.equal(k.bucket, 'nurture');
      assert.match(
        await text(page, `#changed tr[data-handoff="${row.handoffId}"] [data-col="responsible"]`),
        /scoring\.threshold: 50 → 60/,
      );

      // The CSV link downloads the same rows.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv-link')]);
      assert.equal(download.suggestedFilename(), 'baton-simulation-threshold-60.csv');
      const csv = await readFile(await download.path(), 'utf8');
      assert.equal(csv, simulationCsv(report));
      assert.equal(csv.trimEnd().split('\r\n').length, report.changed.length + 1);

      await mkdir(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  it('says so when a version changes nothing, and shows a refused range’s problem', async () => {
    const { page, close } = await openPage(browser, { acceptDownloads: true });
    try {
      await signIn(page, 'mgr-ana');
      await page.waitForSelector('body[data-state="ready"]');
      await page.goto(`${api.url}/dashboard/policies?policy=1`);
      await settled(page);
      assert.equal(await text(page, '#status'), `${String(shipped.version)} changes nothing for the 600 hand-offs replayed.`);
      assert.equal(await text(page, '[data-tile="changed"] [data-value]'), '0');
      assert.equal(await text(page, '#diff'), 'This is the live policy: nothing differs.');
      assert.equal(await text(page, '#changed'), 'No hand-off would have changed.');
      assert.equal(await text(page, '#movements'), 'No hand-off changes bucket.');
      const drawn = await bars(page, 'buckets');
      for (const bucket of BUCKETS) assert.equal(drawn[`${bucket}/baseline`], drawn[`${bucket}/candidate`]);

      // `from` after `to`: the page shows the problem's detail, as the API words it.
      const refused = await expected(threshold, { from: '2026-11-20', to: '2026-11-01' }).then(
        () => assert.fail('the range is refused'),
        (err: unknown) => err as ProblemError,
      );
      assert.ok(refused instanceof ProblemError);
      await page.goto(`${api.url}/dashboard/policies?policy=${threshold}&from=2026-11-20&to=2026-11-01`);
      await settled(page, 'error');
      assert.equal(await page.locator('#status').getAttribute('role'), 'alert');
      assert.equal(await text(page, '#status'), `Could not run the simulation: ${refused.message}`);
      assert.equal(await page.locator('#results').isHidden(), true);

      await page.goto(`${api.url}/dashboard/policies?policy=99`);
      await settled(page, 'error');
      assert.equal(await text(page, '#status'), 'Could not run the simulation: no policy version 99');
    } finally {
      await close();
    }
  });

  it('refuses an SDR the page and its data, with no link to it from their KPI page', async () => {
    const { page, problems, close } = await openPage(browser, { acceptDownloads: true });
    try {
      assert.equal(await signIn(page, 'sdr-jo'), 200);
      await page.waitForSelector('body[data-state="ready"]');
      assert.equal(await page.locator('nav.pages').count(), 0, 'no link to a page they may not open');
      const refused = await page.goto(`${api.url}/dashboard/policies`);
      assert.equal(refused?.status(), 403);
      assert.match(await text(page, '#refused'), /Jo Park \(sdr\), you may not open this page; allowed roles: manager, ops, admin/);
      problems.length = 0;
      await Promise.all([page.waitForURL(`${api.url}/dashboard`), page.click('text=Back to the KPI page')]);
      await page.waitForSelector('body[data-state="ready"]');
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
    const cookie = `${SESSION_COOKIE}=${token('sdr-jo')}`;
    for (const [method, route] of [
      ['GET', '/dashboard/policies/catalog'],
      ['GET', '/dashboard/policies/1/diff'],
      ['GET', '/dashboard/policies/simulate.csv?policy=1'],
      ['POST', '/dashboard/policies/simulate'],
    ] as const) {
      const init = {
        method,
        headers: { Cookie: cookie, 'Content-Type': 'application/json' },
        ...(method === 'POST' ? { body: '{"policy":1}' } : {}),
      };
      const reply = await fetch(`${api.url}${route}`, init);
      assert.equal(reply.status, 403, route);
      assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.match(
        ((await reply.json()) as { detail: string }).detail,
        /sdr-jo \(sdr\) may not do this; allowed roles: manager, ops, admin/,
      );
      const anonymous = await fetch(`${api.url}${route}`, { ...init, headers: { 'Content-Type': 'application/json' } });
      assert.equal(anonymous.status, 401, route);
    }
  });

  it('answers problems for the data routes: other origins, bodies that are not JSON, invalid fields, unknown versions', async () => {
    const cookie = `${SESSION_COOKIE}=${token('mgr-ana')}`;
    const post = (body: string, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${api.url}/dashboard/policies/simulate`, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/json', ...headers },
        body,
      });
    const problem = async (reply: Promise<Response>, status: number): Promise<{ detail: string; errors?: { path: string }[] }> => {
      const res = await reply;
      assert.equal(res.status, status);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      return (await res.json()) as { detail: string; errors?: { path: string }[] };
    };

    const ok = await post(JSON.stringify({ policy: threshold, ...DEFAULT_RANGE }), { Origin: api.url });
    assert.equal(ok.status, 200);
    assert.deepEqual(withoutElapsed((await ok.json()) as SimulationReport), withoutElapsed(await expected(threshold)));
    await problem(post('{"policy":2}', { Origin: 'https://evil.example' }), 403);
    await problem(post('{"policy":2}', { 'Sec-Fetch-Site': 'cross-site' }), 403);
    await problem(post('policy=2', { 'Content-Type': 'application/x-www-form-urlencoded' }), 400);
    await problem(post('{"policy":'), 400);
    const invalid = await problem(post(JSON.stringify({ policy: 'two', extra: 1 })), 422);
    assert.deepEqual(invalid.errors?.map((e) => e.path).sort(), ['extra', 'policy']);
    await problem(post(JSON.stringify({ policy: 99 })), 404);

    const csv = (query: string) => fetch(`${api.url}/dashboard/policies/simulate.csv?${query}`, { headers: { Cookie: cookie } });
    const download = await csv(`policy=${threshold}&from=${DEFAULT_RANGE.from}&to=${DEFAULT_RANGE.to}`);
    assert.equal(download.status, 200);
    assert.match(download.headers.get('content-type') ?? '', /^text\/csv/);
    assert.equal(download.headers.get('content-disposition'), 'attachment; filename="baton-simulation-threshold-60.csv"');
    assert.equal(await download.text(), simulationCsv(await expected(threshold)));
    const noVersion = await problem(csv(''), 422);
    assert.deepEqual(
      noVersion.errors?.map((e) => e.path),
      ['policy'],
    );
    assert.deepEqual(
      (await problem(csv('policy=2&from=yesterday'), 422)).errors?.map((e) => e.path),
      ['from'],
    );
    await problem(csv('policy=99'), 404);
    await problem(fetch(`${api.url}/dashboard/policies/abc/diff`, { headers: { Cookie: cookie } }), 404);

    const catalog = (await (
      await fetch(`${api.url}/dashboard/policies/catalog`, { headers: { Cookie: cookie } })
    ).json()) as PolicyCatalogData;
    assert.equal(catalog.source, 'database');
    assert.equal(catalog.live, shipped.version);

    const page = await fetch(`${api.url}/dashboard/policies`, { headers: { Cookie: cookie } });
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = await page.text();
    assert.match(html, /<script src="\/dashboard\/policies\.js" defer>/);
    assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]|style="/, 'no inline script or style');
    const script = await fetch(`${api.url}/dashboard/policies.js`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.doesNotMatch(await script.text(), /style\.cssText|setAttribute\("style"/, 'the script sets no style attribute either');
  });

  it('says when there are no drafts yet, and when a range has nothing to replay', async () => {
    const empty = await testDatabase();
    const bare = await serveApi(empty);
    const { page, problems, close } = await openPage(browser, { acceptDownloads: true });
    try {
      await page.goto(`${bare.url}/dashboard/policies`);
      await page.fill('#token', token('mgr-ana'));
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      problems.length = 0;
      await settled(page, 'empty');
      assert.match(await text(page, '#status'), /^No drafts yet\./);
      assert.equal(await page.locator('#results').isHidden(), true);
      assert.equal(await page.locator('#policy-version').inputValue(), '1', 'the live version is picked, to run by hand');
      await Promise.all([page.waitForURL(/policy=1/), page.click('#run')]);
      await settled(page);
      assert.equal(await text(page, '#status'), 'No hand-offs with lead data were submitted in this range: nothing to replay.');
      assert.deepEqual(problems, []);
    } finally {
      await close();
      await bare.close();
      await empty.close();
    }
  });
});
