import path from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { ROLES, type Role } from './domain/actions.js';
import { parseDuration } from './domain/duration.js';

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
  /**
   * Policy document (YAML or JSON): `BATON_POLICY_FILE`, or the shipped `policy/default.yaml`, which
   * seeds the database's policy catalog (version 1) on first start.
   */
  policyFile: string;
  /** `BATON_POLICY_FILE` is set: new hand-offs take that file's policy, not the database's published version. */
  policyFromFile: boolean;
  /** Hashed bearer tokens → principals. */
  tokensFile: string;
  /** OIDC/JWT bearer tokens, rate limiting and CORS of the API (README "Security"). */
  security: SecurityConfig;
  /** A PostgreSQL server (`DATABASE_URL`); without it, the embedded PGlite under `<dataDir>/pgdata`. */
  databaseUrl: string | undefined;
  /** How the worker holds open hand-offs (see the README's "Worker capacity"). */
  worker: WorkerCapacity;
  /** Notification channels beyond the outbox log (README "Notifications"). */
  notifications: NotificationChannels;
  /** Drills only: the share of activity attempts that fail on purpose (`BATON_FAULT_ACTIVITY_RATE`, src/faults.ts); 0 is off. */
  faultActivityRate: number;
  /** Metrics, logs and traces (README "Observability", src/observability/). */
  observability: ObservabilityConfig;
}

export interface ObservabilityConfig {
  /** The standalone worker's Prometheus endpoint (`BATON_WORKER_METRICS_PORT`, default 9464; 0: any free port; `off`: none). */
  workerMetricsPort: number | undefined;
  /** The Temporal SDK's own Prometheus exporter (`BATON_SDK_METRICS_ADDRESS`, `host:port`); unset: off. */
  sdkMetricsAddress: string | undefined;
  /** `BATON_LOG_FORMAT` (default: json when stdout is not a terminal) and `BATON_LOG_LEVEL` (default info). */
  log: { format: 'json' | 'pretty'; level: LogLevelName };
  /** OpenTelemetry traces over OTLP/HTTP (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`); unset: no tracing. */
  tracing: { url: string; serviceName: string | undefined } | undefined;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

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
    policyFile: path.resolve(env.BATON_POLICY_FILE || path.join(repoRoot, 'policy', 'default.yaml')),
    policyFromFile: Boolean(env.BATON_POLICY_FILE),
    tokensFile: path.resolve(env.BATON_TOKENS_FILE ?? path.join(dataDir, 'tokens.json')),
    security: securityEnv(env),
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
    observability: {
      workerMetricsPort:
        env.BATON_WORKER_METRICS_PORT?.toLowerCase() === 'off' ? undefined : intEnv(env, 'BATON_WORKER_METRICS_PORT', 9464),
      sdkMetricsAddress: env.BATON_SDK_METRICS_ADDRESS || undefined,
      log: {
        format: oneOf(env, 'BATON_LOG_FORMAT', ['json', 'pretty'] as const, process.stdout.isTTY ? 'pretty' : 'json'),
        level: oneOf(env, 'BATON_LOG_LEVEL', LOG_LEVELS, 'info'),
      },
      tracing: tracingEnv(env),
    },
  };
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw))
    throw new Error(`${name} must be one of ${values.join(', ')}, got ${JSON.stringify(env[name])}`);
  return raw as T;
}

