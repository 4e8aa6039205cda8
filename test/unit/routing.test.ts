import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Lead } from '../../src/domain/lead.js';
import { AeSchema, type Ae } from '../../src/domain/roster.js';
import { selectAe, type AeLoad, type RoutingRequest } from '../../src/domain/routing.js';
import { exampleLead, leadWith, leadWithout, makeAe } from './fixtures.js';

const NOW = Date.parse('2026-11-21T12:00:00Z');

function request(overrides: Partial<RoutingRequest> = {}): RoutingRequest {
  return { lead: exampleLead(), exclude: [], now: NOW, ...overrides };
}

/** Routes the example lead (US, 420 employees, logistics) to a one-AE roster; returns the exclusion reason or null. */
function reasonFor(ae: Ae, load?: AeLoad, overrides: Partial<RoutingRequest> = {}): string | null {
  const decision = selectAe([ae], load ? { [ae.id]: load } : {}, request(overrides));
  if (decision.aeId === ae.id) {
    assert.deepEqual(decision.excluded, []);
    return null;
  }
  assert.equal(decision.aeId, null);
  assert.deepEqual(decision.candidates, []);
  assert.equal(decision.excluded.length, 1);
  assert.equal(decision.excluded[0]!.aeId, ae.id);
  return decision.excluded[0]!.reason;
}

