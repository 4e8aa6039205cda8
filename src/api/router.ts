import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { BatonConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { Policy } from '../domain/policy.js';
import type { AuthEnv, TokenStore } from './auth.js';
import { validationHook } from './problem.js';

/** What the API needs from the outside world. */
export interface ApiDeps {
  client: Client;
  config: BatonConfig;
  /** The policy for previews and start summaries (each workflow loads its own copy). */
  policy: Policy;
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
