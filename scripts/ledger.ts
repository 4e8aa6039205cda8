/**
 * Maintenance of the hand-off ledger, against the database the stack uses (DATABASE_URL, or the
 * embedded one under BATON_DATA_DIR — stop `npm start` first: the embedded database takes one
 * process at a time):
 *
 *   npm run ledger -- backfill            rebuild handoff_projection from handoff_events
 *   npm run ledger -- seed-demo [--count 600] [--weeks 6] [--seed 2026]
 *                                         synthetic hand-offs (ids demo-…) for the KPI page
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { LedgerStore } from '../src/db/ledger.js';
import { seedKpiHandoffs, writeKpiSeed } from '../src/dev/kpi-seed.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    count: { type: 'string', default: '600' },
    weeks: { type: 'string', default: '6' },
    seed: { type: 'string', default: '2026' },
  },
});
const command = positionals[0];
if (command !== 'backfill' && command !== 'seed-demo') {
  console.error('usage: npm run ledger -- backfill | seed-demo [--count N] [--weeks N] [--seed N]');
  process.exit(2);
}

const config = loadConfig();
const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
try {
  const started = Date.now();
  if (command === 'backfill') {
    const { handoffs, events } = await new LedgerStore(db).backfill({
      onProgress: (done) => process.stdout.write(`\r${done} hand-offs…`),
    });
    console.log(`\rrebuilt the projection of ${handoffs} hand-offs from ${events} ledger events in ${Date.now() - started} ms`);
  } else {
    const items = seedKpiHandoffs({
      count: Number(values.count),
      weeks: Number(values.weeks),
      endingAt: Date.now(),
      seed: Number(values.seed),
      idPrefix: 'demo-',
    });
    const inserted = await writeKpiSeed(db, items, { onProgress: (done) => process.stdout.write(`\r${done} hand-offs…`) });
    console.log(`\rwrote ${items.length} demo hand-offs (${inserted} ledger events) in ${Date.now() - started} ms`);
  }
} finally {
  await db.close();
}
