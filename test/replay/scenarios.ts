import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import {
  acceptUpdate,
  markContactedUpdate,
  recordBookingAttemptUpdate,
  rejectUpdate,
  reportOutcomeUpdate,
  interventionSignals,
  interventionUpdates,
  rosterChangedSignal,
  submitFeedbackUpdate,
  updateChecklistUpdate,
  withdrawUpdate,
} from '../../workflows/messages.js';
import { RosterStore } from '../../src/db/roster.js';
import type { Ae } from '../../src/domain/roster.js';
import { actors, draftCompletion, draftLead, hotLead, nurtureLead, testRoster, tooSmallLead, warmLead } from '../fixtures/leads.js';
import {
  DAY,
  events,
  HOUR,
  MINUTE,
  ms,
  sleepUntilLocal,
  waitForStage,
  waitForState,
  type HandoffHandle,
  type Harness,
} from '../workflow/harness.js';

const { kim, sam, jo, ana } = actors;
const rosterAe = (id: string): Ae => testRoster.find((ae) => ae.id === id)!;

/**
 * One hand-off whose history `record.ts` saves for the replay test. `run` drives it on a
 * time-skipping harness and returns its handle: closed for `completed`, still open for `running`,
 * because a hand-off in flight is what a workflow change must not break. The hand-off id is the
 * scenario name; the replay test reads it back from the start input.
 */
export interface Scenario {
  name: string;
  expect: 'completed' | 'running';
  /** The roster the harness starts with (default: the test roster). */
  roster?: Ae[];
  run(h: Harness): Promise<HandoffHandle>;
}

/** Starts a hot lead and waits until the router has assigned it to kim. */
async function assignedHotLead(h: Harness, name: string): Promise<HandoffHandle> {
  const handle = await h.start(name, hotLead);
  assert.equal((await waitForStage(h, handle, 'assigned')).assignedAe, kim.id);
  return handle;
}

async function closesAs(handle: HandoffHandle, outcome: string, closeReason?: string | RegExp): Promise<HandoffHandle> {
  const final = await handle.result();
  assert.equal(final.outcome, outcome);
  if (typeof closeReason === 'string') assert.equal(final.closeReason, closeReason);
  if (closeReason instanceof RegExp) assert.match(final.closeReason ?? '', closeReason);
  return handle;
}

/**
 * The scenarios: the first 13 were recorded as v1 (workflows/handoff.ts as of 53a1499), all of them
 * again as v2 (the SLA engine, patch `sla-engine`), and the routing ones (the last three) as v3
 * (routing on the database: the roster-change signal, the account owner), all of them as v4 (the
 * ledger, patch `event-ledger`) and as v5 (the playbook reshape, ledger batches as local
 * activities: patch `ledger-local`; the last three drive the v5 messages: update-with-start and
 * intervention updates). Append new ones; never rename recorded ones.
 */
