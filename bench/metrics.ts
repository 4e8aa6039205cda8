/**
 * Metrics query time (DESIGN §2.7, issue 5: under 200 ms at 100,000 ledger rows): seeds about
 * 100,000 ledger rows of synthetic hand-offs through the ledger store, then times `computeMetrics`
 * and `weeklyReport` — a warm-up, then `--runs` runs each — on the embedded PGlite and, when one is
 * installed (or BATON_BENCH_DATABASE_URL names one), a PostgreSQL server.
 *
 *   node --import tsx bench/metrics.ts [--rows 100000] [--runs 20] [--no-postgres]
 *
 * Prints the figures and writes them to bench/RESULTS.md ("Metrics queries").
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Database } from '../src/db/database.js';
import { computeMetrics, weeklyReport } from '../src/db/metrics.js';
import { seedKpiHandoffs, writeKpiSeed, type SeededHandoff } from '../src/dev/kpi-seed.js';
import { lastCompleteWeek, type GroupDimension } from '../src/domain/metrics.js';
import { onBenchDatabases } from './databases.js';
import { writeResultsSection } from './results.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '20' },
    'no-postgres': { type: 'boolean', default: false },
  },
});
const ROWS = Number(values.rows);
const RUNS = Number(values.runs);
const WARM_UP = 3;
const WEEKS = 12;
const TIME_ZONE = 'America/Chicago';
const ENDING_AT = Date.parse('2026-11-23T12:00:00Z');

/** Hand-offs enough for `ROWS` ledger rows: the seed averages about nine events a hand-off. */
function seed(): { items: SeededHandoff[]; rows: number } {
  const rowsOf = (list: SeededHandoff[]) => list.reduce((n, h) => n + h.batches.reduce((m, b) => m + b.entries.length, 0), 0);
  const probe = seedKpiHandoffs({ count: 1000, weeks: WEEKS, endingAt: ENDING_AT, seed: 1 });
  let count = Math.ceil((ROWS / rowsOf(probe)) * 1000);
  for (;;) {
    const items = seedKpiHandoffs({ count, weeks: WEEKS, endingAt: ENDING_AT, seed: 1 });
    const rows = rowsOf(items);
    if (rows >= ROWS) return { items, rows };
    count = Math.ceil(count * (ROWS / rows)) + 10;
  }
}

interface Case {
  name: string;
  run: (db: Database) => Promise<unknown>;
}

const to = '2026-11-23';
const from = '2026-09-01';
const metrics =
  (groupBy: GroupDimension[]) =>
  (db: Database): Promise<unknown> =>
    computeMetrics(db, { from, to, timeZone: TIME_ZONE, groupBy, scope: {} });
const CASES: Case[] = [
  { name: 'totals over 12 weeks', run: metrics([]) },
  { name: 'groupBy=week', run: metrics(['week']) },
  { name: 'groupBy=sdr,ae', run: metrics(['sdr', 'ae']) },
  { name: 'groupBy=week,tier', run: metrics(['week', 'tier']) },
  {
    name: 'groupBy=week, scoped to one SDR',
    run: (db) => computeMetrics(db, { from, to, timeZone: TIME_ZONE, groupBy: ['week'], scope: { sdr: 'sdr-jo' } }),
  },
  {
    name: 'weeklyReport (last complete week)',
    run: (db) => weeklyReport(db, { week: lastCompleteWeek(ENDING_AT, TIME_ZONE), timeZone: TIME_ZONE, scope: {} }),
  },
];

interface Timing {
  name: string;
  p50: number;
  p95: number;
  max: number;
}

async function time(db: Database): Promise<Timing[]> {
  const out: Timing[] = [];
  for (const c of CASES) {
    for (let i = 0; i < WARM_UP; i++) await c.run(db);
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await c.run(db);
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    const at = (p: number) => ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)]!;
    out.push({ name: c.name, p50: at(0.5), p95: at(0.95), max: ms.at(-1)! });
    console.log(`  ${c.name}: p50 ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${ms.at(-1)!.toFixed(1)} ms`);
  }
  return out;
}

async function measure(
  label: string,
  db: Database,
  items: SeededHandoff[],
  concurrency: number,
): Promise<{ label: string; timings: Timing[]; seedSeconds: number }> {
  const started = performance.now();
  let reported = 0;
  await writeKpiSeed(db, items, {
    perTransaction: 100,
    concurrency,
    onProgress: (done) => {
      if (done - reported >= 2000) {
        reported = done;
        console.log(`  ${label}: ${done} of ${items.length} hand-offs written`);
      }
    },
  });
  const seedSeconds = (performance.now() - started) / 1000;
  const counted = (
    await db.query<{ events: number; handoffs: number }>(
      'SELECT (SELECT count(*) FROM handoff_events)::int AS events, (SELECT count(*) FROM handoff_projection)::int AS handoffs',
    )
  ).rows[0]!;
  console.log(`${label}: ${counted.events} ledger rows, ${counted.handoffs} hand-offs, seeded in ${seedSeconds.toFixed(0)} s`);
  await db.query('ANALYZE');
  return { label, timings: await time(db), seedSeconds };
}

const load = os.loadavg()[0]!;
const { items, rows } = seed();
console.log(`seed: ${items.length} hand-offs, ${rows} ledger rows over ${WEEKS} weeks`);

const { results, server: serverDescription } = await onBenchDatabases(
  { noPostgres: values['no-postgres'], tables: 'handoff_events, handoff_projection' },
  (label, db, concurrency) => measure(label, db, items, concurrency),
);

const cpus = os.cpus();
const table = [
  `| query | ${results.map((r) => `${r.label} p50 ms | p95 ms | max ms`).join(' | ')} |`,
  `|---|${results.map(() => '---|---|---|').join('')}`,
  ...CASES.map(
    (c, i) =>
      `| ${c.name} | ${results
        .map((r) => {
          const t = r.timings[i]!;
          return `${t.p50.toFixed(1)} | ${t.p95.toFixed(1)} | ${t.max.toFixed(1)}`;
        })
        .join(' | ')} |`,
  ),
];
const section = [
  '## Metrics queries',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}; ` +
    `load average ${load.toFixed(1)} when it started (the machine is shared: the figures are indicative).`,
  `Data: ${rows} ledger rows (${items.length} synthetic hand-offs from \`src/dev/kpi-seed.ts\`, seed 1) submitted over ${WEEKS} weeks, ` +
    'written through the ledger store (events and projection); the queries read `handoff_projection` only, after `ANALYZE`.',
  `Server: ${serverDescription ?? 'none (PGlite only)'}; PGlite in memory, in the benchmark's process.`,
  `Each query: ${WARM_UP} warm-up runs, then ${RUNS} timed runs, one at a time, as the caller sees it (query and JSON shaping). ` +
    `Range ${from} to ${to} in ${TIME_ZONE} (every hand-off in it); the weekly report runs five queries.`,
  '',
  ...table,
  '',
  `Command: \`node --import tsx bench/metrics.ts --rows ${ROWS} --runs ${RUNS}\``,
  '',
].join('\n');
console.log(section);

await writeResultsSection('## Metrics queries', section);
