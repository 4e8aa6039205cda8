import path from 'node:path';
import { getHeapStatistics } from 'node:v8';

/** Every environment variable Baton reads, in one place (documented in the README). */
export interface BatonConfig {
  /** Where the dev stack keeps Temporal's SQLite file, the embedded database, tokens and notifications. */
  dataDir: string;
  /** API port. */
  port: number;
  /** Dev server gRPC port and Web UI port (only used when Baton starts the dev server itself). */
  temporalPort: number;
  temporalUiPort: number;
  /** An existing Temporal frontend (`host:port`); when set, no dev server is started. */
  temporalAddress: string | undefined;
  namespace: string;
  taskQueue: string;
  /** Policy document (YAML or JSON); defaults to the shipped `policy/default.yaml`. */
  policyFile: string;
  /** Hashed bearer tokens → principals. */
  tokensFile: string;
  /** A PostgreSQL server (`DATABASE_URL`); without it, the embedded PGlite under `<dataDir>/pgdata`. */
  databaseUrl: string | undefined;
  /** How the worker holds open hand-offs (see the README's "Worker capacity"). */
  worker: WorkerCapacity;
  /** Notification channels beyond the outbox log (README "Notifications"). */
  notifications: NotificationChannels;
  /** Drills only: the share of activity attempts that fail on purpose (`BATON_FAULT_ACTIVITY_RATE`, src/faults.ts); 0 is off. */
  faultActivityRate: number;
}

export interface NotificationChannels {
  /** Email over SMTP (`BATON_SMTP_URL`, `BATON_EMAIL_FROM`); unset: no email. */
  email: { url: string; from: string } | undefined;
  /**
   * Slack (`BATON_SLACK_BOT_TOKEN`, `BATON_SLACK_SIGNING_SECRET`; `BATON_SLACK_APP_TOKEN` for Socket
   * Mode; `BATON_SLACK_API_URL` points the clients at another Web API base, e.g. a local stand-in);
   * unset token: no Slack.
   */
  slack: { token: string; signingSecret: string | undefined; apiUrl: string | undefined; appToken: string | undefined } | undefined;
}

export interface WorkerCapacity {
  /** Hand-offs whose workflow state the worker keeps in memory; beyond it the least recent is evicted and replayed when it next wakes. */
  maxCachedWorkflows: number;
  /** Workflow tasks run at once (each a hand-off's turn: an update, a timer, an activity's result). */
  maxConcurrentWorkflowTasks: number;
  /** One V8 context for all workflows (the SDK's default and recommendation); off: a context per workflow, several times the memory. */
  reuseV8Context: boolean;
  /** A prebuilt workflow bundle (`npm run build:workflows`); unset: bundle `workflows/` at start. */
  workflowBundle: string | undefined;
}

/**
 * Defaults sized with `bench/parked.ts` (README "Worker capacity"): a cached hand-off costs the
 * worker about 0.45 MiB of resident memory (the libraries and `src/domain/` are shared between
 * workflows, see src/workflow-preload.ts), so 2,000 cached hand-offs take about 0.9 GiB on top of a
 * worker's 0.35 GiB. `maxConcurrentWorkflowTasks` is the SDK's own default, stated.
 */
export const WORKER_DEFAULTS = { maxCachedWorkflows: 2000, maxConcurrentWorkflowTasks: 40, reuseV8Context: true } as const;

/**
 * What the workflows' heap needs: a base, and per cached hand-off (measured 0.45 MiB resident, with
 * headroom). The default cache shrinks to fit a smaller heap (a small container gets a small V8 heap
 * unless `--max-old-space-size` says otherwise); an explicit cache that does not fit is warned about.
 */
export const WORKFLOW_HEAP = { baseMiB: 256, perCachedMiB: 0.5 } as const;

/** Hand-offs the heap limit of this process (the workflow thread has the same) has room for. */
export function cacheRoom(heapLimitMiB = getHeapStatistics().heap_size_limit / 2 ** 20): number {
  return Math.max(0, Math.floor((heapLimitMiB - WORKFLOW_HEAP.baseMiB) / WORKFLOW_HEAP.perCachedMiB));
}

export const TASK_QUEUE = 'baton-handoffs';

export const repoRoot = path.resolve(import.meta.dirname, '..');

/** Where `npm run build:workflows` writes the bundle `npm start` loads. */
export const WORKFLOW_BUNDLE = path.join(repoRoot, 'dist', 'workflow-bundle.js');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): BatonConfig {
  const dataDir = path.resolve(env.BATON_DATA_DIR ?? path.join(repoRoot, '.data'));
  return {
    dataDir,
    port: intEnv(env, 'PORT', 3000),
    temporalPort: intEnv(env, 'TEMPORAL_PORT', 7233),
    temporalUiPort: intEnv(env, 'TEMPORAL_UI_PORT', 8233),
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.BATON_TASK_QUEUE ?? TASK_QUEUE,
    policyFile: path.resolve(env.BATON_POLICY_FILE ?? path.join(repoRoot, 'policy', 'default.yaml')),
    tokensFile: path.resolve(env.BATON_TOKENS_FILE ?? path.join(dataDir, 'tokens.json')),
    databaseUrl: env.DATABASE_URL || undefined,
    worker: {
      maxCachedWorkflows: countEnv(
        env,
        'BATON_MAX_CACHED_WORKFLOWS',
        Math.max(10, Math.min(WORKER_DEFAULTS.maxCachedWorkflows, cacheRoom())),
      ),
      maxConcurrentWorkflowTasks: countEnv(env, 'BATON_MAX_CONCURRENT_WORKFLOW_TASKS', WORKER_DEFAULTS.maxConcurrentWorkflowTasks, 2),
      reuseV8Context: boolEnv(env, 'BATON_REUSE_V8_CONTEXT', WORKER_DEFAULTS.reuseV8Context),
      workflowBundle: env.BATON_WORKFLOW_BUNDLE ? path.resolve(env.BATON_WORKFLOW_BUNDLE) : undefined,
    },
    notifications: {
      email: env.BATON_SMTP_URL ? { url: env.BATON_SMTP_URL, from: env.BATON_EMAIL_FROM || 'Baton <baton@localhost>' } : undefined,
      slack: env.BATON_SLACK_BOT_TOKEN
        ? {
            token: env.BATON_SLACK_BOT_TOKEN,
            signingSecret: env.BATON_SLACK_SIGNING_SECRET || undefined,
            apiUrl: env.BATON_SLACK_API_URL || undefined,
            appToken: env.BATON_SLACK_APP_TOKEN || undefined,
          }
        : undefined,
    },
    faultActivityRate: rateEnv(env, 'BATON_FAULT_ACTIVITY_RATE'),
  };
}

function rateEnv(env: NodeJS.ProcessEnv, name: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!(n >= 0 && n < 1)) throw new Error(`${name} must be a share from 0 to below 1 (e.g. 0.2), got ${JSON.stringify(raw)}`);
  return n;
}

function countEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > 1_000_000)
    throw new Error(`${name} must be a whole number from ${min} to 1000000, got ${JSON.stringify(raw)}`);
  return n;
}

function boolEnv(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(env[name])}`);
}

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new Error(`${name} must be a port number (0–65535), got ${JSON.stringify(raw)}`);
  }
  return n;
}
