import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ConnectionPlugin } from '@temporalio/client';
import { bundleWorkflowCode, Runtime, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DateTime } from 'luxon';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createActivities, type Activities } from '../../activities/index.js';
import { repoRoot } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { RosterStore } from '../../src/db/roster.js';
import type { Lead } from '../../src/domain/lead.js';
import type { PolicyInput } from '../../src/domain/policy.js';
import type { Ae } from '../../src/domain/roster.js';
import type { HandoffState } from '../../src/domain/state.js';
import { workflowBundleOptions } from '../../src/worker.js';
import { testServerExecutable } from '../../src/temporal/binaries.js';
import { searchAttributeIndexedTypes } from '../../src/temporal/indexed-types.js';
import type { handoff } from '../../workflows/handoff.js';
import { stateQuery, submitUpdate, WORKFLOW_TYPE, workflowIdFor, type HandoffStart, type Submitted } from '../../workflows/messages.js';
import { testRoster } from '../fixtures/leads.js';
import { testDatabase } from '../support/db.js';
import { PublishedPolicySource } from '../../src/policy/source.js';
import type { Notification, Recipient } from '../../src/domain/notifications.js';

export type HandoffHandle = WorkflowHandle<typeof handoff>;

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const DAY = 24 * HOUR;

// The time-skipping server lacks some capabilities the SDK warns about; errors still show.
Runtime.install({ logger: new DefaultLogger('ERROR') });

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  return (bundle ??= bundleWorkflowCode({ ...workflowBundleOptions, logger: new DefaultLogger('WARN') }));
}

export interface Harness {
  env: TestWorkflowEnvironment;
  dataDir: string;
  /** The hand-offs' roster and assignment ledger (an embedded database of this test's own). */
  db: Database;
  taskQueue: string;
  /** Starts a hand-off and returns its handle. */
  start(handoffId: string, lead: Lead, sdrId?: string, sdrTimeZone?: string, extra?: Partial<HandoffStart>): Promise<HandoffHandle>;
  /** Starts a hand-off as the API does: update-with-start, answered once it is gated, scored and routed. */
  submit(handoffId: string, lead: Lead, sdrId?: string): Promise<{ handle: HandoffHandle } & Submitted>;
  state(handle: HandoffHandle): Promise<HandoffState>;
  /** Runs `fn` while a new worker polls (a second call is a worker restart: an empty cache, the history replayed); the worker stops afterwards. */
  run<T>(fn: () => Promise<T>, worker?: { maxCachedWorkflows?: number; workflowBundle?: WorkflowBundleWithSourceMap }): Promise<T>;
  teardown(): Promise<void>;
}

/**
 * The client's gRPC keepalive pings, every 30 s by default, break the Java test server's limit (one
 * per 5 minutes): a test that runs past a minute or so on a loaded machine got its connection closed
 * ("excess pings"), and a workflow task then never completed while the server's clock stood still.
 * Pings every 10 minutes stay within the limit.
 */
const QUIET_KEEPALIVE: ConnectionPlugin = {
  name: 'baton-test-keepalive',
  configureConnection: (options) => ({
    ...options,
    channelArgs: { ...options.channelArgs, 'grpc.keepalive_time_ms': 10 * 60_000, 'grpc.keepalive_permit_without_calls': 0 },
  }),
};

