import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import type { Database } from '../../src/db/database.js';
import { DeliveryStore, type DeliveryKey } from '../../src/db/deliveries.js';
import type { Notification } from '../../src/domain/notifications.js';
import { quietUntil } from '../../src/domain/quiet-hours.js';
import { PermanentFailure, type Channel } from './channels.js';
import type { Directory } from './directory.js';

export { EmailChannel, OutboxChannel, PermanentFailure, type Channel, type EmailOptions } from './channels.js';
export { Directory, type Contact } from './directory.js';

export interface DeliveryReport {
  sent: number;
  /** Already sent by an earlier attempt (a retry, a redelivered activity, a replay). */
  alreadySent: number;
  /** Refused for good (the recipient's server refused the address): recorded, never retried. */
  refused: { recipient: string; channel: string; error: string }[];
}

/**
 * Sends one notification to each of its recipients on each channel that reaches them, exactly once
 * per (step, recipient, channel) as recorded in the delivery log. A channel that fails is retried
 * by the activity's retries without resending what already went out; a channel that is down
 * delays only its own deliveries.
 */
export class Deliverer {
  private readonly store: DeliveryStore;

  constructor(
    db: Database,
    private readonly directory: Directory,
    private readonly channels: readonly Channel[],
    leaseMs?: number,
    private readonly now: () => number = Date.now,
  ) {
    this.store = new DeliveryStore(db, leaseMs);
  }

  get channelNames(): string[] {
    return this.channels.map((c) => c.name);
  }

  async deliver(n: Notification): Promise<DeliveryReport> {
    const { workflowId, step } = splitKey(n);
    const report: DeliveryReport = { sent: 0, alreadySent: 0, refused: [] };
    let retry: Error | undefined;
    /** The earliest end of a recipient's quiet hours that held back a message. */
    let quietEnd: { at: number; who: string } | undefined;
    const cc = (await Promise.all((n.cc ?? []).map((r) => this.directory.contactsOf(r)))).flat();
    for (const recipient of n.to) {
      // The prospect is not in the directory: their address and name come with the notification.
      const contacts =
        recipient.role === 'prospect'
          ? [{ id: recipient.id, name: n.handoff?.contact.name ?? recipient.id, email: recipient.id }]
          : await this.directory.contactsOf(recipient);
      for (const contact of contacts) {
        for (const channel of this.channels) {
          const address = channel.addressOf(contact);
          if (address === undefined) continue;
          const quiet =
            channel.name === 'outbox' || !contact.quietHours
              ? undefined
              : quietUntil(this.now(), contact.timeZone ?? 'UTC', contact.quietHours);
          if (quiet !== undefined) {
            if (!quietEnd || quiet < quietEnd.at) quietEnd = { at: quiet, who: contact.id };
            continue;
          }
          const key: DeliveryKey = { workflowId, step, recipient: contact.id, channel: channel.name };
          const claim = await this.store.claim(key, { handoffId: n.handoffId, kind: n.kind, address });
          if (claim.state === 'sent') report.alreadySent++;
          if (claim.state === 'refused') report.refused.push({ recipient: contact.id, channel: channel.name, error: claim.error ?? '' });
          if (claim.state === 'in_flight') retry ??= new Error(`${channel.name} to ${contact.id} is being sent by another attempt`);
          if (claim.state !== 'claimed') continue;
          try {
            const providerId = await channel.send(n, contact, address, deliveryId(key), cc);
            await this.store.sent(key, claim.claim, providerId);
            report.sent++;
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            const permanent = err instanceof PermanentFailure;
            await this.store.failed(key, claim.claim, message, permanent ? 'refused' : 'failed');
            if (permanent) report.refused.push({ recipient: contact.id, channel: channel.name, error: message });
            else retry ??= new Error(`${channel.name} to ${contact.id} failed: ${message}`, { cause: err });
          }
        }
      }
    }
    // The activity is retried; what went out is in the log and is not sent again.
    if (retry) throw retry;
    // Held back by quiet hours: the activity's next attempt comes when they end.
    if (quietEnd)
      throw ApplicationFailure.create({
        type: 'QuietHours',
        message: `${quietEnd.who}'s quiet hours last until ${new Date(quietEnd.at).toISOString()}`,
        nextRetryDelay: Math.max(1_000, quietEnd.at - this.now()),
      });
    return report;
  }
}

/** The notification key is `<workflow id>:<step>`; the workflow id is `handoff-<handoff id>`. */
function splitKey(n: Notification): { workflowId: string; step: string } {
  const workflowId = `handoff-${n.handoffId}`;
  if (n.key.startsWith(`${workflowId}:`)) return { workflowId, step: n.key.slice(workflowId.length + 1) };
  const at = n.key.lastIndexOf(':');
  return at > 0 ? { workflowId: n.key.slice(0, at), step: n.key.slice(at + 1) } : { workflowId, step: n.key };
}

/** A stable id per delivery (the email's Message-ID): the same delivery sent again carries the same one. */
function deliveryId(key: DeliveryKey): string {
  return createHash('sha256').update(`${key.workflowId}\0${key.step}\0${key.recipient}\0${key.channel}`).digest('hex').slice(0, 32);
}
