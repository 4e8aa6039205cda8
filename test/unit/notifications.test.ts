import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOTIFICATION_KINDS, recipientsOf, SALES_MANAGERS } from '../../src/domain/notifications.js';
import { afterMiss } from '../../src/domain/ladder.js';
import { feedbackClose, feedbackReminderAt } from '../../src/domain/feedback.js';
import { loadDefaultPolicy } from './fixtures.js';

const defaultPolicy = await loadDefaultPolicy();

const people = { sdrId: 'sdr-jo', sdrManagerId: 'mgr-ana', aeId: 'ae-kim', aeManagerId: 'mgr-bo', prospect: 'dana@acme.example' };

describe('who is told of what', () => {
  it('each kind reaches its people, resolved from the roster and the principals file', () => {
    assert.deepEqual(recipientsOf('contact_reminder', people), [{ id: 'ae-kim', role: 'ae' }]);
    assert.deepEqual(recipientsOf('feedback_reminder', people), [{ id: 'ae-kim', role: 'ae' }]);
    assert.deepEqual(recipientsOf('escalation', people), [
      { id: 'mgr-bo', role: 'ae_manager' },
      { id: 'ae-kim', role: 'ae' },
    ]);
    assert.deepEqual(recipientsOf('returned_to_sdr', people), [{ id: 'sdr-jo', role: 'sdr' }]);
    assert.deepEqual(recipientsOf('handoff_window_missed', people), [
      { id: 'sdr-jo', role: 'sdr' },
      { id: 'mgr-ana', role: 'sdr_manager' },
    ]);
    assert.deepEqual(recipientsOf('no_eligible_ae', people), [{ id: SALES_MANAGERS, role: 'sales_managers' }]);
    assert.deepEqual(recipientsOf('assignment', people), [{ id: 'ae-kim', role: 'ae' }]);
    assert.deepEqual(recipientsOf('warm_intro', people), [{ id: 'dana@acme.example', role: 'prospect' }]);
    assert.deepEqual(recipientsOf('warm_intro', { sdrId: 'sdr-jo' }), [], 'no prospect address: nobody to introduce');
  });

  it('a manager nobody named falls back to the sales managers; nobody is told twice', () => {
    assert.deepEqual(recipientsOf('escalation', { sdrId: 'sdr-jo', aeId: 'ae-kim' }), [
      { id: SALES_MANAGERS, role: 'sales_managers' },
      { id: 'ae-kim', role: 'ae' },
    ]);
    assert.deepEqual(recipientsOf('handoff_window_missed', { sdrId: 'sdr-jo' }), [
      { id: 'sdr-jo', role: 'sdr' },
      { id: SALES_MANAGERS, role: 'sales_managers' },
    ]);
    assert.deepEqual(recipientsOf('handoff_window_missed', { sdrId: 'sdr-jo', sdrManagerId: 'sdr-jo' }), [{ id: 'sdr-jo', role: 'sdr' }]);
  });

  it('every kind reaches someone', () => {
    for (const kind of NOTIFICATION_KINDS) assert.ok(recipientsOf(kind, people).length > 0, kind);
  });
});

describe('the escalation ladder after a miss', () => {
  const policy = defaultPolicy;
  it('hot and warm escalate once to a senior AE, then go back to the SDR', () => {
    assert.deepEqual(afterMiss('hot', 0, policy), { step: 'escalate', escalation: 1, allowed: 1, rule: 'tiers.hot.escalations' });
    const exhausted = afterMiss('warm', 1, policy);
    assert.equal(exhausted.step, 'exhausted');
    assert.equal(exhausted.step === 'exhausted' && exhausted.outcome, 'returned_to_sdr');
  });

  it('cool does not escalate; a tier set to nurture sends the lead there', () => {
    const cool = afterMiss('cool', 0, policy);
    assert.deepEqual(cool, {
      step: 'exhausted',
      outcome: 'returned_to_sdr',
      why: 'the cool tier does not escalate',
      rule: 'tiers.cool.onExhausted',
    });
    const nurturing = { ...policy, tiers: { ...policy.tiers, cool: { ...policy.tiers.cool, onExhausted: 'nurture' as const } } };
    assert.equal((afterMiss('cool', 0, nurturing) as { outcome: string }).outcome, 'nurture');
  });
});

describe('the feedback close rule', () => {
  const report = { outcome: 'opportunity' as const, by: 'ae-kim', at: '2026-11-21T10:00:00Z' };
  const rating = { rating: 4, qualityIssues: [], by: 'ae-kim', at: '2026-11-21T10:00:00Z' };
  it('closes with the reported outcome once both are in; otherwise with what was reported, or nurture', () => {
    assert.deepEqual(feedbackClose({ outcomeReport: report, feedback: rating }), { outcome: 'opportunity', reason: 'reported' });
    assert.deepEqual(feedbackClose({ outcomeReport: report }), { outcome: 'opportunity', reason: 'feedback_window_elapsed' });
    assert.deepEqual(feedbackClose({ feedback: rating }), { outcome: 'nurture', reason: 'feedback_window_elapsed' });
  });

  it('the reminder falls the policy’s reminder after first contact', () => {
    const contactedAt = Date.parse('2026-11-21T10:00:00Z');
    const feedbackBy = contactedAt + defaultPolicy.feedback.window;
    assert.equal(feedbackReminderAt(feedbackBy, defaultPolicy) - contactedAt, 7 * 86_400_000);
  });
});
