/**
 * API hardening through `app.request()`: the per-principal rate limit with its IETF headers, the
 * secure headers and Content-Security-Policy (checked against the pages' own HTML), and CORS.
 */
import type { Client } from '@temporalio/client';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../../src/api/app.js';
import { TokenStore } from '../../src/api/auth.js';
import { SESSION_COOKIE } from '../../src/api/routes/dashboard.js';
import { loadConfig, repoRoot } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { readPolicyFile } from '../../src/policy/file.js';
import { testDatabase } from '../support/db.js';
import { expectJson, expectProblem, requestApp, type RequestOptions } from './http.js';

const TOKENS = { manager: 'tok-mgr-ana', admin: 'tok-admin-root', ops: 'tok-ops-pat' };
const principals = TokenStore.fromTokens([
  { id: 'mgr-ana', role: 'manager', name: 'Ana Ortiz', token: TOKENS.manager },
  { id: 'admin-root', role: 'admin', name: 'Root', token: TOKENS.admin },
  { id: 'ops-pat', role: 'ops', name: 'Pat Rivera', token: TOKENS.ops },
]);

let db: Database;
before(async () => {
  db = await testDatabase();
});
after(() => db.close());

async function appWith(env: Record<string, string> = {}) {
  const app = createApp({
    client: { options: { namespace: 'default' } } as unknown as Client,
    config: loadConfig({ BATON_DATA_DIR: path.join(repoRoot, '.data', 'api-test-unused'), ...env }),
    policy: await readPolicyFile(path.join(repoRoot, 'policy', 'default.yaml')),
    principals,
    db,
  });
  return (method: string, url: string, opts: RequestOptions = {}) => requestApp(app, method, url, opts);
}

describe('rate limit per principal', () => {
  test('each principal has its own budget with RateLimit headers; over it is 429 problem+json with Retry-After', async () => {
    const request = await appWith({ BATON_RATE_LIMIT: '3/min' });
    for (let remaining = 2; remaining >= 0; remaining--) {
      const res = await request('GET', '/v1/aes', { token: TOKENS.manager });
      await expectJson(res, 200);
      assert.equal(res.headers.get('RateLimit-Policy'), '3;w=60');
      assert.match(res.headers.get('RateLimit') ?? '', new RegExp(`^limit=3, remaining=${remaining}, reset=(60|59)$`));
    }
    const over = await request('GET', '/v1/aes', { token: TOKENS.manager });
    const retryAfter = Number(over.headers.get('Retry-After'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.match(over.headers.get('RateLimit') ?? '', /^limit=3, remaining=0/);
    const problem = await expectProblem(over, 429, 'too-many-requests');
    assert.match(problem.detail, /mgr-ana has used the budget of 3 requests per 60 s/);

    // Another principal is not held back by the first; a refused role still counts against its budget.
    await expectJson(await request('GET', '/v1/aes', { token: TOKENS.admin }), 200);
    await expectProblem(await request('POST', '/v1/webhooks', { token: TOKENS.ops, body: {} }), 403, 'forbidden');
  });

  test('the budget comes back when the window ends', async () => {
    const request = await appWith({ BATON_RATE_LIMIT: '2/s' });
    await expectJson(await request('GET', '/v1/aes', { token: TOKENS.ops }), 200);
    await expectJson(await request('GET', '/v1/aes', { token: TOKENS.ops }), 200);
    await expectProblem(await request('GET', '/v1/aes', { token: TOKENS.ops }), 429, 'too-many-requests');
    await sleep(1_100);
    await expectJson(await request('GET', '/v1/aes', { token: TOKENS.ops }), 200);
  });

  test('health, /metrics, /openapi.json and requests without a valid token are not counted or limited', async () => {
    const request = await appWith({ BATON_RATE_LIMIT: '1/min' });
    for (let i = 0; i < 3; i++) {
      for (const url of ['/healthz', '/metrics', '/openapi.json']) {
        const res = await request('GET', url);
        assert.equal(res.status, 200, url);
        assert.equal(res.headers.get('RateLimit'), null, url);
        await res.body?.cancel();
      }
      await expectProblem(await request('GET', '/v1/aes'), 401, 'unauthorized');
      await expectProblem(await request('GET', '/v1/aes', { token: 'tok-nobody' }), 401, 'unauthorized');
    }
    await expectJson(await request('GET', '/v1/aes', { token: TOKENS.manager }), 200);
    await expectProblem(await request('GET', '/v1/aes', { token: TOKENS.manager }), 429, 'too-many-requests');
  });

  test('off unless configured: no RateLimit headers', async () => {
    const request = await appWith();
    const res = await request('GET', '/v1/aes', { token: TOKENS.manager });
    await expectJson(res, 200);
    assert.equal(res.headers.get('RateLimit'), null);
  });

  test('BATON_RATE_LIMIT is requests per window', () => {
    const budget = (value: string) => loadConfig({ BATON_RATE_LIMIT: value }).security.rateLimit;
    assert.deepEqual(budget('600/min'), { limit: 600, windowMs: 60_000 });
    assert.deepEqual(budget('20/s'), { limit: 20, windowMs: 1_000 });
    assert.deepEqual(budget('5000/hour'), { limit: 5000, windowMs: 3_600_000 });
    assert.deepEqual(budget('100 / 15m'), { limit: 100, windowMs: 900_000 });
    assert.equal(budget('off'), undefined);
    for (const bad of ['600', '0/min', '10/0s', '10/2d', 'ten/min', '10/fortnight'])
      assert.throws(() => budget(bad), /BATON_RATE_LIMIT must be requests per window/, bad);
  });
});

/** The directives of a Content-Security-Policy header. */
function directives(header: string | null): Map<string, string[]> {
  assert.ok(header, 'a Content-Security-Policy header');
  return new Map(
    header
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name!, values]),
  );
}

