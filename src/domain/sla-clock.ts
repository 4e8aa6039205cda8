import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { isoDate } from './formats.js';

/**
 * The SLA clock: when a window that starts at some instant runs out. A window counts either
 * calendar time or working time (a weekly schedule in one time zone, minus holidays).
 * Pure and deterministic — it runs inside workflow code too: no Node built-ins, no "now".
 */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const DAY_LABELS: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };
const MINUTE_MS = 60_000;
const DAY_MS = 1440 * MINUTE_MS;
/** How far ahead a deadline is searched for before the calendar is declared unusable. */
const MAX_DAYS = 3 * 366;

/** `'HH:MM-HH:MM'` as minutes since local midnight, or undefined when malformed. `24:00` ends a day. */
function parseInterval(text: string): [number, number] | undefined {
  const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [from, to] = [Number(m[1]) * 60 + Number(m[2]), Number(m[3]) * 60 + Number(m[4])];
  const valid = (h: string, min: string, end: boolean) => Number(min) < 60 && (Number(h) < 24 || (end && h === '24' && min === '00'));
  return valid(m[1]!, m[2]!, false) && valid(m[3]!, m[4]!, true) ? [from, to] : undefined;
}

/** An instant as the read models carry it: ISO 8601 text (documented as `date-time`). */
export const InstantSchema = z.string().meta({ format: 'date-time' });

/**
 * An IANA time zone name (validated against the zone data luxon reads through Intl). The document
 * lists the runtime's canonical names and UTC; Intl does not list the aliases it also knows.
 */
export const TimeZoneSchema = z
  .string()
  .refine((zone) => IANAZone.isValidZone(zone), {
    error: (issue) => `timeZone must be an IANA time zone such as America/Chicago (got ${JSON.stringify(issue.input)})`,
  })
  .meta({
    enum: ['UTC', ...Intl.supportedValuesOf('timeZone')],
    description:
      'An IANA time zone. Every listed name is accepted; so are the aliases and other capitalisations the zone data knows (US/Central, america/chicago).',
  });

/**
 * `HH:MM-HH:MM` starting before it ends, in JSON Schema terms: the four digits of the start are
 * less than those of the end, compared left to right (the end's digits are 6 characters on).
 */
const digits = (compare: (d: number) => string, at: number) => ({
  pattern: `^.{${at}}(?:${[...'0123456789']
    .map((d) => [d, compare(Number(d))])
    .filter(([, later]) => later !== '')
    .map(([d, later]) => `${d}.{5}${later}`)
    .join('|')})`,
});
const less = (at: number) => digits((d) => (d < 8 ? `[${d + 1}-9]` : d === 8 ? '9' : ''), at);
const same = (at: number) => digits((d) => String(d), at);
const WorkingIntervalSchema = z.string().meta({
  id: 'WorkingInterval',
  description: 'HH:MM-HH:MM, 24-hour, starting before it ends; 24:00 may end a day.',
  pattern: '^(?:[01]\\d|2[0-3]):[0-5]\\d-(?:(?:[01]\\d|2[0-3]):[0-5]\\d|24:00)$',
  anyOf: [less(0), { allOf: [same(0), less(1)] }, { allOf: [same(0), same(1), less(3)] }, { allOf: [same(0), same(1), same(3), less(4)] }],
  example: '09:00-17:00',
});

/** One day's working intervals: well-formed, each starting before it ends, none overlapping. */
const DayHoursSchema = z
  .array(WorkingIntervalSchema)
  .meta({
    description: "The day's working intervals; no two may overlap (touching is fine: 09:00-12:00 and 12:00-17:00).",
    uniqueItems: true,
    // JSON Schema cannot say that intervals do not overlap; this says it to tools that read it.
    'x-non-overlapping-intervals': true,
  })
  .superRefine((intervals, ctx) => {
    const parsed: [number, number, string][] = [];
    intervals.forEach((text, i) => {
      const interval = parseInterval(text);
      if (!interval) {
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `working interval ${JSON.stringify(text)} is not HH:MM-HH:MM (24:00 may end a day)`,
        });
      } else if (interval[0] >= interval[1]) {
        ctx.addIssue({ code: 'custom', path: [i], message: `working interval ${JSON.stringify(text)} must start before it ends` });
      } else {
        for (const [from, to, other] of parsed) {
          if (interval[0] < to && from < interval[1]) {
            ctx.addIssue({
              code: 'custom',
              path: [i],
              message: `working interval ${JSON.stringify(text)} overlaps ${JSON.stringify(other)}`,
            });
          }
        }
        parsed.push([...interval, text]);
      }
    });
  });