export const scenarios: Scenario[] = [
  {
    name: 'happy-path',
    expect: 'completed',
    async run(h) {
      const handle = await assignedHotLead(h, 'happy-path');
      await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
      await h.env.sleep(2 * HOUR);
      await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: kim }] });
      await handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'opportunity', amount: 48000, actor: kim }] });
      await handle.executeUpdate(submitFeedbackUpdate, { args: [{ rating: 5, qualityIssues: [], actor: kim }] });
      return closesAs(handle, 'opportunity', 'reported');
    },
  },
  {
    name: 'contact-window-missed',
    expect: 'completed',
    async run(h) {
      const handle = await assignedHotLead(h, 'contact-window-missed');
      await h.env.sleep(24 * HOUR + MINUTE);
      return closesAs(handle, 'returned_to_sdr', 'sla_missed');
    },
  },
  {
    name: 'in-flight-assigned',
    expect: 'running',
    async run(h) {
      const handle = await assignedHotLead(h, 'in-flight-assigned');
      await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
      await h.env.sleep(3 * HOUR);
      assert.equal((await h.state(handle)).stage, 'accepted');
      return handle;
    },
  },
  {
    name: 'in-flight-awaiting-checklist',
    expect: 'running',
    async run(h) {
      const handle = await h.start('in-flight-awaiting-checklist', draftLead);
      await waitForStage(h, handle, 'awaiting_checklist');
      await h.env.sleep(HOUR);
      assert.equal((await h.state(handle)).stage, 'awaiting_checklist');
      return handle;
    },
  },
  {
    name: 'draft-completed',
    expect: 'completed',
    async run(h) {
      const handle = await h.start('draft-completed', draftLead);
      await waitForStage(h, handle, 'awaiting_checklist');
      await h.env.sleep(HOUR);
      const done = await handle.executeUpdate(updateChecklistUpdate, { args: [{ ...draftCompletion, actor: jo }] });
      assert.equal(done.stage, 'assigned');
      await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'email', actor: kim }] });
      await handle.executeUpdate(submitFeedbackUpdate, { args: [{ rating: 2, qualityIssues: ['budget unconfirmed'], actor: kim }] });
      await handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'disqualified', actor: kim }] });
      return closesAs(handle, 'disqualified', 'reported');
    },
  },
  {
    name: 'draft-expired',
    expect: 'completed',
    async run(h) {
      const handle = await h.start('draft-expired', draftLead);
      const draft = await waitForStage(h, handle, 'awaiting_checklist');
      const expiresIn = ms(draft.deadlines.expiresAt) - ms(draft.submittedAt);
      assert.equal(expiresIn, 3 * 72 * HOUR);
      await h.env.sleep(expiresIn + MINUTE);
      return closesAs(handle, 'expired');
    },
  },
  {
    name: 'reject-reroute',
    expect: 'completed',
    async run(h) {
      const handle = await assignedHotLead(h, 'reject-reroute');
      await h.env.sleep(3 * HOUR);
      const rerouted = await handle.executeUpdate(rejectUpdate, { args: [{ reason: 'capacity', note: 'full this week', actor: kim }] });
      assert.equal(rerouted.assignedAe, sam.id);
      await handle.executeUpdate(acceptUpdate, { args: [{ actor: sam }] });
      await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'meeting', actor: sam }] });
      await handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'no_show', actor: sam }] });
      await handle.executeUpdate(submitFeedbackUpdate, { args: [{ rating: 3, qualityIssues: [], actor: sam }] });
      return closesAs(handle, 'no_show', 'reported');
    },
  },
  {
    name: 'reject-return',
    expect: 'completed',
    async run(h) {
      const handle = await assignedHotLead(h, 'reject-return');
      await handle.executeUpdate(rejectUpdate, { args: [{ reason: 'no_budget', note: 'budget frozen until Q3', actor: kim }] });
      return closesAs(handle, 'returned_to_sdr', 'no_budget');
    },
  },
  {
    name: 'withdrawn',
    expect: 'completed',
    async run(h) {
      const handle = await h.start('withdrawn', draftLead);
      await waitForStage(h, handle, 'awaiting_checklist');
      await handle.executeUpdate(withdrawUpdate, { args: [{ reason: 'duplicate in CRM', actor: jo }] });
      return closesAs(handle, 'withdrawn', 'duplicate in CRM');
    },
  },
  {
    name: 'not-icp',
    expect: 'completed',
    run: async (h) => closesAs(await h.start('not-icp', tooSmallLead), 'not_icp'),
  },
  {
    name: 'nurture',
    expect: 'completed',
    run: async (h) => closesAs(await h.start('nurture', nurtureLead), 'nurture', /below the threshold/),
  },
  {
    name: 'feedback-timeout',
    expect: 'completed',
    async run(h) {
      const handle = await assignedHotLead(h, 'feedback-timeout');
      await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: kim }] });
      await h.env.sleep(14 * DAY + MINUTE);
      return closesAs(handle, 'nurture', 'feedback_window_elapsed');
    },
  },
  {
    name: 'in-flight-contacted',
    expect: 'running',
    async run(h) {
      const handle = await assignedHotLead(h, 'in-flight-contacted');
      await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
      await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: kim }] });
      // Past the 7-day feedback reminder, still inside the 14-day window.
      await h.env.sleep(8 * DAY);
      const state = await h.state(handle);
      assert.equal(state.stage, 'contacted');
      assert.ok(state.timeline.some((e) => e.event === 'feedback_reminder'));
      return handle;
    },
  },
  // ---- v2: the SLA engine (reminders, escalation ladder, booking attempts, interventions) -------
  {
    name: 'sla-escalated-then-returned',
    expect: 'completed',
    async run(h) {
      const handle = await assignedHotLead(h, 'sla-escalated-then-returned');
      await h.env.sleep(24 * HOUR + MINUTE);
      assert.equal((await waitForState(h, handle, (s) => s.assignedAe === sam.id, 'escalated')).escalations, 1);
      return closesAs(handle, 'returned_to_sdr', 'sla_missed');
    },
  },
  {
    name: 'in-flight-reminded',
    expect: 'running',
    async run(h) {
      const handle = await assignedHotLead(h, 'in-flight-reminded');
      await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
      await h.env.sleep(13 * HOUR);
      assert.equal(events(await h.state(handle), 'reminder').length, 1);
      return handle;
    },
  },
  {
    name: 'in-flight-escalated',
    expect: 'running',
    async run(h) {
      const handle = await assignedHotLead(h, 'in-flight-escalated');
      await h.env.sleep(37 * HOUR);
      const state = await waitForState(h, handle, (s) => s.assignedAe === sam.id, 'escalated');
      assert.equal(events(state, 'reminder').length, 3);
      return handle;
    },
  },
  {
    name: 'escalated-contacted',
    expect: 'completed',
    async run(h) {
      const handle = await assignedHotLead(h, 'escalated-contacted');
      await h.env.sleep(24 * HOUR + MINUTE);
      await waitForState(h, handle, (s) => s.assignedAe === sam.id, 'escalated');
      await handle.executeUpdate(acceptUpdate, { args: [{ actor: sam }] });
      await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'meeting', actor: sam }] });
      await handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'opportunity', actor: sam }] });
      await handle.executeUpdate(submitFeedbackUpdate, { args: [{ rating: 4, qualityIssues: ['late'], actor: sam }] });
      return closesAs(handle, 'opportunity', 'reported');
    },
  },
  {
    name: 'booking-attempts-escalate',
    expect: 'running',
    async run(h) {
      const day = DateTime.fromMillis(await sleepUntilLocal(h, 'America/Chicago', 23, [1, 2, 3]), { zone: 'America/Chicago' });
      const handle = await h.start('booking-attempts-escalate', warmLead, jo.id, 'America/Chicago');
      await waitForStage(h, handle, 'assigned');
      // 23:30, 12:00 the next day, 00:30 the day after: three days in Chicago, inside the 48 h window.
      const times = [day.set({ minute: 30 }), day.plus({ days: 1 }).set({ hour: 12 }), day.plus({ days: 2 }).set({ hour: 0, minute: 30 })];
      await h.env.sleep(times[2]!.toMillis() - day.toMillis() + MINUTE);
      let state;
      for (const at of times) {
        state = await handle.executeUpdate(recordBookingAttemptUpdate, { args: [{ at: at.toISO()!, actor: jo }] });
      }
      assert.equal(state?.assignedAe, sam.id);
      return handle;
    },
  },
  {
    name: 'intervention-escalate-reassign',
    expect: 'running',
    async run(h) {
      const handle = await assignedHotLead(h, 'intervention-escalate-reassign');
      await handle.signal(interventionSignals.escalate, { reason: 'strategic account', actor: ana, requestId: 'e1' });
      await waitForState(h, handle, (s) => s.assignedAe === sam.id, 'escalated to sam');
      await handle.signal(interventionSignals.reassign, { to: kim.id, reason: 'sam is out', actor: ana, requestId: 'r1' });
      await waitForState(h, handle, (s) => s.assignedAe === kim.id, 'reassigned to kim');
      await handle.signal(interventionSignals.reassign, { to: 'ae-zed', actor: ana, requestId: 'r2' });
      await handle.signal('escalate', { bogus: true });
      await waitForState(
        h,
        handle,
        (s) => events(s, 'intervention_failed').length + events(s, 'intervention_refused').length === 2,
        'refusals',
      );
      return handle;
    },
  },
  {
    name: 'intervention-return',
    expect: 'completed',
    async run(h) {
      const handle = await assignedHotLead(h, 'intervention-return');
      await h.env.sleep(2 * HOUR);
      await handle.signal(interventionSignals.returnToSdr, { reason: 'needs a budget conversation', actor: ana });
      return closesAs(handle, 'returned_to_sdr', 'needs a budget conversation');
    },
  },
  {
    name: 'roster-change-assigns',
    expect: 'running',
    roster: [rosterAe('ae-lena')],
    async run(h) {
      const handle = await h.start('roster-change-assigns', hotLead);
      await waitForStage(h, handle, 'awaiting_assignment');
      await new RosterStore(h.db).create(rosterAe('ae-kim'), ana.id);
      await handle.signal(rosterChangedSignal);
      assert.equal((await waitForStage(h, handle, 'assigned')).assignedAe, kim.id);
      return handle;
    },
  },
  {
    name: 'hourly-retry-assigns',
    expect: 'running',
    roster: [rosterAe('ae-lena')],
    async run(h) {
      const handle = await h.start('hourly-retry-assigns', hotLead);
      await waitForStage(h, handle, 'awaiting_assignment');
      await new RosterStore(h.db).create(rosterAe('ae-sam'), ana.id);
      await h.env.sleep(HOUR + 1000);
      assert.equal((await waitForStage(h, handle, 'assigned')).assignedAe, sam.id);
      return handle;
    },
  },
  {
    name: 'account-owner',
    expect: 'completed',
    async run(h) {
      await assignedHotLead(h, 'account-owner-earlier');
      const handle = await h.start('account-owner', hotLead);
      const state = await waitForStage(h, handle, 'assigned');
      assert.equal(state.routing?.basis, 'account_owner');
      await handle.signal(interventionSignals.returnToSdr, { reason: 'already in a deal with this account', actor: ana });
      return closesAs(handle, 'returned_to_sdr', 'already in a deal with this account');
    },
  },
  {
    name: 'submit-update-with-start',
    expect: 'completed',
    async run(h) {
      // As the API submits since v5: one update-with-start call answers the routed hand-off.
      const { handle, state } = await h.submit('submit-update-with-start', hotLead);
      assert.equal(state.assignedAe, kim.id);
      await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
      await h.env.sleep(2 * HOUR);
      await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: kim }] });
      await handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'opportunity', actor: kim }] });
      await handle.executeUpdate(submitFeedbackUpdate, { args: [{ rating: 5, qualityIssues: [], actor: kim }] });
      return closesAs(handle, 'opportunity', 'reported');
    },
  },
  {
    name: 'intervention-updates',
    expect: 'running',
    async run(h) {
      // As the API intervenes since v5: updates answered once applied (or refused while applying).
      const { handle } = await h.submit('intervention-updates', hotLead);
      const escalated = await handle.executeUpdate(interventionUpdates.escalate, { args: [{ reason: 'strategic account', actor: ana }] });
      assert.equal(escalated.assignedAe, sam.id);
      await assert.rejects(handle.executeUpdate(interventionUpdates.reassign, { args: [{ to: 'ae-zed', actor: ana }] }));
      const moved = await handle.executeUpdate(interventionUpdates.reassign, { args: [{ to: kim.id, reason: 'sam is out', actor: ana }] });
      assert.equal(moved.assignedAe, kim.id);
      return handle;
    },
  },
  {
    name: 'intervention-update-return',
    expect: 'completed',
    async run(h) {
      const { handle } = await h.submit('intervention-update-return', hotLead);
      await h.env.sleep(2 * HOUR);
      await handle.executeUpdate(interventionUpdates.returnToSdr, { args: [{ reason: 'needs a budget conversation', actor: ana }] });
      return closesAs(handle, 'returned_to_sdr', 'needs a budget conversation');
    },
  },
];
