/**
 * A worker's Prometheus endpoint and structured logs after real activity executions on the
 * time-skipping server: the routing activity fails its first attempt (a retry, counted), routes on
 * the second (a routing latency observed), the AE's email bounces off a closed SMTP port (a
 * delivery failure), a webhook's receiver is down (retried, then given up); the SDK's own exporter
 * serves its runtime telemetry, and the activity's log line carries the hand-off id.
 */
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createActivities, type AssignRequest } from '../../activities/index.js';
import { loadConfig } from '../../src/config.js';
import { RosterStore } from '../../src/db/roster.js';
import { WebhookStore } from '../../src/db/webhooks.js';
import { createLogger } from '../../src/observability/logger.js';
import { serveWorkerMetrics } from '../../src/observability/metrics.js';
import { installRuntime } from '../../src/observability/runtime.js';
import { testServerExecutable } from '../../src/temporal/binaries.js';
import { searchAttributeIndexedTypes } from '../../src/temporal/indexed-types.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { createBatonWorker } from '../../src/worker.js';
import type { handoff } from '../../workflows/handoff.js';
import { submitUpdate, WORKFLOW_TYPE, workflowIdFor } from '../../workflows/messages.js';
import { hotLead, testRoster } from '../fixtures/leads.js';
import { testDatabase } from '../support/db.js';
import { freePort } from '../../src/net.js';

