import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { compress } from 'hono/compress';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { readFile } from 'node:fs/promises';
import { DASHBOARD_BUNDLE, DASHBOARD_CSS } from '../../dashboard/assets.js';
import type { DashboardData } from '../../dashboard/data.js';
import { dashboardPage, loginPage } from '../../dashboard/page.js';
import { computeMetrics } from '../../db/metrics.js';
import { MetricsQuerySchema } from '../../domain/metrics.js';
import type { Principal } from '../auth.js';
import { fieldErrors, ProblemError } from '../problem.js';
import { createRouter, type ApiDeps, type AppEnv } from '../router.js';
import { figuresRange, figuresScope } from './metrics.js';

/**
 * The KPI page (`GET /dashboard`): outside `/v1`, so it authenticates by cookie rather than bearer
 * header. Signing in posts an API token; a valid one is kept in an HttpOnly, SameSite=Strict cookie
 * scoped to `/dashboard`, and every request — the page, its data, its script — checks it again
 * against the token store, so a token removed from the tokens file stops working here too.
 */
export const SESSION_COOKIE = 'baton_dashboard';
const SESSION_MAX_AGE_S = 8 * 3600;
const LOGIN_MAX_BYTES = 4 * 1024;

/** Nothing but this origin's script, style and data; no framing, no inline anything. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  // same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on its own form posts.
  c.header('Referrer-Policy', 'same-origin');
  c.header('Cross-Origin-Opener-Policy', 'same-origin');
  c.header('Cache-Control', 'no-store');
  await next();
};

/** The range of `GET /v1/metrics`; the page always asks for its own groupings. */
const DataQuerySchema = MetricsQuerySchema.pick({ from: true, to: true, timeZone: true });

/** `bundleFile`: where the built script is (tests point it at a file that is not there). */
export function dashboardRoutes(deps: ApiDeps, opts: { bundleFile?: string } = {}): OpenAPIHono<AppEnv> {
  const router = createRouter();
  const { db, principals } = deps;

  const signedIn = (c: Context): Principal | undefined => {
    const token = getCookie(c, SESSION_COOKIE);
    return token ? principals.authenticate(token) : undefined;
  };
  const cookiePath = { path: '/dashboard' } as const;

  router.use('*', securityHeaders);

  router.get('/', (c) => {
    const principal = signedIn(c);
    if (!principal) {
      if (getCookie(c, SESSION_COOKIE) !== undefined) {
        deleteCookie(c, SESSION_COOKIE, cookiePath);
        return c.html(loginPage({ error: 'Your session is no longer valid; sign in again.' }), 401);
      }
      return c.html(loginPage(), 200);
    }
    const { from, to, timeZone } = c.req.query();
    return c.html(dashboardPage(principal, { from, to, timeZone }), 200);
  });

  router.post(
    '/login',
    sameOrigin,
    bodyLimit({
      maxSize: LOGIN_MAX_BYTES,
      onError: () => {
        throw new ProblemError('payload-too-large', `the sign-in form is larger than ${LOGIN_MAX_BYTES / 1024} KiB`);
      },
    }),
    async (c) => {
      const type = c.req.header('Content-Type') ?? '';
      if (!/^application\/x-www-form-urlencoded\b|^multipart\/form-data\b/i.test(type)) {
        throw new ProblemError('unsupported-media-type', 'sign in with the form (application/x-www-form-urlencoded)');
      }
      const form = await c.req.parseBody();
      const token = typeof form.token === 'string' ? form.token.trim() : '';
      const principal = token === '' ? undefined : principals.authenticate(token);
      if (!principal) {
        return c.html(loginPage({ error: token === '' ? 'Enter your API token.' : 'That token is not valid.' }), 401);
      }
      setCookie(c, SESSION_COOKIE, token, {
        ...cookiePath,
        httpOnly: true,
        sameSite: 'Strict',
        secure: isHttps(c),
        maxAge: SESSION_MAX_AGE_S,
      });
      return c.redirect('/dashboard', 303);
    },
  );

  router.post('/logout', sameOrigin, (c) => {
    deleteCookie(c, SESSION_COOKIE, { ...cookiePath, secure: isHttps(c) });
    return c.redirect('/dashboard', 303);
  });

  router.get('/data', async (c) => {
    const principal = signedIn(c);
    if (!principal)
      throw new ProblemError('unauthorized', 'sign in at /dashboard first (the session cookie is missing or no longer valid)');
    const parsed = DataQuerySchema.safeParse(c.req.query());
    if (!parsed.success) {
      const errors = fieldErrors(parsed.error);
      throw new ProblemError('validation', `invalid query: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, { errors });
    }
    const { from, to, timeZone } = figuresRange(parsed.data, deps);
    const scope = figuresScope(principal);
    const [weekly, pairs] = await Promise.all([
      computeMetrics(db, { from, to, timeZone, groupBy: ['week'], scope }),
      computeMetrics(db, { from, to, timeZone, groupBy: ['sdr', 'ae'], scope }),
    ]);
    const { groups: weeks, from: _from, to: _to, timeZone: _tz, groupBy: _groupBy, scope: _scope, ...totals } = weekly;
    const body: DashboardData = {
      from,
      to,
      timeZone,
      scope,
      viewer: { id: principal.id, name: principal.name, role: principal.role },
      totals,
      weeks,
      pairs: pairs.groups,
    };
    return c.json(body, 200);
  });

  // Gzipped when the browser accepts it: 62 KiB on the wire rather than 178.
  router.get('/app.js', compress(), async (c) => {
    const script = await readFile(opts.bundleFile ?? DASHBOARD_BUNDLE).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      throw new ProblemError('unavailable', "the KPI page's script is not built: run `npm run build:dashboard` and reload");
    });
    return c.body(script, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' });
  });

  router.get('/dashboard.css', async (c) => {
    const css = await readFile(DASHBOARD_CSS);
    return c.body(css, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache' });
  });

  return router;
}

/** A browser's form post says where it comes from; one from another site is refused (cross-site sign-in or sign-out). */
const sameOrigin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const site = c.req.header('Sec-Fetch-Site');
  if (site === 'cross-site' || site === 'same-site')
    throw new ProblemError('forbidden', 'a form from another site may not post to this page');
  const origin = c.req.header('Origin');
  if (origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== new URL(c.req.url).host) throw new ProblemError('forbidden', `a form from ${origin} may not post to this page`);
  }
  await next();
};

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('X-Forwarded-Proto')?.split(',')[0]?.trim() === 'https';
}
