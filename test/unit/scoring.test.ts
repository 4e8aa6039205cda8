import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Lead } from '../../src/domain/lead.js';
import { parsePolicy, type Policy } from '../../src/domain/policy.js';
import { scoreLead, type Score } from '../../src/domain/scoring.js';
import { blankScoringLead, exampleLead, loadDefaultPolicy, minimalPolicyDocument } from './fixtures.js';

let policy: Policy;
before(async () => {
  policy = await loadDefaultPolicy();
});

const score = (lead: Lead): Score => scoreLead(lead, policy.scoring);
const firedIds = (s: Score): string[] => s.rules.map((r) => r.id);

/** The blank lead (no rule fires) with one edit applied. */
function blankWith(edit: (lead: Lead) => void): Lead {
  const lead = blankScoringLead();
  edit(lead);
  return lead;
}

/** Points of one rule on a lead, or 0 when it does not fire. */
function pointsOf(lead: Lead, id: string): number {
  return score(lead).rules.find((r) => r.id === id)?.points ?? 0;
}

describe('scoreLead with the shipped policy', () => {
  it('lists the default rules of DESIGN §2.3 with their categories and maximum points', () => {
    assert.deepEqual(
      policy.scoring.rules.map((r) => [r.id, r.category, r.points]),
      [
        ['fit.size.core', 'fit', 10],
        ['fit.size.small', 'fit', 6],
        ['fit.industry', 'fit', 10],
        ['fit.region', 'fit', 5],
        ['fit.tech-stack', 'fit', 5],
        ['engagement.replied', 'engagement', 10],
        ['engagement.meeting-booked', 'engagement', 10],
        ['engagement.response-rate', 'engagement', 5],
        ['engagement.touchpoints', 'engagement', 5],
        ['intent.pricing-page', 'intent', 10],
        ['intent.third-party-signal', 'intent', 15],
        ['intent.content-download', 'intent', 5],
        ['intent.trigger-event', 'intent', 10],
      ],
    );
    assert.deepEqual(policy.scoring.caps, { fit: 30, engagement: 30, intent: 40 });
    assert.equal(policy.scoring.threshold, 50);
  });

  it('scores the DESIGN §4 example lead fit 30 / engagement 30 / intent 40 / total 100', () => {
    const s = score(exampleLead());
    assert.equal(s.fit, 30);
    assert.equal(s.engagement, 30);
    assert.equal(s.intent, 40);
    assert.equal(s.total, 100);
    assert.deepEqual(s.capped, []);
    assert.deepEqual(
      s.rules.map((r) => [r.id, r.points]),
      [
        ['fit.size.core', 10],
        ['fit.industry', 10],
        ['fit.region', 5],
        ['fit.tech-stack', 5],
        ['engagement.replied', 10],
        ['engagement.meeting-booked', 10],
        ['engagement.response-rate', 5],
        ['engagement.touchpoints', 5],
        ['intent.pricing-page', 10],
        ['intent.third-party-signal', 15],
        ['intent.content-download', 5],
        ['intent.trigger-event', 10],
      ],
    );
  });

  it('carries category and description on every fired rule', () => {
    const s = score(exampleLead());
    for (const fired of s.rules) {
      const rule = policy.scoring.rules.find((r) => r.id === fired.id)!;
      assert.equal(fired.category, rule.category, fired.id);
      assert.equal(fired.description, rule.description, fired.id);
    }
    assert.equal(s.rules.find((r) => r.id === 'engagement.response-rate')?.description, 'replies / touchpoints ≥ 20 %');
  });

  it('scores 0 with no rule fired for the blank lead', () => {
    const s = score(blankScoringLead());
    assert.deepEqual(s, { total: 0, fit: 0, engagement: 0, intent: 0, rules: [], capped: [] });
  });

  it('scores 0 for an empty draft without throwing on missing sections', () => {
    assert.deepEqual(score({}), { total: 0, fit: 0, engagement: 0, intent: 0, rules: [], capped: [] });
  });

  describe('fit: employee size band', () => {
    const cases: [number, string | null, number][] = [
      [0, null, 0],
      [49, null, 0],
      [50, 'fit.size.small', 6],
      [120, 'fit.size.small', 6],
      [199, 'fit.size.small', 6],
      [200, 'fit.size.core', 10],
      [1000, 'fit.size.core', 10],
      [5000, 'fit.size.core', 10],
      [5001, null, 0],
      [100_000, null, 0],
    ];
    for (const [employees, rule, fit] of cases) {
      it(`${employees} employees → ${rule ?? 'no size rule'} (+${fit})`, () => {
        const s = score(blankWith((l) => (l.company!.employees = employees)));
        assert.deepEqual(firedIds(s), rule ? [rule] : []);
        assert.equal(s.fit, fit);
        assert.equal(s.total, fit);
      });
    }

    it('unknown employee count scores no size points', () => {
      const s = score(blankWith((l) => delete l.company!.employees));
      assert.deepEqual(firedIds(s), []);
    });
  });

  describe('fit: industry in the target list', () => {
    for (const industry of ['software', 'logistics', 'fintech', 'healthcare', 'manufacturing', 'retail']) {
      it(`${industry} scores +10`, () => {
        assert.equal(
          pointsOf(
            blankWith((l) => (l.company!.industry = industry)),
            'fit.industry',
          ),
          10,
        );
      });
    }
    it('matches case-insensitively (an un-normalised "Logistics")', () => {
      const s = score(blankWith((l) => (l.company!.industry = 'Logistics')));
      assert.deepEqual(firedIds(s), ['fit.industry']);
      assert.equal(s.fit, 10);
    });
    for (const industry of ['gaming', 'logistic', 'software services', '']) {
      it(`"${industry}" does not score`, () => {
        assert.equal(
          pointsOf(
            blankWith((l) => (l.company!.industry = industry)),
            'fit.industry',
          ),
          0,
        );
      });
    }
    it('missing industry does not score', () => {
      assert.equal(
        pointsOf(
          blankWith((l) => delete l.company!.industry),
          'fit.industry',
        ),
        0,
      );
    });
  });

  describe('fit: region in the target list', () => {
    for (const region of ['US', 'CA', 'GB', 'IE', 'DE', 'FR', 'NL', 'AU']) {
      it(`${region} scores +5`, () => {
        const s = score(blankWith((l) => (l.company!.region = region)));
        assert.deepEqual(firedIds(s), ['fit.region']);
        assert.equal(s.fit, 5);
      });
    }
    it('matches case-insensitively (an un-normalised "gb")', () => {
      assert.equal(
        pointsOf(
          blankWith((l) => (l.company!.region = 'gb')),
          'fit.region',
        ),
        5,
      );
    });
    for (const region of ['BR', 'JP', 'ES', 'UK']) {
      it(`${region} does not score`, () => {
        assert.equal(
          pointsOf(
            blankWith((l) => (l.company!.region = region)),
            'fit.region',
          ),
          0,
        );
      });
    }
  });

  describe('fit: tech stack shares a tool with the target stack', () => {
    for (const tool of ['salesforce', 'hubspot', 'zendesk', 'intercom']) {
      it(`a stack containing ${tool} scores +5`, () => {
        const s = score(blankWith((l) => (l.company!.techStack = ['pipedrive', tool])));
        assert.deepEqual(firedIds(s), ['fit.tech-stack']);
        assert.equal(s.fit, 5);
      });
    }
    it('several shared tools still score +5 once', () => {
      const s = score(blankWith((l) => (l.company!.techStack = ['salesforce', 'hubspot', 'zendesk', 'intercom'])));
      assert.deepEqual(
        s.rules.map((r) => [r.id, r.points]),
        [['fit.tech-stack', 5]],
      );
    });
    it('matches case-insensitively', () => {
      assert.equal(
        pointsOf(
          blankWith((l) => (l.company!.techStack = ['HubSpot'])),
          'fit.tech-stack',
        ),
        5,
      );
    });
    it('an empty or disjoint stack does not score', () => {
      assert.equal(
        pointsOf(
          blankWith((l) => (l.company!.techStack = [])),
          'fit.tech-stack',
        ),
        0,
      );
      assert.equal(
        pointsOf(
          blankWith((l) => (l.company!.techStack = ['pipedrive', 'freshdesk'])),
          'fit.tech-stack',
        ),
        0,
      );
      assert.equal(
        pointsOf(
          blankWith((l) => delete l.company!.techStack),
          'fit.tech-stack',
        ),
        0,
      );
    });
    it('needs a whole tool, not a substring', () => {
      assert.equal(
        pointsOf(
          blankWith((l) => (l.company!.techStack = ['salesforce-cpq'])),
          'fit.tech-stack',
        ),
        0,
      );
    });
  });

  describe('engagement: at least one reply', () => {
    it('0 replies → no points', () => {
      assert.equal(
        pointsOf(
          blankWith((l) => (l.engagement!.replies = 0)),
          'engagement.replied',
        ),
        0,
      );
    });
    it('1 reply → +10', () => {
      // 1 reply over 10 touchpoints: the ratio rule (10 %) must not fire, so only "replied" counts.
      const s = score(
        blankWith((l) => {
          l.engagement!.replies = 1;
          l.engagement!.touchpoints = 10;
        }),
      );
      assert.deepEqual(firedIds(s), ['engagement.replied', 'engagement.touchpoints']);
      assert.equal(
        pointsOf(
          blankWith((l) => (l.engagement!.replies = 1)),
          'engagement.replied',
        ),
        10,
      );
    });
    it('missing replies → no points', () => {
      assert.equal(
        pointsOf(
          blankWith((l) => delete l.engagement!.replies),
          'engagement.replied',
        ),
        0,
      );
    });
  });

  describe('engagement: meeting booked', () => {
    it('true → +10, alone', () => {
      const s = score(blankWith((l) => (l.engagement!.meetingBooked = true)));
      assert.deepEqual(
        s.rules.map((r) => [r.id, r.points]),
        [['engagement.meeting-booked', 10]],
      );
      assert.equal(s.engagement, 10);
    });
    it('false or missing → nothing', () => {
      assert.equal(
        pointsOf(
          blankWith((l) => (l.engagement!.meetingBooked = false)),
          'engagement.meeting-booked',
        ),
        0,
      );
      assert.equal(
        pointsOf(
          blankWith((l) => delete l.engagement!.meetingBooked),
          'engagement.meeting-booked',
        ),
        0,
      );
    });
  });

  describe('engagement: replies / touchpoints ≥ 20 %', () => {
    const ratio = (replies: number, touchpoints: number): number =>
      pointsOf(
        blankWith((l) => {
          l.engagement!.replies = replies;
          l.engagement!.touchpoints = touchpoints;
        }),
        'engagement.response-rate',
      );
    it('exactly 20 % fires (1/5, 2/10, 3/15, 7/35, 20/100)', () => {
      for (const [r, t] of [
        [1, 5],
        [2, 10],
        [3, 15],
        [7, 35],
        [20, 100],
      ] as const) {
        assert.equal(ratio(r, t), 5, `${r}/${t}`);
      }
    });
    it('just below 20 % does not fire (1/6, 19/100, 199/1000)', () => {
      assert.equal(ratio(1, 6), 0);
      assert.equal(ratio(19, 100), 0);
      assert.equal(ratio(199, 1000), 0);
    });
    it('above 20 % fires (2/7, 1/1)', () => {
      assert.equal(ratio(2, 7), 5);
      assert.equal(ratio(1, 1), 5);
    });
    it('0 touchpoints never fires (no division by zero)', () => {
      assert.equal(ratio(0, 0), 0);
      assert.equal(ratio(1, 0), 0);
    });
    it('needs both numbers', () => {
      assert.equal(
        pointsOf(
          blankWith((l) => delete l.engagement!.touchpoints),
          'engagement.response-rate',
        ),
        0,
      );
      assert.equal(
        pointsOf(
          blankWith((l) => {
            delete l.engagement!.replies;
            l.engagement!.touchpoints = 1;
          }),
          'engagement.response-rate',
        ),
        0,
      );
    });
  });

  describe('engagement: 5 or more touchpoints', () => {
    for (const [touchpoints, points] of [
      [0, 0],
      [4, 0],
      [5, 5],
      [6, 5],
      [500, 5],
    ] as const) {
      it(`${touchpoints} touchpoints → +${points}`, () => {
        const s = score(blankWith((l) => (l.engagement!.touchpoints = touchpoints)));
        assert.deepEqual(firedIds(s), points ? ['engagement.touchpoints'] : []);
        assert.equal(s.engagement, points);
      });
    }
  });

  describe('intent: pricing-page visit', () => {
    for (const [visits, points] of [
      [0, 0],
      [1, 10],
      [12, 10],
    ] as const) {
      it(`${visits} visits → +${points}`, () => {
        const s = score(blankWith((l) => (l.engagement!.pricingPageVisits = visits)));
        assert.deepEqual(firedIds(s), points ? ['intent.pricing-page'] : []);
        assert.equal(s.intent, points);
      });
    }
  });

  describe('intent: third-party intent signals (15 each, capped at 15)', () => {
    for (const [signals, points] of [
      [[], 0],
      [['g2-category'], 15],
      [['g2-category', 'bombora-surge'], 15],
      [['a', 'b', 'c', 'd'], 15],
    ] as const) {
      it(`${signals.length} signal(s) → +${points}`, () => {
        const s = score(blankWith((l) => (l.engagement!.intentSignals = [...signals])));
        assert.deepEqual(
          s.rules.map((r) => [r.id, r.points]),
          points ? [['intent.third-party-signal', points]] : [],
        );
        assert.equal(s.intent, points);
      });
    }
    it('missing signals → nothing', () => {
      assert.equal(
        pointsOf(
          blankWith((l) => delete l.engagement!.intentSignals),
          'intent.third-party-signal',
        ),
        0,
      );
    });
  });

  describe('intent: content download', () => {
    for (const [downloads, points] of [
      [0, 0],
      [1, 5],
      [9, 5],
    ] as const) {
      it(`${downloads} downloads → +${points}`, () => {
        const s = score(blankWith((l) => (l.engagement!.contentDownloads = downloads)));
        assert.deepEqual(firedIds(s), points ? ['intent.content-download'] : []);
        assert.equal(s.intent, points);
      });
    }
  });

  describe('intent: trigger event stated', () => {
    it('a stated trigger event → +10', () => {
      const s = score(blankWith((l) => (l.urgency!.triggerEvent = 'Series C announced')));
      assert.deepEqual(
        s.rules.map((r) => [r.id, r.points]),
        [['intent.trigger-event', 10]],
      );
      assert.equal(s.intent, 10);
    });
    it('a blank or missing trigger event → nothing', () => {
      assert.equal(
        pointsOf(
          blankWith((l) => (l.urgency!.triggerEvent = '   ')),
          'intent.trigger-event',
        ),
        0,
      );
      assert.equal(
        pointsOf(
          blankWith((l) => (l.urgency!.triggerEvent = '')),
          'intent.trigger-event',
        ),
        0,
      );
      assert.equal(
        pointsOf(
          blankWith((l) => delete l.urgency!.triggerEvent),
          'intent.trigger-event',
        ),
        0,
      );
      assert.equal(pointsOf({}, 'intent.trigger-event'), 0);
    });
  });

  it('subtotals always sum to the total and equal the capped sums of the fired rules', () => {
    const variants: Lead[] = [exampleLead(), blankScoringLead(), {}];
    for (const employees of [49, 60, 300, 9000]) {
      for (const replies of [0, 1, 3]) {
        for (const trigger of [undefined, 'new CFO']) {
          const lead = exampleLead();
          lead.company!.employees = employees;
          lead.engagement!.replies = replies;
          if (trigger) lead.urgency!.triggerEvent = trigger;
          else delete lead.urgency!.triggerEvent;
          variants.push(lead);
        }
      }
    }
    for (const lead of variants) {
      const s = score(lead);
      assert.equal(s.fit + s.engagement + s.intent, s.total);
      for (const category of ['fit', 'engagement', 'intent'] as const) {
        const raw = s.rules.filter((r) => r.category === category).reduce((sum, r) => sum + r.points, 0);
        assert.equal(s[category], Math.min(raw, policy.scoring.caps[category]));
      }
      assert.ok(s.total >= 0 && s.total <= 100);
    }
  });

  it('a mixed lead scores the sum of exactly the rules that fire', () => {
    // 150 employees (+6), retail (+10), JP (0), hubspot (+5); 1 reply of 4 touchpoints (+10, +5 ratio,
    // touchpoints 4 → 0), no meeting; 2 signals (+15), no pricing, 2 downloads (+5), no trigger.
    const lead: Lead = {
      company: { employees: 150, industry: 'retail', region: 'JP', techStack: ['hubspot'] },
      engagement: {
        touchpoints: 4,
        replies: 1,
        meetingBooked: false,
        pricingPageVisits: 0,
        contentDownloads: 2,
        intentSignals: ['a', 'b'],
      },
    };
    const s = score(lead);
    assert.deepEqual(firedIds(s), [
      'fit.size.small',
      'fit.industry',
      'fit.tech-stack',
      'engagement.replied',
      'engagement.response-rate',
      'intent.third-party-signal',
      'intent.content-download',
    ]);
    assert.deepEqual(
      { fit: s.fit, engagement: s.engagement, intent: s.intent, total: s.total },
      { fit: 21, engagement: 15, intent: 20, total: 56 },
    );
  });
});

