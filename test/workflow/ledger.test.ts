import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Activities } from '../../activities/index.js';
import { LedgerStore } from '../../src/db/ledger.js';
import type { HandoffState } from '../../src/domain/state.js';
import {
  acceptUpdate,
  interventionSignals,
  markContactedUpdate,
  rejectUpdate,
  reportOutcomeUpdate,
  submitFeedbackUpdate,
} from '../../workflows/messages.js';
import { actors, hotLead } from '../fixtures/leads.js';
import { createHarness, HOUR, MINUTE, waitForStage, withHarness, type Harness, type HandoffHandle } from './harness.js';

const { kim, ana } = actors;

/** The ledger of a hand-off must be its timeline, entry for entry, numbered 0…n−1 without a gap or a repeat. */
async function assertLedgerIsTimeline(h: Harness, state: HandoffState): Promise<void> {
  const ledger = await new LedgerStore(h.db).events(state.id);
  assert.deepEqual(
    ledger.map((e) => e.seq),
    state.timeline.map((_, i) => i),
    'one row per timeline entry, numbered without gaps',
  );
  assert.deepEqual(
    ledger.map(({ at, actor, event, detail, rule, ref }) => ({ at, actor, event, detail, rule, ref })),
    state.timeline.map(({ at, actor, event, detail, rule, ref }) => ({ at, actor, event, detail, rule, ref })),
  );
  const { rows } = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM handoff_events WHERE handoff_id = $1', [state.id]);
  assert.equal(rows[0]!.n, state.timeline.length);
}

/** Waits until the ledger has caught up with the workflow: the run has completed. */
async function finish(handle: HandoffHandle): Promise<HandoffState> {
  return handle.result();
}

async function contactAndClose(h: Harness, handle: HandoffHandle): Promise<void> {
  await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
  await h.env.sleep(2 * HOUR);
  await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: kim }] });
  await handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'opportunity', actor: kim }] });
  await handle.executeUpdate(submitFeedbackUpdate, { args: [{ rating: 4, qualityIssues: ['missing-budget'], actor: kim }] });
}

