/**
 * The figures (DESIGN §2.7, `src/db/metrics.ts`) against values computed by hand: a small
 * hand-written set whose expected figures are literal numbers, and ≥ 500 seeded hand-offs over six
 * weeks whose expected figures this file computes from the seed's plain ground truth (counts,
 * means and a linear-interpolation percentile written here), never from the projection or SQL.
 * The hand-written set also runs on a real PostgreSQL server when one is installed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { DateTime } from 'luxon';
import type { Database } from '../../src/db/database.js';
import { LedgerStore } from '../../src/db/ledger.js';
import { computeMetrics, weeklyReport, weeklyReportCsv, type MetricsScope } from '../../src/db/metrics.js';
import { csvField } from '../../src/domain/csv.js';
import { seedKpiHandoffs, writeKpiSeed, type SeededHandoff } from '../../src/dev/kpi-seed.js';
import { QUALIFICATION_REASONS } from '../../src/domain/actions.js';
import type { HandoffFacts, LedgerBatch } from '../../src/domain/ledger.js';
import type { Figures, GroupDimension, Metrics, WeeklyReport } from '../../src/domain/metrics.js';
import { TIERS } from '../../src/domain/policy.js';
import type { TimelineEntry, TimelineEvent } from '../../src/domain/timeline.js';
import { testDatabase } from '../support/db.js';
import { onBothDatabases, type OpenTestDatabase } from '../support/postgres.js';

const TOLERANCE = 1e-9;

/** Counts exactly; rates, means and percentiles within 1e-9 (relative for large values); nulls as nulls. */
function assertClose(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Number.isInteger(expected) && Number.isInteger(actual) && !path.match(/p50|p90|Rate|rate|meanRating/)) {
      assert.equal(actual, expected, path);
      return;
    }
    assert.ok(Math.abs(actual - expected) <= TOLERANCE * Math.max(1, Math.abs(expected)), `${path}: ${actual} ≠ ${expected}`);
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: ${JSON.stringify(actual)} is not an object`);
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path}: keys`);
    for (const key of Object.keys(expected)) {
      assertClose((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`);
    }
    return;
  }
  assert.deepEqual(actual, expected, path);
}

/** The answer's figures without the envelope. */
function figuresOf(value: Figures & Record<string, unknown>): Figures {
  const { from: _f, to: _t, timeZone: _z, groupBy: _g, scope: _s, groups: _gr, key: _k, ...figures } = value;
  return figures;
}

// ---- the expected figures, by hand ------------------------------------------------------------

/** Linear interpolation between the closest ranks (what percentile_cont does), on sorted values. */
function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

const div = (n: number, d: number): number | null => (d === 0 ? null : n / d);

function expectedFigures(items: readonly SeededHandoff[]): Figures {
  const assigned = items.filter((h) => h.firstAssignedAt !== null);
  const converted = assigned.filter((h) => h.reportedOutcome === 'opportunity').length;
  const rejected = assigned.filter((h) => h.rejectionReason !== null);
  const rated = items.filter((h) => h.rating !== null);
  const handoffDecided = items.filter((h) => h.handoffWindowMissed || h.firstAssignedAt !== null);
  const handoffMet = handoffDecided.filter((h) => !h.handoffWindowMissed);
  const contactDecided = items.filter((h) => h.contactWindowsMissed > 0 || h.contactedAt !== null);
  const contactMet = contactDecided.filter((h) => h.contactWindowsMissed === 0);
  const escalated = assigned.filter((h) => h.escalations > 0).length;
  const returned = assigned.filter((h) => h.outcome === 'returned_to_sdr').length;
  const reported = items.filter((h) => h.reportedOutcome !== null);
  const noShow = reported.filter((h) => h.reportedOutcome === 'no_show').length;
  const ttfc = (tier: string) =>
    items
      .filter((h) => h.tier === tier && h.firstAssignedAt !== null && h.contactedAt !== null)
      .map((h) => (Date.parse(h.contactedAt!) - Date.parse(h.firstAssignedAt!)) / 1000)
      .sort((a, b) => a - b);
  return {
    submitted: items.length,
    assigned: assigned.length,
    conversionRate: div(converted, assigned.length),
    rejectionRate: div(rejected.length, assigned.length),
    rejectionReasons: Object.fromEntries(
      QUALIFICATION_REASONS.map((r) => [r, rejected.filter((h) => h.rejectionReason === r).length]),
    ) as Figures['rejectionReasons'],
    meanRating: div(
      rated.reduce((sum, h) => sum + h.rating!, 0),
      rated.length,
    ),
    ratingDistribution: Object.fromEntries(
      [1, 2, 3, 4, 5].map((r) => [String(r), rated.filter((h) => h.rating === r).length]),
    ) as Figures['ratingDistribution'],
    timeToFirstContact: Object.fromEntries(
      TIERS.map((t) => {
        const values = ttfc(t);
        return [t, { p50: percentile(values, 0.5), p90: percentile(values, 0.9), count: values.length }];
      }),
    ) as Figures['timeToFirstContact'],
    slaMetRate: { handoff: div(handoffMet.length, handoffDecided.length), contact: div(contactMet.length, contactDecided.length) },
    escalationRate: div(escalated, assigned.length),
    returnRate: div(returned, assigned.length),
    noShowRate: div(noShow, reported.length),
    counts: {
      converted,
      rejected: rejected.length,
      rated: rated.length,
      handoffSlaDecided: handoffDecided.length,
      handoffSlaMet: handoffMet.length,
      contactSlaDecided: contactDecided.length,
      contactSlaMet: contactMet.length,
      escalated,
      returned,
      reported: reported.length,
      noShow,
    },
  };
}

/** The ISO week of an instant in a zone, by luxon (not by the code under test). */
const weekOf = (instant: string, zone: string): string => {
  const d = DateTime.fromISO(instant, { zone });
  return `${d.weekYear}-W${String(d.weekNumber).padStart(2, '0')}`;
};

function inRange(items: readonly SeededHandoff[], from: string, to: string, zone: string): SeededHandoff[] {
  const start = DateTime.fromISO(from, { zone }).toMillis();
  const end = DateTime.fromISO(to, { zone }).plus({ days: 1 }).toMillis();
  return items.filter((h) => Date.parse(h.submittedAt) >= start && Date.parse(h.submittedAt) < end);
}

function keyOf(h: SeededHandoff, dims: GroupDimension[], zone: string): Record<string, string | null> {
  const values = { week: weekOf(h.submittedAt, zone), sdr: h.sdr, ae: h.ae, tier: h.tier };
  return Object.fromEntries(dims.map((d) => [d, values[d]]));
}

function expectedGroups(items: readonly SeededHandoff[], dims: GroupDimension[], zone: string): Map<string, Figures> {
  const groups = new Map<string, SeededHandoff[]>();
  for (const h of items) {
    const key = JSON.stringify(keyOf(h, dims, zone));
    groups.set(key, [...(groups.get(key) ?? []), h]);
  }
  return new Map([...groups].map(([key, list]) => [key, expectedFigures(list)]));
}

/** Compares every group of an answer with the expected ones (same set of keys, every figure). */
function assertGroups(actual: Metrics, expected: Map<string, Figures>, dims: GroupDimension[]): void {
  const got = new Map(
    actual.groups.map((g) => [JSON.stringify(Object.fromEntries(dims.map((d) => [d, g.key[d] ?? null]))), figuresOf(g)] as const),
  );
  const zeroWeeks = [...got].filter(([key, f]) => !expected.has(key) && dims.join() === 'week' && f.submitted === 0);
  assert.deepEqual([...got.keys()].filter((k) => !zeroWeeks.some(([z]) => z === k)).sort(), [...expected.keys()].sort(), 'group keys');
  for (const [key, figures] of expected) assertClose(got.get(key), figures, `groups[${key}]`);
}

// ---- ≥ 500 seeded hand-offs over six weeks -----------------------------------------------------

const ZONE = 'America/Chicago';
/** Sunday evening in Chicago: the seed's "now". */
const ENDING_AT = '2026-11-23T02:00:00Z';
const FROM = '2026-10-12';
const TO = '2026-11-22';

describe('figures on 600 seeded hand-offs over six weeks, against hand-computed values', () => {
  let db: Database;
  let items: SeededHandoff[];
  let cohort: SeededHandoff[];
  before(async () => {
    items = seedKpiHandoffs({ count: 600, weeks: 6, endingAt: ENDING_AT, seed: 20261122 });
    db = await testDatabase();
    await writeKpiSeed(db, items);
    cohort = inRange(items, FROM, TO, ZONE);
  });
  after(() => db.close());

  it('covers every path of the playbook', () => {
    const scenarios = new Set(items.map((h) => h.scenario));
    for (const s of ['contacted', 'contact_window_missed', 'qualification', 'routing', 'notIcp', 'nurture', 'no_eligible_ae', 'open']) {
      assert.ok(scenarios.has(s), `no ${s} hand-off in the seed`);
    }
    assert.ok(cohort.length >= 500 && cohort.length < items.length, `${cohort.length} of ${items.length} in the range`);
    assert.ok(items.some((h) => h.tier === null) && TIERS.every((t) => items.some((h) => h.tier === t)), 'every tier, and none');
    assert.ok(items.some((h) => h.handoffWindowMissed) && items.some((h) => h.escalations > 0 && h.contactedAt !== null), 'breaches');
    assert.ok(items.some((h) => h.outcome === null) && items.some((h) => h.reportedOutcome === 'no_show'), 'open ones, no-shows');
    const ledgerRows = items.reduce((n, h) => n + h.batches.reduce((m, b) => m + b.entries.length, 0), 0);
    assert.ok(ledgerRows > 4000, `${ledgerRows} ledger rows`);
  });

  it('the same seed gives the same hand-offs', () => {
    const again = seedKpiHandoffs({ count: 600, weeks: 6, endingAt: ENDING_AT, seed: 20261122 });
    assert.deepEqual(again, items);
  });

  it('totals', async () => {
    const answer = await computeMetrics(db, { from: FROM, to: TO, timeZone: ZONE, groupBy: [], scope: {} });
    assert.deepEqual([answer.from, answer.to, answer.timeZone, answer.groupBy, answer.scope, answer.groups], [FROM, TO, ZONE, [], {}, []]);
    assertClose(figuresOf(answer), expectedFigures(cohort), 'totals');
  });

  for (const dims of [['week'], ['sdr'], ['ae'], ['tier'], ['sdr', 'ae'], ['week', 'tier']] as GroupDimension[][]) {
    it(`grouped by ${dims.join(', ')}`, async () => {
      const answer = await computeMetrics(db, { from: FROM, to: TO, timeZone: ZONE, groupBy: dims, scope: {} });
      assertClose(figuresOf(answer), expectedFigures(cohort), 'totals');
      assertGroups(answer, expectedGroups(cohort, dims, ZONE), dims);
      if (dims.join() === 'week') {
        assert.deepEqual(
          answer.groups.map((g) => g.key.week),
          ['2026-W42', '2026-W43', '2026-W44', '2026-W45', '2026-W46', '2026-W47'],
        );
      }
    });
  }

  for (const scope of [{ sdr: 'sdr-max' }, { ae: 'ae-lena' }, { sdr: 'sdr-jo', ae: 'ae-kim' }] as MetricsScope[]) {
    it(`scoped to ${JSON.stringify(scope)}: only those hand-offs`, async () => {
      const mine = cohort.filter((h) => (!scope.sdr || h.sdr === scope.sdr) && (!scope.ae || h.ae === scope.ae));
      const answer = await computeMetrics(db, { from: FROM, to: TO, timeZone: ZONE, groupBy: ['week'], scope });
      assert.deepEqual(answer.scope, scope);
      assertClose(figuresOf(answer), expectedFigures(mine), 'totals');
      assertGroups(answer, expectedGroups(mine, ['week'], ZONE), ['week']);
    });
  }

  it('the weekly report: the week, the four weeks before, pairs, breaches, lowest ratings', async () => {
    const report = await weeklyReport(db, { week: '2026-W46', timeZone: ZONE, scope: {} });
    const inWeek = (week: string) => cohort.filter((h) => weekOf(h.submittedAt, ZONE) === week);
    const week = inWeek('2026-W46');
    assert.deepEqual([report.week, report.from, report.to, report.timeZone], ['2026-W46', '2026-11-09', '2026-11-15', ZONE]);
    assertClose(report.figures, expectedFigures(week), 'figures');
    const previous = ['2026-W45', '2026-W44', '2026-W43', '2026-W42'];
    assert.deepEqual(
      report.previousWeeks.map((p) => [p.week, p.from, p.to]),
      [
        ['2026-W45', '2026-11-02', '2026-11-08'],
        ['2026-W44', '2026-10-26', '2026-11-01'],
        ['2026-W43', '2026-10-19', '2026-10-25'],
        ['2026-W42', '2026-10-12', '2026-10-18'],
      ],
    );
    report.previousWeeks.forEach((p, i) => assertClose(p.figures, expectedFigures(inWeek(previous[i]!)), `previousWeeks[${i}]`));
    assertClose(report.baseline, expectedFigures(previous.flatMap(inWeek)), 'baseline');

    const pairs = new Map<string, SeededHandoff[]>();
    for (const h of week.filter((h) => h.ae !== null)) pairs.set(`${h.sdr} ${h.ae}`, [...(pairs.get(`${h.sdr} ${h.ae}`) ?? []), h]);
    const expectedPairs = [...pairs]
      .map(([key, list]) => {
        const [sdr, ae] = key.split(' ') as [string, string];
        const assigned = list.filter((h) => h.firstAssignedAt !== null);
        const rejected = assigned.filter((h) => h.rejectionReason !== null);
        return {
          sdr,
          ae,
          assigned: assigned.length,
          rejected: rejected.length,
          rejectionRate: div(rejected.length, assigned.length),
          reasons: Object.fromEntries(QUALIFICATION_REASONS.map((r) => [r, rejected.filter((h) => h.rejectionReason === r).length])),
        };
      })
      .filter((p) => p.rejected > 0)
      .sort((a, b) => b.rejected - a.rejected || a.assigned - b.assigned || a.sdr.localeCompare(b.sdr) || a.ae.localeCompare(b.ae))
      .slice(0, 5);
    assert.ok(expectedPairs.length > 0, 'the week has rejections');
    assertClose(report.rejectionPairs, expectedPairs, 'rejectionPairs');

    const describe = (h: SeededHandoff) => ({
      handoffId: h.handoffId,
      company: h.company,
      sdr: h.sdr,
      ae: h.ae,
      tier: h.tier,
      submittedAt: h.submittedAt,
      stage: h.stage,
      outcome: h.outcome,
      reportedOutcome: h.reportedOutcome,
    });
    const bySubmission = (a: SeededHandoff, b: SeededHandoff) =>
      a.submittedAt.localeCompare(b.submittedAt) || a.handoffId.localeCompare(b.handoffId);
    const breaches = week
      .filter((h) => h.handoffWindowMissed || h.contactWindowsMissed > 0)
      .sort(bySubmission)
      .map((h) => ({
        ...describe(h),
        windows: [...(h.handoffWindowMissed ? ['handoff'] : []), ...(h.contactWindowsMissed > 0 ? ['contact'] : [])],
        escalations: h.escalations,
      }));
    assert.ok(breaches.length > 0, 'the week has SLA breaches');
    assert.deepEqual(report.slaBreaches, breaches);

    const lowest = week
      .filter((h) => h.rating !== null)
      .sort((a, b) => a.rating! - b.rating! || bySubmission(a, b))
      .filter((h, i) => h.rating! <= 2 || i < 10)
      .map((h) => ({ ...describe(h), rating: h.rating, qualityIssues: h.qualityIssues }));
    assert.ok(lowest.length >= 10, `${lowest.length} lowest rated`);
    assert.deepEqual(report.lowestRated, lowest);
  });

  it('the weekly report scoped to an AE covers only the hand-offs they hold or held last', async () => {
    const report = await weeklyReport(db, { week: '2026-W46', timeZone: ZONE, scope: { ae: 'ae-kim' } });
    const week = cohort.filter((h) => weekOf(h.submittedAt, ZONE) === '2026-W46' && h.ae === 'ae-kim');
    assertClose(report.figures, expectedFigures(week), 'figures');
    assert.deepEqual(
      [...report.slaBreaches, ...report.lowestRated, ...report.rejectionPairs].filter((x) => x.ae !== 'ae-kim'),
      [],
      'only ae-kim',
    );
  });
});

// ---- a small hand-written set with literal expected figures --------------------------------------

interface Written {
  id: string;
  entries: [at: string, event: TimelineEvent, actor: string, detail?: string][];
  facts: Partial<HandoffFacts> & Pick<HandoffFacts, 'stage' | 'sdrId' | 'submittedAt' | 'provisionalTier'>;
}

const HOUR = 3_600_000;
const HANDOFF_WINDOW = { hot: 4 * HOUR, warm: 24 * HOUR, cool: 72 * HOUR };

/** One hand-off as one ledger batch (as a workflow upgraded mid-flight ships its whole timeline at once). */
function written(h: Written): LedgerBatch {
  const facts: HandoffFacts = {
    previousAes: [],
    escalations: 0,
    handoffWindowMissed: false,
    handoffBy: new Date(Date.parse(h.facts.submittedAt) + HANDOFF_WINDOW[h.facts.provisionalTier]).toISOString(),
    company: `Company ${h.id}`,
    ...h.facts,
  };
  const entries: TimelineEntry[] = h.entries.map(([at, event, actor, detail]) => ({ at, event, actor, ...(detail ? { detail } : {}) }));
  return { workflowId: `handoff-${h.id}`, handoffId: h.id, from: 0, entries, facts };
}

const T = (s: string) => `2026-11-${s}:00.000Z`;

/** Week 2026-W47 (16–22 November), in UTC. */
const HAND_WRITTEN: Written[] = [
  {
    // hot, contacted after 1 h, opportunity, rated 5
    id: 'hw-a',
    entries: [
      [T('16T09:00'), 'submitted', 'sdr-jo'],
      [T('16T09:00'), 'tiered', 'baton', 'hot'],
      [T('16T09:10'), 'assigned', 'baton'],
      [T('16T10:10'), 'contacted', 'ae-kim'],
      [T('17T09:00'), 'outcome_reported', 'ae-kim', 'opportunity'],
      [T('17T09:05'), 'feedback_submitted', 'ae-kim', 'rating 5'],
      [T('17T09:05'), 'closed', 'baton'],
    ],
    facts: {
      stage: 'closed',
      outcome: 'opportunity',
      sdrId: 'sdr-jo',
      assignedAe: 'ae-kim',
      tier: 'hot',
      provisionalTier: 'hot',
      submittedAt: T('16T09:00'),
      assignedAt: T('16T09:10'),
      contactedAt: T('16T10:10'),
      closedAt: T('17T09:05'),
      reportedOutcome: 'opportunity',
      rating: 5,
      qualityIssues: [],
    },
  },
  {
    // hot, contacted after 2 h (as reported: the AE said 10:00 when recording it at 10:30), no-show, rated 2
    id: 'hw-b',
    entries: [
      [T('17T08:00'), 'submitted', 'sdr-jo'],
      [T('17T08:00'), 'assigned', 'baton'],
      [T('17T10:30'), 'contacted', 'ae-kim', 'call at 2026-11-17T10:00:00.000Z'],
      [T('18T10:00'), 'outcome_reported', 'ae-kim', 'no_show'],
      [T('18T10:00'), 'feedback_submitted', 'ae-kim', 'rating 2'],
      [T('18T10:00'), 'closed', 'baton'],
    ],
    facts: {
      stage: 'closed',
      outcome: 'no_show',
      sdrId: 'sdr-jo',
      assignedAe: 'ae-kim',
      tier: 'hot',
      provisionalTier: 'hot',
      submittedAt: T('17T08:00'),
      assignedAt: T('17T08:00'),
      contactedAt: T('17T10:00'),
      closedAt: T('18T10:00'),
      reportedOutcome: 'no_show',
      rating: 2,
      qualityIssues: ['wrong-persona'],
    },
  },
  {
    // warm, the hand-off window missed (assigned after 25 h), contacted 10 h later, disqualified, rated 1
    id: 'hw-c',
    entries: [
      [T('17T12:00'), 'submitted', 'sdr-max'],
      [T('18T12:00'), 'handoff_window_missed', 'baton'],
      [T('18T13:00'), 'assigned', 'baton'],
      [T('18T23:00'), 'contacted', 'ae-lena'],
      [T('19T10:00'), 'outcome_reported', 'ae-lena', 'disqualified'],
      [T('19T10:00'), 'feedback_submitted', 'ae-lena', 'rating 1'],
      [T('19T10:00'), 'closed', 'baton'],
    ],
    facts: {
      stage: 'closed',
      outcome: 'disqualified',
      sdrId: 'sdr-max',
      assignedAe: 'ae-lena',
      tier: 'warm',
      provisionalTier: 'warm',
      handoffWindowMissed: true,
      submittedAt: T('17T12:00'),
      assignedAt: T('18T13:00'),
      contactedAt: T('18T23:00'),
      closedAt: T('19T10:00'),
      reportedOutcome: 'disqualified',
      rating: 1,
      qualityIssues: ['no-pain-confirmed', 'missing-budget'],
    },
  },
  {
    // warm, rejected by ae-lena for no_budget: returned to the SDR
    id: 'hw-d',
    entries: [
      [T('18T09:00'), 'submitted', 'sdr-max'],
      [T('18T09:05'), 'assigned', 'baton'],
      [T('18T12:00'), 'rejected', 'ae-lena', 'no_budget'],
      [T('18T12:00'), 'closed', 'ae-lena'],
    ],
    facts: {
      stage: 'closed',
      outcome: 'returned_to_sdr',
      closeReason: 'no_budget',
      sdrId: 'sdr-max',
      assignedAe: 'ae-lena',
      tier: 'warm',
      provisionalTier: 'warm',
      submittedAt: T('18T09:00'),
      assignedAt: T('18T09:05'),
      closedAt: T('18T12:00'),
      rejection: { reason: 'no_budget', rerouted: false },
    },
  },
  {
    // hot, ae-kim missed the contact window, escalated to ae-sam who made contact 26 h after the first assignment; rated 4
    id: 'hw-e',
    entries: [
      [T('19T10:00'), 'submitted', 'sdr-jo'],
      [T('19T10:00'), 'assigned', 'baton'],
      [T('20T10:00'), 'contact_window_missed', 'baton'],
      [T('20T10:00'), 'escalated', 'baton'],
      [T('20T10:01'), 'assigned', 'baton'],
      [T('20T12:00'), 'contacted', 'ae-sam'],
      [T('21T12:00'), 'outcome_reported', 'ae-sam', 'opportunity'],
      [T('21T12:00'), 'feedback_submitted', 'ae-sam', 'rating 4'],
      [T('21T12:00'), 'closed', 'baton'],
    ],
    facts: {
      stage: 'closed',
      outcome: 'opportunity',
      sdrId: 'sdr-jo',
      assignedAe: 'ae-sam',
      previousAes: ['ae-kim'],
      tier: 'hot',
      provisionalTier: 'hot',
      escalations: 1,
      submittedAt: T('19T10:00'),
      assignedAt: T('20T10:01'),
      contactedAt: T('20T12:00'),
      closedAt: T('21T12:00'),
      reportedOutcome: 'opportunity',
      rating: 4,
      qualityIssues: [],
    },
  },
  {
    // cool, waiting for an AE, its 72 h window still running
    id: 'hw-f',
    entries: [
      [T('21T10:00'), 'submitted', 'sdr-max'],
      [T('21T10:00'), 'no_eligible_ae', 'baton'],
    ],
    facts: { stage: 'awaiting_assignment', sdrId: 'sdr-max', tier: 'cool', provisionalTier: 'cool', submittedAt: T('21T10:00') },
  },
  {
    // outside the ICP: never assigned, no SLA decided
    id: 'hw-g',
    entries: [
      [T('22T23:30'), 'submitted', 'sdr-jo'],
      [T('22T23:30'), 'icp_failed', 'baton'],
      [T('22T23:30'), 'closed', 'baton'],
    ],
    facts: {
      stage: 'closed',
      outcome: 'not_icp',
      sdrId: 'sdr-jo',
      provisionalTier: 'cool',
      submittedAt: T('22T23:30'),
      closedAt: T('22T23:30'),
    },
  },
  {
    // cool, contacted after 24 h, outcome nurture reported, not rated yet (open)
    id: 'hw-h',
    entries: [
      [T('20T00:00'), 'submitted', 'sdr-max'],
      [T('20T00:00'), 'assigned', 'baton'],
      [T('21T00:00'), 'contacted', 'ae-kim'],
      [T('21T06:00'), 'outcome_reported', 'ae-kim', 'nurture'],
    ],
    facts: {
      stage: 'contacted',
      sdrId: 'sdr-max',
      assignedAe: 'ae-kim',
      tier: 'cool',
      provisionalTier: 'cool',
      submittedAt: T('20T00:00'),
      assignedAt: T('20T00:00'),
      contactedAt: T('21T00:00'),
      reportedOutcome: 'nurture',
    },
  },
  {
    // the next week (Monday 00:00 UTC): outside the range
    id: 'hw-i',
    entries: [
      [T('23T00:00'), 'submitted', 'sdr-jo'],
      [T('23T00:05'), 'assigned', 'baton'],
    ],
    facts: {
      stage: 'assigned',
      sdrId: 'sdr-jo',
      assignedAe: 'ae-kim',
      tier: 'hot',
      provisionalTier: 'hot',
      submittedAt: T('23T00:00'),
      assignedAt: T('23T00:05'),
    },
  },
];

const reasons = (counts: Partial<Figures['rejectionReasons']> = {}): Figures['rejectionReasons'] =>
  ({ ...Object.fromEntries(QUALIFICATION_REASONS.map((r) => [r, 0])), ...counts }) as Figures['rejectionReasons'];

/** The figures of the hand-written week, worked out on paper. */
const WEEK_47: Figures = {
  submitted: 8,
  assigned: 6,
  conversionRate: 2 / 6,
  rejectionRate: 1 / 6,
  rejectionReasons: reasons({ no_budget: 1 }),
  meanRating: (5 + 2 + 1 + 4) / 4,
  ratingDistribution: { 1: 1, 2: 1, 3: 0, 4: 1, 5: 1 },
  timeToFirstContact: {
    // A 3600, B 7200, E 93600: p90 = 7200 + 0.8 × (93600 − 7200)
    hot: { p50: 7200, p90: 76320, count: 3 },
    warm: { p50: 36000, p90: 36000, count: 1 },
    cool: { p50: 86400, p90: 86400, count: 1 },
  },
  slaMetRate: { handoff: 5 / 6, contact: 4 / 5 },
  escalationRate: 1 / 6,
  returnRate: 1 / 6,
  noShowRate: 1 / 5,
  counts: {
    converted: 2,
    rejected: 1,
    rated: 4,
    handoffSlaDecided: 6,
    handoffSlaMet: 5,
    contactSlaDecided: 5,
    contactSlaMet: 4,
    escalated: 1,
    returned: 1,
    reported: 5,
    noShow: 1,
  },
};

function handWrittenSuite(open: OpenTestDatabase): void {
  describe('a hand-written week with figures worked out on paper', () => {
    async function setUp(t: TestContext): Promise<Database | undefined> {
      const db = await open(t);
      if (!db) return undefined;
      const store = new LedgerStore(db);
      for (const h of HAND_WRITTEN) await store.append(written(h));
      return db;
    }
    const query = (groupBy: GroupDimension[] = [], scope: MetricsScope = {}) => ({
      from: '2026-11-16',
      to: '2026-11-22',
      timeZone: 'UTC',
      groupBy,
      scope,
    });

    it('totals', async (t) => {
      const db = await setUp(t);
      if (!db) return;
      assertClose(figuresOf(await computeMetrics(db, query())), WEEK_47, 'totals');
    });

    it('by SDR, AE and tier: the literal counts', async (t) => {
      const db = await setUp(t);
      if (!db) return;
      const pick = (m: Metrics) =>
        m.groups.map((g) => [
          g.key,
          g.submitted,
          g.assigned,
          g.conversionRate,
          g.rejectionRate,
          g.meanRating,
          g.timeToFirstContact.hot.p50,
        ]);
      assert.deepEqual(pick(await computeMetrics(db, query(['sdr']))), [
        [{ sdr: 'sdr-jo' }, 4, 3, 2 / 3, 0, 11 / 3, 7200],
        [{ sdr: 'sdr-max' }, 4, 3, 0, 1 / 3, 1, null],
      ]);
      assert.deepEqual(pick(await computeMetrics(db, query(['ae']))), [
        [{ ae: 'ae-kim' }, 3, 3, 1 / 3, 0, 3.5, 5400],
        [{ ae: 'ae-lena' }, 2, 2, 0, 1 / 2, 1, null],
        [{ ae: 'ae-sam' }, 1, 1, 1, 0, 4, 93600],
        [{ ae: null }, 2, 0, null, null, null, null],
      ]);
      assert.deepEqual(pick(await computeMetrics(db, query(['tier']))), [
        [{ tier: 'cool' }, 2, 1, 0, 0, null, null],
        [{ tier: 'hot' }, 3, 3, 2 / 3, 0, 11 / 3, 7200],
        [{ tier: 'warm' }, 2, 2, 0, 1 / 2, 1, null],
        [{ tier: null }, 1, 0, null, null, null, null],
      ]);
      const pairs = await computeMetrics(db, query(['sdr', 'ae']));
      assert.deepEqual(
        pairs.groups.map((g) => [g.key.sdr, g.key.ae, g.submitted, g.counts.rejected, g.slaMetRate.handoff, g.slaMetRate.contact]),
        [
          ['sdr-jo', 'ae-kim', 2, 0, 1, 1],
          ['sdr-jo', 'ae-sam', 1, 0, 1, 0],
          ['sdr-jo', null, 1, 0, null, null],
          ['sdr-max', 'ae-kim', 1, 0, 1, 1],
          ['sdr-max', 'ae-lena', 2, 1, 1 / 2, 1],
          ['sdr-max', null, 1, 0, null, null],
        ],
      );
    });

    it('scoped: an SDR sees only theirs, an AE only those they hold or held last', async (t) => {
      const db = await setUp(t);
      if (!db) return;
      const jo = await computeMetrics(db, query([], { sdr: 'sdr-jo' }));
      assert.deepEqual([jo.submitted, jo.assigned, jo.counts.converted, jo.scope], [4, 3, 2, { sdr: 'sdr-jo' }]);
      const kim = await computeMetrics(db, query(['sdr'], { ae: 'ae-kim' }));
      assert.deepEqual([kim.submitted, kim.assigned, kim.counts.escalated, kim.meanRating], [3, 3, 0, 3.5]);
      assert.deepEqual(
        kim.groups.map((g) => [g.key.sdr, g.submitted]),
        [
          ['sdr-jo', 2],
          ['sdr-max', 1],
        ],
      );
      const nobody = await computeMetrics(db, query([], { sdr: 'sdr-nobody' }));
      assert.equal(nobody.submitted, 0);
    });

    it('the weekly report of the week', async (t) => {
      const db = await setUp(t);
      if (!db) return;
      const report = await weeklyReport(db, { week: '2026-W47', timeZone: 'UTC', scope: {} });
      assertClose(report.figures, WEEK_47, 'figures');
      assert.deepEqual(
        report.previousWeeks.map((p) => [p.week, p.figures.submitted]),
        [
          ['2026-W46', 0],
          ['2026-W45', 0],
          ['2026-W44', 0],
          ['2026-W43', 0],
        ],
      );
      assert.equal(report.baseline.conversionRate, null);
      assert.deepEqual(report.rejectionPairs, [
        { sdr: 'sdr-max', ae: 'ae-lena', assigned: 2, rejected: 1, rejectionRate: 0.5, reasons: reasons({ no_budget: 1 }) },
      ]);
      assert.deepEqual(
        report.slaBreaches.map((b) => [b.handoffId, b.windows, b.escalations, b.ae, b.outcome]),
        [
          ['hw-c', ['handoff'], 0, 'ae-lena', 'disqualified'],
          ['hw-e', ['contact'], 1, 'ae-sam', 'opportunity'],
        ],
      );
      assert.deepEqual(
        report.lowestRated.map((r) => [r.handoffId, r.rating, r.qualityIssues]),
        [
          ['hw-c', 1, ['no-pain-confirmed', 'missing-budget']],
          ['hw-b', 2, ['wrong-persona']],
          ['hw-e', 4, []],
          ['hw-a', 5, []],
        ],
      );
      // The next week holds only hw-i; this one is its first previous week.
      const next = await weeklyReport(db, { week: '2026-W48', timeZone: 'UTC', scope: {} });
      assert.deepEqual([next.figures.submitted, next.previousWeeks[0]!.week, next.previousWeeks[0]!.figures.submitted], [1, '2026-W47', 8]);
      assertClose(next.baseline, WEEK_47, 'baseline');
    });

    it('weeks are counted in the time zone: Sunday 23:30 in Chicago is that week, not the next', async (t) => {
      const db = await setUp(t);
      if (!db) return;
      // Sunday 22 November 23:30 in Chicago is Monday 05:30 UTC.
      await new LedgerStore(db).append(
        written({
          id: 'hw-chicago',
          entries: [[T('23T05:30'), 'submitted', 'sdr-eli']],
          facts: { stage: 'awaiting_checklist', sdrId: 'sdr-eli', provisionalTier: 'warm', submittedAt: T('23T05:30') },
        }),
      );
      const weeks = async (timeZone: string) =>
        (
          await computeMetrics(db, { from: '2026-11-16', to: '2026-11-29', timeZone, groupBy: ['week', 'sdr'], scope: { sdr: 'sdr-eli' } })
        ).groups.map((g) => g.key.week);
      assert.deepEqual(await weeks('America/Chicago'), ['2026-W47']);
      assert.deepEqual(await weeks('UTC'), ['2026-W48']);
      const sunday = (timeZone: string) =>
        computeMetrics(db, { from: '2026-11-22', to: '2026-11-22', timeZone, groupBy: [], scope: { sdr: 'sdr-eli' } });
      assert.equal((await sunday('America/Chicago')).submitted, 1);
      assert.equal((await sunday('UTC')).submitted, 0);
      const report = await weeklyReport(db, { week: '2026-W47', timeZone: 'America/Chicago', scope: { sdr: 'sdr-eli' } });
      assert.equal(report.figures.submitted, 1);
    });

    it('a hand-off escalated and returned by a manager before any AE had it counts in no rate over assigned', async (t) => {
      const db = await open(t);
      if (!db) return;
      // Week 2026-W48: nobody eligible, a manager escalates it (no senior AE either), then returns it.
      await new LedgerStore(db).append(
        written({
          id: 'hw-unassigned',
          entries: [
            [T('23T09:00'), 'submitted', 'sdr-jo'],
            [T('23T09:00'), 'no_eligible_ae', 'baton'],
            [T('23T10:00'), 'escalated', 'mgr-ana'],
            [T('23T11:00'), 'returned_to_sdr', 'mgr-ana'],
            [T('23T11:00'), 'closed', 'mgr-ana'],
          ],
          facts: {
            stage: 'closed',
            outcome: 'returned_to_sdr',
            sdrId: 'sdr-jo',
            tier: 'hot',
            provisionalTier: 'hot',
            escalations: 1,
            submittedAt: T('23T09:00'),
            closedAt: T('23T11:00'),
          },
        }),
      );
      const figures = await computeMetrics(db, { from: '2026-11-23', to: '2026-11-29', timeZone: 'UTC', groupBy: [], scope: {} });
      assert.deepEqual(
        [
          figures.submitted,
          figures.assigned,
          figures.escalationRate,
          figures.returnRate,
          figures.counts.escalated,
          figures.counts.returned,
        ],
        [1, 0, null, null, 0, 0],
      );
    });

    it('an empty range: zeros, nulls, every key listed, every week listed', async (t) => {
      const db = await setUp(t);
      if (!db) return;
      const empty = await computeMetrics(db, { from: '2025-01-01', to: '2025-01-14', timeZone: 'UTC', groupBy: ['week'], scope: {} });
      const zero: Figures = {
        submitted: 0,
        assigned: 0,
        conversionRate: null,
        rejectionRate: null,
        rejectionReasons: reasons(),
        meanRating: null,
        ratingDistribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 },
        timeToFirstContact: {
          hot: { p50: null, p90: null, count: 0 },
          warm: { p50: null, p90: null, count: 0 },
          cool: { p50: null, p90: null, count: 0 },
        },
        slaMetRate: { handoff: null, contact: null },
        escalationRate: null,
        returnRate: null,
        noShowRate: null,
        counts: {
          converted: 0,
          rejected: 0,
          rated: 0,
          handoffSlaDecided: 0,
          handoffSlaMet: 0,
          contactSlaDecided: 0,
          contactSlaMet: 0,
          escalated: 0,
          returned: 0,
          reported: 0,
          noShow: 0,
        },
      };
      assert.deepEqual(figuresOf(empty), zero);
      // 1 January 2025 is a Wednesday of 2025-W01; the 14th a Tuesday of W03.
      assert.deepEqual(
        empty.groups.map((g) => [g.key, figuresOf(g)]),
        ['2025-W01', '2025-W02', '2025-W03'].map((week) => [{ week }, zero]),
      );
      assert.deepEqual((await computeMetrics(db, { ...query(['sdr', 'ae']), from: '2025-01-01', to: '2025-01-14' })).groups, []);
      const report = await weeklyReport(db, { week: '2025-W02', timeZone: 'UTC', scope: {} });
      assert.deepEqual(
        [report.figures, report.baseline, report.rejectionPairs, report.slaBreaches, report.lowestRated],
        [zero, zero, [], [], []],
      );
    });
  });
}

onBothDatabases(handWrittenSuite);

describe('the weekly report as CSV', () => {
  it('one table: a header, a section column, RFC 4180 quoting, CRLF lines', async (t) => {
    const db = await testDatabase();
    t.after(() => db.close());
    const store = new LedgerStore(db);
    for (const h of HAND_WRITTEN) {
      const batch = written(h);
      if (h.id === 'hw-c') batch.facts.company = 'Acme, "Logistics"\nInc.';
      if (h.id === 'hw-b') batch.facts.company = '=HYPERLINK("x")';
      await store.append(batch);
    }
    const report: WeeklyReport = await weeklyReport(db, { week: '2026-W47', timeZone: 'UTC', scope: {} });
    const csv = weeklyReportCsv(report);
    assert.equal(csv.slice(-2), '\r\n');
    const lines = csv.split('\r\n');
    assert.equal(lines[0], 'section,week,sdr,ae,handoffId,company,tier,metric,value,detail');
    const has = (line: string) => assert.ok(csv.includes(`\r\n${line}\r\n`), `no line ${JSON.stringify(line)}`);
    has('figures,2026-W47,,,,,,submitted,8,');
    has('figures,2026-W47,,,,,,timeToFirstContact.hot.p90,76320,');
    has('figures,2026-W47,,,,,,conversionRate,0.3333333333333333,');
    has('previous,2026-W46,,,,,,conversionRate,,');
    has('baseline,2026-W43..2026-W46,,,,,,submitted,0,');
    has('rejections,2026-W47,sdr-max,ae-lena,,,,rejectionReasons.no_budget,1,');
    // A comma, quotes and a line break: quoted, quotes doubled; a formula: defused with an apostrophe.
    has(
      'sla_breach,2026-W47,sdr-max,ae-lena,hw-c,"Acme, ""Logistics""\nInc.",warm,windowsMissed,handoff,escalations 0; stage closed; outcome disqualified',
    );
    has(`low_rating,2026-W47,sdr-jo,ae-kim,hw-b,"'=HYPERLINK(""x"")",hot,rating,2,wrong-persona`);
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField(null), '');
    assert.equal(csvField(0.25), '0.25');
  });
});
