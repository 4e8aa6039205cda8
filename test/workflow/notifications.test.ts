import { Context } from '@temporalio/activity';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Activities } from '../../activities/index.js';
import { DeliveryStore } from '../../src/db/deliveries.js';
import type { AddressObject, ParsedMail } from 'mailparser';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  acceptUpdate,
  interventionSignals,
  markContactedUpdate,
  reportOutcomeUpdate,
  submitFeedbackUpdate,
} from '../../workflows/messages.js';
import { actors, hotLead, testRoster } from '../fixtures/leads.js';
import { startSmtp } from '../support/smtp.js';
import { createHarness, HOUR, MINUTE, notifications, waitForStage, withHarness, type Harness } from './harness.js';

const { kim, ana } = actors;
const kimEmail = testRoster.find((a) => a.id === 'ae-kim')!.email;
const kimName = testRoster.find((a) => a.id === 'ae-kim')!.name;
const FROM = 'Baton <baton@baton.example>';

/** The addresses of a parsed header (to, cc, reply-to). */
const addresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));

/** The invite of a mail: its text/calendar part (nodemailer sends it as an alternative). */
function ics(mail: ParsedMail): string {
  const part = mail.attachments.find((a) => a.contentType === 'text/calendar' || a.filename?.endsWith('.ics'));
  assert.ok(part, `the mail carries an invite: ${mail.attachments.map((a) => a.contentType).join(', ')}`);
  // Unfold the long lines (RFC 5545 §3.1).
  return part.content.toString('utf8').replace(/\r\n[ \t]/g, '');
}

