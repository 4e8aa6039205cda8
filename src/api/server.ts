import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { policySource } from '../policy/source.js';
import { loadConfig, type BatonConfig } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { configureLogging, logger } from '../observability/logger.js';
import { startTracing } from '../observability/tracing.js';
import { startSlackSocketMode } from '../slack/socket-mode.js';
import { createApp } from './app.js';
import { TokenStore } from './auth.js';

/** Open connections get this long to finish their request when the API stops. */
const CLOSE_GRACE_MS = 5_000;

/**
 * Serves the API on `config.port` (0: any free port) and answers the URL it listens on. The policy
 * and the tokens file are read once at start.
 */
export async function startApi(opts: {
  client: Client;
  config: BatonConfig;
  db: Database;
}): Promise<{ url: string; close(): Promise<void> }> {
  const { client, config, db } = opts;
  // The database's published version (seeded from policy/default.yaml on the first start), or BATON_POLICY_FILE's.
  const policies = policySource(config, db);
  const [policy, principals] = await Promise.all([policies.current(), TokenStore.load(config.tokensFile)]);
  if (principals.size === 0)
    logger().warn(`no principals in ${config.tokensFile}: every /v1 request will be 401 until it is written and the API restarted`);
  const app = createApp({ client, config, policy, policies, principals, db });

  const { server, address } = await new Promise<{ server: ServerType; address: AddressInfo }>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: config.port }, (info) => resolve({ server, address: info }));
    server.once('error', reject);
  });

  // Socket Mode: Slack's clicks over a WebSocket this process opens (no public request URL needed).
  const slack = config.notifications.slack;
  const socketMode = slack ? await startSlackSocketMode({ client, db, slack }) : undefined;
  if (socketMode) logger().info('slack: Socket Mode connected (BATON_SLACK_APP_TOKEN)');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve, reject) => {
      void socketMode?.stop();
      const http = server as HttpServer;
      const force = setTimeout(() => http.closeAllConnections?.(), CLOSE_GRACE_MS);
      force.unref();
      http.close((err) => {
        clearTimeout(force);
        if (err) reject(err);
        else resolve();
      });
      http.closeIdleConnections?.();
    }));

  return { url: `http://127.0.0.1:${address.port}`, close };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const { observability } = config;
  const log = configureLogging(observability.log, { service: 'baton-api' });
  const tracing = observability.tracing ? startTracing(observability.tracing, 'baton-api') : undefined;
  const address = config.temporalAddress ?? `127.0.0.1:${config.temporalPort}`;
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const connection = await Connection.connect({ address });
  const client = new Client({
    connection,
    namespace: config.namespace,
    ...(tracing ? { interceptors: { workflow: tracing.clientInterceptors } } : {}),
  });
  const api = await startApi({ client, config, db });
  log.info(`Baton API on ${api.url} (Temporal ${address}, namespace ${config.namespace}); metrics ${api.url}/metrics`);
  if (observability.tracing) log.info(`traces to ${observability.tracing.url}`);
  const stop = (signal: NodeJS.Signals): void => {
    log.info(`${signal}: stopping the API`);
    api
      .close()
      .then(() => connection.close())
      .then(() => db.close())
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'stopping the API failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  main().catch((err: unknown) => {
    logger().fatal({ err }, 'API start-up failed');
    process.exit(1);
  });
}
