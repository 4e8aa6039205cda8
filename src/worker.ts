import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createRequire } from 'node:module';
import { createActivities } from '../activities/index.js';
import { loadConfig, type BatonConfig } from './config.js';
import { openDatabase, type Database } from './db/database.js';

const require = createRequire(import.meta.url);

/** The workflow entry point, for bundling at start-up when no prebuilt bundle is given. */
export const workflowsPath = require.resolve('../workflows/index.ts');

/**
 * How the workflow code is bundled, wherever it is (npm start's prebuilt bundle, a worker bundling
 * at start, the tests). Nothing is preloaded into the shared context: the SDK deep-freezes shared
 * modules, and zod resets `lastIndex` on its shared format patterns (z.email()), which a frozen
 * RegExp refuses, so preloading zod as it is would break those checks in the validators.
 */
export const workflowBundleOptions = { workflowsPath };

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
}

/** A worker for task queue `baton-handoffs` running the hand-off workflow and its activities. */
export async function createBatonWorker(opts: BatonWorkerOptions): Promise<Worker> {
  const { connection, config } = opts;
  return Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    // Sized deliberately (README "Worker capacity"): the cache holds the hot hand-offs, the rest replay when they wake.
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTasks,
    reuseV8Context: true,
    activities: createActivities({
      policyFile: config.policyFile,
      dataDir: config.dataDir,
      db: opts.db,
      log: opts.activityLog,
    }),
    ...opts.overrides,
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const address = config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`;
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const connection = await NativeConnection.connect({ address });
  const bundlePath = config.worker.workflowBundle;
  const worker = await createBatonWorker({ connection, config, db, workflowBundle: bundlePath ? { codePath: bundlePath } : undefined });
  console.log(`worker polling ${config.taskQueue} on ${address} (${config.namespace})`);
  try {
    await worker.run(); // SIGINT/SIGTERM shut it down
  } finally {
    await connection.close();
    await db.close();
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