/** Checks a page's HTML against a CSP: no inline script or style, no handlers, every asset on this origin (or a data: image). */
function assertPageFits(html: string, csp: Map<string, string[]>): void {
  const scriptSrc = csp.get('script-src') ?? csp.get('default-src')!;
  const styleSrc = csp.get('style-src') ?? csp.get('default-src')!;
  assert.ok(!scriptSrc.includes("'unsafe-inline'") && !scriptSrc.includes("'unsafe-eval'"), 'scripts stay strict');
  for (const [, attrs, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const src = /\bsrc="([^"]+)"/.exec(attrs!)?.[1];
    assert.ok(src, `an inline script is blocked by script-src ${scriptSrc.join(' ')}: ${body!.slice(0, 60)}`);
    assert.match(src, /^\/(?!\/)/, `script ${src} is on this origin`);
  }
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handlers');
  if (!styleSrc.includes("'unsafe-inline'")) {
    assert.doesNotMatch(html, /<style\b|\sstyle\s*=/i, `inline style is blocked by style-src ${styleSrc.join(' ')}`);
  }
  for (const [, attrs] of html.matchAll(/<link\b([^>]*)>/gi)) {
    const href = /\bhref="([^"]+)"/.exec(attrs!)?.[1] ?? '';
    const rel = /\brel="([^"]+)"/.exec(attrs!)?.[1] ?? '';
    if (rel === 'icon') {
      if (href.startsWith('data:')) assert.ok(csp.get('img-src')?.includes('data:'), 'a data: icon needs img-src data:');
      else assert.match(href, /^\/(?!\/)/);
    } else assert.match(href, /^\/(?!\/)/, `${rel} ${href} is on this origin`);
  }
  for (const [, action] of html.matchAll(/<form\b[^>]*\baction="([^"]+)"/gi)) assert.match(action!, /^\/(?!\/)/, `form posts to ${action}`);
  for (const [, src] of html.matchAll(/<img\b[^>]*\bsrc="([^"]+)"/gi)) assert.match(src!, /^(\/(?!\/)|data:)/);
}

describe('secure headers and the Content-Security-Policy', () => {
  test('every answer, problems included, carries the policy and the hardening headers', async () => {
    const request = await appWith();
    for (const res of [await request('GET', '/healthz'), await request('GET', '/v1/aes'), await request('GET', '/nowhere')]) {
      const csp = directives(res.headers.get('Content-Security-Policy'));
      assert.deepEqual(csp.get('default-src'), ["'none'"]);
      assert.deepEqual(csp.get('script-src'), ["'self'"]);
      assert.deepEqual(csp.get('style-src'), ["'self'", "'unsafe-inline'"]);
      assert.deepEqual(csp.get('img-src'), ["'self'", 'data:']);
      assert.deepEqual(csp.get('connect-src'), ["'self'"]);
      assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
      assert.equal(res.headers.get('X-Content-Type-Options'), 'nosniff');
      assert.equal(res.headers.get('X-Frame-Options'), 'DENY');
      assert.match(res.headers.get('Strict-Transport-Security') ?? '', /^max-age=\d+/);
      assert.equal(res.headers.get('Referrer-Policy'), 'no-referrer');
      assert.equal(res.headers.get('Cross-Origin-Opener-Policy'), 'same-origin');
      await res.body?.cancel();
    }
  });

  test("the KPI page keeps its stricter policy, and its sign-in and signed-in HTML fit both that and the app's", async () => {
    const request = await appWith();
    const appCsp = directives((await request('GET', '/healthz')).headers.get('Content-Security-Policy'));
    const login = await request('GET', '/dashboard');
    assert.equal(login.status, 200);
    const pageCsp = directives(login.headers.get('Content-Security-Policy'));
    assert.deepEqual(pageCsp.get('style-src'), ["'self'"], "the page's own policy, not the app's");
    assert.equal(login.headers.get('Referrer-Policy'), 'same-origin', 'its form posts need a same-origin referrer');
    const loginHtml = await login.text();
    const page = await request('GET', '/dashboard', { headers: { Cookie: `${SESSION_COOKIE}=${TOKENS.manager}` } });
    assert.equal(page.status, 200);
    const pageHtml = await page.text();
    assert.match(pageHtml, /<script src="\/dashboard\/app\.js"/, 'the signed-in page loads its script');
    for (const html of [loginHtml, pageHtml]) {
      assertPageFits(html, pageCsp);
      assertPageFits(html, appCsp);
    }
  });

  test('the API reference page (/docs), once served, fits the policy', async (t) => {
    const request = await appWith();
    const res = await request('GET', '/docs');
    if (res.status === 404) {
      await res.body?.cancel();
      t.skip('no /docs route yet');
      return;
    }
    assert.equal(res.status, 200);
    const csp = directives(res.headers.get('Content-Security-Policy'));
    assertPageFits(await res.text(), csp);
  });
});

