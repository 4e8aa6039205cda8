/**
 * The HTTP surface without Temporal: auth, problem+json shapes, validation, the OpenAPI document
 * and the scoring preview. Routes that talk to Temporal are covered end to end in test/e2e.
 */
import { Client, Connection } from '@temporalio/client';
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readPolicyFile } from '../../src/policy/file.js';
import { createApp } from '../../src/api/app.js';
import { TokenStore } from '../../src/api/auth.js';
import { loadConfig, repoRoot } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import type { Lead } from '../../src/domain/lead.js';
import { exampleLead, submission } from '../fixtures/leads.js';
import { testDatabase } from '../support/db.js';
import { expectProblem, requestApp, type RequestOptions } from './http.js';

const TOKENS = {
  sdr: 'tok-sdr-jo',
  ae: 'tok-ae-kim',
  manager: 'tok-mgr-ana',
  ops: 'tok-ops-pat',
};

/** The DESIGN §4 example body. */
const exampleSubmission = submission('crm-lead-00417');

let app: ReturnType<typeof createApp>;
let db: Database;

before(async () => {
  const config = loadConfig({ BATON_DATA_DIR: path.join(repoRoot, '.data', 'api-test-unused') });
  // A client that never connects: nothing in this file may reach Temporal (readiness aside).
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const client = new Client({ connection, namespace: 'default' });
  const principals = TokenStore.fromTokens([
    { id: 'sdr-jo', role: 'sdr', name: 'Jo Park', token: TOKENS.sdr },
    { id: 'ae-kim', role: 'ae', name: 'Kim Lee', token: TOKENS.ae },
    { id: 'mgr-ana', role: 'manager', name: 'Ana Ortiz', token: TOKENS.manager },
    { id: 'ops-pat', role: 'ops', name: 'Pat Rivera', token: TOKENS.ops },
  ]);
  const policy = await readPolicyFile(path.join(repoRoot, 'policy', 'default.yaml'));
  db = await testDatabase();
  app = createApp({ client, config, policy, principals, db });
});

after(() => db.close());

// The connection is left open on purpose: closing it while the SDK's gRPC retry timer from the
// readiness probe is pending makes that timer throw "Channel has been shut down".

function request(method: string, url: string, opts: RequestOptions = {}): Promise<Response> {
  return requestApp(app, method, url, opts);
}

