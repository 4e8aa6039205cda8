/**
 * Parked hand-offs (issue 11): how much a worker holds per open hand-off, and whether the SLA
 * clocks keep time while thousands wait.
 *
 *   node --import tsx bench/parked.ts [--handoffs 5000] [--cache 2000] [--concurrency 16] [--batch 50]
 *
 * Starts `npm start` (dev server, worker, API, embedded database) in a child process with the
 * worker cache at `--cache`, submits `--handoffs` complete hot leads through the API (each is
 * assigned and then waits: a 24 h first-contact window), sampling the process's resident memory as
 * they park. Then it switches the policy file to a 40 s hot window (reminders at 20 s and 32 s) and
 * submits a batch of `--batch` leads: the timeline's reminder and missed-window entries against their
 * due instants give the timers' lateness while the others stay parked. Last, it counts the open
 * hand-offs by stage in Temporal visibility and reads a sample back through the API (evicted ones
 * replay). Prints the figures and writes them to bench/RESULTS.md ("Parked hand-offs").
 */
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify } from 'yaml';
import { repoRoot, WORKER_DEFAULTS } from '../src/config.js';
import type { HandoffState } from '../src/domain/state.js';
import { submission } from '../test/fixtures/leads.js';
import { percentile, pool, startBenchStack } from './stack.js';
import { writeResultsSection } from './results.js';

const { values } = parseArgs({
  options: {
    handoffs: { type: 'string', default: '5000' },
    cache: { type: 'string', default: String(WORKER_DEFAULTS.maxCachedWorkflows) },
    concurrency: { type: 'string', default: '16' },
    batch: { type: 'string', default: '50' },
    'no-write': { type: 'boolean', default: false },
  },
});
const N = Number(values.handoffs);
const CACHE = Number(values.cache);
const CONCURRENCY = Number(values.concurrency);
const BATCH = Number(values.batch);
const WARM_UP = 20;
const SHORT_WINDOW_S = 40;

const run = Date.now().toString(36);
const lead = (i: number, label: string) => {
  const s = submission(`bench-${run}-${label}-${i}`);
  s.company = { ...s.company!, name: `Bench ${label} ${i}`, domain: `${label}-${i}.${run}.example` };
  return s;
};

const defaultPolicy = parseYaml(await readFile(path.join(repoRoot, 'policy', 'default.yaml'), 'utf8')) as {
  version: string;
  tiers: { hot: { contactWindow: string } };
};
const policyFile = path.join(os.tmpdir(), `baton-bench-policy-${run}.yaml`);
await writeFile(policyFile, stringify(defaultPolicy));

