import { NativeConnection, Worker, type BundleOptions, type WorkerOptions } from '@temporalio/worker';
import { createRequire } from 'node:module';
import path from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { createActivities } from '../activities/index.js';
import { cacheRoom, loadConfig, type BatonConfig } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { activityFaults } from './faults.js';
import { configureLogging, logger } from './observability/logger.js';
import { activityMetrics, serveWorkerMetrics } from './observability/metrics.js';
import { installRuntime } from './observability/runtime.js';
import { startTracing, type Tracing } from './observability/tracing.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { policySource } from './policy/source.js';

const require = createRequire(import.meta.url);

/** The workflow entry point, for bundling at start-up when no prebuilt bundle is given. */
export const workflowsPath = require.resolve('../workflows/index.ts');

const preloadPath = require.resolve('./workflow-preload.ts');
const sharedDomainPath = require.resolve('./workflow-shared-domain.ts');
const regexesPath = require.resolve('./workflow-regexes.cts');
/** zod's format patterns; `require.resolve('zod')` is its CommonJS entry at the package root. */
const zodRegexesPath = path.join(path.dirname(require.resolve('zod')), 'v4', 'core', 'regexes.js');

/**
 * How the workflow code is bundled, wherever it is (`npm run build:workflows` for `npm start` and
 * the image, a worker bundling at start, the tests). With V8 context reuse every workflow evaluates
 * the bundle's modules afresh and keeps them while it is cached; zod and luxon are evaluated once
 * per worker instead (src/workflow-preload.ts), and zod's format patterns, which it mutates, are
 * handed to each workflow as copies (src/workflow-regexes.cts).
 */
export const workflowBundleOptions = {
  workflowsPath,
  preloadModules: [preloadPath],
  workflowInterceptorModules: [sharedDomainPath],
  webpackConfigHook: (config) => ({
    ...config,
    module: { ...config.module, rules: [...(config.module?.rules ?? []), { ...typeScriptRule(config), test: /\.cts$/ }] },
    resolve: { ...config.resolve, alias: { ...config.resolve?.alias, 'baton-zod-shared-regexes$': zodRegexesPath } },
    plugins: [
      ...(config.plugins ?? []),
      {
        apply(compiler) {
          let routed = 0;
          new compiler.webpack.NormalModuleReplacementPlugin(/regexes\.js$/, (resource: { request: string; context: string }) => {
            if (path.resolve(resource.context, resource.request) !== zodRegexesPath) return;
            resource.request = regexesPath;
            routed++;
          }).apply(compiler);
          compiler.hooks.done.tap('BatonZodRegexes', (stats) => {
            if (routed === 0)
              stats.compilation.errors.push(
                new compiler.webpack.WebpackError(
                  `no module imports ${zodRegexesPath}: zod moved its format patterns, update src/worker.ts`,
                ),
              );
          });
        },
      },
    ],
  }),
} satisfies BundleOptions;

/** The bundler's rule for .ts files (swc), to apply to src/workflow-regexes.cts as well. */
function typeScriptRule(config: Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0]): object {
  const rule = config.module?.rules?.find((r) => typeof r === 'object' && r !== null && r.test instanceof RegExp && r.test.test('x.ts'));
  if (typeof rule !== 'object' || rule === null)
    throw new Error("the workflow bundler has no rule for .ts files: src/worker.ts's webpackConfigHook needs updating");
  return rule;
}

export interface BatonWorkerOptions {
  connection: NativeConnection;
  config: BatonConfig;
  /** The roster and assignment ledger; the caller opens and closes it. */
  db: Database;
  /** A prebuilt bundle (`npm run build:workflows`) skips bundling at start-up. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Where activities log notifications (default: the console). */
  activityLog?: (line: string) => void;
  /** Extra worker options (tests pass e.g. `maxCachedWorkflows`). */
  overrides?: Partial<WorkerOptions>;
  /** OpenTelemetry tracing (src/observability/tracing.ts): a span per activity attempt. */
  tracing?: Tracing;
}

