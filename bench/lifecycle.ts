/**
 * Baton's overhead over the bare SDK (issue 11): full hand-off lifecycles through Baton's HTTP API
 * against the same lifecycle as a bare SDK workflow (`bench/bare/workflows.ts`: the same
 * activities, updates and timers, driven by the SDK client), on the same dev server, interleaved.
 *
 *   node --import tsx bench/lifecycle.ts [--lifecycles 200] [--concurrency 8] [--single] [--no-write]
 *
 * Baton: the stack of bench/stack.ts (its worker in a process of its own, the API in this one);
 * each lifecycle is submit (update-with-start, answered assigned) → accept → contacted → outcome →
 * feedback → closed, five HTTP calls. Bare: `bench/bare/worker.ts` in a process of its own with
 * Baton's activities on Baton's database; each lifecycle is update-with-start (answered with the AE)
 * and four updates from the SDK client. Rounds of `--concurrency` lifecycles alternate between the
 * two; the ratio is Baton's throughput over the bare one's. The history of a few lifecycles of each
 * gives the workflow tasks, activities and local activities (ledger batches) one costs.
 * Prints the figures and writes them to bench/RESULTS.md ("Lifecycle overhead").
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../src/config.js';
import type { HandoffState } from '../src/domain/state.js';
import { submission } from '../test/fixtures/leads.js';
import { workflowIdFor } from '../workflows/messages.js';
import { accept, markContacted, reportOutcome, submit, submitFeedback, type bareHandoff } from './bare/workflows.js';
import { writeResultsSection } from './results.js';
import { cpuMsOf, extraWorkerArgs, machineCpuMs, percentile, pool, spawnReady, startBenchStack, stopChild } from './stack.js';

const { values } = parseArgs({
  options: {
    lifecycles: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '8' },
    single: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const N = Number(values.lifecycles);
const C = Number(values.concurrency);
const SHAPE_SAMPLE = 5;
const policyFile = path.join(repoRoot, 'policy', 'default.yaml');
const run = Date.now().toString(36);
const lead = (label: string, i: number) => {
  const s = submission(`life-${run}-${label}-${i}`);
  s.company = { ...s.company!, name: `Life ${label} ${i}`, domain: `${label}-${i}.${run}.example` };
  return s;
};
const bareId = (i: number) => `bare-${run}-${i}`;

console.log(`${N} lifecycles each, ${C} at a time; node ${process.version}, ${os.cpus().length} cores`);
const stack = await startBenchStack({ policyFile, single: values.single });
console.log(`stack: ${stack.description}`);
const bareQueue = `bench-bare-${run}`;
const bareDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bare-'));
const bareWorker = await spawnReady(
  'bench/bare/worker.ts',
  {
    TEMPORAL_ADDRESS: stack.address,
    BATON_DATA_DIR: bareDir,
    BATON_POLICY_FILE: policyFile,
    BARE_TASK_QUEUE: bareQueue,
    DATABASE_URL: stack.databaseUrl ?? '',
  },
  /bare worker polling/,
  extraWorkerArgs(),
);

const STEPS = ['submit', 'accept', 'contacted', 'outcome', 'feedback'] as const;
/** Each step's latencies, per side (the bare side's last step includes awaiting the result). */
const steps = { baton: STEPS.map(() => [] as number[]), bare: STEPS.map(() => [] as number[]) };

