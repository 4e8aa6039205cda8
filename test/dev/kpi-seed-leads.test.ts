import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { seedKpiHandoffs, type KpiSeedOptions, type SeededHandoff } from '../../src/dev/kpi-seed.js';
import { checkChecklist } from '../../src/domain/checklist.js';
import { checkIcp } from '../../src/domain/icp.js';
import { LeadSchema, TIMELINE_BUCKETS, type Lead } from '../../src/domain/lead.js';
import { LedgerBatchSchema } from '../../src/domain/ledger.js';
import type { Policy } from '../../src/domain/policy.js';
import { scoreLead } from '../../src/domain/scoring.js';
import { provisionalTierFor, tierFor } from '../../src/domain/tiers.js';
import { readPolicyFile } from '../../src/policy/file.js';

/**
 * The seed's lead data (what the policy simulator replays) agrees, under the shipped policy, with
 * what the seed's stories record: the ICP result, the score, the tier, a draft's missing items and
 * provisional tier. And adding the leads changed nothing else the seed produces.
 */

const SEEDS: KpiSeedOptions[] = [
  { count: 600, weeks: 6, endingAt: '2026-11-22T00:00:00Z', seed: 20261122 },
  // A short span: many drafts are still open at `endingAt`.
  { count: 400, weeks: 1, endingAt: '2026-03-01T00:00:00Z', seed: 7 },
];

let policy: Policy;
before(async () => {
  policy = await readPolicyFile(fileURLToPath(new URL('../../policy/default.yaml', import.meta.url)));
});

const completed = (h: SeededHandoff): boolean => h.batches.some((b) => b.entries.some((e) => e.event === 'checklist_completed'));
const submittedAsDraft = (h: SeededHandoff): boolean => h.batches[0]!.entries[0]!.detail!.startsWith('draft');
const tierOf = (lead: Lead) => tierFor(scoreLead(lead, policy.scoring), lead, policy);
const provisionalTierOf = (lead: Lead) => provisionalTierFor(scoreLead(lead, policy.scoring), lead, policy);
const label = (h: SeededHandoff): string => `${h.handoffId} (${h.scenario})`;

/** What the checklist still misses as the SDR's latest submission or update says (`draft; missing: a, b`, `checklist complete`). */
function missingPerTimeline(detail: string): string[] {
  const list = /missing: (.*)$/.exec(detail)?.[1];
  return list ? list.split(', ').sort() : [];
}

