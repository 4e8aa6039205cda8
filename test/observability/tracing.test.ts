/**
 * OpenTelemetry tracing (OTEL_EXPORTER_OTLP_ENDPOINT): a hand-off submitted through a traced client
 * reaches a local OTLP/HTTP receiver as the client's update-with-start span and a span per activity
 * attempt, every one naming the hand-off. The workflow itself is not instrumented (the bundle is
 * unchanged, see src/observability/tracing.ts).
 */
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { RosterStore } from '../../src/db/roster.js';
import { HANDOFF_ID_ATTRIBUTE, startTracing } from '../../src/observability/tracing.js';
import { testServerExecutable } from '../../src/temporal/binaries.js';
import { searchAttributeIndexedTypes } from '../../src/temporal/indexed-types.js';
import { createBatonWorker } from '../../src/worker.js';
import type { handoff } from '../../workflows/handoff.js';
import { submitUpdate, WORKFLOW_TYPE, workflowIdFor } from '../../workflows/messages.js';
import type { Lead } from '../../src/domain/lead.js';
import type { HandoffState } from '../../src/domain/state.js';
import { hotLead, testRoster } from '../fixtures/leads.js';
import { testDatabase } from '../support/db.js';

Runtime.install({ logger: new DefaultLogger('ERROR') });

interface OtlpSpan {
  traceId: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string } }[];
}

/** An OTLP/HTTP receiver (JSON, as @opentelemetry/exporter-trace-otlp-http sends it) on loopback. */
async function otlpReceiver(): Promise<{ url: string; spans: OtlpSpan[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) {
        const payload = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const r of payload.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else res.writeHead(415).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: OtlpSpan, key: string): string | undefined => span.attributes.find((a) => a.key === key)?.value.stringValue;

describe('OpenTelemetry tracing', () => {
  test('the submission and each activity attempt are spans that name the hand-off', async (t) => {
    const receiver = await otlpReceiver();
    t.after(() => receiver.close());
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-tracing-'));
    const config = loadConfig({
      BATON_DATA_DIR: dataDir,
      BATON_TASK_QUEUE: `baton-tracing-${process.pid}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    });
    assert.equal(config.observability.tracing?.url, `${receiver.url}/v1/traces`);
    const tracing = startTracing(config.observability.tracing, 'baton');
    t.after(() => tracing.shutdown());

    const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: await testServerExecutable() } });
    t.after(() => env.teardown());
    await env.connection.operatorService.addSearchAttributes({ namespace: 'default', searchAttributes: searchAttributeIndexedTypes() });
    const db = await testDatabase();
    t.after(() => db.close());
    await new RosterStore(db).seed(testRoster, 'test');
    const client = new Client({ connection: env.connection, interceptors: { workflow: tracing.clientInterceptors } });
    const worker = await createBatonWorker({ connection: env.nativeConnection, config, db, tracing, activityLog: () => undefined });

    const submit = async (handoffId: string, lead: Lead): Promise<HandoffState> => {
      const start = new WithStartWorkflowOperation<typeof handoff>(WORKFLOW_TYPE, {
        taskQueue: config.taskQueue,
        workflowId: workflowIdFor(handoffId),
        args: [{ handoffId, sdrId: 'sdr-jo', lead, submissionHash: 'a'.repeat(64), sdrManagerId: 'mgr-ana' }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      const answer = await client.workflow.executeUpdateWithStart(submitUpdate, {
        args: [{ submissionHash: 'a'.repeat(64), actor: { id: 'sdr-jo', role: 'sdr' } }],
        startWorkflowOperation: start,
      });
      return answer.state;
    };
    const handoffId = `traced-${Date.now().toString(36)}`;
    await worker.runUntil(async () => assert.ok((await submit(handoffId, hotLead)).assignedAe));
    await tracing.flush();

    const spans = (name: string): OtlpSpan[] =>
      receiver.spans.filter((s) => s.name === name && attribute(s, HANDOFF_ID_ATTRIBUTE) === handoffId);
    const names = receiver.spans.map((s) => `${s.name} (${attribute(s, HANDOFF_ID_ATTRIBUTE)})`).join(', ');
    assert.equal(spans(`UpdateWithStartWorkflow:${submitUpdate.name}`).length, 1, names);
    assert.equal(spans('RunActivity:loadPolicy').length, 1, names);
    const [routed] = spans('RunActivity:assignAe');
    assert.ok(routed, names);
    assert.equal(attribute(routed, 'temporalWorkflowId'), workflowIdFor(handoffId));
    assert.ok(
      receiver.spans.every((s) => attribute(s, HANDOFF_ID_ATTRIBUTE) === handoffId),
      `every span names the one hand-off: ${names}`,
    );
    assert.equal(receiver.spans.filter((s) => s.name.startsWith('RunWorkflow')).length, 0, 'the workflow is not instrumented');
  });
});
