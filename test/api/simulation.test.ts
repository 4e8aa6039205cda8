/**
 * The what-if simulator (`POST /v1/policies/simulate`) on the 600-hand-off seeded set (the KPI
 * seed, with its lead data in the ledger), checked against changes computed by hand from the
 * seed's own description of each hand-off (its lead, score, tier, provisional tier, assignment):
 * three policy edits — threshold +10, a new intent rule, the hot hand-off window 4h → 2h — and the
 * published policy itself, which must change nothing and reproduce every recorded decision.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TokenStore } from '../../src/api/auth.js';
import { repoRoot } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { PolicyStore } from '../../src/db/policies.js';
import { RosterStore } from '../../src/db/roster.js';
import { kpiRoster, seedKpiHandoffs, writeKpiSeed, type SeededHandoff } from '../../src/dev/kpi-seed.js';
import type { Lead } from '../../src/domain/lead.js';
import type { PolicyInput } from '../../src/domain/policy.js';
import type { Bucket, SimulationReport } from '../../src/domain/simulation-report.js';
import { readPolicyDocument } from '../../src/policy/source.js';
import { testDatabase } from '../support/db.js';
import { appOnCatalog, expectJson, expectProblem, requestApp } from './http.js';

const ENDING_AT = '2026-11-23T02:00:00Z';
const RANGE = { from: '2026-10-01', to: '2026-11-23', timeZone: 'UTC' };
const HOUR = 3_600_000;
const TOKEN = 'tok-mgr';
const SHIPPED = path.join(repoRoot, 'policy', 'default.yaml');

let db: Database;
let items: SeededHandoff[];
let simulateWith: (body: Record<string, unknown>, accept?: string) => Promise<Response>;
let shipped: PolicyInput;

before(async () => {
  db = await testDatabase();
  items = seedKpiHandoffs({ count: 600, weeks: 6, endingAt: ENDING_AT, seed: 20261122 });
  await writeKpiSeed(db, items);
  // Everyone can take every lead, with room for all of them: the routing replay is not what these edits test.
  await new RosterStore(db).seed(kpiRoster(1000), 'test');
  const app = await appOnCatalog(db, TokenStore.fromTokens([{ id: 'mgr-ana', role: 'manager', name: 'Ana', token: TOKEN }]));
  simulateWith = (body, accept) =>
    requestApp(app, 'POST', '/v1/policies/simulate', {
      token: TOKEN,
      body: { ...RANGE, ...body },
      ...(accept ? { headers: { Accept: accept } } : {}),
    });
  shipped = (await readPolicyDocument(SHIPPED)) as unknown as PolicyInput;
});

after(() => db.close());

// ---------------------------------------------------------------------------------------------
// The shipped policy by hand (DESIGN §2.3–2.4): not the domain's code.

const recordedBucket = (h: SeededHandoff): Bucket =>
  h.scenario === 'notIcp' ? 'not_icp' : h.tier !== null ? h.tier : h.score !== null ? 'nurture' : 'draft';

/** The intent rules' raw points for a lead: pricing 10, signals 15 each up to 15, downloads 5, trigger 10. */
function intentPoints(lead: Lead): number {
  const e = lead.engagement ?? {};
  return (
    ((e.pricingPageVisits ?? 0) >= 1 ? 10 : 0) +
    Math.min(15, 15 * (e.intentSignals?.length ?? 0)) +
    ((e.contentDownloads ?? 0) >= 1 ? 5 : 0) +
    (lead.urgency?.triggerEvent?.trim() ? 10 : 0)
  );
}

/** Hot ≥ 80, or ≥ 65 with a trigger event and timeline 0-30d; warm ≥ 65; cool from the threshold; else nurture. */
function bucketFor(score: number, lead: Lead, threshold = 50): Bucket {
  if (score < threshold) return 'nurture';
  if (score >= 80 || (score >= 65 && Boolean(lead.urgency?.triggerEvent?.trim()) && lead.urgency?.timeline === '0-30d')) return 'hot';
  if (score >= 65) return 'warm';
  return 'cool';
}

/** The bucket changes a report lists, as `from>to` → count. */
function movementsOf(report: SimulationReport): Record<string, number> {
  return Object.fromEntries(report.movements.map((m) => [`${m.from}>${m.to}`, m.count]));
}
function tally(pairs: [Bucket, Bucket][]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [from, to] of pairs) if (from !== to) out[`${from}>${to}`] = (out[`${from}>${to}`] ?? 0) + 1;
  return out;
}

