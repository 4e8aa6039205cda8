import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChecklistPatchSchema } from '../../src/domain/actions.js';
import { LEAD_FIELDS, LeadSchema, leadField, mergeLead, SubmissionSchema, type Lead } from '../../src/domain/lead.js';
import { EXAMPLE_SUBMISSION, exampleLead } from './fixtures.js';

/** Paths of the issues when `value` fails LeadSchema (fails the test when it parses). */
function leadIssues(value: unknown): string[] {
  const result = LeadSchema.safeParse(value);
  assert.equal(result.success, false, `accepted: ${JSON.stringify(value)}`);
  return result.error.issues.map((i) => i.path.join('.'));
}

describe('LeadSchema', () => {
  it('parses the DESIGN §4 example unchanged', () => {
    const { handoffId: _id, ...lead } = EXAMPLE_SUBMISSION;
    assert.deepEqual(LeadSchema.parse(lead), lead);
  });

  it('accepts an empty draft (every field optional)', () => {
    assert.deepEqual(LeadSchema.parse({}), {});
    assert.deepEqual(LeadSchema.parse({ company: {} }), { company: {} });
  });

  it('does not invent absent optional fields', () => {
    assert.deepEqual(Object.keys(LeadSchema.parse({ company: { name: 'Acme' } }).company!), ['name']);
  });

  describe('strict objects refuse unknown fields', () => {
    const cases: [string, object, string][] = [
      ['top level', { priority: 'high' }, ''],
      ['contact', { contact: { phone: '555' } }, 'contact'],
      ['company', { company: { revenue: 1 } }, 'company'],
      ['engagement', { engagement: { opens: 3 } }, 'engagement'],
      ['nextStep', { nextStep: { agenda: 'x' } }, 'nextStep'],
      ['urgency', { urgency: { priority: 'p1' } }, 'urgency'],
      ['context', { context: { mood: 'good' } }, 'context'],
    ];
    for (const [where, value, path] of cases) {
      it(where, () => {
        const result = LeadSchema.safeParse(value);
        assert.equal(result.success, false);
        assert.equal(result.error.issues[0]!.code, 'unrecognized_keys');
        assert.equal(result.error.issues[0]!.path.join('.'), path);
      });
    }
  });

  describe('normalisation', () => {
    it('upper-cases and trims the region', () => {
      assert.equal(LeadSchema.parse({ company: { region: ' us ' } }).company!.region, 'US');
      assert.equal(LeadSchema.parse({ company: { region: 'Gb' } }).company!.region, 'GB');
    });
    it('lower-cases and trims the industry', () => {
      assert.equal(LeadSchema.parse({ company: { industry: '  Logistics ' } }).company!.industry, 'logistics');
    });
    it('lower-cases and trims the domain', () => {
      assert.equal(LeadSchema.parse({ company: { domain: ' ACME.Example ' } }).company!.domain, 'acme.example');
    });
    it('lower-cases the tech stack', () => {
      assert.deepEqual(LeadSchema.parse({ company: { techStack: ['SalesForce', ' HubSpot'] } }).company!.techStack, [
        'salesforce',
        'hubspot',
      ]);
    });
    it('trims text fields', () => {
      assert.equal(LeadSchema.parse({ contact: { name: '  Dana Reyes ' } }).contact!.name, 'Dana Reyes');
    });
  });

  describe('refuses invalid values, naming the field', () => {
    const cases: [string, object, string][] = [
      ['a region that is not a country code', { company: { region: 'USA' } }, 'company.region'],
      ['a domain with a scheme', { company: { domain: 'https://acme.example' } }, 'company.domain'],
      ['a domain without a TLD', { company: { domain: 'localhost' } }, 'company.domain'],
      ['negative employees', { company: { employees: -1 } }, 'company.employees'],
      ['fractional employees', { company: { employees: 4.5 } }, 'company.employees'],
      ['employees as a string', { company: { employees: '420' } }, 'company.employees'],
      ['a blank industry', { company: { industry: '  ' } }, 'company.industry'],
      ['a bad email', { contact: { email: 'dana-at-acme' } }, 'contact.email'],
      ['an unknown authority', { contact: { authority: 'ceo' } }, 'contact.authority'],
      ['a blank name', { contact: { name: '' } }, 'contact.name'],
      ['negative touchpoints', { engagement: { touchpoints: -1 } }, 'engagement.touchpoints'],
      ['meetingBooked as a string', { engagement: { meetingBooked: 'yes' } }, 'engagement.meetingBooked'],
      ['a lastTouchAt that is not a date', { engagement: { lastTouchAt: 'yesterday' } }, 'engagement.lastTouchAt'],
      ['a blank intent signal', { engagement: { intentSignals: ['ok', ''] } }, 'engagement.intentSignals.1'],
      ['a blank pain point', { painPoints: [' '] }, 'painPoints.0'],
      ['a meeting time without offset', { nextStep: { meetingAt: '2026-11-24T16:00:00' } }, 'nextStep.meetingAt'],
      ['a non-http meeting link', { nextStep: { meetingLink: 'ftp://meet.example/abc' } }, 'nextStep.meetingLink'],
      ['an unknown timeline bucket', { urgency: { timeline: 'soon' } }, 'urgency.timeline'],
      ['an unknown budget', { urgency: { budget: 'maybe' } }, 'urgency.budget'],
      ['objections that are not a list', { context: { objections: 'price' } }, 'context.objections'],
      ['a section that is not an object', { company: 'Acme' }, 'company'],
    ];
    for (const [what, value, path] of cases) {
      it(what, () => assert.deepEqual(leadIssues(value), [path]));
    }
  });

  describe('accepts the documented alternatives', () => {
    it('timeline as a bucket or a calendar date', () => {
      for (const timeline of ['0-30d', '31-90d', '90d+', 'unknown', '2027-01-15']) {
        assert.equal(LeadSchema.parse({ urgency: { timeline } }).urgency!.timeline, timeline);
      }
      assert.deepEqual(leadIssues({ urgency: { timeline: '2027-13-01' } }), ['urgency.timeline']);
    });
    it('lastTouchAt as a date-time with offset or a date', () => {
      for (const lastTouchAt of ['2026-11-20T15:00:00Z', '2026-11-20T10:00:00-05:00', '2026-11-20']) {
        assert.equal(LeadSchema.parse({ engagement: { lastTouchAt } }).engagement!.lastTouchAt, lastTouchAt);
      }
    });
    it('every authority and budget', () => {
      for (const authority of ['economic_buyer', 'decision_maker', 'influencer', 'user'])
        assert.ok(LeadSchema.safeParse({ contact: { authority } }).success);
      for (const budget of ['confirmed', 'indicated', 'none', 'unknown']) assert.ok(LeadSchema.safeParse({ urgency: { budget } }).success);
    });
    it('empty lists', () => {
      assert.deepEqual(LeadSchema.parse({ company: { techStack: [] }, context: { objections: [] } }), {
        company: { techStack: [] },
        context: { objections: [] },
      });
    });
  });
});