describe('selectAe eligibility', () => {
  it('an AE with no restrictions (empty lists mean "any") is eligible', () => {
    assert.equal(reasonFor(makeAe('ae-any')), null);
  });

  it('the DESIGN §2.6 roster example parses with its defaults', () => {
    const kim = AeSchema.parse({
      id: 'ae-kim',
      name: 'Kim Lee',
      email: 'kim@example.com',
      regions: ['US', 'CA'],
      employeeBands: [{ min: 50, max: 999 }],
      industries: [],
      capacity: 10,
      weight: 1,
      senior: false,
      timeZone: 'America/Chicago',
      managerId: 'mgr-ana',
      active: true,
      outOfOffice: [{ from: '2026-12-22T00:00:00Z', to: '2027-01-02T00:00:00Z' }],
    });
    assert.equal(reasonFor(kim), null);
    assert.equal(reasonFor(kim, undefined, { now: Date.parse('2026-12-25T00:00:00Z') }), 'out_of_office');
  });

  describe('territory (region)', () => {
    it('a listed region is eligible', () => {
      assert.equal(reasonFor(makeAe('ae-a', { regions: ['CA', 'US'] })), null);
    });
    it('an unlisted region is excluded as territory', () => {
      assert.equal(reasonFor(makeAe('ae-a', { regions: ['GB', 'IE'] })), 'territory');
    });
    it('roster regions are normalised to upper case', () => {
      assert.equal(reasonFor(makeAe('ae-a', { regions: ['us'] })), null);
    });
    it('a lead without a region is excluded by an AE with regions, not by one without', () => {
      const lead = leadWithout('company.region');
      assert.equal(reasonFor(makeAe('ae-a', { regions: ['US'] }), undefined, { lead }), 'territory');
      assert.equal(reasonFor(makeAe('ae-b'), undefined, { lead }), null);
    });
  });

  describe('segment (employee band)', () => {
    const band = (bands: object[], employees = 420) =>
      reasonFor(makeAe('ae-a', { employeeBands: bands }), undefined, { lead: leadWith((l) => (l.company!.employees = employees)) });
    it('inside the band is eligible; the bounds are inclusive', () => {
      assert.equal(band([{ min: 50, max: 999 }]), null);
      assert.equal(band([{ min: 420, max: 999 }]), null);
      assert.equal(band([{ min: 50, max: 420 }]), null);
    });
    it('just outside the band is excluded as segment', () => {
      assert.equal(band([{ min: 421, max: 999 }]), 'segment');
      assert.equal(band([{ min: 50, max: 419 }]), 'segment');
    });
    it('a band without max (null, the default) is open-ended', () => {
      assert.equal(band([{ min: 1000 }], 9_000_000), null);
      assert.equal(band([{ min: 1000, max: null }], 999), 'segment');
    });
    it('any one of several bands is enough', () => {
      assert.equal(band([{ min: 0, max: 49 }, { min: 1000 }], 420), 'segment');
      assert.equal(
        band(
          [
            { min: 0, max: 49 },
            { min: 400, max: 500 },
          ],
          420,
        ),
        null,
      );
    });
    it('an unknown employee count is excluded by an AE with bands', () => {
      assert.equal(
        reasonFor(makeAe('ae-a', { employeeBands: [{ min: 0 }] }), undefined, { lead: leadWithout('company.employees') }),
        'segment',
      );
    });
  });

  describe('industry', () => {
    it('a listed industry is eligible (roster normalised to lower case)', () => {
      assert.equal(reasonFor(makeAe('ae-a', { industries: ['Software', 'LOGISTICS'] })), null);
    });
    it('an unlisted industry is excluded as industry', () => {
      assert.equal(reasonFor(makeAe('ae-a', { industries: ['software', 'fintech'] })), 'industry');
    });
    it('an unknown industry is excluded by an AE with industries', () => {
      assert.equal(
        reasonFor(makeAe('ae-a', { industries: ['logistics'] }), undefined, { lead: leadWithout('company.industry') }),
        'industry',
      );
    });
  });

  it('inactive', () => {
    assert.equal(reasonFor(makeAe('ae-a', { active: false })), 'inactive');
  });

  describe('out of office', () => {
    const ooo = makeAe('ae-a', { outOfOffice: [{ from: '2026-11-20T00:00:00Z', to: '2026-11-23T00:00:00Z' }] });
    const at = (iso: string) => reasonFor(ooo, undefined, { now: Date.parse(iso) });
    it('inside the period → out_of_office', () => {
      assert.equal(at('2026-11-21T12:00:00Z'), 'out_of_office');
    });
    it('at the start instant → out_of_office (from is inclusive)', () => {
      assert.equal(at('2026-11-20T00:00:00Z'), 'out_of_office');
    });
    it('one ms before the start → eligible', () => {
      assert.equal(reasonFor(ooo, undefined, { now: Date.parse('2026-11-20T00:00:00Z') - 1 }), null);
    });
    it('one ms before the end → out_of_office', () => {
      assert.equal(reasonFor(ooo, undefined, { now: Date.parse('2026-11-23T00:00:00Z') - 1 }), 'out_of_office');
    });
    it('at the end instant → eligible again (to is exclusive)', () => {
      assert.equal(at('2026-11-23T00:00:00Z'), null);
    });
    it('after the period → eligible', () => {
      assert.equal(at('2026-12-01T00:00:00Z'), null);
    });
    it('any of several periods counts; offsets are honoured', () => {
      const ae = makeAe('ae-b', {
        outOfOffice: [
          { from: '2026-10-01T00:00:00Z', to: '2026-10-02T00:00:00Z' },
          { from: '2026-11-21T08:00:00-05:00', to: '2026-11-21T18:00:00-05:00' }, // 13:00Z – 23:00Z
        ],
      });
      assert.equal(reasonFor(ae, undefined, { now: Date.parse('2026-11-21T12:59:59Z') }), null);
      assert.equal(reasonFor(ae, undefined, { now: Date.parse('2026-11-21T13:00:00Z') }), 'out_of_office');
      assert.equal(reasonFor(ae, undefined, { now: Date.parse('2026-10-01T12:00:00Z') }), 'out_of_office');
    });
  });

  describe('capacity', () => {
    const ae = makeAe('ae-a', { capacity: 3 });
    it('below capacity → eligible', () => {
      assert.equal(reasonFor(ae, { assigned: 50, open: 2 }), null);
    });
    it('at capacity → at_capacity', () => {
      assert.equal(reasonFor(ae, { assigned: 50, open: 3 }), 'at_capacity');
    });
    it('over capacity → at_capacity', () => {
      assert.equal(reasonFor(ae, { assigned: 50, open: 4 }), 'at_capacity');
    });
    it('capacity 0 takes nothing, even with no load recorded', () => {
      assert.equal(reasonFor(makeAe('ae-z', { capacity: 0 })), 'at_capacity');
    });
    it('the default capacity is 10', () => {
      const def = makeAe('ae-d');
      assert.equal(def.capacity, 10);
      assert.equal(reasonFor(def, { assigned: 9, open: 9 }), null);
      assert.equal(reasonFor(def, { assigned: 10, open: 10 }), 'at_capacity');
    });
  });

  it('previously_assigned: an AE who had the hand-off is never picked again', () => {
    assert.equal(reasonFor(makeAe('ae-a'), undefined, { exclude: ['ae-a'] }), 'previously_assigned');
    assert.equal(reasonFor(makeAe('ae-a'), undefined, { exclude: ['ae-b'] }), null);
  });

  describe('requireSenior', () => {
    it('a non-senior AE is excluded as not_senior', () => {
      assert.equal(reasonFor(makeAe('ae-a'), undefined, { requireSenior: true }), 'not_senior');
    });
    it('a senior AE is eligible', () => {
      assert.equal(reasonFor(makeAe('ae-a', { senior: true }), undefined, { requireSenior: true }), null);
    });
    it('without requireSenior, non-senior AEs are eligible', () => {
      assert.equal(reasonFor(makeAe('ae-a'), undefined, { requireSenior: false }), null);
    });
  });

  it('lists every excluded AE with its reason, in roster order, and picks the one eligible AE', () => {
    const roster = [
      makeAe('ae-1', { regions: ['GB'] }),
      makeAe('ae-2', { employeeBands: [{ min: 1000 }] }),
      makeAe('ae-3', { industries: ['software'] }),
      makeAe('ae-4', { active: false }),
      makeAe('ae-5', { outOfOffice: [{ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }] }),
      makeAe('ae-6', { capacity: 1 }),
      makeAe('ae-7'),
      makeAe('ae-8'),
      makeAe('ae-9', { senior: true }),
    ];
    const decision = selectAe(roster, { 'ae-6': { assigned: 1, open: 1 } }, request({ exclude: ['ae-7'] }));
    assert.equal(decision.aeId, 'ae-8');
    assert.deepEqual(decision.excluded, [
      { aeId: 'ae-1', reason: 'territory' },
      { aeId: 'ae-2', reason: 'segment' },
      { aeId: 'ae-3', reason: 'industry' },
      { aeId: 'ae-4', reason: 'inactive' },
      { aeId: 'ae-5', reason: 'out_of_office' },
      { aeId: 'ae-6', reason: 'at_capacity' },
      { aeId: 'ae-7', reason: 'previously_assigned' },
    ]);
    assert.deepEqual(
      decision.candidates.map((c) => c.aeId),
      ['ae-8', 'ae-9'],
    );
    const senior = selectAe(roster, { 'ae-6': { assigned: 1, open: 1 } }, request({ exclude: ['ae-7'], requireSenior: true }));
    assert.equal(senior.aeId, 'ae-9');
    assert.deepEqual(
      senior.excluded.find((e) => e.aeId === 'ae-8'),
      { aeId: 'ae-8', reason: 'not_senior' },
    );
  });

  it('gives one reason per AE, the first that applies (previously_assigned, inactive, out_of_office, not_senior, territory, segment, industry, capacity)', () => {
    const everything = {
      active: false,
      outOfOffice: [{ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }],
      regions: ['GB'],
      employeeBands: [{ min: 1000 }],
      industries: ['software'],
      capacity: 0,
    };
    const steps: [Record<string, unknown>, Partial<RoutingRequest>, string][] = [
      [everything, { exclude: ['ae-x'], requireSenior: true }, 'previously_assigned'],
      [everything, { requireSenior: true }, 'inactive'],
      [{ ...everything, active: true }, { requireSenior: true }, 'out_of_office'],
      [{ ...everything, active: true, outOfOffice: [] }, { requireSenior: true }, 'not_senior'],
      [{ ...everything, active: true, outOfOffice: [] }, {}, 'territory'],
      [{ ...everything, active: true, outOfOffice: [], regions: [] }, {}, 'segment'],
      [{ ...everything, active: true, outOfOffice: [], regions: [], employeeBands: [] }, {}, 'industry'],
      [{ ...everything, active: true, outOfOffice: [], regions: [], employeeBands: [], industries: [] }, {}, 'at_capacity'],
    ];
    for (const [overrides, req, reason] of steps) {
      assert.equal(reasonFor(makeAe('ae-x', overrides), undefined, req), reason);
    }
  });

  it('nobody eligible → aeId null with everyone excluded; an empty roster → null with no one', () => {
    const decision = selectAe([makeAe('ae-a', { active: false }), makeAe('ae-b', { regions: ['GB'] })], {}, request());
    assert.deepEqual(decision, {
      aeId: null,
      candidates: [],
      excluded: [
        { aeId: 'ae-a', reason: 'inactive' },
        { aeId: 'ae-b', reason: 'territory' },
      ],
    });
    assert.deepEqual(selectAe([], {}, request()), { aeId: null, candidates: [], excluded: [] });
  });
});

