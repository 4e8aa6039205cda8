/**
 * A Baton stack for the benchmarks, production-shaped so the worker's memory is its own: the Temporal
 * dev server (its own process), a throwaway PostgreSQL cluster (Baton's roster and ledger, shared by
 * the processes as in docker-compose.yml), the worker in a child process (`src/worker.ts`, the
 * prebuilt workflow bundle `npm start` uses) and the HTTP API in the benchmark's process. The demo
 * principals and roster are seeded as `npm start` does, and the roster is opened up so every lead
 * finds an AE with room.
 *
 * Without an installed PostgreSQL the worker cannot leave the API's process (the embedded PGlite
 * is one process's), so the stack is one `npm start` process instead and its memory is what is read.
 */
import { Client, Connection } from '@temporalio/client';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApi } from '../src/api/server.js';
import { loadConfig, repoRoot, WORKFLOW_BUNDLE, type BatonConfig } from '../src/config.js';
import { freePort } from '../src/net.js';
import { openDatabase } from '../src/db/database.js';
import { seedDev, type DevPrincipal } from '../src/dev/seed.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { startPostgres } from '../test/support/postgres.js';

export interface BenchStack {
  /** `split`: worker, API and database in processes of their own; `single`: one `npm start` process. */
  layout: 'split' | 'single';
  /** One sentence for bench/RESULTS.md: which processes, which database. */
  description: string;
  apiUrl: string;
  /** The dev server's gRPC address. */
  address: string;
  client: Client;
  /** Baton's database when the benchmark can reach it (split layout): a bare worker of the benchmark's shares it. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** The process running the hand-off workflows (the worker, or `npm start`). */
  workerPid: number;
  /** Resident memory of that process, in MiB. */
  workerRssMiB(): number;
  token(id: string): string;
  request<T = unknown>(method: string, route: string, as: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export interface BenchStackOptions {
  policyFile: string;
  /** Extra environment for the worker (e.g. BATON_MAX_CACHED_WORKFLOWS). */
  workerEnv?: Record<string, string>;
  /** Extra node flags for the worker (e.g. --cpu-prof, --max-old-space-size=…). */
  workerNodeArgs?: string[];
  /** Force one `npm start` process even when PostgreSQL is installed. */
  single?: boolean;
}

export function rssMiBOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** CPU time a process has used (user + system), in ms; Linux clock ticks are 10 ms. */
export function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time the whole machine has used (all cores, every process), in ms. */
export function machineCpuMs(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) * 10;
}

/** What `npm start` does first: dependencies, the Temporal binaries, and a workflow bundle built from the current code. */
export function setUp(): void {
  const r = spawnSync(process.execPath, ['scripts/setup.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`scripts/setup.mjs failed (exit ${r.status})`);
}

export async function startBenchStack(opts: BenchStackOptions): Promise<BenchStack> {
  setUp();
  const postgres = opts.single ? undefined : await startPostgres();
  const stack = await (postgres ? startSplit(opts, postgres) : startSingle(opts));
  // Ctrl-C stops the servers and the worker too (the dev server runs in a process group of its own).
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stack.stop());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`${signal}: stopping the benchmark's stack…`);
      void stop().finally(() => process.exit(130));
    });
  }
  return { ...stack, stop };
}

/** Node flags for the worker process from BATON_BENCH_WORKER_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, which NODE_OPTIONS refuses). */
export function extraWorkerArgs(): string[] {
  return (process.env.BATON_BENCH_WORKER_ARGS ?? '').split(/\s+/).filter(Boolean);
}

/** Spawns `node --import tsx <script>` and resolves once a line of its output matches `ready`. */
export async function spawnReady(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
  nodeArgs: string[] = [],
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 3 min:\n${output}`)), 180_000);
    const onData = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000);
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) during start-up:\n${output}`));
    });
  });
  // Keep draining its output (a full pipe would block it); the tail is kept for errors.
  child.stdout.removeAllListeners('data').on('data', () => {});
  child.stderr.removeAllListeners('data').on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  });
  child.removeAllListeners('exit');
  return child;
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  if ((await Promise.race([exited.then(() => 'exited'), sleep(20_000)])) !== 'exited') {
    child.kill('SIGKILL');
    await exited;
  }
}

