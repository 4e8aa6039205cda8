import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptUpdate,
  INVALID_MESSAGE,
  REFUSED_TRANSITION,
  markContactedUpdate,
  rejectUpdate,
  reportOutcomeUpdate,
  submitFeedbackUpdate,
  updateChecklistUpdate,
  withdrawUpdate,
} from '../../workflows/messages.js';
import { updateEvents } from '../fixtures/history.js';
import { actors, draftLead, hotLead } from '../fixtures/leads.js';
import { HOUR, refusal, waitForStage, withHarness } from './harness.js';

const { kim, sam, jo, max, ana } = actors;

describe('refused transitions leave nothing in history (time-skipping)', () => {
  it('before assignment: AE actions, a stranger SDR, bad payloads', () =>
    withHarness(async (h) => {
      const handle = await h.start('refuse-draft', draftLead);
      await waitForStage(h, handle, 'awaiting_checklist');
      const cases: [string, () => Promise<unknown>, string, RegExp][] = [
        [
          'accept a draft (a manager: the stage refuses)',
          () => handle.executeUpdate(acceptUpdate, { args: [{ actor: ana }] }),
          REFUSED_TRANSITION,
          /stage awaiting_checklist cannot be accepted/,
        ],
        [
          'contact a draft',
          () => handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: ana }] }),
          REFUSED_TRANSITION,
          /cannot be marked contacted/,
        ],
        [
          'outcome on a draft',
          () => handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'opportunity', actor: ana }] }),
          REFUSED_TRANSITION,
          /stage awaiting_checklist/,
        ],
        [
          'an AE on a hand-off nobody holds',
          () => handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] }),
          REFUSED_TRANSITION,
          /assigned to nobody, not ae-kim/,
        ],
        [
          'reject a draft',
          () => handle.executeUpdate(rejectUpdate, { args: [{ reason: 'capacity', actor: ana }] }),
          REFUSED_TRANSITION,
          /cannot be rejected/,
        ],
        [
          'another SDR edits',
          () => handle.executeUpdate(updateChecklistUpdate, { args: [{ painPoints: ['x'], actor: max }] }),
          REFUSED_TRANSITION,
          /belongs to sdr-jo/,
        ],
        [
          'another SDR withdraws',
          () => handle.executeUpdate(withdrawUpdate, { args: [{ actor: max }] }),
          REFUSED_TRANSITION,
          /belongs to sdr-jo/,
        ],
        // Payloads the types forbid, as the Temporal UI or CLI could still send them.
        [
          'unknown field',
          () => handle.executeUpdate(updateChecklistUpdate, { args: [{ budget: 'big', actor: jo } as never] }),
          INVALID_MESSAGE,
          /Unrecognized key/,
        ],
        ['empty patch', () => handle.executeUpdate(updateChecklistUpdate, { args: [{ actor: jo }] }), INVALID_MESSAGE, /patch is empty/],
        [
          'bad actor',
          () => handle.executeUpdate(withdrawUpdate, { args: [{ actor: { id: 'x', role: 'ceo' } } as never] }),
          INVALID_MESSAGE,
          /actor\.role/,
        ],
      ];
      for (const [name, promise, type, message] of cases) {
        const r = await refusal(promise());
        assert.equal(r.type, type, name);
        assert.match(r.message, message, name);
      }
      assert.equal((await updateEvents(h.env.client, 'refuse-draft')).accepted, 0);
      assert.deepEqual(
        (await h.state(handle)).timeline.map((e) => e.event),
        ['submitted'],
      );
    }));

  it('after assignment: the AE owns the lead; actions out of order are refused', () =>
    withHarness(async (h) => {
      const handle = await h.start('refuse-assigned', hotLead);
      await waitForStage(h, handle, 'assigned');
      let accepted = 0;
      const expectRefused = async (name: string, promise: Promise<unknown>, type: string, message: RegExp) => {
        const r = await refusal(promise);
        assert.equal(r.type, type, name);
        assert.match(r.message, message, name);
      };
      await expectRefused(
        'SDR edits after assignment',
        handle.executeUpdate(updateChecklistUpdate, { args: [{ painPoints: ['x'], actor: jo }] }),
        REFUSED_TRANSITION,
        /AE owns the qualification data/,
      );
      await expectRefused(
        'SDR withdraws after assignment',
        handle.executeUpdate(withdrawUpdate, { args: [{ actor: jo }] }),
        REFUSED_TRANSITION,
        /no longer withdraw/,
      );
      await expectRefused(
        'another AE accepts',
        handle.executeUpdate(acceptUpdate, { args: [{ actor: sam }] }),
        REFUSED_TRANSITION,
        /assigned to ae-kim, not ae-sam/,
      );
      await expectRefused(
        'an SDR accepts',
        handle.executeUpdate(acceptUpdate, { args: [{ actor: jo }] }),
        REFUSED_TRANSITION,
        /only the assigned AE/,
      );
      await expectRefused(
        'outcome before contact',
        handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'opportunity', actor: kim }] }),
        REFUSED_TRANSITION,
        /record the first contact/,
      );
      await expectRefused(
        'feedback before contact',
        handle.executeUpdate(submitFeedbackUpdate, { args: [{ rating: 4, qualityIssues: [], actor: kim }] }),
        REFUSED_TRANSITION,
        /record the first contact/,
      );
      await expectRefused(
        'unknown reject reason',
        handle.executeUpdate(rejectUpdate, { args: [{ reason: 'meh', actor: kim } as never] }),
        INVALID_MESSAGE,
        /reason/,
      );
      const future = new Date(Date.now() + 10 * 24 * HOUR).toISOString();
      await expectRefused(
        'contact in the future',
        handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', at: future, actor: kim }] }),
        REFUSED_TRANSITION,
        /in the future/,
      );
      await expectRefused(
        'contact before assignment',
        handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', at: '2020-01-01T00:00:00Z', actor: kim }] }),
        REFUSED_TRANSITION,
        /before the hand-off was assigned/,
      );

      await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
      accepted++;
      await expectRefused(
        'accept twice',
        handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] }),
        REFUSED_TRANSITION,
        /already accepted/,
      );
      await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: kim }] });
      accepted++;
      await expectRefused(
        'contact twice',
        handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: kim }] }),
        REFUSED_TRANSITION,
        /already recorded/,
      );
      await expectRefused(
        'reject after contact',
        handle.executeUpdate(rejectUpdate, { args: [{ reason: 'capacity', actor: kim }] }),
        REFUSED_TRANSITION,
        /stage contacted cannot be rejected/,
      );
      await expectRefused(
        'rating 7',
        handle.executeUpdate(submitFeedbackUpdate, { args: [{ rating: 7, qualityIssues: [], actor: kim }] }),
        INVALID_MESSAGE,
        /rating/,
      );
      await handle.executeUpdate(submitFeedbackUpdate, { args: [{ rating: 3, qualityIssues: ['thin-context'], actor: kim }] });
      accepted++;
      await expectRefused(
        'feedback twice',
        handle.executeUpdate(submitFeedbackUpdate, { args: [{ rating: 4, qualityIssues: [], actor: kim }] }),
        REFUSED_TRANSITION,
        /already submitted/,
      );
      await handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'no_show', actor: kim }] });
      accepted++;

      const final = await handle.result();
      assert.equal(final.outcome, 'no_show');
      assert.equal((await updateEvents(h.env.client, 'refuse-assigned')).accepted, accepted);
    }));
});
