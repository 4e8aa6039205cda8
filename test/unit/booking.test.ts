import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consecutiveBookingDays } from '../../src/domain/booking.js';

const CHICAGO = 'America/Chicago';
const at = (iso: string) => Date.parse(iso);
/** Noon in Chicago (CST, UTC-6) on each date. */
const noons = (...dates: string[]) => dates.map((d) => at(`${d}T18:00:00Z`));

describe('consecutiveBookingDays (DESIGN §2.5: 3 distinct consecutive days escalate)', () => {
  it('attempts on 3 consecutive days → those days', () => {
    assert.deepEqual(consecutiveBookingDays(noons('2026-11-23', '2026-11-24', '2026-11-25'), CHICAGO, 3), [
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
    ]);
  });

  it('3 attempts on 2 days → null', () => {
    const times = [...noons('2026-11-23', '2026-11-24'), at('2026-11-24T22:00:00Z')];
    assert.equal(consecutiveBookingDays(times, CHICAGO, 3), null);
  });

  it('3 days with a gap day → null', () => {
    assert.equal(consecutiveBookingDays(noons('2026-11-23', '2026-11-24', '2026-11-26'), CHICAGO, 3), null);
  });

  it('after a gap, a later run still counts', () => {
    assert.deepEqual(consecutiveBookingDays(noons('2026-11-23', '2026-11-24', '2026-11-26', '2026-11-27', '2026-11-28'), CHICAGO, 3), [
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
    ]);
  });

  it('many attempts on one day count once', () => {
    const monday = [14, 15, 16, 17, 18, 19, 20].map((h) => at(`2026-11-23T${h}:00:00Z`));
    assert.equal(consecutiveBookingDays([...monday, ...noons('2026-11-24')], CHICAGO, 3), null);
    assert.deepEqual(consecutiveBookingDays([...monday, ...noons('2026-11-24', '2026-11-25')], CHICAGO, 3), [
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
    ]);
  });

  it('the order of the attempts does not matter', () => {
    assert.deepEqual(consecutiveBookingDays(noons('2026-11-25', '2026-11-23', '2026-11-24', '2026-11-23'), CHICAGO, 3), [
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
    ]);
  });

  it('returns the earliest run when more days follow', () => {
    assert.deepEqual(consecutiveBookingDays(noons('2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26'), CHICAGO, 3), [
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
    ]);
  });

  it('days are local to the zone: 23:30 Monday in Chicago is Monday, though Tuesday in UTC', () => {
    const times = [at('2026-11-24T05:30:00Z'), ...noons('2026-11-24', '2026-11-25')];
    assert.deepEqual(consecutiveBookingDays(times, CHICAGO, 3), ['2026-11-23', '2026-11-24', '2026-11-25']);
    assert.equal(consecutiveBookingDays(times, 'UTC', 3), null); // Tue, Tue, Wed in UTC
  });

  it('a 23-hour DST day (2026-03-08) is one day, its first and last hour alike', () => {
    const times = [
      at('2026-03-07T18:00:00Z'), // Sat noon CST
      at('2026-03-08T06:30:00Z'), // Sun 00:30 CST
      at('2026-03-09T04:30:00Z'), // Sun 23:30 CDT
    ];
    assert.equal(consecutiveBookingDays(times, CHICAGO, 3), null);
    assert.deepEqual(consecutiveBookingDays([...times, at('2026-03-09T17:00:00Z')], CHICAGO, 3), [
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
    ]);
  });

  it('a 25-hour DST day (2026-11-01) is one day', () => {
    const times = [at('2026-10-31T17:00:00Z'), at('2026-11-01T05:30:00Z'), at('2026-11-02T05:30:00Z'), at('2026-11-02T18:00:00Z')];
    // Sat; Sun 00:30 CDT; Sun 23:30 CST; Mon noon.
    assert.deepEqual(consecutiveBookingDays(times, CHICAGO, 3), ['2026-10-31', '2026-11-01', '2026-11-02']);
  });

  it('runs across month and year ends, and leap days', () => {
    assert.deepEqual(consecutiveBookingDays(noons('2026-12-31', '2027-01-01', '2027-01-02'), CHICAGO, 3), [
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
    assert.deepEqual(consecutiveBookingDays(noons('2027-02-27', '2027-02-28', '2027-03-01'), CHICAGO, 3), [
      '2027-02-27',
      '2027-02-28',
      '2027-03-01',
    ]);
    assert.equal(consecutiveBookingDays(noons('2028-02-27', '2028-02-28', '2028-03-01'), CHICAGO, 3), null); // 2028-02-29 missing
    assert.deepEqual(consecutiveBookingDays(noons('2028-02-28', '2028-02-29', '2028-03-01'), CHICAGO, 3), [
      '2028-02-28',
      '2028-02-29',
      '2028-03-01',
    ]);
  });

  it('follows the policy count', () => {
    const times = noons('2026-11-23', '2026-11-24');
    assert.deepEqual(consecutiveBookingDays(times, CHICAGO, 1), ['2026-11-23']);
    assert.deepEqual(consecutiveBookingDays(times, CHICAGO, 2), ['2026-11-23', '2026-11-24']);
    assert.equal(consecutiveBookingDays(times, CHICAGO, 3), null);
  });

  it('no attempts → null; a bad count or zone throws', () => {
    assert.equal(consecutiveBookingDays([], CHICAGO, 3), null);
    assert.throws(() => consecutiveBookingDays(noons('2026-11-23'), CHICAGO, 0), RangeError);
    assert.throws(() => consecutiveBookingDays(noons('2026-11-23'), 'Not/AZone', 3), RangeError);
  });
});
