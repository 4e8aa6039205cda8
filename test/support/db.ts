/**
 * Databases for tests. The embedded PostgreSQL (PGlite) takes a second or two to start, so each test
 * process migrates one in-memory template and hands out clones of it (a fraction of that).
 */
import { PGlite } from '@electric-sql/pglite';
import { wrapPglite, type Database } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';

let template: Promise<PGlite> | undefined;

/** A fresh, migrated, empty embedded database of its own. */
export async function testDatabase(): Promise<Database> {
  template ??= (async () => {
    const lite = await PGlite.create();
    await migrate(wrapPglite(lite));
    return lite;
  })();
  const clone = await (await template).clone();
  return wrapPglite(clone);
}
