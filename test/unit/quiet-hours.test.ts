import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuietHoursSchema, quietUntil } from '../../src/domain/quiet-hours.js';

const at = (iso: string) => Date.parse(iso);
const CHICAGO = 'America/Chicago';

describe('quiet hours', () => {
  const night = { from: '22:00', to: '07:00' };

  it('across midnight: quiet from 22:00 to 07:00 on the person’s clock', () => {
    // 23:30 in Chicago (CST, UTC-6) → quiet until 07:00 the next morning.
    assert.equal(quietUntil(at('2026-12-08T05:30:00Z'), CHICAGO, night), at('2026-12-08T13:00:00Z'));
    // 03:00 → until 07:00 the same morning.
    assert.equal(quietUntil(at('2026-12-08T09:00:00Z'), CHICAGO, night), at('2026-12-08T13:00:00Z'));
    // 07:00 sharp and 21:59: not quiet.
    assert.equal(quietUntil(at('2026-12-08T13:00:00Z'), CHICAGO, night), undefined);
    assert.equal(quietUntil(at('2026-12-09T03:59:00Z'), CHICAGO, night), undefined);
    // 22:00 sharp: quiet.
    assert.equal(quietUntil(at('2026-12-09T04:00:00Z'), CHICAGO, night), at('2026-12-09T13:00:00Z'));
  });

  it('within a day (a lunch break), and on the person’s clock across a daylight-saving change', () => {
    assert.equal(quietUntil(at('2026-12-08T18:30:00Z'), CHICAGO, { from: '12:00', to: '13:00' }), at('2026-12-08T19:00:00Z'));
    // The night of 2027-03-14 (DST starts at 02:00): 07:00 CDT is 12:00 UTC, not 13:00.
    assert.equal(quietUntil(at('2027-03-14T05:00:00Z'), CHICAGO, night), at('2027-03-14T12:00:00Z'));
  });

  it('refuses malformed clocks and an empty range, naming the field', () => {
    assert.equal(QuietHoursSchema.safeParse({ from: '7:00', to: '08:00' }).error?.issues[0]?.path.join('.'), 'from');
    assert.equal(QuietHoursSchema.safeParse({ from: '22:00', to: '24:00' }).error?.issues[0]?.path.join('.'), 'to');
    assert.equal(QuietHoursSchema.safeParse({ from: '22:00', to: '22:00' }).error?.issues[0]?.path.join('.'), 'to');
    assert.ok(QuietHoursSchema.safeParse(night).success);
  });
});
