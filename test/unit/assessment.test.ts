import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { draftView, submittedState } from '../../src/domain/assessment.js';
import { draftLead, exampleLead } from '../fixtures/leads.js';
import { loadDefaultPolicy, MS } from './fixtures.js';

const submittedAt = Date.parse('2026-11-21T09:00:00Z');

describe('draftView', () => {
  it('a draft gets its provisional tier, window and expiry from what was submitted', async () => {
    const view = draftView(draftLead, submittedAt, await loadDefaultPolicy());
    assert.equal(view.provisionalTier, 'cool');
    assert.equal(view.provisionalScore, 30);
    assert.equal(view.checklist.complete, false);
    assert.deepEqual(view.deadlines, {
      handoffBy: new Date(submittedAt + 72 * MS.hour).toISOString(),
      expiresAt: new Date(submittedAt + 3 * 72 * MS.hour).toISOString(),
    });
    assert.equal(view.policyVersion, '2026-11-21.1');
  });

  it('a complete hot lead has the 4 h window and no expiry', async () => {
    const view = draftView(exampleLead, submittedAt, await loadDefaultPolicy());
    assert.equal(view.provisionalTier, 'hot');
    assert.deepEqual(view.deadlines, { handoffBy: new Date(submittedAt + 4 * MS.hour).toISOString() });
  });
});

describe('submittedState', () => {
  it('starts awaiting the checklist with the submitted data and nothing decided', () => {
    const state = submittedState({ handoffId: 'h1', sdrId: 'sdr-jo', lead: draftLead, submittedAt });
    assert.equal(state.stage, 'awaiting_checklist');
    assert.equal(state.sdrId, 'sdr-jo');
    assert.equal(state.submittedAt, '2026-11-21T09:00:00.000Z');
    assert.equal(state.assignedAe, undefined);
    assert.ok(state.checklist.missing.includes('painPoints'));
    assert.deepEqual(state.timeline, []);
  });
});
