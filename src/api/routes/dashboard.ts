import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { compress } from 'hono/compress';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DASHBOARD_BUNDLE, DASHBOARD_CSS, POLICIES_BUNDLE } from '../../dashboard/assets.js';
import type { DashboardData, PolicyCatalogData, PolicyDiffData } from '../../dashboard/data.js';
import { dashboardPage, loginPage } from '../../dashboard/page.js';
import { policiesPage, refusedPage } from '../../dashboard/policies-page.js';
import { computeMetrics } from '../../db/metrics.js';
import { PolicyStore } from '../../db/policies.js';
import { MetricsQuerySchema } from '../../domain/metrics.js';
import { diffPolicies } from '../../domain/policy-catalog.js';
import { simulationCsv } from '../../domain/simulation-report.js';
import { readPolicyDocument } from '../../policy/source.js';
import { requireRole, type Principal } from '../auth.js';
import { MAX_BODY_BYTES, jsonBody } from '../body.js';
import { fieldErrors, ProblemError, validationHook } from '../problem.js';
import { createRouter, livePolicy, type ApiDeps, type AppEnv } from '../router.js';
import { runSimulation, savedVersion, SimulateBodySchema, simulationFilename } from '../simulation.js';
import { POLICY_READERS } from './policies.js';
import { figuresRange, figuresScope } from './metrics.js';

/**
 * The KPI page (`GET /dashboard`) and the policy page beside it (`GET /dashboard/policies`: pick a
 * version, see what it would have changed): outside `/v1`, so they authenticate by cookie rather
 * than bearer header. Signing in posts an API token; a valid one is kept in an HttpOnly,
 * SameSite=Strict cookie scoped to `/dashboard`, and every request — the pages, their data, their
 * scripts — checks it again against the token store, so a token removed from the tokens file stops
 * working here too. The policy page's data routes call what `/v1/policies` calls, for the roles
 * that may read it there.
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

const POLICIES_PAGE = '/dashboard/policies';
/** The pages a sign-in may lead to (`next`); anything else leads to the KPI page. */
const PAGES: readonly string[] = ['/dashboard', POLICIES_PAGE];

const VersionNumber = z.string().regex(/^[1-9][0-9]{0,8}$/, 'a saved version number');
/** The simulation a CSV link asks for: the JSON body's fields, as a query. */
const SimulateQuerySchema = SimulateBodySchema.extend({
  policy: VersionNumber.transform(Number),
  baseline: VersionNumber.transform(Number).optional(),
});