const edited = (change: (doc: PolicyInput) => void): PolicyInput => {
  const doc = structuredClone(shipped);
  doc.version = 'what-if';
  change(doc);
  return doc;
};

describe('what-if simulation on the 600-hand-off seeded set', () => {
  test('the published policy itself: zero changes, and the replay reproduces every recorded decision', async () => {
    for (const policy of [1, shipped]) {
      const report = await expectJson<SimulationReport>(await simulateWith({ policy }), 200);
      assert.equal(report.handoffs, 600);
      assert.equal(report.withoutLeadData, 0);
      assert.deepEqual(report.ranUnder, [{ version: shipped.version, handoffs: 600 }]);
      assert.equal(report.changes.handoffs, 0, JSON.stringify(report.changed.slice(0, 3)));
      assert.deepEqual(report.changed, []);
      assert.deepEqual(report.movements, []);
      assert.deepEqual(report.buckets.candidate, report.buckets.baseline);
      assert.deepEqual(report.fidelity, { compared: 600, matching: 600, mismatches: [] });
      const byHand: Record<string, number> = { hot: 0, warm: 0, cool: 0, nurture: 0, not_icp: 0, draft: 0 };
      for (const h of items) byHand[recordedBucket(h)]!++;
      assert.deepEqual(report.buckets.baseline, byHand);
      assert.equal(report.baseline.number, 1);
      assert.equal(report.candidate.number, typeof policy === 'number' ? 1 : null);
    }
  });

  test('threshold +10: the cool leads scoring 50–59 go to nurture, and nothing else moves', async () => {
    const report = await expectJson<SimulationReport>(
      await simulateWith({
        policy: edited((doc) => {
          doc.scoring.threshold = 60;
        }),
      }),
      200,
    );
    const expected = items.filter((h) => h.tier === 'cool' && h.score! < 60);
    assert.ok(expected.length > 20, `the seed has cool leads below 60 (${expected.length})`);
    assert.deepEqual(movementsOf(report), { 'cool>nurture': expected.length });
    assert.equal(report.changes.toNurture, expected.length);
    assert.deepEqual(
      {
        tier: report.changes.tier,
        fromNurture: report.changes.fromNurture,
        score: report.changes.score,
        handoffDeadline: report.changes.handoffDeadline,
      },
      { tier: 0, fromNurture: 0, score: 0, handoffDeadline: 0 },
    );
    const moved = report.changed.filter((c) => c.changed.includes('nurture'));
    assert.deepEqual(moved.map((c) => c.handoffId).sort(), expected.map((h) => h.handoffId).sort());
    for (const c of moved) assert.deepEqual(c.responsible, [{ path: 'scoring.threshold', before: 50, after: 60 }]);
    const example = report.movements[0]!.examples[0]!;
    assert.ok(example.scoreBefore! >= 50 && example.scoreBefore! < 60 && example.scoreAfter === example.scoreBefore);
    // Those leads' known outcomes now sit in the nurture band.
    const outcomes = expected.filter((h) => h.reportedOutcome !== null);
    const nurture = report.conversion.candidate.find((c) => c.bucket === 'nurture')!;
    assert.equal(nurture.withOutcome, outcomes.length);
    assert.equal(nurture.opportunities, outcomes.filter((h) => h.reportedOutcome === 'opportunity').length);
  });

  test('a new intent rule (+10 for three or more pricing-page visits) re-scores and re-tiers exactly the leads it fires on', async () => {
    const report = await expectJson<SimulationReport>(
      await simulateWith({
        policy: edited((doc) => {
          doc.scoring.rules.push({
            id: 'intent.pricing-repeat',
            category: 'intent',
            description: 'three or more pricing-page visits',
            points: 10,
            when: { op: 'between', field: 'engagement.pricingPageVisits', min: 3 },
          });
        }),
      }),
      200,
    );
    const scored = items.filter((h) => h.score !== null);
    const fires = (h: SeededHandoff) => (h.lead.engagement?.pricingPageVisits ?? 0) >= 3;
    // The intent cap is 40: the rule adds what is left under it.
    const newScore = (h: SeededHandoff) =>
      fires(h) ? h.score! - intentPoints(h.lead) + Math.min(40, intentPoints(h.lead) + 10) : h.score!;
    const rescored = scored.filter((h) => fires(h) && newScore(h) !== h.score);
    assert.ok(rescored.length > 30, `the rule fires on a good share of the seed (${rescored.length})`);
    assert.equal(report.changes.score, rescored.length);
    const moves = tally(scored.map((h) => [recordedBucket(h), bucketFor(newScore(h), h.lead)]));
    assert.deepEqual(movementsOf(report), moves);
    assert.equal(report.changes.fromNurture, moves['nurture>cool'] ?? 0);
    assert.ok(report.changes.fromNurture > 0 && report.changes.tier > 0, JSON.stringify(moves));
    for (const c of report.changed.filter((row) => row.changed.includes('score'))) {
      const h = items.find((i) => i.handoffId === c.handoffId)!;
      assert.equal(c.candidate.score, newScore(h), c.handoffId);
      // The rule's own points, before the category cap (as a score's rules are listed).
      assert.deepEqual(c.responsible[0], { path: 'scoring.rules[intent.pricing-repeat]', before: 0, after: 10 });
    }
    // Drafts and leads whose provisional tier rises now wait on a faster hand-off window.
    const drafts = items.filter((h) => recordedBucket(h) === 'draft');
    for (const c of report.changed.filter((row) => row.baseline.bucket === 'draft')) {
      assert.ok(drafts.some((h) => h.handoffId === c.handoffId && fires(h)));
      assert.deepEqual(c.changed, ['handoff_deadline']);
    }
  });

  test('hot hand-off window 4h → 2h: every hot (or provisionally hot) hand-off is due 2 hours sooner', async () => {
    const res = await simulateWith({
      policy: edited((doc) => {
        doc.tiers.hot.handoffWindow = '2h';
      }),
    });
    const report = await expectJson<SimulationReport>(res, 200);
    const hot = items.filter((h) => recordedBucket(h) === 'hot' || (recordedBucket(h) === 'draft' && h.provisionalTier === 'hot'));
    assert.ok(hot.length > 50);
    assert.equal(report.changes.handoffs, hot.length);
    assert.equal(report.changes.handoffDeadline, hot.length);
    assert.deepEqual(report.movements, []);
    assert.equal(report.changes.contactDeadline, 0);
    assert.deepEqual(report.deadlines.handoff.earlier, hot.length);
    for (const c of report.changed) {
      assert.equal(Date.parse(c.baseline.handoffBy) - Date.parse(c.candidate.handoffBy), 2 * HOUR, c.handoffId);
      assert.deepEqual(c.responsible, [{ path: 'tiers.hot.handoffWindow', before: '4h', after: '2h' }]);
    }
    // Assigned in time under 4 hours, late under 2: the SLA breaches the edit would have caused.
    const breaches = hot.filter((h) => {
      if (h.firstAssignedAt === null) return false;
      const waited = Date.parse(h.firstAssignedAt) - Date.parse(h.submittedAt);
      return waited > 2 * HOUR && waited <= 4 * HOUR;
    });
    assert.equal(report.deadlines.handoff.wouldHaveMissed, breaches.length);

    // The same rows as CSV.
    const csv = await simulateWith(
      {
        policy: edited((doc) => {
          doc.tiers.hot.handoffWindow = '2h';
        }),
      },
      'text/csv',
    );
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    assert.equal(lines.length, hot.length + 1);
    assert.match(lines[0]!, /^handoff_id,company,submitted_at,changed,bucket_before,bucket_after,/);
    assert.ok(lines.slice(1).every((line) => line.includes('tiers.hot.handoffWindow: 4h → 2h')));
  });

  test('a saved draft simulates by number; the live policy and the catalog stay as they were', async () => {
    const store = new PolicyStore(db);
    const draft = await store.create({
      document: edited((doc) => {
        doc.version = 'saved-draft';
        doc.scoring.threshold = 60;
      }),
      author: 'mgr-ana',
    });
    const report = await expectJson<SimulationReport>(await simulateWith({ policy: draft.number }), 200);
    assert.deepEqual(report.candidate, { version: 'saved-draft', number: draft.number });
    assert.ok(report.changes.toNurture > 0);
    assert.equal(await store.publishedNumber(), 1);
    assert.equal((await store.get(draft.number))!.status, 'draft');
  });

  test('bad requests name the field', async () => {
    const invalid = await expectProblem(await simulateWith({ policy: edited((doc) => void (doc.scoring.threshold = -1)) }), 422);
    assert.deepEqual(
      invalid.errors?.map((e) => e.path),
      ['policy.scoring.threshold'],
    );
    await expectProblem(await simulateWith({ policy: 99 }), 404);
    const range = await expectProblem(await simulateWith({ policy: 1, from: '2026-12-01', to: '2026-11-01' }), 422);
    assert.equal(range.errors?.[0]?.path, 'from');
  });
});
