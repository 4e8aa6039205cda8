/**
 * The hand-off figures (DESIGN §2.7) in SQL over `handoff_projection`: one aggregate query per
 * answer (the totals and the groups as grouping sets), the same on PGlite and PostgreSQL. The
 * cohort is the hand-offs *submitted* between two local dates; weeks are ISO weeks of the
 * submission in the same time zone. Definitions: `FiguresSchema` and the README.
 */
import { DateTime } from 'luxon';
import { csvField } from '../domain/csv.js';
import { QUALIFICATION_REASONS, type ReportedOutcome } from '../domain/actions.js';
import {
  emptyFigures,
  weekDates,
  weeksBetween,
  type Figures,
  type GroupDimension,
  type Metrics,
  type WeeklyReport,
} from '../domain/metrics.js';
import { TIERS, type Tier } from '../domain/policy.js';
import type { Outcome, Stage } from '../domain/state.js';
import type { Sql } from './database.js';

export interface MetricsScope {
  sdr?: string;
  ae?: string;
}

export interface MetricsRequest {
  /** Local dates (YYYY-MM-DD) in `timeZone`, both inclusive. */
  from: string;
  to: string;
  timeZone: string;
  groupBy: GroupDimension[];
  scope: MetricsScope;
}

/** Each dimension's column of the cohort. */
const DIMENSION_COLUMN: Record<GroupDimension, string> = { week: 'week', sdr: 'sdr_id', ae: 'ae_id', tier: 'tier' };
const RATINGS = ['1', '2', '3', '4', '5'] as const;
const lit = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/**
 * The cohort: hand-offs submitted in [from 00:00, to + 1 day 00:00) local time, in scope, with
 * their ISO week and time to first contact. Parameters: $1 time zone, $2 from, $3 to, then the scope's.
 */
function cohort(scope: MetricsScope, params: unknown[]): string {
  const where = [`submitted_at >= ($2::date::timestamp AT TIME ZONE $1)`, `submitted_at < (($3::date + 1)::timestamp AT TIME ZONE $1)`];
  if (scope.sdr !== undefined) where.push(`sdr_id = $${params.push(scope.sdr)}`);
  if (scope.ae !== undefined) where.push(`ae_id = $${params.push(scope.ae)}`);
  return `SELECT p.*,
      to_char(date_trunc('week', p.submitted_at AT TIME ZONE $1), 'IYYY-"W"IW') AS week,
      p.first_assigned_at IS NOT NULL AS was_assigned,
      extract(epoch FROM p.first_contact_at - p.first_assigned_at)::float8 AS ttfc
    FROM handoff_projection p
    WHERE ${where.join(' AND ')}`;
}

/** Runs `select` (which reads `cohort`) over the cohort of a range and scope. */
async function overCohort<R extends object>(
  db: Sql,
  range: { from: string; to: string; timeZone: string },
  scope: MetricsScope,
  select: string,
): Promise<R[]> {
  const params: unknown[] = [range.timeZone, range.from, range.to];
  const sql = `WITH cohort AS (${cohort(scope, params)})\n${select}`;
  return (await db.query<R>(sql, params)).rows;
}

/** The aggregates behind every figure, as columns (rates are divided in TypeScript). */
const AGGREGATES = [
  'count(*)::int AS submitted',
  'count(*) FILTER (WHERE was_assigned)::int AS assigned',
  `count(*) FILTER (WHERE was_assigned AND reported_outcome = 'opportunity')::int AS converted`,
  'count(*) FILTER (WHERE was_assigned AND rejection_reason IS NOT NULL)::int AS rejected',
  ...QUALIFICATION_REASONS.map((r) => `count(*) FILTER (WHERE was_assigned AND rejection_reason = ${lit(r)})::int AS "reason_${r}"`),
  'count(rating)::int AS rated',
  'coalesce(sum(rating), 0)::int AS rating_sum',
  ...RATINGS.map((r) => `count(*) FILTER (WHERE rating = ${r})::int AS rating_${r}`),
  ...TIERS.flatMap((t) => [
    `percentile_cont(0.5) WITHIN GROUP (ORDER BY ttfc) FILTER (WHERE tier = ${lit(t)} AND ttfc IS NOT NULL) AS ${t}_p50`,
    `percentile_cont(0.9) WITHIN GROUP (ORDER BY ttfc) FILTER (WHERE tier = ${lit(t)} AND ttfc IS NOT NULL) AS ${t}_p90`,
    `count(ttfc) FILTER (WHERE tier = ${lit(t)})::int AS ${t}_contacted`,
  ]),
  'count(handoff_sla)::int AS handoff_sla_decided',
  `count(*) FILTER (WHERE handoff_sla = 'met')::int AS handoff_sla_met`,
  'count(contact_sla)::int AS contact_sla_decided',
  `count(*) FILTER (WHERE contact_sla = 'met')::int AS contact_sla_met`,
  'count(*) FILTER (WHERE was_assigned AND escalations > 0)::int AS escalated',
  `count(*) FILTER (WHERE was_assigned AND outcome = 'returned_to_sdr')::int AS returned`,
  'count(reported_outcome)::int AS reported',
  `count(*) FILTER (WHERE reported_outcome = 'no_show')::int AS no_show`,
].join(',\n  ');

