import { DateTime } from 'luxon';
import { localDate } from './sla-clock.js';

/**
 * The booking-attempt rule (DESIGN §2.5): an SDR who tried to book the AE on `consecutiveDays`
 * distinct consecutive days (local dates in the SDR's time zone) escalates the hand-off at once.
 * Returns the earliest such run of dates (`YYYY-MM-DD`), or null. Several attempts on one day count
 * once; the order of the attempts does not matter.
 */
export function consecutiveBookingDays(attemptTimes: readonly number[], timeZone: string, consecutiveDays: number): string[] | null {
  if (!Number.isInteger(consecutiveDays) || consecutiveDays < 1) {
    throw new RangeError(`consecutiveDays must be a positive integer (got ${consecutiveDays})`);
  }
  const days = [...new Set(attemptTimes.map((at) => localDate(at, timeZone)))].sort();
  let run: string[] = [];
  for (const day of days) {
    const previous = run.at(-1);
    // Dates as plain calendar dates (UTC), so a DST day is still one day.
    const follows = previous !== undefined && DateTime.fromISO(previous, { zone: 'utc' }).plus({ days: 1 }).toISODate() === day;
    run = follows ? [...run, day] : [day];
    if (run.length === consecutiveDays) return run;
  }
  return null;
}
