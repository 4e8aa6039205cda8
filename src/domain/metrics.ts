import { DateTime } from 'luxon';
import { z } from 'zod';
import { QUALIFICATION_REASONS, REPORTED_OUTCOMES } from './actions.js';
import { isoDate } from './formats.js';
import { TIERS } from './policy.js';
import { TimeZoneSchema } from './sla-clock.js';
import { OUTCOMES, STAGES } from './state.js';

/**
 * The hand-off figures (DESIGN §2.7): what `GET /v1/metrics`, the weekly report and the KPI page
 * answer. Every figure is computed from `handoff_projection` over a cohort: the hand-offs
 * *submitted* in the range (local dates in the time zone). The README defines each one
 * (numerator, denominator, timestamps); the definitions below are the same words.
 */

export const GROUP_DIMENSIONS = ['week', 'sdr', 'ae', 'tier'] as const;
export type GroupDimension = (typeof GROUP_DIMENSIONS)[number];

/**
 * A local date in the years 1000–9999, as the weeks are: PostgreSQL has no year 0, and a range's
 * defaults count back up to 12 weeks from it.
 */
export const LocalDate = isoDate({ abort: true })
  .regex(/^[1-9]/, 'a date in the years 1000–9999')
  .meta({ description: 'A local date, YYYY-MM-DD, in `timeZone` (years 1000–9999)', allOf: [{ pattern: '^[1-9]' }] });

/**
 * The ISO weeks `weekDates` knows and that end by 9999-12-31, as a pattern: years 1000–9999, weeks
 * 01–52 (9999 up to week 51), and week 53 of the years that have one. Those repeat every 400 years,
 * so the year is matched by its century modulo 4 and its last two digits.
 */
function isoWeekPattern(): string {
  const longYears = Array.from({ length: 400 }, (_, y) => y).filter((y) => DateTime.utc(2000 + y, 12, 28).weekNumber === 53);
  const digitsModulo4 = (m: number) => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((d) => d % 4 === m % 4).join('');
  const centuries = (k: number) => `(?:[2468][${digitsModulo4(k)}]|[13579][${digitsModulo4(k + 2)}])`;
  const years = [0, 1, 2, 3].map(
    (k) =>
      `${centuries(k)}(?:${longYears
        .filter((y) => Math.floor(y / 100) === k)
        .map((y) => String(y % 100).padStart(2, '0'))
        .join('|')})`,
  );
  const before9999 = '(?:[1-9]\\d\\d[0-8]|[1-9]\\d[0-8]9|[1-9][0-8]99|[1-8]999)';
  return `^(?:[1-9]\\d{3}-W(?:0[1-9]|[1-4]\\d|5[01])|${before9999}-W52|(?:${years.join('|')})-W53)$`;
}

/** An ISO week, e.g. `2026-W47` (Monday to Sunday, ISO week-numbering year). */
export const IsoWeekSchema = z
  .string()
  .regex(/^(?!9999-W5[23])\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/, 'an ISO week such as 2026-W47, ending by 9999-12-31')
  .meta({ description: 'An ISO week: YYYY-Www (Monday to Sunday)', example: '2026-W47', pattern: isoWeekPattern() });

const PrincipalId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'a principal id such as ae-kim');

/** The most days a `GET /v1/metrics` range may span (about two years). */
export const MAX_RANGE_DAYS = 731;

/** What `parseGroupBy` accepts: blank, or one or two different dimensions, each trimmed. */
function groupByPattern(): string {
  const pairs = GROUP_DIMENSIONS.map((d) => `${d}\\s*,\\s*(?:${GROUP_DIMENSIONS.filter((e) => e !== d).join('|')})`);
  return `^\\s*(?:${[...GROUP_DIMENSIONS, ...pairs].join('|')})?\\s*$`;
}

/** `GET /v1/metrics` query. */
export const MetricsQuerySchema = z.object({
  from: LocalDate.optional().meta({
    description: `First day of the range (inclusive); default: the 12 weeks ending on \`to\`. Never after \`to\` (or its default), and the range spans at most ${MAX_RANGE_DAYS} days (both ends included); JSON Schema cannot compare two parameters, so this is said here.`,
  }),
  to: LocalDate.optional().meta({ description: 'Last day of the range (inclusive); default: today in `timeZone`' }),
  groupBy: z.string().optional().meta({
    description:
      'One or two different ones of week, sdr, ae, tier, comma-separated (e.g. `week` or `sdr,ae`); absent or blank: totals only',
    pattern: groupByPattern(),
  }),
  timeZone: TimeZoneSchema.optional().meta({ description: "Where dates and weeks are counted; default: the policy's clock.timeZone" }),
  sdr: PrincipalId.optional().meta({ description: 'Only the hand-offs this SDR submitted (an SDR may only name themselves)' }),
  ae: PrincipalId.optional().meta({ description: 'Only the hand-offs this AE holds or last held (an AE may only name themselves)' }),
});

