/**
 * The route × role matrix: one table of every route the app serves and the roles it admits, from
 * DESIGN §4 and the code (README's route tables). The app's own route list is held to the table,
 * so a new route fails here until someone decides who may call it. For every bearer route and every
 * role: an admitted role is neither 401 nor 403 (a Temporal stand-in that is never there answers
 * 503, which still proves the role check passed), any other role is 403, and no token is 401.
 *
 * Where the code admits more than DESIGN §4 says (managers and admins acting for an SDR or an AE,
 * admins intervening, everyone reading figures), the table follows the code and says so: that is
 * the documented behaviour (README), and the workflow's own guards (src/domain/transitions.ts)
 * admit the same roles.
 */
import { ServiceError, type Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../../src/api/app.js';
import { TokenStore } from '../../src/api/auth.js';
import { SESSION_COOKIE } from '../../src/api/routes/dashboard.js';
import { loadConfig, repoRoot } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { ROLES, type Role } from '../../src/domain/actions.js';
import { readPolicyFile } from '../../src/policy/file.js';
import { testDatabase } from '../support/db.js';
import { requestApp, type RequestOptions } from './http.js';

/** Who may call a route: roles (bearer token), `cookie` roles (the KPI page's session), or `public` with why. */
type Access = { bearer: readonly Role[]; note?: string } | { cookie: readonly Role[] } | { public: string };

const EVERY_ROLE = ROLES;
const SDR_OR_MANAGER: Role[] = ['sdr', 'manager', 'admin'];
const AE_OR_MANAGER: Role[] = ['ae', 'manager', 'admin'];
const INTERVENERS: Role[] = ['manager', 'ops', 'admin'];
const READS_HANDOFF = { bearer: EVERY_ROLE, note: 'SDRs and AEs only their own: checked on the state, after the role' } as const;

const MATRIX: Record<string, Access> = {
  'GET /healthz': { public: 'liveness' },
  'GET /readyz': { public: 'readiness' },
  'GET /metrics': { public: 'Prometheus scrape (internal network)' },
  'GET /openapi.json': { public: 'the API description' },
  'GET /docs': { public: 'the API reference page' },
  'GET /docs/init.js': { public: 'the API reference page' },
  'GET /docs/assets/:name': { public: 'the API reference page' },
  'POST /v1/slack/interactions': { public: "signed by Slack's signing secret, not a bearer token" },
  'GET /dashboard': { public: 'the sign-in form, or the KPI page for a session' },
  'POST /dashboard/login': { public: 'takes an API token in the form' },
  'POST /dashboard/logout': { public: 'clears the session cookie' },
  'GET /dashboard/app.js': { public: "the KPI page's script" },
  'GET /dashboard/dashboard.css': { public: "the KPI page's stylesheet" },
  'GET /dashboard/data': { cookie: EVERY_ROLE },
  'GET /dashboard/policies.js': { public: "the policy page's script" },
  'GET /dashboard/policies': { cookie: INTERVENERS },
  'GET /dashboard/policies/catalog': { cookie: INTERVENERS },
  'GET /dashboard/policies/:number/diff': { cookie: INTERVENERS },
  'POST /dashboard/policies/simulate': { cookie: INTERVENERS },
  'GET /dashboard/policies/simulate.csv': { cookie: INTERVENERS },

  'POST /v1/handoffs': { bearer: ['sdr'] },
  'GET /v1/handoffs': { bearer: EVERY_ROLE, note: 'DESIGN: manager, ops (ae/sdr their own); admins too' },
  'GET /v1/handoffs/:id': READS_HANDOFF,
  'GET /v1/handoffs/:id/routing': READS_HANDOFF,
  'GET /v1/handoffs/:id/notifications': READS_HANDOFF,
  'PATCH /v1/handoffs/:id': { bearer: SDR_OR_MANAGER, note: 'DESIGN: owning sdr' },
  'POST /v1/handoffs/:id/accept': { bearer: AE_OR_MANAGER, note: 'DESIGN: assigned ae' },
  'POST /v1/handoffs/:id/reject': { bearer: AE_OR_MANAGER, note: 'DESIGN: assigned ae' },
  'POST /v1/handoffs/:id/contacted': { bearer: AE_OR_MANAGER, note: 'DESIGN: assigned ae' },
  'POST /v1/handoffs/:id/outcome': { bearer: AE_OR_MANAGER, note: 'DESIGN: assigned ae' },
  'POST /v1/handoffs/:id/feedback': { bearer: AE_OR_MANAGER, note: 'DESIGN: assigned ae' },
  'POST /v1/handoffs/:id/booking-attempts': { bearer: SDR_OR_MANAGER, note: 'DESIGN: owning sdr' },
  'POST /v1/handoffs/:id/withdraw': { bearer: SDR_OR_MANAGER, note: 'DESIGN: owning sdr' },
  'POST /v1/handoffs/:id/escalate': { bearer: INTERVENERS, note: 'DESIGN: manager, ops' },
  'POST /v1/handoffs/:id/reassign': { bearer: INTERVENERS, note: 'DESIGN: manager, ops' },
  'POST /v1/handoffs/:id/return': { bearer: INTERVENERS, note: 'DESIGN: manager, ops' },
  'POST /v1/scoring/preview': { bearer: ['sdr', 'manager', 'ops', 'admin'], note: 'DESIGN: sdr' },

  'GET /v1/aes': { bearer: ['manager', 'ops', 'admin'] },
  'POST /v1/aes': { bearer: ['manager', 'admin'] },
  'GET /v1/aes/:id': { bearer: ['manager', 'ops', 'admin'] },
  'PATCH /v1/aes/:id': { bearer: ['manager', 'admin'] },
  'DELETE /v1/aes/:id': { bearer: ['manager', 'admin'] },
  'GET /v1/aes/:id/audit': { bearer: ['manager', 'ops', 'admin'] },

  'GET /v1/webhooks': { bearer: ['admin'] },
  'POST /v1/webhooks': { bearer: ['admin'] },
  'GET /v1/webhooks/:id': { bearer: ['admin'] },
  'DELETE /v1/webhooks/:id': { bearer: ['admin'] },
  'GET /v1/webhooks/:id/deliveries': { bearer: ['admin'] },
  'POST /v1/webhooks/:id/deliveries/:deliveryId/replay': { bearer: ['admin'] },

  'GET /v1/policies': { bearer: ['manager', 'ops', 'admin'] },
  'POST /v1/policies': { bearer: ['manager', 'admin'] },
  'GET /v1/policies/:number': { bearer: ['manager', 'ops', 'admin'] },
  'GET /v1/policies/:number/diff': { bearer: ['manager', 'ops', 'admin'] },
  'POST /v1/policies/:number/publish': { bearer: ['manager', 'admin'] },
  'POST /v1/policies/simulate': { bearer: ['manager', 'ops', 'admin'] },

  'GET /v1/metrics': { bearer: EVERY_ROLE, note: 'SDRs and AEs scoped to their own' },
  'GET /v1/reports/weekly': { bearer: EVERY_ROLE, note: 'SDRs and AEs scoped to their own' },
};

const TOKEN = (role: Role) => `tok-matrix-${role}`;
const principals = TokenStore.fromTokens(ROLES.map((role) => ({ id: `${role}-matrix`, role, name: `The ${role}`, token: TOKEN(role) })));

/** Path parameters that could exist (the answer may still be 404: the role check comes first). */
const PARAMS: Record<string, string> = { id: 'crm-lead-1', name: 'swagger-ui.css', deliveryId: '1', number: '1' };
const concrete = (pattern: string) =>
  pattern.replace(/:(\w+)/g, (_, name: string) => {
    if (pattern.startsWith('/v1/aes')) return 'ae-kim';
    if (pattern.startsWith('/v1/webhooks') && name === 'id') return 'wh_matrix';
    return PARAMS[name] ?? 'x';
  });

/** Every request to Temporal fails as an unreachable server would (503), whatever the route calls. */
function temporalNeverThere(): Client {
  const fail = (): never => {
    throw new ServiceError('no Temporal server in the role matrix test');
  };
  const stub: object = new Proxy(fail, {
    get: (_target, prop) => (prop === 'options' ? { namespace: 'default' } : prop === 'then' ? undefined : stub),
    apply: fail,
  });
  return stub as Client;
}

let db: Database;
let request: (method: string, url: string, opts?: RequestOptions) => Promise<Response>;
let served: string[];

before(async () => {
  db = await testDatabase();
  const app = createApp({
    client: temporalNeverThere(),
    config: loadConfig({ BATON_DATA_DIR: path.join(repoRoot, '.data', 'api-test-unused') }),
    policy: await readPolicyFile(path.join(repoRoot, 'policy', 'default.yaml')),
    principals,
    db,
  });
  served = [...new Set(app.routes.filter((r) => r.method !== 'ALL' && !r.path.includes('*')).map((r) => `${r.method} ${r.path}`))];
  request = (method, url, opts = {}) => requestApp(app, method, url, opts);
});

after(() => db.close());

/** Sends the route something plausible: a JSON object to every POST/PATCH, so only the role (or later checks) can refuse. */
async function call(route: string, opts: RequestOptions = {}): Promise<{ status: number; text: string }> {
  const [method, pattern] = route.split(' ') as [string, string];
  const body = method === 'POST' || method === 'PATCH' ? {} : undefined;
  const res = await request(method, concrete(pattern), { body, ...opts });
  return { status: res.status, text: (await res.text()).slice(0, 300) };
}

describe('the route × role matrix', () => {
  test('every route the app serves is in the table, and every bearer route in the table is served', () => {
    const missing = served.filter((route) => !(route in MATRIX));
    assert.deepEqual(missing, [], `routes with no row in the role matrix: ${missing.join(', ')}`);
    const stale = Object.entries(MATRIX)
      .filter(([route, access]) => !('public' in access) && !served.includes(route))
      .map(([route]) => route);
    assert.deepEqual(stale, [], `rows for routes the app does not serve: ${stale.join(', ')}`);
    // Public rows are an allowlist: one whose route is not (yet) served admits nothing.
  });

  for (const [route, access] of Object.entries(MATRIX)) {
    if ('bearer' in access) {
      test(`${route}: ${access.bearer.join(', ')}${access.note ? ` (${access.note})` : ''}`, async () => {
        const anonymous = await call(route);
        assert.equal(anonymous.status, 401, `no token: ${anonymous.text}`);
        const forged = await call(route, { token: 'tok-matrix-nobody' });
        assert.equal(forged.status, 401, `unknown token: ${forged.text}`);
        for (const role of ROLES) {
          const { status, text } = await call(route, { token: TOKEN(role) });
          if (access.bearer.includes(role)) {
            assert.ok(status !== 401 && status !== 403, `${role} is admitted, got ${status}: ${text}`);
            assert.notEqual(status, 500, `${role}: ${text}`);
          } else {
            assert.equal(status, 403, `${role} is not admitted: ${text}`);
            assert.match(text, /may not do this; allowed roles/);
          }
        }
      });
    } else if ('cookie' in access) {
      test(`${route}: a KPI page session of ${access.cookie.join(', ')}`, async () => {
        assert.equal((await call(route)).status, 401);
        for (const role of ROLES) {
          const { status, text } = await call(route, { headers: { Cookie: `${SESSION_COOKIE}=${TOKEN(role)}` } });
          // Admitted: past the role check (what a bare request gets after it, 404 or 422, is not this test's).
          if (access.cookie.includes(role)) assert.ok(![401, 403].includes(status) && status < 500, `${role}: ${status} ${text}`);
          else assert.equal(status, 403, `${role}: ${text}`);
        }
      });
    } else {
      test(`${route}: no token needed (${access.public})`, async (t) => {
        if (!served.includes(route)) {
          t.skip('not served by this app');
          return;
        }
        const { status, text } = await call(route);
        assert.ok(status !== 401 && status !== 403, `${status}: ${text}`);
      });
    }
  }
});
