/**
 * What-if simulation time (issue 14: 10,000 hand-offs in under 5 s): seeds `--handoffs` synthetic
 * hand-offs with their lead data through the ledger store, then times `POST /v1/policies/simulate`
 * through the app (request validation, the ledger read, both replays with routing, the comparison
 * and the JSON answer) for three policy edits — a warm-up, then `--runs` runs each — on the embedded
 * PGlite and, when one is installed (or BATON_BENCH_DATABASE_URL names one), a PostgreSQL server.
 *
 *   node --import tsx bench/simulate.ts [--handoffs 10000] [--runs 5] [--no-postgres]
 *
 * Prints the figures and writes them to bench/RESULTS.md ("Policy simulation").
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TokenStore } from '../src/api/auth.js';
import { repoRoot } from '../src/config.js';
import type { Database } from '../src/db/database.js';
import { RosterStore } from '../src/db/roster.js';
import { KPI_AES, kpiRoster, seedKpiHandoffs, writeKpiSeed } from '../src/dev/kpi-seed.js';
import type { PolicyInput } from '../src/domain/policy.js';
import type { SimulationReport } from '../src/domain/simulation-report.js';
import { readPolicyDocument } from '../src/policy/source.js';
import { onBenchDatabases } from './databases.js';
import { writeResultsSection } from './results.js';
import { appOnCatalog } from '../test/api/http.js';

const { values } = parseArgs({
  options: {
    handoffs: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '5' },
    'no-postgres': { type: 'boolean', default: false },
  },
});
const HANDOFFS = Number(values.handoffs);
const RUNS = Number(values.runs);
const WEEKS = 26;
const ENDING_AT = Date.parse('2026-11-23T12:00:00Z');
const RANGE = { from: '2026-05-01', to: '2026-11-23', timeZone: 'UTC' };
const SHIPPED = path.join(repoRoot, 'policy', 'default.yaml');
const TOKEN = 'tok-bench';

const shipped = (await readPolicyDocument(SHIPPED)) as unknown as PolicyInput;
const edit = (change: (doc: PolicyInput) => void): PolicyInput => {
  const doc = structuredClone(shipped);
  doc.version = 'bench';
  change(doc);
  return doc;
};
const CASES: { name: string; policy: unknown }[] = [
  { name: 'the published policy itself', policy: 1 },
  { name: 'threshold +10', policy: edit((d) => void (d.scoring.threshold = 60)) },
  {
    name: 'a new intent rule',
    policy: edit((d) =>
      d.scoring.rules.push({
        id: 'intent.pricing-repeat',
        category: 'intent',
        description: 'three or more pricing-page visits',
        points: 10,
        when: { op: 'between', field: 'engagement.pricingPageVisits', min: 3 },
      }),
    ),
  },
  { name: 'hot window 4h → 2h', policy: edit((d) => void (d.tiers.hot.handoffWindow = '2h')) },
];

interface Timing {
  name: string;
  p50: number;
  max: number;
  replayMs: number;
  changed: number;
}

async function measure(
  label: string,
  db: Database,
  concurrency: number,
): Promise<{ label: string; timings: Timing[]; seedSeconds: number }> {
  const items = seedKpiHandoffs({ count: HANDOFFS, weeks: WEEKS, endingAt: ENDING_AT, seed: 1 });
  const started = performance.now();
  await writeKpiSeed(db, items, { perTransaction: 100, concurrency });
  const seedSeconds = (performance.now() - started) / 1000;
  // The seed's AEs, with capacity that binds now and then, as a real team's does.
  await new RosterStore(db).seed(kpiRoster(40), 'bench');
  await db.query('ANALYZE');
  console.log(`${label}: ${items.length} hand-offs seeded in ${seedSeconds.toFixed(0)} s`);

  const app = await appOnCatalog(db, TokenStore.fromTokens([{ id: 'mgr-bench', role: 'manager', name: 'Bench', token: TOKEN }]));
  const simulate = async (policy: unknown): Promise<{ ms: number; report: SimulationReport }> => {
    const t = performance.now();
    const res = await app.request('/v1/policies/simulate', {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ policy, ...RANGE }),
    });
    const report = (await res.json()) as SimulationReport;
    if (res.status !== 200) throw new Error(`simulate: ${res.status} ${JSON.stringify(report)}`);
    return { ms: performance.now() - t, report };
  };

  const timings: Timing[] = [];
  for (const c of CASES) {
    const { report } = await simulate(c.policy);
    if (report.handoffs !== items.length) throw new Error(`replayed ${report.handoffs} of ${items.length}`);
    const ms: number[] = [];
    for (let i = 0; i < RUNS; i++) ms.push((await simulate(c.policy)).ms);
    ms.sort((a, b) => a - b);
    const t = {
      name: c.name,
      p50: ms[Math.floor(ms.length / 2)]!,
      max: ms.at(-1)!,
      replayMs: report.elapsedMs,
      changed: report.changes.handoffs,
    };
    timings.push(t);
    console.log(`  ${c.name}: p50 ${t.p50.toFixed(0)} ms, max ${t.max.toFixed(0)} ms (${t.changed} hand-offs changed)`);
  }
  return { label, timings, seedSeconds };
}

const load = os.loadavg()[0]!;
const { results, server: serverDescription } = await onBenchDatabases(
  {
    noPostgres: values['no-postgres'],
    tables: 'handoff_events, handoff_projection, handoff_leads, policies, policy_publications, aes CASCADE',
  },
  measure,
);

const cpus = os.cpus();
const table = [
  `| draft | ${results.map((r) => `${r.label} p50 ms | max ms`).join(' | ')} | hand-offs changed |`,
  `|---|${results.map(() => '---|---|').join('')}---|`,
  ...CASES.map(
    (c, i) =>
      `| ${c.name} | ${results.map((r) => `${r.timings[i]!.p50.toFixed(0)} | ${r.timings[i]!.max.toFixed(0)}`).join(' | ')} | ${results[0]!.timings[i]!.changed} |`,
  ),
];
const section = [
  '## Policy simulation',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}; ` +
    `load average ${load.toFixed(1)} when it started (the machine is shared: the figures are indicative).`,
  `Data: ${HANDOFFS} synthetic hand-offs with their lead data (\`src/dev/kpi-seed.ts\`, seed 1) submitted over ${WEEKS} weeks, written through the ledger store; ` +
    `a roster of ${KPI_AES.length} AEs with capacity 40. Each run is one \`POST /v1/policies/simulate\` through the app over every hand-off ` +
    '(the ledger read, the live policy and the draft each replayed through ICP, scoring, tiers, the hand-off clock and routing, the comparison, and the JSON answer).',
  `Server: ${serverDescription ?? 'none (PGlite only)'}; PGlite in memory, in the benchmark's process. Each draft: one warm-up, then ${RUNS} timed runs.`,
  '',
  ...table,
  '',
  `Command: \`node --import tsx bench/simulate.ts --handoffs ${HANDOFFS} --runs ${RUNS}\``,
  '',
].join('\n');
console.log(section);

await writeResultsSection('## Policy simulation', section);
