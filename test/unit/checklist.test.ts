import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHECKLIST_ITEMS, checkChecklist } from '../../src/domain/checklist.js';
import { exampleLead, leadWith, leadWithout } from './fixtures.js';

/** Every item of DESIGN §2.1, by the name the state lists it under. */
const ALL_ITEMS = [
  'contact.name',
  'contact.title',
  'contact.email',
  'contact.authority',
  'company.name',
  'company.domain',
  'company.employees',
  'company.industry',
  'company.region',
  'company.techStack',
  'engagement.touchpoints',
  'engagement.replies',
  'engagement.lastTouchAt',
  'engagement.meetingBooked',
  'painPoints',
  'nextStep',
  'urgency.timeline',
  'urgency.budget',
  'context.objections',
  'context.champion',
  'context.decisionProcess',
  'context.whyNow',
];

describe('checkChecklist', () => {
  it('covers every item of DESIGN §2.1, in playbook order, with its category', () => {
    assert.deepEqual(
      CHECKLIST_ITEMS.map((i) => i.item),
      ALL_ITEMS,
    );
    const categories = new Map(CHECKLIST_ITEMS.map((i) => [i.item, i.category]));
    assert.equal(categories.get('contact.authority'), 'prospect profile');
    assert.equal(categories.get('company.techStack'), 'company data');
    assert.equal(categories.get('engagement.meetingBooked'), 'engagement history');
    assert.equal(categories.get('painPoints'), 'pain points');
    assert.equal(categories.get('nextStep'), 'next steps');
    assert.equal(categories.get('urgency.budget'), 'urgency');
    assert.equal(categories.get('context.whyNow'), 'context');
  });

  it('the DESIGN §4 example lead is complete', () => {
    assert.deepEqual(checkChecklist(exampleLead()), { complete: true, missing: [] });
  });

  it('an empty draft misses every item, each named', () => {
    assert.deepEqual(checkChecklist({}), { complete: false, missing: ALL_ITEMS });
  });

  it('a draft with empty sections misses every item', () => {
    const lead = { contact: {}, company: {}, engagement: {}, nextStep: {}, urgency: {}, context: {} };
    assert.deepEqual(checkChecklist(lead).missing, ALL_ITEMS);
  });

  describe('names each required item when it alone is missing', () => {
    /** The lead fields that satisfy each item (all of them must go for the item to be missing). */
    const fieldsOf: Record<string, string[]> = {
      nextStep: ['nextStep.meetingAt', 'nextStep.text'],
      'context.whyNow': ['context.whyNow', 'urgency.triggerEvent'],
    };
    for (const item of ALL_ITEMS) {
      it(item, () => {
        const result = checkChecklist(leadWithout(...(fieldsOf[item] ?? [item])));
        assert.deepEqual(result, { complete: false, missing: [item] });
      });
    }
  });

  it('lists several missing items together, in checklist order', () => {
    const result = checkChecklist(leadWithout('context.champion', 'contact.email', 'urgency.budget'));
    assert.deepEqual(result, { complete: false, missing: ['contact.email', 'urgency.budget', 'context.champion'] });
  });

  it('a whole missing section names each of its items', () => {
    assert.deepEqual(checkChecklist(leadWithout('engagement')).missing, [
      'engagement.touchpoints',
      'engagement.replies',
      'engagement.lastTouchAt',
      'engagement.meetingBooked',
    ]);
    assert.deepEqual(checkChecklist(leadWithout('nextStep')).missing, ['nextStep']);
  });

  describe('lists that may be empty but must be stated', () => {
    it('an empty tech stack counts as stated', () => {
      assert.deepEqual(checkChecklist(leadWith((l) => (l.company!.techStack = []))), { complete: true, missing: [] });
    });
    it('empty objections count as stated', () => {
      assert.deepEqual(checkChecklist(leadWith((l) => (l.context!.objections = []))), { complete: true, missing: [] });
    });
    it('empty pain points do not count: at least one is required', () => {
      assert.deepEqual(checkChecklist(leadWith((l) => (l.painPoints = []))), { complete: false, missing: ['painPoints'] });
    });
  });

  describe('falsy values that are still stated', () => {
    it('meetingBooked false counts as stated', () => {
      assert.equal(checkChecklist(leadWith((l) => (l.engagement!.meetingBooked = false))).complete, true);
    });
    it('0 touchpoints / 0 replies / 0 employees count as stated (the ICP gate judges the size)', () => {
      const lead = leadWith((l) => {
        l.engagement!.touchpoints = 0;
        l.engagement!.replies = 0;
        l.company!.employees = 0;
      });
      assert.deepEqual(checkChecklist(lead), { complete: true, missing: [] });
    });
    it('a timeline or budget of "unknown" counts as stated', () => {
      const lead = leadWith((l) => {
        l.urgency!.timeline = 'unknown';
        l.urgency!.budget = 'unknown';
      });
      assert.equal(checkChecklist(lead).complete, true);
    });
    it('a champion of "none" counts as stated', () => {
      assert.equal(checkChecklist(leadWith((l) => (l.context!.champion = 'none'))).complete, true);
    });
  });

  it('blank strings do not count as stated', () => {
    const lead = leadWith((l) => {
      l.contact!.name = '   ';
      l.context!.decisionProcess = '';
    });
    assert.deepEqual(checkChecklist(lead).missing, ['contact.name', 'context.decisionProcess']);
  });

  describe('next step: a meeting time OR agreed next-step text', () => {
    it('meetingAt alone satisfies it', () => {
      assert.equal(checkChecklist(leadWithout('nextStep.text')).complete, true);
    });
    it('text alone satisfies it', () => {
      assert.equal(checkChecklist(leadWithout('nextStep.meetingAt')).complete, true);
    });
    it('a meeting link alone does not', () => {
      const result = checkChecklist(leadWithout('nextStep.meetingAt', 'nextStep.text'));
      assert.deepEqual(result.missing, ['nextStep']);
    });
    it('blank text without a meeting time does not', () => {
      const lead = leadWith((l) => {
        delete l.nextStep!.meetingAt;
        l.nextStep!.text = ' ';
      });
      assert.deepEqual(checkChecklist(lead).missing, ['nextStep']);
    });
  });

  describe('why now: context.whyNow OR urgency.triggerEvent', () => {
    it('whyNow alone satisfies it', () => {
      assert.equal(checkChecklist(leadWithout('urgency.triggerEvent')).complete, true);
    });
    it('the trigger event alone satisfies it', () => {
      assert.equal(checkChecklist(leadWithout('context.whyNow')).complete, true);
    });
    it('neither → context.whyNow is missing', () => {
      assert.deepEqual(checkChecklist(leadWithout('context.whyNow', 'urgency.triggerEvent')).missing, ['context.whyNow']);
    });
  });

  it('optional fields (meeting link, competitor, notes, intent data) are never required', () => {
    const lead = leadWithout(
      'nextStep.meetingLink',
      'context.competitor',
      'notes',
      'engagement.pricingPageVisits',
      'engagement.contentDownloads',
      'engagement.intentSignals',
    );
    assert.deepEqual(checkChecklist(lead), { complete: true, missing: [] });
  });
});
