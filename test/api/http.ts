/** Calling the app in-process (`app.request()`) and checking its answers, shared by the API tests. */
import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { createApp } from '../../src/api/app.js';
import type { TokenStore } from '../../src/api/auth.js';
import { loadConfig, repoRoot } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { readPolicyFile } from '../../src/policy/file.js';
import { policySource } from '../../src/policy/source.js';
import { testDatabase } from '../support/db.js';

interface App {
  request(url: string, init: RequestInit): Response | Promise<Response>;
}

export interface RequestOptions {
  token?: string;
  /** A JSON value (sent as `application/json`). */
  body?: unknown;
  /** Raw body text. */
  raw?: string;
  /** The Content-Type to send; `null` sends none (default: JSON when there is a body). */
  contentType?: string | null;
  /** Further request headers (e.g. Accept). */
  headers?: Record<string, string>;
}

export function requestApp(app: App, method: string, url: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  const contentType = opts.contentType === undefined ? (body !== undefined ? 'application/json' : undefined) : opts.contentType;
  if (contentType) headers['Content-Type'] = contentType;
  return Promise.resolve(app.request(url, { method, headers, body }));
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

/** Asserts an RFC 9457 problem of `status` (and `type`), with no stack trace, and returns it. */
export async function expectProblem(res: Response, status: number, type?: string): Promise<ProblemBody> {
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = JSON.parse(text) as ProblemBody;
  assert.equal(problem.status, status);
  assert.equal(typeof problem.title, 'string');
  assert.equal(typeof problem.detail, 'string');
  assert.match(problem.type, /^https:\/\/baton\.dev\/problems\//);
  if (type) assert.equal(problem.type, `https://baton.dev/problems/${type}`);
  assert.doesNotMatch(text, /\n\s+at /, 'no stack trace');
  return problem;
}

/** Asserts the status and returns the parsed JSON body. */
export async function expectJson<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  assert.equal(res.status, status, text);
  return JSON.parse(text) as T;
}

/**
 * An app on a test database of its own (closed when the test ends) for routes that never call
 * Temporal (the roster, webhooks, /metrics): the client is a stand-in that only names its namespace.
 */
export async function appWithoutTemporal(
  t: TestContext,
  principals: TokenStore,
): Promise<{
  db: Database;
  app: ReturnType<typeof createApp>;
  request: (method: string, url: string, opts?: RequestOptions) => Promise<Response>;
}> {
  const db = await testDatabase();
  t.after(() => db.close());
  const app = createApp({
    client: temporalNamespaceOnly,
    config: loadConfig({ BATON_DATA_DIR: path.join(repoRoot, '.data', 'api-test-unused') }),
    policy: await readPolicyFile(path.join(repoRoot, 'policy', 'default.yaml')),
    principals,
    db,
  });
  return { db, app, request: (method, url, opts = {}) => requestApp(app, method, url, opts) };
}

/** A Temporal client stand-in that only names its namespace, for routes that never call Temporal. */
const temporalNamespaceOnly = { options: { namespace: 'default' } } as unknown as Client;

/**
 * An app whose live policy comes from `db`'s policy catalog, as `startApi` wires it (or from
 * BATON_POLICY_FILE when `env` sets it), for the policy routes; Temporal is never called.
 */
export async function appOnCatalog(
  db: Database,
  principals: TokenStore,
  env: Record<string, string> = {},
): Promise<ReturnType<typeof createApp>> {
  const config = loadConfig({ BATON_DATA_DIR: path.join(repoRoot, '.data', 'api-test-unused'), ...env });
  return createApp({
    client: temporalNamespaceOnly,
    config,
    policy: await readPolicyFile(config.policyFile),
    policies: policySource(config, db),
    principals,
    db,
  });
}
