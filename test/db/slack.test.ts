/**
 * The Slack channel through the real Deliverer and delivery log, against a local stand-in for
 * Slack's Web API that `@slack/web-api` calls over HTTP: the assignment's Block Kit message, the
 * thread later notifications go into, and which Slack errors are refused rather than retried.
 */
import type { ActionsBlock, HeaderBlock, SectionBlock, StaticSelect } from '@slack/web-api';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Deliverer, Directory } from '../../activities/delivery/index.js';
import { SlackChannel } from '../../activities/delivery/slack.js';
import type { Database } from '../../src/db/database.js';
import { DeliveryStore } from '../../src/db/deliveries.js';
import { RosterStore } from '../../src/db/roster.js';
import { REJECT_REASONS } from '../../src/domain/actions.js';
import type { Notification, NotificationKind } from '../../src/domain/notifications.js';
import { testRoster } from '../fixtures/leads.js';
import { testDatabase } from '../support/db.js';
import { startSlackApi, type SlackCall, type TestSlack } from '../support/slack-api.js';

const KIM_SLACK = 'U0KIM';
const SAM_SLACK = 'U0SAM';
const TOKEN = 'xoxb-test-token';

const PACKAGE = {
  company: 'Acme Logistics',
  contact: { name: 'Dana Reyes', title: 'VP Customer Operations', email: 'dana@acme.example' },
  painPoints: ['slow-support', 'manual-routing'],
  nextStep: { text: 'Demo with the VP', meetingAt: '2026-12-07T16:00:00Z', meetingLink: 'https://meet.example/abc' },
  score: 86,
  tier: 'hot',
  reasons: ['Meeting booked (+15)', 'Budget confirmed (+12)'],
  contactBy: '2026-12-05T15:00:00.000Z',
  sdrId: 'sdr-jo',
  aeId: 'ae-kim',
};

const notification = (handoffId: string, kind: NotificationKind, step: string, aeId = 'ae-kim'): Notification => ({
  key: `handoff-${handoffId}:${step}`,
  handoffId,
  kind,
  to: [{ id: aeId, role: 'ae' }],
  message:
    kind === 'assignment'
      ? 'Acme Logistics (hot) is yours: first contact by 2026-12-05T15:00:00.000Z'
      : 'Half of the first-contact window for Acme Logistics has passed',
  handoff: { ...PACKAGE, aeId },
});

const posts = (slack: TestSlack, from = 0): SlackCall[] => slack.calls.slice(from).filter((c) => c.method === 'chat.postMessage');

