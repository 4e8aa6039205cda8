import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DateTime, IANAZone, Settings } from 'luxon';
import type { z } from 'zod';
import { parsePolicy, type Policy } from '../../src/domain/policy.js';
import { AeSchema } from '../../src/domain/roster.js';
import {
  aeCalendar,
  ClockOverrideSchema,
  deadlineAfter,
  describeCalendar,
  localDate,
  teamCalendar,
  WEEKDAYS,
  WorkCalendarSchema,
  type WorkCalendar,
} from '../../src/domain/sla-clock.js';
import { makeAe, minimalPolicyDocument, MS } from './fixtures.js';

const { hour: H, minute: MIN } = MS;
const at = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

/** A business-hours calendar (Mon–Fri 09:00–17:00 unless given) in `timeZone`. */
function hours(timeZone: string, extra: Omit<z.input<typeof WorkCalendarSchema>, 'timeZone'> = {}): WorkCalendar {
  return WorkCalendarSchema.parse({ mode: 'business_hours', timeZone, ...extra });
}
const allWeek = (intervals: string[]) => Object.fromEntries(WEEKDAYS.map((d) => [d, intervals]));

const CHICAGO = hours('America/Chicago');
const BERLIN = hours('Europe/Berlin');

describe('WorkCalendarSchema', () => {
  it('defaults to calendar time in UTC with a Mon–Fri 09:00–17:00 week to switch to', () => {
    assert.deepEqual(WorkCalendarSchema.parse({}), {
      mode: 'calendar',
      timeZone: 'UTC',
      workingHours: {
        mon: ['09:00-17:00'],
        tue: ['09:00-17:00'],
        wed: ['09:00-17:00'],
        thu: ['09:00-17:00'],
        fri: ['09:00-17:00'],
        sat: [],
        sun: [],
      },
      holidays: [],
    });
  });

  it('a given week leaves out days as non-working; 24:00 may end a day; adjacent intervals are fine', () => {
    const c = WorkCalendarSchema.parse({ workingHours: { sat: ['10:00-12:00', '12:00-24:00'] } });
    assert.deepEqual(c.workingHours, { mon: [], tue: [], wed: [], thu: [], fri: [], sat: ['10:00-12:00', '12:00-24:00'], sun: [] });
  });

  it('does not share default objects between parses', () => {
    const a = WorkCalendarSchema.parse({});
    a.workingHours.mon.push('18:00-19:00');
    a.holidays.push('2026-12-25');
    assert.deepEqual(WorkCalendarSchema.parse({}).workingHours.mon, ['09:00-17:00']);
    assert.deepEqual(WorkCalendarSchema.parse({}).holidays, []);
  });

  const refusals: [string, unknown, string, RegExp][] = [
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, 'timeZone', /timeZone must be an IANA time zone.*"Mars\/Olympus"/],
    ['a malformed interval', { workingHours: { mon: ['9-17'] } }, 'workingHours.mon.0', /"9-17" is not HH:MM-HH:MM/],
    ['25:00', { workingHours: { mon: ['09:00-25:00'] } }, 'workingHours.mon.0', /not HH:MM-HH:MM/],
    ['24:00 as a start', { workingHours: { mon: ['24:00-24:00'] } }, 'workingHours.mon.0', /not HH:MM-HH:MM/],
    ['an interval ending before it starts', { workingHours: { tue: ['17:00-09:00'] } }, 'workingHours.tue.0', /must start before it ends/],
    ['an empty interval', { workingHours: { tue: ['09:00-09:00'] } }, 'workingHours.tue.0', /must start before it ends/],
    [
      'overlapping intervals',
      { workingHours: { wed: ['09:00-12:00', '11:30-13:00'] } },
      'workingHours.wed.1',
      /"11:30-13:00" overlaps "09:00-12:00"/,
    ],
    ['an unknown day', { workingHours: { monday: ['09:00-17:00'] } }, 'workingHours', /Unrecognized key: "monday"/],
    ['a holiday that is not a date', { holidays: ['2026-02-30'] }, 'holidays.0', /YYYY-MM-DD/],
    ['business hours with an empty week', { mode: 'business_hours', workingHours: {} }, 'workingHours', /at least one working interval/],
  ];
  for (const [name, input, path, message] of refusals) {
    it(`refuses ${name}, naming ${path}`, () => {
      const result = WorkCalendarSchema.safeParse(input);
      assert.ok(!result.success);
      assert.deepEqual(
        result.error.issues.map((i) => i.path.join('.')),
        [path],
      );
      assert.match(result.error.issues[0]!.message, message);
    });
  }

  it('accepts an empty week in calendar mode (the schedule is unused)', () => {
    assert.equal(WorkCalendarSchema.parse({ workingHours: {} }).mode, 'calendar');
  });
});

