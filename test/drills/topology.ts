/**
 * A production-shaped Baton on this machine, without Docker: a PostgreSQL server (Debian's
 * binaries, a private cluster), the Temporal dev server on a file database, two worker processes
 * (`src/worker.ts`, as `npm run worker` runs it) and two API processes (`src/api/server.ts`, as
 * `npm run api`), all sharing `DATABASE_URL`. Every piece can be killed and brought back, which is
 * what the drills (test/drills/drill.ts) do to it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256 } from '../../src/api/auth.js';
import { loadConfig, repoRoot, WORKFLOW_BUNDLE } from '../../src/config.js';
import { freePort } from '../../src/net.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { RosterStore } from '../../src/db/roster.js';
import type { Principal, TokenEntry } from '../../src/domain/principals.js';
import type { Ae } from '../../src/domain/roster.js';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { startPostgres, type PostgresServer } from '../support/postgres.js';

export interface TopologyOptions {
  /** The policy the workers load (YAML). */
  policy: string;
  roster: Ae[];
  principals: Principal[];
  /** The bearer token of a principal. */
  token(id: string): string;
  /** BATON_FAULT_ACTIVITY_RATE of the workers (src/faults.ts). */
  faultActivityRate: number;
  /** Where the workers send email (an SMTP server on loopback). */
  smtpUrl: string;
  workers?: number;
  apis?: number;
  /** Keep the drill directory (logs, dev server database) after stop. */
  keep?: boolean;
}

/** One of the Node processes: a worker or an API replica. */
export class Replica {
  private child: ChildProcess | undefined;
  /** How many times it was started (the first start included). */
  starts = 0;

