import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { readMigrations } from '../../src/db/migrate.js';

describe('the embedded database', () => {
  it('keeps its data in the data dir across restarts, migrated once, and refuses a second opener', async (t) => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-pglite-'));
    t.after(() => rm(dataDir, { recursive: true, force: true }));

    const first = await openDatabase({ dataDir });
    assert.equal(first.kind, 'pglite');
    await first.query(`INSERT INTO aes (id, doc) VALUES ('ae-kim', '{}'::jsonb)`);
    await assert.rejects(openDatabase({ dataDir }), /the embedded database .*pgdata is open in process \d+; .*DATABASE_URL/);
    await first.close();

    const again = await openDatabase({ dataDir });
    try {
      assert.deepEqual((await again.query<{ id: string }>('SELECT id FROM aes')).rows, [{ id: 'ae-kim' }]);
      assert.deepEqual(
        (await again.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows,
        (await readMigrations()).map((m) => ({ version: m.version })),
      );
    } finally {
      await again.close();
    }
  });
});
