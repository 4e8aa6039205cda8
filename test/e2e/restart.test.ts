/**
 * `npm start` after a crash: the dev server a `kill -9`ed `npm start` left behind is recognised as
 * its own (the record beside the database) and stopped, so the next `npm start` just works; a live
 * owner, or a pid that now belongs to another program, is left alone.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../../src/config.js';
import { isRunning } from '../../src/pid.js';
import { reclaimOrphanedServer, recordFile, writeServerRecord, type ServerRecord } from '../../src/temporal/orphan.js';

/** A stand-in process whose command line looks like the dev server's on `dbFile`, in its own process group. */
function fakeServer(dbFile: string): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'server', 'start-dev', '--db-filename', dbFile], {
    detached: true,
    stdio: 'ignore',
  });
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

async function withDataDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-restart-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('recovering from a crashed npm start', () => {
  it('stops the dev server whose npm start is gone, and clears its record', () =>
    withDataDir(async (dir) => {
      const dbFile = path.join(dir, 'temporal.db');
      const server = fakeServer(dbFile);
      const record: ServerRecord = { serverPid: server.pid!, ownerPid: await deadPid(), dbFile, port: 7999, uiPort: 8999 };
      await writeServerRecord(dir, record);
      const said: string[] = [];
      assert.equal(await reclaimOrphanedServer(dir, (line) => said.push(line)), 'stopped');
      assert.equal(isRunning(server.pid!), false);
      assert.match(said.join('\n'), new RegExp(`stopping the Temporal dev server \\(pid ${server.pid}, port 7999\\)`));
      await assert.rejects(readFile(recordFile(dir)), { code: 'ENOENT' });
      assert.equal(await reclaimOrphanedServer(dir, () => {}), 'none');
    }));

  it('refuses while the npm start that owns the server is alive, naming both pids; leaves a reused pid alone', () =>
    withDataDir(async (dir) => {
      const dbFile = path.join(dir, 'temporal.db');
      const server = fakeServer(dbFile);
      const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      try {
        await writeServerRecord(dir, { serverPid: server.pid!, ownerPid: owner.pid!, dbFile, port: 7999, uiPort: 8999 });
        await assert.rejects(
          reclaimOrphanedServer(dir, () => {}),
          new RegExp(`npm start \\(pid ${owner.pid}\\) is already running on .*pid ${server.pid}`),
        );
        assert.equal(isRunning(server.pid!), true);

        // The recorded server pid now belongs to something else (its command line is not the dev server's on this database).
        await writeServerRecord(dir, { serverPid: owner.pid!, ownerPid: await deadPid(), dbFile, port: 7999, uiPort: 8999 });
        assert.equal(await reclaimOrphanedServer(dir, () => {}), 'stale-record');
        assert.equal(isRunning(owner.pid!), true, 'a foreign process is never signalled');
      } finally {
        process.kill(-server.pid!, 'SIGKILL');
        owner.kill('SIGKILL');
      }
    }));

  it('npm start, kill -9, npm start again: the second start stops the orphaned dev server and comes up', { timeout: 240_000 }, () =>
    withDataDir(async (dir) => {
      const env = { ...process.env, BATON_DATA_DIR: dir, PORT: '0', TEMPORAL_PORT: '0', TEMPORAL_UI_PORT: '0' };
      const start = async (): Promise<{ child: ChildProcess; output: () => string }> => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
          cwd: repoRoot,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (c: Buffer) => (output += c.toString()));
        child.stderr.on('data', (c: Buffer) => (output += c.toString()));
        const deadline = Date.now() + 120_000;
        while (!output.includes('Baton is running')) {
          if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${output}`);
          if (Date.now() > deadline) throw new Error(`npm start did not come up in 2 min:\n${output}`);
          await sleep(100);
        }
        return { child, output: () => output };
      };

      const first = await start();
      const orphan = (JSON.parse(await readFile(recordFile(dir), 'utf8')) as ServerRecord).serverPid;
      first.child.kill('SIGKILL');
      await new Promise((resolve) => first.child.once('exit', resolve));
      assert.equal(isRunning(orphan), true, 'kill -9 leaves the dev server running');

      const second = await start();
      try {
        assert.match(second.output(), new RegExp(`stopping the Temporal dev server \\(pid ${orphan}`));
        assert.equal(isRunning(orphan), false);
        const current = (JSON.parse(await readFile(recordFile(dir), 'utf8')) as ServerRecord).serverPid;
        assert.notEqual(current, orphan);
      } finally {
        second.child.kill('SIGINT');
        await new Promise((resolve) => second.child.once('exit', resolve));
      }
      await assert.rejects(readFile(recordFile(dir)), { code: 'ENOENT' }, 'a clean stop clears the record');
    }),
  );
});
