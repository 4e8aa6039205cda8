import path from 'node:path';

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
}

export const TASK_QUEUE = 'baton-handoffs';

export const repoRoot = path.resolve(import.meta.dirname, '..');

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
  };
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