console.log(
  `parking ${N} hand-offs; worker cache ${CACHE}; ${CONCURRENCY} submits at a time; node ${process.version}, ${os.cpus().length} cores`,
);
const stack = await startBenchStack({ policyFile, env: { BATON_MAX_CACHED_WORKFLOWS: String(CACHE) } });
try {
  const submit = async (i: number, label: string): Promise<{ ms: number; state: HandoffState }> => {
    const t0 = performance.now();
    const res = await stack.request<HandoffState>('POST', '/v1/handoffs', 'sdr-jo', lead(i, label));
    const ms = performance.now() - t0;
    if (res.status !== 201) throw new Error(`submit ${label}-${i}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    if (res.body.stage !== 'assigned') throw new Error(`submit ${label}-${i} answered ${res.body.stage}, not assigned`);
    return { ms, state: res.body };
  };

  await pool([...Array(WARM_UP).keys()], 4, async (i) => void (await submit(i, 'warm')));
  await sleep(2000);
  const rss0 = stack.rssMiB();
  console.log(`after ${WARM_UP} warm-up hand-offs: RSS ${rss0.toFixed(0)} MiB`);

  const latencies: number[] = [];
  const samples: { parked: number; rss: number }[] = [{ parked: 0, rss: rss0 }];
  const every = Math.max(100, Math.round(N / 20));
  const started = performance.now();
  let done = 0;
  await pool([...Array(N).keys()], CONCURRENCY, async (i) => {
    latencies.push((await submit(i, 'park')).ms);
    if (++done % every === 0 || done === N) {
      samples.push({ parked: done, rss: stack.rssMiB() });
      console.log(`  ${done} parked, RSS ${samples.at(-1)!.rss.toFixed(0)} MiB`);
    }
  });
  const parkSeconds = (performance.now() - started) / 1000;
  await sleep(3000);
  samples.push({ parked: N, rss: stack.rssMiB() });
  latencies.sort((a, b) => a - b);

  // Short windows for the next batch only: each hand-off loads the policy once, at its start.
  const shortPolicy = structuredClone(defaultPolicy);
  shortPolicy.version = `${defaultPolicy.version}-bench-short`;
  shortPolicy.tiers.hot.contactWindow = `${SHORT_WINDOW_S}s`;
  await writeFile(policyFile, stringify(shortPolicy));
  const batch: HandoffState[] = [];
  await pool([...Array(BATCH).keys()], CONCURRENCY, async (i) => void batch.push((await submit(i, 'short')).state));
  await writeFile(policyFile, stringify(defaultPolicy));
  await sleep((SHORT_WINDOW_S + 8) * 1000);
  const lateness: number[] = [];
  for (const { id } of batch) {
    const { body: state } = await stack.request<HandoffState>('GET', `/v1/handoffs/${id}`, 'mgr-ana');
    const assigned = Date.parse(state.timeline.find((e) => e.event === 'assigned')!.at);
    const due = {
      reminder0: assigned + 0.5 * SHORT_WINDOW_S * 1000,
      reminder1: assigned + 0.8 * SHORT_WINDOW_S * 1000,
      missed: assigned + SHORT_WINDOW_S * 1000,
    };
    const reminders = state.timeline.filter((e) => e.event === 'reminder');
    const missed = state.timeline.find((e) => e.event === 'contact_window_missed');
    if (reminders.length < 2 || !missed)
      throw new Error(`${id}: the short clock did not run (${state.timeline.map((e) => e.event).join(', ')})`);
    lateness.push(
      Date.parse(reminders[0]!.at) - due.reminder0,
      Date.parse(reminders[1]!.at) - due.reminder1,
      Date.parse(missed.at) - due.missed,
    );
  }
  lateness.sort((a, b) => a - b);

  // Nothing lost: every parked hand-off is open and assigned, in visibility and when read back.
  const count = async (query: string): Promise<number> => (await stack.client.workflow.count(query)).count;
  let assignedCount = 0;
  for (let i = 0; i < 30; i++) {
    // The short-window batch was escalated by now (EscalationCount 1): only the parked ones count.
    assignedCount = await count(
      `WorkflowType = 'handoff' AND ExecutionStatus = 'Running' AND HandoffStage = 'assigned' AND EscalationCount = 0`,
    );
    if (assignedCount >= N + WARM_UP) break;
    await sleep(1000);
  }
  const reads: number[] = [];
  const sample = [...Array(Math.min(200, N)).keys()].map((k) => Math.floor((k * N) / Math.min(200, N)));
  let readOk = 0;
  for (const i of sample) {
    const t0 = performance.now();
    const res = await stack.request<HandoffState>('GET', `/v1/handoffs/bench-${run}-park-${i}`, 'mgr-ana');
    reads.push(performance.now() - t0);
    if (res.status === 200 && res.body.stage === 'assigned') readOk++;
  }
  reads.sort((a, b) => a - b);

  const cached = Math.min(N, CACHE);
  const atCache = samples.reduce((best, s) => (Math.abs(s.parked - cached) < Math.abs(best.parked - cached) ? s : best));
  const perWorkflowMiB = (atCache.rss - rss0) / atCache.parked;
  const beyond = N > CACHE ? (samples.at(-1)!.rss - atCache.rss) / (N - atCache.parked) : NaN;
  const lost = N + WARM_UP - assignedCount;
  const fig = {
    perWorkflowMiB,
    beyondKiB: beyond * 1024,
    submitP50: percentile(latencies, 50),
    submitP99: percentile(latencies, 99),
    throughput: N / parkSeconds,
    latenessP50: percentile(lateness, 50),
    latenessP99: percentile(lateness, 99),
    latenessMax: lateness.at(-1)!,
    readP50: percentile(reads, 50),
    readP99: percentile(reads, 99),
  };
  console.log(`
RSS per cached hand-off: ${perWorkflowMiB.toFixed(2)} MiB (${atCache.parked} parked: ${rss0.toFixed(0)} → ${atCache.rss.toFixed(0)} MiB)
beyond the cache (${CACHE}): ${Number.isNaN(beyond) ? 'n/a' : `${(beyond * 1024).toFixed(1)} KiB per further hand-off`} (RSS ${samples.at(-1)!.rss.toFixed(0)} MiB at ${N})
submit latency p50 ${fig.submitP50.toFixed(0)} ms, p99 ${fig.submitP99.toFixed(0)} ms; ${fig.throughput.toFixed(1)} submits/s
timer lateness (${lateness.length} timers of ${BATCH} short-window hand-offs): p50 ${fig.latenessP50} ms, p99 ${fig.latenessP99} ms, max ${fig.latenessMax} ms
open and assigned in visibility: ${assignedCount} of ${N + WARM_UP} (lost: ${lost}); read back through the API: ${readOk} of ${sample.length} (p50 ${fig.readP50.toFixed(0)} ms, p99 ${fig.readP99.toFixed(0)} ms)`);

  if (!values['no-write']) {
    const rows = samples
      .filter((s, i) => i === 0 || s.parked !== samples[i - 1]!.parked)
      .map((s) => `| ${s.parked} | ${s.rss.toFixed(0)} |`)
      .join('\n');
    await writeResultsSection(
      '## Parked hand-offs',
      `## Parked hand-offs

Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores, Node ${process.version}: one \`npm start\` process (API, worker, embedded PGlite; the Temporal dev server is a separate process), worker cache ${CACHE} (\`BATON_MAX_CACHED_WORKFLOWS\`), V8 context reuse on, the prebuilt workflow bundle. ${N} complete hot leads submitted through the API, ${CONCURRENCY} at a time; each is assigned and waits (24 h first-contact window).

| figure | value |
| --- | --- |
| RSS per cached hand-off | ${perWorkflowMiB.toFixed(2)} MiB (${rss0.toFixed(0)} → ${atCache.rss.toFixed(0)} MiB over ${atCache.parked}) |
| RSS per hand-off beyond the cache | ${Number.isNaN(beyond) ? 'n/a' : `${(beyond * 1024).toFixed(1)} KiB`} |
| submit latency p50 / p99 (update-with-start, answered assigned) | ${fig.submitP50.toFixed(0)} / ${fig.submitP99.toFixed(0)} ms (${fig.throughput.toFixed(1)} submits/s) |
| timer lateness p50 / p99 / max (${lateness.length} timers: 2 reminders and the missed window of ${BATCH} ${SHORT_WINDOW_S} s hand-offs) | ${fig.latenessP50} / ${fig.latenessP99} / ${fig.latenessMax} ms |
| lost (open and assigned in visibility) | ${lost} of ${N + WARM_UP} |
| read back through the API (evicted ones replay) | ${readOk} of ${sample.length} assigned; p50 ${fig.readP50.toFixed(0)} ms, p99 ${fig.readP99.toFixed(0)} ms |

RSS of the process as they park (MiB):

| parked | RSS |
| --- | --- |
${rows}

Command: \`node --import tsx bench/parked.ts --handoffs ${N} --cache ${CACHE}\`
`,
    );
  }
} finally {
  await stack.stop();
}
