/**
 * The embedded Temporal for `npm start`: the CLI's dev server on a SQLite file under the data dir,
 * with Baton's search attributes registered and a retention long enough to inspect a week's
 * closed hand-offs. Also the same set-up steps for an existing server (`TEMPORAL_ADDRESS`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../net.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { BatonConfig } from '../config.js';
import { resolveTemporalCli } from './binaries.js';
import { clearServerRecord, reclaimOrphanedServer, writeServerRecord } from './orphan.js';
import { searchAttributeIndexedTypes } from './indexed-types.js';

/** Closed hand-offs stay inspectable for a working week and more (the dev server default is 1 day). */
export const RETENTION_DAYS = 7;

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

export interface DevServer {
  /** gRPC frontend, `host:port`. */
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

export async function startDevServer(config: BatonConfig, say: (line: string) => void = (line) => console.log(line)): Promise<DevServer> {
  const cli = await resolveTemporalCli();
  await fsp.mkdir(config.dataDir, { recursive: true });
  // A server an npm start that crashed left on this data dir is stopped first (src/temporal/orphan.ts).
  await reclaimOrphanedServer(config.dataDir, say);
  const host = '127.0.0.1';
  // Port 0 means "any free port" (handy for tests running side by side).
  const port = config.temporalPort || (await freePort(host));
  const uiPort = config.temporalUiPort || (await freePort(host));
  const address = `${host}:${port}`;
  await assertPortFree(host, port, 'TEMPORAL_PORT', address);
  await assertPortFree(host, uiPort, 'TEMPORAL_UI_PORT');

  const args = [
    'server',
    'start-dev',
    '--db-filename',
    path.join(path.resolve(config.dataDir), 'temporal.db'),
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    '--ip',
    host,
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--namespace',
    config.namespace,
    '--log-level',
    'warn',
  ];

  const logFile = path.join(config.dataDir, 'temporal.log');
  const logStart = await fileSize(logFile);
  const log = fs.openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    fs.writeSync(log, `\n--- ${new Date().toISOString()} ${cli} ${args.join(' ')}\n`);
    // Own process group: a terminal Ctrl-C must not reach the server before the worker has drained.
    child = spawn(cli, args, { stdio: ['ignore', log, log], detached: true });
  } finally {
    fs.closeSync(log);
  }

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  let running = true;
  void exited.then(() => (running = false));
  const dbFile = path.join(path.resolve(config.dataDir), 'temporal.db');
  if (child.pid) await writeServerRecord(config.dataDir, { serverPid: child.pid, ownerPid: process.pid, dbFile, port, uiPort });
  void exited.then(() => (child.pid ? clearServerRecord(config.dataDir, child.pid) : undefined)).catch(() => undefined);
  // Never leave an orphaned server behind, whatever way this process ends.
  const killOnExit = (): void => {
    if (running && child.pid) process.kill(child.pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    if (running && child.pid) {
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => false), sleep(STOP_GRACE_MS).then(() => true)]);
      if (killed && running) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    // Stopped cleanly: no record of a server to reclaim is left behind.
    if (child.pid) await clearServerRecord(config.dataDir, child.pid);
    process.removeListener('exit', killOnExit);
  };

  try {
    const connection = await waitForFrontend(address, exited, logFile, logStart);
    try {
      await registerSearchAttributes(connection, config.namespace);
      await ensureRetention(connection, config.namespace, RETENTION_DAYS);
    } finally {
      await connection.close();
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return { address, uiUrl: `http://localhost:${uiPort}`, stop };
}

async function waitForFrontend(
  address: string,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  logFile: string,
  logStart: number,
): Promise<Connection> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((e) => (exit = e));
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exit) {
      const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
      throw new Error(
        `The Temporal dev server stopped during start-up (${how}). Last lines of ${logFile}:\n` + (await logTail(logFile, logStart)),
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: '1s' });
      // The frontend answers before the default namespace is registered; wait for that too.
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (err) {
      lastError = err;
      await sleep(250);
    }
  }
  throw new Error(
    `The Temporal dev server did not answer on ${address} within ${READY_TIMEOUT_MS / 1000} s ` +
      `(last error: ${(lastError as Error | undefined)?.message ?? 'none'}). Last lines of ${logFile}:\n` +
      (await logTail(logFile, logStart)),
  );
}

/** Registers Baton's search attributes that the namespace lacks; refuses one of a different type. */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: ReturnType<typeof searchAttributeIndexedTypes> = {};
  for (const [name, wanted] of Object.entries(searchAttributeIndexedTypes())) {
    const existing = customAttributes[name];
    if (existing === undefined) missing[name] = wanted;
    else if (existing !== wanted) {
      throw new Error(
        `Search attribute ${name} already exists in namespace ${namespace} with another type ` +
          `(indexed value type ${existing}, Baton needs ${wanted}); fix it on the server first`,
      );
    }
  }
  if (Object.keys(missing).length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  }
}

/** Raises the namespace's workflow retention to at least `days` (never lowers it) and checks it took. */
export async function ensureRetention(connection: Connection, namespace: string, days: number): Promise<void> {
  const wanted = days * 24 * 60 * 60;
  if ((await retentionSeconds(connection, namespace)) >= wanted) return;
  await connection.workflowService.updateNamespace({
    namespace,
    config: { workflowExecutionRetentionTtl: proto.google.protobuf.Duration.fromObject({ seconds: wanted }) },
  });
  const now = await retentionSeconds(connection, namespace);
  if (now < wanted) {
    throw new Error(`Namespace ${namespace} retention is still ${now} s after asking for ${wanted} s`);
  }
}

async function retentionSeconds(connection: Connection, namespace: string): Promise<number> {
  const ns = await connection.workflowService.describeNamespace({ namespace });
  const seconds = ns.config?.workflowExecutionRetentionTtl?.seconds;
  if (seconds === undefined || seconds === null) return 0;
  return typeof seconds === 'number' ? seconds : seconds.toNumber();
}

async function assertPortFree(host: string, port: number, envVar: string, address?: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (!free) {
    throw new Error(
      `Port ${port} on ${host} is already in use, so the Temporal dev server cannot start. ` +
        (address ? `If a Temporal server is already running there, set TEMPORAL_ADDRESS=${address} to use it; ` : '') +
        `otherwise stop whatever holds the port or set ${envVar} to another port.`,
    );
  }
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return 0;
  }
}

async function logTail(file: string, from: number, lines = 30): Promise<string> {
  try {
    const text = (await fsp.readFile(file)).subarray(from).toString('utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n') || '(empty)';
  } catch {
    return '(no log)';
  }
}