describe('CORS', () => {
  const preflight = (origin: string) => ({
    headers: { Origin: origin, 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'authorization, content-type' },
  });

  test('off by default: a preflight gets no CORS headers (and meets authentication)', async () => {
    const request = await appWith();
    const res = await request('OPTIONS', '/v1/handoffs/crm-1', preflight('https://crm.example.com'));
    assert.equal(res.headers.get('Access-Control-Allow-Origin'), null);
    await expectProblem(res, 401, 'unauthorized');
  });

  test('a listed origin gets its preflight answered before authentication; others get nothing', async () => {
    const request = await appWith({ BATON_CORS_ORIGINS: 'https://crm.example.com, http://localhost:5173' });
    const res = await request('OPTIONS', '/v1/handoffs/crm-1', preflight('https://crm.example.com'));
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('Access-Control-Allow-Origin'), 'https://crm.example.com');
    assert.match(res.headers.get('Access-Control-Allow-Methods') ?? '', /\bPATCH\b/);
    assert.match(res.headers.get('Access-Control-Allow-Headers') ?? '', /\bAuthorization\b/);
    assert.equal(res.headers.get('Access-Control-Max-Age'), '600');
    assert.equal(res.headers.get('Access-Control-Allow-Credentials'), null);
    assert.match(res.headers.get('Vary') ?? '', /Origin/);

    const stranger = await request('OPTIONS', '/v1/handoffs/crm-1', preflight('https://evil.example'));
    assert.equal(stranger.headers.get('Access-Control-Allow-Origin'), null);
    await stranger.body?.cancel();
  });

  test('actual requests from a listed origin can read the answer, its rate-limit headers and problems', async () => {
    const request = await appWith({ BATON_CORS_ORIGINS: 'https://crm.example.com', BATON_RATE_LIMIT: '600/min' });
    const ok = await request('GET', '/v1/aes', { token: TOKENS.manager, headers: { Origin: 'https://crm.example.com' } });
    await expectJson(ok, 200);
    assert.equal(ok.headers.get('Access-Control-Allow-Origin'), 'https://crm.example.com');
    const exposed = (ok.headers.get('Access-Control-Expose-Headers') ?? '').split(',');
    for (const name of ['RateLimit', 'RateLimit-Policy', 'Retry-After', 'Location']) assert.ok(exposed.includes(name), name);
    const denied = await request('GET', '/v1/aes', { headers: { Origin: 'https://crm.example.com' } });
    assert.equal(denied.headers.get('Access-Control-Allow-Origin'), 'https://crm.example.com');
    await expectProblem(denied, 401, 'unauthorized');
  });

  test('BATON_CORS_ORIGINS takes origins, or * alone', () => {
    const origins = (value: string) => loadConfig({ BATON_CORS_ORIGINS: value }).security.corsOrigins;
    assert.deepEqual(origins(''), []);
    assert.deepEqual(origins('*'), ['*']);
    assert.deepEqual(origins('https://a.example,https://b.example:8443'), ['https://a.example', 'https://b.example:8443']);
    for (const bad of ['https://a.example/', 'https://a.example/app', 'a.example', 'ftp://a.example', '*,https://a.example'])
      assert.throws(() => origins(bad), /BATON_CORS_ORIGINS/, bad);
  });
});