describe('Slack: assignments with buttons, replies in their thread, through the delivery log', () => {
  let db: Database;
  let slack: TestSlack;
  let deliverer: Deliverer;
  let store: DeliveryStore;

  before(async () => {
    db = await testDatabase();
    await new RosterStore(db).seed(
      testRoster.map((ae) => ({
        ...ae,
        ...(ae.id === 'ae-kim' ? { slackUserId: KIM_SLACK } : ae.id === 'ae-sam' ? { slackUserId: SAM_SLACK } : {}),
      })),
      'test',
    );
    slack = await startSlackApi();
    store = new DeliveryStore(db);
    deliverer = new Deliverer(db, new Directory(db, undefined), [new SlackChannel({ token: TOKEN, apiUrl: slack.apiUrl }, store)], 200);
  });
  after(async () => {
    await slack.close();
    await db.close();
  });
  beforeEach(() => {
    slack.failWith('chat.postMessage', undefined);
  });

  it('posts the assignment to the AE with the package and Accept / Mark contacted / Reject, once however often it is retried', async () => {
    const from = slack.calls.length;
    assert.deepEqual(await deliverer.deliver(notification('crm-1', 'assignment', 'assigned:1')), { sent: 1, alreadySent: 0, refused: [] });
    assert.deepEqual(await deliverer.deliver(notification('crm-1', 'assignment', 'assigned:1')), { sent: 0, alreadySent: 1, refused: [] });

    const sent = posts(slack, from);
    assert.equal(sent.length, 1, 'sent once');
    const call = sent[0]!;
    assert.equal(call.authorization, `Bearer ${TOKEN}`);
    assert.match(call.contentType ?? '', /^application\/x-www-form-urlencoded/);
    assert.equal(call.body.channel, KIM_SLACK, "the app's DM with the AE");
    assert.equal(call.body.thread_ts, undefined);
    assert.equal(call.body.text, 'Acme Logistics (hot) is yours: first contact by 2026-12-05T15:00:00.000Z', 'the notification fallback');

    const blocks = call.body.blocks as { type: string }[];
    assert.deepEqual(
      blocks.map((b) => b.type),
      ['header', 'section', 'section', 'actions', 'context'],
    );
    assert.equal((blocks[0] as HeaderBlock).text.text, 'New hand-off: Acme Logistics');
    const pkg = (blocks[2] as SectionBlock).text!.text;
    for (const part of [
      '*Company:* Acme Logistics',
      'Dana Reyes, VP Customer Operations, dana@acme.example',
      '*Pain:* slow-support, manual-routing',
      'Demo with the VP',
      'https://meet.example/abc',
      '*Score:* 86 (hot)',
      'Meeting booked (+15); Budget confirmed (+12)',
      // Times as Slack dates: each reader sees them in their own zone.
      `<!date^${Date.parse('2026-12-05T15:00:00Z') / 1000}^{date_short_pretty} {time}|2026-12-05T15:00:00.000Z>`,
      `<!date^${Date.parse('2026-12-07T16:00:00Z') / 1000}^`,
    ]) {
      assert.ok(pkg.includes(part), `the package shows ${part}:\n${pkg}`);
    }

    const actions = blocks[3] as ActionsBlock;
    assert.equal(actions.block_id, 'baton:crm-1');
    assert.deepEqual(
      actions.elements.map((e) => [e.type, e.action_id]),
      [
        ['button', 'baton_accept'],
        ['button', 'baton_contacted'],
        ['static_select', 'baton_reject'],
      ],
    );
    const [accept, contacted] = actions.elements as { value: string; style?: string; text: { text: string } }[];
    assert.deepEqual([accept!.text.text, accept!.value, accept!.style], ['Accept', 'crm-1', 'primary']);
    assert.deepEqual([contacted!.text.text, contacted!.value], ['Mark contacted', 'crm-1']);
    const reject = actions.elements[2] as StaticSelect;
    assert.equal(reject.placeholder?.text, 'Reject…');
    const options = (reject.option_groups ?? []).flatMap((g) => g.options);
    assert.deepEqual(
      options.map((o) => o.value),
      REJECT_REASONS.map((r) => `crm-1|${r}`),
      'every reject reason, naming the hand-off',
    );
    assert.ok(reject.confirm, 'a rejection asks for confirmation');

    const delivery = await store.get({ workflowId: 'handoff-crm-1', step: 'assigned:1', recipient: 'ae-kim', channel: 'slack' });
    assert.equal(delivery?.status, 'sent');
    assert.equal(delivery?.address, KIM_SLACK);
    assert.match(delivery?.providerId ?? '', /^D0KIM:1700000000\.\d{6}$/, 'the provider id is <channel>:<ts>');
  });

  it('posts a reminder to the AE in the thread of their assignment', async () => {
    await deliverer.deliver(notification('crm-2', 'assignment', 'assigned:1'));
    const assignment = await store.get({ workflowId: 'handoff-crm-2', step: 'assigned:1', recipient: 'ae-kim', channel: 'slack' });
    const [channel, ts] = assignment!.providerId!.split(':');

    const from = slack.calls.length;
    assert.equal((await deliverer.deliver(notification('crm-2', 'contact_reminder', 'reminder:50'))).sent, 1);
    assert.equal((await deliverer.deliver(notification('crm-2', 'feedback_reminder', 'feedback-reminder'))).sent, 1);
    const replies = posts(slack, from);
    assert.equal(replies.length, 2);
    for (const reply of replies) {
      assert.equal(reply.body.channel, channel);
      assert.equal(reply.body.thread_ts, ts, 'in the assignment thread');
      assert.deepEqual(
        (reply.body.blocks as { type: string }[]).map((b) => b.type),
        ['section'],
        'the thread already shows the package',
      );
    }
    assert.equal(replies[0]!.body.text, 'Half of the first-contact window for Acme Logistics has passed');
  });

  it('tells someone without a Slack assignment for the hand-off in a message of its own, with the package', async () => {
    const from = slack.calls.length;
    // Sam was never sent crm-1 (Kim was): his reminder is a plain direct message.
    assert.equal((await deliverer.deliver(notification('crm-1', 'contact_reminder', 'reminder:80', 'ae-sam'))).sent, 1);
    const [call] = posts(slack, from);
    assert.equal(call!.body.channel, SAM_SLACK);
    assert.equal(call!.body.thread_ts, undefined);
    const blocks = call!.body.blocks as SectionBlock[];
    assert.deepEqual(
      blocks.map((b) => b.type),
      ['section', 'section', 'context'],
    );
    assert.match(blocks[1]!.text!.text, /\*Company:\* Acme Logistics/);
  });

  it('a digest is a message of its own listing every hand-off it folds, never in one hand-off’s thread', async () => {
    const from = slack.calls.length;
    const channel = new SlackChannel({ token: TOKEN, apiUrl: slack.apiUrl }, store);
    const digest = {
      ...notification('crm-1', 'escalation', 'escalation:1', 'ae-kim'),
      message: '3 hand-offs: escalation',
      digest: [1, 2, 3].map((i) => ({ handoffId: `crm-${i}`, message: `Kim missed the window for Lead ${i} (crm-${i})` })),
    };
    await channel.send(digest, { id: 'ae-kim', name: 'Kim', slackUserId: KIM_SLACK }, KIM_SLACK);
    const [call] = posts(slack, from);
    assert.equal(call!.body.channel, KIM_SLACK);
    assert.equal(call!.body.thread_ts, undefined);
    const text = (call!.body.blocks as SectionBlock[])[0]!.text!.text;
    for (const i of [1, 2, 3]) assert.ok(text.includes(`• Kim missed the window for Lead ${i} (crm-${i})`), text);
  });

  it('skips people without a Slack user id (Lena has none)', async () => {
    const from = slack.calls.length;
    assert.deepEqual(await deliverer.deliver(notification('crm-3', 'assignment', 'assigned:1', 'ae-lena')), {
      sent: 0,
      alreadySent: 0,
      refused: [],
    });
    assert.equal(posts(slack, from).length, 0);
  });

  it('refuses a delivery Slack rejects for good (user_not_found), and never sends it again', async () => {
    slack.failWith('chat.postMessage', 'user_not_found');
    const from = slack.calls.length;
    const report = await deliverer.deliver(notification('crm-4', 'assignment', 'assigned:1'));
    assert.deepEqual(report, {
      sent: 0,
      alreadySent: 0,
      refused: [{ recipient: 'ae-kim', channel: 'slack', error: 'Slack chat.postMessage: user_not_found' }],
    });
    const delivery = await store.get({ workflowId: 'handoff-crm-4', step: 'assigned:1', recipient: 'ae-kim', channel: 'slack' });
    assert.equal(delivery?.status, 'refused');

    slack.failWith('chat.postMessage', undefined);
    const again = await deliverer.deliver(notification('crm-4', 'assignment', 'assigned:1'));
    assert.equal(again.sent, 0);
    assert.equal(again.refused.length, 1, 'still refused');
    assert.equal(posts(slack, from).length, 1, 'tried once, not retried');
  });

  it('leaves a transient Slack error (internal_error) to the activity retry, which then sends it once', async () => {
    slack.failWith('chat.postMessage', 'internal_error');
    const from = slack.calls.length;
    await assert.rejects(deliverer.deliver(notification('crm-5', 'assignment', 'assigned:1')), /slack to ae-kim failed: .*internal_error/);
    const failed = await store.get({ workflowId: 'handoff-crm-5', step: 'assigned:1', recipient: 'ae-kim', channel: 'slack' });
    assert.equal(failed?.status, 'failed');

    slack.failWith('chat.postMessage', undefined);
    assert.deepEqual(await deliverer.deliver(notification('crm-5', 'assignment', 'assigned:1')), { sent: 1, alreadySent: 0, refused: [] });
    assert.equal(posts(slack, from).length, 2, 'one failed call, one sent');
    const sent = await store.get({ workflowId: 'handoff-crm-5', step: 'assigned:1', recipient: 'ae-kim', channel: 'slack' });
    assert.deepEqual([sent?.status, sent?.attempts], ['sent', 2]);
  });

  it('leaves a rate limit (429) to the activity retry rather than waiting in the attempt', async () => {
    slack.failWith('chat.postMessage', 'ratelimited');
    const started = Date.now();
    await assert.rejects(deliverer.deliver(notification('crm-7', 'assignment', 'assigned:1')), /slack to ae-kim failed/);
    assert.ok(Date.now() - started < 5_000, 'the 30 s Retry-After is not waited out inside the activity');
    const failed = await store.get({ workflowId: 'handoff-crm-7', step: 'assigned:1', recipient: 'ae-kim', channel: 'slack' });
    assert.equal(failed?.status, 'failed');
  });

  it('leaves an unreachable Slack to the activity retry', async () => {
    const down = new SlackChannel({ token: TOKEN, apiUrl: 'http://127.0.0.1:9/api/' }, store);
    const offline = new Deliverer(db, new Directory(db, undefined), [down], 200);
    await assert.rejects(offline.deliver(notification('crm-6', 'assignment', 'assigned:1')), /slack to ae-kim failed/);
    const failed = await store.get({ workflowId: 'handoff-crm-6', step: 'assigned:1', recipient: 'ae-kim', channel: 'slack' });
    assert.equal(failed?.status, 'failed');
  });
});