describe('deadlineAfter in calendar mode', () => {
  it('is plain addition, whatever the zone and schedule', () => {
    const c = WorkCalendarSchema.parse({ timeZone: 'America/Chicago', holidays: ['2026-03-08'] });
    assert.equal(deadlineAfter(at('2026-03-07T12:00:00Z'), 24 * H, c), at('2026-03-08T12:00:00Z'));
  });

  it('refuses a negative or non-finite window', () => {
    assert.throws(() => deadlineAfter(0, -1, CHICAGO), RangeError);
    assert.throws(() => deadlineAfter(0, Number.NaN, CHICAGO), RangeError);
    assert.throws(() => deadlineAfter(Number.POSITIVE_INFINITY, H, CHICAGO), RangeError);
  });
});

describe('deadlineAfter in business hours (America/Chicago, Mon–Fri 09:00–17:00)', () => {
  it('a window inside one working day', () => {
    // Mon 2026-11-23 10:00 CST + 3h = 13:00 CST.
    assert.equal(iso(deadlineAfter(at('2026-11-23T16:00:00Z'), 3 * H, CHICAGO)), '2026-11-23T19:00:00.000Z');
  });

  it('a window that fits exactly ends at 17:00 the same day, not 09:00 the next working day', () => {
    assert.equal(iso(deadlineAfter(at('2026-11-23T15:00:00Z'), 8 * H, CHICAGO)), '2026-11-23T23:00:00.000Z');
    assert.equal(iso(deadlineAfter(at('2026-11-23T19:00:00Z'), 4 * H, CHICAGO)), '2026-11-23T23:00:00.000Z');
    assert.equal(iso(deadlineAfter(at('2026-11-23T15:00:00Z'), 8 * H + 1, CHICAGO)), '2026-11-24T15:00:00.001Z');
  });

  it('a Friday-afternoon start rolls over the weekend', () => {
    // Fri 2026-11-20 16:00 CST + 4h = 1h Friday + 3h Monday → Mon 12:00 CST.
    assert.equal(iso(deadlineAfter(at('2026-11-20T22:00:00Z'), 4 * H, CHICAGO)), '2026-11-23T18:00:00.000Z');
  });

  it('a start before 09:00 counts from 09:00', () => {
    assert.equal(iso(deadlineAfter(at('2026-11-23T12:00:00Z'), H, CHICAGO)), '2026-11-23T16:00:00.000Z');
  });

  it('a start after 17:00 counts from 09:00 the next working day', () => {
    // Mon 19:00 CST (Tue 01:00 UTC) → Tue 10:00 CST.
    assert.equal(iso(deadlineAfter(at('2026-11-24T01:00:00Z'), H, CHICAGO)), '2026-11-24T16:00:00.000Z');
  });

  it('a start on Saturday counts from Monday 09:00', () => {
    assert.equal(iso(deadlineAfter(at('2026-11-21T18:00:00Z'), H, CHICAGO)), '2026-11-23T16:00:00.000Z');
  });

  it('a zero window returns the start unchanged, even outside working hours', () => {
    const saturday = at('2026-11-21T18:00:00Z');
    assert.equal(deadlineAfter(saturday, 0, CHICAGO), saturday);
  });

  it('skips holidays (Christmas Eve and Day) and the weekend after them', () => {
    const c = hours('America/Chicago', { holidays: ['2026-12-24', '2026-12-25'] });
    // Wed 2026-12-23 15:00 CST + 4h = 2h Wednesday + (Thu, Fri holidays; weekend) 2h Monday → Mon 11:00 CST.
    assert.equal(iso(deadlineAfter(at('2026-12-23T21:00:00Z'), 4 * H, c)), '2026-12-28T17:00:00.000Z');
    // Starting on a holiday counts from the next working day.
    assert.equal(iso(deadlineAfter(at('2026-12-24T15:00:00Z'), H, c)), '2026-12-28T16:00:00.000Z');
  });

  it('a split day (lunch break) and 24:00 ends', () => {
    const c = hours('America/Chicago', { workingHours: { mon: ['08:00-12:00', '13:00-16:00'], sat: ['22:00-24:00'] } });
    // Mon 11:00 CST + 2h = 1h before lunch + 1h after → 14:00 CST.
    assert.equal(iso(deadlineAfter(at('2026-11-23T17:00:00Z'), 2 * H, c)), '2026-11-23T20:00:00.000Z');
    // Sat 2026-11-21 22:00 CST + 2h ends at local midnight (Sun 00:00 CST = 06:00 UTC).
    assert.equal(iso(deadlineAfter(at('2026-11-22T04:00:00Z'), 2 * H, c)), '2026-11-22T06:00:00.000Z');
  });

  it('throws clearly when the window never fits within the search horizon', () => {
    const c = hours('UTC', { workingHours: { mon: ['09:00-09:15'] } });
    assert.throws(() => deadlineAfter(0, 10_000 * H, c), /no deadline within \d+ days/);
  });
});

