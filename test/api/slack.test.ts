/**
 * Slack interactivity (`POST /v1/slack/interactions`): button clicks signed with a real Slack
 * signature, acted on as the AE the Slack user maps to through a stand-in Temporal client that
 * records the updates, and the outcome posted to the `response_url` of a local stand-in for Slack.
 */
import type { ActionsBlock, ContextBlock } from '@slack/web-api';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { except } from 'hono/combine';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { assignmentBlocks } from '../../activities/delivery/slack.js';
import { createApp, type ApiDeps } from '../../src/api/app.js';
import { bearerAuth, TokenStore } from '../../src/api/auth.js';
import { problemResponse, ProblemError } from '../../src/api/problem.js';
import { createRouter } from '../../src/api/router.js';
import { slackRoutes } from '../../src/api/routes/slack.js';
import { loadConfig, repoRoot } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { RosterStore } from '../../src/db/roster.js';
import { submittedState } from '../../src/domain/assessment.js';
import type { Policy } from '../../src/domain/policy.js';
import type { HandoffState } from '../../src/domain/state.js';
import { readPolicyFile } from '../../src/policy/file.js';
import { startSlackSocketMode } from '../../src/slack/socket-mode.js';
import { REFUSED_TRANSITION, workflowIdFor } from '../../workflows/messages.js';
import { exampleLead, testRoster } from '../fixtures/leads.js';
import { testDatabase } from '../support/db.js';
import { startSlackApi, type SlackCall, type TestSlack } from '../support/slack-api.js';
import { expectProblem } from './http.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const KIM_SLACK = 'U0KIM';
const URL_PATH = '/v1/slack/interactions';

interface Sent {
  workflowId: string;
  name: string;
  args: unknown[];
}

/** The state an update answers with (the workflow's view after it), or the failure it throws. */
type Answer = (name: string, args: unknown[]) => Promise<HandoffState>;

/** Just enough of the Temporal client: updates are recorded and answered by `answer`. */
function fakeClient(answer: () => Answer): { client: Client; sent: Sent[] } {
  const sent: Sent[] = [];
  const client = {
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>): Promise<T> => fn(),
    workflow: {
      getHandle: (workflowId: string) => ({
        executeUpdate: (def: { name: string }, { args }: { args: unknown[] }) => {
          sent.push({ workflowId, name: def.name, args });
          return answer()(def.name, args);
        },
        describe: () => Promise.resolve({}),
      }),
    },
  };
  return { client: client as unknown as Client, sent };
}

const base = (): HandoffState =>
  submittedState({ handoffId: 'crm-1', sdrId: 'sdr-jo', lead: exampleLead, submittedAt: Date.parse('2026-11-21T10:00:00Z') });

/** What the workflow answers each of the AE's actions with when it applies them. */
const applied: Answer = (name, args) => {
  const at = new Date().toISOString();
  if (name === 'accept') return Promise.resolve({ ...base(), stage: 'accepted', assignedAe: 'ae-kim', acceptedAt: at });
  if (name === 'markContacted') {
    return Promise.resolve({ ...base(), stage: 'contacted', assignedAe: 'ae-kim', contact: { channel: 'other', by: 'ae-kim', at } });
  }
  const { reason } = args[0] as { reason: 'capacity' };
  return Promise.resolve({
    ...base(),
    stage: 'assigned',
    assignedAe: 'ae-sam',
    previousAes: ['ae-kim'],
    rejection: { reason, by: 'ae-kim', at, rerouted: true },
  });
};

const refused =
  (code: string, reason: string): Answer =>
  () =>
    Promise.reject(
      new WorkflowUpdateFailedError(
        'Workflow Update failed',
        ApplicationFailure.create({ type: REFUSED_TRANSITION, message: reason, details: [code], nonRetryable: true }),
      ),
    );

/** The app as src/api/app.ts assembles it: the Slack route mounted, and exempt from bearer auth. */
function appOf(deps: ApiDeps): { request(url: string, init: RequestInit): Response | Promise<Response> } {
  const app = createApp(deps);
  if (app.routes.some((r) => r.path === URL_PATH)) return app;
  // Until app.ts mounts the route: the same wiring, by hand.
  const wired = createRouter();
  wired.use('/v1/*', except(URL_PATH, bearerAuth(deps.principals)));
  wired.route('/v1/slack', slackRoutes(deps));
  wired.onError((err, c) => problemResponse(c, err instanceof ProblemError ? err : new ProblemError('internal', 'unexpected')));
  return wired;
}