/** OpenTelemetry's own variables: the traces endpoint as given, or `<OTLP endpoint>/v1/traces`. */
function tracingEnv(env: NodeJS.ProcessEnv): ObservabilityConfig['tracing'] {
  if (['true', '1'].includes(env.OTEL_SDK_DISABLED?.toLowerCase() ?? '')) return undefined;
  const url =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
    (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
  return url ? { url, serviceName: env.OTEL_SERVICE_NAME || undefined } : undefined;
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

export interface SecurityConfig {
  /** JWT bearer tokens from an OpenID Connect provider, besides the hashed API tokens; unset `BATON_OIDC_ISSUER`: off. */
  oidc: OidcConfig | undefined;
  /** Requests per principal per window on `/v1` (`BATON_RATE_LIMIT`, e.g. `600/min`); unset or `off`: no limit. */
  rateLimit: { limit: number; windowMs: number } | undefined;
  /** Browser origins allowed to call `/v1` (`BATON_CORS_ORIGINS`, a comma list or `*`); empty: no CORS. */
  corsOrigins: string[];
}

export interface OidcConfig {
  /** `BATON_OIDC_ISSUER`: the `iss` every token must carry, exactly. */
  issuer: string;
  /** `BATON_OIDC_AUDIENCE` (comma list): a token's `aud` must name one of them. */
  audience: string[];
  /** `BATON_OIDC_JWKS_URL`; unset: the `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
  jwksUrl: string | undefined;
  /** `BATON_OIDC_ALGORITHMS` (default `RS256,ES256`): asymmetric JWS algorithms only. */
  algorithms: string[];
  /** `BATON_OIDC_CLOCK_TOLERANCE` (default `30s`): leeway for `exp`, `nbf` and `iat`, in seconds. */
  clockToleranceS: number;
  /** `BATON_OIDC_ID_CLAIM` (default `sub`): the claim holding the Baton principal id (`sdr-jo`, `ae-kim`). */
  idClaim: string;
  /** `BATON_OIDC_ROLE_CLAIM` (default `roles`): a claim name or dotted path (`realm_access.roles`); a string or an array of strings. */
  roleClaim: string;
  /** `BATON_OIDC_ROLE_MAP` (`claim value=role,…`; default: each Baton role name maps to itself), in order: the first value the token carries wins. */
  roleMap: [value: string, role: Role][];
  /** `BATON_OIDC_JWKS_COOLDOWN` (default `30s`): after a key-set fetch, how long a token with an unknown `kid` waits for the next. */
  jwksCooldownMs: number;
}

/** Symmetric (`HS*`) and `none` are refused: a public key set cannot verify them safely. */
export const OIDC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
/** Without `BATON_OIDC_ROLE_MAP` a claim value that is a Baton role name is that role; the most privileged first. */
const DEFAULT_ROLE_MAP: [string, Role][] = (['admin', 'manager', 'ops', 'ae', 'sdr'] as const).map((role) => [role, role]);

function securityEnv(env: NodeJS.ProcessEnv): SecurityConfig {
  return { oidc: oidcEnv(env), rateLimit: rateLimitEnv(env), corsOrigins: corsEnv(env) };
}

function oidcEnv(env: NodeJS.ProcessEnv): OidcConfig | undefined {
  const issuer = env.BATON_OIDC_ISSUER?.trim();
  if (!issuer) {
    const stray = Object.keys(env).filter((name) => name.startsWith('BATON_OIDC_') && env[name]);
    if (stray.length > 0) throw new Error(`${stray.join(', ')} set without BATON_OIDC_ISSUER, which turns OIDC tokens on`);
    return undefined;
  }
  secureUrl('BATON_OIDC_ISSUER', issuer);
  const audience = listEnv(env, 'BATON_OIDC_AUDIENCE');
  if (audience.length === 0)
    throw new Error("BATON_OIDC_AUDIENCE must name the audience Baton's tokens are issued for (the `aud` claim, e.g. the client id)");
  const jwksUrl = env.BATON_OIDC_JWKS_URL?.trim() || undefined;
  if (jwksUrl) secureUrl('BATON_OIDC_JWKS_URL', jwksUrl);
  const algorithms = listEnv(env, 'BATON_OIDC_ALGORITHMS');
  for (const alg of algorithms) {
    if (!(OIDC_ALGORITHMS as readonly string[]).includes(alg))
      throw new Error(`BATON_OIDC_ALGORITHMS: ${JSON.stringify(alg)} is not allowed; use some of ${OIDC_ALGORITHMS.join(', ')}`);
  }
  const claim = (name: string, fallback: string): string => {
    const value = env[name]?.trim() || fallback;
    if (!/^[^\s]+$/.test(value))
      throw new Error(`${name} must be a claim name or dotted path without spaces, got ${JSON.stringify(value)}`);
    return value;
  };
  return {
    issuer,
    audience,
    jwksUrl,
    algorithms: algorithms.length > 0 ? algorithms : ['RS256', 'ES256'],
    clockToleranceS: Math.round(durationEnv(env, 'BATON_OIDC_CLOCK_TOLERANCE', 30_000, 300_000) / 1000),
    idClaim: claim('BATON_OIDC_ID_CLAIM', 'sub'),
    roleClaim: claim('BATON_OIDC_ROLE_CLAIM', 'roles'),
    roleMap: roleMapEnv(env),
    jwksCooldownMs: durationEnv(env, 'BATON_OIDC_JWKS_COOLDOWN', 30_000, 3_600_000),
  };
}

/** `value=role` pairs, comma-separated (`baton-admins=admin,sales-mgr=manager`), or a JSON object of the same. */
function roleMapEnv(env: NodeJS.ProcessEnv): [string, Role][] {
  const raw = env.BATON_OIDC_ROLE_MAP?.trim();
  if (!raw) return DEFAULT_ROLE_MAP;
  let pairs: [string, unknown][];
  if (raw.startsWith('{')) {
    try {
      pairs = Object.entries(JSON.parse(raw) as Record<string, unknown>);
    } catch (err) {
      throw new Error(`BATON_OIDC_ROLE_MAP is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  } else {
    pairs = raw.split(',').map((pair) => {
      const at = pair.lastIndexOf('=');
      if (at <= 0) throw new Error(`BATON_OIDC_ROLE_MAP: ${JSON.stringify(pair.trim())} is not "claim value=role"`);
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    });
  }
  return pairs.map(([value, role]) => {
    if (!(ROLES as readonly unknown[]).includes(role))
      throw new Error(`BATON_OIDC_ROLE_MAP: ${JSON.stringify(value)} maps to ${JSON.stringify(role)}, not one of ${ROLES.join(', ')}`);
    if (value === '') throw new Error('BATON_OIDC_ROLE_MAP: an empty claim value');
    return [value, role as Role];
  });
}

/** `600/min`, `10/s`, `5000/hour`, or a count over any duration (`100/15m`). */
function rateLimitEnv(env: NodeJS.ProcessEnv): SecurityConfig['rateLimit'] {
  const raw = env.BATON_RATE_LIMIT?.trim().toLowerCase();
  if (!raw || raw === 'off') return undefined;
  const match = /^(\d+)\s*\/\s*(\S+)$/.exec(raw);
  const units: Record<string, number> = { s: 1000, sec: 1000, second: 1000, min: 60_000, minute: 60_000, h: 3_600_000, hour: 3_600_000 };
  const windowMs = match ? (units[match[2]!] ?? parseDuration(match[2]!)) : undefined;
  const limit = Number(match?.[1]);
  if (!match || windowMs === undefined || windowMs < 1000 || windowMs > 86_400_000 || !(limit >= 1 && limit <= 1_000_000))
    throw new Error(
      `BATON_RATE_LIMIT must be requests per window, e.g. 600/min, 20/s or 5000/1h (1 s to 1 d), or off; got ${JSON.stringify(env.BATON_RATE_LIMIT)}`,
    );
  return { limit, windowMs };
}

function corsEnv(env: NodeJS.ProcessEnv): string[] {
  const origins = listEnv(env, 'BATON_CORS_ORIGINS');
  if (origins.includes('*')) {
    if (origins.length > 1) throw new Error('BATON_CORS_ORIGINS: * (any origin) cannot be combined with named origins');
    return origins;
  }
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin)
      throw new Error(
        `BATON_CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin such as https://crm.example.com (scheme, host, optional port; no path or trailing slash)`,
      );
  }
  return origins;
}

function listEnv(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** An https URL; plain http only on a loopback host (a local identity provider, tests). */
function secureUrl(name: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be a URL, got ${JSON.stringify(value)}`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new Error(`${name} must be an https URL (http only on localhost), got ${JSON.stringify(value)}`);
}

function durationEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : parseDuration(raw);
  if (ms === undefined || ms > max)
    throw new Error(`${name} must be a duration such as 30s or 2m (at most ${max / 1000} s), got ${JSON.stringify(raw)}`);
  return ms;
}
