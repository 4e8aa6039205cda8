/**
 * Baton's overhead over the bare SDK (issue 11): full hand-off lifecycles through Baton's HTTP API
 * against the same lifecycle as a bare SDK workflow (`bench/bare/workflows.ts`: the same
 * activities, updates and timers, driven by the SDK client), on the same dev server, interleaved.
 *
 *   node --import tsx bench/lifecycle.ts [--lifecycles 200] [--concurrency 8]
 *
 * Baton: `npm start` in a child process; each lifecycle is submit (update-with-start, answered
 * assigned) → accept → contacted → outcome → feedback → closed, five HTTP calls. Bare: a worker in
 * this process with Baton's activities on an embedded database of its own, the same roster; each
 * lifecycle is update-with-start (answered with the AE) and four updates. Rounds of `--concurrency`
 * lifecycles alternate between the two; the ratio is Baton's throughput over the bare one's.
 * Prints the figures and writes them to bench/RESULTS.md ("Lifecycle overhead").
 */
import { WithStartWorkflowOperation } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createActivities } from '../activities/index.js';
import { repoRoot } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { RosterStore } from '../src/db/roster.js';
import { DEV_ROSTER } from '../src/dev/seed.js';
import type { HandoffState } from '../src/domain/state.js';
import { workflowIdFor } from '../workflows/messages.js';
import { submission } from '../test/fixtures/leads.js';
import { accept, markContacted, reportOutcome, submit, submitFeedback, type bareHandoff } from './bare/workflows.js';
import { percentile, pool, startBenchStack } from './stack.js';
import { writeResultsSection } from './results.js';

const { values } = parseArgs({
  options: {
    lifecycles: { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '8' },
    'no-write': { type: 'boolean', default: false },
  },
});
const N = Number(values.lifecycles);
const C = Number(values.concurrency);
const run = Date.now().toString(36);
const lead = (label: string, i: number) => {
  const s = submission(`life-${run}-${label}-${i}`);
  s.company = { ...s.company!, name: `Life ${label} ${i}`, domain: `${label}-${i}.${run}.example` };
  return s;
};

Runtime.install({ logger: new DefaultLogger('WARN') });
const stack = await startBenchStack({ policyFile: path.join(repoRoot, 'policy', 'default.yaml') });
const bareDir = await mkdtemp(path.join(os.tmpdir(), 'baton-bare-'));
const db = await openDatabase({ dataDir: bareDir });
const roster = new RosterStore(db);
for (const ae of DEV_ROSTER) await roster.create({ ...ae, regions: [], employeeBands: [], industries: [], capacity: 1_000_000 }, 'bench');
const connection = await NativeConnection.connect({ address: stack.address });
const bareQueue = `bench-bare-${run}`;
const worker = await Worker.create({
  connection,
  taskQueue: bareQueue,
  workflowBundle: await bundleWorkflowCode({ workflowsPath: path.join(import.meta.dirname, 'bare', 'workflows.ts'), logger: quiet() }),
  activities: createActivities({ policyFile: path.join(repoRoot, 'policy', 'default.yaml'), dataDir: bareDir, db, log: () => {} }),
});
const running = worker.run();

function quiet() {
  const nop = () => {};
  return { log: nop, trace: nop, debug: nop, info: nop, warn: nop, error: console.error };
}

async function batonLifecycle(i: number): Promise<number> {
  const t0 = performance.now();
  const call = async (method: string, route: string, as: string, body?: unknown, want = 200) => {
    const res = await stack.request<HandoffState>(method, route, as, body);
    if (res.status !== want) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body;
  };
  const state = await call('POST', '/v1/handoffs', 'sdr-jo', lead('baton', i), 201);
  const ae = state.assignedAe!;
  const base = `/v1/handoffs/${state.id}`;
  await call('POST', `${base}/accept`, ae, {});
  await call('POST', `${base}/contacted`, ae, { channel: 'call' });
  await call('POST', `${base}/outcome`, ae, { outcome: 'opportunity' });
  const closed = await call('POST', `${base}/feedback`, ae, { rating: 5, qualityIssues: [] });
  if (closed.stage !== 'closed') throw new Error(`${state.id} is ${closed.stage} after feedback`);
  return performance.now() - t0;
}