const rate = z.number().min(0).max(1).nullable().meta({ description: 'A fraction 0–1; null when its denominator is 0' });
const seconds = z.number().nonnegative().nullable();
const percentiles = z.object({ p50: seconds, p90: seconds, count: z.number().int() });

/** The figures of one cohort (the totals, one group, one week). */
export const FiguresSchema = z.object({
  submitted: z.number().int().meta({ description: 'Hand-offs submitted' }),
  assigned: z.number().int().meta({ description: 'Of those, assigned to an AE at least once' }),
  conversionRate: rate.meta({ description: 'Reported outcome `opportunity` ÷ assigned' }),
  rejectionRate: rate.meta({ description: 'Rejected by an AE for a qualification reason (returned to the SDR) ÷ assigned' }),
  rejectionReasons: z
    .record(z.enum(QUALIFICATION_REASONS), z.number().int())
    .meta({ description: 'Qualification rejections by reason (every reason listed, 0 when none)' }),
  meanRating: z.number().nullable().meta({ description: "Mean of the AEs' 1–5 ratings; null when none" }),
  ratingDistribution: z
    .record(z.enum(['1', '2', '3', '4', '5']), z.number().int())
    .meta({ description: 'Rated hand-offs by rating (every rating listed, 0 when none)' }),
  timeToFirstContact: z.record(z.enum(TIERS), percentiles).meta({
    description: 'Seconds from the first assignment to the first contact (its reported time), per tier: p50, p90 (linear interpolation)',
  }),
  slaMetRate: z.object({
    handoff: rate.meta({ description: 'Assigned within the hand-off window ÷ hand-offs assigned or past that window' }),
    contact: rate.meta({ description: 'Contacted with no first-contact window missed ÷ hand-offs contacted or that missed a window' }),
  }),
  escalationRate: rate.meta({ description: 'Escalated at least once ÷ assigned' }),
  returnRate: rate.meta({ description: 'Assigned hand-offs closed `returned_to_sdr` ÷ assigned' }),
  noShowRate: rate.meta({ description: 'Reported outcome `no_show` ÷ hand-offs with a reported outcome' }),
  counts: z
    .object({
      converted: z.number().int(),
      rejected: z.number().int(),
      rated: z.number().int(),
      handoffSlaDecided: z.number().int(),
      handoffSlaMet: z.number().int(),
      contactSlaDecided: z.number().int(),
      contactSlaMet: z.number().int(),
      escalated: z.number().int(),
      returned: z.number().int(),
      reported: z.number().int(),
      noShow: z.number().int(),
    })
    .meta({ description: 'The numerators and denominators behind the rates' }),
});
export type Figures = z.infer<typeof FiguresSchema>;

export const GroupKeySchema = z
  .object({ week: IsoWeekSchema, sdr: z.string(), ae: z.string().nullable(), tier: z.enum(TIERS).nullable() })
  .partial()
  .meta({ description: 'The group: one value per dimension of groupBy (ae and tier null for hand-offs without one)' });

/** `GET /v1/metrics` answer: the totals at the top level, then one entry per group. */
export const MetricsSchema = FiguresSchema.extend({
  from: LocalDate,
  to: LocalDate,
  timeZone: z.string(),
  groupBy: z.array(z.enum(GROUP_DIMENSIONS)),
  scope: z.object({ sdr: z.string().optional(), ae: z.string().optional() }).meta({
    description: 'Whose hand-offs the figures cover: SDRs and AEs see only their own; empty for managers and ops (everyone)',
  }),
  groups: z.array(FiguresSchema.extend({ key: GroupKeySchema })),
}).meta({ id: 'Metrics' });
export type Metrics = z.infer<typeof MetricsSchema>;

/**
 * `groupBy` as the query gives it: one or two distinct dimensions, comma-separated. Answers the
 * dimensions, or the reason they are refused.
 */
export function parseGroupBy(text: string | undefined): { ok: true; dimensions: GroupDimension[] } | { ok: false; message: string } {
  if (text === undefined || text.trim() === '') return { ok: true, dimensions: [] };
  const parts = text.split(',').map((p) => p.trim());
  const unknown = parts.filter((p) => !(GROUP_DIMENSIONS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    return {
      ok: false,
      message: `unknown dimension ${unknown.map((u) => JSON.stringify(u)).join(', ')}; use one or two of ${GROUP_DIMENSIONS.join(', ')}`,
    };
  }
  if (parts.length > 2) return { ok: false, message: `at most two dimensions (got ${parts.length})` };
  if (new Set(parts).size !== parts.length) return { ok: false, message: 'the dimensions must differ' };
  return { ok: true, dimensions: parts as GroupDimension[] };
}

/** The ISO week (YYYY-Www) of a local date-time. */
export function isoWeekOf(local: DateTime): string {
  return `${local.weekYear}-W${String(local.weekNumber).padStart(2, '0')}`;
}

/** An ISO week's Monday and Sunday (local dates), or undefined for a week that does not exist (2021-W53). */
export function weekDates(week: string): { from: string; to: string } | undefined {
  const match = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!match) return undefined;
  const monday = DateTime.fromObject({ weekYear: Number(match[1]), weekNumber: Number(match[2]), weekday: 1 }, { zone: 'UTC' });
  if (!monday.isValid || isoWeekOf(monday) !== week) return undefined;
  return { from: monday.toISODate(), to: monday.plus({ days: 6 }).toISODate() };
}