/** A week's schedule; a day left out has no working hours. */
const WorkingHoursSchema = z.strictObject(
  Object.fromEntries(WEEKDAYS.map((day) => [day, DayHoursSchema.default(() => [])])) as Record<
    Weekday,
    z.ZodDefault<typeof DayHoursSchema>
  >,
);
const defaultWorkingHours = (): Record<Weekday, string[]> => ({
  mon: ['09:00-17:00'],
  tue: ['09:00-17:00'],
  wed: ['09:00-17:00'],
  thu: ['09:00-17:00'],
  fri: ['09:00-17:00'],
  sat: [],
  sun: [],
});
const HolidaysSchema = z.array(isoDate({ error: 'holidays are dates as YYYY-MM-DD' }));
const ModeSchema = z.enum(['calendar', 'business_hours']);

const hasWorkingTime = (hours: Record<Weekday, string[]>) => WEEKDAYS.some((day) => hours[day].length > 0);
const EMPTY_WEEK = 'business_hours needs at least one working interval in the week';

export const WorkCalendarSchema = z
  .strictObject({
    mode: ModeSchema.default('calendar'),
    timeZone: TimeZoneSchema.default('UTC'),
    workingHours: WorkingHoursSchema.default(defaultWorkingHours),
    /** Local dates (in `timeZone`) without working time. */
    holidays: HolidaysSchema.default(() => []),
  })
  .superRefine((calendar, ctx) => {
    if (calendar.mode === 'business_hours' && !hasWorkingTime(calendar.workingHours)) {
      ctx.addIssue({ code: 'custom', path: ['workingHours'], message: EMPTY_WEEK });
    }
  });
export type WorkCalendar = z.output<typeof WorkCalendarSchema>;

/** An AE's changes to the team calendar, field by field; the time zone is the AE's own `timeZone`. */
export const ClockOverrideSchema = z
  .strictObject({ mode: ModeSchema.optional(), workingHours: WorkingHoursSchema.optional(), holidays: HolidaysSchema.optional() })
  .superRefine((override, ctx) => {
    if (override.workingHours && override.mode !== 'calendar' && !hasWorkingTime(override.workingHours)) {
      ctx.addIssue({ code: 'custom', path: ['workingHours'], message: `${EMPTY_WEEK} (or mode: calendar)` });
    }
  })
  .meta({
    description: `Field by field over the team clock. ${EMPTY_WEEK}: given working hours need an interval unless mode is calendar.`,
    if: { required: ['workingHours'], not: { required: ['mode'], properties: { mode: { const: 'calendar' } } } },
    then: {
      properties: { workingHours: { anyOf: WEEKDAYS.map((day) => ({ required: [day], properties: { [day]: { minItems: 1 } } })) } },
    },
  });
export type ClockOverride = z.output<typeof ClockOverrideSchema>;

/** Anything carrying a team clock; policies recorded before the clock existed have none. */
export interface ClockSource {
  readonly clock?: WorkCalendar | undefined;
}

const DEFAULT_CALENDAR: WorkCalendar = WorkCalendarSchema.parse({});

/** The team's calendar: the policy's clock, or calendar time in UTC for policies without one. */
export function teamCalendar(policy: ClockSource): WorkCalendar {
  return policy.clock ?? DEFAULT_CALENDAR;
}

/** The team calendar in the AE's time zone, with the AE's overrides applied field by field. */
export function aeCalendar(
  policy: ClockSource,
  ae: { readonly timeZone: string; readonly clock?: ClockOverride | undefined },
): WorkCalendar {
  const team = teamCalendar(policy);
  const override = ae.clock ?? {};
  return {
    mode: override.mode ?? team.mode,
    timeZone: ae.timeZone,
    workingHours: override.workingHours ?? team.workingHours,
    holidays: override.holidays ?? team.holidays,
  };
}

/** The local date (`YYYY-MM-DD`) of an instant in a time zone. */
export function localDate(at: number, timeZone: string): string {
  const date = DateTime.fromMillis(at, { zone: timeZone }).toISODate();
  if (date === null) throw new RangeError(`cannot place ${at} in time zone ${JSON.stringify(timeZone)}`);
  return date;
}

