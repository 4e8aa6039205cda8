/**
 * A real PostgreSQL server for tests and benchmarks (the embedded PGlite is in `db.ts`):
 *
 * 1. `BATON_TEST_DATABASE_URL` names a server: each call gets a database of its own, dropped on stop;
 * 2. otherwise the installed PostgreSQL (Debian's `/usr/lib/postgresql/<version>/bin`, or
 *    `pg_config --bindir`) runs a private throwaway cluster in a temp dir on a free port of
 *    127.0.0.1, stopped and removed on stop;
 * 3. otherwise nothing: tests skip — except under `CI`, which must run them.
 *
 * A cluster never outlives its test process: an exit handler shuts it down at once, and a small
 * watchdog process removes it even when the test process is killed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.js';
import { freePort } from '../../src/net.js';
import { testDatabase } from './db.js';

const run = promisify(execFile);

export const NOT_INSTALLED = 'PostgreSQL is not installed: apt-get install postgresql';

export interface PostgresServer {
  /** A fresh, empty database of this call's own. */
  url: string;
  /** Another fresh, empty database on the same server: its URL (gone after `stop`). */
  createDatabase(): Promise<string>;
  /** Where the server comes from and how it runs, for reports: version, binaries, settings. */
  description: string;
  /** Drops the databases, or stops the cluster and removes its files. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * A private cluster only (drills): the server crashes (immediate shutdown, so it recovers from its
   * WAL at start as after a crash) and comes back on the same port after `downMs`. Answers the
   * milliseconds it was not accepting connections.
   */
  restart?(downMs?: number): Promise<number>;
}

export interface StartOptions {
  /**
   * Flush every commit to disk (default off: tests need no durability; a benchmark turns it on for
   * an honest figure). Only for a private cluster; a named server runs as it is configured.
   */
  fsync?: boolean;
}

/** A server to test against, or undefined when PostgreSQL is not installed (and this is not CI). */
export async function startPostgres(options: StartOptions = {}): Promise<PostgresServer | undefined> {
  const named = process.env.BATON_TEST_DATABASE_URL;
  if (named) return namedServer(named);
  const bin = await findBinaries();
  if (bin) return startCluster(bin, options);
  if (isCi()) {
    throw new Error(
      `${NOT_INSTALLED} (CI must run the database tests on a real server: install it, ` +
        'or set BATON_TEST_DATABASE_URL to a server the tests may create databases in)',
    );
  }
  return undefined;
}

/**
 * Starts a server before the current suite's tests and stops it after them. `database(t)` answers
 * a fresh database's URL for one test, or skips the test when PostgreSQL is not installed.
 */
export function usePostgres(options: StartOptions = {}) {
  let server: PostgresServer | undefined;
  before(async () => {
    server = await startPostgres(options);
  });
  after(async () => {
    await server?.stop();
  });
  return {
    get server(): PostgresServer | undefined {
      return server;
    },
    async database(t: TestContext): Promise<string | undefined> {
      if (!server) {
        t.skip(NOT_INSTALLED);
        return undefined;
      }
      return server.createDatabase();
    },
  };
}

function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** Debian's binaries (highest version first), else wherever `pg_config` says they are. */
async function findBinaries(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  const versions = (await readdir(root).catch(() => [] as string[]))
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  const candidates = versions.map((v) => path.join(root, v, 'bin'));
  try {
    candidates.push((await run('pg_config', ['--bindir'])).stdout.trim());
  } catch {
    // no pg_config on the PATH
  }
  return candidates.find((bin) => ['initdb', 'postgres'].every((tool) => existsSync(path.join(bin, tool))));
}