describe('deadlineAfter across DST changes', () => {
  it('US spring forward (2026-03-08): a Friday start rolls into a CDT Monday', () => {
    // Fri 2026-03-06 15:00 CST (UTC-6) + 4h = 2h Friday + 2h Monday → Mon 11:00 CDT (UTC-5).
    assert.equal(iso(deadlineAfter(at('2026-03-06T21:00:00Z'), 4 * H, CHICAGO)), '2026-03-09T16:00:00.000Z');
  });

  it('US spring forward: a 09:00–17:00 Sunday is still 8 h; 00:00–24:00 is 23 h', () => {
    const sunday = hours('America/Chicago', { workingHours: { sun: ['09:00-17:00'] } });
    // 09:00 CDT = 14:00 UTC; 17:00 CDT = 22:00 UTC.
    assert.equal(iso(deadlineAfter(at('2026-03-08T14:00:00Z'), 8 * H, sunday)), '2026-03-08T22:00:00.000Z');
    const wholeSunday = hours('America/Chicago', { workingHours: { sun: ['00:00-24:00'] } });
    // 00:00 CST = 06:00 UTC; 24:00 = Mon 00:00 CDT = 05:00 UTC next day.
    assert.equal(iso(deadlineAfter(at('2026-03-08T06:00:00Z'), 23 * H, wholeSunday)), '2026-03-09T05:00:00.000Z');
  });

  it('US spring forward: an interval starting at the nonexistent 02:30 starts at 03:30 CDT', () => {
    const c = hours('America/Chicago', { workingHours: { sun: ['02:30-06:00'] } });
    // 03:30 CDT = 08:30 UTC; the day has 2.5 working hours, to 06:00 CDT = 11:00 UTC.
    assert.equal(iso(deadlineAfter(at('2026-03-08T06:00:00Z'), H, c)), '2026-03-08T09:30:00.000Z');
    assert.equal(iso(deadlineAfter(at('2026-03-08T06:00:00Z'), 2.5 * H, c)), '2026-03-08T11:00:00.000Z');
  });

  it('US spring forward: an interval spanning the gap counts the real hours (01:00–05:00 is 3 h)', () => {
    const c = hours('America/Chicago', { workingHours: { sun: ['01:00-05:00'] } });
    assert.equal(iso(deadlineAfter(at('2026-03-08T07:00:00Z'), 3 * H, c)), '2026-03-08T10:00:00.000Z');
    // One minute more runs into the next Sunday, 01:01 CDT.
    assert.equal(iso(deadlineAfter(at('2026-03-08T07:00:00Z'), 3 * H + MIN, c)), '2026-03-15T06:01:00.000Z');
  });

  it('US spring forward: intervals that overlap once 02:30 moves to 03:30 are not counted twice', () => {
    const c = hours('America/Chicago', { workingHours: { sun: ['01:00-02:30', '03:00-05:00'] } });
    // 01:00 CST (07:00 UTC) to 05:00 CDT (10:00 UTC) is 3 real hours of work.
    assert.equal(iso(deadlineAfter(at('2026-03-08T07:00:00Z'), 3 * H, c)), '2026-03-08T10:00:00.000Z');
  });

  it('US fall back (2026-11-01): a Friday start rolls into a CST Monday; 00:00–03:00 is 4 h', () => {
    // Fri 2026-10-30 16:00 CDT + 2h = 1h Friday + 1h Monday → Mon 10:00 CST (UTC-6).
    assert.equal(iso(deadlineAfter(at('2026-10-30T21:00:00Z'), 2 * H, CHICAGO)), '2026-11-02T16:00:00.000Z');
    const c = hours('America/Chicago', { workingHours: { sun: ['00:00-03:00'] } });
    assert.equal(iso(deadlineAfter(at('2026-11-01T05:00:00Z'), 4 * H, c)), '2026-11-01T09:00:00.000Z');
  });

  it('EU spring forward (2026-03-29, Europe/Berlin)', () => {
    // Fri 2026-03-27 16:00 CET + 3h = 1h Friday + 2h Monday → Mon 11:00 CEST (UTC+2).
    assert.equal(iso(deadlineAfter(at('2026-03-27T15:00:00Z'), 3 * H, BERLIN)), '2026-03-30T09:00:00.000Z');
    const whole = hours('Europe/Berlin', { workingHours: { sun: ['00:00-24:00'] } });
    assert.equal(iso(deadlineAfter(at('2026-03-28T23:00:00Z'), 23 * H, whole)), '2026-03-29T22:00:00.000Z');
  });

  it('EU fall back (2026-10-25, Europe/Berlin)', () => {
    // Fri 2026-10-23 16:00 CEST + 3h → Mon 11:00 CET (UTC+1).
    assert.equal(iso(deadlineAfter(at('2026-10-23T14:00:00Z'), 3 * H, BERLIN)), '2026-10-26T10:00:00.000Z');
    const whole = hours('Europe/Berlin', { workingHours: { sun: ['00:00-24:00'] } });
    assert.equal(iso(deadlineAfter(at('2026-10-24T22:00:00Z'), 25 * H, whole)), '2026-10-25T23:00:00.000Z');
  });

  it('an ambiguous local time (the repeated fall-back hour) is its first occurrence', () => {
    const c = hours('Europe/Berlin', { workingHours: { sun: ['02:30-06:00'] } });
    // 02:30 happens twice on 2026-10-25: first 02:30 CEST = 00:30 UTC. 4.5 h to 06:00 CET = 05:00 UTC.
    assert.equal(iso(deadlineAfter(at('2026-10-24T22:00:00Z'), H, c)), '2026-10-25T01:30:00.000Z');
    assert.equal(iso(deadlineAfter(at('2026-10-24T22:00:00Z'), 4.5 * H, c)), '2026-10-25T05:00:00.000Z');
    const chicago = hours('America/Chicago', { workingHours: { sun: ['00:30-01:15'] } });
    // 00:30 CDT to the first 01:15 (CDT): 45 minutes.
    assert.equal(iso(deadlineAfter(at('2026-11-01T05:30:00Z'), 45 * MIN, chicago)), '2026-11-01T06:15:00.000Z');
  });

  it('does not depend on the current date (luxon resolves ambiguous times from a guess seeded with "now")', () => {
    const c = hours('America/Chicago', { workingHours: { sun: ['01:30-03:00'] } });
    const deadlines = ['2026-07-01T00:00:00Z', '2026-12-01T00:00:00Z'].map((now) => {
      const saved = Settings.now;
      Settings.now = () => at(now);
      try {
        return deadlineAfter(at('2026-11-01T05:00:00Z'), H, c);
      } finally {
        Settings.now = saved;
      }
    });
    // 01:30 CDT (06:30 UTC) + 1 h, in summer and in winter alike.
    assert.deepEqual(deadlines.map(iso), ['2026-11-01T07:30:00.000Z', '2026-11-01T07:30:00.000Z']);
  });
});