type AggregateRow = Record<string, number | string | null>;

const ratio = (numerator: number, denominator: number): number | null => (denominator === 0 ? null : numerator / denominator);
const num = (value: unknown): number => Number(value);
const orNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

function toFigures(row: AggregateRow): Figures {
  const n = (column: string) => num(row[column]);
  const assigned = n('assigned');
  const counts: Figures['counts'] = {
    converted: n('converted'),
    rejected: n('rejected'),
    rated: n('rated'),
    handoffSlaDecided: n('handoff_sla_decided'),
    handoffSlaMet: n('handoff_sla_met'),
    contactSlaDecided: n('contact_sla_decided'),
    contactSlaMet: n('contact_sla_met'),
    escalated: n('escalated'),
    returned: n('returned'),
    reported: n('reported'),
    noShow: n('no_show'),
  };
  return {
    submitted: n('submitted'),
    assigned,
    conversionRate: ratio(counts.converted, assigned),
    rejectionRate: ratio(counts.rejected, assigned),
    rejectionReasons: Object.fromEntries(QUALIFICATION_REASONS.map((r) => [r, n(`reason_${r}`)])) as Figures['rejectionReasons'],
    meanRating: ratio(n('rating_sum'), counts.rated),
    ratingDistribution: Object.fromEntries(RATINGS.map((r) => [r, n(`rating_${r}`)])) as Figures['ratingDistribution'],
    timeToFirstContact: Object.fromEntries(
      TIERS.map((t) => [t, { p50: orNull(row[`${t}_p50`]), p90: orNull(row[`${t}_p90`]), count: n(`${t}_contacted`) }]),
    ) as Figures['timeToFirstContact'],
    slaMetRate: {
      handoff: ratio(counts.handoffSlaMet, counts.handoffSlaDecided),
      contact: ratio(counts.contactSlaMet, counts.contactSlaDecided),
    },
    escalationRate: ratio(counts.escalated, assigned),
    returnRate: ratio(counts.returned, assigned),
    noShowRate: ratio(counts.noShow, counts.reported),
    counts,
  };
}

type GroupKey = Metrics['groups'][number]['key'];

interface Aggregated {
  totals: Figures;
  groups: { key: GroupKey; figures: Figures }[];
}

/** The totals and, when `groupBy` names dimensions, one entry per group present in the cohort. */
async function aggregate(db: Sql, range: { from: string; to: string; timeZone: string }, groupBy: GroupDimension[], scope: MetricsScope) {
  const columns = groupBy.map((d) => DIMENSION_COLUMN[d]);
  const grouping = columns.length ? `${columns.join(', ')}, GROUPING(${columns.join(', ')})::int AS rolled_up,` : '0 AS rolled_up,';
  const rows = await overCohort<AggregateRow>(
    db,
    range,
    scope,
    `SELECT ${grouping}
  ${AGGREGATES}
FROM cohort
GROUP BY ${columns.length ? `GROUPING SETS ((), (${columns.join(', ')}))` : '()'}
ORDER BY rolled_up DESC${columns.map((c) => `, ${c} NULLS LAST`).join('')}`,
  );
  const out: Aggregated = { totals: emptyFigures(), groups: [] };
  for (const row of rows) {
    if (columns.length === 0 || num(row.rolled_up) !== 0) {
      out.totals = toFigures(row);
      continue;
    }
    const key = Object.fromEntries(groupBy.map((d) => [d, row[DIMENSION_COLUMN[d]] ?? null])) as GroupKey;
    out.groups.push({ key, figures: toFigures(row) });
  }
  // A trend by week lists every week of the range, those without hand-offs too.
  if (groupBy.length === 1 && groupBy[0] === 'week') {
    const present = new Map(out.groups.map((g) => [g.key.week, g]));
    out.groups = weeksBetween(range.from, range.to).map((week) => present.get(week) ?? { key: { week }, figures: emptyFigures() });
  }
  return out;
}