/** The value of one sample (`name{labels} value`), labels matched exactly; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean).sort();
    if (JSON.stringify(have) === JSON.stringify(want)) return Number(match[3]);
  }
  return undefined;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('the worker counts attempts, retries, routing latency and delivery failures; the SDK serves its own; activity logs carry the hand-off id', async (t) => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-worker-metrics-'));
  const [sdkPort, closedPort] = [await freePort(), await freePort()];
  const config = loadConfig({
    BATON_DATA_DIR: dataDir,
    BATON_TASK_QUEUE: `baton-metrics-${process.pid}`,
    BATON_SMTP_URL: `smtp://127.0.0.1:${closedPort}`,
    BATON_SDK_METRICS_ADDRESS: `127.0.0.1:${sdkPort}`,
    BATON_WORKER_METRICS_PORT: '0',
    BATON_LOG_FORMAT: 'json',
    BATON_LOG_LEVEL: 'info',
  });
  const lines: Record<string, unknown>[] = [];
  const log = createLogger(config.observability.log, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  installRuntime(config.observability, log);

  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: await testServerExecutable() } });
  t.after(() => env.teardown());
  await env.connection.operatorService.addSearchAttributes({ namespace: 'default', searchAttributes: searchAttributeIndexedTypes() });
  const db = await testDatabase();
  t.after(() => db.close());
  await new RosterStore(db).seed(testRoster, 'test');
  const crm = await new WebhookStore(db).create({ url: `http://127.0.0.1:${closedPort}/hooks`, events: [] }, 'admin-root');
  const metrics = await serveWorkerMetrics(0, '127.0.0.1');
  t.after(() => metrics.close());

  const real = createActivities({ policyFile: config.policyFile, dataDir, db, email: config.notifications.email!, deliveryLeaseMs: 1_000 });
  const worker = await createBatonWorker({
    connection: env.nativeConnection,
    config,
    db,
    overrides: {
      activities: {
        ...real,
        // The routing database is away for the first attempt: the SDK retries it after a second.
        async assignAe(request: AssignRequest) {
          if (Context.current().info.attempt === 1) throw new Error('routing database unavailable (test)');
          return real.assignAe(request);
        },
      },
    },
  });

  const handoffId = `metrics-${Date.now().toString(36)}`;
  const scrape = async (): Promise<string> => (await fetch(metrics.url)).text();
  const text = await worker.runUntil(async () => {
    const start = new WithStartWorkflowOperation<typeof handoff>(WORKFLOW_TYPE, {
      taskQueue: config.taskQueue,
      workflowId: workflowIdFor(handoffId),
      args: [{ handoffId, sdrId: 'sdr-jo', lead: hotLead, submissionHash: 'a'.repeat(64), sdrManagerId: 'mgr-ana' }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    const answer = await env.client.workflow.executeUpdateWithStart(submitUpdate, {
      args: [{ submissionHash: 'a'.repeat(64), actor: { id: 'sdr-jo', role: 'sdr' } }],
      startWorkflowOperation: start,
    });
    assert.ok(answer.state.assignedAe, `routed: ${JSON.stringify(answer.state.timeline)}`);
    // The assignment email goes out in the background; its first attempt meets the closed port.
    return eventually('an email delivery failure counted', async () => {
      const now = await scrape();
      return (sample(now, 'baton_notification_delivery_failures_total', { channel: 'email', outcome: 'failed' }) ?? 0) >= 1
        ? now
        : undefined;
    });
  });

  assert.equal(sample(text, 'baton_activity_attempts_total', { activity: 'assignAe', outcome: 'failed' }), 1);
  assert.equal(sample(text, 'baton_activity_attempts_total', { activity: 'assignAe', outcome: 'completed' }), 1);
  assert.equal(sample(text, 'baton_activity_retries_total', { activity: 'assignAe' }), 1);
  assert.equal(sample(text, 'baton_activity_attempts_total', { activity: 'loadPolicy', outcome: 'completed' }), 1);
  assert.equal(sample(text, 'baton_activity_retries_total', { activity: 'loadPolicy' }), undefined, 'no retry of what did not fail');
  assert.equal(sample(text, 'baton_routing_duration_seconds_count', { outcome: 'assigned' }), 1);
  assert.ok((sample(text, 'baton_routing_duration_seconds_sum', { outcome: 'assigned' }) ?? 0) > 0);
  assert.ok(
    (sample(text, 'baton_activity_attempts_total', { activity: 'notify', outcome: 'failed' }) ?? 0) >= 1,
    'the bounced email fails its attempt',
  );
  assert.ok(sample(text, 'baton_worker_process_cpu_seconds_total') !== undefined, 'process metrics with the worker prefix');

  // The webhook receiver is down: one failure retried (backoff 0), the next given up.
  const queued = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries WHERE subscription_id = $1', [crm.id]);
  assert.ok(queued.rows[0]!.n >= 1, 'the hand-off queued webhook deliveries');
  await new WebhookDispatcher(db, { backoffMs: [0], log: (line, fields) => log.warn(fields ?? {}, line) }).drain();
  const after = await scrape();
  assert.equal(sample(after, 'baton_webhook_delivery_failures_total', { outcome: 'retrying' }), queued.rows[0]!.n);
  assert.equal(sample(after, 'baton_webhook_delivery_failures_total', { outcome: 'gave_up' }), queued.rows[0]!.n);
  const webhookLine = lines.find((l) => typeof l.msg === 'string' && l.msg.includes('(gave up)'));
  assert.equal(webhookLine?.handoffId, handoffId, 'the dispatcher logs the hand-off id');

  // The SDK's runtime telemetry on its own port (Prometheus text from the native exporter).
  const sdk = await (await fetch(`http://127.0.0.1:${sdkPort}/metrics`)).text();
  assert.match(sdk, /^temporal_activity_execution_failed\{.*activity_type="assignAe".*\} 1$/m);
  assert.match(sdk, /^temporal_worker_task_slots_available\{/m);

  // Structured logs: the activity's own line and the SDK's failure line, each with the hand-off id.
  const routed = lines.find((l) => l.sdkComponent === 'activity' && typeof l.msg === 'string' && l.msg.startsWith('routed to'));
  assert.ok(routed, `no routing line among ${lines.length} log lines`);
  assert.equal(routed.handoffId, handoffId);
  assert.equal(routed.workflowId, workflowIdFor(handoffId));
  assert.equal(routed.activityType, 'assignAe');
  assert.equal(routed.attempt, 2);
  assert.equal(routed.level, 'info');
  assert.equal(routed.taskToken, undefined, 'task tokens stay out of the logs');
  const failed = lines.find((l) => l.activityType === 'assignAe' && l.level === 'warn');
  assert.equal(failed?.handoffId, handoffId, 'the SDK logs the failed attempt with the hand-off id');
});
