/**
 * `npm start`: the whole dev stack in one process — Temporal (the CLI dev server on a SQLite file
 * under the data dir, unless TEMPORAL_ADDRESS names a server), the database (PostgreSQL at
 * DATABASE_URL, or the embedded PGlite under the data dir), demo principals and roster, the
 * worker and the HTTP API. Ctrl-C stops it in order; a second Ctrl-C forces the exit.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { serveWithApiMetrics } from './api/prometheus.js';
import { startApi } from './api/server.js';
import { loadConfig, WORKFLOW_BUNDLE } from './config.js';
import { openDatabase } from './db/database.js';
import { devPrincipalsFile, seedDev, type DevPrincipal } from './dev/seed.js';
import { ensureRetention, registerSearchAttributes, RETENTION_DAYS, startDevServer } from './temporal/dev-server.js';
import { configureLogging } from './observability/logger.js';
import { workerMetrics } from './observability/metrics.js';
import { installRuntime } from './observability/runtime.js';
import { startTracing } from './observability/tracing.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { createBatonWorker, describeCapacity, describeChannels, describeObservability } from './worker.js';

const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNIMPLEMENTED = 12;

type Cleanup = { name: string; run: () => Promise<void> };

/** Undo steps in start order; shutdown runs them backwards (API → worker → connections → Temporal). */
const cleanups: Cleanup[] = [];
let stopping: Promise<void> | undefined;

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => onSignal(signal));
  const config = loadConfig();
  const { observability } = config;
  const logger = configureLogging(observability.log, { service: 'baton' });
  // This process decides the shutdown order, not the SDK's default signal handlers; and the
  // worker's start-up chatter (bundling, state changes) would bury the banner (quietSdk: warnings
  // only; workflow and activity lines keep BATON_LOG_LEVEL).
  installRuntime(observability, logger, { shutdownSignals: [], quietSdk: true });
  const tracing = observability.tracing ? startTracing(observability.tracing, 'baton') : undefined;
  if (tracing) cleanups.push({ name: 'tracing', run: () => tracing.shutdown() });
  // One process, one endpoint: the API's /metrics serves the worker's metrics as well.
  serveWithApiMetrics(workerMetrics().registry);
  await fs.mkdir(config.dataDir, { recursive: true });

  let address: string;
  let uiUrl: string | undefined;
  if (config.temporalAddress) {
    address = config.temporalAddress;
    const admin = await Connection.connect({ address });
    try {
      await prepareExistingServer(admin, config.namespace);
    } finally {
      await admin.close();
    }
  } else {
    log(`starting the Temporal dev server (data in ${config.dataDir})…`);
    const server = await startDevServer(config, log);
    cleanups.push({ name: 'Temporal dev server', run: () => server.stop() });
    address = server.address;
    uiUrl = server.uiUrl;
  }
  bailIfStopping();

  log(config.databaseUrl ? 'connecting to PostgreSQL (DATABASE_URL)…' : `opening the embedded PostgreSQL (${config.dataDir}/pgdata)…`);
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  cleanups.push({ name: 'database', run: () => db.close() });
  bailIfStopping();

  const { principals } = await seedDev(config, db);

  const connection = await Connection.connect({ address });
  cleanups.push({ name: 'client connection', run: () => connection.close() });
  const nativeConnection = await NativeConnection.connect({ address });
  cleanups.push({ name: 'worker connection', run: () => nativeConnection.close() });
  bailIfStopping();

  // The prebuilt bundle (`npm start`'s setup rebuilds it when what it was built from changes): no bundling at start.
  const bundle = config.worker.workflowBundle ?? (existsSync(WORKFLOW_BUNDLE) ? WORKFLOW_BUNDLE : undefined);
  const worker = await createBatonWorker({
    connection: nativeConnection,
    config,
    db,
    ...(bundle ? { workflowBundle: { codePath: bundle } } : {}),
    ...(tracing ? { tracing } : {}),
  });
  const running = worker.run();
  cleanups.push({
    name: 'worker',
    run: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  });
  running.catch((err: unknown) => {
    if (stopping) return;
    console.error('baton: the worker stopped unexpectedly:', err);
    void shutdown(1);
  });
  bailIfStopping();

  const webhooks = new WebhookDispatcher(db, { log: (line, fields) => logger.warn(fields ?? {}, line) });
  webhooks.start();
  cleanups.push({ name: 'webhooks', run: () => webhooks.stop() });

  const client = new Client({
    connection,
    namespace: config.namespace,
    ...(tracing ? { interceptors: { workflow: tracing.clientInterceptors } } : {}),
  });
  const api = await startApi({ client, config, db });
  cleanups.push({ name: 'API', run: () => api.close() });
  bailIfStopping();

  printBanner({
    apiUrl: api.url,
    uiUrl,
    address,
    principalsFile: devPrincipalsFile(config),
    principals,
    capacity: describeCapacity(config),
    channels: describeChannels(config),
    observability: describeObservability(config, `${api.url}/metrics (API and worker)`),
  });
}