describe('SubmissionSchema', () => {
  it('parses the DESIGN §4 body with its handoffId', () => {
    assert.equal(SubmissionSchema.parse(EXAMPLE_SUBMISSION).handoffId, 'crm-lead-00417');
  });

  it('requires a URL- and id-safe handoffId of 1–128 characters', () => {
    const ok = (handoffId: unknown) => SubmissionSchema.safeParse({ handoffId }).success;
    assert.equal(ok('crm-lead-00417'), true);
    assert.equal(ok('A.b_c:d-1'), true);
    assert.equal(ok('x'.repeat(128)), true);
    assert.equal(ok('x'.repeat(129)), false);
    assert.equal(ok(''), false);
    assert.equal(ok('-leading-dash'), false);
    assert.equal(ok('has space'), false);
    assert.equal(ok('a/b'), false);
    assert.equal(ok(417), false);
    assert.equal(SubmissionSchema.safeParse({}).success, false);
  });

  it('refuses an sdrId in the body (the SDR comes from the token)', () => {
    assert.equal(SubmissionSchema.safeParse({ handoffId: 'x', sdrId: 'sdr-sam' }).success, false);
  });
});

describe('ChecklistPatchSchema', () => {
  it('refuses an empty patch', () => {
    const result = ChecklistPatchSchema.safeParse({});
    assert.equal(result.success, false);
    assert.equal(result.error.issues[0]!.message, 'the patch is empty: give at least one checklist field');
  });
  it('accepts a one-field patch and applies the lead normalisation', () => {
    assert.deepEqual(ChecklistPatchSchema.parse({ company: { region: 'de' } }), { company: { region: 'DE' } });
  });
  it('is strict like the lead', () => {
    assert.equal(ChecklistPatchSchema.safeParse({ handoffId: 'x' }).success, false);
  });
});

