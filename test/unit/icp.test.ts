import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { checkIcp } from '../../src/domain/icp.js';
import type { Lead } from '../../src/domain/lead.js';
import { parsePolicy, type Policy } from '../../src/domain/policy.js';
import { exampleLead, leadWith, leadWithout, loadDefaultPolicy, minimalPolicyDocument } from './fixtures.js';

let shipped: Policy;
before(async () => {
  shipped = await loadDefaultPolicy();
});

/** An ICP section parsed like a policy file (so defaults and normalisation apply). */
function icp(section: Record<string, unknown>): Policy['icp'] {
  return parsePolicy({ ...minimalPolicyDocument(), icp: section }).icp;
}

const withEmployees = (employees: number): Lead => leadWith((l) => (l.company!.employees = employees));

describe('checkIcp with the shipped ICP', () => {
  it('is "at least 50 employees, every industry and region" (DESIGN §2.2)', () => {
    assert.deepEqual(shipped.icp, { minEmployees: 50, maxEmployees: null, industries: [], regions: [] });
  });

  it('passes the DESIGN §4 example lead', () => {
    assert.deepEqual(checkIcp(exampleLead(), shipped.icp), { pass: true, failed: [] });
  });

  it('49 employees fail minEmployees, naming the count and the minimum', () => {
    assert.deepEqual(checkIcp(withEmployees(49), shipped.icp), {
      pass: false,
      failed: [{ rule: 'minEmployees', detail: 'employees 49 < minimum 50' }],
    });
  });

  it('50 employees pass', () => {
    assert.deepEqual(checkIcp(withEmployees(50), shipped.icp), { pass: true, failed: [] });
  });

  it('0 employees fail', () => {
    assert.equal(checkIcp(withEmployees(0), shipped.icp).pass, false);
  });

  it('an unknown employee count fails minEmployees', () => {
    assert.deepEqual(checkIcp(leadWithout('company.employees'), shipped.icp), {
      pass: false,
      failed: [{ rule: 'minEmployees', detail: 'employees unknown < minimum 50' }],
    });
    assert.equal(checkIcp({}, shipped.icp).pass, false);
  });

  it('has no maximum: a 10-million-employee company passes', () => {
    assert.equal(checkIcp(withEmployees(10_000_000), shipped.icp).pass, true);
  });

  it('allows every industry and region (target lists score, they do not gate)', () => {
    const lead = leadWith((l) => {
      l.company!.industry = 'gaming';
      l.company!.region = 'BR';
    });
    assert.deepEqual(checkIcp(lead, shipped.icp), { pass: true, failed: [] });
  });

  it('however enthusiastic: a 100-scoring lead that is too small still fails', () => {
    assert.equal(checkIcp(withEmployees(10), shipped.icp).pass, false);
  });
});

describe('checkIcp with a configured ICP', () => {
  it('minEmployees defaults to 50 when the policy leaves it out', () => {
    const section = icp({});
    assert.equal(section.minEmployees, 50);
    assert.equal(checkIcp(withEmployees(49), section).pass, false);
    assert.equal(checkIcp(withEmployees(50), section).pass, true);
  });

  it('minEmployees null disables the minimum, even for an unknown count', () => {
    const section = icp({ minEmployees: null });
    assert.equal(checkIcp(withEmployees(1), section).pass, true);
    assert.equal(checkIcp(leadWithout('company.employees'), section).pass, true);
  });

  it('maxEmployees: at the maximum passes, one above fails with detail', () => {
    const section = icp({ maxEmployees: 1000 });
    assert.equal(checkIcp(withEmployees(1000), section).pass, true);
    assert.deepEqual(checkIcp(withEmployees(1001), section), {
      pass: false,
      failed: [{ rule: 'maxEmployees', detail: 'employees 1001 > maximum 1000' }],
    });
  });

  it('industries allow-list: listed passes, unlisted and unknown fail', () => {
    const section = icp({ industries: ['software', 'logistics'] });
    assert.equal(checkIcp(exampleLead(), section).pass, true);
    assert.deepEqual(
      checkIcp(
        leadWith((l) => (l.company!.industry = 'gaming')),
        section,
      ),
      {
        pass: false,
        failed: [{ rule: 'industries', detail: 'industry gaming not in software, logistics' }],
      },
    );
    assert.deepEqual(checkIcp(leadWithout('company.industry'), section).failed, [
      { rule: 'industries', detail: 'industry unknown not in software, logistics' },
    ]);
  });

  it('industries compare case-insensitively (policy and lead)', () => {
    const section = icp({ industries: ['Logistics'] });
    assert.deepEqual(section.industries, ['logistics']);
    assert.equal(
      checkIcp(
        leadWith((l) => (l.company!.industry = 'LOGISTICS')),
        section,
      ).pass,
      true,
    );
  });

  it('regions allow-list: listed passes, unlisted and unknown fail; case-insensitive', () => {
    const section = icp({ regions: ['us', 'CA'] });
    assert.deepEqual(section.regions, ['US', 'CA']);
    assert.equal(checkIcp(exampleLead(), section).pass, true);
    assert.equal(
      checkIcp(
        leadWith((l) => (l.company!.region = 'ca')),
        section,
      ).pass,
      true,
    );
    assert.deepEqual(
      checkIcp(
        leadWith((l) => (l.company!.region = 'DE')),
        section,
      ),
      {
        pass: false,
        failed: [{ rule: 'regions', detail: 'region DE not in US, CA' }],
      },
    );
    assert.deepEqual(
      checkIcp(leadWithout('company.region'), section).failed.map((f) => f.rule),
      ['regions'],
    );
  });

  it('lists every failed rule together', () => {
    const section = icp({ minEmployees: 100, industries: ['software'], regions: ['US'] });
    const lead = leadWith((l) => {
      l.company!.employees = 20;
      l.company!.industry = 'gaming';
      l.company!.region = 'BR';
    });
    assert.deepEqual(checkIcp(lead, section), {
      pass: false,
      failed: [
        { rule: 'minEmployees', detail: 'employees 20 < minimum 100' },
        { rule: 'industries', detail: 'industry gaming not in software' },
        { rule: 'regions', detail: 'region BR not in US' },
      ],
    });
  });

  it('lists maxEmployees, industries and regions together', () => {
    const section = icp({ maxEmployees: 500, industries: ['software'], regions: ['US'] });
    const lead = leadWith((l) => {
      l.company!.employees = 501;
      l.company!.industry = 'retail';
      l.company!.region = 'GB';
    });
    assert.deepEqual(
      checkIcp(lead, section).failed.map((f) => f.rule),
      ['maxEmployees', 'industries', 'regions'],
    );
  });

  it('an empty draft fails only the rules that need data it lacks', () => {
    assert.deepEqual(
      checkIcp({}, icp({ industries: ['software'], regions: ['US'], minEmployees: 5, maxEmployees: 10 })).failed.map((f) => f.rule),
      ['minEmployees', 'industries', 'regions'],
    );
  });
});
