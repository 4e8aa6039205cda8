import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Ae } from '../../src/domain/roster.js';
import {
  loadsAfter,
  RoutingDecisionSchema,
  selectAe,
  type AeLoad,
  type RoutingDecision,
  type RoutingRequest,
} from '../../src/domain/routing.js';
import { exampleLead, makeAe, MS } from './fixtures.js';
import { mulberry32 } from '../../src/dev/kpi-seed.js';

/**
 * Fairness over many decisions: `selectAe` + `loadsAfter` fed forward the way the router does it,
 * with a seeded PRNG wherever chance comes in, so every run is the same.
 */

const START = Date.parse('2026-11-02T00:00:00Z');
const LEAD = exampleLead();
const UNLIMITED = 1_000_000;
/** An out-of-office period over the first 10 hours of the desk. */
const AWAY_NOW = { outOfOffice: [{ from: new Date(START).toISOString(), to: new Date(START + 10 * MS.hour).toISOString() }] };

/** A routing desk: one lead per `step`, the loads carried from each decision to the next. */
class Desk {
  loads: Record<string, AeLoad> = {};
  readonly picks: string[] = [];
  readonly decisions: RoutingDecision[] = [];
  /** The holder of each open hand-off. */
  private readonly held: string[] = [];
  now = START;

  constructor(
    public roster: Ae[],
    private readonly step = MS.hour,
  ) {}

  route(overrides: Partial<RoutingRequest> = {}): RoutingDecision {
    const decision = selectAe(this.roster, this.loads, { lead: LEAD, exclude: [], now: this.now, ...overrides });
    this.loads = { ...this.loads, ...loadsAfter(this.roster, this.loads, decision, this.now) };
    this.decisions.push(decision);
    if (decision.aeId !== null) {
      this.picks.push(decision.aeId);
      this.held.push(decision.aeId);
    }
    this.now += this.step;
    return decision;
  }

  routeMany(n: number, overrides: Partial<RoutingRequest> = {}): string[] {
    const from = this.picks.length;
    for (let i = 0; i < n; i++) this.route(overrides);
    return this.picks.slice(from);
  }

  /** Each open hand-off closes with probability `p` (the AE accepts and works it). */
  release(random: () => number, p: number): void {
    for (let i = this.held.length - 1; i >= 0; i--) {
      if (random() >= p) continue;
      const [aeId] = this.held.splice(i, 1);
      const load = this.loads[aeId!]!;
      this.loads[aeId!] = { ...load, open: load.open - 1 };
    }
  }

  edit(id: string, overrides: Record<string, unknown>): void {
    this.roster = this.roster.map((ae) => (ae.id === id ? makeAe(id, { ...ae, ...overrides }) : ae));
  }

  served(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.loads).map(([id, load]) => [id, load.served]));
  }
}

function countOf(picks: readonly string[], id: string): number {
  return picks.filter((p) => p === id).length;
}