for (const options of SEEDS) {
  describe(`seeded leads (seed ${options.seed}, ${options.count} hand-offs)`, () => {
    const items = seedKpiHandoffs(options);

    it('every batch carries valid lead data of the hand-off’s company and the shipped policy version', () => {
      for (const h of items) {
        for (const batch of h.batches) {
          LedgerBatchSchema.parse(batch);
          assert.ok(batch.lead, label(h));
          // Already in the form the schema gives it (lower-cased industry, upper-cased region…).
          assert.deepEqual(LeadSchema.parse(batch.lead), batch.lead, label(h));
          assert.equal(batch.lead.company?.name, h.company, label(h));
          assert.equal(batch.policyVersion, policy.version, label(h));
          assert.ok(
            Date.parse(batch.lead.engagement!.lastTouchAt!) < Date.parse(h.submittedAt),
            `${label(h)}: last touch before submission`,
          );
        }
        assert.deepEqual(h.lead, h.batches.at(-1)!.lead, `${label(h)}: the description's lead is the last batch's`);
      }
    });

    it('the ICP result, score and tier of the last lead are what the seed records', () => {
      for (const h of items) {
        const lead = h.lead;
        assert.equal(checkIcp(lead, policy.icp).pass, h.scenario !== 'notIcp', `${label(h)}: ICP`);
        if (h.score !== null) {
          assert.equal(scoreLead(lead, policy.scoring).total, h.score, `${label(h)}: score`);
          assert.equal(h.batches.at(-1)!.facts.score, h.score, `${label(h)}: facts' score`);
        }
        if (h.tier !== null) assert.equal(tierOf(lead), h.tier, `${label(h)}: tier`);
        if (h.scenario === 'nurture' && h.score !== null) assert.equal(tierOf(lead), null, `${label(h)}: below the threshold`);
        if (h.scenario === 'notIcp') assert.equal(h.score, null, `${label(h)}: a lead outside the ICP is never scored`);
      }
    });

    it('completed hand-offs carry a complete lead; drafts that never completed, the draft with its provisional tier', () => {
      for (const h of items) {
        if (completed(h)) {
          assert.deepEqual(checkChecklist(h.lead).missing, [], label(h));
        } else {
          assert.ok(submittedAsDraft(h), label(h));
          assert.equal(checkChecklist(h.lead).complete, false, label(h));
          assert.equal(provisionalTierOf(h.lead), h.provisionalTier, `${label(h)}: provisional tier`);
        }
      }
      const kinds = new Set(items.filter((h) => !completed(h)).map((h) => h.scenario));
      assert.ok(kinds.has('withdrawn') && kinds.has('expired'), 'withdrawn and expired drafts are seeded');
      assert.ok(
        items.some((h) => !completed(h) && h.closedAt === null),
        'some drafts are still open at endingAt',
      );
    });

    it('every batch’s lead misses exactly what the timeline says, with the provisional tier while it is a draft', () => {
      for (const h of items) {
        let missing: string[] = [];
        for (const batch of h.batches) {
          for (const entry of batch.entries) {
            if (entry.event === 'submitted' || entry.event === 'checklist_updated') missing = missingPerTimeline(entry.detail!);
          }
          assert.deepEqual([...checkChecklist(batch.lead!).missing].sort(), missing, `${label(h)} from ${batch.from}`);
          if (missing.length > 0) assert.equal(provisionalTierOf(batch.lead!), h.provisionalTier, `${label(h)} from ${batch.from}`);
        }
      }
      assert.ok(
        items.some((h) => submittedAsDraft(h) && completed(h) && h.batches[0]!.lead !== h.lead),
        'some drafts complete later, with a lead that changed',
      );
    });

    it('a draft completed later keeps its company and contact (its engagement and urgency may move)', () => {
      for (const h of items.filter((i) => submittedAsDraft(i))) {
        const first = h.batches[0]!.lead!;
        assert.deepEqual(first.company, h.lead.company, label(h));
        assert.deepEqual(first.contact, h.lead.contact, label(h));
      }
    });

    it('is deterministic, leads included', () => {
      assert.deepEqual(seedKpiHandoffs(options), items);
    });

    it('varies the leads, so that different policy edits touch different hand-offs', () => {
      const leads = items.map((h) => h.lead);
      const values = <T>(of: (lead: Lead) => T): Set<T> => new Set(leads.map(of));
      assert.deepEqual([...values((l) => l.engagement?.pricingPageVisits)].sort(), [0, 1, 2, 3, 4, 5, 6]);
      assert.deepEqual([...values((l) => l.engagement?.contentDownloads)].sort(), [0, 1, 2, 3, 4]);
      assert.deepEqual([...values((l) => l.engagement?.intentSignals?.length)].sort(), [0, 1, 2, 3]);
      const timelines = values((l) => l.urgency?.timeline);
      for (const bucket of TIMELINE_BUCKETS) assert.ok(timelines.has(bucket), bucket);
      assert.ok(
        [...timelines].some((t) => /^\d{4}-\d{2}-\d{2}$/.test(t ?? '')),
        'some timelines are dates',
      );
      const targetIndustries = policy.scoring.rules.find((r) => r.id === 'fit.industry')!.when;
      assert.equal(targetIndustries.op, 'in');
      const inTarget = (l: Lead) => targetIndustries.op === 'in' && targetIndustries.values.includes(l.company!.industry!);
      assert.ok(leads.some(inTarget) && !leads.every(inTarget), 'industries in and out of the target list');
      const targetRegions = policy.scoring.rules.find((r) => r.id === 'fit.region')!.when;
      const inRegion = (l: Lead) => targetRegions.op === 'in' && targetRegions.values.includes(l.company!.region!);
      assert.ok(leads.some(inRegion) && !leads.every(inRegion), 'regions in and out of the target list');
      assert.ok(values((l) => l.company!.employees).size > items.length / 3, 'company sizes vary');
      assert.ok(leads.some((l) => l.company!.techStack!.length === 0) && leads.some((l) => l.company!.techStack!.length >= 3));
      assert.ok(leads.some((l) => l.urgency?.triggerEvent) && leads.some((l) => !l.urgency?.triggerEvent));
      assert.ok(
        items.some((h) => h.tier === 'hot' && h.score! < policy.tiers.hot.minScore),
        'some hot leads are fast-tracked',
      );
      assert.ok(values((l) => l.contact?.authority).size >= 3, 'several kinds of authority');
    });
  });
}

