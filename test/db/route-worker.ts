/**
 * One routing worker process (started by `test/support/route-workers.ts`): its own pool on the
 * server, the real `assignAe` activity, many routings in flight at once.
 */
import os from 'node:os';
import { createActivities } from '../../activities/activities.js';
import { openDatabase } from '../../src/db/database.js';
import { routeRequest, type RouteJob, type Routed, type WorkerMessage } from '../support/route-workers.js';

const job = JSON.parse(process.env.BATON_ROUTE_JOB ?? 'null') as RouteJob | null;
if (!job || !process.send) throw new Error('route-worker runs as a child of routeInWorkers()');

const send = (message: WorkerMessage) =>
  new Promise<void>((resolve, reject) => process.send!(message, undefined, {}, (err) => (err ? reject(err) : resolve())));

const db = await openDatabase({ url: job.url, poolSize: job.poolSize, skipMigrations: true });
const activities = createActivities({
  db,
  policyFile: 'policy/default.yaml',
  dataDir: os.tmpdir(),
  router: job.crashAfterCommit ? { afterCommit: () => process.exit(1) } : {},
});

// Connect the whole pool before the start, so the workers race on routing, not on connecting.
await Promise.all(Array.from({ length: job.poolSize }, () => db.query('SELECT 1')));
const go = new Promise((resolve) => process.once('message', resolve));
await send({ type: 'ready' });
await go;

const routed: Routed[] = [];
let next = 0;
async function lane(): Promise<void> {
  while (next < job!.handoffIds.length) {
    const request = routeRequest(job!.handoffIds[next++]!);
    const startedAt = performance.timeOrigin + performance.now();
    const decision = await activities.assignAe(request);
    routed.push({ key: request.key, decision, startedAt, endedAt: performance.timeOrigin + performance.now() });
  }
}
await Promise.all(Array.from({ length: job.concurrency }, lane));
await send({ type: 'done', routed });
await db.close();
process.disconnect();