/** The longest run of consecutive picks of `id`. */
function longestRun(picks: readonly string[], id: string): number {
  let run = 0;
  let longest = 0;
  for (const p of picks) {
    run = p === id ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

describe('weights over many assignments', () => {
  it('10 000 assignments with weights 1, 2, 3, 4 (capacity 10, hand-offs closing at random) give shares within ± 2 points of weight ÷ sum', (t) => {
    const weights = { 'ae-w1': 1, 'ae-w2': 2, 'ae-w3': 3, 'ae-w4': 4 };
    const total = 10;
    let worst = 0;
    for (const seed of [1, 2, 3]) {
      const random = mulberry32(seed);
      const desk = new Desk(Object.entries(weights).map(([id, weight]) => makeAe(id, { weight, capacity: 10 })));
      let bound = 0;
      for (let i = 0; i < 10_000; i++) {
        const decision = desk.route();
        assert.ok(decision.aeId, `seed ${seed}, lead ${i}: nobody eligible`);
        assert.equal(decision.basis, 'fairness');
        if (decision.excluded.some((e) => e.reason === 'at_capacity')) bound += 1;
        desk.release(random, 0.07);
      }
      assert.equal(desk.picks.length, 10_000);
      const deviations: string[] = [];
      for (const [id, weight] of Object.entries(weights)) {
        const share = countOf(desk.picks, id) / 10_000;
        const deviation = Math.abs(share - weight / total);
        worst = Math.max(worst, deviation);
        deviations.push(`${id} ${(share * 100).toFixed(2)} % (target ${(weight / total) * 100} %)`);
        assert.ok(deviation <= 0.02, `seed ${seed}: ${id} took ${share}, target ${weight / total}`);
      }
      t.diagnostic(`seed ${seed}: ${deviations.join(', ')}; capacity bound at ${bound} of 10 000 routings`);
      // Capacity binds now and then (about 0.5 % of routings), so the at-capacity path is exercised,
      // but rarely: the weights, not capacity, decide the shares here.
      assert.ok(bound > 0 && bound < 200, `capacity bound ${bound} times`);
    }
    t.diagnostic(`max share deviation over 3 × 10 000 assignments: ${(worst * 100).toFixed(3)} percentage points`);
  });

  it('the weighted share holds at every step, not just at the end (weights 1, 2, 1: never more than 1 pick off)', () => {
    const desk = new Desk([
      makeAe('ae-a', { capacity: UNLIMITED }),
      makeAe('ae-b', { weight: 2, capacity: UNLIMITED }),
      makeAe('ae-c', { capacity: UNLIMITED }),
    ]);
    const target = { 'ae-a': 0.25, 'ae-b': 0.5, 'ae-c': 0.25 };
    const counts: Record<string, number> = { 'ae-a': 0, 'ae-b': 0, 'ae-c': 0 };
    let drift = 0;
    for (let n = 1; n <= 2000; n++) {
      counts[desk.route().aeId!]! += 1;
      for (const [id, share] of Object.entries(target)) drift = Math.max(drift, Math.abs(counts[id]! - n * share));
    }
    assert.ok(drift <= 1, `worst drift from the weighted share: ${drift} picks`);
  });

  it('equal weights rotate round-robin', () => {
    const desk = new Desk([makeAe('ae-c'), makeAe('ae-a'), makeAe('ae-b')]);
    assert.deepEqual(desk.routeMany(9), ['ae-a', 'ae-b', 'ae-c', 'ae-a', 'ae-b', 'ae-c', 'ae-a', 'ae-b', 'ae-c']);
  });

  it('an AE at capacity is skipped and the next fairest one picked', () => {
    const desk = new Desk([makeAe('ae-a', { capacity: 2 }), makeAe('ae-b')]);
    const picks = desk.routeMany(8);
    assert.deepEqual([countOf(picks, 'ae-a'), countOf(picks, 'ae-b')], [2, 6]);
    assert.deepEqual(desk.decisions.at(-1)!.excluded, [{ aeId: 'ae-a', reason: 'at_capacity' }]);
  });

  it('account-owner picks do not count for fairness: the fairness picks still split by weight', () => {
    const random = mulberry32(7);
    const desk = new Desk(['ae-a', 'ae-b', 'ae-c'].map((id) => makeAe(id, { capacity: UNLIMITED })));
    for (let i = 0; i < 3000; i++) desk.route(random() < 0.3 ? { owner: { aeId: 'ae-a', handoffId: `h-${i}` } } : {});
    const fair = desk.decisions.filter((d) => d.basis === 'fairness').map((d) => d.aeId!);
    const owned = desk.decisions.filter((d) => d.basis === 'account_owner');
    assert.ok(owned.length > 800 && owned.length < 1000, `${owned.length} owner picks`);
    assert.ok(owned.every((d) => d.aeId === 'ae-a'));
    for (const id of ['ae-a', 'ae-b', 'ae-c']) {
      assert.ok(Math.abs(countOf(fair, id) / fair.length - 1 / 3) <= 0.01, `${id}: ${countOf(fair, id)} of ${fair.length}`);
    }
    // ae-a's position counts only its fairness picks.
    assert.equal(desk.loads['ae-a']!.assigned, countOf(fair, 'ae-a'));
    assert.equal(desk.loads['ae-a']!.open, countOf(desk.picks, 'ae-a'));
  });

  it('every decision is a valid RoutingDecision', () => {
    const desk = new Desk([makeAe('ae-a', { weight: 3, capacity: 2 }), makeAe('ae-b', AWAY_NOW), makeAe('ae-c', { regions: ['GB'] })]);
    const random = mulberry32(11);
    for (let i = 0; i < 50; i++) {
      desk.route(i % 5 === 0 ? { owner: { aeId: 'ae-b', handoffId: 'h' } } : {});
      desk.release(random, 0.3);
    }
    for (const decision of desk.decisions) assert.deepEqual(RoutingDecisionSchema.parse(decision), decision);
  });
});

describe('no surge after leave', () => {
  /** Three AEs of weight 1, routed one lead an hour; ae-c is out of office for leads 100–199. */
  function leaveDesk(): Desk {
    const away = { from: new Date(START + 100 * MS.hour).toISOString(), to: new Date(START + 200 * MS.hour).toISOString() };
    return new Desk([
      makeAe('ae-a', { capacity: UNLIMITED }),
      makeAe('ae-b', { capacity: UNLIMITED }),
      makeAe('ae-c', { capacity: UNLIMITED, outOfOffice: [away] }),
    ]);
  }

  it('out of office takes no leads; on return the AE takes about a third, not a run', () => {
    const desk = leaveDesk();
    const before = desk.routeMany(100);
    assert.ok(Math.abs(countOf(before, 'ae-c') - 100 / 3) <= 1);

    const during = desk.routeMany(100);
    assert.equal(countOf(during, 'ae-c'), 0);
    assert.ok(desk.decisions.slice(100, 200).every((d) => d.excluded.some((e) => e.aeId === 'ae-c' && e.reason === 'out_of_office')));
    assert.equal(desk.loads['ae-c']!.rejoining, true);

    const positions = desk.served();
    const back = desk.route();
    const c = back.candidates.find((x) => x.aeId === 'ae-c')!;
    assert.equal(c.levelledFrom, positions['ae-c']);
    assert.equal(c.served, Math.min(positions['ae-a']!, positions['ae-b']!));

    const after = [back.aeId!, ...desk.routeMany(29)];
    assert.ok(countOf(after, 'ae-c') <= 11, `ae-c took ${countOf(after, 'ae-c')} of the 30 leads after returning`);
    assert.ok(countOf(after, 'ae-c') >= 9, `ae-c took ${countOf(after, 'ae-c')} of the 30 leads after returning`);
    assert.ok(longestRun(after, 'ae-c') <= 1, `ae-c took ${longestRun(after, 'ae-c')} leads in a row`);

    const rest = [...after, ...desk.routeMany(70)];
    for (const id of ['ae-a', 'ae-b', 'ae-c']) assert.ok(Math.abs(countOf(rest, id) - 100 / 3) <= 1, `${id}: ${countOf(rest, id)} of 100`);
  });

  it('without the rejoin rule the same return would be a surge (what the rule prevents)', () => {
    const desk = leaveDesk();
    desk.routeMany(200);
    desk.loads = { ...desk.loads, 'ae-c': { ...desk.loads['ae-c']!, rejoining: false } };
    const after = desk.routeMany(30);
    assert.equal(countOf(after, 'ae-c'), 30, 'a backlog of about 50 positions: every one of the next 30 leads');
  });

  it('an inactive spell and a spell at capacity count as away too', () => {
    for (const away of ['inactive', 'at capacity'] as const) {
      const desk = new Desk([
        makeAe('ae-a', { capacity: UNLIMITED }),
        makeAe('ae-b', { capacity: UNLIMITED }),
        makeAe('ae-c', { capacity: 100 }),
      ]);
      desk.routeMany(60);
      if (away === 'inactive') desk.edit('ae-c', { active: false });
      else desk.loads = { ...desk.loads, 'ae-c': { ...desk.loads['ae-c']!, open: 100 } };
      assert.equal(countOf(desk.routeMany(90), 'ae-c'), 0, away);
      assert.equal(desk.loads['ae-c']!.rejoining, true, away);
      if (away === 'inactive') desk.edit('ae-c', { active: true });
      else desk.loads = { ...desk.loads, 'ae-c': { ...desk.loads['ae-c']!, open: 0 } };
      const after = desk.routeMany(30);
      assert.ok(countOf(after, 'ae-c') <= 11 && longestRun(after, 'ae-c') <= 1, `${away}: ${after.join(' ')}`);
    }
  });
});

describe('no reset after edits', () => {
  function steadyDesk(): Desk {
    const desk = new Desk(['ae-a', 'ae-b', 'ae-c'].map((id) => makeAe(id, { capacity: UNLIMITED })));
    desk.routeMany(300);
    return desk;
  }

  it('a weight change keeps every position; from then on the shares follow the new weights', () => {
    const desk = steadyDesk();
    const positions = desk.served();
    assert.ok(Object.values(positions).every((p) => p === 100));
    desk.edit('ae-b', { weight: 2 });
    const next = desk.route();
    assert.deepEqual(Object.fromEntries(next.candidates.map((c) => [c.aeId, c.served])), positions, 'nobody moved at the edit');
    assert.ok(next.candidates.every((c) => c.levelledFrom === undefined));

    const after = [next.aeId!, ...desk.routeMany(3999)];
    const shares = { 'ae-a': 0.25, 'ae-b': 0.5, 'ae-c': 0.25 };
    for (const [id, share] of Object.entries(shares)) {
      assert.ok(Math.abs(countOf(after, id) / 4000 - share) <= 0.02, `${id}: ${countOf(after, id)} of 4000`);
    }
    // ae-b's position moved by 1 ÷ 2 per lead after the edit.
    assert.equal(desk.loads['ae-b']!.served, 100 + countOf(after, 'ae-b') / 2);
  });

  it('a new AE rejoins level with the lowest position and does not take a run of leads', () => {
    const desk = steadyDesk();
    desk.roster = [...desk.roster, makeAe('ae-d', { capacity: UNLIMITED })];
    const first = desk.route();
    const d = first.candidates.find((x) => x.aeId === 'ae-d')!;
    assert.equal(d.levelledFrom, 0);
    assert.equal(d.served, 100);
    assert.equal(d.assigned, 0);
    const after = [first.aeId!, ...desk.routeMany(39)];
    assert.ok(countOf(after, 'ae-d') <= 11, `ae-d took ${countOf(after, 'ae-d')} of 40`);
    assert.ok(longestRun(after, 'ae-d') <= 1, after.join(' '));
  });

  it('without the rejoin rule a new AE at position 0 would take every lead for a long while', () => {
    const desk = steadyDesk();
    desk.roster = [...desk.roster, makeAe('ae-d', { capacity: UNLIMITED })];
    desk.loads = { ...desk.loads, 'ae-d': { assigned: 0, served: 0, open: 0, rejoining: false } };
    assert.equal(countOf(desk.routeMany(40), 'ae-d'), 40);
  });

  describe('a territory edit (the roster store marks the AE to rejoin)', () => {
    /** ae-a and ae-b cover the US; ae-g covers GB and sees `gbLeads` GB leads among 300 US ones. */
    function territoryDesk(gbLeads: number): Desk {
      const desk = new Desk([
        makeAe('ae-a', { regions: ['US'], capacity: UNLIMITED }),
        makeAe('ae-b', { regions: ['US'], capacity: UNLIMITED }),
        makeAe('ae-g', { regions: ['GB'], capacity: UNLIMITED }),
      ]);
      const gb = { ...LEAD, company: { ...LEAD.company, region: 'GB' } };
      desk.routeMany(300);
      desk.routeMany(gbLeads, { lead: gb });
      assert.equal(desk.loads['ae-g']!.served, gbLeads);
      desk.edit('ae-g', { regions: ['US'] });
      desk.loads = { ...desk.loads, 'ae-g': { ...desk.loads['ae-g']!, rejoining: true } };
      return desk;
    }

    it('an AE moved into a busier pool is levelled up to its floor, and does not take a run', () => {
      const desk = territoryDesk(20);
      const first = desk.route();
      const g = first.candidates.find((x) => x.aeId === 'ae-g')!;
      assert.deepEqual([g.levelledFrom, g.served], [20, 150]);
      const after = [first.aeId!, ...desk.routeMany(29)];
      assert.ok(countOf(after, 'ae-g') <= 11 && longestRun(after, 'ae-g') <= 1, after.join(' '));
      assert.equal(desk.loads['ae-g']!.rejoining, false);
    });

    it('an AE moved into a quieter pool is never lowered: it waits until the others catch up', () => {
      const desk = territoryDesk(200);
      const first = desk.route();
      const g = first.candidates.find((x) => x.aeId === 'ae-g')!;
      assert.deepEqual([g.levelledFrom, g.served], [undefined, 200]);
      assert.deepEqual(desk.loads['ae-g'], { ...desk.loads['ae-g'], served: 200, rejoining: false });
      const after = [first.aeId!, ...desk.routeMany(99)];
      assert.equal(countOf(after, 'ae-g'), 0, 'ae-a and ae-b move from 150 to 200 first');
      const later = desk.routeMany(30);
      assert.ok(Math.abs(countOf(later, 'ae-g') - 10) <= 1, later.join(' '));
    });
  });
});

describe('rejoin levelling without a settled peer', () => {
  /** ae-a has taken 50 leads; ae-c is back from leave at position 10 and marked to rejoin. */
  function returned(): Desk {
    const desk = new Desk([makeAe('ae-a', { capacity: UNLIMITED }), makeAe('ae-c', { capacity: UNLIMITED })]);
    desk.loads = {
      'ae-a': { assigned: 50, served: 50, open: 0, lastAssignedAt: START - MS.hour, rejoining: false },
      'ae-c': { assigned: 10, served: 10, open: 0, lastAssignedAt: START - 40 * MS.day, rejoining: true },
    };
    return desk;
  }

  it('the control: an ordinary lead levels the returning AE, who then takes about half', () => {
    const desk = returned();
    const after = desk.routeMany(10);
    assert.ok(countOf(after, 'ae-c') <= 6, after.join(' '));
  });

  it('a first lead that only the returning AE may take (a re-route away from the others, or a named target) still leaves it levelled', () => {
    for (const first of [{ exclude: ['ae-a'] }, { target: 'ae-c' }]) {
      const desk = returned();
      desk.route(first);
      const after = desk.routeMany(10);
      assert.ok(countOf(after, 'ae-c') <= 6, `${JSON.stringify(first)}: ${after.join(' ')}`);
    }
  });

  it('when nobody in the pool is settled (a bulk edit), a new AE starts level with the highest, not below them all', () => {
    const desk = new Desk([
      makeAe('ae-a', { capacity: UNLIMITED }),
      makeAe('ae-b', { capacity: UNLIMITED }),
      makeAe('ae-n', { capacity: UNLIMITED }),
    ]);
    desk.loads = {
      'ae-a': { assigned: 100, served: 100, open: 0, lastAssignedAt: START - MS.hour, rejoining: true },
      'ae-b': { assigned: 90, served: 90, open: 0, lastAssignedAt: START - 2 * MS.hour, rejoining: true },
    };
    const first = desk.route();
    assert.deepEqual(
      first.candidates.map((c) => [c.aeId, c.served]),
      [
        ['ae-n', 100],
        ['ae-b', 100],
        ['ae-a', 100],
      ],
    );
    const after = [first.aeId!, ...desk.routeMany(29)];
    assert.ok(countOf(after, 'ae-n') <= 10 && longestRun(after, 'ae-n') <= 1, after.join(' '));
  });
});
