/**
 * The simulator's routing replay: AEs' capacity fills and frees as the recorded hand-offs were
 * held, fairness turns rotate, the account owner keeps a company, and a draft that routes one more
 * lead shifts the picks after it.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Lead } from '../../src/domain/lead.js';
import type { Policy } from '../../src/domain/policy.js';
import { AeSchema, type Ae } from '../../src/domain/roster.js';
import { replay, simulate, type RecordedHandoff } from '../../src/domain/simulation.js';
import { exampleLead, leadWith, loadDefaultPolicy } from './fixtures.js';

const T0 = Date.parse('2026-11-02T09:00:00Z');
const HOUR = 3_600_000;

let policy: Policy;
before(async () => {
  policy = await loadDefaultPolicy();
});

const ae = (id: string, extra: Partial<Ae> = {}): Ae => AeSchema.parse({ id, name: id, email: `${id}@example.com`, capacity: 1, ...extra });

/** A hand-off of `domain`, ready (and, when `held`, assigned) at T0 + `at` hours and let go `held` hours later. */
function handoff(id: string, at: number, opts: { held?: number; lead?: Lead; domain?: string } = {}): RecordedHandoff {
  const base = opts.lead ?? exampleLead();
  const lead = { ...base, company: { ...base.company!, domain: opts.domain ?? `${id}.example` } };
  const ready = T0 + at * HOUR;
  const assigned = opts.held === undefined ? null : ready;
  return {
    handoffId: id,
    company: id,
    lead,
    submittedAt: ready - HOUR,
    readyAt: ready,
    firstAssignedAt: assigned,
    releasedAt: assigned === null || !Number.isFinite(opts.held) ? null : assigned + opts.held! * HOUR,
    firstContactAt: null,
    recorded: { bucket: 'hot', score: 100, aeId: null, reportedOutcome: null, policyVersion: policy.version },
  };
}

describe('routing replay', () => {
  it('capacity fills and frees as the hand-offs were held; turns rotate; nobody eligible leaves a lead unrouted', () => {
    const roster = [ae('ae-a'), ae('ae-b')];
    const handoffs = [
      handoff('h1', 0, { held: 3 }), // a (first by id), until 3
      handoff('h2', 1, { held: 4 }), // b, until 5
      handoff('h3', 2, { held: 1 }), // both at capacity: unrouted
      handoff('h4', 4, { held: 1 }), // a is free again
      handoff('h5', 6, { held: Infinity }), // both free; b's turn (a went last)
    ];
    const out = replay(policy, handoffs, roster);
    assert.deepEqual(
      out.map((r) => r.aeId),
      ['ae-a', 'ae-b', null, 'ae-a', 'ae-b'],
    );
    assert.equal(out[0]!.contactBy, T0 + 24 * HOUR, 'the hot contact window from the assignment');
  });

  it('a company with a hand-off open (or within the owner window) goes back to its AE', () => {
    const roster = [ae('ae-a', { capacity: 5 }), ae('ae-b', { capacity: 5 })];
    const handoffs = [
      handoff('h1', 0, { held: 1, domain: 'acme.example' }),
      handoff('h2', 1, { held: 1 }),
      handoff('h3', 2, { held: 1, domain: 'acme.example' }), // a: acme's owner (h1)
      handoff('h4', 3, { held: 1, domain: 'acme.example' }), // a again, though fairness would pick b
    ];
    const out = replay(policy, handoffs, roster);
    assert.deepEqual(
      out.map((r) => r.aeId),
      ['ae-a', 'ae-b', 'ae-a', 'ae-a'],
    );
  });

  it('a draft that routes a lead the baseline sent to nurture shifts the turns after it', () => {
    const roster = [ae('ae-a', { capacity: 5 }), ae('ae-b', { capacity: 5 })];
    // Scores 30 under the shipped policy: nurture; with a threshold of 30 it is cool.
    const weak = leadWith((l) => {
      l.engagement = {
        ...l.engagement,
        touchpoints: 1,
        replies: 0,
        meetingBooked: false,
        pricingPageVisits: 0,
        contentDownloads: 0,
        intentSignals: [],
      };
      delete l.urgency!.triggerEvent;
    });
    const handoffs = [handoff('h1', 0, { held: 10 }), handoff('weak', 1, { lead: weak }), handoff('h3', 2, { held: 10 })];
    handoffs[1]!.recorded = { ...handoffs[1]!.recorded, bucket: 'nurture', score: 30 };
    const report = simulate({
      baseline: { policy, number: 1 },
      candidate: { policy: { ...policy, version: 'low-bar', scoring: { ...policy.scoring, threshold: 30 } }, number: null },
      handoffs,
      roster,
      range: { from: T0 - 24 * HOUR, to: T0 + 24 * HOUR },
    });
    const rows = Object.fromEntries(report.changed.map((c) => [c.handoffId, c]));
    // h3 only moved in the rotation: counted among the AE changes and in the shares, not listed.
    assert.deepEqual(Object.keys(rows), ['weak']);
    assert.deepEqual([rows.weak!.baseline.bucket, rows.weak!.candidate.bucket, rows.weak!.candidate.aeId], ['nurture', 'cool', 'ae-b']);
    assert.deepEqual(rows.weak!.changed, ['nurture', 'ae']);
    assert.deepEqual(rows.weak!.responsible, [{ path: 'scoring.threshold', before: 50, after: 30 }]);
    assert.deepEqual([report.changes.handoffs, report.changes.ae], [1, 2]);
    assert.deepEqual(
      report.aeShares.map((s) => [s.aeId, s.baseline.count, s.candidate.count]),
      [
        ['ae-a', 1, 2],
        ['ae-b', 1, 1],
      ],
    );
    assert.equal(report.changes.fromNurture, 1);
  });
});