/** `GET /v1/metrics`: the figures of the hand-offs submitted in the range, the totals and the groups. */
export async function computeMetrics(db: Sql, query: MetricsRequest): Promise<Metrics> {
  const { from, to, timeZone, groupBy, scope } = query;
  const { totals, groups } = await aggregate(db, { from, to, timeZone }, groupBy, scope);
  return {
    from,
    to,
    timeZone,
    groupBy,
    scope: cleanScope(scope),
    ...totals,
    groups: groups.map((g) => ({ key: g.key, ...g.figures })),
  };
}

export interface WeeklyReportRequest {
  /** An ISO week, YYYY-Www. */
  week: string;
  timeZone: string;
  scope: MetricsScope;
}

interface HandoffRow {
  handoff_id: string;
  company: string | null;
  sdr_id: string;
  ae_id: string | null;
  tier: Tier | null;
  submitted_at: Date | string;
  stage: Stage;
  outcome: Outcome | null;
  reported_outcome: ReportedOutcome | null;
}

const REPORT_COLUMNS = 'handoff_id, company, sdr_id, ae_id, tier, submitted_at, stage, outcome, reported_outcome';

function reportHandoff(row: HandoffRow) {
  return {
    handoffId: row.handoff_id,
    company: row.company,
    sdr: row.sdr_id,
    ae: row.ae_id,
    tier: row.tier,
    submittedAt: new Date(row.submitted_at).toISOString(),
    stage: row.stage,
    outcome: row.outcome,
    reportedOutcome: row.reported_outcome,
  };
}

/** How many pairs the report lists, and the fewest lowest-rated hand-offs it lists. */
const TOP_PAIRS = 5;
const LOWEST_RATED = 10;
const LOW_RATING = 2;

/**
 * `GET /v1/reports/weekly`: the week's figures against each of the four weeks before and their
 * combined baseline; the SDR–AE pairs with the most qualification rejections; the SLA breaches;
 * the lowest-rated hand-offs. Every section covers the hand-offs submitted in its week(s).
 */
export async function weeklyReport(db: Sql, request: WeeklyReportRequest): Promise<WeeklyReport> {
  const { week, timeZone, scope } = request;
  const dates = weekDates(week);
  if (!dates) throw new RangeError(`${week} is not an ISO week`);
  const monday = DateTime.fromISO(dates.from, { zone: 'UTC' });
  const before = { from: monday.minus({ weeks: 4 }).toISODate()!, to: monday.minus({ days: 1 }).toISODate()! };
  const range = { ...dates, timeZone };

  const [current, previous] = [await aggregate(db, range, [], scope), await aggregate(db, { ...before, timeZone }, ['week'], scope)];

  // The pairs' figures are the same aggregates, grouped by SDR and AE.
  const pairs = await overCohort<AggregateRow & { sdr_id: string; ae_id: string }>(
    db,
    range,
    scope,
    `SELECT sdr_id, ae_id,
  ${AGGREGATES}
FROM cohort
WHERE ae_id IS NOT NULL
GROUP BY sdr_id, ae_id
HAVING count(*) FILTER (WHERE was_assigned AND rejection_reason IS NOT NULL) > 0
ORDER BY rejected DESC, assigned ASC, sdr_id, ae_id
LIMIT ${TOP_PAIRS}`,
  );

  const breaches = await overCohort<HandoffRow & { handoff_sla: string | null; contact_sla: string | null; escalations: number }>(
    db,
    range,
    scope,
    `SELECT ${REPORT_COLUMNS}, handoff_sla, contact_sla, escalations
FROM cohort
WHERE handoff_sla = 'missed' OR contact_sla = 'missed'
ORDER BY submitted_at, handoff_id`,
  );

  const rated = await overCohort<HandoffRow & { rating: number; quality_issues: string[] }>(
    db,
    range,
    scope,
    `SELECT * FROM (
  SELECT ${REPORT_COLUMNS}, rating, quality_issues, row_number() OVER (ORDER BY rating, submitted_at, handoff_id) AS rank
  FROM cohort WHERE rating IS NOT NULL
) ranked
WHERE rating <= ${LOW_RATING} OR rank <= ${LOWEST_RATED}
ORDER BY rank`,
  );

  const previousWeeks = previous.groups
    .map((g) => ({ week: g.key.week!, ...weekDates(g.key.week!)!, figures: g.figures }))
    .sort((a, b) => b.from.localeCompare(a.from));

  return {
    week,
    from: dates.from,
    to: dates.to,
    timeZone,
    scope: cleanScope(scope),
    figures: current.totals,
    previousWeeks,
    baseline: previous.totals,
    rejectionPairs: pairs.map((row) => {
      const figures = toFigures(row);
      return {
        sdr: row.sdr_id,
        ae: row.ae_id,
        assigned: figures.assigned,
        rejected: figures.counts.rejected,
        rejectionRate: figures.rejectionRate,
        reasons: figures.rejectionReasons,
      };
    }),
    slaBreaches: breaches.map((row) => ({
      ...reportHandoff(row),
      windows: [
        ...(row.handoff_sla === 'missed' ? ['handoff' as const] : []),
        ...(row.contact_sla === 'missed' ? ['contact' as const] : []),
      ],
      escalations: num(row.escalations),
    })),
    lowestRated: rated.map((row) => ({ ...reportHandoff(row), rating: num(row.rating), qualityIssues: [...row.quality_issues] })),
  };
}

