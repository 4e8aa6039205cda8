import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Lead } from '../../src/domain/lead.js';
import { parsePolicy, type Policy } from '../../src/domain/policy.js';
import { scoreLead } from '../../src/domain/scoring.js';
import { aeCalendar } from '../../src/domain/sla-clock.js';
import { contactDeadline, handoffClock, nextContactWake, provisionalTierFor, reminderTimes, tierFor } from '../../src/domain/tiers.js';
import { blankScoringLead, exampleLead, leadWith, loadDefaultPolicy, minimalPolicyDocument, MS, scoreOf } from './fixtures.js';

let policy: Policy;
before(async () => {
  policy = await loadDefaultPolicy();
});

/** The example lead with the given urgency signals (trigger event present or not, timeline). */
function urgent(trigger: boolean, timeline: NonNullable<Lead['urgency']>['timeline']): Lead {
  return leadWith((l) => {
    if (trigger) l.urgency!.triggerEvent = 'Series C announced';
    else delete l.urgency!.triggerEvent;
    if (timeline === undefined) delete l.urgency!.timeline;
    else l.urgency!.timeline = timeline;
  });
}

const T0 = Date.parse('2026-11-21T09:00:00Z');

describe('tierFor score bands (shipped policy)', () => {
  // No fast-track signals: timeline 31-90d.
  const plain = () => urgent(true, '31-90d');
  const bands: [number, string | null][] = [
    [0, null],
    [49, null],
    [50, 'cool'],
    [57, 'cool'],
    [64, 'cool'],
    [65, 'warm'],
    [72, 'warm'],
    [79, 'warm'],
    [80, 'hot'],
    [95, 'hot'],
    [100, 'hot'],
  ];
  for (const [total, tier] of bands) {
    it(`${total} → ${tier ?? 'null (nurture)'}`, () => {
      assert.equal(tierFor(scoreOf(total), plain(), policy), tier);
    });
  }

  it('the DESIGN §4 example lead, scored, is hot', () => {
    const lead = exampleLead();
    assert.equal(tierFor(scoreLead(lead, policy.scoring), lead, policy), 'hot');
  });

  it('a lead scoring nothing goes to nurture (null)', () => {
    const lead = blankScoringLead();
    assert.equal(tierFor(scoreLead(lead, policy.scoring), lead, policy), null);
  });
});

describe('tierFor hot fast-track (≥ 65 with a trigger event and timeline 0-30d)', () => {
  it('has the DESIGN values in the shipped policy', () => {
    assert.deepEqual(policy.tiers.hot.fastTrack, { minScore: 65, timelines: ['0-30d'], requireTriggerEvent: true });
    assert.equal(policy.tiers.warm.fastTrack, undefined);
    assert.equal(policy.tiers.cool.fastTrack, undefined);
  });

  for (const total of [65, 70, 79]) {
    it(`${total} with trigger event and 0-30d → hot`, () => {
      assert.equal(tierFor(scoreOf(total), urgent(true, '0-30d'), policy), 'hot');
    });
  }

  it('64 with both signals → cool (below the fast-track minimum)', () => {
    assert.equal(tierFor(scoreOf(64), urgent(true, '0-30d'), policy), 'cool');
  });

  it('49 with both signals → null (the threshold still applies)', () => {
    assert.equal(tierFor(scoreOf(49), urgent(true, '0-30d'), policy), null);
  });

  it('trigger event without timeline 0-30d → warm', () => {
    for (const timeline of ['31-90d', '90d+', 'unknown', undefined] as const) {
      assert.equal(tierFor(scoreOf(70), urgent(true, timeline), policy), 'warm', String(timeline));
    }
  });

  it('timeline 0-30d without a trigger event → warm', () => {
    assert.equal(tierFor(scoreOf(70), urgent(false, '0-30d'), policy), 'warm');
  });

  it('a blank trigger event does not count', () => {
    const lead = leadWith((l) => {
      l.urgency!.triggerEvent = '  ';
      l.urgency!.timeline = '0-30d';
    });
    assert.equal(tierFor(scoreOf(70), lead, policy), 'warm');
  });

  it('neither signal → warm', () => {
    assert.equal(tierFor(scoreOf(79), urgent(false, 'unknown'), policy), 'warm');
  });

  it('a lead scored for real: 70 with both signals is hot, without the trigger warm', () => {
    // Example lead minus meeting (-10) and content download (-5) and pricing (-10): fit 30, engagement 20,
    // intent 25 (signals 15 + trigger 10) = 75.
    const lead = leadWith((l) => {
      l.engagement!.meetingBooked = false;
      l.engagement!.contentDownloads = 0;
      l.engagement!.pricingPageVisits = 0;
    });
    const s = scoreLead(lead, policy.scoring);
    assert.equal(s.total, 75);
    assert.equal(tierFor(s, lead, policy), 'hot');
    lead.urgency!.timeline = '31-90d';
    assert.equal(tierFor(s, lead, policy), 'warm');
  });

  it('requireTriggerEvent false only needs the timeline', () => {
    const doc = minimalPolicyDocument();
    const p = parsePolicy({
      ...doc,
      tiers: {
        ...doc.tiers,
        hot: { ...doc.tiers.hot, fastTrack: { minScore: 65, timelines: ['0-30d', '31-90d'], requireTriggerEvent: false } },
      },
    });
    assert.equal(tierFor(scoreOf(66), urgent(false, '31-90d'), p), 'hot');
    assert.equal(tierFor(scoreOf(66), urgent(false, '90d+'), p), 'warm');
  });
});

