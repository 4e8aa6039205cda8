import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AeSchema, type Ae } from '../../src/domain/roster.js';
import {
  EMPTY_LOAD,
  isAvailable,
  loadsAfter,
  RoutingDecisionSchema,
  selectAe,
  type AeLoad,
  type RoutingRequest,
} from '../../src/domain/routing.js';
import { exampleLead, leadWith, leadWithout, makeAe } from './fixtures.js';
import { designExampleAe } from '../fixtures/leads.js';

/** Unit tests of the routing core, one decision at a time; simulations over many decisions live in fairness.test.ts. */

const NOW = Date.parse('2026-11-21T12:00:00Z');
const OWNER = { aeId: 'ae-own', handoffId: 'crm-lead-00001' };
const AWAY = { outOfOffice: [{ from: '2026-11-20T00:00:00Z', to: '2026-11-23T00:00:00Z' }] };

function request(overrides: Partial<RoutingRequest> = {}): RoutingRequest {
  return { lead: exampleLead(), exclude: [], now: NOW, ...overrides };
}

/** A settled AE's load (not rejoining), with the given figures. */
function load(figures: Partial<AeLoad> = {}): AeLoad {
  return { assigned: 0, served: 0, open: 0, rejoining: false, ...figures };
}

/** Routes the example lead (US, 420 employees, logistics) to a one-AE roster; returns the exclusion reason or null. */
function reasonFor(ae: Ae, aeLoad?: AeLoad, overrides: Partial<RoutingRequest> = {}): string | null {
  const decision = selectAe([ae], aeLoad ? { [ae.id]: aeLoad } : {}, request(overrides));
  if (decision.aeId === ae.id) {
    assert.deepEqual(decision.excluded, []);
    return null;
  }
  assert.equal(decision.aeId, null);
  assert.equal(decision.basis, null);
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
    const kim = AeSchema.parse(designExampleAe);
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
    const ooo = makeAe('ae-a', AWAY);
    const at = (iso: string) => reasonFor(ooo, undefined, { now: Date.parse(iso) });
    it('inside the period → out_of_office', () => {
      assert.equal(at('2026-11-21T12:00:00Z'), 'out_of_office');
    });
    it('at the start instant → out_of_office (from is inclusive)', () => {
      assert.equal(at('2026-11-20T00:00:00Z'), 'out_of_office');
    });
    it('one ms before the start (a future period) → eligible', () => {
      assert.equal(reasonFor(ooo, undefined, { now: Date.parse('2026-11-20T00:00:00Z') - 1 }), null);
    });
    it('one ms before the end → out_of_office', () => {
      assert.equal(reasonFor(ooo, undefined, { now: Date.parse('2026-11-23T00:00:00Z') - 1 }), 'out_of_office');
    });
    it('at the end instant → eligible again (to is exclusive)', () => {
      assert.equal(at('2026-11-23T00:00:00Z'), null);
    });
    it('after the period (a past period) → eligible', () => {
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
      assert.equal(reasonFor(ae, load({ assigned: 50, served: 50, open: 2 })), null);
    });
    it('at capacity → at_capacity', () => {
      assert.equal(reasonFor(ae, load({ assigned: 50, served: 50, open: 3 })), 'at_capacity');
    });
    it('over capacity → at_capacity', () => {
      assert.equal(reasonFor(ae, load({ assigned: 50, served: 50, open: 4 })), 'at_capacity');
    });
    it('capacity counts open hand-offs, not assignments or position', () => {
      assert.equal(reasonFor(ae, load({ assigned: 0, served: 0, open: 3 })), 'at_capacity');
      assert.equal(reasonFor(ae, load({ assigned: 1000, served: 1000, open: 0 })), null);
    });
    it('capacity 0 takes nothing, even with no load recorded', () => {
      assert.equal(reasonFor(makeAe('ae-z', { capacity: 0 })), 'at_capacity');
    });
    it('the default capacity is 10', () => {
      const def = makeAe('ae-d');
      assert.equal(def.capacity, 10);
      assert.equal(reasonFor(def, load({ assigned: 9, served: 9, open: 9 })), null);
      assert.equal(reasonFor(def, load({ assigned: 10, served: 10, open: 10 })), 'at_capacity');
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

  it('lists every excluded AE with its reason, in roster order, and picks among the eligible', () => {
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
    const loads = { 'ae-6': load({ assigned: 1, served: 1, open: 1 }) };
    const decision = selectAe(roster, loads, request({ exclude: ['ae-7'] }));
    assert.equal(decision.aeId, 'ae-8');
    assert.equal(decision.basis, 'fairness');
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
    const senior = selectAe(roster, loads, request({ exclude: ['ae-7'], requireSenior: true }));
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

  it('nobody eligible → aeId and basis null with everyone excluded; an empty roster → null with no one', () => {
    const decision = selectAe([makeAe('ae-a', { active: false }), makeAe('ae-b', { regions: ['GB'] })], {}, request());
    assert.deepEqual(decision, {
      aeId: null,
      basis: null,
      candidates: [],
      excluded: [
        { aeId: 'ae-a', reason: 'inactive' },
        { aeId: 'ae-b', reason: 'territory' },
      ],
    });
    assert.deepEqual(selectAe([], {}, request()), { aeId: null, basis: null, candidates: [], excluded: [] });
  });
});

describe('selectAe with a named target', () => {
  const roster = [
    makeAe('ae-a'),
    makeAe('ae-t', { regions: ['GB'], employeeBands: [{ min: 5000 }], industries: ['software'] }),
    makeAe('ae-b'),
  ];
  const loads = { 'ae-a': load({ served: 1 }), 'ae-t': load({ served: 9 }), 'ae-b': load({ served: 2 }) };

  it('every other AE is excluded as not_target; the target wins with basis target even off territory, segment and industry', () => {
    const decision = selectAe(roster, loads, request({ target: 'ae-t' }));
    assert.equal(decision.aeId, 'ae-t');
    assert.equal(decision.basis, 'target');
    assert.deepEqual(decision.excluded, [
      { aeId: 'ae-a', reason: 'not_target' },
      { aeId: 'ae-b', reason: 'not_target' },
    ]);
    assert.deepEqual(
      decision.candidates.map((c) => c.aeId),
      ['ae-t'],
    );
  });

  it('the target must still be active, in the office, under capacity and not previously on the hand-off', () => {
    const cases: [Ae, AeLoad | undefined, Partial<RoutingRequest>, string][] = [
      [makeAe('ae-t', { active: false }), undefined, {}, 'inactive'],
      [makeAe('ae-t', AWAY), undefined, {}, 'out_of_office'],
      [makeAe('ae-t', { capacity: 2 }), load({ open: 2 }), {}, 'at_capacity'],
      [makeAe('ae-t'), undefined, { exclude: ['ae-t'] }, 'previously_assigned'],
    ];
    for (const [ae, aeLoad, extra, reason] of cases) {
      assert.equal(reasonFor(ae, aeLoad, { target: 'ae-t', ...extra }), reason, reason);
    }
  });

  it('a target not on the roster → nobody, everyone not_target', () => {
    const decision = selectAe(roster, loads, request({ target: 'ae-gone' }));
    assert.equal(decision.aeId, null);
    assert.equal(decision.basis, null);
    assert.deepEqual(new Set(decision.excluded.map((e) => e.reason)), new Set(['not_target']));
    assert.equal(decision.excluded.length, 3);
  });

  it('a target pick counts for fairness', () => {
    const decision = selectAe(roster, loads, request({ target: 'ae-t' }));
    assert.deepEqual(loadsAfter(roster, loads, decision, NOW)['ae-t'], {
      assigned: 1,
      served: 10,
      open: 1,
      lastAssignedAt: NOW,
      rejoining: false,
    });
  });
});

describe('selectAe account owner first', () => {
  const roster = [makeAe('ae-a'), makeAe('ae-own', { weight: 2, capacity: 3 }), makeAe('ae-b')];
  const loads = {
    'ae-a': load({ assigned: 3, served: 3, lastAssignedAt: NOW - 5000 }),
    'ae-own': load({ assigned: 10, served: 5, open: 2, lastAssignedAt: NOW - 1000 }),
    'ae-b': load({ assigned: 4, served: 4, lastAssignedAt: NOW - 3000 }),
  };

  it('an eligible owner wins with basis account_owner though another AE has a lower position', () => {
    const decision = selectAe(roster, loads, request({ owner: OWNER }));
    assert.equal(decision.aeId, 'ae-own');
    assert.equal(decision.basis, 'account_owner');
    assert.deepEqual(decision.owner, OWNER);
    // The explanation still shows the fairness order the owner jumped.
    assert.deepEqual(
      decision.candidates.map((c) => c.aeId),
      ['ae-a', 'ae-b', 'ae-own'],
    );
    assert.deepEqual(decision.excluded, []);
  });

  it('the owner pick does not count for fairness: only open goes up', () => {
    const decision = selectAe(roster, loads, request({ owner: OWNER }));
    const after = loadsAfter(roster, loads, decision, NOW);
    assert.deepEqual(after['ae-own'], { ...loads['ae-own'], open: 3, rejoining: true }); // now at capacity 3: marked to rejoin
    assert.deepEqual(Object.keys(after), ['ae-own']);
    // With room to spare, nothing but open changes.
    const roomy = { ...loads, 'ae-own': load({ assigned: 10, served: 5, open: 0, lastAssignedAt: NOW - 1000 }) };
    assert.deepEqual(loadsAfter(roster, roomy, selectAe(roster, roomy, request({ owner: OWNER })), NOW), {
      'ae-own': { ...roomy['ae-own'], open: 1 },
    });
  });

  it('an ineligible owner is passed over with the reason, and fairness picks', () => {
    const cases: [Ae, AeLoad, Partial<RoutingRequest>, string][] = [
      [makeAe('ae-own', AWAY), loads['ae-own'], {}, 'out_of_office'],
      [makeAe('ae-own', { capacity: 2 }), loads['ae-own'], {}, 'at_capacity'],
      [makeAe('ae-own', { regions: ['GB'] }), loads['ae-own'], {}, 'territory'],
      [makeAe('ae-own', { employeeBands: [{ min: 5000 }] }), loads['ae-own'], {}, 'segment'],
      [makeAe('ae-own', { active: false }), loads['ae-own'], {}, 'inactive'],
      [makeAe('ae-own'), loads['ae-own'], { exclude: ['ae-own'] }, 'previously_assigned'],
      [makeAe('ae-own'), loads['ae-own'], { requireSenior: true }, 'not_senior'],
    ];
    for (const [owner, ownerLoad, extra, reason] of cases) {
      const others = extra.requireSenior ? [makeAe('ae-a', { senior: true }), makeAe('ae-b', { senior: true })] : [roster[0]!, roster[2]!];
      const decision = selectAe([others[0]!, owner, others[1]!], { ...loads, 'ae-own': ownerLoad }, request({ owner: OWNER, ...extra }));
      assert.equal(decision.aeId, 'ae-a', reason);
      assert.equal(decision.basis, 'fairness', reason);
      assert.deepEqual(decision.owner, { ...OWNER, skipped: reason }, reason);
    }
  });

  it('an owner no longer on the roster is passed over (reported as inactive)', () => {
    const decision = selectAe([roster[0]!, roster[2]!], loads, request({ owner: OWNER }));
    assert.equal(decision.aeId, 'ae-a');
    assert.equal(decision.basis, 'fairness');
    assert.deepEqual(decision.owner, { ...OWNER, skipped: 'inactive' });
  });

  it('with a named target the owner is ignored', () => {
    const decision = selectAe(roster, loads, request({ owner: OWNER, target: 'ae-b' }));
    assert.equal(decision.aeId, 'ae-b');
    assert.equal(decision.basis, 'target');
    assert.equal(decision.owner, undefined);
  });

  it('without an owner, fairness picks and no owner is reported', () => {
    const decision = selectAe(roster, loads, request());
    assert.equal(decision.aeId, 'ae-a');
    assert.equal(decision.basis, 'fairness');
    assert.equal(decision.owner, undefined);
  });
});

describe('selectAe weighted fairness order', () => {
  it('picks the lowest position (served) and reports each candidate in pick order', () => {
    const roster = [makeAe('ae-a', { weight: 1 }), makeAe('ae-b', { weight: 2, capacity: 5 }), makeAe('ae-c', { weight: 0.5 })];
    const loads = {
      'ae-a': load({ assigned: 2, served: 2, open: 1, lastAssignedAt: 1 }),
      'ae-b': load({ assigned: 3, served: 1.5, open: 3, lastAssignedAt: 2 }),
      'ae-c': load({ assigned: 1, served: 2, open: 0, lastAssignedAt: 3 }),
    };
    const decision = selectAe(roster, loads, request());
    assert.equal(decision.aeId, 'ae-b');
    assert.equal(decision.basis, 'fairness');
    assert.deepEqual(decision.candidates, [
      { aeId: 'ae-b', weight: 2, assigned: 3, served: 1.5, open: 3, capacity: 5, lastAssignedAt: 2 },
      { aeId: 'ae-a', weight: 1, assigned: 2, served: 2, open: 1, capacity: 10, lastAssignedAt: 1 },
      { aeId: 'ae-c', weight: 0.5, assigned: 1, served: 2, open: 0, capacity: 10, lastAssignedAt: 3 },
    ]);
    assert.doesNotThrow(() => RoutingDecisionSchema.parse(decision));
  });

  it('the position, not assigned ÷ weight nor open hand-offs, orders the pick', () => {
    const roster = [makeAe('ae-a'), makeAe('ae-b')];
    // ae-b has more assignments and more open hand-offs, but the lower position (it was levelled less).
    const loads = { 'ae-a': load({ assigned: 5, served: 8, open: 0 }), 'ae-b': load({ assigned: 7, served: 7.5, open: 4 }) };
    assert.equal(selectAe(roster, loads, request()).aeId, 'ae-b');
  });

  it('ties go to the least recently assigned', () => {
    const roster = [makeAe('ae-a'), makeAe('ae-b'), makeAe('ae-c')];
    const loads = {
      'ae-a': load({ assigned: 4, served: 4, open: 1, lastAssignedAt: NOW - 1000 }),
      'ae-b': load({ assigned: 4, served: 4, open: 1, lastAssignedAt: NOW - 5000 }),
      'ae-c': load({ assigned: 4, served: 4, open: 1, lastAssignedAt: NOW - 3000 }),
    };
    const decision = selectAe(roster, loads, request());
    assert.equal(decision.aeId, 'ae-b');
    assert.deepEqual(
      decision.candidates.map((c) => c.aeId),
      ['ae-b', 'ae-c', 'ae-a'],
    );
  });

  it('a never-assigned AE goes before any assigned one at an equal position', () => {
    const roster = [makeAe('ae-a'), makeAe('ae-b', { weight: 2 })];
    const decision = selectAe(roster, { 'ae-a': load({ lastAssignedAt: 1 }), 'ae-b': load() }, request());
    assert.equal(decision.aeId, 'ae-b');
    assert.deepEqual(
      decision.candidates.map((c) => c.aeId),
      ['ae-b', 'ae-a'],
    );
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
      const same = load({ assigned: 2, served: 2, lastAssignedAt: NOW });
      assert.deepEqual(
        selectAe(roster, { 'ae-a': { ...same, served: 3 }, 'ae-b': same, 'ae-c': same }, request()).candidates.map((x) => x.aeId),
        ['ae-b', 'ae-c', 'ae-a'],
      );
    }
  });

  it('does not mutate the loads or the roster', () => {
    const roster = [makeAe('ae-a'), makeAe('ae-b')];
    const loads = { 'ae-a': load({ assigned: 1, served: 1, open: 1, lastAssignedAt: 5 }), 'ae-b': { ...EMPTY_LOAD } };
    const before = structuredClone({ roster, loads });
    const decision = selectAe(roster, loads, request());
    loadsAfter(roster, loads, decision, NOW);
    assert.deepEqual({ roster, loads }, before);
  });
});

describe('selectAe rejoin levelling', () => {
  const roster = [makeAe('ae-a'), makeAe('ae-b'), makeAe('ae-new', { weight: 2 })];

  it('a rejoining AE below the lowest settled position is levelled to it, and says from where', () => {
    const loads = {
      'ae-a': load({ assigned: 40, served: 40, lastAssignedAt: NOW - 2000 }),
      'ae-b': load({ assigned: 41, served: 41, lastAssignedAt: NOW - 1000 }),
      'ae-new': { ...EMPTY_LOAD },
    };
    const decision = selectAe(roster, loads, request());
    assert.deepEqual(decision.candidates, [
      // Never assigned, so first among equals; levelled from 0.
      { aeId: 'ae-new', weight: 2, assigned: 0, served: 40, levelledFrom: 0, open: 0, capacity: 10 },
      { aeId: 'ae-a', weight: 1, assigned: 40, served: 40, open: 0, capacity: 10, lastAssignedAt: NOW - 2000 },
      { aeId: 'ae-b', weight: 1, assigned: 41, served: 41, open: 0, capacity: 10, lastAssignedAt: NOW - 1000 },
    ]);
  });

  it('a rejoining AE at or above the floor is never lowered', () => {
    const loads = {
      'ae-a': load({ served: 40 }),
      'ae-b': load({ served: 41 }),
      'ae-new': { ...EMPTY_LOAD, served: 55, rejoining: true },
    };
    const decision = selectAe(roster, loads, request());
    const rejoiner = decision.candidates.find((c) => c.aeId === 'ae-new')!;
    assert.equal(rejoiner.served, 55);
    assert.equal(rejoiner.levelledFrom, undefined);
    assert.equal(decision.candidates.at(-1)!.aeId, 'ae-new');
  });

  it('the floor is taken among the eligible settled AEs only (not excluded or rejoining ones)', () => {
    const wide = [...roster, makeAe('ae-gb', { regions: ['GB'] }), makeAe('ae-back')];
    const loads = {
      'ae-a': load({ served: 40, lastAssignedAt: NOW - 1000 }),
      'ae-b': load({ served: 41 }),
      'ae-gb': load({ served: 3 }), // another pool: not a peer for this lead
      'ae-back': { ...EMPTY_LOAD, served: 10, rejoining: true }, // rejoining too: not a floor
      'ae-new': { ...EMPTY_LOAD },
    };
    const decision = selectAe(wide, loads, request());
    assert.deepEqual(
      decision.candidates.map((c) => [c.aeId, c.served, c.levelledFrom]),
      [
        ['ae-back', 40, 10],
        ['ae-new', 40, 0],
        ['ae-a', 40, undefined],
        ['ae-b', 41, undefined],
      ],
    );
  });

  it('a settled AE is never levelled, however far behind', () => {
    const loads = { 'ae-a': load({ served: 40 }), 'ae-b': load({ served: 2 }), 'ae-new': load({ served: 1 }) };
    const decision = selectAe(roster, loads, request());
    assert.deepEqual(
      decision.candidates.map((c) => [c.aeId, c.served, c.levelledFrom]),
      [
        ['ae-new', 1, undefined],
        ['ae-b', 2, undefined],
        ['ae-a', 40, undefined],
      ],
    );
  });
});

describe('loadsAfter', () => {
  const roster = [makeAe('ae-a', { weight: 4 }), makeAe('ae-b'), makeAe('ae-c', { capacity: 2 })];

  it('the fairness winner moves up 1 ÷ weight, takes one more assigned and open, and is stamped; others are untouched', () => {
    const loads = {
      'ae-a': load({ assigned: 8, served: 2, open: 1, lastAssignedAt: NOW - 9000 }),
      'ae-b': load({ assigned: 3, served: 3, open: 0, lastAssignedAt: NOW - 5000 }),
      'ae-c': load({ assigned: 3, served: 3, open: 0, lastAssignedAt: NOW - 4000 }),
    };
    const decision = selectAe(roster, loads, request());
    assert.equal(decision.aeId, 'ae-a');
    assert.deepEqual(loadsAfter(roster, loads, decision, NOW), {
      'ae-a': { assigned: 9, served: 2.25, open: 2, lastAssignedAt: NOW, rejoining: false },
    });
  });

  it('a levelled winner moves up from the floor, not from where it was', () => {
    const loads = {
      'ae-a': { ...EMPTY_LOAD, assigned: 1, served: 0.25, lastAssignedAt: NOW - 99_000 },
      'ae-b': load({ assigned: 3, served: 3, lastAssignedAt: NOW - 5000 }),
      'ae-c': load({ assigned: 4, served: 4, lastAssignedAt: NOW - 4000 }),
    };
    const decision = selectAe(roster, loads, request());
    assert.equal(decision.aeId, 'ae-a');
    assert.equal(decision.candidates[0]!.levelledFrom, 0.25);
    assert.deepEqual(loadsAfter(roster, loads, decision, NOW), {
      'ae-a': { assigned: 2, served: 3.25, open: 1, lastAssignedAt: NOW, rejoining: false },
    });
  });

  it('levelled candidates who did not win keep their new position; rejoiners already above the floor are simply back', () => {
    const loads = {
      'ae-a': { ...EMPTY_LOAD, assigned: 1, served: 1, lastAssignedAt: NOW - 1000, rejoining: true },
      'ae-b': load({ assigned: 3, served: 3, lastAssignedAt: NOW - 5000 }),
      'ae-c': { ...EMPTY_LOAD, served: 9, rejoining: true },
    };
    const decision = selectAe(roster, loads, request());
    assert.equal(decision.aeId, 'ae-b'); // level with ae-a at 3, but less recently assigned
    assert.deepEqual(loadsAfter(roster, loads, decision, NOW), {
      'ae-a': { ...loads['ae-a'], served: 3, rejoining: false },
      'ae-b': { assigned: 4, served: 4, open: 1, lastAssignedAt: NOW, rejoining: false },
      'ae-c': { ...loads['ae-c'], rejoining: false },
    });

    // The same for an owner pick: levelling applies, the owner only takes one more open.
    const owned = selectAe(roster, loads, request({ owner: { aeId: 'ae-b', handoffId: 'h-1' } }));
    assert.equal(owned.basis, 'account_owner');
    assert.deepEqual(loadsAfter(roster, loads, owned, NOW), {
      'ae-a': { ...loads['ae-a'], served: 3, rejoining: false },
      'ae-b': { ...loads['ae-b'], open: 1 },
      'ae-c': { ...loads['ae-c'], rejoining: false },
    });
  });

  it('marks AEs unavailable now (inactive, out of office, at capacity — the winner too) to rejoin', () => {
    const team = [
      makeAe('ae-a'),
      makeAe('ae-off', { active: false }),
      makeAe('ae-ooo', AWAY),
      makeAe('ae-full', { capacity: 1 }),
      makeAe('ae-gb', { regions: ['GB'] }),
      makeAe('ae-last', { capacity: 1 }),
    ];
    const loads = {
      'ae-a': load({ served: 5 }),
      'ae-off': load({ served: 5 }),
      'ae-ooo': load({ served: 5 }),
      'ae-full': load({ served: 5, open: 1 }),
      'ae-gb': load({ served: 5 }),
      'ae-last': load({ served: 1 }),
    };
    const decision = selectAe(team, loads, request());
    assert.equal(decision.aeId, 'ae-last');
    // ae-a (not picked) and ae-gb (another territory is not "away") are untouched.
    assert.deepEqual(loadsAfter(team, loads, decision, NOW), {
      'ae-off': { ...loads['ae-off'], rejoining: true },
      'ae-ooo': { ...loads['ae-ooo'], rejoining: true },
      'ae-full': { ...loads['ae-full'], rejoining: true },
      // Just reached its capacity of 1.
      'ae-last': { assigned: 1, served: 2, open: 1, lastAssignedAt: NOW, rejoining: true },
    });
    assert.equal(isAvailable(team[4]!, loads['ae-gb'], NOW), true);
    assert.equal(isAvailable(team[2]!, loads['ae-ooo'], NOW), false);
  });

  it('with nobody eligible, only the away marks change', () => {
    const loads = { 'ae-a': load({ served: 5 }), 'ae-b': load({ served: 5 }), 'ae-c': load({ served: 5, open: 2 }) };
    const decision = selectAe(roster, loads, request({ exclude: ['ae-a', 'ae-b', 'ae-c'] }));
    assert.equal(decision.aeId, null);
    assert.deepEqual(loadsAfter(roster, loads, decision, NOW), { 'ae-c': { ...loads['ae-c'], rejoining: true } });
  });

  it('an AE already marked to rejoin stays marked while away and is not rewritten', () => {
    const loads = { 'ae-a': load(), 'ae-b': load({ served: 1 }), 'ae-c': { ...EMPTY_LOAD, open: 2 } };
    const decision = selectAe(roster, loads, request());
    assert.equal(decision.aeId, 'ae-a');
    assert.equal(loadsAfter(roster, loads, decision, NOW)['ae-c'], undefined);
  });
});