describe('scoreLead category caps', () => {
  /** A policy that adds `extra` to the shipped rules. */
  async function policyWith(extra: object[], caps?: object): Promise<Policy> {
    const shipped = await loadDefaultPolicy();
    const doc = minimalPolicyDocument();
    return parsePolicy({
      ...doc,
      scoring: { threshold: 50, ...(caps ? { caps } : {}), rules: [...shipped.scoring.rules, ...extra] },
    });
  }

  it('caps fit at 30 and reports it as capped, keeping the uncapped rule points', async () => {
    const p = await policyWith([
      {
        id: 'fit.authority',
        category: 'fit',
        description: 'decision maker',
        points: 8,
        when: { op: 'in', field: 'contact.authority', values: ['decision_maker'] },
      },
    ]);
    const s = scoreLead(exampleLead(), p.scoring);
    assert.equal(s.fit, 30);
    assert.deepEqual(s.capped, ['fit']);
    assert.equal(s.rules.find((r) => r.id === 'fit.authority')?.points, 8);
    assert.equal(
      s.rules.filter((r) => r.category === 'fit').reduce((a, r) => a + r.points, 0),
      38,
    );
    assert.equal(s.total, 100);
  });

  it('caps engagement at 30', async () => {
    const p = await policyWith([
      {
        id: 'engagement.pains',
        category: 'engagement',
        description: 'pains stated',
        points: 3,
        when: { op: 'count', field: 'painPoints', min: 1 },
      },
    ]);
    const s = scoreLead(exampleLead(), p.scoring);
    assert.equal(s.engagement, 30);
    assert.deepEqual(s.capped, ['engagement']);
    assert.equal(s.total, 100);
  });

  it('caps intent at 40', async () => {
    const p = await policyWith([
      {
        id: 'intent.budget',
        category: 'intent',
        description: 'budget confirmed',
        points: 10,
        when: { op: 'in', field: 'urgency.budget', values: ['confirmed'] },
      },
    ]);
    const s = scoreLead(exampleLead(), p.scoring);
    assert.equal(s.intent, 40);
    assert.deepEqual(s.capped, ['intent']);
    assert.equal(s.total, 100);
  });

  it('lists every capped category, in fit/engagement/intent order', async () => {
    const p = await policyWith([
      {
        id: 'intent.budget',
        category: 'intent',
        description: 'b',
        points: 1,
        when: { op: 'in', field: 'urgency.budget', values: ['confirmed'] },
      },
      { id: 'fit.authority', category: 'fit', description: 'a', points: 1, when: { op: 'present', field: 'contact.authority' } },
    ]);
    assert.deepEqual(scoreLead(exampleLead(), p.scoring).capped, ['fit', 'intent']);
  });

  it('a sum exactly at the cap is not "capped"', () => {
    assert.deepEqual(scoreLead(exampleLead(), policy.scoring).capped, []);
  });

  it('honours caps set in the policy', async () => {
    const p = await policyWith([], { fit: 10, engagement: 5, intent: 0 });
    const s = scoreLead(exampleLead(), p.scoring);
    assert.deepEqual(
      { fit: s.fit, engagement: s.engagement, intent: s.intent, total: s.total },
      { fit: 10, engagement: 5, intent: 0, total: 15 },
    );
    assert.deepEqual(s.capped, ['fit', 'engagement', 'intent']);
    assert.equal(s.rules.length, 12, 'rules still list every rule that fired');
  });
});