async function namedServer(url: string): Promise<PostgresServer> {
  const created: string[] = [];
  const admin = (sql: string) => query(url, sql);
  const createDatabase = async () => {
    const name = `baton_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    await admin(`CREATE DATABASE ${name}`);
    created.push(name);
    return withDatabase(url, name);
  };
  const version = (await admin('SHOW server_version')).rows[0]!.server_version!;
  const first = await createDatabase();
  return {
    url: first,
    createDatabase,
    description: `PostgreSQL ${version} at BATON_TEST_DATABASE_URL`,
    async stop() {
      for (const name of created.splice(0)) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function startCluster(bin: string, options: StartOptions): Promise<PostgresServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-pg-'));
  // initdb and postgres refuse to run as root: as root, the cluster belongs to the postgres user.
  const user = process.getuid?.() === 0 ? await postgresUser() : undefined;
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PG')));
  const as: RunAs = { cwd: dir, env, ...user };
  let cluster: Cluster;
  try {
    if (user) await chown(dir, user.uid, user.gid);
    const initdb = ['-D', path.join(dir, 'data'), '-U', 'baton', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'];
    await run(path.join(bin, 'initdb'), initdb, as);
    cluster = await startPostmaster(bin, dir, options.fsync ? [] : ['fsync=off', 'full_page_writes=off'], as);
  } catch (err) {
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
    throw err;
  }
  let { postmaster, watchdogPid } = cluster;
  const exitNow = () => postmaster.kill('SIGQUIT'); // the watchdog removes the files
  process.once('exit', exitNow);
  const server = `postgresql://baton@127.0.0.1:${cluster.port}`;
  const version = (await query(`${server}/postgres`, 'SHOW server_version')).rows[0]!.server_version!;
  const settings = options.fsync ? [] : ['fsync=off', 'full_page_writes=off'];
  let counter = 0;
  let stopped = false;
  return {
    url: `${server}/postgres`,
    async createDatabase() {
      const name = `baton_${++counter}`;
      await query(`${server}/postgres`, `CREATE DATABASE ${name}`);
      return `${server}/${name}`;
    },
    description: `PostgreSQL ${version} (${bin}), a private cluster, fsync ${options.fsync ? 'on' : 'off'}`,
    async restart(downMs = 0) {
      if (stopped) throw new Error('the cluster is stopped');
      const downSince = performance.now();
      signal(watchdogPid, 'SIGTERM'); // it would remove the files once this postmaster has gone
      await shutDown(postmaster);
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      ({ postmaster, watchdogPid } = await startPostmaster(bin, dir, settings, as, cluster.port));
      return Math.round(performance.now() - downSince);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', exitNow);
      await shutDown(postmaster);
      await rm(dir, { recursive: true, force: true, maxRetries: 5 });
      signal(watchdogPid, 'SIGTERM');
    },
  };
}

interface RunAs {
  cwd: string;
  env: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
}

interface Cluster {
  port: number;
  postmaster: ChildProcess;
  watchdogPid: number | undefined;
}

/**
 * Runs the server as a child of this process (reaped here, never left a zombie) on a free port of
 * 127.0.0.1 — another port when a parallel test took that one first.
 */
async function startPostmaster(bin: string, dir: string, settings: string[], as: RunAs, fixedPort?: number): Promise<Cluster> {
  const logFile = path.join(dir, 'log');
  const log = await open(logFile, 'a');
  try {
    for (let attempt = 1; ; attempt++) {
      const port = fixedPort ?? (await freePort());
      const args = ['-D', path.join(dir, 'data'), '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
      const postmaster = spawn(path.join(bin, 'postgres'), [...args, ...settings.flatMap((s) => ['-c', s])], {
        ...as,
        detached: true,
        stdio: ['ignore', log.fd, log.fd],
      });
      postmaster.unref(); // a test that forgets to stop it still ends: the exit handler and the watchdog clean up
      let failed: Error | undefined;
      postmaster.once('error', (err) => (failed = err));
      const watchdogPid = postmaster.pid === undefined ? undefined : watchdog(postmaster.pid, dir);
      if (await accepting(`postgresql://baton@127.0.0.1:${port}/postgres`, postmaster, () => failed)) {
        return { port, postmaster, watchdogPid };
      }
      await shutDown(postmaster);
      signal(watchdogPid, 'SIGTERM');
      if (failed) throw failed;
      if (attempt === 3) {
        const tail = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
        throw new Error(`PostgreSQL did not start in ${dir}:\n${tail}`);
      }
    }
  } finally {
    await log.close();
  }
}

/** Waits until the server answers; false when it exited (or never started) first, or after a minute. */
async function accepting(url: string, postmaster: ChildProcess, failed: () => Error | undefined): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (!failed() && postmaster.exitCode === null && postmaster.signalCode === null && Date.now() < deadline) {
    try {
      await query(url, 'SELECT 1');
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return false;
}

/** Immediate shutdown (a throwaway cluster needs no checkpoint), waited for. */
async function shutDown(postmaster: ChildProcess): Promise<void> {
  if (postmaster.pid === undefined || postmaster.exitCode !== null || postmaster.signalCode !== null) return;
  postmaster.ref(); // keep this process alive until the server has gone
  const exited = new Promise((resolve) => postmaster.once('exit', resolve));
  postmaster.kill('SIGQUIT');
  const timer = setTimeout(() => postmaster.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A detached shell that, once this process has gone however it went, stops the server and removes its files. */
function watchdog(postmasterPid: number, dir: string): number | undefined {
  const script = [
    'while kill -0 "$0" 2>/dev/null; do sleep 1; done',
    'kill -QUIT "$1" 2>/dev/null',
    'i=0; while kill -0 "$1" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done',
    'rm -rf "$2"',
  ].join('\n');
  const child = spawn('sh', ['-c', script, String(process.pid), String(postmasterPid), dir], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid;
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const entry = await run('getent', ['passwd', 'postgres']).catch(() => undefined);
  const [, , uid, gid] = entry?.stdout.trim().split(':') ?? [];
  if (!uid || !gid) throw new Error('PostgreSQL will not run as root, and there is no postgres user to run it as');
  return { uid: Number(uid), gid: Number(gid) };
}

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query<Record<string, string>>(sql);
  } finally {
    await client.end();
  }
}

function signal(pid: number | undefined, name: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** Opens a database of the test's own (closed after it), or undefined when the suite is skipped. */
export type OpenTestDatabase = (t: TestContext) => Promise<Database | undefined>;

/**
 * Defines `suite` on both databases Baton runs on: the embedded PGlite (a schema of the shared test
 * instance) and a PostgreSQL server (a throwaway cluster or `BATON_TEST_DATABASE_URL`; without one
 * its tests skip, except under CI). Every `open` gives the test a database of its own, closed after it.
 */
export function onBothDatabases(suite: (open: OpenTestDatabase) => void): void {
  describe('embedded PGlite', () => {
    suite(async (t) => {
      const db = await testDatabase();
      t.after(() => db.close());
      return db;
    });
  });
  describe('PostgreSQL server', () => {
    const server = usePostgres();
    suite(async (t) => {
      const url = await server.database(t);
      if (!url) return undefined;
      const db = await openDatabase({ url, poolSize: 4 });
      t.after(() => db.close());
      return db;
    });
  });
}
