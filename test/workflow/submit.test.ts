import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INVALID_MESSAGE, REFUSED_TRANSITION, submitUpdate, updateChecklistUpdate } from '../../workflows/messages.js';
import { draftLead, hotLead } from '../fixtures/leads.js';
import { refusal, withHarness } from './harness.js';

describe('submit by update-with-start (time-skipping)', () => {
  it('one call starts the hand-off and answers it gated, scored and routed; the same submit again answers created: false', () =>
    withHarness(async (h) => {
      const first = await h.submit('submit-hot', hotLead);
      assert.equal(first.created, true);
      assert.equal(first.state.stage, 'assigned');
      assert.equal(first.state.assignedAe, 'ae-kim');
      assert.deepEqual(
        first.state.timeline.map((e) => e.event),
        ['submitted', 'checklist_completed', 'scored', 'tiered', 'assigned'],
      );
      const again = await h.submit('submit-hot', hotLead);
      assert.equal(again.created, false);
      assert.equal(again.state.assignedAe, 'ae-kim');
      assert.equal(again.state.timeline.filter((e) => e.event === 'submitted').length, 1, 'one hand-off, not two');
    }));

  it('a draft answers at once, still awaiting its checklist', () =>
    withHarness(async (h) => {
      const { state, created } = await h.submit('submit-draft', draftLead);
      assert.equal(created, true);
      assert.equal(state.stage, 'awaiting_checklist');
      assert.ok(state.checklist.missing.length > 0);
    }));

  it('another SDR, or another body under the same id, is refused with a typed code and leaves no trace', () =>
    withHarness(async (h) => {
      const { handle } = await h.submit('submit-taken', hotLead);
      const taken = await refusal(
        handle.executeUpdate(submitUpdate, { args: [{ submissionHash: 'a'.repeat(64), actor: { id: 'sdr-max', role: 'sdr' } }] }),
      );
      assert.equal(taken.type, REFUSED_TRANSITION);
      assert.deepEqual(taken.details, ['id_taken']);
      const different = await refusal(
        handle.executeUpdate(submitUpdate, { args: [{ submissionHash: 'b'.repeat(64), actor: { id: 'sdr-jo', role: 'sdr' } }] }),
      );
      assert.deepEqual(different.details, ['different_submission']);
      const history = await handle.fetchHistory();
      const updates = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
      assert.equal(updates, 1, 'only the first submit is in the history');
    }));
});

describe('format checks in the workflow validators (time-skipping)', () => {
  it('a checklist patch with an email and a meeting link passes the validator; a bad email is refused naming the field', () =>
    withHarness(async (h) => {
      const { handle } = await h.submit('patch-email', draftLead);
      const patched = await handle.executeUpdate(updateChecklistUpdate, {
        args: [
          {
            contact: { name: 'Dana Reyes', title: 'VP Ops', email: 'dana@acme.example', authority: 'decision_maker' },
            nextStep: { meetingAt: '2026-11-24T16:00:00Z', meetingLink: 'https://meet.example/abc', text: 'Demo' },
            actor: { id: 'sdr-jo', role: 'sdr' },
          },
        ],
      });
      assert.equal(patched.lead.contact?.email, 'dana@acme.example');
      const bad = await refusal(
        handle.executeUpdate(updateChecklistUpdate, {
          args: [
            {
              contact: { name: 'Dana Reyes', title: 'VP Ops', email: 'not-an-email', authority: 'decision_maker' },
              actor: { id: 'sdr-jo', role: 'sdr' },
            },
          ],
        }),
      );
      assert.equal(bad.type, INVALID_MESSAGE);
      assert.match(bad.message, /contact\.email/);
    }));
});
