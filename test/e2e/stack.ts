/**
 * The end-to-end stack: a real Temporal dev server (with Baton's search attributes registered), and
 * per test a "lane" — its own data dir (tokens, notifications), embedded database (roster and
 * assignment ledger), task queue, worker and HTTP API on a real port. A lane per test keeps the
 * router's fairness positions from one test out of the next, so who gets a lead is deterministic.
 */
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { after, before } from 'node:test';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256 } from '../../src/api/auth.js';
import type { Problem } from '../../src/api/problem.js';
import { startApi } from '../../src/api/server.js';
import { loadConfig, type BatonConfig } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { RosterStore } from '../../src/db/roster.js';
import type { Principal, TokenEntry } from '../../src/domain/principals.js';
import type { Ae } from '../../src/domain/roster.js';
import type { HandoffState } from '../../src/domain/state.js';
import { devServerExecutable } from '../../src/temporal/binaries.js';
import { batonSearchAttributes } from '../../src/temporal/search-attributes.js';
import { createBatonWorker, workflowBundleOptions } from '../../src/worker.js';
import { testRoster } from '../fixtures/leads.js';
import { testDatabase } from '../support/db.js';

// Keep the SDK's worker chatter out of the test output; errors still show.
Runtime.install({ logger: new DefaultLogger('ERROR') });

/** The principals every lane's tokens file holds; the bearer token of `id` is `token(id)`. */
export const PRINCIPALS: Principal[] = [
  { id: 'sdr-jo', role: 'sdr', name: 'Jo Park', managerId: 'mgr-ana' },
  { id: 'sdr-max', role: 'sdr', name: 'Max Weber', managerId: 'mgr-ana' },
  { id: 'ae-kim', role: 'ae', name: 'Kim Lee' },
  { id: 'ae-lena', role: 'ae', name: 'Lena Fischer' },
  { id: 'ae-sam', role: 'ae', name: 'Sam Ortiz' },
  { id: 'mgr-ana', role: 'manager', name: 'Ana Ortiz' },
  { id: 'ops-pat', role: 'ops', name: 'Pat Rivera' },
];
export type PrincipalId = 'sdr-jo' | 'sdr-max' | 'ae-kim' | 'ae-lena' | 'ae-sam' | 'mgr-ana' | 'ops-pat';

export const token = (id: string): string => `e2e-token-${id}`;

/** A unique hand-off id per test run and call. */
let counter = 0;
export const newHandoffId = (label: string): string => `e2e-${Date.now().toString(36)}-${process.pid}-${++counter}-${label}`;

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface SendOptions {
  /** A JSON value, sent with `Content-Type: application/json`. */
  json?: unknown;
  /** Raw body text (sent as JSON unless `headers` say otherwise). */
  raw?: string;
  headers?: Record<string, string>;
}

/** Someone calling the API: a principal, a bad token, or nobody. */
export interface Caller {
  send<T = unknown>(method: string, path: string, opts?: SendOptions): Promise<Reply<T>>;
  get<T = HandoffState>(path: string): Promise<Reply<T>>;
  post<T = HandoffState>(path: string, json?: unknown): Promise<Reply<T>>;
  patch<T = HandoffState>(path: string, json: unknown): Promise<Reply<T>>;
}

export interface Lane {
  url: string;
  config: BatonConfig;
  dataDir: string;
  /** The lane's roster and assignment ledger. */
  db: Database;
  as(id: PrincipalId): Caller;
  /** No Authorization header at all. */
  anonymous: Caller;
  /** A bearer token of your choosing (e.g. one nobody was given). */
  withToken(bearer: string): Caller;
  stop(): Promise<void>;
}

export interface Stack {
  env: TestWorkflowEnvironment;
  client: Client;
  /** A fresh data dir, task queue, worker and API; `policy` is YAML text for `BATON_POLICY_FILE`. */
  lane(opts?: { roster?: Ae[]; policy?: string }): Promise<Lane>;
  teardown(): Promise<void>;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test file (process). */
function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  return (bundle ??= bundleWorkflowCode({ ...workflowBundleOptions, logger: new DefaultLogger('WARN') }));
}