/** A time-skipping test server with a roster and the shipped policy (or the one given). */
export async function createHarness(
  opts: {
    roster?: Ae[];
    policyFile?: string;
    /** New hand-offs take the database's published policy (the catalog seeded from `policyFile`), as the worker does by default. */
    policiesFromDatabase?: boolean;
    /** Wraps the real activities (a test makes one fail, or lose its reply). */
    activities?: (real: Activities) => Activities;
    /** Email over SMTP for the notify activity (test/support/smtp.ts), and the principals it reads names and addresses from. */
    email?: { url: string; from: string };
    tokensFile?: string;
  } = {},
): Promise<Harness> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: await testServerExecutable() },
    plugins: [QUIET_KEEPALIVE],
  });
  // The time-skipping server has no visibility, but it refuses upserts of unregistered attributes.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: searchAttributeIndexedTypes(),
  });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-wf-'));
  const db = await testDatabase();
  await new RosterStore(db).seed(opts.roster ?? testRoster, 'test');
  const taskQueue = `baton-test-${Math.random().toString(36).slice(2)}`;
  const policyFile = opts.policyFile ?? path.join(repoRoot, 'policy', 'default.yaml');
  const real = createActivities({
    policyFile,
    ...(opts.policiesFromDatabase ? { policies: new PublishedPolicySource(db, policyFile) } : {}),
    dataDir,
    db,
    log: () => undefined,
    // A delivery claim's lease is real time, activity timeouts are skipped time: when a test skips
    // hours while a notification is in flight, its attempt times out at once and the retries find
    // the claim held until the lease ends. A short lease keeps that spin to seconds.
    deliveryLeaseMs: 5_000,
    ...(opts.email ? { email: opts.email } : {}),
    ...(opts.tokensFile ? { tokensFile: opts.tokensFile } : {}),
  });
  const activities = opts.activities ? opts.activities(real) : real;
  const code = await workflowBundle();
  return {
    env,
    dataDir,
    db,
    taskQueue,
    async start(handoffId, lead, sdrId = 'sdr-jo', sdrTimeZone, extra = {}) {
      const args: [HandoffStart] = [{ handoffId, sdrId, lead, ...(sdrTimeZone ? { sdrTimeZone } : {}), ...extra }];
      return env.client.workflow.start<typeof handoff>(WORKFLOW_TYPE, { taskQueue, workflowId: workflowIdFor(handoffId), args });
    },
    async submit(handoffId, lead, sdrId = 'sdr-jo') {
      const submissionHash = 'a'.repeat(64);
      const startWorkflowOperation = new WithStartWorkflowOperation<typeof handoff>(WORKFLOW_TYPE, {
        taskQueue,
        workflowId: workflowIdFor(handoffId),
        args: [{ handoffId, sdrId, lead, submissionHash, sdrManagerId: 'mgr-ana' }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      const answer = await env.client.workflow.executeUpdateWithStart(submitUpdate, {
        args: [{ submissionHash, actor: { id: sdrId, role: 'sdr' } }],
        startWorkflowOperation,
      });
      return { handle: await startWorkflowOperation.workflowHandle(), ...answer };
    },
    async state(handle) {
      return handle.query(stateQuery);
    },
    async run(fn, options = {}) {
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: code, activities, ...options });
      return worker.runUntil(fn);
    },
    async teardown() {
      await env.teardown();
      await db.close();
    },
  };
}

/**
 * Runs one test on its own time-skipping server with a polling worker. A server per test keeps
 * one test's leftover timers from holding up another's skipped time.
 */
export async function withHarness<T>(fn: (h: Harness) => Promise<T>, opts: Parameters<typeof createHarness>[0] = {}): Promise<T> {
  const h = await createHarness(opts);
  try {
    return await h.run(() => fn(h));
  } finally {
    await h.teardown();
  }
}

/** Polls of 50 ms before a wait gives up: 30 s of real time, for a loaded machine (a passing wait returns at once). */
const POLLS = 600;

/** Waits (in skipped time) until the hand-off reaches a stage. */
export async function waitForStage(h: Harness, handle: HandoffHandle, stage: HandoffState['stage'], limit = POLLS): Promise<HandoffState> {
  for (let i = 0; i < limit; i++) {
    const state = await h.state(handle);
    // `submitted` is recorded once the policy is loaded and the draft evaluated.
    if (state.stage === stage && state.timeline.length > 0) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`hand-off ${handle.workflowId} never reached ${stage}: ${JSON.stringify((await h.state(handle)).timeline)}`);
}