/** A block_actions payload as Slack sends it for a click on the assignment message. */
function clickPayload(slack: TestSlack, action: object, user = KIM_SLACK, responseUrl = slack.responseUrl): object {
  return {
    type: 'block_actions',
    user: { id: user, username: 'kim', name: 'kim', team_id: 'T0BATON' },
    api_app_id: 'A0BATON',
    token: 'verification-token-unused',
    container: { type: 'message', message_ts: '1700000000.000001', channel_id: 'D0KIM', is_ephemeral: false },
    trigger_id: '1234.5678.abcdef',
    team: { id: 'T0BATON', domain: 'acme' },
    channel: { id: 'D0KIM', name: 'directmessage' },
    message: {
      type: 'message',
      ts: '1700000000.000001',
      text: 'Acme Logistics (hot) is yours',
      blocks: assignmentBlocks({
        key: 'handoff-crm-1:assigned:1',
        handoffId: 'crm-1',
        kind: 'assignment',
        to: [{ id: 'ae-kim', role: 'ae' }],
        message: 'Acme Logistics (hot) is yours: first contact by 2026-12-05T15:00:00.000Z',
        handoff: { company: 'Acme Logistics', contact: { name: 'Dana Reyes' }, painPoints: [], reasons: [], sdrId: 'sdr-jo' },
      }),
    },
    response_url: responseUrl,
    actions: [{ block_id: 'baton:crm-1', action_ts: '1700000100.000200', ...action }],
  };
}

const ACCEPT = {
  type: 'button',
  action_id: 'baton_accept',
  text: { type: 'plain_text', text: 'Accept' },
  value: 'crm-1',
  style: 'primary',
};
const CONTACTED = { type: 'button', action_id: 'baton_contacted', text: { type: 'plain_text', text: 'Mark contacted' }, value: 'crm-1' };
const reject = (reason: string) => ({
  type: 'static_select',
  action_id: 'baton_reject',
  selected_option: { text: { type: 'plain_text', text: reason }, value: `crm-1|${reason}` },
});

interface SignOptions {
  secret?: string;
  /** When it was signed (ms); default now. */
  at?: number;
  signature?: string | null;
}

/** The form body Slack posts, with its signature headers (v0 HMAC-SHA256 of `v0:<ts>:<body>`). */
function signedRequest(payload: object, opts: SignOptions = {}): RequestInit {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor((opts.at ?? Date.now()) / 1000));
  const signature = `v0=${createHmac('sha256', opts.secret ?? SECRET)
    .update(`v0:${timestamp}:${body}`)
    .digest('hex')}`;
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Slack-Request-Timestamp': timestamp };
  if (opts.signature !== null) headers['X-Slack-Signature'] = opts.signature ?? signature;
  return { method: 'POST', headers, body };
}