describe('team and AE calendars', () => {
  const businessPolicy = parsePolicy({
    ...minimalPolicyDocument(),
    clock: { mode: 'business_hours', timeZone: 'America/Chicago', holidays: ['2026-11-26'] },
  });

  it('teamCalendar is the policy clock', () => {
    assert.deepEqual(teamCalendar(businessPolicy), businessPolicy.clock);
  });

  it('teamCalendar of a policy recorded before the clock existed is calendar time in UTC', () => {
    assert.deepEqual(teamCalendar({}), WorkCalendarSchema.parse({}));
    const { clock: _clock, ...old } = businessPolicy;
    assert.equal(teamCalendar(old as Policy).mode, 'calendar'); // as replayed from an old workflow history
  });

  it('AEs in different zones given the same start get different deadlines (24 working hours)', () => {
    const start = at('2026-11-23T15:00:00Z'); // Mon 09:00 Chicago, 16:00 Berlin, 20:30 Kolkata
    const deadline = (timeZone: string) => iso(deadlineAfter(start, 24 * H, aeCalendar(businessPolicy, { timeZone })));
    // Chicago: Mon, Tue, Wed 09–17 → Wed 17:00 CST (the team's holiday, Thu 26th, is not reached).
    assert.equal(deadline('America/Chicago'), '2026-11-25T23:00:00.000Z');
    // Berlin: 1h Mon + Tue + Wed, Thu is the team holiday, 7h Fri → Fri 16:00 CET.
    assert.equal(deadline('Europe/Berlin'), '2026-11-27T15:00:00.000Z');
    // Kolkata: Mon is over; Tue, Wed, (Thu holiday), Fri → Fri 17:00 IST.
    assert.equal(deadline('Asia/Kolkata'), '2026-11-27T11:30:00.000Z');
  });

  it('aeCalendar applies the AE override field by field, in the AE zone', () => {
    const ae = makeAe('ae-kim', {
      timeZone: 'Europe/London',
      clock: { workingHours: { mon: ['08:00-12:00', '13:00-16:00'], tue: ['08:00-12:00'] }, holidays: ['2026-11-24'] },
    });
    const c = aeCalendar(businessPolicy, ae);
    assert.deepEqual(c, {
      mode: 'business_hours',
      timeZone: 'Europe/London',
      workingHours: { mon: ['08:00-12:00', '13:00-16:00'], tue: ['08:00-12:00'], wed: [], thu: [], fri: [], sat: [], sun: [] },
      holidays: ['2026-11-24'],
    });
    // Mon 2026-11-23 15:00 GMT + 3h = 1h Monday, Tuesday off (own holiday), 2h the next Monday → 10:00.
    assert.equal(iso(deadlineAfter(at('2026-11-23T15:00:00Z'), 3 * H, c)), '2026-11-30T10:00:00.000Z');
  });

  it('an AE mode override switches calendar time on or off', () => {
    const calendarPolicy = parsePolicy(minimalPolicyDocument());
    const start = at('2026-11-21T18:00:00Z'); // a Saturday
    const onHours = aeCalendar(calendarPolicy, { timeZone: 'America/New_York', clock: { mode: 'business_hours' } });
    assert.equal(iso(deadlineAfter(start, H, onHours)), '2026-11-23T15:00:00.000Z'); // Mon 10:00 EST
    const onCalendar = aeCalendar(businessPolicy, { timeZone: 'America/New_York', clock: { mode: 'calendar' } });
    assert.equal(deadlineAfter(start, H, onCalendar), start + H);
    assert.equal(aeCalendar(calendarPolicy, { timeZone: 'America/New_York' }).mode, 'calendar');
  });
});

