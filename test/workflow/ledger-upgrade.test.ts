import { defaultPayloadConverter } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../src/config.js';
import { LedgerStore } from '../../src/db/ledger.js';
import { acceptUpdate, markContactedUpdate, reportOutcomeUpdate, submitFeedbackUpdate } from '../../workflows/messages.js';
import { LEDGER_LOCAL_PATCH, LEDGER_PATCH, SLA_ENGINE_PATCH } from '../../workflows/handoff.js';
import { actors, hotLead } from '../fixtures/leads.js';
import { createHarness, HOUR, waitForStage } from './harness.js';

/** The last release before the ledger (issue 4's final commit): its workflow code never ships a timeline. */
const BEFORE_LEDGER = 'd689c15c730005c932d32a3dd9734eb768582e7f';

const { kim } = actors;

/** That release's `workflows/` (and the domain code it imports), extracted from git into a temp dir. */
async function oldWorkflowsPath(): Promise<{ workflowsPath: string; cleanup: () => Promise<void> } | string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-before-ledger-'));
  try {
    const archive = execFileSync('git', ['archive', BEFORE_LEDGER, 'workflows', 'src', 'activities'], {
      cwd: repoRoot,
      maxBuffer: 64 << 20,
    });
    execFileSync('tar', ['-x', '-C', dir], { input: archive });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    return `commit ${BEFORE_LEDGER.slice(0, 7)} is not in this clone (${(err as Error).message.split('\n')[0]})`;
  }
  await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  return { workflowsPath: path.join(dir, 'workflows', 'index.ts'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

describe('upgrading a running hand-off to the ledger (time-skipping)', () => {
  it('a hand-off started before the ledger ships its whole timeline at its first change after the upgrade', async (t) => {
    const old = await oldWorkflowsPath();
    if (typeof old === 'string') {
      // A shallow clone lacks the old release; CI clones the whole history.
      if (process.env.CI) assert.fail(old);
      t.skip(old);
      return;
    }
    const h = await createHarness();
    try {
      const oldBundle = await bundleWorkflowCode({ workflowsPath: old.workflowsPath, logger: new DefaultLogger('WARN') });
      // No sticky cache, so the new worker gets the next task at once (see ledger.test.ts).
      const handle = await h.start('ledger-upgrade', hotLead);
      await h.run(
        async () => {
          await waitForStage(h, handle, 'assigned');
          await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
        },
        { maxCachedWorkflows: 0, workflowBundle: oldBundle },
      );
      const store = new LedgerStore(h.db);
      assert.equal((await store.events('ledger-upgrade')).length, 0, 'the old code wrote nothing to the ledger');

      await h.run(
        async () => {
          await h.env.sleep(2 * HOUR);
          await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: kim }] });
          await handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'opportunity', actor: kim }] });
          await handle.executeUpdate(submitFeedbackUpdate, { args: [{ rating: 5, qualityIssues: [], actor: kim }] });
          const final = await handle.result();
          const ledger = await store.events('ledger-upgrade');
          assert.deepEqual(
            ledger.map((e) => [e.seq, e.event, e.at]),
            final.timeline.map((e, i) => [i, e.event, e.at]),
            'every entry, the ones from before the upgrade included',
          );
          assert.equal((await store.projection('ledger-upgrade'))?.firstAssignedAt, final.assignedAt);
          const history = await handle.fetchHistory();
          const patches = (history.events ?? [])
            .map((e) => e.markerRecordedEventAttributes)
            .filter((m) => m?.markerName === 'core_patch')
            .map((m) => defaultPayloadConverter.fromPayload<{ id: string }>(m!.details!['patch-data']!.payloads![0]!).id);
          assert.deepEqual(
            patches,
            [SLA_ENGINE_PATCH, LEDGER_PATCH, LEDGER_LOCAL_PATCH],
            'the sla-engine marker from the start, the ledger markers from after the upgrade',
          );
          // After the upgrade every batch went as a local activity: no recordEvents activity task in the history.
          const scheduled = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
          assert.ok(!scheduled.includes('recordEvents'), scheduled.join(', '));
        },
        { maxCachedWorkflows: 0 },
      );
    } finally {
      await h.teardown();
      await old.cleanup();
    }
  });
});
