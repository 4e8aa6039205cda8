import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { ReplayError, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { workflowIdFor, type HandoffStart } from '../../workflows/messages.js';
import { DELIVERIES_PATCH, LEDGER_LOCAL_PATCH, LEDGER_PATCH, SLA_ENGINE_PATCH, WARM_INTRO_PATCH } from '../../workflows/handoff.js';
import { workflowBundle } from '../workflow/harness.js';
import { historyFromJSON } from './history-json.js';

/** Recorded by `test/replay/record.ts`; fewer files than this means histories went missing. */
const HISTORIES = path.join(import.meta.dirname, '..', 'histories');
const MIN_HISTORIES = { v1: 13, v2: 20, v3: 3, v4: 23, v5: 26, v6: 26, v7: 26 };
/** The patches each version's hand-offs were started with (v4: the ledger; v5: its batches as local activities; v6: notifications in the background, assignments told; v7: the warm introduction). */
const PATCHES: Record<string, string[]> = {
  v1: [],
  v2: [SLA_ENGINE_PATCH],
  v3: [SLA_ENGINE_PATCH],
  v4: [SLA_ENGINE_PATCH, LEDGER_PATCH],
  v5: [SLA_ENGINE_PATCH, LEDGER_PATCH, LEDGER_LOCAL_PATCH],
  v6: [SLA_ENGINE_PATCH, LEDGER_PATCH, LEDGER_LOCAL_PATCH, DELIVERIES_PATCH],
  v7: [SLA_ENGINE_PATCH, LEDGER_PATCH, LEDGER_LOCAL_PATCH, DELIVERIES_PATCH, WARM_INTRO_PATCH],
};
/** Patches checked where a step first happens (someone told, an AE accepting): a hand-off that never got there has no marker. */
const WHERE_REACHED = new Set([DELIVERIES_PATCH, WARM_INTRO_PATCH]);

const files = (await readdir(HISTORIES)).filter((f) => f.endsWith('.json')).sort();

const { EventType } = proto.temporal.api.enums.v1;
/** Events that start a new activation: what the workflow has not yet answered when a history ends on them. */
const UNANSWERED = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
  EventType.EVENT_TYPE_TIMER_FIRED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED,
]);

/**
 * An in-flight history up to the last workflow task it recorded: the events after it have no
 * recorded answer to compare against, and answering them would run the new code for real (a
 * replay worker cannot run the ledger's local activity).
 */
function recordedTasks(history: ReturnType<typeof historyFromJSON>): ReturnType<typeof historyFromJSON> {
  const events = [...(history.events ?? [])];
  while (events.length > 0 && UNANSWERED.has(Number(events.at(-1)!.eventType))) events.pop();
  return { ...history, events };
}

/** Histories hold no workflow id; the hand-off id is in the start input, and the workflow uses the id in activity keys. */
function workflowIdOf(history: ReturnType<typeof historyFromJSON>): string {
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  assert.ok(payload, 'the history does not start with WorkflowExecutionStarted and its input');
  return workflowIdFor(defaultPayloadConverter.fromPayload<HandoffStart>(payload).handoffId);
}

describe('recorded hand-off histories replay against the current workflow code', () => {
  for (const [version, min] of Object.entries(MIN_HISTORIES)) {
    it(`test/histories holds at least the ${min} ${version} histories`, () => {
      assert.ok(
        files.filter((f) => f.startsWith(`${version}-`)).length >= min,
        `found only ${files.join(', ') || 'none'}; re-record with test/replay/record.ts from the release they belong to`,
      );
    });
  }

  it(`each version carries the patch markers of its code (v2: ${SLA_ENGINE_PATCH}; v4: also ${LEDGER_PATCH}; v5: also ${LEDGER_LOCAL_PATCH}; v6: also ${DELIVERIES_PATCH}; v7: also ${WARM_INTRO_PATCH}), so every branch replays`, async () => {
    const reached = new Set<string>();
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8')));
      const patches = (history.events ?? []).flatMap((e) => {
        const attrs = e.markerRecordedEventAttributes;
        const payload = attrs?.markerName === 'core_patch' ? attrs.details?.['patch-data']?.payloads?.[0] : undefined;
        return payload ? [defaultPayloadConverter.fromPayload<{ id: string }>(payload).id] : [];
      });
      const expected = PATCHES[file.split('-')[0]!];
      assert.ok(expected, `${file}: no known version prefix`);
      for (const patch of patches.filter((p) => WHERE_REACHED.has(p))) reached.add(`${file.split('-')[0]!}:${patch}`);
      const always = (list: string[]) => list.filter((p) => !WHERE_REACHED.has(p));
      assert.deepEqual(always(patches), always(expected), `${file}: patch markers`);
      for (const patch of patches) assert.ok(expected.includes(patch), `${file}: ${patch} before its version`);
    }
    for (const needed of [`v6:${DELIVERIES_PATCH}`, `v7:${DELIVERIES_PATCH}`, `v7:${WARM_INTRO_PATCH}`])
      assert.ok(reached.has(needed), `no history took the ${needed} path`);
  });

  for (const file of files) {
    it(file, async () => {
      const history = historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8')));
      assert.ok((history.events?.length ?? 0) > 0, `${file} holds no events`);
      try {
        await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, recordedTasks(history), workflowIdOf(history));
      } catch (err) {
        if (err instanceof DeterminismViolationError || err instanceof ReplayError) {
          assert.fail(
            `${file} no longer replays: a hand-off recorded at that point would fail on the new code. ` +
              `Guard the change with patched() (or a new workflow type). ${err.name}: ${err.message}`,
          );
        }
        throw err;
      }
    });
  }
});