async function startSplit(opts: BenchStackOptions, postgres: NonNullable<Awaited<ReturnType<typeof startPostgres>>>): Promise<BenchStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-'));
  const env = {
    BATON_DATA_DIR: dataDir,
    BATON_POLICY_FILE: opts.policyFile,
    DATABASE_URL: postgres.url,
    PORT: '0',
    TEMPORAL_PORT: '0',
    TEMPORAL_UI_PORT: '0',
  };
  const config = loadConfig({ ...process.env, ...env });
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dataDir, { recursive: true, force: true }), () => postgres.stop()];
  const stop = async (): Promise<void> => {
    for (const step of cleanups.reverse()) await step().catch((err: unknown) => console.error('bench stack: stopping', err));
    cleanups.length = 0;
  };
  try {
    const server = await startDevServer(config);
    cleanups.push(() => server.stop());
    const db = await openDatabase({ url: postgres.url, dataDir });
    cleanups.push(() => db.close());
    const { principals } = await seedDev(config, db);

    const worker = await spawnReady(
      'src/worker.ts',
      { ...env, TEMPORAL_ADDRESS: server.address, BATON_WORKFLOW_BUNDLE: WORKFLOW_BUNDLE, ...opts.workerEnv },
      /worker polling/,
      [...(opts.workerNodeArgs ?? []), ...extraWorkerArgs()],
    );
    cleanups.push(() => stopChild(worker));

    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: config.namespace });
    const api = await startApi({ client, config, db });
    cleanups.push(() => api.close());

    const stack = assemble({
      layout: 'split',
      description:
        "the worker in a process of its own (`src/worker.ts`, the prebuilt bundle), the API in the benchmark process, Baton's database on a private PostgreSQL cluster (fsync off), the Temporal dev server (SQLite) in its own process",
      apiUrl: api.url,
      address: server.address,
      client,
      databaseUrl: postgres.url,
      dataDir,
      workerPid: worker.pid!,
      principals,
      stop,
    });
    await openRoster(stack);
    return stack;
  } catch (err) {
    await stop();
    throw err;
  }
}

async function startSingle(opts: BenchStackOptions): Promise<BenchStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-'));
  const [port, temporalPort, temporalUiPort] = [await freePort(), await freePort(), await freePort()];
  const env = {
    BATON_DATA_DIR: dataDir,
    PORT: String(port),
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(temporalUiPort),
    BATON_POLICY_FILE: opts.policyFile,
    ...opts.workerEnv,
  };
  const child = await spawnReady('src/main.ts', env, /Baton is running/, opts.workerNodeArgs);
  const address = `127.0.0.1:${temporalPort}`;
  const connection = await Connection.connect({ address });
  const config: BatonConfig = loadConfig({ ...process.env, ...env });
  const principals = JSON.parse(await readFile(path.join(dataDir, 'dev-principals.json'), 'utf8')) as DevPrincipal[];
  const stack = assemble({
    layout: 'single',
    description:
      'one `npm start` process (API, worker, embedded PGlite; PostgreSQL is not installed), the Temporal dev server (SQLite) in its own process',
    apiUrl: `http://127.0.0.1:${port}`,
    address,
    client: new Client({ connection, namespace: config.namespace }),
    databaseUrl: undefined,
    dataDir,
    workerPid: child.pid!,
    principals,
    async stop() {
      await connection.close();
      await stopChild(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  });
  await openRoster(stack);
  return stack;
}

function assemble(parts: Omit<BenchStack, 'token' | 'request' | 'workerRssMiB'> & { principals: DevPrincipal[] }): BenchStack {
  const { principals, ...rest } = parts;
  const token = (id: string): string => {
    const found = principals.find((p) => p.id === id);
    if (!found) throw new Error(`no demo principal ${id}`);
    return found.token;
  };
  return {
    ...rest,
    token,
    workerRssMiB: () => rssMiBOf(parts.workerPid),
    async request<T>(method: string, route: string, as: string, body?: unknown) {
      const res = await fetch(`${parts.apiUrl}${route}`, {
        method,
        headers: { Authorization: `Bearer ${token(as)}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
  };
}

/** Every lead finds an AE with room: the demo AEs take any territory, segment and industry, with capacity to spare. */
async function openRoster(stack: BenchStack): Promise<void> {
  const roster = await stack.request<{ items: { id: string }[] } | { id: string }[]>('GET', '/v1/aes', 'mgr-ana');
  const items = Array.isArray(roster.body) ? roster.body : roster.body.items;
  for (const ae of items) {
    const res = await stack.request('PATCH', `/v1/aes/${ae.id}`, 'mgr-ana', {
      regions: [],
      employeeBands: [],
      industries: [],
      capacity: 1_000_000,
    });
    if (res.status !== 200) throw new Error(`opening up ${ae.id}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** Runs `task` for each item with at most `concurrency` at once. */
export async function pool<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i]!, i);
      }
    }),
  );
}

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
