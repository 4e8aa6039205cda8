import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../src/domain/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const W = 7 * D;

describe('parseDuration', () => {
  describe('ISO 8601', () => {
    const cases: [string, number][] = [
      ['PT4H', 4 * H],
      ['P7D', 7 * D],
      ['P1DT12H', 36 * H],
      ['P2W', 2 * W],
      ['PT90S', 90 * S],
      ['PT15M', 15 * M],
      ['PT1M', M], // M after T is minutes
      ['PT1H30M', 90 * M],
      ['P1DT1H1M1S', D + H + M + S],
      ['PT0.5H', 30 * M],
      ['PT1.5S', 1500],
      ['pt4h', 4 * H], // lower case accepted
      ['p7d', 7 * D],
    ];
    for (const [text, ms] of cases) {
      it(`${text} = ${ms} ms`, () => assert.equal(parseDuration(text), ms));
    }
  });

  describe('shorthand', () => {
    const cases: [string, number][] = [
      ['90s', 90 * S],
      ['15m', 15 * M],
      ['4h', 4 * H],
      ['24h', D],
      ['48h', 2 * D],
      ['72h', 3 * D],
      ['7d', 7 * D],
      ['14d', 14 * D],
      ['2w', 2 * W],
      ['500ms', 500],
      ['1.5h', 90 * M],
      ['0.5d', 12 * H],
      [' 4h ', 4 * H], // surrounding whitespace ignored
    ];
    for (const [text, ms] of cases) {
      it(`${JSON.stringify(text)} = ${ms} ms`, () => assert.equal(parseDuration(text), ms));
    }
  });

  describe('refused (undefined)', () => {
    const cases: [string, string][] = [
      ['P', 'a bare P'],
      ['PT', 'a bare PT'],
      ['P1DT', 'a T with no time part'],
      ['4x', 'an unknown unit'],
      ['', 'the empty string'],
      ['   ', 'blanks'],
      ['4', 'a number without unit'],
      ['h', 'a unit without number'],
      ['P1M', 'months (calendar-dependent)'],
      ['P1Y', 'years (calendar-dependent)'],
      ['P1Y2M3D', 'years and months with days'],
      ['1mo', 'shorthand months'],
      ['1y', 'shorthand years'],
      ['-4h', 'a negative shorthand'],
      ['4 h', 'a space before the unit'],
      ['4hours', 'a spelled-out unit'],
      ['PT4H30', 'a trailing number'],
      ['T4H', 'a missing P'],
      ['P4H', 'hours without T'],
      ['4H', 'an upper-case shorthand unit'],
      ['P7DT4H extra', 'trailing text'],
    ];
    for (const [text, why] of cases) {
      it(`${JSON.stringify(text)} (${why})`, () => assert.equal(parseDuration(text), undefined));
    }
  });

  it('zero durations parse to 0 (the policy schema refuses them)', () => {
    assert.equal(parseDuration('0s'), 0);
    assert.equal(parseDuration('PT0S'), 0);
  });
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0ms'],
    [1, '1ms'],
    [500, '500ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1499, '1s'],
    [59 * S, '59s'],
    [90 * S, '1m 30s'],
    [15 * M, '15m'],
    [H, '1h'],
    [4 * H, '4h'],
    [H + S, '1h 1s'],
    [24 * H, '1d'],
    [36 * H, '1d 12h'],
    [7 * D, '7d'],
    [14 * D, '14d'],
    [D + H + M + S, '1d 1h 1m 1s'],
  ];
  for (const [ms, text] of cases) {
    it(`${ms} ms → ${text}`, () => assert.equal(formatDuration(ms), text));
  }

  it('formats parsed policy durations', () => {
    assert.deepEqual(
      ['90s', '15m', '4h', '7d'].map((t) => formatDuration(parseDuration(t)!)),
      ['1m 30s', '15m', '4h', '7d'],
    );
    assert.equal(formatDuration(parseDuration('P1DT12H')!), '1d 12h');
    assert.equal(formatDuration(parseDuration('PT4H')!), '4h');
    assert.equal(formatDuration(parseDuration('P2W')!), '14d');
  });
});
