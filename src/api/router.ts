import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { BatonConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { Policy } from '../domain/policy.js';
import type { PolicySource } from '../policy/source.js';
import type { AuthEnv, TokenStore } from './auth.js';
import { validationHook } from './problem.js';

/** What the API needs from the outside world. */
export interface ApiDeps {
  client: Client;
  config: BatonConfig;
  /** The policy for previews and start summaries when `policies` is not given (each workflow loads its own copy). */
  policy: Policy;
  /** Where the live policy comes from (`startApi`: the database's published version, or BATON_POLICY_FILE). */
  policies?: PolicySource;
  principals: TokenStore;
  /** The roster and the assignment ledger. */
  db: Database;
  /** Clock for the at-risk filter (tests pin it). */
  now?: () => number;
}

export type AppEnv = AuthEnv;

/** Every router shares the validation hook, so every validation failure has one shape. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

/** Bearer security for a route's OpenAPI entry. */
export const bearerSecurity = [{ bearer: [] as string[] }];

/** The live policy: the published version (or BATON_POLICY_FILE's) when the API has a source, else the one it was given. */
export async function livePolicy(deps: Pick<ApiDeps, 'policy' | 'policies'>): Promise<Policy> {
  return deps.policies ? deps.policies.current() : deps.policy;
}