async function batonLifecycle(i: number): Promise<number> {
  const t0 = performance.now();
  let step = 0;
  const call = async (route: string, as: string, body: unknown, want = 200) => {
    const s0 = performance.now();
    const res = await stack.request<HandoffState>('POST', route, as, body);
    if (res.status !== want) throw new Error(`POST ${route}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    steps.baton[step++]!.push(performance.now() - s0);
    return res.body;
  };
  const state = await call('/v1/handoffs', 'sdr-jo', lead('baton', i), 201);
  const ae = state.assignedAe!;
  const base = `/v1/handoffs/${state.id}`;
  await call(`${base}/accept`, ae, {});
  await call(`${base}/contacted`, ae, { channel: 'call' });
  await call(`${base}/outcome`, ae, { outcome: 'opportunity' });
  const closed = await call(`${base}/feedback`, ae, { rating: 5, qualityIssues: [] });
  if (closed.stage !== 'closed') throw new Error(`${state.id} is ${closed.stage} after feedback`);
  return performance.now() - t0;
}

async function bareLifecycle(i: number): Promise<number> {
  const t0 = performance.now();
  const { handoffId, ...leadData } = lead('bare', i);
  const start = new WithStartWorkflowOperation<typeof bareHandoff>('bareHandoff', {
    workflowId: bareId(i),
    taskQueue: bareQueue,
    args: [{ handoffId, lead: leadData }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  let s0 = performance.now();
  const lap = (step: number) => {
    const now = performance.now();
    steps.bare[step]!.push(now - s0);
    s0 = now;
  };
  await stack.client.workflow.executeUpdateWithStart(submit, { startWorkflowOperation: start });
  lap(0);
  const handle = await start.workflowHandle();
  await handle.executeUpdate(accept);
  lap(1);
  await handle.executeUpdate(markContacted);
  lap(2);
  await handle.executeUpdate(reportOutcome);
  lap(3);
  await handle.executeUpdate(submitFeedback);
  await handle.result();
  lap(4);
  return performance.now() - t0;
}

interface Shape {
  events: number;
  workflowTasks: number;
  activities: number;
  localActivities: number;
  timers: number;
}

/** What one lifecycle costs in history, averaged over a few. */
async function historyShape(client: Client, workflowIds: string[]): Promise<Shape> {
  const total: Shape = { events: 0, workflowTasks: 0, activities: 0, localActivities: 0, timers: 0 };
  for (const id of workflowIds) {
    const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
    total.events += events.length;
    total.workflowTasks += events.filter((e) => e.workflowTaskCompletedEventAttributes).length;
    total.activities += events.filter((e) => e.activityTaskScheduledEventAttributes).length;
    total.localActivities += events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;
    total.timers += events.filter((e) => e.timerStartedEventAttributes).length;
  }
  const avg = (x: number) => Math.round((x / workflowIds.length) * 10) / 10;
  return {
    events: avg(total.events),
    workflowTasks: avg(total.workflowTasks),
    activities: avg(total.activities),
    localActivities: avg(total.localActivities),
    timers: avg(total.timers),
  };
}

try {
  // Warm both sides up (bundles loaded, connections and pools open).
  await pool([0, 1, 2, 3], 4, async (i) => void (await batonLifecycle(100_000 + i)));
  await pool([0, 1, 2, 3], 4, async (i) => void (await bareLifecycle(100_000 + i)));

  const time = { baton: 0, bare: 0 };
  const latency = { baton: [] as number[], bare: [] as number[] };
  // CPU time while each side runs: all of the machine, its worker process, this process (Baton's API, both clients).
  const cpu = { baton: { machine: 0, worker: 0, bench: 0 }, bare: { machine: 0, worker: 0, bench: 0 } };
  const workerPid = { baton: stack.workerPid, bare: bareWorker.pid! };
  const benchCpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  for (let done = 0; done < N; done += C) {
    const round = [...Array(Math.min(C, N - done)).keys()].map((k) => done + k);
    for (const kind of (done / C) % 2 === 0 ? (['baton', 'bare'] as const) : (['bare', 'baton'] as const)) {
      const t0 = performance.now();
      const [machine0, worker0, bench0] = [machineCpuMs(), cpuMsOf(workerPid[kind]), benchCpuMs()];
      await pool(round, C, async (i) => void latency[kind].push(await (kind === 'baton' ? batonLifecycle(i) : bareLifecycle(i))));
      time[kind] += performance.now() - t0;
      cpu[kind].machine += machineCpuMs() - machine0;
      cpu[kind].worker += cpuMsOf(workerPid[kind]) - worker0;
      cpu[kind].bench += benchCpuMs() - bench0;
    }
    if ((done / C) % 5 === 0) console.log(`  ${done + round.length} of ${N} each`);
  }
  const throughput = { baton: N / (time.baton / 1000), bare: N / (time.bare / 1000) };
  const ratio = throughput.baton / throughput.bare;
  for (const l of Object.values(latency)) l.sort((a, b) => a - b);
  const sample = [...Array(Math.min(SHAPE_SAMPLE, N)).keys()];
  const shape = {
    baton: await historyShape(
      stack.client,
      sample.map((i) => workflowIdFor(`life-${run}-baton-${i}`)),
    ),
    bare: await historyShape(stack.client, sample.map(bareId)),
  };
  const line = (kind: 'baton' | 'bare') => {
    const s = shape[kind];
    return `${throughput[kind].toFixed(1)} lifecycles/s, p50 ${percentile(latency[kind], 50).toFixed(0)} ms, p99 ${percentile(latency[kind], 99).toFixed(0)} ms; per lifecycle ${s.events} history events, ${s.workflowTasks} workflow tasks, ${s.activities} activities, ${s.localActivities} local activities, ${s.timers} timers`;
  };
  for (const l of [...steps.baton, ...steps.bare]) l.sort((a, b) => a - b);
  const perLifecycle = (kind: 'baton' | 'bare') => {
    const c = cpu[kind];
    return { total: c.machine / N, worker: c.worker / N, bench: c.bench / N, rest: (c.machine - c.worker - c.bench) / N };
  };
  const cpuLine = (kind: 'baton' | 'bare') => {
    const c = perLifecycle(kind);
    return `${c.total.toFixed(0)} ms (worker ${c.worker.toFixed(0)}, ${kind === 'baton' ? 'API and client' : 'client'} ${c.bench.toFixed(0)}, Temporal server, database and the rest ${c.rest.toFixed(0)})`;
  };
  const stepLine = (kind: 'baton' | 'bare') => STEPS.map((name, k) => `${name} ${percentile(steps[kind][k]!, 50).toFixed(0)}`).join(', ');
  console.log(`
Baton over HTTP: ${line('baton')}
bare SDK:        ${line('bare')}
p50 per step (ms): Baton ${stepLine('baton')}; bare ${stepLine('bare')}
CPU per lifecycle: Baton ${cpuLine('baton')}; bare ${cpuLine('bare')}
ratio (Baton / bare throughput): ${ratio.toFixed(2)}`);

  if (!values['no-write']) {
    const row = (kind: 'baton' | 'bare', label: string) => {
      const s = shape[kind];
      return `| ${label} | ${throughput[kind].toFixed(1)} | ${percentile(latency[kind], 50).toFixed(0)} | ${percentile(latency[kind], 99).toFixed(0)} | ${s.events} | ${s.workflowTasks} | ${s.activities} | ${s.localActivities} | ${s.timers} |`;
    };
    await writeResultsSection(
      '## Lifecycle overhead',
      `## Lifecycle overhead

Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores, Node ${process.version}, one dev server: ${N} full lifecycles each (submit → accept → contacted → outcome → feedback → closed), ${C} at a time, in alternating rounds. Baton: ${stack.description}; five HTTP calls per lifecycle. Bare: \`bench/bare/workflows.ts\` in a worker process of its own (\`bench/bare/worker.ts\`, the SDK's default options) with Baton's activities on ${stack.databaseUrl ? "Baton's database" : 'an embedded database of its own'}, driven by the SDK client (update-with-start and four updates); one ledger write per lifecycle. History figures: the mean of ${sample.length} lifecycles.

| side | lifecycles/s | p50 ms | p99 ms | history events | workflow tasks | activities | local activities | timers |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${row('baton', 'Baton over HTTP')}
${row('bare', 'bare SDK workflow')}

Ratio (Baton / bare throughput): **${ratio.toFixed(2)}**.

CPU time per lifecycle, ms (while each side's rounds ran; this process holds Baton's API and both sides' clients):

| side | whole machine | its worker process | benchmark process | the rest (Temporal server, PostgreSQL, …) |
| --- | --- | --- | --- | --- |
${(['baton', 'bare'] as const)
  .map((kind) => {
    const c = perLifecycle(kind);
    return `| ${kind === 'baton' ? 'Baton over HTTP' : 'bare SDK workflow'} | ${c.total.toFixed(0)} | ${c.worker.toFixed(0)} | ${c.bench.toFixed(0)} | ${c.rest.toFixed(0)} |`;
  })
  .join('\n')}

p50 per step, ms (the bare side's feedback includes awaiting the result):

| side | ${STEPS.join(' | ')} |
| --- | ${STEPS.map(() => '---').join(' | ')} |
| Baton over HTTP | ${STEPS.map((_, k) => percentile(steps.baton[k]!, 50).toFixed(0)).join(' | ')} |
| bare SDK workflow | ${STEPS.map((_, k) => percentile(steps.bare[k]!, 50).toFixed(0)).join(' | ')} |

Command: \`node --import tsx bench/lifecycle.ts --lifecycles ${N} --concurrency ${C}${values.single ? ' --single' : ''}\`
`,
    );
  }
} finally {
  await stopChild(bareWorker);
  await rm(bareDir, { recursive: true, force: true });
  await stack.stop();
}