describe('roster AE clock fields', () => {
  it('refuses an unknown AE time zone, naming the field', () => {
    const result = AeSchema.safeParse({ id: 'ae-x', name: 'X', email: 'x@example.com', timeZone: 'Central Time' });
    assert.ok(!result.success);
    assert.deepEqual(result.error.issues[0]!.path, ['timeZone']);
    assert.match(result.error.issues[0]!.message, /timeZone must be an IANA time zone/);
  });

  it('validates the AE override like the team clock', () => {
    const result = AeSchema.safeParse({
      id: 'ae-x',
      name: 'X',
      email: 'x@example.com',
      clock: { workingHours: { fri: ['10:00-09:00'] }, timeZone: 'UTC' },
    });
    assert.ok(!result.success);
    assert.deepEqual(result.error.issues.map((i) => i.path.join('.')).sort(), ['clock', 'clock.workingHours.fri.0']);
  });

  it('refuses an override week without working time unless it switches to calendar time', () => {
    assert.deepEqual(
      ClockOverrideSchema.safeParse({ workingHours: {} }).error?.issues.map((i) => i.path.join('.')),
      ['workingHours'],
    );
    assert.ok(ClockOverrideSchema.safeParse({ mode: 'calendar', workingHours: {} }).success);
  });

  it('an AE without a clock keeps the team clock; the zone defaults to UTC', () => {
    const ae = makeAe('ae-y');
    assert.equal(ae.clock, undefined);
    assert.equal(ae.timeZone, 'UTC');
  });
});

