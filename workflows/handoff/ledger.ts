import { condition, patched } from '@temporalio/workflow';
import { factsOf } from '../../src/domain/ledger.js';
import { local, recordEvents } from './activities.js';
import type { Handoff } from './handoff.js';

/**
 * Hand-offs ship their timeline to the PostgreSQL ledger. One started before the ledger existed
 * ships its whole timeline at its first change after the upgrade (the patch is checked there, not
 * at start), so the ledger still gets every one of its events.
 */
export const LEDGER_PATCH = 'event-ledger';

/**
 * Batches go to the ledger as local activities (one marker in the history instead of an activity's
 * three events and a workflow task). Checked where a batch is shipped, so a hand-off running across
 * the upgrade switches at its next batch.
 */
export const LEDGER_LOCAL_PATCH = 'ledger-local';

/**
 * Ships every timeline entry to the ledger, in order, in the background: a database outage delays
 * the ledger (the activity retries) but never the hand-off. The run ends only once it is whole.
 */
export class LedgerShipper {
  /** Timeline entries already in the ledger. */
  private shipped = 0;
  /** The playbook is done: ship the rest, then stop. */
  private finishing = false;
  private readonly done: Promise<void>;

  constructor(private readonly h: Handoff) {
    this.done = this.ship();
  }

  /** Waits until every entry, the closing ones included, is in the ledger. */
  finish(): Promise<void> {
    this.finishing = true;
    return this.done;
  }

  private async ship(): Promise<void> {
    const { state, workflowId } = this.h;
    let seen = 0;
    for (;;) {
      await condition(() => state.timeline.length > seen || this.finishing);
      seen = state.timeline.length;
      if (seen > this.shipped && patched(LEDGER_PATCH)) {
        const batch = {
          workflowId,
          handoffId: state.id,
          from: this.shipped,
          entries: state.timeline.slice(this.shipped, seen),
          facts: factsOf(state),
          lead: state.lead,
          policyVersion: state.policyVersion,
        };
        const result = await (patched(LEDGER_LOCAL_PATCH) ? local.recordEvents(batch) : recordEvents(batch));
        this.adopt(result.stored);
        this.shipped = seen;
      }
      if (this.finishing && seen === state.timeline.length) return;
    }
  }

  /**
   * The ledger keeps an event as first recorded. A workflow task attempt that recorded and shipped
   * entries but never completed leaves them there at that attempt's workflow time; the retried task
   * (replayed elsewhere, or the same cached run the SDK resubmits) has its own. Taking the stored
   * time and detail keeps timeline and ledger equal, and replays alike: they read this result from
   * the history. Results recorded before the ledger answered them (`stored` absent) change nothing.
   */
  private adopt(stored: readonly { seq: number; event?: string; actor?: string; at: string; detail?: string }[] | undefined): void {
    for (const { seq, event, actor, at, detail } of stored ?? []) {
      const entry = this.h.state.timeline[seq];
      // Only the same entry recorded at another time; another entry was replaced by this one.
      if (!entry || entry.at === at || entry.event !== event || entry.actor !== actor) continue;
      entry.at = at;
      if (detail === undefined) delete entry.detail;
      else entry.detail = detail;
    }
  }
}
