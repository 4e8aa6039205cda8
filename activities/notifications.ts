import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Notification } from '../src/domain/notifications.js';

export type { Notification };

/**
 * The notification outbox: every alert and reminder is appended once (per key) to
 * `notifications.jsonl` under the data dir and logged. Delivery channels (email, Slack) read the
 * outbox; until they exist, the file is what a team tails.
 */
export class Outbox {
  private sent: Promise<Set<string>> | undefined;
  private readonly file: string;

  constructor(
    dataDir: string,
    private readonly log: (line: string) => void = (line) => console.log(line),
  ) {
    this.file = path.join(dataDir, 'notifications.jsonl');
  }

  async send(notification: Notification): Promise<boolean> {
    const sent = await (this.sent ??= this.load());
    if (sent.has(notification.key)) return false;
    sent.add(notification.key);
    await mkdir(path.dirname(this.file), { recursive: true });
    await appendFile(this.file, JSON.stringify({ ...notification, at: new Date().toISOString() }) + '\n');
    this.log(`[notify] ${notification.kind} → ${notification.to.map((r) => r.id).join(', ')}: ${notification.message}`);
    return true;
  }

  private async load(): Promise<Set<string>> {
    try {
      const text = await readFile(this.file, 'utf8');
      return new Set(
        text
          .split('\n')
          .filter(Boolean)
          .map((line) => (JSON.parse(line) as Notification).key),
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
      throw err;
    }
  }
}