describe('localDate', () => {
  it('is the date in the zone, not in UTC', () => {
    assert.equal(localDate(at('2026-11-24T05:30:00Z'), 'America/Chicago'), '2026-11-23');
    assert.equal(localDate(at('2026-11-24T05:30:00Z'), 'UTC'), '2026-11-24');
    assert.equal(localDate(at('2026-11-23T20:00:00Z'), 'Australia/Sydney'), '2026-11-24');
  });
  it('throws on an unknown zone', () => {
    assert.throws(() => localDate(0, 'Nowhere/Special'), RangeError);
  });
});

describe('describeCalendar', () => {
  it('calendar time', () => {
    assert.equal(describeCalendar(WorkCalendarSchema.parse({ timeZone: 'Europe/Berlin' })), 'calendar time');
  });
  it('groups equal consecutive days and counts holidays', () => {
    assert.equal(
      describeCalendar(hours('America/Chicago', { holidays: ['2026-12-24', '2026-12-25'] })),
      'working hours Mon–Fri 09:00–17:00 America/Chicago, 2 holidays',
    );
    const c = hours('Europe/Berlin', {
      workingHours: {
        mon: ['13:00-17:00', '08:00-12:00'],
        tue: ['08:00-12:00', '13:00-17:00'],
        thu: ['10:00-14:00'],
        sat: ['10:00-14:00'],
      },
      holidays: ['2026-12-25'],
    });
    assert.equal(
      describeCalendar(c),
      'working hours Mon–Tue 08:00–12:00, 13:00–17:00; Thu 10:00–14:00; Sat 10:00–14:00 Europe/Berlin, 1 holiday',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties, over random zones, schedules, holidays and starts across 2026–2028.

const ZONES = ['America/Chicago', 'America/New_York', 'Europe/Berlin', 'Europe/London', 'Asia/Kolkata', 'Australia/Sydney', 'UTC'];
const FROM = Date.UTC(2026, 0, 1);
const TO = Date.UTC(2028, 11, 31);
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** A day's intervals: sorted distinct 5-minute marks paired up, so never overlapping. */
const dayArb = fc.uniqueArray(fc.integer({ min: 0, max: 288 }), { maxLength: 4 }).map((marks) => {
  const sorted = [...marks].sort((a, b) => a - b);
  const intervals: string[] = [];
  for (let i = 0; i + 1 < sorted.length; i += 2) intervals.push(`${hhmm(sorted[i]! * 5)}-${hhmm(sorted[i + 1]! * 5)}`);
  return intervals;
});
const calendarArb = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    week: fc.tuple(dayArb, dayArb, dayArb, dayArb, dayArb, dayArb, dayArb),
    holidays: fc.uniqueArray(fc.integer({ min: 0, max: (TO - FROM) / MS.day + 40 }), { maxLength: 12 }),
  })
  .filter(({ week }) => week.some((day) => day.length > 0))
  .map(({ timeZone, week, holidays }) =>
    WorkCalendarSchema.parse({
      mode: 'business_hours',
      timeZone,
      workingHours: Object.fromEntries(WEEKDAYS.map((d, i) => [d, week[i]])),
      holidays: holidays.map((d) => iso(FROM + d * MS.day).slice(0, 10)),
    }),
  );
/** DST changes in the zones above (2026–2028), where local days are 23 or 25 hours long. */
const DST_DAYS = [
  '2026-03-08',
  '2026-03-29',
  '2026-04-05',
  '2026-10-04',
  '2026-10-25',
  '2026-11-01',
  '2027-03-14',
  '2027-03-28',
  '2027-04-04',
  '2027-10-03',
  '2027-10-31',
  '2027-11-07',
  '2028-03-12',
  '2028-03-26',
  '2028-04-02',
  '2028-10-01',
  '2028-10-29',
  '2028-11-05',
].map((d) => Date.parse(`${d}T00:00:00Z`));
/** Uniform over 2026–2028, or within three days of a DST change. */
const startArb = fc.oneof(
  fc.integer({ min: FROM, max: TO }),
  fc.tuple(fc.constantFrom(...DST_DAYS), fc.integer({ min: -3 * MS.day, max: 3 * MS.day })).map(([day, offset]) => day + offset),
);

/** Working milliseconds in a (non-DST, holiday-free) week of the calendar. */
function weeklyWork(c: WorkCalendar): number {
  const minutes = (i: string) => i.split('-').map((t) => (t === '24:00' ? 1440 : Number(t.slice(0, 2)) * 60 + Number(t.slice(3))));
  return WEEKDAYS.flatMap((d) => c.workingHours[d]).reduce((sum, i) => sum + (minutes(i)[1]! - minutes(i)[0]!) * MIN, 0);
}
/** A window of up to 80 h, but at most ~8 weeks of this calendar's working time (sparse weeks stay fast). */
const windowFor = (c: WorkCalendar, fraction: number) => Math.floor(fraction * Math.min(80 * H, 8 * weeklyWork(c)));
const fractionArb = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1));

/**
 * Whether `t` lies in (from, to] of a working interval of a non-holiday local date, by its wall
 * clock: an instant at 24:00 belongs to the day before. Independent of how `deadlineAfter` places
 * intervals, so on DST-change days (where wall times skip or repeat) it allows an hour's slack.
 */
function inWorkingTime(t: number, c: WorkCalendar): boolean {
  const local = DateTime.fromMillis(t, { zone: c.timeZone });
  const minute = local.hour * 60 + local.minute + (local.second * 1000 + local.millisecond) / MIN;
  const zone = IANAZone.create(c.timeZone);
  const slack = zone.offset(t - MS.day) === zone.offset(t + MS.day) ? 0 : 60;
  const today = Date.parse(`${local.toISODate()}T00:00:00Z`);
  return [
    [today, minute],
    [today - MS.day, minute + 1440],
  ].some(([day, m]) => {
    const date = new Date(day!);
    if (c.holidays.includes(date.toISOString().slice(0, 10))) return false;
    return c.workingHours[WEEKDAYS[(date.getUTCDay() + 6) % 7]!].some((interval) => {
      const [from, to] = interval.split('-').map((hm) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3))) as [number, number];
      return from - slack < m! && m! <= to + slack;
    });
  });
}

