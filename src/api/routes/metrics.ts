import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Context } from 'hono';
import { computeMetrics, weeklyReport, weeklyReportCsv, type MetricsScope } from '../../db/metrics.js';
import {
  lastCompleteWeek,
  MAX_RANGE_DAYS,
  MetricsQuerySchema,
  MetricsSchema,
  parseGroupBy,
  weekDates,
  WeeklyReportQuerySchema,
  WeeklyReportSchema,
} from '../../domain/metrics.js';
import type { Principal } from '../auth.js';
import { problemResponses, ProblemError } from '../problem.js';
import { bearerSecurity, createRouter, type ApiDeps, type AppEnv } from '../router.js';

/** The default range ends today and spans twelve weeks (84 days, both ends included). */
const DEFAULT_DAYS = 84;
const CSV_MEDIA_TYPE = 'text/csv; charset=utf-8';

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const FIGURE_PROBLEMS = problemResponses('unauthorized', 'forbidden', 'validation');

/**
 * Whose hand-offs a principal's figures cover: an SDR their own, an AE those they hold or last
 * held, managers, ops and admins everyone's — narrowed by the `sdr` and `ae` filters asked for. An
 * SDR or AE naming someone else in their own role's filter is refused (403).
 */
export function figuresScope(principal: Principal, asked: MetricsScope = {}): MetricsScope {
  const scope: MetricsScope = { ...asked };
  if (principal.role === 'sdr' || principal.role === 'ae') {
    const own = principal.role;
    if (asked[own] !== undefined && asked[own] !== principal.id) {
      throw new ProblemError(
        'forbidden',
        `as ${own} ${principal.id} you can only see the figures of your own hand-offs (${own}=${principal.id})`,
      );
    }
    scope[own] = principal.id;
  }
  return Object.fromEntries(Object.entries(scope).filter(([, v]) => v !== undefined));
}

function invalid(path: string, message: string): ProblemError {
  return new ProblemError('validation', `invalid request query: ${path}: ${message}`, { errors: [{ path, message }] });
}

/**
 * The range a figures request covers: `to` defaults to today in the zone (the policy's clock zone
 * unless asked), `from` to twelve weeks before; `from` after `to`, or a range over
 * `MAX_RANGE_DAYS`, is a 422 naming the field.
 */
export function figuresRange(
  query: { from?: string; to?: string; timeZone?: string },
  deps: Pick<ApiDeps, 'policy' | 'now'>,
): { from: string; to: string; timeZone: string } {
  const timeZone = query.timeZone ?? deps.policy.clock.timeZone;
  const to = query.to ?? DateTime.fromMillis((deps.now ?? Date.now)(), { zone: timeZone }).toISODate()!;
  const from =
    query.from ??
    DateTime.fromISO(to, { zone: 'UTC' })
      .minus({ days: DEFAULT_DAYS - 1 })
      .toISODate()!;
  if (from > to) throw invalid(query.from ? 'from' : 'to', `\`from\` (${from}) must not be after \`to\` (${to})`);
  const days = DateTime.fromISO(to, { zone: 'UTC' }).diff(DateTime.fromISO(from, { zone: 'UTC' }), 'days').days + 1;
  if (days > MAX_RANGE_DAYS) throw invalid('from', `the range spans ${days} days; at most ${MAX_RANGE_DAYS}`);
  return { from, to, timeZone };
}

/**
 * The figures (DESIGN §2.7): `GET /v1/metrics` and the weekly sync's agenda `GET /v1/reports/weekly`.
 * Managers, ops and admins see every hand-off; an SDR or an AE sees the figures of their own.
 */
export function metricsRoutes(deps: ApiDeps): OpenAPIHono<AppEnv> {
  const router = createRouter();
  const now = deps.now ?? Date.now;
  const defaultZone = (): string => deps.policy.clock.timeZone;

  router.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      tags: ['figures'],
      summary: 'Hand-off figures over a date range, optionally grouped',
      description:
        'The figures of the hand-offs **submitted** between `from` and `to` (local dates in `timeZone`, both inclusive): totals at the top level, and one entry per group when `groupBy` names one or two of week, sdr, ae, tier. Weeks are ISO weeks (Monday–Sunday) in `timeZone`; grouped by week alone, every week of the range is listed. Rates are fractions 0–1, null when their denominator is 0; times in seconds. The README defines every figure. Managers, ops and admins see every hand-off; an SDR sees the ones they submitted, an AE the ones they hold or last held. The range may span at most 731 days.',
      security: bearerSecurity,
      request: { query: MetricsQuerySchema },
      responses: {
        200: { description: 'The figures', ...json(MetricsSchema) },
        ...FIGURE_PROBLEMS,
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const groupBy = parseGroupBy(query.groupBy);
      if (!groupBy.ok) throw invalid('groupBy', groupBy.message);
      const metrics = await computeMetrics(deps.db, {
        ...figuresRange(query, deps),
        groupBy: groupBy.dimensions,
        scope: figuresScope(c.get('principal'), { sdr: query.sdr, ae: query.ae }),
      });
      return c.json(metrics, 200);
    },
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/reports/weekly',
      operationId: 'getWeeklyReport',
      tags: ['figures'],
      summary: 'The agenda of the weekly SDR–AE sync',
      description:
        'The figures of the hand-offs submitted in the ISO week (default: the last complete week in `timeZone`) against each of the four weeks before and their combined baseline; the SDR–AE pairs with the most qualification rejections and their reasons; the hand-offs that missed the hand-off window or a first-contact window; and the lowest-rated hand-offs with their quality-issue tags. JSON, or one CSV table (a leading `section` column) with `Accept: text/csv` or `format=csv`. Scoped like `GET /v1/metrics`.',
      security: bearerSecurity,
      request: { query: WeeklyReportQuerySchema },
      responses: {
        200: {
          description: 'The report',
          content: {
            'application/json': { schema: WeeklyReportSchema },
            'text/csv': { schema: z.string().meta({ description: 'The report as one RFC 4180 table with a header row' }) },
          },
        },
        ...FIGURE_PROBLEMS,
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const timeZone = query.timeZone ?? defaultZone();
      const week = query.week ?? lastCompleteWeek(now(), timeZone);
      if (!weekDates(week)) throw invalid('week', `${week} does not exist (that year has 52 ISO weeks)`);
      const report = await weeklyReport(deps.db, {
        week,
        timeZone,
        scope: figuresScope(c.get('principal'), { sdr: query.sdr, ae: query.ae }),
      });
      if (wantsCsv(c, query.format)) {
        const scope = report.scope.sdr ?? report.scope.ae;
        const filename = `baton-weekly-${week}${scope ? `-${scope.replace(/[^A-Za-z0-9._-]/g, '_')}` : ''}.csv`;
        return c.body(weeklyReportCsv(report), 200, {
          'Content-Type': CSV_MEDIA_TYPE,
          'Content-Disposition': `attachment; filename="${filename}"`,
        });
      }
      return c.json(report, 200);
    },
  );

  return router;
}

/** `format` decides when given; otherwise CSV when the client prefers text/csv to JSON. */
export function wantsCsv(c: Context, format: 'json' | 'csv' | undefined): boolean {
  if (format) return format === 'csv';
  const accept = c.req.header('Accept');
  if (!accept) return false;
  const weights = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    weights.set(type!.trim(), q ? Number(q.slice(2)) || 0 : 1);
  }
  const csv = weights.get('text/csv') ?? 0;
  const jsonWeight = Math.max(weights.get('application/json') ?? 0, weights.get('application/*') ?? 0, weights.get('*/*') ?? 0);
  return csv > 0 && csv >= jsonWeight;
}
