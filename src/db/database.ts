/**
 * Baton's PostgreSQL: a server named by `DATABASE_URL`, or the embedded default — PGlite, an
 * in-process PostgreSQL, under the data dir — so `npm start` needs nothing installed. Both speak the
 * same SQL; callers see one small interface: a query, and a transaction that retries when
 * PostgreSQL asks for it (serialization failure, deadlock).
 */
import { PGlite, type PGliteInterface } from '@electric-sql/pglite';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { migrate } from './migrate.js';
import { isRunning } from '../pid.js';

export interface Sql {
  query<R extends object = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface Database extends Sql {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction; retried from the start on a serialization failure or deadlock. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL connection string; without it, the embedded database. */
  url?: string;
  /** Where the embedded database keeps its files (`<dataDir>/pgdata`); absent: in memory. */
  dataDir?: string;
  /** Connections per process for a server (default 10). */
  poolSize?: number;
  /** Skip applying migrations (tests that want the bare server). */
  skipMigrations?: boolean;
}

const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 8;

/** Opens the database and brings its schema up to date (versioned migrations, applied once). */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const db = opts.url ? serverDatabase(opts.url, opts.poolSize ?? 10) : await embeddedDatabase(opts.dataDir);
  try {
    if (!opts.skipMigrations) await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/** A database over an open PGlite. */
function wrapPglite(lite: PGliteInterface, onClose: () => Promise<void> = () => lite.close()): Database {
  return {
    kind: 'pglite',
    query: (text, params) => lite.query(text, params),
    exec: async (script) => void (await lite.exec(script)),
    // PGlite is one connection: its transactions run one at a time, so they never conflict.
    transaction: (fn) =>
      lite.transaction((tx) =>
        fn({ query: (text, params) => tx.query(text, params), exec: async (script) => void (await tx.exec(script)) }),
      ),
    close: onClose,
  };
}

function serverDatabase(url: string, max: number): Database {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle connection dropped by the server must not crash the process; the next query reconnects.
  pool.on('error', (err) => console.error(`baton: database connection lost: ${err.message}`));
  return {
    kind: 'postgres',
    query: async (text, params) => pool.query(text, params),
    exec: async (script) => void (await pool.query(script)),
    async transaction(fn) {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const result = await fn({
            query: async (text, params) => client.query(text, params),
            exec: async (script) => void (await client.query(script)),
          });
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          const code = (err as { code?: string }).code;
          if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw err;
        } finally {
          client.release();
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
      }
    },
    close: () => pool.end(),
  };
}

/**
 * PGlite keeps no lock of its own, and two processes writing one data directory would corrupt it:
 * a lock file holding the owner's pid keeps a second process out with a clear message.
 */
async function embeddedDatabase(dataDir: string | undefined): Promise<Database> {
  if (!dataDir) return wrapPglite(await PGlite.create());
  const dir = path.join(dataDir, 'pgdata');
  await mkdir(dataDir, { recursive: true });
  const lock = path.join(dataDir, 'pgdata.lock');
  await takeLock(lock);
  try {
    const lite = await PGlite.create(dir);
    return wrapPglite(lite, async () => {
      await lite.close();
      await rm(lock, { force: true });
    });
  } catch (err) {
    await rm(lock, { force: true });
    throw err;
  }
}

async function takeLock(lock: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lock, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(await readFile(lock, 'utf8').catch(() => ''));
      if (pid && isRunning(pid)) {
        throw new Error(
          `the embedded database ${path.dirname(lock)}/pgdata is open in process ${pid}; ` +
            'stop it, or run every process against one PostgreSQL server with DATABASE_URL',
          { cause: err },
        );
      }
      await rm(lock, { force: true }); // left by a process that has gone
    }
  }
  throw new Error(`could not lock ${lock}`);
}
