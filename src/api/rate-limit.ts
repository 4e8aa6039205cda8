import type { MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import type { SecurityConfig } from '../config.js';
import { ProblemError } from './problem.js';
import type { AppEnv } from './router.js';

/**
 * A request budget per principal (`BATON_RATE_LIMIT`), after authentication: every answer carries
 * the IETF `RateLimit` and `RateLimit-Policy` headers; over budget is 429 problem+json with
 * `Retry-After`. The counts live in this process (hono-rate-limiter's memory store), so each API
 * replica grants the budget on its own.
 */
export function rateLimitPerPrincipal(budget: NonNullable<SecurityConfig['rateLimit']>): MiddlewareHandler<AppEnv> {
  return rateLimiter<AppEnv>({
    windowMs: budget.windowMs,
    limit: budget.limit,
    standardHeaders: 'draft-7',
    keyGenerator: (c) => c.get('principal').id,
    handler: (c) => {
      const { id } = c.get('principal');
      const retryAfter = c.res.headers.get('Retry-After') ?? String(Math.ceil(budget.windowMs / 1000));
      throw new ProblemError(
        'too-many-requests',
        `${id} has used the budget of ${budget.limit} requests per ${budget.windowMs / 1000} s; try again in ${retryAfter} s`,
        { headers: { 'Retry-After': retryAfter } },
      );
    },
  });
}