const SETTINGS = { seed: 20261121, numRuns: 100 };

describe('deadlineAfter properties', () => {
  it('calendar mode is plain addition', () => {
    fc.assert(
      fc.property(calendarArb, startArb, fc.integer({ min: 0, max: 400 * H }), (c, start, window) => {
        assert.equal(deadlineAfter(start, window, { ...c, mode: 'calendar' }), start + window);
      }),
      SETTINGS,
    );
  });

  it('round-the-clock business hours equal calendar time, across DST in every zone', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), startArb, fc.integer({ min: 0, max: 400 * H }), (timeZone, start, window) => {
        assert.equal(deadlineAfter(start, window, hours(timeZone, { workingHours: allWeek(['00:00-24:00']) })), start + window);
      }),
      SETTINGS,
    );
  });

  it('is never earlier than the calendar deadline', () => {
    fc.assert(
      fc.property(calendarArb, startArb, fractionArb, (c, start, f) => {
        const window = windowFor(c, f);
        assert.ok(deadlineAfter(start, window, c) >= start + window);
      }),
      SETTINGS,
    );
  });

  it('adding the window in two parts equals adding it at once', () => {
    fc.assert(
      fc.property(calendarArb, startArb, fractionArb, fc.double({ min: 0, max: 1, noNaN: true }), (c, start, f, split) => {
        const window = windowFor(c, f);
        const a = Math.floor(window * split);
        assert.equal(deadlineAfter(deadlineAfter(start, a, c), window - a, c), deadlineAfter(start, window, c));
      }),
      SETTINGS,
    );
  });

  it('is monotonic in the window and in the start', () => {
    fc.assert(
      fc.property(calendarArb, startArb, startArb, fractionArb, fractionArb, (c, s1, s2, f1, f2) => {
        const [early, late] = s1 <= s2 ? [s1, s2] : [s2, s1];
        const [small, large] = [windowFor(c, Math.min(f1, f2)), windowFor(c, Math.max(f1, f2))];
        assert.ok(deadlineAfter(early, small, c) <= deadlineAfter(early, large, c));
        assert.ok(deadlineAfter(early, small, c) <= deadlineAfter(late, small, c));
      }),
      SETTINGS,
    );
  });

  it('lands inside working time (or at an interval end), never on a holiday', () => {
    fc.assert(
      fc.property(calendarArb, startArb, fc.double({ min: 0, max: 1, noNaN: true, minExcluded: true }), (c, start, f) => {
        const window = Math.max(1, windowFor(c, f));
        const deadline = deadlineAfter(start, window, c);
        assert.ok(inWorkingTime(deadline, c), `${iso(deadline)} is outside ${describeCalendar(c)} ${JSON.stringify(c)}`);
      }),
      SETTINGS,
    );
  });
});