describe('hand-off ledger (time-skipping)', () => {
  it('every timeline entry reaches the ledger once, and the projection row follows the hand-off', () =>
    withHarness(async (h) => {
      const handle = await h.start('ledger-1', hotLead);
      const assigned = await waitForStage(h, handle, 'assigned');
      const store = new LedgerStore(h.db);
      // The ledger follows in the background; it catches up without anything else happening.
      let projection = await store.projection('ledger-1');
      for (let i = 0; i < 200 && projection?.stage !== 'assigned'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        projection = await store.projection('ledger-1');
      }
      assert.equal(projection?.stage, 'assigned');
      assert.equal(projection?.aeId, 'ae-kim');
      assert.equal(projection?.firstAssignedAt, assigned.assignedAt);
      assert.equal(projection?.handoffSla, 'met');

      await contactAndClose(h, handle);
      const final = await finish(handle);
      await assertLedgerIsTimeline(h, final);
      projection = await store.projection('ledger-1');
      assert.deepEqual(
        {
          stage: projection?.stage,
          outcome: projection?.outcome,
          tier: projection?.tier,
          score: projection?.score,
          sdrId: projection?.sdrId,
          aeId: projection?.aeId,
          submittedAt: projection?.submittedAt,
          firstAssignedAt: projection?.firstAssignedAt,
          firstContactAt: projection?.firstContactAt,
          closedAt: projection?.closedAt,
          handoffSla: projection?.handoffSla,
          contactSla: projection?.contactSla,
          reportedOutcome: projection?.reportedOutcome,
          rating: projection?.rating,
          qualityIssues: projection?.qualityIssues,
          events: projection?.events,
          lastSeq: projection?.lastSeq,
        },
        {
          stage: 'closed',
          outcome: 'opportunity',
          tier: 'hot',
          score: 100,
          sdrId: 'sdr-jo',
          aeId: 'ae-kim',
          submittedAt: final.submittedAt,
          firstAssignedAt: final.assignedAt,
          firstContactAt: final.contact?.at,
          closedAt: final.closedAt,
          handoffSla: 'met',
          contactSla: 'met',
          reportedOutcome: 'opportunity',
          rating: 4,
          qualityIssues: ['missing-budget'],
          events: final.timeline.length,
          lastSeq: final.timeline.length - 1,
        },
      );
    }));

  it('a retried write (the reply lost after the commit) adds no row twice', async () => {
    let lost = 0;
    const seen = new Set<number>();
    await withHarness(
      async (h) => {
        const handle = await h.start('ledger-retry', hotLead);
        await waitForStage(h, handle, 'assigned');
        await contactAndClose(h, handle);
        const final = await finish(handle);
        await assertLedgerIsTimeline(h, final);
        assert.ok(lost >= 3, `every batch's first reply was lost (${lost} lost)`);
      },
      {
        activities: (real): Activities => ({
          ...real,
          async recordEvents(batch) {
            const result = await real.recordEvents(batch);
            // The first attempt of each batch commits, then its reply never reaches the workflow.
            if (!seen.has(batch.from)) {
              seen.add(batch.from);
              lost++;
              throw new Error('connection reset after commit');
            }
            assert.equal(result.inserted, 0, 'the retry finds its rows already written');
            return result;
          },
        }),
      },
    );
  });

  it("entries an abandoned workflow task attempt already shipped keep that attempt's time: the timeline takes the ledger's record", async () => {
    const earlier = (at: string): string => new Date(Date.parse(at) - 7_000).toISOString();
    let abandoned: string | undefined;
    let ledger: LedgerStore | undefined;
    await withHarness(
      async (h) => {
        ledger = new LedgerStore(h.db);
        const handle = await h.start('ledger-abandoned', hotLead);
        await waitForStage(h, handle, 'assigned');
        await contactAndClose(h, handle);
        const final = await finish(handle);
        assert.ok(abandoned, 'the first batch was shipped by the abandoned attempt');
        assert.equal(final.timeline[0]!.at, abandoned, "the timeline took the ledger's time");
        await assertLedgerIsTimeline(h, final);
      },
      {
        activities: (real): Activities => ({
          ...real,
          async recordEvents(batch) {
            if (batch.from === 0 && abandoned === undefined) {
              // An earlier attempt of this workflow task recorded the same entries 7 s earlier, shipped
              // them, and never completed (its worker was killed before it could report).
              const entries = batch.entries.map((e) => ({ ...e, at: earlier(e.at) }));
              abandoned = entries[0]!.at;
              await ledger!.append({ ...batch, entries });
            }
            return real.recordEvents(batch);
          },
        }),
      },
    );
  });

  it('a ledger outage delays the ledger, not the hand-off; it catches up once the database is back', async () => {
    let down = true;
    let failures = 0;
    await withHarness(
      async (h) => {
        const handle = await h.start('ledger-outage', hotLead);
        // The hand-off is routed, accepted, contacted and closed while no ledger write succeeds.
        await waitForStage(h, handle, 'assigned');
        await contactAndClose(h, handle);
        const closed = await waitForStage(h, handle, 'closed');
        assert.ok(failures > 0, 'the ledger activity was failing');
        const { rows } = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM handoff_events');
        assert.equal(rows[0]!.n, 0, 'nothing reached the ledger during the outage');
        const described = await handle.describe();
        assert.equal(described.status.name, 'RUNNING', 'the run waits for its ledger before it completes');

        down = false;
        // The activity's next retry (at most a minute apart) writes the whole backlog.
        await h.env.sleep(2 * 60_000);
        const final = await finish(handle);
        assert.equal(final.closedAt, closed.closedAt);
        await assertLedgerIsTimeline(h, final);
        assert.equal((await new LedgerStore(h.db).projection('ledger-outage'))?.stage, 'closed');
      },
      {
        activities: (real): Activities => ({
          ...real,
          async recordEvents(batch) {
            if (down) {
              failures++;
              throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
            }
            return real.recordEvents(batch);
          },
        }),
      },
    );
  });

  it('worker restarts (with the ledger failing across one) leave no gap and no duplicate', async () => {
    let down = false;
    const h = await createHarness({
      activities: (real): Activities => ({
        ...real,
        async recordEvents(batch) {
          if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
          return real.recordEvents(batch);
        },
      }),
    });
    try {
      const handle = await h.start('ledger-restart', hotLead);
      // No sticky cache: a stopped worker's sticky queue would hold the next task until a timeout
      // that the time-skipping server's clock does not reach while the test waits for an update.
      const noCache = { maxCachedWorkflows: 0 };
      // First worker: up to the acceptance.
      await h.run(async () => {
        await waitForStage(h, handle, 'assigned');
        await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
      }, noCache);
      const count = async (): Promise<number> =>
        (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM handoff_events WHERE handoff_id = $1', ['ledger-restart']))
          .rows[0]!.n;
      const before = await count();
      // Second worker, an empty cache (the history replays), the ledger down: a re-route.
      down = true;
      await h.run(async () => {
        await h.env.sleep(2 * HOUR);
        const rejected = await handle.executeUpdate(rejectUpdate, { args: [{ reason: 'capacity', actor: kim }] });
        assert.notEqual(rejected.assignedAe, 'ae-kim', 'the hand-off left ae-kim');
      }, noCache);
      assert.equal(await count(), before, 'nothing was written while the ledger was down');
      // Third worker, the ledger back: the backlog is written, then a manager closes it.
      down = false;
      await h.run(async () => {
        await h.env.sleep(2 * MINUTE);
        await handle.signal(interventionSignals.returnToSdr, { reason: 'the SDR will re-qualify it', actor: ana, requestId: 'ledger-r1' });
        const final = await finish(handle);
        assert.equal(final.outcome, 'returned_to_sdr');
        await assertLedgerIsTimeline(h, final);
        const projection = await new LedgerStore(h.db).projection('ledger-restart');
        assert.equal(projection?.reroutes, 1, 'the capacity rejection is a re-route, not a rejection');
        assert.equal(projection?.rejectionReason, null);
        assert.equal(projection?.outcome, 'returned_to_sdr');
      }, noCache);
    } finally {
      await h.teardown();
    }
  });
});
