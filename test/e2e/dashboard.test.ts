/**
 * The KPI page in a real browser: Debian's Chromium, driven by playwright-core, against the API on a
 * database seeded with the KPI seed (560 hand-offs over 6 weeks). It signs in through the form and
 * checks that the tiles, the charts' datasets and the SDR × AE matrix hold the figures
 * `computeMetrics` answers for the same range — and, where cheap, figures counted here from the
 * seed's own ground truth — then saves a screenshot to test/artifacts/dashboard.png.
 *
 * The page needs no Temporal: the API gets a client whose connection is lazy and never used.
 * Without /usr/bin/chromium (or CHROMIUM_PATH) the browser tests are skipped, unless CI is set.
 */
import { Client } from '@temporalio/client';
import { Hono } from 'hono';
import { DateTime } from 'luxon';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { readPolicyFile } from '../../src/policy/file.js';
import { sha256, TokenStore } from '../../src/api/auth.js';
import { problemResponse, ProblemError } from '../../src/api/problem.js';
import { dashboardRoutes, SESSION_COOKIE } from '../../src/api/routes/dashboard.js';
import { startApi } from '../../src/api/server.js';
import { loadConfig, repoRoot } from '../../src/config.js';
import type { DashboardData } from '../../src/dashboard/data.js';
import { formatCount, formatRate, formatRating, humanize } from '../../src/dashboard/format.js';
import type { Database } from '../../src/db/database.js';
import { computeMetrics } from '../../src/db/metrics.js';
import type { Figures, Metrics } from '../../src/domain/metrics.js';
import { TIERS } from '../../src/domain/policy.js';
import { seedKpiHandoffs, writeKpiSeed, type SeededHandoff } from '../../src/dev/kpi-seed.js';
import { buildDashboard } from '../../scripts/build-dashboard.js';
import { launchChromium, openPage, skipWithoutChromium } from '../support/chromium.js';
import { testDatabase } from '../support/db.js';

const SCREENSHOT = path.join(repoRoot, 'test', 'artifacts', 'dashboard.png');

const SEED = { count: 560, weeks: 6, endingAt: '2026-11-20T17:00:00Z', seed: 20261120 };
/** The seed's six weeks as local dates in the policy's zone (the shipped policy counts in UTC). */
const FROM = '2026-10-09';
const TO = '2026-11-20';

const PRINCIPALS = [
  { id: 'mgr-ana', role: 'manager', name: 'Ana Ortiz' },
  { id: 'sdr-jo', role: 'sdr', name: 'Jo Park' },
  { id: 'ae-kim', role: 'ae', name: 'Kim Lee' },
] as const;
const token = (id: string): string => `dashboard-token-${id}`;

