import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import type { Database } from '../../src/db/database.js';
import { DeliveryStore, type DeliveryKey } from '../../src/db/deliveries.js';
import { DIGEST_KINDS, type Notification } from '../../src/domain/notifications.js';
import { quietUntil } from '../../src/domain/quiet-hours.js';
import { TITLES } from './render.js';
import { PermanentFailure, type Channel } from './channels.js';
import type { Contact, Directory } from './directory.js';

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
    /** A burst of DIGEST_KINDS alerts within this window after one went out is folded into one digest. */
    private readonly digestWindowMs = 5 * 60_000,
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
    /** The earliest instant something held back (quiet hours, a digest window) may go out. */
    let later: { at: number; why: string } | undefined;
    const wait = (at: number, why: string): void => {
      if (!later || at < later.at) later = { at, why };
    };
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
            wait(quiet, `${contact.id}'s quiet hours last until ${new Date(quiet).toISOString()}`);
            continue;
          }
          const key: DeliveryKey = { workflowId, step, recipient: contact.id, channel: channel.name };
          const claim = await this.store.claim(key, { handoffId: n.handoffId, kind: n.kind, address });
          if (claim.state === 'sent') report.alreadySent++;
          if (claim.state === 'refused') report.refused.push({ recipient: contact.id, channel: channel.name, error: claim.error ?? '' });
          if (claim.state === 'in_flight') retry ??= new Error(`${channel.name} to ${contact.id} is being sent by another attempt`);
          const digestible = DIGEST_KINDS.has(n.kind) && channel.name !== 'outbox';
          if (claim.state === 'held' || (claim.state === 'claimed' && digestible)) {
            const last = await this.store.lastSent(contact.id, channel.name, n.kind);
            const windowEnds = last === undefined ? 0 : last + this.digestWindowMs;
            if (claim.state === 'claimed' && this.now() < windowEnds) {
              await this.store.hold(key, claim.claim, `${n.message} (${n.handoffId})`);
              wait(windowEnds, `${contact.id}'s ${n.kind} digest goes out at ${new Date(windowEnds).toISOString()}`);
              continue;
            }
            if (claim.state === 'held') {
              if (this.now() < windowEnds)
                wait(windowEnds, `${contact.id}'s ${n.kind} digest goes out at ${new Date(windowEnds).toISOString()}`);
              else
                await this.sendDigest(n, contact, channel, address).then(
                  (sent) =>
                    void (sent
                      ? report.sent++
                      : (retry ??= new Error(`${channel.name} digest to ${contact.id} is being sent by another attempt`))),
                  (err: unknown) =>
                    void (retry ??= new Error(`${channel.name} digest to ${contact.id} failed: ${(err as Error).message}`, { cause: err })),
                );
              continue;
            }
          }
          if (claim.state !== 'claimed') continue;
          let providerId: string | null;
          try {
            providerId = await channel.send(n, contact, address, deliveryId(key), cc);
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            const permanent = err instanceof PermanentFailure;
            await this.store.failed(key, claim.claim, message, permanent ? 'refused' : 'failed');
            if (permanent) report.refused.push({ recipient: contact.id, channel: channel.name, error: message });
            else retry ??= new Error(`${channel.name} to ${contact.id} failed: ${message}`, { cause: err });
            continue;
          }
          // It went out: the log must say so, or a later attempt would send it again. The database may
          // be restarting, so this keeps trying for a while; only if it never comes back does the claim
          // stay `sending` until its lease ends (the one at-least-once window, README "Notifications").
          await persist(() => this.store.sent(key, claim.claim, providerId));
          report.sent++;
        }
      }
    }
    // The activity is retried; what went out is in the log and is not sent again.
    if (retry) throw retry;
    // Held back (quiet hours, a digest window): the activity's next attempt comes when it may go out.
    if (later)
      throw ApplicationFailure.create({
        type: 'HeldBack',
        message: later.why,
        nextRetryDelay: Math.max(1_000, later.at - this.now()),
      });
    return report;
  }

  /**
   * Sends the digest of everything held for this person, channel and kind (this notification's
   * own delivery among them). Answers false when another attempt took them first.
   */
  private async sendDigest(n: Notification, contact: Contact, channel: Channel, address: string): Promise<boolean> {
    const { claim, held } = await this.store.takeHeld(contact.id, channel.name, n.kind);
    if (held.length === 0) return false;
    const digest: Notification = {
      key: `${n.key}#digest`,
      handoffId: held[0]!.handoffId,
      kind: n.kind,
      to: n.to,
      message: `${held.length} hand-offs: ${TITLES[n.kind].toLowerCase()}`,
      digest: held.map((d) => ({ handoffId: d.handoffId, message: d.message ?? d.handoffId })),
    };
    let providerId: string | null;
    try {
      providerId = await channel.send(digest, contact, address, `digest-${claim}`);
    } catch (err) {
      await this.store.releaseTaken(claim, (err as Error).message);
      throw err;
    }
    // Sent: recorded come what may (released, the digest would go out again).
    await persist(() => this.store.sentTaken(claim, providerId));
    return true;
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

/** Retries a write that must not be lost for up to about 30 s (a database restart), then gives up with its error. */
async function persist(write: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= 8) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(8000, 250 * 2 ** attempt)));
    }
  }
}