describe('tierFor with a custom threshold and bands', () => {
  it('follows the policy bands, not constants', () => {
    const doc = minimalPolicyDocument();
    const p = parsePolicy({
      ...doc,
      scoring: { ...doc.scoring, threshold: 30 },
      tiers: {
        hot: { ...doc.tiers.hot, minScore: 90 },
        warm: { ...doc.tiers.warm, minScore: 60 },
        cool: { ...doc.tiers.cool, minScore: 30 },
      },
    });
    const lead = urgent(true, '0-30d'); // no fast-track in this policy
    assert.deepEqual(
      [29, 30, 59, 60, 89, 90].map((t) => tierFor(scoreOf(t), lead, p)),
      [null, 'cool', 'cool', 'warm', 'warm', 'hot'],
    );
  });
});

describe('provisionalTierFor', () => {
  it('is the tier when there is one', () => {
    assert.equal(provisionalTierFor(scoreOf(85), urgent(false, 'unknown'), policy), 'hot');
    assert.equal(provisionalTierFor(scoreOf(70), urgent(false, 'unknown'), policy), 'warm');
    assert.equal(provisionalTierFor(scoreOf(70), urgent(true, '0-30d'), policy), 'hot');
    assert.equal(provisionalTierFor(scoreOf(55), urgent(false, 'unknown'), policy), 'cool');
  });

  it('defaults to cool (the slowest tier) below the threshold', () => {
    assert.equal(provisionalTierFor(scoreOf(0), {}, policy), 'cool');
    assert.equal(provisionalTierFor(scoreOf(49), urgent(true, '0-30d'), policy), 'cool');
  });
});

describe('handoffClock', () => {
  it('hot: hand-off by submit + 4h, expiry at 3 × = 12h', () => {
    assert.deepEqual(handoffClock(T0, 'hot', policy), { handoffBy: T0 + 4 * MS.hour, expiresAt: T0 + 12 * MS.hour });
  });
  it('warm: 24h, expiry at 72h', () => {
    assert.deepEqual(handoffClock(T0, 'warm', policy), { handoffBy: T0 + 24 * MS.hour, expiresAt: T0 + 72 * MS.hour });
  });
  it('cool: 72h, expiry at 216h (9 days)', () => {
    assert.deepEqual(handoffClock(T0, 'cool', policy), { handoffBy: T0 + 72 * MS.hour, expiresAt: T0 + 9 * MS.day });
  });
  it('uses the policy draftExpiryFactor', () => {
    const p = parsePolicy({ ...minimalPolicyDocument(), draftExpiryFactor: 1.5 });
    assert.deepEqual(handoffClock(T0, 'hot', p), { handoffBy: T0 + 4 * MS.hour, expiresAt: T0 + 6 * MS.hour });
  });
  it('returns ISO-convertible instants matching DESIGN examples', () => {
    const clock = handoffClock(T0, 'hot', policy);
    assert.equal(new Date(clock.handoffBy).toISOString(), '2026-11-21T13:00:00.000Z');
    assert.equal(new Date(clock.expiresAt).toISOString(), '2026-11-21T21:00:00.000Z');
  });
});

describe('reminderTimes', () => {
  it('hot: 50 % and 80 % of the 24h contact window', () => {
    assert.deepEqual(reminderTimes(T0, 'hot', policy), [T0 + 12 * MS.hour, T0 + 19.2 * MS.hour]);
  });
  it('warm: 24h and 38.4h after assignment', () => {
    assert.deepEqual(reminderTimes(T0, 'warm', policy), [T0 + 24 * MS.hour, T0 + 38.4 * MS.hour]);
  });
  it('cool: 3.5d and 5.6d after assignment', () => {
    assert.deepEqual(reminderTimes(T0, 'cool', policy), [T0 + 3.5 * MS.day, T0 + Math.round(5.6 * MS.day)]);
  });
  it('sorts unsorted policy fractions and leaves the policy untouched', () => {
    const doc = minimalPolicyDocument();
    const p = parsePolicy({ ...doc, tiers: { ...doc.tiers, hot: { ...doc.tiers.hot, reminders: [0.9, 0.25, 0.5] } } });
    assert.deepEqual(reminderTimes(0, 'hot', p), [6 * MS.hour, 12 * MS.hour, Math.round(21.6 * MS.hour)]);
    assert.deepEqual(p.tiers.hot.reminders, [0.9, 0.25, 0.5]);
  });
  it('no reminders configured → none', () => {
    const doc = minimalPolicyDocument();
    const p = parsePolicy({ ...doc, tiers: { ...doc.tiers, cool: { ...doc.tiers.cool, reminders: [] } } });
    assert.deepEqual(reminderTimes(T0, 'cool', p), []);
  });
});