describe('selectAe weighted fairness', () => {
  it("picks the lowest assigned ÷ weight and reports each candidate's load", () => {
    const roster = [makeAe('ae-a', { weight: 1 }), makeAe('ae-b', { weight: 2 }), makeAe('ae-c', { weight: 0.5 })];
    const loads = {
      'ae-a': { assigned: 2, open: 0, lastAssignedAt: 1 },
      'ae-b': { assigned: 3, open: 0, lastAssignedAt: 2 },
      'ae-c': { assigned: 1, open: 0, lastAssignedAt: 3 },
    };
    const decision = selectAe(roster, loads, request());
    assert.equal(decision.aeId, 'ae-b'); // 3/2 = 1.5 < 2/1 = 2 = 1/0.5
    assert.deepEqual(decision.candidates, [
      { aeId: 'ae-b', assigned: 3, weight: 2, load: 1.5, lastAssignedAt: 2 },
      { aeId: 'ae-a', assigned: 2, weight: 1, load: 2, lastAssignedAt: 1 },
      { aeId: 'ae-c', assigned: 1, weight: 0.5, load: 2, lastAssignedAt: 3 },
    ]);
  });

  it('fairness counts all assignments, not open ones', () => {
    const roster = [makeAe('ae-a'), makeAe('ae-b')];
    const decision = selectAe(roster, { 'ae-a': { assigned: 5, open: 0 }, 'ae-b': { assigned: 4, open: 4 } }, request());
    assert.equal(decision.aeId, 'ae-b');
  });

  it('ties go to the least recently assigned', () => {
    const roster = [makeAe('ae-a'), makeAe('ae-b'), makeAe('ae-c')];
    const loads = {
      'ae-a': { assigned: 4, open: 1, lastAssignedAt: NOW - 1000 },
      'ae-b': { assigned: 4, open: 1, lastAssignedAt: NOW - 5000 },
      'ae-c': { assigned: 4, open: 1, lastAssignedAt: NOW - 3000 },
    };
    const decision = selectAe(roster, loads, request());
    assert.equal(decision.aeId, 'ae-b');
    assert.deepEqual(
      decision.candidates.map((c) => c.aeId),
      ['ae-b', 'ae-c', 'ae-a'],
    );
  });

  it('a never-assigned AE goes before any assigned one at equal load', () => {
    const roster = [makeAe('ae-a'), makeAe('ae-b', { weight: 2 })];
    // Both at load 0: ae-a has assigned 0 with a (stale) timestamp, ae-b has none at all.
    const decision = selectAe(roster, { 'ae-a': { assigned: 0, open: 0, lastAssignedAt: 1 } }, request());
    assert.equal(decision.aeId, 'ae-b');
  });

  it('then ties go by id, independent of roster order', () => {
    const a = makeAe('ae-a');
    const b = makeAe('ae-b');
    const c = makeAe('ae-c');
    for (const roster of [
      [a, b, c],
      [c, b, a],
      [b, c, a],
    ]) {
      assert.deepEqual(
        selectAe(roster, {}, request()).candidates.map((x) => x.aeId),
        ['ae-a', 'ae-b', 'ae-c'],
      );
      const same = { assigned: 2, open: 0, lastAssignedAt: NOW };
      assert.equal(selectAe(roster, { 'ae-a': { ...same, assigned: 3 }, 'ae-b': same, 'ae-c': same }, request()).aeId, 'ae-b');
    }
  });

  it('does not mutate the loads or the roster', () => {
    const roster = [makeAe('ae-a'), makeAe('ae-b')];
    const loads = { 'ae-a': { assigned: 1, open: 1, lastAssignedAt: 5 } };
    const before = structuredClone({ roster, loads });
    selectAe(roster, loads, request());
    assert.deepEqual({ roster, loads }, before);
  });

  /**
   * Sequential routing the way activities/routing.ts does it: each pick bumps the AE's `assigned`
   * and `open` counters and stamps `lastAssignedAt`.
   */
  function simulate(roster: Ae[], picks: number, lead: Lead = exampleLead(), onPick?: (counts: Record<string, number>, n: number) => void) {
    const loads: Record<string, AeLoad> = {};
    const counts: Record<string, number> = Object.fromEntries(roster.map((ae) => [ae.id, 0]));
    for (let i = 0; i < picks; i++) {
      const now = NOW + i * 60_000;
      const { aeId } = selectAe(roster, loads, { lead, exclude: [], now });
      assert.ok(aeId, `pick ${i} found nobody`);
      const load = loads[aeId] ?? { assigned: 0, open: 0 };
      loads[aeId] = { assigned: load.assigned + 1, open: load.open + 1, lastAssignedAt: now };
      counts[aeId]! += 1;
      onPick?.(counts, i + 1);
    }
    return counts;
  }

  it('10 000 picks with weights 1, 2, 1 give shares of 25 % / 50 % / 25 % (± 2 %)', () => {
    const roster = [
      makeAe('ae-a', { weight: 1, capacity: 1_000_000 }),
      makeAe('ae-b', { weight: 2, capacity: 1_000_000 }),
      makeAe('ae-c', { weight: 1, capacity: 1_000_000 }),
    ];
    const target = { 'ae-a': 0.25, 'ae-b': 0.5, 'ae-c': 0.25 };
    let worstDrift = 0;
    const counts = simulate(roster, 10_000, exampleLead(), (c, n) => {
      // Smoothness: at every step each AE is within 2 picks of its weighted share.
      for (const [id, share] of Object.entries(target)) worstDrift = Math.max(worstDrift, Math.abs(c[id]! - n * share));
    });
    for (const [id, share] of Object.entries(target)) {
      const actual = counts[id]! / 10_000;
      assert.ok(Math.abs(actual - share) <= 0.02, `${id}: ${actual} vs ${share}`);
    }
    assert.equal(counts['ae-a']! + counts['ae-b']! + counts['ae-c']!, 10_000);
    assert.ok(worstDrift <= 2, `worst drift from the weighted share: ${worstDrift} picks`);
  });

  it('equal weights rotate round-robin', () => {
    const roster = [makeAe('ae-c', { capacity: 100 }), makeAe('ae-a', { capacity: 100 }), makeAe('ae-b', { capacity: 100 })];
    const order: string[] = [];
    const loads: Record<string, AeLoad> = {};
    for (let i = 0; i < 6; i++) {
      const { aeId } = selectAe(roster, loads, request({ now: NOW + i }));
      order.push(aeId!);
      const load = loads[aeId!] ?? { assigned: 0, open: 0 };
      loads[aeId!] = { assigned: load.assigned + 1, open: load.open + 1, lastAssignedAt: NOW + i };
    }
    assert.deepEqual(order, ['ae-a', 'ae-b', 'ae-c', 'ae-a', 'ae-b', 'ae-c']);
  });

  it('an AE at capacity is skipped and the next fairest one picked', () => {
    const roster = [makeAe('ae-a', { capacity: 2 }), makeAe('ae-b', { capacity: 10 })];
    const counts = simulate(roster, 8);
    assert.deepEqual(counts, { 'ae-a': 2, 'ae-b': 6 });
  });
});