/** `bundleFile`, `policiesBundleFile`: where the built scripts are (tests point them at files that are not there). */
export function dashboardRoutes(deps: ApiDeps, opts: { bundleFile?: string; policiesBundleFile?: string } = {}): OpenAPIHono<AppEnv> {
  const router = createRouter();
  const { db, principals } = deps;
  const store = new PolicyStore(db);

  const signedIn = (c: Context): Principal | undefined => {
    const token = getCookie(c, SESSION_COOKIE);
    return token ? principals.authenticate(token) : undefined;
  };
  const cookiePath = { path: '/dashboard' } as const;

  /** A page asked for without a valid session: the sign-in form (a stale cookie is cleared and said so). */
  const signInFirst = (c: Context, page: string) => {
    const next = page === '/dashboard' ? {} : { next: page };
    if (getCookie(c, SESSION_COOKIE) !== undefined) {
      deleteCookie(c, SESSION_COOKIE, cookiePath);
      return c.html(loginPage({ error: 'Your session is no longer valid; sign in again.', ...next }), 401);
    }
    return c.html(loginPage(next), page === '/dashboard' ? 200 : 401);
  };

  /** The data routes' session: the cookie's principal as `c.get('principal')`, so `requireRole` works as on `/v1`. */
  const session: MiddlewareHandler<AppEnv> = async (c, next) => {
    const principal = signedIn(c);
    if (!principal)
      throw new ProblemError('unauthorized', 'sign in at /dashboard first (the session cookie is missing or no longer valid)');
    c.set('principal', principal);
    await next();
  };

  router.use('*', securityHeaders);

  router.get('/', (c) => {
    const principal = signedIn(c);
    if (!principal) return signInFirst(c, '/dashboard');
    const { from, to, timeZone } = c.req.query();
    return c.html(dashboardPage(principal, { from, to, timeZone }, { policyPage: POLICY_READERS.includes(principal.role) }), 200);
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
      const next = typeof form.next === 'string' && PAGES.includes(form.next) ? form.next : '/dashboard';
      const principal = token === '' ? undefined : principals.authenticate(token);
      if (!principal) {
        const error = token === '' ? 'Enter your API token.' : 'That token is not valid.';
        return c.html(loginPage({ error, ...(next === '/dashboard' ? {} : { next }) }), 401);
      }
      setCookie(c, SESSION_COOKIE, token, {
        ...cookiePath,
        httpOnly: true,
        sameSite: 'Strict',
        secure: isHttps(c),
        maxAge: SESSION_MAX_AGE_S,
      });
      return c.redirect(next, 303);
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

  // ------------------------------------------------------------------------------- the policy page

  router.get('/policies', (c) => {
    const principal = signedIn(c);
    if (!principal) return signInFirst(c, POLICIES_PAGE);
    if (!POLICY_READERS.includes(principal.role)) {
      return c.html(refusedPage(principal, { title: 'Policy what-if', allowed: POLICY_READERS }), 403);
    }
    const { from, to, timeZone } = c.req.query();
    return c.html(policiesPage(principal, { from, to, timeZone }), 200);
  });

  // The catalog as `GET /v1/policies` lists it, with the range a simulation covers by default.
  router.get('/policies/catalog', session, requireRole(...POLICY_READERS), async (c) => {
    // The live policy first: on a first start, reading it seeds the catalog.
    const live = await livePolicy(deps);
    const [versions, published] = await Promise.all([store.list(), store.publishedNumber()]);
    const principal = c.get('principal');
    const body: PolicyCatalogData = {
      source: deps.config.policyFromFile ? 'file' : 'database',
      live: live.version,
      published: deps.config.policyFromFile ? null : (published ?? null),
      versions,
      range: figuresRange({}, { policy: live, now: deps.now }),
      viewer: { id: principal.id, name: principal.name, role: principal.role },
    };
    return c.json(body, 200);
  });

  // A version against the live policy (the simulation's baseline), field by field.
  router.get('/policies/:number/diff', session, requireRole(...POLICY_READERS), async (c) => {
    const version = await savedVersion(store, c.req.param('number'));
    const live = await livePolicy(deps);
    const published = deps.config.policyFromFile ? undefined : await store.publishedNumber();
    // Without a published version (BATON_POLICY_FILE, or an API given no policy source) the live policy is the file's.
    const against =
      published !== undefined
        ? await savedVersion(store, published)
        : { number: 0, document: await readPolicyDocument(deps.config.policyFile) };
    const body: PolicyDiffData = {
      version: { number: version.number, version: version.version },
      against: { number: published ?? null, version: live.version },
      changes: diffPolicies(against, version).changes,
    };
    return c.json(body, 200);
  });

  // Cookie-authenticated, so only this origin's page may post; JSON only, which a cross-site form cannot send.
  router.post(
    '/policies/simulate',
    sameOrigin,
    session,
    requireRole(...POLICY_READERS),
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ProblemError('payload-too-large', `the body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
      },
    }),
    jsonBody(),
    async (c) => c.json(await runSimulation(deps, valid(SimulateBodySchema, await c.req.json(), 'json')), 200),
  );

  // The changed hand-offs as the CSV `POST /v1/policies/simulate` answers, for a download link.
  router.get('/policies/simulate.csv', session, requireRole(...POLICY_READERS), async (c) => {
    const report = await runSimulation(deps, valid(SimulateQuerySchema, c.req.query(), 'query'));
    return c.body(simulationCsv(report), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${simulationFilename(report)}"`,
    });
  });

  // ------------------------------------------------------------------------------------------ assets

  // Gzipped when the browser accepts it: 62 KiB on the wire rather than 178.
  router.get('/app.js', compress(), (c) => script(c, opts.bundleFile ?? DASHBOARD_BUNDLE, "the KPI page's script"));
  router.get('/policies.js', compress(), (c) => script(c, opts.policiesBundleFile ?? POLICIES_BUNDLE, "the policy page's script"));

  router.get('/dashboard.css', async (c) => {
    const css = await readFile(DASHBOARD_CSS);
    return c.body(css, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache' });
  });

  return router;
}

async function script(c: Context, file: string, what: string): Promise<Response> {
  const code = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    throw new ProblemError('unavailable', `${what} is not built: run \`npm run build:dashboard\` and reload`);
  });
  return c.body(code, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' });
}

/** `value` as `schema` parses it, or the 422 every router answers (the shared validation hook). */
function valid<S extends z.ZodType>(schema: S, value: unknown, target: 'json' | 'query'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  validationHook({ target, success: false, error: result.error });
  throw result.error; // not reached: the hook throws
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