/** An existing server (TEMPORAL_ADDRESS): same search attributes and retention as the dev server. */
async function prepareExistingServer(connection: Connection, namespace: string): Promise<void> {
  try {
    await registerSearchAttributes(connection, namespace);
    await ensureRetention(connection, namespace, RETENTION_DAYS);
  } catch (err) {
    // Temporal Cloud and locked-down clusters refuse operator calls; an admin registers them there.
    if (isGrpcServiceError(err) && [GRPC_PERMISSION_DENIED, GRPC_UNIMPLEMENTED].includes(err.code)) {
      log(`warning: could not register search attributes / retention on ${namespace}: ${err.message}`);
      return;
    }
    throw err;
  }
}

function printBanner(info: {
  apiUrl: string;
  uiUrl: string | undefined;
  address: string;
  principalsFile: string;
  principals: DevPrincipal[];
  capacity: string;
  channels: string;
  observability: string;
}): void {
  const sdr = info.principals.find((p) => p.role === 'sdr');
  const lines = [
    '',
    'Baton is running.',
    `  API          ${info.apiUrl}   (OpenAPI: ${info.apiUrl}/openapi.json)`,
    `  KPI page     ${info.apiUrl}/dashboard   (sign in with a manager's token; demo data: npm run ledger -- seed-demo, stack stopped)`,
    `  Policy page  ${info.apiUrl}/dashboard/policies   (drafts, their diff, and what-if simulation over past hand-offs; same sign-in)`,
    info.uiUrl ? `  Temporal UI  ${info.uiUrl}` : `  Temporal     ${info.address}`,
    `  Tokens       ${info.principalsFile}`,
    `  Worker       ${info.capacity}   (README "Worker capacity")`,
    `  Notify       ${info.channels}   (README "Notifications")`,
    `  Observe      ${info.observability}   (README "Observability")`,
    '',
    ...info.principals.map((p) => `    ${p.role.padEnd(8)} ${p.id.padEnd(11)} ${p.token}`),
    '',
    'Try:',
    `  curl -s -H 'Authorization: Bearer ${sdr?.token ?? '<token>'}' ${info.apiUrl}/v1/handoffs`,
    '',
    'Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));
}

class Stopping extends Error {}

function bailIfStopping(): void {
  if (stopping) throw new Stopping();
}

let firstSignalAt = 0;

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    // Under `npm start` one Ctrl-C can arrive twice (from the terminal and forwarded by npm).
    if (Date.now() - firstSignalAt < 500) return;
    log(`${signal} again: exiting now`);
    process.exit(130);
  }
  firstSignalAt = Date.now();
  log(`${signal}: shutting down (press Ctrl-C again to force)…`);
  void shutdown(0);
}

function shutdown(code: number): Promise<void> {
  stopping ??= (async () => {
    let failed = false;
    for (const step of cleanups.reverse()) {
      try {
        await step.run();
      } catch (err) {
        failed = true;
        console.error(`baton: stopping the ${step.name} failed:`, err);
      }
    }
    cleanups.length = 0;
    process.exit(failed && code === 0 ? 1 : code);
  })();
  return stopping;
}

function log(message: string): void {
  console.error(`baton: ${message}`);
}

main().catch(async (err: unknown) => {
  if (err instanceof Stopping) return; // a signal arrived during start-up; shutdown() is under way
  console.error('baton: start-up failed:', err instanceof Error ? err.message : err);
  if (process.env.DEBUG && err instanceof Error) console.error(err.stack);
  await shutdown(1);
});
