/**
 * `npm start` runs the Temporal dev server in a process group of its own (so a terminal's Ctrl-C
 * reaches the worker first). If `npm start` itself dies hard (`kill -9`, an OOM kill), that server
 * is left running on the data dir and its port. The next `npm start` recognises its own orphan by
 * the record written beside the database (`temporal.pid`: the server's pid, the pid of the
 * `npm start` that owns it, the database file) and stops it, while a live owner or a foreign
 * process on the port still gets a clear message.
 */
import { spawnSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRunning } from '../pid.js';

export interface ServerRecord {
  serverPid: number;
  ownerPid: number;
  dbFile: string;
  port: number;
  uiPort: number;
}

export const recordFile = (dataDir: string): string => path.join(dataDir, 'temporal.pid');

export async function writeServerRecord(dataDir: string, record: ServerRecord): Promise<void> {
  await writeFile(recordFile(dataDir), `${JSON.stringify(record)}\n`);
}

/** Removes the record if it still describes `serverPid` (a newer server's record is left alone). */
export async function clearServerRecord(dataDir: string, serverPid: number): Promise<void> {
  const record = await readServerRecord(dataDir);
  if (record?.serverPid === serverPid) await rm(recordFile(dataDir), { force: true });
}

async function readServerRecord(dataDir: string): Promise<ServerRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(recordFile(dataDir), 'utf8')) as Partial<ServerRecord>;
    return typeof parsed.serverPid === 'number' && typeof parsed.ownerPid === 'number' && typeof parsed.dbFile === 'string'
      ? (parsed as ServerRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The process's command line (`ps`, which Linux and macOS both have), or undefined once it is gone. */
function commandLine(pid: number): string | undefined {
  const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  const line = ps.status === 0 ? ps.stdout.trim() : '';
  return line === '' ? undefined : line;
}

/**
 * Stops the dev server a crashed `npm start` left on this data dir; answers what it did. Throws
 * when the `npm start` that owns the server is still running. A recorded pid that now belongs to
 * another program (the pid was reused) is left alone.
 */
export async function reclaimOrphanedServer(
  dataDir: string,
  log: (line: string) => void,
  graceMs = 10_000,
): Promise<'none' | 'stale-record' | 'stopped'> {
  const record = await readServerRecord(dataDir);
  if (!record) return 'none';
  const command = isRunning(record.serverPid) ? commandLine(record.serverPid) : undefined;
  if (!command || !command.includes('start-dev') || !command.includes(record.dbFile)) {
    await rm(recordFile(dataDir), { force: true });
    return 'stale-record';
  }
  if (record.ownerPid !== process.pid && isRunning(record.ownerPid)) {
    throw new Error(
      `npm start (pid ${record.ownerPid}) is already running on ${dataDir} with its Temporal dev server (pid ${record.serverPid}, port ${record.port}): ` +
        'stop it first (Ctrl-C in its terminal), or give this one another BATON_DATA_DIR',
    );
  }
  log(
    `stopping the Temporal dev server (pid ${record.serverPid}, port ${record.port}) that an npm start which crashed left on ${dataDir}…`,
  );
  // The server runs in a process group of its own: signal the group, so nothing of it stays behind.
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-record.serverPid, sig);
    } catch {
      try {
        process.kill(record.serverPid, sig);
      } catch {
        // gone already
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(record.serverPid) && Date.now() < deadline) await sleep(100);
  if (isRunning(record.serverPid)) {
    signal('SIGKILL');
    while (isRunning(record.serverPid)) await sleep(50);
  }
  await rm(recordFile(dataDir), { force: true });
  return 'stopped';
}
