import { stat } from 'node:fs/promises';
import type { Database } from '../../src/db/database.js';
import { RosterStore } from '../../src/db/roster.js';
import { SALES_MANAGERS, type Recipient } from '../../src/domain/notifications.js';
import type { Principal } from '../../src/domain/principals.js';
import type { QuietHours } from '../../src/domain/quiet-hours.js';
import { readTokensFile } from '../../src/principals/file.js';

/** How to reach one person. */
export interface Contact {
  id: string;
  name: string;
  email?: string;
  slackUserId?: string;
  /** Their zone and quiet hours: email and Slack wait until those end. */
  timeZone?: string;
  quietHours?: QuietHours;
}

/**
 * Resolves a notification's recipients to people: AEs from the roster (PostgreSQL), everyone else
 * from the principals (tokens) file, re-read when it changes; the sales managers are every
 * principal with the manager role. Someone nobody can find is still logged in the outbox.
 */
export class Directory {
  private principals: { key: string; list: Promise<Principal[]> } | undefined;
  private readonly roster: RosterStore;

  constructor(
    db: Database,
    private readonly tokensFile: string | undefined,
  ) {
    this.roster = new RosterStore(db);
  }

  async contactsOf(recipient: Recipient): Promise<Contact[]> {
    if (recipient.id === SALES_MANAGERS) {
      const managers = (await this.people()).filter((p) => p.role === 'manager');
      return managers.length > 0 ? managers.map(contactOf) : [{ id: SALES_MANAGERS, name: 'Sales managers' }];
    }
    if (recipient.role === 'ae') {
      const ae = await this.roster.get(recipient.id);
      if (ae)
        return [
          {
            id: ae.id,
            name: ae.name,
            email: ae.email,
            timeZone: ae.timeZone,
            ...(ae.slackUserId ? { slackUserId: ae.slackUserId } : {}),
            ...(ae.quietHours ? { quietHours: ae.quietHours } : {}),
          },
        ];
    }
    const principal = (await this.people()).find((p) => p.id === recipient.id);
    return [principal ? contactOf(principal) : { id: recipient.id, name: recipient.id }];
  }

  private async people(): Promise<Principal[]> {
    if (!this.tokensFile) return [];
    const info = await stat(this.tokensFile).catch(() => undefined);
    const key = info ? `${info.size}:${info.mtimeMs}` : 'missing';
    if (this.principals?.key !== key) {
      const list = readTokensFile(this.tokensFile).then((entries) => entries.map(({ tokenSha256: _, ...principal }) => principal));
      this.principals = { key, list };
      list.catch(() => {
        if (this.principals?.list === list) this.principals = undefined;
      });
    }
    return this.principals.list;
  }
}

function contactOf(p: Principal): Contact {
  return {
    id: p.id,
    name: p.name,
    ...(p.email ? { email: p.email } : {}),
    ...(p.slackUserId ? { slackUserId: p.slackUserId } : {}),
    ...(p.timeZone ? { timeZone: p.timeZone } : {}),
    ...(p.quietHours ? { quietHours: p.quietHours } : {}),
  };
}