export async function startStack(): Promise<Stack> {
  const [executable, code] = await Promise.all([devServerExecutable(), workflowBundle()]);
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable, searchAttributes: [...batonSearchAttributes], log: { format: 'pretty', level: 'error' } },
  });
  const lanes = new Set<Lane>();

  const lane = async (opts: { roster?: Ae[]; policy?: string } = {}): Promise<Lane> => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-e2e-'));
    const db = await testDatabase();
    await new RosterStore(db).seed(opts.roster ?? testRoster, 'test');
    await writeFile(
      path.join(dataDir, 'tokens.json'),
      JSON.stringify(PRINCIPALS.map((p): TokenEntry => ({ ...p, tokenSha256: sha256(token(p.id)).toString('hex') }))),
    );
    const vars: NodeJS.ProcessEnv = {
      BATON_DATA_DIR: dataDir,
      PORT: '0',
      BATON_TASK_QUEUE: `baton-e2e-${path.basename(dataDir)}`,
      TEMPORAL_NAMESPACE: env.namespace ?? 'default',
    };
    if (opts.policy !== undefined) {
      vars.BATON_POLICY_FILE = path.join(dataDir, 'policy.yaml');
      await writeFile(vars.BATON_POLICY_FILE, opts.policy);
    }
    const config = loadConfig(vars);
    const worker = await createBatonWorker({
      connection: env.nativeConnection,
      config,
      db,
      workflowBundle: code,
      activityLog: () => undefined,
    });
    const running = worker.run();
    let api: Awaited<ReturnType<typeof startApi>>;
    try {
      api = await startApi({ client: env.client, config, db });
    } catch (err) {
      worker.shutdown();
      await running.catch(() => undefined);
      await db.close();
      throw err;
    }

    const caller = (authorization: string | undefined): Caller => {
      const send = async <T>(method: string, urlPath: string, opts: SendOptions = {}): Promise<Reply<T>> => {
        const headers: Record<string, string> = {};
        if (authorization !== undefined) headers.Authorization = authorization;
        let body: string | undefined;
        if (opts.json !== undefined) body = JSON.stringify(opts.json);
        if (opts.raw !== undefined) body = opts.raw;
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        Object.assign(headers, opts.headers);
        const res = await fetch(`${api.url}${urlPath}`, { method, headers, body });
        const text = await res.text();
        let parsed: unknown = text;
        try {
          parsed = text === '' ? undefined : JSON.parse(text);
        } catch {
          // Not JSON: the assertions will say so.
        }
        return { status: res.status, headers: res.headers, body: parsed as T, text };
      };
      return {
        send,
        get: (p) => send('GET', p),
        post: (p, json) => send('POST', p, json === undefined ? {} : { json }),
        patch: (p, json) => send('PATCH', p, { json }),
      };
    };

    let stopping: Promise<void> | undefined;
    const self: Lane = {
      url: api.url,
      config,
      dataDir,
      db,
      as: (id) => caller(`Bearer ${token(id)}`),
      anonymous: caller(undefined),
      withToken: (bearer) => caller(`Bearer ${bearer}`),
      stop: () =>
        (stopping ??= (async () => {
          lanes.delete(self);
          await api.close();
          worker.shutdown();
          await running;
          await db.close();
          await rm(dataDir, { recursive: true, force: true });
        })()),
    };
    lanes.add(self);
    return self;
  };

  return {
    env,
    client: env.client,
    lane,
    async teardown() {
      const results = await Promise.allSettled([...lanes].map((l) => l.stop()));
      await env.teardown();
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/** Runs `fn` with a fresh lane that is stopped afterwards, pass or fail. */
/** One dev server for the calling test file: started before its tests, stopped after them. */
export function useStack(): () => Stack {
  let stack: Stack | undefined;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.teardown();
  });
  return () => {
    if (!stack) throw new Error('the e2e stack is not started');
    return stack;
  };
}

export async function withLane<T>(stack: () => Stack, fn: (lane: Lane) => Promise<T>, opts?: Parameters<Stack['lane']>[0]): Promise<T> {
  const lane = await stack().lane(opts);
  try {
    return await fn(lane);
  } finally {
    await lane.stop();
  }
}

/** Polls `probe` until it answers something other than `undefined`, for at most `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const giveUpAt = Date.now() + timeoutMs;
  let last: unknown;
  for (let attempt = 0; ; attempt++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= giveUpAt) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await sleep(Math.min(50 * 2 ** attempt, 500));
  }
}

/** Polls a hand-off over HTTP until `done(state)` holds. */
export async function waitForState(
  caller: Caller,
  handoffId: string,
  what: string,
  done: (state: HandoffState) => boolean,
  timeoutMs = 10_000,
): Promise<HandoffState> {
  return eventually(
    what,
    async () => {
      const reply = await caller.get(`/v1/handoffs/${handoffId}`);
      if (reply.status !== 200) throw new Error(`GET ${handoffId}: ${reply.status} ${reply.text}`);
      return done(reply.body) ? reply.body : undefined;
    },
    timeoutMs,
  );
}

/**
 * The assigned state of a just-submitted hand-off: the 201 answer itself (the API waits up to 5 s for
 * routing), or — on a machine slow enough to outlast that wait — the state once it is assigned.
 */
export async function untilAssigned(caller: Caller, created: Reply<HandoffState>): Promise<HandoffState> {
  if (created.status !== 201) throw new Error(`expected 201, got ${created.status} ${created.text}`);
  if (created.body.stage === 'assigned') return created.body;
  return waitForState(
    caller,
    created.body.id,
    `${created.body.id} assigned`,
    (s) => s.stage !== 'awaiting_checklist' || !s.checklist.complete,
  ).then((s) => {
    if (s.stage !== 'assigned') throw new Error(`${s.id} went to ${s.stage}, not assigned`);
    return s;
  });
}

/** The problem+json contract every error answer keeps (DESIGN §4). */
export function assertProblem(reply: Reply<unknown>, status: number, kind?: string): Problem {
  const problem = reply.body as Problem;
  const fail = (why: string): never => {
    throw new Error(`${why}; got ${reply.status} ${reply.headers.get('content-type')} ${reply.text}`);
  };
  if (reply.status !== status) fail(`expected status ${status}`);
  if (!reply.headers.get('content-type')?.startsWith('application/problem+json')) fail('expected application/problem+json');
  if (typeof problem !== 'object' || problem === null) fail('expected a JSON object');
  if (typeof problem.type !== 'string' || typeof problem.title !== 'string' || typeof problem.detail !== 'string')
    fail('expected type, title and detail strings');
  if (problem.status !== status) fail(`expected "status": ${status} in the body`);
  if (kind !== undefined && !problem.type.endsWith(`/${kind}`)) fail(`expected type …/${kind}`);
  return problem;
}