/** Every ISO week that has at least one day in [from, to] (local dates), oldest first. */
export function weeksBetween(from: string, to: string): string[] {
  const weeks: string[] = [];
  const last = DateTime.fromISO(to, { zone: 'UTC' });
  for (let d = DateTime.fromISO(from, { zone: 'UTC' }).startOf('week'); d <= last; d = d.plus({ weeks: 1 })) weeks.push(isoWeekOf(d));
  return weeks;
}

/** The last complete ISO week before the one containing `now` in `timeZone`. */
export function lastCompleteWeek(now: number, timeZone: string): string {
  return isoWeekOf(DateTime.fromMillis(now, { zone: timeZone }).minus({ weeks: 1 }));
}

/** The figures of a cohort without hand-offs. */
export function emptyFigures(): Figures {
  return {
    submitted: 0,
    assigned: 0,
    conversionRate: null,
    rejectionRate: null,
    rejectionReasons: Object.fromEntries(QUALIFICATION_REASONS.map((r) => [r, 0])) as Figures['rejectionReasons'],
    meanRating: null,
    ratingDistribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 },
    timeToFirstContact: Object.fromEntries(TIERS.map((t) => [t, { p50: null, p90: null, count: 0 }])) as Figures['timeToFirstContact'],
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
}

/** `GET /v1/reports/weekly` query. */
export const WeeklyReportQuerySchema = z.object({
  week: IsoWeekSchema.optional().meta({ description: 'The ISO week to report on; default: the last complete week in `timeZone`' }),
  timeZone: TimeZoneSchema.optional().meta({ description: "Where weeks are counted; default: the policy's clock.timeZone" }),
  sdr: MetricsQuerySchema.shape.sdr,
  ae: MetricsQuerySchema.shape.ae,
  format: z.enum(['json', 'csv']).optional().meta({ description: 'csv: the report as one CSV table (the same as `Accept: text/csv`)' }),
});

const WeekFiguresSchema = z.object({ week: IsoWeekSchema, from: LocalDate, to: LocalDate, figures: FiguresSchema });

const ReportHandoffSchema = z.object({
  handoffId: z.string(),
  company: z.string().nullable(),
  sdr: z.string(),
  ae: z.string().nullable().meta({ description: 'The AE who holds it, or last held it' }),
  tier: z.enum(TIERS).nullable(),
  submittedAt: z.string().meta({ format: 'date-time' }),
  stage: z.enum(STAGES),
  outcome: z.enum(OUTCOMES).nullable(),
  reportedOutcome: z.enum(REPORTED_OUTCOMES).nullable(),
});

/** The agenda of the weekly SDR–AE sync (`GET /v1/reports/weekly`). */
export const WeeklyReportSchema = z
  .object({
    week: IsoWeekSchema,
    from: LocalDate,
    to: LocalDate,
    timeZone: z.string(),
    scope: MetricsSchema.shape.scope,
    figures: FiguresSchema.meta({ description: 'The hand-offs submitted in the week' }),
    previousWeeks: z.array(WeekFiguresSchema).meta({ description: 'Each of the four weeks before, newest first' }),
    baseline: FiguresSchema.meta({ description: 'The four previous weeks as one cohort' }),
    rejectionPairs: z
      .array(
        z.object({
          sdr: z.string(),
          ae: z.string(),
          assigned: z.number().int(),
          rejected: z.number().int(),
          rejectionRate: z.number().min(0).max(1).nullable(),
          reasons: FiguresSchema.shape.rejectionReasons,
        }),
      )
      .meta({
        description:
          "The week's SDR–AE pairs (the AE who holds or last held the hand-off) with the most qualification rejections: at most 5, most rejections first",
      }),
    slaBreaches: z
      .array(
        ReportHandoffSchema.extend({
          windows: z.array(z.enum(['handoff', 'contact'])).meta({ description: 'Which windows were missed' }),
          escalations: z.number().int(),
        }),
      )
      .meta({ description: "The week's hand-offs that missed the hand-off window or a first-contact window, oldest first" }),
    lowestRated: z
      .array(ReportHandoffSchema.extend({ rating: z.number().int(), qualityIssues: z.array(z.string()) }))
      .meta({ description: "The week's hand-offs rated 2 or less, and at least the 10 lowest-rated: lowest first, then oldest" }),
  })
  .meta({ id: 'WeeklyReport' });
export type WeeklyReport = z.infer<typeof WeeklyReportSchema>;