/**
 * The instant of a wall-clock time (`minutes` after midnight of the UTC day number `day`) in `zone`,
 * by the "compatible" rule of the TC39 Temporal proposal: a time that happens twice (clocks going
 * back) is its first occurrence; a time that does not exist (clocks going forward) moves forward by
 * the gap (02:30 → 03:30). Not luxon's `DateTime.fromObject`: it settles ambiguous times from a guess
 * seeded with the current date, so the same input would give different answers in summer and winter.
 */
function zonedInstant(zone: IANAZone, day: number, minutes: number): number {
  const wall = day * DAY_MS + minutes * MINUTE_MS;
  const before = zone.offset(wall - DAY_MS);
  const candidates = [before, zone.offset(wall + DAY_MS)]
    .map((offset) => wall - offset * MINUTE_MS)
    .filter((at) => zone.offset(at) * MINUTE_MS === wall - at);
  return candidates.length > 0 ? Math.min(...candidates) : wall - before * MINUTE_MS;
}

/**
 * The instant (epoch ms) at which `windowMs` of the calendar's time, counted from `start`, has
 * passed. In business hours a window that runs out exactly at an interval's end ends there (17:00,
 * not 09:00 the next working day); intervals are absolute instants in the calendar's zone, so a
 * 09:00–17:00 day is 8 h on DST days too (see `zonedInstant` for times the change skips or repeats).
 */
export function deadlineAfter(start: number, windowMs: number, calendar: WorkCalendar): number {
  if (!Number.isFinite(start) || !Number.isFinite(windowMs) || windowMs < 0) {
    throw new RangeError(`deadlineAfter needs a finite start and a non-negative window (got ${start}, ${windowMs})`);
  }
  if (calendar.mode === 'calendar' || windowMs === 0) return start + windowMs;

  const zone = IANAZone.create(calendar.timeZone);
  if (!zone.isValid) throw new RangeError(`unknown time zone ${JSON.stringify(calendar.timeZone)}`);
  const schedule = WEEKDAYS.map((day) =>
    calendar.workingHours[day]
      .map(parseInterval)
      .filter((interval) => interval !== undefined)
      .sort((a, b) => a[0] - b[0]),
  );
  if (schedule.every((day) => day.length === 0)) throw new RangeError(EMPTY_WEEK);
  const holidays = new Set(calendar.holidays);

  // Walk local dates as UTC day numbers; only working days look up zone offsets.
  const firstDay = Math.floor((start + zone.offset(start) * MINUTE_MS) / DAY_MS);
  let remaining = windowMs;
  let cursor = start; // never count time twice, even where DST makes two intervals overlap
  for (let day = firstDay; day < firstDay + MAX_DAYS; day++) {
    const date = new Date(day * DAY_MS);
    const intervals = schedule[(date.getUTCDay() + 6) % 7]!;
    if (intervals.length === 0 || holidays.has(date.toISOString().slice(0, 10))) continue;
    for (const [from, to] of intervals) {
      const begin = Math.max(cursor, zonedInstant(zone, day, from));
      const end = zonedInstant(zone, day, to);
      if (end <= begin) continue;
      if (remaining <= end - begin) return begin + remaining;
      remaining -= end - begin;
      cursor = end;
    }
  }
  throw new RangeError(`no deadline within ${MAX_DAYS} days of working time: the calendar has too little working time for the window`);
}

/** A short description for timeline entries, e.g. `working hours Mon–Fri 09:00–17:00 America/Chicago, 2 holidays`. */
export function describeCalendar(calendar: WorkCalendar): string {
  if (calendar.mode === 'calendar') return 'calendar time';
  const groups: { days: Weekday[]; hours: string }[] = [];
  for (const day of WEEKDAYS) {
    const intervals = calendar.workingHours[day];
    if (intervals.length === 0) continue;
    const hours = [...intervals]
      .sort()
      .map((i) => i.replace('-', '–'))
      .join(', ');
    const last = groups.at(-1);
    if (last && last.hours === hours && WEEKDAYS.indexOf(last.days.at(-1)!) === WEEKDAYS.indexOf(day) - 1) last.days.push(day);
    else groups.push({ days: [day], hours });
  }
  const week = groups
    .map(({ days, hours }) => `${DAY_LABELS[days[0]!]}${days.length > 1 ? `–${DAY_LABELS[days.at(-1)!]}` : ''} ${hours}`)
    .join('; ');
  const holidays = calendar.holidays.length;
  return `working hours ${week} ${calendar.timeZone}${holidays ? `, ${holidays} holiday${holidays === 1 ? '' : 's'}` : ''}`;
}
