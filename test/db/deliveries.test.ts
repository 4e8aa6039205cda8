import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Deliverer, Directory, EmailChannel, OutboxChannel } from '../../activities/delivery/index.js';
import type { Database } from '../../src/db/database.js';
import { DeliveryStore } from '../../src/db/deliveries.js';
import { RosterStore } from '../../src/db/roster.js';
import type { Notification } from '../../src/domain/notifications.js';
import { testDatabase } from '../support/db.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { testRoster } from '../fixtures/leads.js';

const assignment = (step = 'assigned:1'): Notification => ({
  key: `handoff-crm-1:${step}`,
  handoffId: 'crm-1',
  kind: 'assignment',
  to: [{ id: 'ae-kim', role: 'ae' }],
  message: 'Acme Logistics (hot) is yours: first contact by 2026-12-05T15:00:00.000Z',
  handoff: {
    company: 'Acme Logistics',
    contact: { name: 'Dana Reyes', title: 'VP Customer Operations', email: 'dana@acme.example' },
    painPoints: ['slow-support'],
    nextStep: { text: 'Demo with the VP', meetingAt: '2026-12-07T16:00:00Z' },
    score: 86,
    tier: 'hot',
    reasons: ['Meeting booked (+15)'],
    contactBy: '2026-12-05T15:00:00.000Z',
    sdrId: 'sdr-jo',
    aeId: 'ae-kim',
  },
});

