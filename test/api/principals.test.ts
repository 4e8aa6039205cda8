/** Principals' time zones and managers: from the tokens file (validated) and from the dev seed. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { sha256, TokenStore } from '../../src/api/auth.js';
import { loadConfig } from '../../src/config.js';
import { RosterStore } from '../../src/db/roster.js';
import { DEV_ROSTER, devPrincipalsFile, seedDev } from '../../src/dev/seed.js';
import { testDatabase } from '../support/db.js';

describe('principal time zones', () => {
  const entry = (extra: object) => ({ id: 'sdr-jo', role: 'sdr', name: 'Jo Park', tokenSha256: sha256('t').toString('hex'), ...extra });

  test('the tokens file may give a principal an IANA time zone; without one it still loads', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-tokens-'));
    try {
      const file = path.join(dir, 'tokens.json');
      await writeFile(file, JSON.stringify([entry({ timeZone: 'America/Chicago' }), { ...entry({}), id: 'sdr-max' }]));
      const store = await TokenStore.load(file);
      assert.equal(store.authenticate('t')?.timeZone, 'America/Chicago');
      assert.equal(store.size, 2);

      await writeFile(file, JSON.stringify([entry({ timeZone: 'Mars/Olympus_Mons' })]));
      await assert.rejects(TokenStore.load(file), /0\.timeZone: an IANA time zone/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("the tokens file may name a principal's manager by principal id; without one it still loads", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-tokens-'));
    try {
      const file = path.join(dir, 'tokens.json');
      await writeFile(
        file,
        JSON.stringify([entry({ managerId: 'mgr-ana' }), { ...entry({}), id: 'sdr-max', tokenSha256: sha256('u').toString('hex') }]),
      );
      const store = await TokenStore.load(file);
      assert.equal(store.authenticate('t')?.managerId, 'mgr-ana');
      assert.equal(store.authenticate('u')?.managerId, undefined);

      await writeFile(file, JSON.stringify([entry({ managerId: '' })]));
      await assert.rejects(TokenStore.load(file), /0\.managerId/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the dev seed gives the demo SDRs their zones, also in a principals file written before zones existed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-seed-'));
    const db = await testDatabase();
    try {
      const config = loadConfig({ BATON_DATA_DIR: dir });
      const { principals } = await seedDev(config, db);
      assert.deepEqual(
        (await new RosterStore(db).list()).map((ae) => ae.id),
        DEV_ROSTER.map((ae) => ae.id).sort(),
        'the demo roster is seeded into the database',
      );
      const zoneOf = (id: string) => principals.find((p) => p.id === id)?.timeZone;
      assert.equal(zoneOf('sdr-jo'), 'America/Chicago');
      assert.equal(zoneOf('sdr-max'), 'Europe/Berlin');
      const jo = principals.find((p) => p.id === 'sdr-jo')!;
      assert.equal((await TokenStore.load(config.tokensFile)).authenticate(jo.token)?.timeZone, 'America/Chicago');
      const managers = new Set(principals.filter((p) => p.role === 'manager').map((p) => p.id));
      for (const sdr of principals.filter((p) => p.role === 'sdr')) {
        assert.ok(sdr.managerId && managers.has(sdr.managerId), `${sdr.id} reports to a demo manager (${sdr.managerId})`);
      }
      assert.equal((await TokenStore.load(config.tokensFile)).authenticate(jo.token)?.managerId, 'mgr-ana');

      // An older file without zones or managers: still loadable, and the tokens file gains the demo ones.
      const legacy = principals.map(({ timeZone: _, managerId: _m, ...p }) => p);
      await writeFile(devPrincipalsFile(config), JSON.stringify(legacy));
      await writeFile(config.tokensFile, '[]');
      await seedDev(config, db);
      const tokens = JSON.parse(await readFile(config.tokensFile, 'utf8')) as { id: string; timeZone?: string; managerId?: string }[];
      assert.equal(tokens.find((t) => t.id === 'sdr-max')?.timeZone, 'Europe/Berlin');
      assert.equal(tokens.find((t) => t.id === 'sdr-max')?.managerId, 'mgr-ana');
      assert.equal(tokens.find((t) => t.id === 'mgr-ana')?.timeZone, undefined);
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
