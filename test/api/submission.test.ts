/** The pure helpers behind POST /v1/handoffs: idempotency fingerprint, Web UI summary and details, list queries. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { readPolicyFile } from '../../src/policy/file.js';
import { quote, visibilityQuery } from '../../src/api/routes/handoffs.js';
import { canonicalJson, staticDetails, staticSummary, submissionHash } from '../../src/api/submission.js';
import { assessLead } from '../../src/domain/assessment.js';
import { repoRoot } from '../../src/config.js';
import { SubmissionSchema, type Lead } from '../../src/domain/lead.js';
import type { Policy } from '../../src/domain/policy.js';
import { exampleLead } from '../fixtures/leads.js';

let policy: Policy;
before(async () => {
  policy = await readPolicyFile(path.join(repoRoot, 'policy', 'default.yaml'));
});

const lead: Lead = exampleLead;

describe('submission fingerprint', () => {
  test('canonical JSON sorts keys at every level and drops undefined', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });

  test('the same submission hashes the same whatever the key order, spacing or case the schema normalises', () => {
    const a = SubmissionSchema.parse({ handoffId: 'crm-1', company: { name: 'Acme', region: 'us', industry: 'Logistics' } });
    const b = SubmissionSchema.parse({ company: { industry: 'logistics', region: 'US ', name: ' Acme' }, handoffId: 'crm-1' });
    assert.equal(submissionHash(a), submissionHash(b));
    assert.match(submissionHash(a), /^[0-9a-f]{64}$/);
  });

  test('a different body hashes differently', () => {
    const a = SubmissionSchema.parse({ handoffId: 'crm-1', company: { name: 'Acme' } });
    const b = SubmissionSchema.parse({ handoffId: 'crm-1', company: { name: 'Acme', employees: 5 } });
    assert.notEqual(submissionHash(a), submissionHash(b));
  });
});

describe('Web UI summary and details', () => {
  test('a complete lead: company — contact · tier · score', () => {
    assert.equal(staticSummary(lead, assessLead(lead, policy)), 'Acme Logistics — Dana Reyes · hot · score 100');
  });

  test('a draft shows its provisional tier', () => {
    const draft: Lead = { contact: lead.contact, company: lead.company };
    assert.equal(staticSummary(draft, assessLead(draft, policy)), 'Acme Logistics — Dana Reyes · cool (provisional) · score 30');
    assert.equal(staticSummary({}, assessLead({}, policy)), '(company missing) — (contact missing) · cool (provisional) · score 0');
  });

  test('details name the SDR, the missing items, the pain points and the next step', () => {
    const draft: Lead = { company: lead.company, painPoints: ['slow-support'], nextStep: { text: 'Demo' } };
    const details = staticDetails('sdr-jo', draft, assessLead(draft, policy));
    assert.match(details, /\*\*SDR:\*\* sdr-jo/);
    assert.match(details, /missing `contact\.name`/);
    assert.match(details, /\*\*Pain points:\*\* slow-support/);
    assert.match(details, /\*\*Next step:\*\* Demo/);
  });
});

describe('visibility queries', () => {
  const now = Date.parse('2026-11-21T10:00:00Z');

  test('quotes escape quotes and backslashes', () => {
    assert.equal(quote("o'brien\\x"), "'o\\'brien\\\\x'");
  });

  test('filters become clauses on the search attributes', () => {
    assert.equal(visibilityQuery({}, now), "WorkflowType = 'handoff'");
    assert.equal(
      visibilityQuery({ stage: 'assigned', tier: 'hot', ae: 'ae-kim', sdr: 'sdr-jo' }, now),
      "WorkflowType = 'handoff' AND HandoffStage = 'assigned' AND HandoffTier = 'hot' AND AssignedAe = 'ae-kim' AND SdrId = 'sdr-jo'",
    );
  });

  test('at risk: assigned or accepted with the contact deadline within two hours', () => {
    assert.equal(
      visibilityQuery({ atRisk: true }, now),
      "WorkflowType = 'handoff' AND HandoffStage IN ('assigned', 'accepted') AND ContactDeadline < '2026-11-21T12:00:00.000Z'",
    );
  });
});