/** Waits (in skipped time) until the state satisfies `ready`. */
export async function waitForState(
  h: Harness,
  handle: HandoffHandle,
  ready: (state: HandoffState) => boolean,
  what: string,
  limit = POLLS,
): Promise<HandoffState> {
  for (let i = 0; i < limit; i++) {
    const state = await h.state(handle);
    if (ready(state)) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`hand-off ${handle.workflowId} never reached: ${what}: ${JSON.stringify((await h.state(handle)).timeline)}`);
}

/** The timeline entries of one event. */
export const events = (state: HandoffState, event: string) => state.timeline.filter((e) => e.event === event);

/**
 * The notifications the activities wrote to the outbox, one per key in the order first written (the
 * outbox has a line per recipient; `to`: the recipients' ids, `recipients`: with their roles).
 */
export async function notifications(h: Harness): Promise<(Omit<Notification, 'to'> & { to: string[]; recipients: Recipient[] })[]> {
  const text = await readFile(path.join(h.dataDir, 'notifications.jsonl'), 'utf8').catch(() => '');
  const byKey = new Map<string, Omit<Notification, 'to'> & { to: string[]; recipients: Recipient[] }>();
  for (const line of text.split('\n').filter(Boolean)) {
    const sent = JSON.parse(line) as Notification;
    const entry = byKey.get(sent.key) ?? { ...sent, to: [], recipients: [] };
    for (const r of sent.to) {
      entry.to.push(r.id);
      entry.recipients.push(r);
    }
    byKey.set(sent.key, entry);
  }
  return [...byKey.values()];
}

/** A policy file: the shipped policy with `change` applied (written to `file` when given). */
export async function policyWith(change: (policy: PolicyInput) => void, file?: string): Promise<string> {
  const policy = parseYaml(await readFile(path.join(repoRoot, 'policy', 'default.yaml'), 'utf8')) as PolicyInput;
  change(policy);
  const target = file ?? path.join(await mkdtemp(path.join(os.tmpdir(), 'baton-policy-')), 'policy.json');
  await writeFile(target, JSON.stringify(policy));
  return target;
}

/** Skips time until the next instant at local `hour`:00 in `timeZone` that falls on one of `weekdays` (1 = Monday). */
export async function sleepUntilLocal(h: Harness, timeZone: string, hour: number, weekdays = [1, 2, 3, 4, 5, 6, 7]): Promise<number> {
  const now = DateTime.fromMillis(await h.env.currentTimeMs(), { zone: timeZone });
  let target = now.set({ hour, minute: 0, second: 0, millisecond: 0 });
  while (target <= now || !weekdays.includes(target.weekday)) target = target.plus({ days: 1 }).set({ hour });
  await h.env.sleep(target.toMillis() - now.toMillis());
  return target.toMillis();
}

/** The failure type and message of a refused update. */
export async function refusal(promise: Promise<unknown>): Promise<{ type: string | undefined; message: string; details: unknown[] }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      return { type: err.cause.type ?? undefined, message: err.cause.message, details: [...(err.cause.details ?? [])] };
    }
    throw err;
  }
  throw new Error('the update was accepted');
}

export const ms = (isoText: string | undefined): number => Date.parse(isoText ?? 'invalid');

/**
 * How late a skipped-time instant may be: the real seconds a workflow task takes to start on the
 * time-skipping server, which run on the server's clock too. On a loaded 2-core machine that has
 * reached 1.4 s; anything a minute off is still caught.
 */
const TASK_START_SLACK_MS = 5_000;

/** Asserts an instant fell due at `expected` ms after `from`: never early, and late only by a workflow task's start-up. */
export function assertElapsed(from: string | undefined, to: string | undefined, expected: number): void {
  const elapsed = ms(to) - ms(from);
  if (!(elapsed >= expected && elapsed < expected + TASK_START_SLACK_MS)) {
    throw new Error(`expected ${expected} ms between ${from} and ${to}, got ${elapsed} ms`);
  }
}
