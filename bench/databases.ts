import { openDatabase, type Database } from '../src/db/database.js';
import { startPostgres, type PostgresServer } from '../test/support/postgres.js';

/**
 * Runs a benchmark's `measure` on the embedded PGlite and, unless `noPostgres`, on a PostgreSQL
 * server: the one BATON_BENCH_DATABASE_URL names (its `tables` emptied first), else a private
 * cluster when PostgreSQL is installed. Answers the results and which server it was.
 */
export async function onBenchDatabases<T>(
  opts: { noPostgres: boolean; tables: string },
  measure: (label: string, db: Database, concurrency: number) => Promise<T>,
): Promise<{ results: T[]; server: string | undefined }> {
  const results: T[] = [];
  const pglite = await openDatabase({});
  try {
    results.push(await measure('PGlite (embedded)', pglite, 1));
  } finally {
    await pglite.close();
  }
  if (opts.noPostgres) return { results, server: undefined };
  const named = process.env.BATON_BENCH_DATABASE_URL;
  let cluster: PostgresServer | undefined;
  const url = named ?? (cluster = await startPostgres())?.url;
  if (!url) {
    console.log('PostgreSQL is not installed: measured PGlite only');
    return { results, server: undefined };
  }
  const db = await openDatabase({ url, poolSize: 4 });
  try {
    if (named) await db.query(`TRUNCATE ${opts.tables}`);
    results.push(await measure('PostgreSQL', db, 4));
  } finally {
    await db.close();
    await cluster?.stop();
  }
  return { results, server: named ? 'PostgreSQL at BATON_BENCH_DATABASE_URL' : cluster!.description };
}