describe('the clocks in business hours', () => {
  const business = () =>
    parsePolicy({ ...minimalPolicyDocument(), clock: { mode: 'business_hours', timeZone: 'America/Chicago', holidays: ['2026-11-26'] } });
  const FRIDAY_4PM = Date.parse('2026-11-20T22:00:00Z'); // Fri 16:00 CST

  it('handoffClock counts working hours of the team clock, expiry included', () => {
    const clock = handoffClock(FRIDAY_4PM, 'hot', business());
    // 4h: 1h Friday + 3h Monday → Mon 12:00 CST. 12h: 1h Friday + 8h Monday + 3h Tuesday → Tue 12:00 CST.
    assert.equal(new Date(clock.handoffBy).toISOString(), '2026-11-23T18:00:00.000Z');
    assert.equal(new Date(clock.expiresAt).toISOString(), '2026-11-24T18:00:00.000Z');
  });

  it('contactDeadline and reminders count in the given (AE) calendar', () => {
    const p = business();
    const monday9 = Date.parse('2026-11-23T15:00:00Z'); // Mon 09:00 CST
    const chicago = aeCalendar(p, { timeZone: 'America/Chicago' });
    // hot: 24 working hours → Wed 17:00 CST; reminders at 12h (Tue 13:00) and 19.2h (Wed 12:12).
    assert.equal(new Date(contactDeadline(monday9, 'hot', p, chicago)).toISOString(), '2026-11-25T23:00:00.000Z');
    assert.deepEqual(
      reminderTimes(monday9, 'hot', p, chicago).map((t) => new Date(t).toISOString()),
      ['2026-11-24T19:00:00.000Z', '2026-11-25T18:12:00.000Z'],
    );
    // The same start for an AE in Kolkata: Monday is over there, Thursday is the team holiday → Fri 17:00 IST.
    const kolkata = aeCalendar(p, { timeZone: 'Asia/Kolkata' });
    assert.equal(new Date(contactDeadline(monday9, 'hot', p, kolkata)).toISOString(), '2026-11-27T11:30:00.000Z');
  });

  it('reminderTimes defaults to the team calendar', () => {
    const p = business();
    assert.deepEqual(reminderTimes(FRIDAY_4PM, 'hot', p), reminderTimes(FRIDAY_4PM, 'hot', p, p.clock));
  });

  it('a policy recorded before the clock existed (no clock field) keeps calendar time', () => {
    const { clock: _clock, ...old } = business();
    const legacy = old as Policy; // as replayed from an old workflow history
    assert.deepEqual(handoffClock(T0, 'hot', legacy), { handoffBy: T0 + 4 * MS.hour, expiresAt: T0 + 12 * MS.hour });
    assert.deepEqual(reminderTimes(T0, 'hot', legacy), [T0 + 12 * MS.hour, T0 + 19.2 * MS.hour]);
  });

  it('calendar mode: contactDeadline is assignment + the contact window', () => {
    assert.equal(contactDeadline(T0, 'cool', policy, aeCalendar(policy, { timeZone: 'Asia/Kolkata' })), T0 + 7 * MS.day);
  });
});

describe('nextContactWake', () => {
  const contactBy = 1_000_000;
  it('wakes for the next unsent reminder before the deadline, then at the deadline', () => {
    assert.deepEqual(nextContactWake(contactBy, [500_000, 800_000], 0), { at: 500_000, reminder: true });
    assert.deepEqual(nextContactWake(contactBy, [500_000, 800_000], 1), { at: 800_000, reminder: true });
    assert.deepEqual(nextContactWake(contactBy, [500_000, 800_000], 2), { at: contactBy, reminder: false });
  });
  it('a reminder at or after the deadline is not sent: the deadline comes first', () => {
    assert.deepEqual(nextContactWake(contactBy, [contactBy], 0), { at: contactBy, reminder: false });
    assert.deepEqual(nextContactWake(contactBy, [], 0), { at: contactBy, reminder: false });
  });
});