describe('Slack interactivity: signed clicks act as the AE, and the outcome goes to the response_url', () => {
  let db: Database;
  let slack: TestSlack;
  let policy: Policy;
  let answer: Answer;
  let sent: Sent[];
  let app: ReturnType<typeof appOf>;
  let deps: ApiDeps;

  before(async () => {
    policy = await readPolicyFile(path.join(repoRoot, 'policy', 'default.yaml'));
    db = await testDatabase();
    await new RosterStore(db).seed(
      testRoster.map((ae) => (ae.id === 'ae-kim' ? { ...ae, slackUserId: KIM_SLACK } : ae)),
      'test',
    );
    slack = await startSlackApi();
    const fake = fakeClient(() => answer);
    sent = fake.sent;
    deps = {
      client: fake.client,
      config: loadConfig({
        BATON_DATA_DIR: path.join(repoRoot, '.data', 'api-test-unused'),
        BATON_SLACK_BOT_TOKEN: 'xoxb-test',
        BATON_SLACK_SIGNING_SECRET: SECRET,
        BATON_SLACK_API_URL: slack.apiUrl,
      }),
      policy,
      principals: TokenStore.fromTokens([{ id: 'ae-kim', role: 'ae', name: 'Kim Lee', token: 'tok-ae-kim' }]),
      db,
    };
    app = appOf(deps);
  });
  after(async () => {
    await slack.close();
    await db.close();
  });
  beforeEach(() => {
    answer = applied;
    sent.length = 0;
  });

  /** Posts a click and answers the acknowledgement and what Slack's response_url then received. */
  async function click(payload: object, opts: SignOptions = {}): Promise<{ ack: Response; response: SlackCall }> {
    const from = slack.calls.length;
    const ack = await app.request(URL_PATH, signedRequest(payload, opts));
    assert.equal(ack.status, 200, await ack.clone().text());
    return { ack, response: await slack.waitFor('response_url', from) };
  }

  it('Accept: acknowledged at once, applied as the AE, and the message redrawn with the outcome and the buttons left', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    answer = (name, args) => held.then(() => applied(name, args));
    const from = slack.calls.length;
    const ack = await app.request(URL_PATH, signedRequest(clickPayload(slack, ACCEPT)));
    assert.equal(ack.status, 200);
    assert.equal(await ack.text(), '');
    assert.equal(slack.calls.length, from, 'answered before the update completed');
    release();
    const response = await slack.waitFor('response_url', from);

    assert.deepEqual(sent, [{ workflowId: workflowIdFor('crm-1'), name: 'accept', args: [{ actor: { id: 'ae-kim', role: 'ae' } }] }]);
    assert.equal(response.body.replace_original, true);
    const blocks = response.body.blocks as { type: string; block_id?: string }[];
    assert.deepEqual(
      blocks.map((b) => b.type),
      ['header', 'section', 'section', 'context', 'actions', 'context'],
    );
    const outcome = blocks.find((b) => b.block_id === 'baton-outcome:crm-1') as ContextBlock;
    assert.match((outcome.elements[0] as { text: string }).text, /<@U0KIM> accepted this hand-off/);
    const actions = blocks.find((b) => b.type === 'actions') as ActionsBlock;
    assert.deepEqual(
      actions.elements.map((e) => e.action_id),
      ['baton_contacted', 'baton_reject'],
      'accepted: Mark contacted and Reject remain',
    );
    assert.match(String(response.body.text), /accepted/);
  });

  it('Reject with a reason from the select: the reason goes to the workflow, and the buttons go', async () => {
    const { response } = await click(clickPayload(slack, reject('capacity')));
    assert.deepEqual(sent, [
      { workflowId: 'handoff-crm-1', name: 'reject', args: [{ reason: 'capacity', actor: { id: 'ae-kim', role: 'ae' } }] },
    ]);
    const blocks = response.body.blocks as { type: string; block_id?: string }[];
    assert.ok(!blocks.some((b) => b.type === 'actions'), 'no buttons once it has gone to another AE');
    const outcome = blocks.find((b) => b.block_id === 'baton-outcome:crm-1') as ContextBlock;
    assert.match((outcome.elements[0] as { text: string }).text, /rejected this hand-off: No capacity .*It goes to another AE\./);
  });

  it("Mark contacted records the first contact on channel 'other'", async () => {
    const { response } = await click(clickPayload(slack, CONTACTED));
    assert.deepEqual(sent, [
      { workflowId: 'handoff-crm-1', name: 'markContacted', args: [{ channel: 'other', actor: { id: 'ae-kim', role: 'ae' } }] },
    ]);
    assert.ok(!(response.body.blocks as { type: string }[]).some((b) => b.type === 'actions'));
  });

  it("a refusal is the validator's reason, told to the AE alone, and the message stays as it was", async () => {
    answer = refused('already_done', 'the hand-off is already accepted');
    const { response } = await click(clickPayload(slack, ACCEPT));
    assert.equal(sent.length, 1);
    assert.equal(response.body.response_type, 'ephemeral');
    assert.equal(response.body.replace_original, false);
    assert.equal(response.body.text, 'Baton did not accept hand-off `crm-1`: the hand-off is already accepted');
  });

  it('someone Slack knows but the roster does not gets a polite answer, and nothing is done', async () => {
    const { response } = await click(clickPayload(slack, ACCEPT, 'U0STRANGER'));
    assert.deepEqual(sent, []);
    assert.equal(response.body.response_type, 'ephemeral');
    assert.equal(response.body.replace_original, false);
    assert.match(String(response.body.text), /does not know your Slack account \(U0STRANGER\): nothing was done/);
  });

  it('refuses a forged signature, a missing one and an expired timestamp with 401, acting on none', async () => {
    const from = slack.calls.length;
    const payload = clickPayload(slack, ACCEPT);
    const cases: [string, SignOptions][] = [
      ['another secret', { secret: 'not-the-signing-secret' }],
      ['a tampered signature', { signature: `v0=${'0'.repeat(64)}` }],
      ['a signature of another form', { signature: 'sha256=abc' }],
      ['no signature', { signature: null }],
      ['signed 6 minutes ago', { at: Date.now() - 6 * 60_000 }],
      ['signed 6 minutes ahead', { at: Date.now() + 6 * 60_000 }],
    ];
    for (const [label, opts] of cases) {
      const res = await app.request(URL_PATH, signedRequest(payload, opts));
      const problem = await expectProblem(res, 401, 'unauthorized');
      assert.ok(problem.detail.length > 0, label);
    }
    // A body changed after signing.
    const init = signedRequest(payload);
    const tampered = { ...init, body: (init.body as string).replace('baton_accept', 'baton_contacted') };
    await expectProblem(await app.request(URL_PATH, tampered), 401, 'unauthorized');

    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(sent, []);
    assert.equal(slack.calls.length, from, 'nothing posted to the response_url');
  });

  it('a signed body that is not an interaction is 400; a response_url that is not Slack’s is ignored', async () => {
    const raw = (body: string): RequestInit => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
      return {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'X-Slack-Request-Timestamp': timestamp,
          'X-Slack-Signature': signature,
        },
        body,
      };
    };
    await expectProblem(await app.request(URL_PATH, raw('nothing=here')), 400, 'malformed-request');
    await expectProblem(await app.request(URL_PATH, raw('payload=%7Bnot-json')), 400, 'malformed-request');

    const from = slack.calls.length;
    const elsewhere = await app.request(URL_PATH, signedRequest(clickPayload(slack, ACCEPT, KIM_SLACK, 'http://169.254.169.254/latest')));
    assert.equal(elsewhere.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(sent, []);
    assert.equal(slack.calls.length, from);
  });

  it('is 404 while Slack is not configured, and needs no bearer token when it is', async () => {
    const unconfigured = appOf({ ...deps, config: loadConfig({ BATON_DATA_DIR: path.join(repoRoot, '.data', 'api-test-unused') }) });
    await expectProblem(await unconfigured.request(URL_PATH, signedRequest(clickPayload(slack, ACCEPT))), 404, 'not-found');
    // Everything else under /v1 still wants a token.
    await expectProblem(await app.request('/v1/aes', { method: 'GET' }), 401, 'unauthorized');
  });

  it('Socket Mode: a click over the WebSocket is acknowledged and applied as the AE, with no request URL', async () => {
    const socket = await startSlackSocketMode({
      client: deps.client,
      db,
      slack: { ...deps.config.notifications.slack!, appToken: 'xapp-1-test' },
    });
    assert.ok(socket, 'an app token starts Socket Mode');
    try {
      const from = slack.calls.length;
      const envelope = await slack.sendInteraction(clickPayload(slack, ACCEPT));
      assert.match(envelope, /^env-/);
      const response = await slack.waitFor('response_url', from);
      assert.deepEqual(sent, [{ workflowId: workflowIdFor('crm-1'), name: 'accept', args: [{ actor: { id: 'ae-kim', role: 'ae' } }] }]);
      assert.match(String(response.body.text), /accepted/);
      assert.equal(
        slack.calls.find((c) => c.method === 'apps.connections.open')?.authorization,
        'Bearer xapp-1-test',
        'the connection is opened with the app-level token',
      );
    } finally {
      await socket.stop();
    }
    assert.equal(await startSlackSocketMode({ client: deps.client, db, slack: deps.config.notifications.slack! }), undefined);
  });

  it('stays out of the OpenAPI document (Slack calls it, not API clients)', () => {
    const doc = slackRoutes(deps).getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'Baton', version: '1' } });
    assert.deepEqual(Object.keys(doc.paths ?? {}), []);
  });
});
