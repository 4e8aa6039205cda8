/**
 * Parked hand-offs (issue 11): how much the worker holds per open hand-off, whether that stays flat
 * beyond its cache, and whether the SLA clocks keep time while thousands wait.
 *
 *   node --import tsx bench/parked.ts [--handoffs 5000] [--cache <BATON_MAX_CACHED_WORKFLOWS default>]
 *                                     [--concurrency 8] [--batch 50] [--window 40] [--single] [--no-write]
 *
 * Starts a stack (bench/stack.ts: the worker in a process of its own when PostgreSQL is installed,
 * else one `npm start` process) with the worker cache at `--cache`, and submits `--handoffs` complete
 * hot leads through the API: each is assigned and then waits (the shipped policy's 24 h first-contact
 * window), while the worker's resident memory is sampled. Then the policy file switches to
 * `--window`-second contact windows (a hand-off loads the policy once, at its start) and a batch of
 * `--batch` leads is submitted: their timelines' reminders and missed windows against the instants
 * they were due give the timers' lateness while the others stay parked. Last, every parked hand-off
 * is counted in Temporal visibility and read back through the API (evicted ones replay to answer).
 * Prints the figures and writes them to bench/RESULTS.md ("Parked hand-offs").
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { parse as parseYaml, stringify } from 'yaml';
import { repoRoot, WORKER_DEFAULTS } from '../src/config.js';
import type { HandoffState } from '../src/domain/state.js';
import { submission } from '../test/fixtures/leads.js';
import { writeResultsSection } from './results.js';
import { percentile, pool, startBenchStack } from './stack.js';

const { values } = parseArgs({
  options: {
    handoffs: { type: 'string', default: '5000' },
    cache: { type: 'string', default: String(WORKER_DEFAULTS.maxCachedWorkflows) },
    concurrency: { type: 'string', default: '8' },
    batch: { type: 'string', default: '50' },
    window: { type: 'string', default: '40' },
    heap: { type: 'string' },
    single: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const N = Number(values.handoffs);
const CACHE = Number(values.cache);
const CONCURRENCY = Number(values.concurrency);
const BATCH = Number(values.batch);
const WINDOW_S = Number(values.window);
const HEAP_MIB = values.heap ? Number(values.heap) : undefined;
const WARM_UP = 20;

interface Tier {
  contactWindow: string;
  reminders: number[];
}
type Policy = { version: string; tiers: Record<string, Tier> };

const run = Date.now().toString(36);
const idOf = (label: string, i: number): string => `bench-${run}-${label}-${i}`;
const lead = (label: string, i: number) => {
  const s = submission(idOf(label, i));
  s.company = { ...s.company!, name: `Bench ${label} ${i}`, domain: `${label}-${i}.${run}.example` };
  return s;
};

const defaultPolicy = parseYaml(await readFile(path.join(repoRoot, 'policy', 'default.yaml'), 'utf8')) as Policy;
const policyFile = path.join(os.tmpdir(), `baton-bench-policy-${run}.yaml`);
await writeFile(policyFile, stringify(defaultPolicy));

console.log(
  `parking ${N} hand-offs; worker cache ${CACHE}; ${CONCURRENCY} submits at a time; node ${process.version}, ${os.cpus().length} cores`,
);
const stack = await startBenchStack({
  policyFile,
  single: values.single,
  workerEnv: { BATON_MAX_CACHED_WORKFLOWS: String(CACHE) },
  workerNodeArgs: HEAP_MIB ? [`--max-old-space-size=${HEAP_MIB}`] : [],
});
console.log(`stack: ${stack.description}`);
try {
  const submit = async (label: string, i: number): Promise<{ ms: number; state: HandoffState }> => {
    const t0 = performance.now();
    const res = await stack.request<HandoffState>('POST', '/v1/handoffs', 'sdr-jo', lead(label, i));
    const ms = performance.now() - t0;
    if (res.status !== 201) throw new Error(`submit ${label}-${i}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    if (res.body.stage !== 'assigned') throw new Error(`submit ${label}-${i} answered ${res.body.stage}, not assigned`);
    return { ms, state: res.body };
  };
  const settledRss = async (): Promise<number> => {
    await sleep(3000);
    return stack.workerRssMiB();
  };

  // Warm up: the bundle loaded, the connections and the database pool open.
  await pool([...Array(WARM_UP).keys()], 4, async (i) => void (await submit('warm', i)));
  const rss0 = await settledRss();
  console.log(`after ${WARM_UP} warm-up hand-offs: worker RSS ${rss0.toFixed(0)} MiB`);

  // Park N, sampling the worker's memory as they go (and exactly at the cache size).
  const latencies: number[] = [];
  const samples: { parked: number; rss: number }[] = [{ parked: 0, rss: rss0 }];
  const every = Math.max(100, Math.round(N / 20));
  const started = performance.now();
  let done = 0;
  await pool([...Array(N).keys()], CONCURRENCY, async (i) => {
    latencies.push((await submit('park', i)).ms);
    done++;
    if (done % every === 0 || done === CACHE || done === N) {
      samples.push({ parked: done, rss: stack.workerRssMiB() });
      console.log(`  ${done} parked, worker RSS ${samples.at(-1)!.rss.toFixed(0)} MiB`);
    }
  });
  const parkSeconds = (performance.now() - started) / 1000;
  const rssParked = await settledRss();
  samples.push({ parked: N, rss: rssParked });
  latencies.sort((a, b) => a - b);

  // Short windows for the next batch only.
  const shortPolicy = structuredClone(defaultPolicy);
  shortPolicy.version = `${defaultPolicy.version}-bench-short`;
  for (const tier of Object.values(shortPolicy.tiers)) tier.contactWindow = `${WINDOW_S}s`;
  await writeFile(policyFile, stringify(shortPolicy));
  const batch: HandoffState[] = [];
  try {
    await pool([...Array(BATCH).keys()], CONCURRENCY, async (i) => void batch.push((await submit('short', i)).state));
  } finally {
    await writeFile(policyFile, stringify(defaultPolicy));
  }
  await sleep((WINDOW_S + 8) * 1000);
  const lateness: number[] = [];
  for (const { id } of batch) {
    const { body: state } = await stack.request<HandoffState>('GET', `/v1/handoffs/${id}`, 'mgr-ana');
    const at = (e: { at: string }) => Date.parse(e.at);
    const assigned = state.timeline.find((e) => e.event === 'assigned');
    const reminders = state.timeline.filter((e) => e.event === 'reminder').sort((a, b) => at(a) - at(b));
    const missed = state.timeline.find((e) => e.event === 'contact_window_missed');
    const fractions = shortPolicy.tiers[state.tier ?? state.provisionalTier]?.reminders ?? [];
    if (!assigned || !missed || reminders.length < fractions.length)
      throw new Error(`${id}: the short clock did not run (${state.timeline.map((e) => e.event).join(', ')})`);
    fractions.forEach((f, k) => lateness.push(at(reminders[k]!) - (at(assigned) + f * WINDOW_S * 1000)));
    lateness.push(at(missed) - (at(assigned) + WINDOW_S * 1000));
  }
  lateness.sort((a, b) => a - b);
  const rssEnd = stack.workerRssMiB();

  // Nothing lost: every parked hand-off open and assigned in visibility, and each read back through the API.
  let inVisibility = 0;
  for (let i = 0; i < 30 && inVisibility < N + WARM_UP; i++) {
    if (i > 0) await sleep(1000);
    // The short batch was escalated by now (EscalationCount 1): only the parked ones count.
    inVisibility = (
      await stack.client.workflow.count(
        "WorkflowType = 'handoff' AND ExecutionStatus = 'Running' AND HandoffStage = 'assigned' AND EscalationCount = 0",
      )
    ).count;
  }
  const reads: number[] = [];
  const wrong: string[] = [];
  await pool([...Array(N).keys()], CONCURRENCY, async (i) => {
    const t0 = performance.now();
    const res = await stack.request<HandoffState>('GET', `/v1/handoffs/${idOf('park', i)}`, 'mgr-ana');
    reads.push(performance.now() - t0);
    if (res.status !== 200 || res.body.stage !== 'assigned') wrong.push(`${idOf('park', i)}: ${res.status} ${res.body?.stage}`);
  });
  reads.sort((a, b) => a - b);
  const rssRead = stack.workerRssMiB();
  // One at a time, the earliest parked (evicted again by the reads after them when N > cache): what one replay costs.
  const replays: number[] = [];
  for (let i = 0; i < Math.min(20, N); i++) {
    const t0 = performance.now();
    await stack.request<HandoffState>('GET', `/v1/handoffs/${idOf('park', i)}`, 'mgr-ana');
    replays.push(performance.now() - t0);
  }
  replays.sort((a, b) => a - b);

  const cached = Math.min(N, CACHE);
  const atCache = samples.find((s) => s.parked === cached) ?? samples.at(-1)!;
  const perCachedMiB = (atCache.rss - rss0) / cached;
  const overallMiB = (rssParked - rss0) / cached;
  const beyond = samples.filter((s) => s.parked >= cached);
  const beyondSlopeKiB = N > CACHE ? ((rssParked - atCache.rss) / (N - cached)) * 1024 : NaN;
  const beyondRange = beyond.length > 1 ? Math.max(...beyond.map((s) => s.rss)) - Math.min(...beyond.map((s) => s.rss)) : NaN;
  const lost = N + WARM_UP - inVisibility;
  const f0 = (x: number) => x.toFixed(0);
  console.log(`
worker RSS per cached hand-off: ${perCachedMiB.toFixed(2)} MiB (${f0(rss0)} → ${f0(atCache.rss)} MiB over ${cached}); (RSS after ${N} − before) / ${cached}: ${overallMiB.toFixed(2)} MiB
beyond the cache (${CACHE}): ${Number.isNaN(beyondSlopeKiB) ? 'n/a' : `${beyondSlopeKiB.toFixed(1)} KiB per further hand-off, samples within ${f0(beyondRange)} MiB`}; ${f0(rssParked)} MiB parked, ${f0(rssEnd)} MiB after the timers, ${f0(rssRead)} MiB after reading all back
submit latency p50 ${f0(percentile(latencies, 50))} ms, p99 ${f0(percentile(latencies, 99))} ms; ${(N / parkSeconds).toFixed(1)} submits/s
timer lateness (${lateness.length} timers of ${BATCH} short-window hand-offs): p50 ${percentile(lateness, 50)} ms, p99 ${percentile(lateness, 99)} ms, max ${lateness.at(-1)} ms
open and assigned in visibility: ${inVisibility} of ${N + WARM_UP} (lost: ${lost}); read back through the API: ${N - wrong.length} of ${N} assigned (p50 ${f0(percentile(reads, 50))} ms, p99 ${f0(percentile(reads, 99))} ms); one at a time${N > CACHE ? ' (evicted)' : ''}: p50 ${f0(percentile(replays, 50))} ms${wrong.length ? `\n  not as expected: ${wrong.slice(0, 5).join('; ')}` : ''}`);

  if (!values['no-write']) {
    const rows = samples
      .filter((s, i) => i === 0 || s.parked !== samples[i - 1]!.parked)
      .map((s) => `| ${s.parked} | ${f0(s.rss)} |`)
      .join('\n');
    const command = `node --import tsx bench/parked.ts --handoffs ${N}${CACHE === WORKER_DEFAULTS.maxCachedWorkflows ? '' : ` --cache ${CACHE}`}${values.single ? ' --single' : ''}`;
    await writeResultsSection(
      '## Parked hand-offs',
      `## Parked hand-offs

Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores, Node ${process.version}: ${stack.description}. Worker cache ${CACHE} hand-offs (\`BATON_MAX_CACHED_WORKFLOWS\`), V8 context reuse on, zod, luxon and \`src/domain/\` shared between the workflows (\`src/workflow-preload.ts\`, \`src/workflow-shared-domain.ts\`). ${N} complete hot leads submitted through the API, ${CONCURRENCY} at a time, after ${WARM_UP} to warm up; each is assigned and waits (24 h first-contact window). RSS is the resident memory of the process running the workflows (\`/proc/<pid>/status\`).

| figure | value |
| --- | --- |
| worker RSS per cached hand-off | ${perCachedMiB.toFixed(2)} MiB (${f0(rss0)} → ${f0(atCache.rss)} MiB over the first ${cached}) |
| (RSS with all ${N} parked − RSS before) / min(N, cache) | ${overallMiB.toFixed(2)} MiB |
| beyond the cache | ${Number.isNaN(beyondSlopeKiB) ? 'n/a' : `${beyondSlopeKiB.toFixed(1)} KiB per further hand-off; samples from ${cached} to ${N} within ${f0(beyondRange)} MiB`} |
| submit latency p50 / p99 (update-with-start, answered assigned) | ${f0(percentile(latencies, 50))} / ${f0(percentile(latencies, 99))} ms (${(N / parkSeconds).toFixed(1)} submits/s) |
| timer lateness p50 / p99 / max (${lateness.length} timers: the reminders and the missed window of ${BATCH} hand-offs with ${WINDOW_S} s windows, fired while the others are parked) | ${percentile(lateness, 50)} / ${percentile(lateness, 99)} / ${lateness.at(-1)} ms |
| lost (open and assigned in visibility) | ${lost} of ${N + WARM_UP} |
| read back through the API, ${CONCURRENCY} at a time (evicted ones replay) | ${N - wrong.length} of ${N} assigned; p50 ${f0(percentile(reads, 50))} ms, p99 ${f0(percentile(reads, 99))} ms |
| read back one at a time${N > CACHE ? ', evicted (a replay)' : ''} | p50 ${f0(percentile(replays, 50))} ms, max ${f0(replays.at(-1)!)} ms |

Worker RSS as they park (MiB):

| parked | RSS |
| --- | --- |
${rows}

Command: \`${command}\`
`,
    );
  }
} finally {
  await stack.stop();
  await rm(policyFile, { force: true });
}
