import { defaultPayloadConverter } from '@temporalio/common';
import { ReplayError, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { workflowIdFor, type HandoffStart } from '../../workflows/messages.js';
import { SLA_ENGINE_PATCH } from '../../workflows/handoff.js';
import { workflowBundle } from '../workflow/harness.js';
import { historyFromJSON } from './history-json.js';

/** Recorded by `test/replay/record.ts`; fewer files than this means histories went missing. */
const HISTORIES = path.join(import.meta.dirname, '..', 'histories');
const MIN_HISTORIES = { v1: 13, v2: 20, v3: 3 };

const files = (await readdir(HISTORIES)).filter((f) => f.endsWith('.json')).sort();

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

  it(`v1 hand-offs predate the ${SLA_ENGINE_PATCH} patch and later ones carry its marker, so both branches replay`, async () => {
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8')));
      const marked = (history.events ?? []).some((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
      assert.equal(marked, !file.startsWith('v1-'), `${file}: patch marker ${marked ? 'present' : 'missing'}`);
    }
  });

  for (const file of files) {
    it(file, async () => {
      const history = historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES, file), 'utf8')));
      assert.ok((history.events?.length ?? 0) > 0, `${file} holds no events`);
      try {
        await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowIdOf(history));
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