function cleanScope(scope: MetricsScope): MetricsScope {
  return { ...(scope.sdr !== undefined ? { sdr: scope.sdr } : {}), ...(scope.ae !== undefined ? { ae: scope.ae } : {}) };
}

/** The columns of the report's CSV table. */
const CSV_COLUMNS = ['section', 'week', 'sdr', 'ae', 'handoffId', 'company', 'tier', 'metric', 'value', 'detail'] as const;
type CsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], string | number | null>>;

/**
 * The weekly report as one CSV table (RFC 4180: CRLF lines, a header row, fields with a comma,
 * quote or line break quoted, quotes doubled). The leading `section` column says what a row is:
 * `figures` (the week), `previous` (one of the four weeks before), `baseline` (the four together)
 * — one row per figure, `metric` a dotted path such as `timeToFirstContact.hot.p50`; then
 * `rejections` (a pair's assigned, rejected, rate and reasons), `sla_breach` (value: the windows
 * missed) and `low_rating` (value: the rating; detail: the quality-issue tags).
 */
export function weeklyReportCsv(report: WeeklyReport): string {
  const rows: CsvRow[] = [];
  const figureRows = (section: string, week: string, figures: Figures): void => {
    for (const [metric, value] of flatten(figures)) rows.push({ section, week, metric, value });
  };
  figureRows('figures', report.week, report.figures);
  for (const p of report.previousWeeks) figureRows('previous', p.week, p.figures);
  const span = report.previousWeeks.map((p) => p.week).sort();
  figureRows('baseline', span.length ? `${span[0]}..${span.at(-1)}` : '', report.baseline);
  for (const pair of report.rejectionPairs) {
    const base = { section: 'rejections', week: report.week, sdr: pair.sdr, ae: pair.ae };
    rows.push({ ...base, metric: 'assigned', value: pair.assigned });
    rows.push({ ...base, metric: 'rejected', value: pair.rejected });
    rows.push({ ...base, metric: 'rejectionRate', value: pair.rejectionRate });
    for (const [reason, n] of Object.entries(pair.reasons))
      if (n > 0) rows.push({ ...base, metric: `rejectionReasons.${reason}`, value: n });
  }
  for (const b of report.slaBreaches) {
    rows.push({
      section: 'sla_breach',
      week: report.week,
      sdr: b.sdr,
      ae: b.ae,
      handoffId: b.handoffId,
      company: b.company,
      tier: b.tier,
      metric: 'windowsMissed',
      value: b.windows.join(' '),
      detail: `escalations ${b.escalations}; stage ${b.stage}${b.outcome ? `; outcome ${b.outcome}` : ''}`,
    });
  }
  for (const r of report.lowestRated) {
    rows.push({
      section: 'low_rating',
      week: report.week,
      sdr: r.sdr,
      ae: r.ae,
      handoffId: r.handoffId,
      company: r.company,
      tier: r.tier,
      metric: 'rating',
      value: r.rating,
      detail: r.qualityIssues.join(' '),
    });
  }
  const lines = [CSV_COLUMNS.join(','), ...rows.map((row) => CSV_COLUMNS.map((c) => csvField(row[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** A figures object as [dotted path, value] pairs, in the schema's order. */
function flatten(value: unknown, prefix = ''): [string, number | null][] {
  if (value === null || typeof value !== 'object') return [[prefix, value as number | null]];
  return Object.entries(value).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}
