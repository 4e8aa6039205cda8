/**
 * A whole `npm start` stack in a child process for the benchmarks: its own data dir and ports, a
 * policy file of the bench's choosing, the demo principals' tokens, the roster opened up so every
 * lead finds an AE with room, and the process id whose resident memory the benchmarks read.
 */
import { Client, Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../src/config.js';

export interface BenchStack {
  apiUrl: string;
  /** The dev server's gRPC address. */
  address: string;
  client: Client;
  pid: number;
  dataDir: string;
  token(id: string): string;
  /** Resident memory of the `npm start` process (API + worker + embedded database), in MiB. */
  rssMiB(): number;
  request<T = unknown>(method: string, route: string, as: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function rssMiBOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

export async function startBenchStack(opts: {
  policyFile: string;
  env?: Record<string, string>;
  nodeArgs?: string[];
}): Promise<BenchStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bench-'));
  const [port, temporalPort, temporalUiPort] = [await freePort(), await freePort(), await freePort()];
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      BATON_DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(temporalUiPort),
      BATON_POLICY_FILE: opts.policyFile,
      ...opts.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const apiUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}): ${stderr}`);
    const ready = await fetch(`${apiUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 600) throw new Error(`the stack did not become ready in 2 min: ${stderr}`);
    await sleep(200);
  }
  const principals = JSON.parse(await readFile(path.join(dataDir, 'dev-principals.json'), 'utf8')) as { id: string; token: string }[];
  const token = (id: string): string => {
    const found = principals.find((p) => p.id === id);
    if (!found) throw new Error(`no demo principal ${id}`);
    return found.token;
  };
  const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
  const client = new Client({ connection });
  const request = async <T>(method: string, route: string, as: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${route}`, {
      method,
      headers: { Authorization: `Bearer ${token(as)}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  // Every lead finds an AE with room: the demo AEs take any territory, segment and industry, with capacity to spare.
  const roster = await request<{ items: { id: string; version: number }[] } | { id: string }[]>('GET', '/v1/aes', 'mgr-ana');
  const items = Array.isArray(roster.body) ? roster.body : roster.body.items;
  for (const ae of items) {
    const res = await request('PATCH', `/v1/aes/${ae.id}`, 'mgr-ana', {
      regions: [],
      employeeBands: [],
      industries: [],
      capacity: 1_000_000,
    });
    if (res.status !== 200) throw new Error(`opening up ${ae.id}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return {
    apiUrl,
    address: `127.0.0.1:${temporalPort}`,
    client,
    pid: child.pid!,
    dataDir,
    token,
    rssMiB: () => rssMiBOf(child.pid!),
    request,
    async stop() {
      await connection.close();
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
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