describe('the lead data changed nothing else the seed produces', () => {
  // Captured from the seed before it carried leads: the main random stream must be untouched.
  const options = SEEDS[0]!;
  const before = [
    {
      scenario: 'nurture',
      tier: null,
      provisionalTier: 'cool',
      aes: [],
      submittedAt: '2026-11-15T03:40:35.000Z',
      closedAt: '2026-11-15T03:40:35.000Z',
      outcome: 'nurture',
      rating: null,
    },
    {
      scenario: 'notIcp',
      tier: null,
      provisionalTier: 'warm',
      aes: [],
      submittedAt: '2026-10-20T15:52:56.000Z',
      closedAt: '2026-10-20T15:52:56.000Z',
      outcome: 'not_icp',
      rating: null,
    },
    {
      scenario: 'open',
      tier: 'cool',
      provisionalTier: 'cool',
      aes: ['ae-uma'],
      submittedAt: '2026-11-13T13:14:07.000Z',
      closedAt: null,
      outcome: null,
      rating: 4,
    },
    {
      scenario: 'contacted',
      tier: 'warm',
      provisionalTier: 'warm',
      aes: ['ae-sam'],
      submittedAt: '2026-10-31T03:51:52.000Z',
      closedAt: '2026-11-03T21:40:30.000Z',
      outcome: 'no_show',
      rating: 4,
    },
    {
      scenario: 'open',
      tier: 'cool',
      provisionalTier: 'cool',
      aes: ['ae-uma'],
      submittedAt: '2026-11-10T04:06:46.000Z',
      closedAt: null,
      outcome: null,
      rating: null,
    },
  ];
  const scenariosBefore = {
    contact_window_missed: 58,
    contacted: 214,
    expired: 14,
    manager_escalate: 5,
    manager_reassign: 2,
    manager_return: 3,
    no_eligible_ae: 33,
    notIcp: 43,
    nurture: 53,
    open: 80,
    qualification: 55,
    routing: 26,
    withdrawn: 14,
  };

  it('the first hand-offs went the same way as before', () => {
    const items = seedKpiHandoffs(options).slice(0, before.length);
    assert.deepEqual(
      items.map(({ scenario, tier, provisionalTier, aes, submittedAt, closedAt, outcome, rating }) => ({
        scenario,
        tier,
        provisionalTier,
        aes,
        submittedAt,
        closedAt,
        outcome,
        rating,
      })),
      before,
    );
  });

  it('every path is taken as often as before', () => {
    const counts: Record<string, number> = {};
    for (const h of seedKpiHandoffs(options)) counts[h.scenario] = (counts[h.scenario] ?? 0) + 1;
    assert.deepEqual(counts, scenariosBefore);
  });
});