describe('scoreLead condition operators', () => {
  function scoringWith(rule: object) {
    return parsePolicy({
      ...minimalPolicyDocument(),
      scoring: { rules: [{ id: 'r', category: 'intent', description: 'r', points: 7, ...rule }] },
    }).scoring;
  }

  it('between: inclusive bounds, either bound optional', () => {
    const both = scoringWith({ when: { op: 'between', field: 'engagement.touchpoints', min: 2, max: 4 } });
    const pts = (n: number) => scoreLead({ engagement: { touchpoints: n } }, both).total;
    assert.deepEqual([1, 2, 3, 4, 5].map(pts), [0, 7, 7, 7, 0]);
    const maxOnly = scoringWith({ when: { op: 'between', field: 'engagement.touchpoints', max: 3 } });
    assert.equal(scoreLead({ engagement: { touchpoints: 0 } }, maxOnly).total, 7);
    assert.equal(scoreLead({ engagement: { touchpoints: 4 } }, maxOnly).total, 0);
    assert.equal(scoreLead({}, maxOnly).total, 0, 'a missing number never matches');
  });

  it('count with pointsEach scores per item up to points; count without pointsEach scores points once', () => {
    const each = scoringWith({ points: 12, pointsEach: 5, when: { op: 'count', field: 'painPoints' } });
    const pts = (n: number) => scoreLead({ painPoints: Array.from({ length: n }, (_, i) => `p${i}`) }, each).total;
    assert.deepEqual([0, 1, 2, 3, 4].map(pts), [0, 5, 10, 12, 12]);
    const atLeastTwo = scoringWith({ when: { op: 'count', field: 'painPoints', min: 2 } });
    assert.equal(scoreLead({ painPoints: ['a'] }, atLeastTwo).total, 0);
    assert.equal(scoreLead({ painPoints: ['a', 'b'] }, atLeastTwo).total, 7);
    assert.equal(scoreLead({ painPoints: ['a', 'b', 'c'] }, atLeastTwo).total, 7);
  });

  it('isTrue only fires on true', () => {
    const s = scoringWith({ when: { op: 'isTrue', field: 'engagement.meetingBooked' } });
    assert.equal(scoreLead({ engagement: { meetingBooked: true } }, s).total, 7);
    assert.equal(scoreLead({ engagement: { meetingBooked: false } }, s).total, 0);
    assert.equal(scoreLead({}, s).total, 0);
  });

  it('present: non-blank strings, non-empty lists', () => {
    const s = scoringWith({ when: { op: 'present', field: 'painPoints' } });
    assert.equal(scoreLead({ painPoints: ['x'] }, s).total, 7);
    assert.equal(scoreLead({ painPoints: [] }, s).total, 0);
    const champ = scoringWith({ when: { op: 'present', field: 'context.champion' } });
    assert.equal(scoreLead({ context: { champion: 'Dana' } }, champ).total, 7);
    assert.equal(scoreLead({ context: { champion: ' ' } }, champ).total, 0);
  });

  it('a rule giving 0 points never appears among the fired rules', () => {
    const s = scoringWith({ points: 0, when: { op: 'present', field: 'urgency.triggerEvent' } });
    assert.deepEqual(scoreLead(exampleLead(), s).rules, []);
  });
});
