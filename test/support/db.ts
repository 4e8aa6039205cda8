/**
 * Databases for tests. The embedded PostgreSQL (PGlite) takes seconds to start and a clone of it
 * half a second, which a suite of many small tests cannot afford. So each test process starts one
 * PGlite, and every test database is a schema of its own in it: the shipped migrations applied
 * there, and every statement run in a transaction that sets `search_path` to that schema.
 * PGlite is one session that runs one transaction at a time, so tests sharing it never see each
 * other's tables, rows or locks.
 */
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Database, Sql } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';

/** The pinned PGlite version (package.json): saved files are only loaded by the version that wrote them. */
const PGLITE_VERSION = (createRequire(import.meta.url)('../../package.json') as { dependencies: Record<string, string> }).dependencies[
  '@electric-sql/pglite'
];

let shared: Promise<PGlite> | undefined;
let schemas = 0;
let open = 0;
let idle: NodeJS.Timeout | undefined;

/**
 * An open PGlite keeps its process alive for seconds after the last test (its own timers), so the
 * shared instance closes itself once no test database has been open for a moment.
 */
const IDLE_CLOSE_MS = 500;

function release(): void {
  if (--open > 0) return;
  idle = setTimeout(() => {
    const closing = shared;
    shared = undefined;
    void closing?.then((lite) => lite.close());
  }, IDLE_CLOSE_MS);
  idle.unref();
}

/**
 * A new PGlite runs initdb, seconds of CPU; loading the files of one already initialised takes a
 * fraction. The first test process to need one saves them (per PGlite version) for the others.
 */
async function startPglite(): Promise<PGlite> {
  const file = path.join(os.tmpdir(), `baton-pglite-${PGLITE_VERSION}-initdb.tar`);
  const saved = await readFile(file).catch(() => undefined);
  if (saved) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([saved]) });
    } catch {
      // A damaged file: start afresh and save it again.
    }
  }
  const lite = await PGlite.create();
  const dump = Buffer.from(await (await lite.dumpDataDir('none')).arrayBuffer());
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, dump);
  await rename(tmp, file);
  return lite;
}

/** A fresh, migrated, empty database of its own (close it when done: that drops its schema). */
export async function testDatabase(): Promise<Database> {
  clearTimeout(idle);
  open++;
  const lite = await (shared ??= startPglite());
  const schema = `test_${process.pid}_${++schemas}`;
  await lite.exec(`CREATE SCHEMA ${schema}`);
  const scoped = (tx: Transaction): Sql => ({
    query: (text, params) => tx.query(text, params),
    exec: async (script) => void (await tx.exec(script)),
  });
  const inSchema = <T>(fn: (tx: Sql) => Promise<T>): Promise<T> =>
    lite.transaction(async (tx) => {
      await tx.exec(`SET LOCAL search_path TO ${schema}`);
      return fn(scoped(tx));
    });
  let closed = false;
  const db: Database = {
    kind: 'pglite',
    query: (text, params) => inSchema((tx) => tx.query(text, params)),
    exec: (script) => inSchema((tx) => tx.exec(script)),
    transaction: inSchema,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await lite.exec(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        release();
      }
    },
  };
  await migrate(db);
  return db;
}