/** Waits (real time, at most 30 s) for a condition on what the mail server received. */
async function waitFor(ready: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !ready(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(ready(), `never received ${what}`);
}

const mailsTo = (smtp: Awaited<ReturnType<typeof startSmtp>>, address: string) =>
  smtp.mails.filter((m) => !Array.isArray(m.to) && m.to?.value.some((v) => v.address === address));

async function closeAsKim(h: Harness, handle: Parameters<Harness['state']>[0], opts: { accepted?: boolean } = {}): Promise<void> {
  if (!opts.accepted) await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
  await handle.executeUpdate(markContactedUpdate, { args: [{ channel: 'call', actor: kim }] });
  await handle.executeUpdate(reportOutcomeUpdate, { args: [{ outcome: 'opportunity', actor: kim }] });
  await handle.executeUpdate(submitFeedbackUpdate, { args: [{ rating: 4, qualityIssues: [], actor: kim }] });
  void h;
}

describe('notifications reach people (time-skipping, real SMTP on loopback)', { concurrency: true }, () => {
  it('the AE gets the assignment with its package and the reminders, each once though every first reply is lost', async () => {
    const smtp = await startSmtp();
    const lost = new Set<string>();
    try {
      await withHarness(
        async (h) => {
          const handle = await h.start('notify-once', hotLead);
          const assigned = await waitForStage(h, handle, 'assigned');
          // The first reminder is due at half the 24 h window.
          await h.env.sleep(12 * HOUR + MINUTE);
          const sent = await notifications(h);
          assert.deepEqual(
            sent.map((n) => n.kind),
            ['assignment', 'contact_reminder'],
          );
          const assignment = sent[0]!;
          assert.equal(assignment.handoff?.company, hotLead.company!.name);
          assert.equal(assignment.handoff?.contactBy, assigned.deadlines.contactBy);
          assert.equal(assignment.handoff?.score, assigned.score!.total);
          assert.ok(assignment.handoff.reasons.length > 0);

          const mails = mailsTo(smtp, kimEmail);
          assert.deepEqual(mails.map((m) => m.subject).sort(), [
            `[Baton] New hand-off: ${hotLead.company!.name}`,
            `[Baton] Reminder: first contact due: ${hotLead.company!.name}`,
          ]);
          assert.ok(mails.every((m) => m.text?.includes(`First contact by: ${assigned.deadlines.contactBy}`)));
          assert.equal(lost.size, 2, 'each notification lost its first reply after sending');
          const rows = await new DeliveryStore(h.db).forHandoff('notify-once');
          assert.deepEqual(
            rows.map((r) => [r.step, r.channel, r.status, r.attempts]),
            [
              ['assigned:1', 'outbox', 'sent', 1],
              ['assigned:1', 'email', 'sent', 1],
              ['reminder:1:0', 'outbox', 'sent', 1],
              ['reminder:1:0', 'email', 'sent', 1],
            ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
          );
        },
        {
          email: { url: smtp.url, from: FROM },
          activities: (real): Activities => ({
            ...real,
            async notify(n) {
              const report = await real.notify(n);
              if (!lost.has(n.key)) {
                lost.add(n.key);
                throw new Error('connection reset after sending');
              }
              assert.equal(report.sent, 0, 'the retry finds everything already sent');
              return report;
            },
          }),
        },
      );
    } finally {
      await smtp.close();
    }
  });

  it('a worker that stops after the mail went out, before the activity reported, does not make the next worker send it again', async () => {
    const smtp = await startSmtp();
    let worker = 1;
    const reports: { worker: number; sent: number; alreadySent: number }[] = [];
    const h = await createHarness({
      email: { url: smtp.url, from: FROM },
      activities: (real): Activities => ({
        ...real,
        async notify(n) {
          const report = await real.notify(n);
          reports.push({ worker, sent: report.sent, alreadySent: report.alreadySent });
          // The first worker sends, then stops before it can report: the activity is cancelled by its shutdown.
          if (worker === 1) {
            await Context.current().cancelled.catch(() => undefined);
            throw new Error('the worker stopped');
          }
          return report;
        },
      }),
    });
    try {
      const handle = await h.start('notify-restart', hotLead);
      // No sticky cache, so the second worker takes over the workflow at once (as in the ledger's restart test).
      const noCache = { maxCachedWorkflows: 0 };
      await h.run(async () => {
        await waitForStage(h, handle, 'assigned');
        await waitFor(() => mailsTo(smtp, kimEmail).length === 1, 'the assignment mail');
      }, noCache);
      worker = 2;
      await h.run(async () => {
        // The stopped attempt times out (30 s) and the retry runs on this worker.
        await h.env.sleep(2 * MINUTE);
        await waitFor(() => reports.some((r) => r.worker === 2), 'the retry on the second worker');
      }, noCache);
      assert.deepEqual(
        reports.map((r) => [r.worker, r.sent, r.alreadySent]),
        [
          [1, 2, 0],
          [2, 0, 2],
        ],
      );
      assert.equal(mailsTo(smtp, kimEmail).length, 1, 'one assignment mail');
      assert.equal((await notifications(h)).filter((n) => n.kind === 'assignment').length, 1);
    } finally {
      await h.teardown();
      await smtp.close();
    }
  });

  it('a mail server outage delays the mails, never the hand-off; they go out once when it is back', async () => {
    const smtp = await startSmtp();
    smtp.refuseWith = 421;
    try {
      await withHarness(
        async (h) => {
          const handle = await h.start('notify-outage', hotLead);
          await waitForStage(h, handle, 'assigned');
          await closeAsKim(h, handle);
          // Closed while no mail could be sent; the run waits for its notifications before it ends.
          const closed = await waitForStage(h, handle, 'closed');
          assert.equal(closed.outcome, 'opportunity');
          assert.equal(smtp.mails.length, 0);
          assert.equal((await handle.describe()).status.name, 'RUNNING');
          // The mail server's refusal is in the delivery log (the send may still be in flight at first).
          let failed = await new DeliveryStore(h.db).forHandoff('notify-outage');
          for (let i = 0; i < 100 && !failed.some((r) => r.channel === 'email' && r.status === 'failed'); i++) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            failed = await new DeliveryStore(h.db).forHandoff('notify-outage');
          }
          assert.ok(
            failed.some((r) => r.channel === 'email' && r.status === 'failed' && /try again later/.test(r.error ?? '')),
            JSON.stringify(failed),
          );

          smtp.refuseWith = undefined;
          await h.env.sleep(2 * MINUTE);
          await handle.result();
          assert.deepEqual(
            mailsTo(smtp, kimEmail).map((m) => m.subject),
            [`[Baton] New hand-off: ${hotLead.company!.name}`],
          );
          const rows = await new DeliveryStore(h.db).forHandoff('notify-outage');
          assert.ok(rows.every((r) => r.status === 'sent'));
        },
        { email: { url: smtp.url, from: FROM } },
      );
    } finally {
      await smtp.close();
    }
  });
});

describe('the warm introduction (time-skipping, real SMTP on loopback)', { concurrency: true }, () => {
  it('accepting sends the prospect one intro with the SDR and AE in copy and an invite; a reassignment cancels it and the next AE re-invites (same UID, SEQUENCE bumped)', async () => {
    const smtp = await startSmtp();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-intro-'));
    const tokensFile = path.join(dir, 'tokens.json');
    const hash = 'a'.repeat(64);
    await writeFile(
      tokensFile,
      JSON.stringify([{ id: 'sdr-jo', role: 'sdr', name: 'Jo Park', email: 'jo@baton.example', tokenSha256: hash }]),
    );
    const prospect = hotLead.contact!.email!;
    const intros = () => mailsTo(smtp, prospect);
    try {
      await withHarness(
        async (h) => {
          const handle = await h.start('intro-1', hotLead);
          await waitForStage(h, handle, 'assigned');
          await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
          await waitFor(() => intros().length === 1, 'the introduction');
          const intro = intros()[0]!;
          assert.equal(intro.subject, `Introduction: ${hotLead.company!.name} × ${kimName}`);
          assert.deepEqual(addresses(intro.cc).sort(), ['jo@baton.example', kimEmail].sort());
          assert.deepEqual(addresses(intro.replyTo), [kimEmail]);
          assert.match(intro.text ?? '', /I'd like to introduce Kim/);
          assert.ok(intro.text?.includes(hotLead.nextStep!.meetingLink!));
          const invite = ics(intro);
          assert.match(invite, /METHOD:REQUEST/);
          assert.match(invite, /UID:handoff-intro-1@baton/);
          assert.match(invite, /SEQUENCE:0/);
          assert.match(invite, /DTSTART:20261124T160000Z/);
          assert.match(invite, new RegExp(`ORGANIZER;CN="?${kimName}"?:mailto:${kimEmail}`));
          assert.match(invite, new RegExp(`ATTENDEE;[^\\n]*:MAILTO:${prospect}`, 'i'));
          assert.match(invite, /ATTENDEE;[^\n]*:MAILTO:jo@baton.example/i);

          // A manager moves the lead to sam: the prospect's invite is cancelled; sam accepts and re-invites.
          await handle.signal(interventionSignals.reassign, { to: 'ae-sam', reason: 'kim is out', actor: ana });
          await waitFor(() => intros().length === 2, 'the cancellation');
          const cancel = intros()[1]!;
          assert.equal(cancel.subject, `Cancelled: ${hotLead.company!.name} × ${kimName}`);
          assert.match(ics(cancel), /METHOD:CANCEL/);
          assert.match(ics(cancel), /SEQUENCE:1/);
          assert.match(ics(cancel), /UID:handoff-intro-1@baton/);
          await handle.executeUpdate(acceptUpdate, { args: [{ actor: actors.sam }] });
          await waitFor(() => intros().length === 3, 'the new introduction');
          const again = ics(intros()[2]!);
          assert.match(again, /METHOD:REQUEST/);
          assert.match(again, /SEQUENCE:2/);
          assert.match(again, /UID:handoff-intro-1@baton/);
          assert.match(again, /ORGANIZER;[^\n]*mailto:ae-sam@example.com/);
        },
        { email: { url: smtp.url, from: FROM }, tokensFile },
      );
    } finally {
      await smtp.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('warmIntro: false opts the hand-off out', async () => {
    const smtp = await startSmtp();
    try {
      await withHarness(
        async (h) => {
          const handle = await h.start('intro-opt-out', { ...hotLead, warmIntro: false });
          await waitForStage(h, handle, 'assigned');
          await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
          await closeAsKim(h, handle, { accepted: true });
          await handle.result();
          assert.deepEqual(mailsTo(smtp, hotLead.contact!.email!), []);
          assert.ok(!(await notifications(h)).some((n) => n.kind === 'warm_intro'));
        },
        { email: { url: smtp.url, from: FROM } },
      );
    } finally {
      await smtp.close();
    }
  });
});