describe('authentication and roles', () => {
  test('no token is 401 with a Bearer challenge', async () => {
    const res = await request('GET', '/v1/handoffs');
    await expectProblem(res, 401, 'unauthorized');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
  });

  test('an unknown token is 401', async () => {
    const res = await request('GET', '/v1/handoffs/x', { token: 'not-a-token' });
    await expectProblem(res, 401, 'unauthorized');
    assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
  });

  test('a non-bearer scheme is 401', async () => {
    const res = await app.request('/v1/handoffs', { headers: { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    await expectProblem(res, 401, 'unauthorized');
  });

  test('wrong roles are 403 before anything reaches Temporal', async () => {
    await expectProblem(await request('POST', '/v1/handoffs', { token: TOKENS.ae, body: exampleSubmission }), 403, 'forbidden');
    await expectProblem(await request('POST', '/v1/handoffs', { token: TOKENS.manager, body: exampleSubmission }), 403, 'forbidden');
    await expectProblem(await request('PATCH', '/v1/handoffs/crm-1', { token: TOKENS.ae, body: { notes: 'x' } }), 403, 'forbidden');
    await expectProblem(await request('POST', '/v1/handoffs/crm-1/accept', { token: TOKENS.sdr, body: {} }), 403, 'forbidden');
    await expectProblem(await request('POST', '/v1/handoffs/crm-1/withdraw', { token: TOKENS.ae, body: {} }), 403, 'forbidden');
    await expectProblem(await request('POST', '/v1/scoring/preview', { token: TOKENS.ae, body: exampleLead }), 403, 'forbidden');
  });

  test('SDRs and AEs may not list other people’s hand-offs', async () => {
    await expectProblem(await request('GET', '/v1/handoffs?sdr=sdr-max', { token: TOKENS.sdr }), 403, 'forbidden');
    await expectProblem(await request('GET', '/v1/handoffs?ae=ae-other', { token: TOKENS.ae }), 403, 'forbidden');
  });

  test('health endpoints need no token', async () => {
    const res = await app.request('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });
});

describe('problem+json for malformed requests', () => {
  test('malformed JSON is 400', async () => {
    const problem = await expectProblem(
      await request('POST', '/v1/handoffs', { token: TOKENS.sdr, raw: '{"handoffId": ' }),
      400,
      'malformed-request',
    );
    assert.match(problem.detail, /JSON/);
  });

  test('a text/plain body is 400', async () => {
    const res = await request('POST', '/v1/scoring/preview', {
      token: TOKENS.sdr,
      raw: JSON.stringify(exampleLead),
      contentType: 'text/plain',
    });
    await expectProblem(res, 400, 'unsupported-media-type');
  });

  test('a body without a content type is 400', async () => {
    const res = await request('POST', '/v1/scoring/preview', { token: TOKENS.sdr, raw: JSON.stringify(exampleLead), contentType: null });
    await expectProblem(res, 400, 'unsupported-media-type');
  });

  test('a missing body is 400 where one is required', async () => {
    await expectProblem(await request('POST', '/v1/handoffs', { token: TOKENS.sdr }), 400, 'malformed-request');
    await expectProblem(
      await request('POST', '/v1/handoffs', { token: TOKENS.sdr, raw: '', contentType: 'application/json' }),
      400,
      'malformed-request',
    );
    await expectProblem(await request('POST', '/v1/handoffs/crm-1/reject', { token: TOKENS.ae }), 400, 'malformed-request');
  });

  test('a body over 64 KiB is 413', async () => {
    const big = { ...exampleLead, notes: 'x'.repeat(70 * 1024) };
    await expectProblem(await request('POST', '/v1/scoring/preview', { token: TOKENS.sdr, body: big }), 413, 'payload-too-large');
  });

  test('a body over 64 KiB without Content-Length is 413 too', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 6) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await app.request('/v1/scoring/preview', {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKENS.sdr}`, 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    });
    await expectProblem(res, 413, 'payload-too-large');
  });
});

describe('problem+json for invalid bodies (422)', () => {
  test('an unknown field is named', async () => {
    const problem = await expectProblem(
      await request('POST', '/v1/handoffs', {
        token: TOKENS.sdr,
        body: { ...exampleSubmission, company: { ...exampleSubmission.company, revenue: 5 } },
      }),
      422,
      'validation',
    );
    assert.deepEqual(
      problem.errors?.map((e) => e.path),
      ['company.revenue'],
    );
  });

  test('an unknown top-level field (the SDR comes from the token) is named', async () => {
    const problem = await expectProblem(
      await request('POST', '/v1/handoffs', { token: TOKENS.sdr, body: { ...exampleSubmission, sdrId: 'sdr-max' } }),
      422,
      'validation',
    );
    assert.deepEqual(
      problem.errors?.map((e) => e.path),
      ['sdrId'],
    );
  });

  test('a wrong type is named', async () => {
    const problem = await expectProblem(
      await request('POST', '/v1/handoffs', {
        token: TOKENS.sdr,
        body: { ...exampleSubmission, company: { ...exampleSubmission.company, employees: 'lots' } },
      }),
      422,
      'validation',
    );
    assert.equal(problem.errors?.[0]?.path, 'company.employees');
  });

  test('a bad enum and a missing handoffId are both listed', async () => {
    const { handoffId: _, ...withoutId } = exampleSubmission;
    const problem = await expectProblem(
      await request('POST', '/v1/handoffs', { token: TOKENS.sdr, body: { ...withoutId, urgency: { budget: 'maybe' } } }),
      422,
      'validation',
    );
    const paths = problem.errors?.map((e) => e.path).sort();
    assert.deepEqual(paths, ['handoffId', 'urgency.budget']);
  });

  test('a JSON array or null instead of an object is 422', async () => {
    await expectProblem(await request('POST', '/v1/handoffs', { token: TOKENS.sdr, raw: '[]' }), 422, 'validation');
    await expectProblem(await request('POST', '/v1/handoffs', { token: TOKENS.sdr, raw: 'null' }), 422, 'validation');
  });

  test('action bodies are validated before Temporal is asked', async () => {
    let problem = await expectProblem(
      await request('POST', '/v1/handoffs/crm-1/reject', { token: TOKENS.ae, body: { reason: 'meh' } }),
      422,
      'validation',
    );
    assert.equal(problem.errors?.[0]?.path, 'reason');
    problem = await expectProblem(
      await request('POST', '/v1/handoffs/crm-1/feedback', { token: TOKENS.ae, body: { rating: 7, qualityIssues: [] } }),
      422,
      'validation',
    );
    assert.equal(problem.errors?.[0]?.path, 'rating');
    problem = await expectProblem(
      await request('POST', '/v1/handoffs/crm-1/accept', { token: TOKENS.ae, body: { extra: true } }),
      422,
      'validation',
    );
    assert.equal(problem.errors?.[0]?.path, 'extra');
    problem = await expectProblem(await request('PATCH', '/v1/handoffs/crm-1', { token: TOKENS.sdr, body: {} }), 422, 'validation');
    assert.match(problem.detail, /the patch is empty/);
    problem = await expectProblem(
      await request('PATCH', '/v1/handoffs/crm-1', { token: TOKENS.sdr, body: { handoffId: 'crm-2' } }),
      422,
      'validation',
    );
    assert.equal(problem.errors?.[0]?.path, 'handoffId');
  });

  test('list filters are validated', async () => {
    let problem = await expectProblem(await request('GET', '/v1/handoffs?stage=lost', { token: TOKENS.manager }), 422, 'validation');
    assert.equal(problem.errors?.[0]?.path, 'stage');
    problem = await expectProblem(await request('GET', "/v1/handoffs?ae=x'%20OR%20'1'='1", { token: TOKENS.manager }), 422, 'validation');
    assert.equal(problem.errors?.[0]?.path, 'ae');
    problem = await expectProblem(await request('GET', '/v1/handoffs?pageSize=1000', { token: TOKENS.manager }), 422, 'validation');
    assert.equal(problem.errors?.[0]?.path, 'pageSize');
    problem = await expectProblem(await request('GET', '/v1/handoffs?colour=red', { token: TOKENS.manager }), 422, 'validation');
    assert.equal(problem.errors?.[0]?.path, 'colour');
    // A token this API did not issue for these filters never reaches Temporal.
    problem = await expectProblem(
      await request('GET', '/v1/handoffs?pageToken=AAAAAAAAAAAAAAAA', { token: TOKENS.manager }),
      422,
      'validation',
    );
    assert.equal(problem.errors?.[0]?.path, 'pageToken');
  });

  test('a hand-off id that cannot exist is 404', async () => {
    await expectProblem(await request('GET', '/v1/handoffs/bad%20id!', { token: TOKENS.manager }), 404, 'not-found');
  });
});

describe('booking attempts and interventions, before Temporal is asked', () => {
  const routes = ['booking-attempts', 'escalate', 'reassign', 'return'] as const;

  test('no token is 401 on each', async () => {
    for (const route of routes) {
      await expectProblem(
        await request('POST', `/v1/handoffs/crm-1/${route}`, { body: { reason: 'x', to: 'ae-sam' } }),
        401,
        'unauthorized',
      );
    }
  });

  test('only managers, ops and admins intervene; only the SDR side records booking attempts', async () => {
    const escalate = { reason: 'no answer from the AE' };
    const cases: [string, string, unknown][] = [
      [TOKENS.ae, 'escalate', escalate],
      [TOKENS.sdr, 'escalate', escalate],
      [TOKENS.sdr, 'reassign', { to: 'ae-sam' }],
      [TOKENS.ae, 'reassign', { to: 'ae-sam' }],
      [TOKENS.sdr, 'return', { reason: 'stale' }],
      [TOKENS.ae, 'return', { reason: 'stale' }],
      [TOKENS.ae, 'booking-attempts', {}],
      [TOKENS.ops, 'booking-attempts', {}],
    ];
    for (const [token, route, body] of cases) {
      const problem = await expectProblem(await request('POST', `/v1/handoffs/crm-1/${route}`, { token, body }), 403, 'forbidden');
      assert.match(problem.detail, /allowed roles/);
    }
    // The role is checked before the body: a malformed body from the wrong role is still 403.
    await expectProblem(await request('POST', '/v1/handoffs/crm-1/escalate', { token: TOKENS.ae, body: { bogus: 1 } }), 403, 'forbidden');
  });

  test('malformed intervention bodies are 422 naming the field', async () => {
    const cases: [string, string, unknown, string[]][] = [
      [TOKENS.manager, 'escalate', {}, ['reason']],
      [TOKENS.ops, 'escalate', { reason: '   ' }, ['reason']],
      [TOKENS.manager, 'escalate', { reason: 'slow', to: 'Kim Lee' }, ['to']],
      [TOKENS.manager, 'escalate', { reason: 'slow', actor: { id: 'mgr-ana', role: 'manager' } }, ['actor']],
      [TOKENS.manager, 'escalate', { reason: 'slow', requestId: 'r-1' }, ['requestId']],
      [TOKENS.manager, 'reassign', { reason: 'vacation' }, ['to']],
      [TOKENS.ops, 'reassign', { to: 'AE SAM' }, ['to']],
      [TOKENS.manager, 'reassign', { to: 'ae-sam', bogus: 1 }, ['bogus']],
      [TOKENS.manager, 'return', {}, ['reason']],
      [TOKENS.manager, 'return', { reason: 'stale', to: 'ae-sam' }, ['to']],
      [TOKENS.manager, 'return', { reason: 42 }, ['reason']],
    ];
    for (const [token, route, body, paths] of cases) {
      const problem = await expectProblem(await request('POST', `/v1/handoffs/crm-1/${route}`, { token, body }), 422, 'validation');
      assert.deepEqual(
        problem.errors?.map((e) => e.path),
        paths,
        `${route} ${JSON.stringify(body)}`,
      );
    }
  });

  test('malformed booking attempts are 422 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ at: 'yesterday' }, 'at'],
      [{ at: '2026-11-20' }, 'at'],
      [{ note: '' }, 'note'],
      [{ aeId: 'ae-kim' }, 'aeId'],
    ];
    for (const [body, path] of cases) {
      const problem = await expectProblem(
        await request('POST', '/v1/handoffs/crm-1/booking-attempts', { token: TOKENS.sdr, body }),
        422,
        'validation',
      );
      assert.equal(problem.errors?.[0]?.path, path, JSON.stringify(body));
    }
  });

  test('intervention bodies are required; unreadable ones are 400', async () => {
    await expectProblem(await request('POST', '/v1/handoffs/crm-1/escalate', { token: TOKENS.manager }), 400, 'malformed-request');
    await expectProblem(
      await request('POST', '/v1/handoffs/crm-1/reassign', { token: TOKENS.ops, raw: '{"to": ' }),
      400,
      'malformed-request',
    );
    await expectProblem(
      await request('POST', '/v1/handoffs/crm-1/return', { token: TOKENS.manager, raw: 'reason=stale', contentType: 'text/plain' }),
      400,
      'unsupported-media-type',
    );
    await expectProblem(
      await request('POST', '/v1/handoffs/crm-1/booking-attempts', { token: TOKENS.sdr, raw: '{' }),
      400,
      'malformed-request',
    );
  });

  test('a hand-off id that cannot exist is 404', async () => {
    await expectProblem(
      await request('POST', '/v1/handoffs/bad%20id!/escalate', { token: TOKENS.manager, body: { reason: 'slow' } }),
      404,
      'not-found',
    );
  });

  test('GET on an action path is 405 with Allow: POST', async () => {
    const res = await request('GET', '/v1/handoffs/crm-1/escalate', { token: TOKENS.manager });
    await expectProblem(res, 405, 'method-not-allowed');
    assert.equal(res.headers.get('allow'), 'POST');
  });
});

describe('routing', () => {
  test('an unknown route is a 404 problem', async () => {
    await expectProblem(await app.request('/nope'), 404, 'not-found');
    await expectProblem(await request('GET', '/v1/nope', { token: TOKENS.manager }), 404, 'not-found');
  });

  test('a known path with the wrong method is 405 with Allow', async () => {
    const res = await request('DELETE', '/v1/handoffs/crm-1', { token: TOKENS.manager });
    await expectProblem(res, 405, 'method-not-allowed');
    assert.equal(res.headers.get('allow'), 'GET, PATCH');
  });
});

describe('GET /openapi.json', () => {
  test('is an OpenAPI 3.1 document of every route, with bearer security', async () => {
    const res = await app.request('/openapi.json');
    assert.equal(res.status, 200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { security?: unknown[]; responses: Record<string, unknown>; requestBody?: { required?: boolean } }>
      >;
      components: { securitySchemes: Record<string, { type: string; scheme: string }>; schemas: Record<string, unknown> };
    };
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.components.securitySchemes.bearer, {
      type: 'http',
      scheme: 'bearer',
      description: doc.components.securitySchemes.bearer?.['description' as 'type'],
    });
    const routes = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
    for (const expected of [
      'POST /v1/handoffs',
      'GET /v1/handoffs',
      'GET /v1/handoffs/{id}',
      'PATCH /v1/handoffs/{id}',
      'POST /v1/handoffs/{id}/accept',
      'POST /v1/handoffs/{id}/reject',
      'POST /v1/handoffs/{id}/contacted',
      'POST /v1/handoffs/{id}/outcome',
      'POST /v1/handoffs/{id}/feedback',
      'POST /v1/handoffs/{id}/withdraw',
      'POST /v1/handoffs/{id}/booking-attempts',
      'POST /v1/handoffs/{id}/escalate',
      'POST /v1/handoffs/{id}/reassign',
      'POST /v1/handoffs/{id}/return',
      'POST /v1/scoring/preview',
      'GET /healthz',
      'GET /readyz',
    ]) {
      assert.ok(routes.includes(expected), `${expected} documented (have ${routes.join(', ')})`);
    }
    for (const [p, methods] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(methods)) {
        if (p.startsWith('/v1/')) {
          assert.deepEqual(op.security, [{ bearer: [] }], `${m} ${p} needs a bearer token`);
          assert.ok(op.responses['401'], `${m} ${p} documents 401`);
        }
        if (op.requestBody) assert.equal(op.requestBody.required, true, `${m} ${p} body is required`);
        assert.ok(
          Object.keys(op.responses).some((s) => s.startsWith('2')),
          `${m} ${p} documents its success`,
        );
      }
    }
    for (const schema of [
      'Submission',
      'HandoffState',
      'Problem',
      'ScoringPreview',
      'BookingAttempt',
      'Escalate',
      'Reassign',
      'ReturnToSdr',
    ])
      assert.ok(doc.components.schemas[schema], `${schema} schema`);
  });

  test('documents the interventions: summary, description, their problems; sent as updates, answered once applied (no 202)', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { summary?: string; description?: string; responses: Record<string, unknown> }>>;
    };
    for (const action of ['booking-attempts', 'escalate', 'reassign', 'return']) {
      const op = doc.paths[`/v1/handoffs/{id}/${action}`]?.post;
      assert.ok(op?.summary && op.description, `${action} has a summary and a description`);
      for (const status of ['200', '401', '403', '404', '409', '422']) assert.ok(op.responses[status], `${action} documents ${status}`);
    }
    for (const action of ['escalate', 'reassign', 'return']) {
      const op = doc.paths[`/v1/handoffs/{id}/${action}`]!.post!;
      assert.equal(op.responses['202'], undefined, `${action} answers once applied`);
      assert.match(op.description!, /update/);
    }
  });
});

describe('POST /v1/scoring/preview', () => {
  test('scores the DESIGN §4 example 100 → hot, explaining every rule', async () => {
    const res = await request('POST', '/v1/scoring/preview', { token: TOKENS.sdr, body: exampleLead });
    assert.equal(res.status, 200, await res.clone().text());
    const preview = (await res.json()) as {
      checklist: { complete: boolean; missing: string[] };
      icp: { pass: boolean };
      score: { total: number; fit: number; engagement: number; intent: number; rules: { id: string; points: number }[] };
      tier: string | null;
      provisionalTier: string;
      policyVersion: string;
    };
    assert.deepEqual(preview.checklist, { complete: true, missing: [] });
    assert.equal(preview.icp.pass, true);
    assert.deepEqual(
      { total: preview.score.total, fit: preview.score.fit, engagement: preview.score.engagement, intent: preview.score.intent },
      { total: 100, fit: 30, engagement: 30, intent: 40 },
    );
    assert.ok(preview.score.rules.some((r) => r.id === 'intent.third-party-signal' && r.points === 15));
    assert.equal(preview.tier, 'hot');
    assert.equal(preview.provisionalTier, 'hot');
    assert.equal(preview.policyVersion, '2026-11-21.1');
  });

  test('a low-scoring lead has no tier (nurture)', async () => {
    const low: Lead = {
      company: { name: 'Tiny Widgets', employees: 60, industry: 'furniture', region: 'BR', techStack: [] },
      engagement: { touchpoints: 2, replies: 0, meetingBooked: false },
    };
    const res = await request('POST', '/v1/scoring/preview', { token: TOKENS.manager, body: low });
    assert.equal(res.status, 200);
    const preview = (await res.json()) as {
      score: { total: number };
      tier: string | null;
      provisionalTier: string;
      checklist: { complete: boolean; missing: string[] };
    };
    assert.equal(preview.score.total, 6);
    assert.equal(preview.tier, null);
    assert.equal(preview.provisionalTier, 'cool');
    assert.equal(preview.checklist.complete, false);
    assert.ok(preview.checklist.missing.includes('contact.name'));
  });

  test('handoffId is not part of a preview', async () => {
    const problem = await expectProblem(
      await request('POST', '/v1/scoring/preview', { token: TOKENS.sdr, body: exampleSubmission }),
      422,
      'validation',
    );
    assert.equal(problem.errors?.[0]?.path, 'handoffId');
  });
});

describe('Temporal unavailable', () => {
  test('/readyz is a 503 problem', async () => {
    const res = await app.request('/readyz');
    await expectProblem(res, 503, 'unavailable');
  });
});
