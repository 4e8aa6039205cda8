/**
 * The bare SDK baseline's worker (bench/lifecycle.ts): `bench/bare/workflows.ts` with Baton's own
 * activities on Baton's database, in a process of its own like Baton's worker, with the SDK's
 * default worker options. Environment: TEMPORAL_ADDRESS, DATABASE_URL (unset: an embedded database
 * of its own under BATON_DATA_DIR), BATON_POLICY_FILE (as for src/worker.ts) and BARE_TASK_QUEUE.
 */
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import path from 'node:path';
import { createActivities } from '../../activities/index.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { RosterStore } from '../../src/db/roster.js';
import { DEV_ROSTER } from '../../src/dev/seed.js';

const config = loadConfig();
const taskQueue = process.env.BARE_TASK_QUEUE;
if (!taskQueue || !config.temporalAddress) throw new Error('BARE_TASK_QUEUE and TEMPORAL_ADDRESS must be set');
const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
// On Baton's database the roster is there already; a database of its own gets the demo AEs, opened up.
const open = { regions: [], employeeBands: [], industries: [], capacity: 1_000_000 };
await new RosterStore(db).seed(
  DEV_ROSTER.map((ae) => ({ ...ae, ...open })),
  'bench',
);
const connection = await NativeConnection.connect({ address: config.temporalAddress });
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
const worker = await Worker.create({
  connection,
  namespace: config.namespace,
  taskQueue,
  workflowBundle: await bundleWorkflowCode({ workflowsPath: path.join(import.meta.dirname, 'workflows.ts'), logger: quiet }),
  activities: createActivities({ policyFile: config.policyFile, dataDir: config.dataDir, db, log: () => {} }),
});
console.log(`bare worker polling ${taskQueue}`);
try {
  await worker.run(); // SIGINT shuts it down
} finally {
  await connection.close();
  await db.close();
}
