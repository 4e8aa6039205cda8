import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Notification } from '../../src/domain/notifications.js';
import type { Contact } from './directory.js';
import { introMail } from './intro.js';
import { render } from './render.js';

/** One way of telling people. */
export interface Channel {
  readonly name: string;
  /** Where this channel reaches the contact, or undefined when it cannot (no email address, say). */
  addressOf(contact: Contact): string | undefined;
  /** Sends; answers the provider's id for the message. Throws a `PermanentFailure` when retrying cannot help. */
  send(notification: Notification, contact: Contact, address: string, deliveryId: string, cc?: Contact[]): Promise<string | null>;
}

/** A failure retrying cannot fix (an address the server refuses): recorded, not retried. */
export class PermanentFailure extends Error {
  override name = 'PermanentFailure';
}

/**
 * The outbox: every notification, one JSON line per recipient, in `notifications.jsonl` under the
 * data dir, and a log line. Always on, so a team with no channel configured still sees what Baton
 * would have said; the delivery log (not the file) keeps it from being written twice.
 */
export class OutboxChannel implements Channel {
  readonly name = 'outbox';
  private readonly file: string;

  constructor(
    dataDir: string,
    private readonly log: (line: string) => void,
  ) {
    this.file = path.join(dataDir, 'notifications.jsonl');
  }

  addressOf(): string {
    return 'notifications.jsonl';
  }

  async send(n: Notification, contact: Contact): Promise<null> {
    const recipient = n.to.find((r) => r.id === contact.id) ?? n.to[0]!;
    await mkdir(path.dirname(this.file), { recursive: true });
    // One write per line: a line is whole or absent, and nothing ever reads this file back.
    await appendFile(this.file, `${JSON.stringify({ ...n, to: [{ ...recipient, id: contact.id }], at: new Date().toISOString() })}\n`);
    this.log(`[notify] ${n.kind} → ${contact.id}: ${n.message}`);
    return null;
  }
}

export interface EmailOptions {
  /** An SMTP URL (`smtp://user:pass@host:587`, `smtps://…`), as nodemailer takes it. */
  url: string;
  from: string;
}

/** Email over SMTP (nodemailer): the notification as text and HTML, with a stable Message-ID per delivery. */
export class EmailChannel implements Channel {
  readonly name = 'email';
  private readonly transport: Transporter;

  constructor(private readonly opts: EmailOptions) {
    this.transport = nodemailer.createTransport(opts.url);
  }

  addressOf(contact: Contact): string | undefined {
    return contact.email;
  }

  async send(n: Notification, contact: Contact, address: string, deliveryId: string, cc: Contact[] = []): Promise<string | null> {
    const intro = n.kind === 'warm_intro' ? introMail(n, contact, cc) : undefined;
    const { subject, text, html } = intro ?? render(n);
    try {
      const info = (await this.transport.sendMail({
        from: this.opts.from,
        to: { name: contact.name, address },
        ...(intro ? { cc: intro.cc, ...(intro.replyTo ? { replyTo: intro.replyTo } : {}) } : {}),
        ...(intro ? { icalEvent: { method: intro.method, filename: 'invite.ics', content: intro.ics } } : {}),
        subject,
        text,
        html,
        // The same delivery always carries the same id, so a mail client folds a resend after a crash.
        messageId: `<${deliveryId}@baton>`,
        headers: { 'X-Baton-Handoff': n.handoffId, 'X-Baton-Kind': n.kind },
      })) as { messageId?: string };
      return info.messageId ?? null;
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      // 5xx: the server refuses this message for good (no such mailbox, rejected sender).
      if (code !== undefined && code >= 500) throw new PermanentFailure(`SMTP ${code}: ${(err as Error).message}`);
      throw err;
    }
  }

  close(): void {
    this.transport.close();
  }
}
