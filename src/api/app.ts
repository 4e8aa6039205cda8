import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { except } from 'hono/combine';
import { bearerAuth } from './auth.js';
import { MAX_BODY_BYTES } from './body.js';
import { OidcVerifier } from './oidc.js';
import { requestLogger } from '../observability/logger.js';
import { openapiRoutes } from './openapi.js';
import { problemResponse, ProblemError } from './problem.js';
import { createApiMetrics } from './prometheus.js';
import { rateLimitPerPrincipal } from './rate-limit.js';
import { createRouter, type ApiDeps, type AppEnv } from './router.js';
import { aeRoutes } from './routes/aes.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { handoffRoutes } from './routes/handoffs.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { scoringRoutes } from './routes/scoring.js';
import { slackRoutes } from './routes/slack.js';
import { webhookRoutes } from './routes/webhooks.js';
import { policyRoutes } from './routes/policies.js';
import { corsFor, securityHeaders } from './security.js';
import { temporalProblem } from './temporal.js';

export type { ApiDeps } from './router.js';

/** The Baton HTTP API (DESIGN §4), assembled in one place. Test it with `app.request()`. */
export function createApp(deps: ApiDeps): OpenAPIHono<AppEnv> {
  const app = createRouter();
  const metrics = createApiMetrics(deps.db);
  app.use('*', metrics.middleware);

  app.use('*', securityHeaders());
  // Before authentication: a browser's preflight carries no token.
  const { security } = deps.config;
  if (security.corsOrigins.length > 0) {
    app.use('/v1/*', corsFor(security.corsOrigins));
    app.use('/openapi.json', corsFor(security.corsOrigins));
  }

  // Slack's request URL is signed by Slack, not a bearer token (routes/slack.ts verifies the signature).
  const oidc = security.oidc ? new OidcVerifier(security.oidc) : undefined;
  app.use('/v1/*', except('/v1/slack/interactions', bearerAuth(deps.principals, oidc)));
  // Per principal, so after authentication; health, /metrics, /openapi.json, /docs and the KPI page are outside /v1.
  if (security.rateLimit) app.use('/v1/*', except('/v1/slack/interactions', rateLimitPerPrincipal(security.rateLimit)));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ProblemError('payload-too-large', `the body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
      },
    }),
  );

  app.route('/', healthRoutes(deps));
  // Prometheus scrapes this (README "Observability"); like /healthz it takes no token.
  app.get('/metrics', async (c) => c.body(await metrics.scrape(), 200, { 'Content-Type': metrics.contentType }));
  app.route('/v1/handoffs', handoffRoutes(deps));
  app.route('/v1/aes', aeRoutes(deps));
  app.route('/v1/scoring', scoringRoutes(deps));
  app.route('/v1/webhooks', webhookRoutes(deps));
  app.route('/v1/policies', policyRoutes(deps));
  app.route('/v1/slack', slackRoutes(deps));
  app.route('/v1', metricsRoutes(deps));
  app.route('/dashboard', dashboardRoutes(deps));

  openapiRoutes(app);

  app.notFound((c) => {
    const allowed = allowedMethods(app, c.req.path);
    if (allowed.length > 0) {
      return problemResponse(
        c,
        new ProblemError('method-not-allowed', `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(', ')}`, {
          headers: { Allow: allowed.join(', ') },
        }),
      );
    }
    return problemResponse(c, new ProblemError('not-found', `no route ${c.req.method} ${c.req.path}`));
  });

  app.onError((err, c) => problemResponse(c, toProblem(err, c)));

  return app;
}

/** Anything thrown while serving, as a problem; unexpected errors are logged and answered without detail. */
function toProblem(err: unknown, c: Context): ProblemError {
  if (err instanceof ProblemError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new ProblemError('payload-too-large', `the body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
    if (err.status === 415) return new ProblemError('unsupported-media-type', 'the body must be JSON (Content-Type: application/json)');
    if (err.status === 400) return new ProblemError('malformed-request', err.message || 'malformed request');
    if (err.status === 401) return new ProblemError('unauthorized', err.message || 'authentication required');
    if (err.status === 403) return new ProblemError('forbidden', err.message || 'forbidden');
    if (err.status === 404) return new ProblemError('not-found', err.message || 'not found');
  }
  const unavailable = temporalProblem(err);
  if (unavailable) {
    requestLogger(c.req).warn({ cause: describe(err) }, `${c.req.method} ${c.req.path}: ${unavailable.message}`);
    return unavailable;
  }
  requestLogger(c.req).error({ err }, `${c.req.method} ${c.req.path} failed`);
  return new ProblemError('internal', 'an unexpected error occurred; it has been logged');
}

function describe(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.message);
  return parts.join(' ← ') || String(err);
}

/** Methods registered for a path, so a wrong method is 405 with `Allow` rather than 404. */
function allowedMethods(app: OpenAPIHono<AppEnv>, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === 'ALL' || route.path.includes('*')) continue;
    const pattern = new RegExp(
      `^${route.path
        .split('/')
        .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/')}$`,
    );
    if (pattern.test(path)) methods.add(route.method);
  }
  return [...methods].sort();
}
