/**
 * Routing throughput (DESIGN §2.6): hand-offs routed per second by two worker processes on one
 * PostgreSQL server, each with its own pool, and by one process on the embedded PGlite for
 * comparison. Every routing locks the whole roster, so this measures the router's critical section.
 *
 *   node --import tsx bench/routing.ts [--handoffs 1000] [--concurrency 16]
 *
 * Starts its own throwaway PostgreSQL cluster (fsync on, as in production), prints the figures and
 * writes them to bench/RESULTS.md ("Routing throughput").
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase, type Database } from '../src/db/database.js';
import { RosterStore } from '../src/db/roster.js';
import { Router } from '../src/db/router.js';
import { startPostgres } from '../test/support/postgres.js';
import { routeInWorkers, routeRequest, weightedRoster } from '../test/support/route-workers.js';
import { writeResultsSection } from './results.js';

const { values } = parseArgs({
  options: { handoffs: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '16' } },
});
const PER_WORKER = Number(values.handoffs);
const CONCURRENCY = Number(values.concurrency);
const WORKERS = 2;
const POOL = 8;
const WEIGHTS = [1, 1, 2, 3, 3];

interface Figures {
  setup: string;
  routed: number;
  seconds: number;
  latencies: number[];
  deviation: number;
}

const handoffIds = (worker: number) => Array.from({ length: PER_WORKER }, (_, i) => `w${worker}-${String(i).padStart(5, '0')}`);

async function seed(db: Database): Promise<void> {
  const roster = weightedRoster(
    WEIGHTS,
    WEIGHTS.map(() => WORKERS * PER_WORKER),
  );
  await new RosterStore(db).seed(roster, 'bench');
}

/** The largest gap, in percentage points, between an AE's share of the assignments and their weight's share. */
async function shareDeviation(db: Database): Promise<number> {
  const { rows } = await db.query<{ id: string; n: number }>(
    'SELECT ae_id AS id, count(*)::int AS n FROM routing_decisions WHERE ae_id IS NOT NULL GROUP BY ae_id',
  );
  const total = rows.reduce((sum, r) => sum + r.n, 0);
  const totalWeight = WEIGHTS.reduce((a, b) => a + b, 0);
  return Math.max(
    ...WEIGHTS.map((w, i) => Math.abs((100 * (rows.find((r) => r.id === `ae-${i + 1}`)?.n ?? 0)) / total - (100 * w) / totalWeight)),
  );
}

/** Routes on a throwaway cluster: the workers of `jobs` together, answering one row of figures. */
async function onPostgres(
  setup: string,
  jobs: { worker: number; concurrency: number; count: number }[],
): Promise<Figures & { server: string }> {
  const server = await startPostgres({ fsync: true });
  if (!server) throw new Error('PostgreSQL is not installed: apt-get install postgresql (or set BATON_TEST_DATABASE_URL)');
  try {
    const db = await openDatabase({ url: server.url, poolSize: 2 });
    try {
      await seed(db);
      const outcomes = await routeInWorkers(
        jobs.map((j) => ({
          url: server.url,
          handoffIds: handoffIds(j.worker).slice(0, j.count),
          concurrency: j.concurrency,
          poolSize: POOL,
        })),
      );
      if (outcomes.some((o) => o.exitCode !== 0)) throw new Error('a routing worker failed');
      const routed = outcomes.flatMap((o) => o.routed);
      return {
        setup,
        routed: routed.length,
        seconds: (Math.max(...routed.map((r) => r.endedAt)) - Math.min(...routed.map((r) => r.startedAt))) / 1000,
        latencies: routed.map((r) => r.endedAt - r.startedAt),
        deviation: await shareDeviation(db),
        server: server.description,
      };
    } finally {
      await db.close();
    }
  } finally {
    await server.stop();
  }
}

async function onPglite(): Promise<Figures> {
  const db = await openDatabase({});
  try {
    await seed(db);
    const router = new Router(db);
    const ids = [...handoffIds(1), ...handoffIds(2)];
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    const lane = async () => {
      while (next < ids.length) {
        const request = routeRequest(ids[next++]!);
        const t = performance.now();
        await router.assign(request);
        latencies.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    return {
      setup: `PGlite (embedded), 1 process, ${CONCURRENCY} in flight`,
      routed: ids.length,
      seconds: (performance.now() - started) / 1000,
      latencies,
      deviation: await shareDeviation(db),
    };
  } finally {
    await db.close();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function row(f: Figures): string {
  const sorted = [...f.latencies].sort((a, b) => a - b);
  const cells = [
    f.setup,
    String(f.routed),
    (f.routed / f.seconds).toFixed(0),
    percentile(sorted, 50).toFixed(1),
    percentile(sorted, 99).toFixed(1),
    f.deviation.toFixed(2),
  ];
  return `| ${cells.join(' | ')} |`;
}

const load = os.loadavg()[0]!;
const postgres = await onPostgres(
  `PostgreSQL, ${WORKERS} worker processes × pool ${POOL}, ${CONCURRENCY} in flight each`,
  Array.from({ length: WORKERS }, (_, w) => ({ worker: w + 1, concurrency: CONCURRENCY, count: PER_WORKER })),
);
const uncontended = await onPostgres('PostgreSQL, 1 worker process, 1 in flight (no queueing)', [
  { worker: 1, concurrency: 1, count: Math.min(PER_WORKER, 300) },
]);
const pglite = await onPglite();
const cpus = os.cpus();
const section = [
  '## Routing throughput',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}; ` +
    `load average ${load.toFixed(1)} when it started (the machine is shared: the figures are indicative).`,
  `Server: ${postgres.server}, on 127.0.0.1 with the default settings otherwise (synchronous_commit on); ` +
    'the workers and the server share the cores.',
  `Roster: 5 AEs, weights ${WEIGHTS.join(', ')}, all eligible, ample capacity; each hand-off a distinct key and company.`,
  'Latency: one `assignAe` call as its caller sees it, waiting for the roster lock included (every routing locks the whole roster).',
  '',
  '| setup | hand-offs | assignments/s | p50 ms | p99 ms | max share deviation (pp) |',
  '|---|---|---|---|---|---|',
  row(postgres),
  row(uncontended),
  row(pglite),
  '',
  `Command: \`node --import tsx bench/routing.ts --handoffs ${PER_WORKER} --concurrency ${CONCURRENCY}\``,
  '',
].join('\n');
console.log(section);

await writeResultsSection('## Routing throughput', section);