describe('KPI page (/dashboard) in headless Chromium', { skip: skipWithoutChromium('KPI page') }, () => {
  let db: Database;
  let items: SeededHandoff[];
  let dataDir: string;
  let api: Awaited<ReturnType<typeof startApi>>;
  let browser: Browser;
  let timeZone: string;

  before(async () => {
    const [, database, policy] = await Promise.all([buildDashboard(), testDatabase(), readPolicyFile(loadConfig().policyFile)]);
    db = database;
    timeZone = policy.clock.timeZone;
    items = seedKpiHandoffs(SEED);
    await writeKpiSeed(db, items, { perTransaction: 100 });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-dashboard-'));
    await writeFile(
      path.join(dataDir, 'tokens.json'),
      JSON.stringify(PRINCIPALS.map((p) => ({ ...p, tokenSha256: sha256(token(p.id)).toString('hex') }))),
    );
    // The page never calls Temporal; a lazy connection is never opened.
    api = await startApi({ client: new Client(), config: loadConfig({ BATON_DATA_DIR: dataDir, PORT: '0' }), db });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await api?.close();
    await db?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const query = (groupBy: Metrics['groupBy'], scope: Metrics['scope'] = {}): Promise<Metrics> =>
    computeMetrics(db, { from: FROM, to: TO, timeZone, groupBy, scope });

  async function signIn(page: Page, secret: string): Promise<number | undefined> {
    await page.goto(`${api.url}/dashboard`);
    await page.fill('#token', secret);
    const [response] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    return response?.status();
  }

  const ready = (page: Page): Promise<unknown> => page.waitForSelector('body[data-state="ready"]', { timeout: 10_000 });

  /** What the page drew: its figures and the charts' labels and datasets. */
  function drawn(page: Page): Promise<{
    figures: DashboardData;
    charts: Record<
      'trend' | 'timeToFirstContact' | 'rejectionReasons',
      { labels: string[]; datasets: { label: string; data: (number | null)[] }[] }
    >;
  }> {
    return page.evaluate(() => {
      type ChartLike = { data: { labels: string[]; datasets: { label: string; data: (number | null)[] }[] } };
      const handle = (globalThis as unknown as { batonDashboard: { figures: DashboardData; charts: Record<string, ChartLike> } })
        .batonDashboard;
      const charts = Object.fromEntries(
        Object.entries(handle.charts).map(([name, chart]) => [
          name,
          { labels: [...chart.data.labels], datasets: chart.data.datasets.map((d) => ({ label: d.label, data: [...d.data] })) },
        ]),
      );
      return { figures: handle.figures, charts } as never;
    });
  }

  async function tileText(page: Page, key: string): Promise<string> {
    return ((await page.locator(`[data-tile="${key}"] [data-value]`).textContent()) ?? '').trim();
  }

  /** The tiles as the page must write them from `f`. */
  function expectedTiles(f: Figures): Record<string, string> {
    return {
      submitted: formatCount(f.submitted),
      assigned: formatCount(f.assigned),
      conversionRate: formatRate(f.conversionRate),
      rejectionRate: formatRate(f.rejectionRate),
      meanRating: formatRating(f.meanRating),
      'slaMetRate.handoff': formatRate(f.slaMetRate.handoff),
      'slaMetRate.contact': formatRate(f.slaMetRate.contact),
      escalationRate: formatRate(f.escalationRate),
      returnRate: formatRate(f.returnRate),
      noShowRate: formatRate(f.noShowRate),
    };
  }

  async function matrixCells(page: Page): Promise<{ sdr: string; ae: string; submitted: number; rate: string }[]> {
    const cells = page.locator('table.matrix td[data-sdr]');
    const out: { sdr: string; ae: string; submitted: number; rate: string }[] = [];
    for (const cell of await cells.all()) {
      out.push({
        sdr: (await cell.getAttribute('data-sdr')) ?? '',
        ae: (await cell.getAttribute('data-ae')) ?? '',
        submitted: Number(await cell.getAttribute('data-submitted')),
        rate: ((await cell.locator('.cell-rate').textContent()) ?? '').trim(),
      });
    }
    return out.sort((a, b) => `${a.sdr}/${a.ae}`.localeCompare(`${b.sdr}/${b.ae}`));
  }

  const weekOf = (instant: string): string => DateTime.fromISO(instant, { zone: timeZone }).toFormat("kkkk-'W'WW");
  const inRange = (h: SeededHandoff): boolean => {
    const day = DateTime.fromISO(h.submittedAt, { zone: timeZone }).toISODate()!;
    return day >= FROM && day <= TO;
  };
  const countBy = <K extends string>(list: SeededHandoff[], key: (h: SeededHandoff) => K | undefined): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const h of list) {
      const k = key(h);
      if (k !== undefined) out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  };

  it('refuses a bad token on the form with an error and no cookie', async () => {
    const { page, close } = await openPage(browser);
    try {
      const status = await signIn(page, 'not-a-token');
      assert.equal(status, 401);
      assert.equal((await page.locator('#login-error').textContent())?.trim(), 'That token is not valid.');
      assert.equal(await page.locator('#token').getAttribute('aria-invalid'), 'true');
      assert.deepEqual(await page.context().cookies(), []);
    } finally {
      await close();
    }
  });

  it("draws a manager everyone's seeded figures: tiles, trends, time to first contact, reasons, matrix", async () => {
    const [weekly, pairs] = await Promise.all([query(['week']), query(['sdr', 'ae'])]);
    const seeded = items.filter(inRange);
    assert.ok(seeded.length >= 500, `the seed covers the range (${seeded.length} hand-offs)`);

    // The figures against the seed's ground truth, where counting is cheap.
    assert.equal(weekly.submitted, seeded.length);
    assert.equal(weekly.assigned, seeded.filter((h) => h.firstAssignedAt !== null).length);
    assert.equal(weekly.counts.converted, seeded.filter((h) => h.reportedOutcome === 'opportunity').length);
    const reasons = countBy(seeded, (h) => h.rejectionReason ?? undefined);
    for (const [reason, n] of Object.entries(weekly.rejectionReasons)) assert.equal(n, reasons[reason] ?? 0, `rejections for ${reason}`);
    const perWeek = countBy(seeded, (h) => weekOf(h.submittedAt));
    const weeks = weekly.groups.filter((g) => g.submitted > 0);
    assert.deepEqual(Object.fromEntries(weeks.map((g) => [g.key.week, g.submitted])), perWeek);
    assert.ok(weeks.length >= 6, `six weeks or more of hand-offs (${weeks.length})`);

    const { page, problems, close } = await openPage(browser);
    try {
      assert.equal(await signIn(page, token('mgr-ana')), 200);
      assert.equal(new URL(page.url()).pathname, '/dashboard');
      const cookie = (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE);
      assert.ok(cookie, 'the session cookie is set');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Strict');
      assert.equal(cookie.path, '/dashboard');
      await ready(page);

      // The range picker: the seed's six weeks.
      await page.fill('#range-from', FROM);
      await page.fill('#range-to', TO);
      await Promise.all([page.waitForURL(/from=2026-10-09/), page.click('form.range button[type=submit]')]);
      await ready(page);

      const { figures, charts } = await drawn(page);
      assert.equal(figures.from, FROM);
      assert.equal(figures.to, TO);
      assert.equal(figures.timeZone, timeZone);
      assert.deepEqual(figures.scope, {});
      assert.equal(figures.totals.submitted, seeded.length);

      for (const [key, text] of Object.entries(expectedTiles(weekly))) assert.equal(await tileText(page, key), text, `tile ${key}`);
      assert.equal(await tileText(page, 'submitted'), formatCount(seeded.length));

      const sortedWeeks = [...weekly.groups].sort((a, b) => a.key.week!.localeCompare(b.key.week!));
      assert.deepEqual(
        charts.trend.labels,
        sortedWeeks.map((g) => g.key.week),
      );
      assert.deepEqual(
        charts.trend.datasets.map((d) => d.label),
        ['Conversion rate', 'Rejection rate'],
      );
      assert.deepEqual(
        charts.trend.datasets[0]!.data,
        sortedWeeks.map((g) => g.conversionRate),
      );
      assert.deepEqual(
        charts.trend.datasets[1]!.data,
        sortedWeeks.map((g) => g.rejectionRate),
      );
      assert.ok(
        charts.trend.datasets[0]!.data.some((v) => v !== null && v > 0),
        'some week converted',
      );

      const ttfc = weekly.timeToFirstContact;
      assert.deepEqual(charts.timeToFirstContact.labels, ['Hot', 'Warm', 'Cool']);
      assert.deepEqual(
        charts.timeToFirstContact.datasets.map((d) => [d.label, d.data]),
        [
          ['p50', TIERS.map((t) => (ttfc[t].p50 === null ? null : ttfc[t].p50 / 3600))],
          ['p90', TIERS.map((t) => (ttfc[t].p90 === null ? null : ttfc[t].p90 / 3600))],
        ],
      );
      assert.ok(
        TIERS.some((t) => ttfc[t].p50 !== null),
        'the seed has contacted hand-offs',
      );

      const drawnReasons = Object.fromEntries(
        charts.rejectionReasons.labels.map((l, i) => [l, charts.rejectionReasons.datasets[0]!.data[i]]),
      );
      assert.deepEqual(drawnReasons, Object.fromEntries(Object.entries(weekly.rejectionReasons).map(([r, n]) => [humanize(r), n])));

      const expectedCells = pairs.groups
        .map((g) => ({ sdr: g.key.sdr!, ae: g.key.ae ?? '', submitted: g.submitted, rate: formatRate(g.conversionRate) }))
        .sort((a, b) => `${a.sdr}/${a.ae}`.localeCompare(`${b.sdr}/${b.ae}`));
      assert.deepEqual(await matrixCells(page), expectedCells);
      const perPair = countBy(seeded, (h) => `${h.sdr}/${h.ae ?? ''}`);
      assert.deepEqual(Object.fromEntries(expectedCells.map((c) => [`${c.sdr}/${c.ae}`, c.submitted])), perPair);

      await mkdir(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.deepEqual(problems, []);

      // Signing out drops the cookie and shows the form again.
      await Promise.all([page.waitForNavigation(), page.click('text=Sign out')]);
      assert.equal(await page.locator('#token').count(), 1);
      assert.equal(
        (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE),
        undefined,
      );
    } finally {
      await close();
    }
  });

  it('shows an SDR only their own hand-offs', async () => {
    const mine = items.filter((h) => inRange(h) && h.sdr === 'sdr-jo');
    const [weekly, pairs] = await Promise.all([query(['week'], { sdr: 'sdr-jo' }), query(['sdr', 'ae'], { sdr: 'sdr-jo' })]);
    assert.equal(weekly.submitted, mine.length);
    assert.ok(mine.length > 0 && mine.length < items.length);

    const { page, problems, close } = await openPage(browser);
    try {
      assert.equal(await signIn(page, token('sdr-jo')), 200);
      await ready(page);
      await page.goto(`${api.url}/dashboard?from=${FROM}&to=${TO}`);
      await ready(page);
      const { figures, charts } = await drawn(page);
      assert.deepEqual(figures.scope, { sdr: 'sdr-jo' });
      assert.equal(figures.viewer.id, 'sdr-jo');
      for (const [key, text] of Object.entries(expectedTiles(weekly))) assert.equal(await tileText(page, key), text, `tile ${key}`);
      assert.equal(await tileText(page, 'submitted'), formatCount(mine.length));
      assert.deepEqual(
        charts.trend.datasets[0]!.data,
        [...weekly.groups].sort((a, b) => a.key.week!.localeCompare(b.key.week!)).map((g) => g.conversionRate),
      );
      const cells = await matrixCells(page);
      assert.ok(cells.length > 0);
      assert.ok(
        cells.every((c) => c.sdr === 'sdr-jo'),
        'only their own row',
      );
      assert.equal(cells.length, pairs.groups.length);
      assert.equal(
        cells.reduce((n, c) => n + c.submitted, 0),
        mine.length,
      );
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  it('answers problems, not pages, for the data and script without a session or with a bad range', async () => {
    const anonymous = await fetch(`${api.url}/dashboard/data`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('content-type') ?? '', /^application\/problem\+json/);

    const form = (secret: string, headers: Record<string, string> = {}): Promise<Response> =>
      fetch(`${api.url}/dashboard/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ token: secret }).toString(),
      });
    const login = await form(token('mgr-ana'));
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/dashboard');
    const setCookie = login.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Path=\/dashboard/);
    assert.doesNotMatch(setCookie, /Secure/);
    assert.match((await form(token('mgr-ana'), { 'X-Forwarded-Proto': 'https' })).headers.get('set-cookie') ?? '', /Secure/);
    assert.equal((await form(token('mgr-ana'), { Origin: 'https://evil.example' })).status, 403);
    const cookie = setCookie.split(';')[0]!;

    const page = await fetch(`${api.url}/dashboard`, { headers: { Cookie: cookie } });
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.doesNotMatch(await page.text(), /<script>|<script [^>]*>[^<]|style="/, 'no inline script or style');

    const data = await fetch(`${api.url}/dashboard/data?from=${FROM}&to=${TO}`, { headers: { Cookie: cookie } });
    assert.equal(data.status, 200);
    assert.equal(data.headers.get('cache-control'), 'no-store');

    // Another zone counts other days and weeks: the page's numbers follow it.
    const chicago = (await (
      await fetch(`${api.url}/dashboard/data?from=${FROM}&to=${TO}&timeZone=America%2FChicago`, { headers: { Cookie: cookie } })
    ).json()) as DashboardData;
    const expectedChicago = await computeMetrics(db, { from: FROM, to: TO, timeZone: 'America/Chicago', groupBy: ['week'], scope: {} });
    assert.equal(chicago.timeZone, 'America/Chicago');
    assert.equal(chicago.totals.submitted, expectedChicago.submitted);
    assert.deepEqual(
      chicago.weeks.map((g) => [g.key.week, g.submitted]),
      [...expectedChicago.groups].sort((a, b) => a.key.week!.localeCompare(b.key.week!)).map((g) => [g.key.week, g.submitted]),
    );

    // An AE's figures cover the hand-offs assigned to them.
    const aeCookie = ((await form(token('ae-kim'))).headers.get('set-cookie') ?? '').split(';')[0]!;
    const ae = (await (
      await fetch(`${api.url}/dashboard/data?from=${FROM}&to=${TO}`, { headers: { Cookie: aeCookie } })
    ).json()) as DashboardData;
    assert.deepEqual(ae.scope, { ae: 'ae-kim' });
    assert.equal(ae.totals.submitted, (await query(['week'], { ae: 'ae-kim' })).submitted);
    assert.ok(ae.pairs.length > 0 && ae.pairs.every((g) => g.key.ae === 'ae-kim'));

    // A cookie whose token is no longer valid: the form again, and the cookie cleared.
    const stale = await fetch(`${api.url}/dashboard`, { headers: { Cookie: `${SESSION_COOKIE}=revoked-token` } });
    assert.equal(stale.status, 401);
    assert.match(stale.headers.get('set-cookie') ?? '', new RegExp(`^${SESSION_COOKIE}=;.*Max-Age=0`));
    assert.match(await stale.text(), /sign in again/);

    for (const bad of ['from=yesterday', `from=${TO}&to=${FROM}`, 'timeZone=Mars%2FOlympus', `from=2020-01-01&to=${TO}`]) {
      const reply = await fetch(`${api.url}/dashboard/data?${bad}`, { headers: { Cookie: cookie } });
      assert.equal(reply.status, 422, bad);
      assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const problem = (await reply.json()) as { errors?: unknown[] };
      assert.ok(problem.errors?.length, bad);
    }

    const script = await fetch(`${api.url}/dashboard/app.js`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('content-encoding'), 'gzip');
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);

    // A missing bundle is the operator's to fix: 503 saying how, not a 500.
    const app = new Hono();
    const deps = { principals: TokenStore.fromTokens([]), db, policy: await readPolicyFile(loadConfig().policyFile) };
    app.route(
      '/dashboard',
      dashboardRoutes({ ...deps, client: new Client(), config: loadConfig() }, { bundleFile: path.join(dataDir, 'none.js') }),
    );
    app.onError((err, c) => problemResponse(c, err as ProblemError));
    const missing = await app.request('/dashboard/app.js');
    assert.equal(missing.status, 503);
    assert.match(missing.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.match(((await missing.json()) as { detail: string }).detail, /npm run build:dashboard/);
  });
});