describe('notification delivery: the delivery log, the outbox and email over real SMTP', () => {
  let db: Database;
  let smtp: TestSmtp;
  let dataDir: string;
  let tokensFile: string;
  let deliverer: Deliverer;
  let email: EmailChannel;

  before(async () => {
    db = await testDatabase();
    await new RosterStore(db).seed(testRoster, 'test');
    smtp = await startSmtp();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-deliver-'));
    tokensFile = path.join(dataDir, 'tokens.json');
    const hash = 'a'.repeat(64);
    await writeFile(
      tokensFile,
      JSON.stringify([
        { id: 'sdr-jo', role: 'sdr', name: 'Jo Park', email: 'jo@baton.example', managerId: 'mgr-ana', tokenSha256: hash },
        { id: 'mgr-ana', role: 'manager', name: 'Ana Ruiz', email: 'ana@baton.example', tokenSha256: hash },
        { id: 'mgr-bo', role: 'manager', name: 'Bo Chen', tokenSha256: hash },
        {
          id: 'sdr-lu',
          role: 'sdr',
          name: 'Lu Wang',
          email: 'lu@baton.example',
          timeZone: 'Europe/Berlin',
          quietHours: { from: '20:00', to: '07:30' },
          tokenSha256: hash,
        },
      ]),
    );
    email = new EmailChannel({ url: smtp.url, from: 'Baton <baton@baton.example>' });
    deliverer = new Deliverer(db, new Directory(db, tokensFile), [new OutboxChannel(dataDir, () => {}), email], 200);
  });
  after(async () => {
    email.close();
    await smtp.close();
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('emails the AE the hand-off package (text and HTML) and logs it in the outbox, once however often it is retried', async () => {
    const first = await deliverer.deliver(assignment());
    assert.deepEqual(first, { sent: 2, alreadySent: 0, refused: [] });
    const again = await deliverer.deliver(assignment());
    assert.deepEqual(again, { sent: 0, alreadySent: 2, refused: [] });

    const mails = smtp.mails.filter((m) => m.subject?.includes('New hand-off'));
    assert.equal(mails.length, 1);
    const mail = mails[0]!;
    const ae = testRoster.find((a) => a.id === 'ae-kim')!;
    assert.equal(mail.subject, '[Baton] New hand-off: Acme Logistics');
    assert.deepEqual(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((v) => v.address) : [], [ae.email]);
    for (const part of [
      'Dana Reyes, VP Customer Operations',
      'Pain: slow-support',
      'Score: 86 (hot)',
      'Meeting booked (+15)',
      'First contact by: 2026-12-05T15:00:00.000Z',
    ])
      assert.ok(mail.text?.includes(part), `text has ${part}: ${mail.text}`);
    assert.ok(typeof mail.html === 'string' && mail.html.includes('<th align="left">Score</th><td>86 (hot)</td>'));
    assert.equal(mail.headers.get('x-baton-handoff'), 'crm-1');

    const log = (await readFile(path.join(dataDir, 'notifications.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(log.length, 1);
    const rows = await new DeliveryStore(db).forHandoff('crm-1');
    assert.deepEqual(
      rows.map((r) => [r.recipient, r.channel, r.status, r.attempts]),
      [
        ['ae-kim', 'outbox', 'sent', 1],
        ['ae-kim', 'email', 'sent', 1],
      ],
    );
    assert.equal(rows[1]!.address, ae.email);
    assert.ok(rows[1]!.providerId?.includes('@baton>'));
  });

  it('the SDR and their manager come from the principals file; the sales managers are every manager; no email address, outbox only', async () => {
    const n: Notification = {
      key: 'handoff-crm-2:handoff-window-missed',
      handoffId: 'crm-2',
      kind: 'handoff_window_missed',
      to: [
        { id: 'sdr-jo', role: 'sdr' },
        { id: 'sales-manager', role: 'sales_managers' },
      ],
      message: 'Acme was not assigned within its window',
    };
    const report = await deliverer.deliver(n);
    // sdr-jo: outbox + email; ana: outbox + email; bo (no email): outbox.
    assert.equal(report.sent, 5);
    const to = smtp.mails.filter((m) => m.headers.get('x-baton-handoff') === 'crm-2').map((m) => (Array.isArray(m.to) ? '' : m.to?.text));
    assert.deepEqual(to.sort(), ['"Ana Ruiz" <ana@baton.example>', '"Jo Park" <jo@baton.example>']);
  });

  it('a mail server that is down fails the attempt without resending what went out; the retry sends the rest once', async () => {
    smtp.refuseWith = 421;
    await assert.rejects(deliverer.deliver(assignment('reminder:1:1')), /email to ae-kim failed/);
    smtp.refuseWith = undefined;
    const retried = await deliverer.deliver(assignment('reminder:1:1'));
    assert.deepEqual(retried, { sent: 1, alreadySent: 1, refused: [] });
    const rows = (await new DeliveryStore(db).forHandoff('crm-1')).filter((r) => r.step === 'reminder:1:1');
    assert.deepEqual(
      rows.map((r) => [r.channel, r.status, r.attempts]),
      [
        ['outbox', 'sent', 1],
        ['email', 'sent', 2],
      ],
    );
  });

  it('a mailbox the server refuses for good (5xx) is recorded as refused and never retried', async () => {
    smtp.refuseWith = 550;
    const report = await deliverer.deliver(assignment('reminder:1:2'));
    smtp.refuseWith = undefined;
    assert.equal(report.refused.length, 1);
    assert.match(report.refused[0]!.error, /SMTP 550/);
    const again = await deliverer.deliver(assignment('reminder:1:2'));
    assert.equal(again.sent, 0);
    assert.equal(again.refused.length, 1);
  });

  it('quiet hours hold email back (the outbox is written at once) until they end on the person’s clock; then it goes out once', async () => {
    let now = Date.parse('2026-12-08T21:00:00Z'); // 22:00 in Berlin
    const quietAware = new Deliverer(db, new Directory(db, tokensFile), [new OutboxChannel(dataDir, () => {}), email], 200, () => now);
    const n: Notification = {
      key: 'handoff-crm-4:returned',
      handoffId: 'crm-4',
      kind: 'returned_to_sdr',
      to: [{ id: 'sdr-lu', role: 'sdr' }],
      message: 'Acme was returned to you',
    };
    const held = await quietAware.deliver(n).then(
      () => assert.fail('expected the quiet hours to hold the email back'),
      (err: unknown) => err as ApplicationFailure,
    );
    assert.ok(held instanceof ApplicationFailure);
    assert.equal(held.type, 'HeldBack');
    // 07:30 Berlin (CET, UTC+1) is 06:30 UTC the next day: 9.5 hours later.
    assert.equal(held.nextRetryDelay, 9.5 * 3_600_000);
    assert.match(held.message, /sdr-lu's quiet hours last until 2026-12-09T06:30:00.000Z/);
    const rows = await new DeliveryStore(db).forHandoff('crm-4');
    assert.deepEqual(
      rows.map((r) => [r.channel, r.status]),
      [['outbox', 'sent']],
    );
    assert.equal(smtp.mails.filter((m) => m.headers.get('x-baton-handoff') === 'crm-4').length, 0);

    now = Date.parse('2026-12-09T06:30:00Z');
    assert.deepEqual(await quietAware.deliver(n), { sent: 1, alreadySent: 1, refused: [] });
    assert.equal(smtp.mails.filter((m) => m.headers.get('x-baton-handoff') === 'crm-4').length, 1);
  });

  it('a burst of alerts is folded: the first goes out at once, the rest of the window in one digest at its end, each once', async () => {
    const bursty = new Deliverer(db, new Directory(db, tokensFile), [new OutboxChannel(dataDir, () => {}), email], 200, Date.now, 300);
    const alert = (i: number): Notification => ({
      key: `handoff-burst-${i}:no-eligible-ae:0`,
      handoffId: `burst-${i}`,
      kind: 'no_eligible_ae',
      to: [{ id: 'sales-manager', role: 'sales_managers' }],
      message: `No eligible AE for Burst ${i} (hot)`,
    });
    const toAna = () =>
      smtp.mails.filter((m) => !Array.isArray(m.to) && m.to?.text.includes('ana@baton.example') && m.subject?.includes('No eligible AE'));
    const first = await bursty.deliver(alert(0));
    assert.equal(first.sent, 3, 'ana by email, ana and bo in the outbox');
    for (let i = 1; i <= 4; i++) {
      const held = await bursty.deliver(alert(i)).then(
        () => assert.fail('expected the alert to be held for the digest'),
        (err: unknown) => err as ApplicationFailure,
      );
      assert.equal(held.type, 'HeldBack');
      assert.ok(Number(held.nextRetryDelay) <= 1_000);
    }
    assert.equal(toAna().length, 1, 'only the first went out');
    await new Promise((resolve) => setTimeout(resolve, 350));
    // The first retry at the window's end sends the digest of all four; the others find theirs sent.
    assert.equal((await bursty.deliver(alert(3))).sent, 1);
    for (const i of [1, 2, 4]) assert.deepEqual(await bursty.deliver(alert(i)), { sent: 0, alreadySent: 3, refused: [] });
    const mails = toAna();
    assert.equal(mails.length, 2);
    assert.equal(mails[1]!.subject, '[Baton] No eligible AE: 4 hand-offs');
    for (let i = 1; i <= 4; i++) assert.ok(mails[1]!.text?.includes(`- No eligible AE for Burst ${i} (hot) (burst-${i})`), mails[1]!.text);
    const rows = (await new DeliveryStore(db).forHandoff('burst-2')).filter((r) => r.channel === 'email');
    assert.deepEqual(
      rows.map((r) => [r.recipient, r.status]),
      [['mgr-ana', 'sent']],
    );
  });

  it('a live claim is not sent twice by a concurrent attempt; a claim whose lease ran out (a worker died mid-send) is taken over', async () => {
    const store = new DeliveryStore(db, 200);
    const key = { workflowId: 'handoff-crm-3', step: 'assigned:1', recipient: 'ae-kim', channel: 'email' };
    const about = { handoffId: 'crm-3', kind: 'assignment', address: 'kim@example.com' };
    const first = await store.claim(key, about);
    assert.equal(first.state, 'claimed');
    assert.deepEqual(await store.claim(key, about), { state: 'in_flight' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const taken = await store.claim(key, about);
    assert.equal(taken.state, 'claimed');
    // The first holder's late record is ignored; the new holder's counts.
    await store.sent(key, first.state === 'claimed' ? first.claim : '', 'late');
    assert.equal((await store.get(key))!.status, 'sending');
    await store.sent(key, taken.state === 'claimed' ? taken.claim : '', 'mine');
    assert.deepEqual(await store.claim(key, about), { state: 'sent', providerId: 'mine' });
    assert.equal((await store.get(key))!.attempts, 2);
  });
});
