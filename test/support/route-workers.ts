/**
 * Routing from several worker processes at once, as production runs (two workers, one PostgreSQL):
 * each child (`test/db/route-worker.ts`) opens its own connection pool and routes its hand-offs
 * through the real `assignAe` activity. The children start together: each connects, reports ready,
 * and waits until every one is ready before the first routing.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LeadSchema } from '../../src/domain/lead.js';
import { AeSchema, type Ae } from '../../src/domain/roster.js';
import type { AssignRequest, Assignment } from '../../src/domain/routing.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER = fileURLToPath(new URL('../db/route-worker.ts', import.meta.url));

export interface RouteJob {
  url: string;
  /** The hand-offs to route, in order; see `routeRequest`. */
  handoffIds: string[];
  /** Routings in flight at once in this process. */
  concurrency: number;
  /** Connections in this process's pool. */
  poolSize: number;
  /** Simulate a crash: exit the process right after the first routing commits, before answering. */
  crashAfterCommit?: boolean;
}

export interface Routed {
  key: string;
  decision: Assignment;
  /** Epoch ms (fractional) when the activity was called and when it answered. */
  startedAt: number;
  endedAt: number;
}

export interface WorkerOutcome {
  exitCode: number | null;
  routed: Routed[];
}

export type WorkerMessage = { type: 'ready' } | { type: 'done'; routed: Routed[] };

/** The routing request of one hand-off, the same in every process: the first round of its workflow. */
export function routeRequest(handoffId: string): AssignRequest {
  return {
    handoffId,
    key: `handoff-${handoffId}/route-1`,
    // A company of its own per hand-off: the account-owner lookup runs, and finds nobody.
    lead: LeadSchema.parse({ company: { name: `Company ${handoffId}`, domain: `${handoffId}.example`, employees: 120, region: 'US' } }),
    exclude: [],
  };
}

/** The roster the concurrency test and the benchmark route to: everyone eligible for `routeRequest`. */
export function weightedRoster(weights: readonly number[], capacities: readonly number[]): Ae[] {
  return weights.map((weight, i) =>
    AeSchema.parse({ id: `ae-${i + 1}`, name: `AE ${i + 1}`, email: `ae-${i + 1}@example.com`, weight, capacity: capacities[i] }),
  );
}

/** Runs one worker process per job, released together; answers each one's routings and exit code. */
export async function routeInWorkers(jobs: RouteJob[], timeoutMs = 120_000): Promise<WorkerOutcome[]> {
  let readyCount = 0;
  let release!: () => void;
  const allReady = new Promise<void>((resolve) => (release = resolve));
  const arrive = () => {
    if (++readyCount === jobs.length) release();
  };
  const outcomes = jobs.map(async (job) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, BATON_ROUTE_JOB: JSON.stringify(job) },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let routed: Routed[] = [];
    let ready = false;
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        ready = true;
        arrive();
        void allReady.then(() => child.connected && child.send('go'));
      } else routed = message.routed;
    });
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });
    clearTimeout(timer);
    if (!ready) arrive(); // never keep the others waiting for a worker that died starting
    return { exitCode, routed };
  });
  return Promise.all(outcomes);
}