async function bareLifecycle(i: number): Promise<number> {
  const t0 = performance.now();
  const { handoffId, ...leadData } = lead('bare', i);
  const start = new WithStartWorkflowOperation<typeof bareHandoff>('bareHandoff', {
    workflowId: workflowIdFor(handoffId),
    taskQueue: bareQueue,
    args: [{ handoffId, lead: leadData }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  await stack.client.workflow.executeUpdateWithStart(submit, { startWorkflowOperation: start });
  const handle = await start.workflowHandle();
  await handle.executeUpdate(accept);
  await handle.executeUpdate(markContacted);
  await handle.executeUpdate(reportOutcome);
  await handle.executeUpdate(submitFeedback);
  await handle.result();
  return performance.now() - t0;
}

async function historyShape(workflowId: string) {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const of = (attr: keyof (typeof events)[number]) => events.filter((e) => e[attr]).length;
  return {
    events: events.length,
    workflowTasks: of('workflowTaskCompletedEventAttributes'),
    activities: of('activityTaskScheduledEventAttributes'),
    markers: of('markerRecordedEventAttributes'),
  };
}

try {
  // Warm both sides up (bundles loaded, connections open, the database's first queries).
  await pool([0, 1, 2, 3], 4, async (i) => void (await batonLifecycle(10_000 + i)));
  await pool([0, 1, 2, 3], 4, async (i) => void (await bareLifecycle(10_000 + i)));

  const time = { baton: 0, bare: 0 };
  const latency = { baton: [] as number[], bare: [] as number[] };
  for (let done = 0; done < N; done += C) {
    const round = [...Array(Math.min(C, N - done)).keys()].map((k) => done + k);
    for (const kind of done % (2 * C) === 0 ? (['baton', 'bare'] as const) : (['bare', 'baton'] as const)) {
      const t0 = performance.now();
      await pool(round, C, async (i) => void latency[kind].push(await (kind === 'baton' ? batonLifecycle(i) : bareLifecycle(i))));
      time[kind] += performance.now() - t0;
    }
    if ((done / C) % 5 === 0) console.log(`  ${done + round.length} of ${N} each`);
  }
  const throughput = { baton: N / (time.baton / 1000), bare: N / (time.bare / 1000) };
  const ratio = throughput.baton / throughput.bare;
  for (const l of Object.values(latency)) l.sort((a, b) => a - b);
  const shape = {
    baton: await historyShape(workflowIdFor(`life-${run}-baton-0`)),
    bare: await historyShape(workflowIdFor(`life-${run}-bare-0`)),
  };
  const line = (kind: 'baton' | 'bare') =>
    `${throughput[kind].toFixed(1)} lifecycles/s, p50 ${percentile(latency[kind], 50).toFixed(0)} ms, p99 ${percentile(latency[kind], 99).toFixed(0)} ms; history ${shape[kind].events} events, ${shape[kind].workflowTasks} workflow tasks, ${shape[kind].activities} activities, ${shape[kind].markers} markers`;
  console.log(`
Baton over HTTP: ${line('baton')}
bare SDK:        ${line('bare')}
ratio (Baton / bare throughput): ${ratio.toFixed(2)}`);

  if (!values['no-write']) {
    const row = (kind: 'baton' | 'bare', label: string) =>
      `| ${label} | ${throughput[kind].toFixed(1)} | ${percentile(latency[kind], 50).toFixed(0)} | ${percentile(latency[kind], 99).toFixed(0)} | ${shape[kind].events} | ${shape[kind].workflowTasks} | ${shape[kind].activities} | ${shape[kind].markers} |`;
    await writeResultsSection(
      '## Lifecycle overhead',
      `## Lifecycle overhead

Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores, Node ${process.version}, one dev server: ${N} full lifecycles each (submit → accept → contacted → outcome → feedback → closed), ${C} at a time, in alternating rounds. Baton: five HTTP calls to \`npm start\` (its worker, API and embedded database in one process). Bare: \`bench/bare/workflows.ts\` with Baton's activities on an embedded database of its own, driven by the SDK client (update-with-start and four updates); one ledger write per lifecycle.

| side | lifecycles/s | p50 ms | p99 ms | history events | workflow tasks | activities | markers |
| --- | --- | --- | --- | --- | --- | --- | --- |
${row('baton', 'Baton over HTTP')}
${row('bare', 'bare SDK workflow')}

Ratio (Baton / bare throughput): **${ratio.toFixed(2)}**.

Command: \`node --import tsx bench/lifecycle.ts --lifecycles ${N} --concurrency ${C}\`
`,
    );
  }
} finally {
  worker.shutdown();
  await running;
  await connection.close();
  await db.close();
  await rm(bareDir, { recursive: true, force: true });
  await stack.stop();
}