describe('mergeLead', () => {
  it('merges section fields: given fields replace, others are kept', () => {
    const merged = mergeLead(exampleLead(), { company: { employees: 600, region: 'CA' } });
    assert.deepEqual(merged.company, { ...exampleLead().company, employees: 600, region: 'CA' });
    assert.equal(merged.company.name, 'Acme Logistics');
  });

  it('adds a section the base lacks', () => {
    assert.deepEqual(mergeLead({}, { urgency: { budget: 'none' } }), { urgency: { budget: 'none' } });
  });

  it('keeps untouched sections as they were', () => {
    const base = exampleLead();
    const merged = mergeLead(base, { urgency: { timeline: '90d+' } });
    assert.deepEqual(merged.contact, base.contact);
    assert.deepEqual(merged.context, base.context);
    assert.deepEqual(merged.urgency, { timeline: '90d+', budget: 'confirmed', triggerEvent: 'Series C announced' });
  });

  it('replaces arrays whole, inside sections and at the top level', () => {
    const merged = mergeLead(exampleLead(), {
      company: { techStack: ['hubspot'] },
      painPoints: ['no-reporting'],
      engagement: { intentSignals: [] },
    });
    assert.deepEqual(merged.company!.techStack, ['hubspot']);
    assert.deepEqual(merged.painPoints, ['no-reporting']);
    assert.deepEqual(merged.engagement!.intentSignals, []);
    assert.equal(merged.engagement!.touchpoints, 7);
  });

  it('replaces top-level scalars (notes)', () => {
    assert.equal(mergeLead(exampleLead(), { notes: 'Call after 3pm' }).notes, 'Call after 3pm');
  });

  it('ignores undefined patch values', () => {
    const base = exampleLead();
    assert.deepEqual(mergeLead(base, { notes: undefined, company: undefined }), base);
  });

  it('does not mutate the base or the patch', () => {
    const base = exampleLead();
    const patch: Lead = { company: { employees: 9 }, painPoints: ['x'] };
    const before = structuredClone({ base, patch });
    const merged = mergeLead(base, patch);
    assert.deepEqual({ base, patch }, before);
    assert.notEqual(merged, base);
    assert.notEqual(merged.company, base.company);
  });

  it('merging the empty patch gives an equal lead', () => {
    assert.deepEqual(mergeLead(exampleLead(), {}), exampleLead());
  });

  it('completes a draft step by step', () => {
    let lead: Lead = {};
    lead = mergeLead(lead, { contact: { name: 'Dana Reyes' } });
    lead = mergeLead(lead, { contact: { title: 'VP' }, company: { name: 'Acme' } });
    lead = mergeLead(lead, { contact: { name: 'Dana R.' } });
    assert.deepEqual(lead, { contact: { name: 'Dana R.', title: 'VP' }, company: { name: 'Acme' } });
  });
});

describe('leadField', () => {
  it('reads dot paths, and undefined for anything missing', () => {
    const lead = exampleLead();
    assert.equal(leadField(lead, 'company.employees'), 420);
    assert.deepEqual(leadField(lead, 'painPoints'), ['slow-support', 'manual-routing']);
    assert.equal(leadField(lead, 'engagement.meetingBooked'), true);
    assert.equal(leadField({}, 'company.employees'), undefined);
    assert.equal(leadField(lead, 'company.employees.value'), undefined);
    assert.equal(leadField(lead, 'company.ceo'), undefined);
  });

  it('every policy-visible field in LEAD_FIELDS exists on the example lead with its declared kind', () => {
    const lead = exampleLead();
    for (const [path, kind] of Object.entries(LEAD_FIELDS)) {
      const value = leadField(lead, path);
      assert.notEqual(value, undefined, path);
      const actual = Array.isArray(value) ? 'list' : typeof value;
      assert.equal(actual, kind, path);
    }
  });
});