  constructor(
    readonly name: string,
    private readonly script: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
    /** The line it prints once it serves. */
    private readonly ready: RegExp,
  ) {}

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  async start(): Promise<void> {
    if (this.pid) throw new Error(`${this.name} is running`);
    this.starts++;
    const log = createWriteStream(this.logFile, { flags: 'a' });
    await once(log, 'open');
    log.write(`\n--- ${new Date().toISOString()} start ${this.starts}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', this.script], {
      cwd: repoRoot,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let seen = '';
    const up = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        seen += chunk.toString();
        if (this.ready.test(seen)) resolve();
        if (seen.length > 64 * 1024) seen = seen.slice(-4096);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code, sig) => reject(new Error(`${this.name} exited during start (${sig ?? code}); see ${this.logFile}`)));
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.once('exit', () => log.end());
    const timeout = sleep(60_000).then(() => {
      throw new Error(`${this.name} did not start within 60 s; see ${this.logFile}`);
    });
    await Promise.race([up, timeout]);
  }

  /** `kill -9`: no shutdown, no drain, whatever it was doing is cut off. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.pid) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** A graceful stop (SIGTERM), then SIGKILL after 15 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.pid) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

export interface Topology {
  dir: string;
  databaseUrl: string;
  /** The test's own connection to the shared database (for the checks). */
  db: Database;
  postgres: PostgresServer;
  temporalAddress: string;
  workers: Replica[];
  apis: Replica[];
  /** The API replicas' base URLs, in order. */
  apiUrls: string[];
  /** Stops the dev server (SIGTERM) and starts it again on the same port and database file. */
  restartDevServer(downMs?: number): Promise<number>;
  /** The lines the workers logged (all starts), for counting injected faults. */
  workerLogs(): Promise<string>;
  stop(): Promise<void>;
}

export async function startTopology(opts: TopologyOptions): Promise<Topology> {
  const workerBundle = WORKFLOW_BUNDLE;
  if (!existsSync(workerBundle)) throw new Error(`no workflow bundle at ${workerBundle}: run npm run build:workflows first`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-drill-'));
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch((err: unknown) => console.error('drill cleanup:', err));
    if (!opts.keep) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  };
  try {
    const postgres = await startPostgres();
    if (!postgres) throw new Error('PostgreSQL is not installed (apt-get install postgresql): the drills need a real server');
    cleanups.push(() => postgres.stop());
    if (!postgres.restart) throw new Error('the drills need a private PostgreSQL cluster (unset BATON_TEST_DATABASE_URL)');
    const databaseUrl = await postgres.createDatabase();

    // The schema and roster go in first, so the replicas start on a migrated database.
    const db = await openDatabase({ url: databaseUrl, dataDir: dir, poolSize: 4 });
    cleanups.push(() => db.close());
    await new RosterStore(db).seed(opts.roster, 'drill');

    const tokensFile = path.join(dir, 'tokens.json');
    await writeFile(
      tokensFile,
      JSON.stringify(opts.principals.map((p): TokenEntry => ({ ...p, tokenSha256: sha256(opts.token(p.id)).toString('hex') }))),
    );
    const policyFile = path.join(dir, 'policy.yaml');
    await writeFile(policyFile, opts.policy);

    // The dev server keeps its state in a file, so a restart loses nothing.
    const temporalDir = path.join(dir, 'temporal');
    await mkdir(temporalDir);
    const temporalConfig = loadConfig({
      BATON_DATA_DIR: temporalDir,
      TEMPORAL_PORT: String(await freePort()),
      // A fresh Web UI port at every start: between a stop and the restart an outgoing connection may
      // take the old one (ephemeral ports), and nothing depends on the UI's port.
      TEMPORAL_UI_PORT: '0',
    });
    const quiet = (): void => undefined;
    let devServer: DevServer = await startDevServer(temporalConfig, quiet);
    cleanups.push(() => devServer.stop());
    const temporalAddress = devServer.address;

    const common: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress,
      DATABASE_URL: databaseUrl,
      BATON_TOKENS_FILE: tokensFile,
      BATON_POLICY_FILE: policyFile,
      BATON_SMTP_URL: opts.smtpUrl,
      BATON_EMAIL_FROM: 'Baton <baton@drill.example>',
      BATON_WORKFLOW_BUNDLE: workerBundle,
      // Replicas never share a metrics port: each picks a free one (README "Observability").
      BATON_WORKER_METRICS_PORT: '0',
      BATON_SDK_METRICS_ADDRESS: '',
      NODE_ENV: 'production',
    };
    delete common.BATON_SLACK_BOT_TOKEN;
    delete common.NODE_OPTIONS;
    delete common.NODE_TEST_CONTEXT; // the replicas are programs, not tests

    const workers: Replica[] = [];
    for (let i = 1; i <= (opts.workers ?? 2); i++) {
      const dataDir = path.join(dir, `worker-${i}`);
      await mkdir(dataDir);
      workers.push(
        new Replica(
          `worker-${i}`,
          'src/worker.ts',
          { ...common, BATON_DATA_DIR: dataDir, BATON_FAULT_ACTIVITY_RATE: String(opts.faultActivityRate) },
          path.join(dir, `worker-${i}.log`),
          /worker polling/,
        ),
      );
    }
    const apis: Replica[] = [];
    const apiUrls: string[] = [];
    for (let i = 1; i <= (opts.apis ?? 2); i++) {
      const dataDir = path.join(dir, `api-${i}`);
      await mkdir(dataDir);
      const port = await freePort();
      apiUrls.push(`http://127.0.0.1:${port}`);
      apis.push(
        new Replica(
          `api-${i}`,
          'src/api/server.ts',
          { ...common, BATON_DATA_DIR: dataDir, PORT: String(port) },
          path.join(dir, `api-${i}.log`),
          /Baton API on/,
        ),
      );
    }
    const replicas = [...workers, ...apis];
    // However this process ends, the replicas end with it.
    const killAll = (): void => {
      for (const r of replicas) if (r.pid) process.kill(r.pid, 'SIGKILL');
    };
    process.once('exit', killAll);
    cleanups.push(async () => {
      process.removeListener('exit', killAll);
      await Promise.all(replicas.map((r) => r.stop()));
    });
    await Promise.all(replicas.map((r) => r.start()));

    return {
      dir,
      databaseUrl,
      db,
      postgres,
      temporalAddress,
      workers,
      apis,
      apiUrls,
      async restartDevServer(downMs = 0) {
        const since = performance.now();
        await devServer.stop();
        if (downMs > 0) await sleep(downMs);
        devServer = await startDevServer(temporalConfig, quiet);
        return Math.round(performance.now() - since);
      },
      async workerLogs() {
        const logs = await Promise.all(workers.map((w, i) => readFile(path.join(dir, `worker-${i + 1}.log`), 'utf8').catch(() => '')));
        return logs.join('\n');
      },
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