/** A worker for task queue `baton-handoffs` running the hand-off workflow and its activities. */
export async function createBatonWorker(opts: BatonWorkerOptions): Promise<Worker> {
  const { connection, config, tracing } = opts;
  const { workflowsPath, workflowInterceptorModules, ...bundlerOptions } = workflowBundleOptions;
  return Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath, bundlerOptions }),
    interceptors: {
      // A prebuilt bundle has the workflow interceptor modules built in.
      ...(opts.workflowBundle ? {} : { workflowModules: workflowInterceptorModules }),
      // Outermost first: the span covers the attempt, the metrics count injected faults as failures.
      activity: [
        ...(tracing ? [tracing.activityInterceptors] : []),
        activityMetrics(),
        ...(config.faultActivityRate > 0 ? [activityFaults(config.faultActivityRate)] : []),
      ],
    },
    // Sized deliberately (README "Worker capacity"): the cache holds the hot hand-offs, the rest replay when they wake.
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
    reuseV8Context: config.worker.reuseV8Context,
    activities: createActivities({
      policyFile: config.policyFile,
      policies: policySource(config, opts.db),
      dataDir: config.dataDir,
      db: opts.db,
      log: opts.activityLog,
      tokensFile: config.tokensFile,
      ...(config.notifications.email ? { email: config.notifications.email } : {}),
      ...(config.notifications.slack ? { slack: config.notifications.slack } : {}),
    }),
    ...opts.overrides,
  });
}

/** One line for the logs: which notification channels are on (the outbox log always is). */
export function describeChannels(config: BatonConfig): string {
  const { email, slack } = config.notifications;
  return [
    `outbox ${path.join(config.dataDir, 'notifications.jsonl')}`,
    email ? `email via ${new URL(email.url).host} from ${email.from}` : 'email off (BATON_SMTP_URL)',
    slack
      ? `Slack on${slack.signingSecret ? ' with buttons' : ' (no BATON_SLACK_SIGNING_SECRET: buttons answer 404)'}`
      : 'Slack off (BATON_SLACK_BOT_TOKEN)',
    'webhooks: /v1/webhooks',
  ].join(', ');
}

/** One line for the logs: what this worker holds and the heap it has for it (with a warning when they do not fit). */
export function describeCapacity(config: BatonConfig): string {
  const { maxCachedWorkflows, maxConcurrentWorkflowTasks, reuseV8Context } = config.worker;
  const heapMiB = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  const line = `cache ${maxCachedWorkflows} hand-offs, ${maxConcurrentWorkflowTasks} workflow tasks at once, V8 context reuse ${reuseV8Context ? 'on' : 'off'}, heap limit ${heapMiB} MiB`;
  return maxCachedWorkflows <= cacheRoom()
    ? line
    : `${line} — WARNING: that heap has room for about ${cacheRoom()} cached hand-offs; raise it (NODE_OPTIONS=--max-old-space-size=<MiB>) or lower BATON_MAX_CACHED_WORKFLOWS`;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const { observability } = config;
  const log = configureLogging(observability.log, { service: 'baton-worker' });
  // Before any connection: the SDK's logs into ours, its own metrics on their port when asked.
  installRuntime(observability, log);
  const tracing = observability.tracing ? startTracing(observability.tracing, 'baton-worker') : undefined;
  const address = config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`;
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const metrics = observability.workerMetricsPort === undefined ? undefined : await serveWorkerMetrics(observability.workerMetricsPort);
  const connection = await NativeConnection.connect({ address });
  const bundlePath = config.worker.workflowBundle;
  const worker = await createBatonWorker({
    connection,
    config,
    db,
    workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
    ...(tracing ? { tracing } : {}),
  });
  // The webhook queue is sent by every worker process (they share it through the database).
  const webhooks = new WebhookDispatcher(db, { log: (line, fields) => log.warn(fields ?? {}, line) });
  webhooks.start();
  log.info(`worker polling ${config.taskQueue} on ${address} (${config.namespace}); ${describeCapacity(config)}`);
  log.info(`notifications: ${describeChannels(config)}`);
  log.info(`observability: ${describeObservability(config, metrics?.url)}`);
  if (config.faultActivityRate > 0)
    log.warn(`WARNING: BATON_FAULT_ACTIVITY_RATE=${config.faultActivityRate}: activity attempts fail on purpose (drills only)`);
  try {
    await worker.run(); // SIGINT/SIGTERM shut it down
  } finally {
    await webhooks.stop();
    await metrics?.close();
    await tracing?.shutdown();
    await connection.close();
    await db.close();
  }
}

/** One line for the logs: where this process's metrics and traces go. */
export function describeObservability(config: BatonConfig, metrics: string | undefined): string {
  const { sdkMetricsAddress, tracing, log } = config.observability;
  return [
    metrics ? `metrics ${metrics}` : 'worker metrics off (BATON_WORKER_METRICS_PORT)',
    sdkMetricsAddress ? `SDK metrics http://${sdkMetricsAddress}/metrics` : 'SDK metrics off (BATON_SDK_METRICS_ADDRESS)',
    tracing ? `traces to ${tracing.url}` : 'tracing off (OTEL_EXPORTER_OTLP_ENDPOINT)',
    `logs ${log.format} at ${log.level}`,
  ]
    .filter(Boolean)
    .join(', ');
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  main().catch((err) => {
    logger().fatal({ err }, 'worker start-up failed');
    process.exit(1);
  });
}
