import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Activities } from '../../activities/index.js';
import { DeliveryStore } from '../../src/db/deliveries.js';
import { acceptUpdate, markContactedUpdate, reportOutcomeUpdate, submitFeedbackUpdate } from '../../workflows/messages.js';
import { actors, hotLead, testRoster } from '../fixtures/leads.js';
import { startSmtp } from '../support/smtp.js';
import { HOUR, MINUTE, notifications, waitForStage, withHarness, type Harness } from './harness.js';

const { kim } = actors;
const kimEmail = testRoster.find((a) => a.id === 'ae-kim')!.email;
const FROM = 'Baton <baton@baton.example>';

const mailsTo = (smtp: Awaited<ReturnType<typeof startSmtp>>, address: string) =>
  smtp.mails.filter((m) => !Array.isArray(m.to) && m.to?.value.some((v) => v.address === address));

async function closeAsKim(h: Harness, handle: Parameters<Harness['state']>[0]): Promise<void> {
  await handle.executeUpdate(acceptUpdate, { args: [{ actor: kim }] });
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
