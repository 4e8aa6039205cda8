import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { factsOf, ledgerEvents, projectHandoff, type HandoffFacts, type LedgerEvent } from '../../src/domain/ledger.js';
import { submittedState } from '../../src/domain/assessment.js';
import { hotLead } from '../fixtures/leads.js';
import type { TimelineEvent } from '../../src/domain/timeline.js';

/** The pure side of the ledger: the facts of a state, the numbering of a batch, and the fold. */

const base: HandoffFacts = {
  stage: 'awaiting_assignment',
  sdrId: 'sdr-jo',
  previousAes: [],
  provisionalTier: 'hot',
  tier: 'hot',
  score: 90,
  escalations: 0,
  handoffWindowMissed: false,
  submittedAt: '2026-11-16T09:00:00.000Z',
  handoffBy: '2026-11-16T13:00:00.000Z',
};

let seq = 0;
function event(name: TimelineEvent, at: string, facts: Partial<HandoffFacts> = {}, detail?: string): LedgerEvent {
  return {
    workflowId: 'handoff-h1',
    handoffId: 'h1',
    seq: seq++,
    at,
    actor: 'baton',
    event: name,
    ...(detail ? { detail } : {}),
    facts: { ...base, ...facts },
  };
}

/** A hot hand-off: kim misses her window, it escalates to sam, who is rejected for capacity… */
function history(): LedgerEvent[] {
  seq = 0;
  const kim = { stage: 'assigned' as const, assignedAe: 'ae-kim', assignedAt: '2026-11-16T10:00:00.000Z' };
  return [
    event('submitted', '2026-11-16T09:00:00.000Z'),
    event('assigned', '2026-11-16T10:00:00.000Z', kim),
    event('contact_window_missed', '2026-11-17T10:00:00.000Z', kim),
    event('escalated', '2026-11-17T10:00:00.000Z', { ...kim, escalations: 1 }),
    event('assigned', '2026-11-17T10:00:00.000Z', {
      stage: 'assigned',
      assignedAe: 'ae-sam',
      previousAes: ['ae-kim'],
      assignedAt: '2026-11-17T10:00:00.000Z',
      escalations: 1,
    }),
    event('rejected', '2026-11-17T11:00:00.000Z', {
      stage: 'awaiting_assignment',
      previousAes: ['ae-kim', 'ae-sam'],
      escalations: 1,
      rejection: { reason: 'capacity', rerouted: true },
    }),
    event('assigned', '2026-11-17T11:00:00.000Z', {
      stage: 'assigned',
      assignedAe: 'ae-noor',
      previousAes: ['ae-kim', 'ae-sam'],
      assignedAt: '2026-11-17T11:00:00.000Z',
      escalations: 1,
      rejection: { reason: 'capacity', rerouted: true },
    }),
    event('rejected', '2026-11-17T12:00:00.000Z', {
      stage: 'closed',
      outcome: 'returned_to_sdr',
      closeReason: 'no_budget',
      assignedAe: 'ae-noor',
      assignedAt: '2026-11-17T11:00:00.000Z',
      previousAes: ['ae-kim', 'ae-sam'],
      escalations: 1,
      closedAt: '2026-11-17T12:00:00.000Z',
      rejection: { reason: 'no_budget', rerouted: false },
    }),
  ];
}

describe('ledger fold', () => {
  it('folds a hand-off: first assignment from the events, the last holder, re-routes apart from the rejection', () => {
    const p = projectHandoff(history());
    assert.equal(p.firstAssignedAt, '2026-11-16T10:00:00.000Z');
    assert.equal(p.assignedAt, '2026-11-17T11:00:00.000Z');
    assert.equal(p.firstAeId, 'ae-kim');
    assert.equal(p.aeId, 'ae-noor');
    assert.equal(p.handoffSla, 'met');
    assert.equal(p.contactSla, 'missed', 'a missed window stays missed after an escalation');
    assert.equal(p.reroutes, 1);
    assert.equal(p.rejectionReason, 'no_budget');
    assert.equal(p.outcome, 'returned_to_sdr');
    assert.equal(p.escalations, 1);
    assert.equal(p.events, 8);
    assert.equal(p.lastSeq, 7);
  });

  it('is indifferent to order and to repeated rows', () => {
    const rows = history();
    const shuffled = [rows[5]!, rows[0]!, rows[7]!, rows[2]!, rows[2]!, rows[1]!, rows[6]!, rows[3]!, rows[4]!, rows[0]!];
    assert.deepEqual(projectHandoff(shuffled), projectHandoff(rows));
  });

  it('reports a gap: fewer events than the last sequence implies', () => {
    const rows = history().filter((e) => e.seq !== 3);
    const p = projectHandoff(rows);
    assert.equal(p.lastSeq, 7);
    assert.equal(p.events, 7);
  });

  it('leaves undecided windows null and marks a missed hand-off window', () => {
    seq = 0;
    const open = projectHandoff([event('submitted', base.submittedAt)]);
    assert.equal(open.handoffSla, null);
    assert.equal(open.contactSla, null);
    assert.equal(open.aeId, null);
    const late = projectHandoff([event('handoff_window_missed', base.handoffBy, { handoffWindowMissed: true })]);
    assert.equal(late.handoffSla, 'missed');
  });

  it('refuses to fold nothing', () => {
    assert.throws(() => projectHandoff([]), /at least one/);
  });

  it("takes a state's facts without undefined fields, and numbers a batch from its start", () => {
    const state = submittedState({ handoffId: 'h2', sdrId: 'sdr-jo', lead: hotLead, submittedAt: Date.parse(base.submittedAt) });
    const facts = factsOf(state);
    assert.ok(
      Object.values(facts).every((v) => v !== undefined),
      'no undefined values in the facts',
    );
    assert.equal(facts.sdrId, 'sdr-jo');
    assert.equal(facts.company, hotLead.company?.name);
    const rows = ledgerEvents({
      workflowId: 'handoff-h2',
      handoffId: 'h2',
      from: 5,
      facts,
      entries: [
        { at: base.submittedAt, actor: 'sdr-jo', event: 'submitted' },
        { at: base.submittedAt, actor: 'baton', event: 'checklist_completed' },
      ],
    });
    assert.deepEqual(
      rows.map((r) => [r.seq, r.event]),
      [
        [5, 'submitted'],
        [6, 'checklist_completed'],
      ],
    );
  });
});
