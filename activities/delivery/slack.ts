import { LogLevel, WebAPIPlatformError, WebClient, type KnownBlock } from '@slack/web-api';
import type { DeliveryStore } from '../../src/db/deliveries.js';
import type { HandoffPackage, Notification } from '../../src/domain/notifications.js';
import { actionsBlock, mrkdwn, section, truncate } from '../../src/slack/blocks.js';
import { PermanentFailure, type Channel } from './channels.js';
import type { Contact } from './directory.js';
import { packageLines } from './render.js';

export interface SlackOptions {
  /** The bot token (`xoxb-…`). */
  token: string;
  /** Another Web API base (a local stand-in in tests); it must end with `/api/`. */
  apiUrl?: string;
}

/** The step prefix of an assignment (`assigned:<n>`): later notifications to that AE go into its thread. */
const ASSIGNMENT_STEP = 'assigned:';

/**
 * Slack errors a retry can fix; every other error Slack answers (`invalid_auth`, `user_not_found`,
 * `channel_not_found`, `not_in_channel`, `account_inactive`, `invalid_blocks`…) stays wrong until
 * someone changes the app or the roster, so it is refused rather than retried.
 */
const TRANSIENT_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/**
 * Slack (`@slack/web-api`): an assignment is a direct message from the app with the hand-off package
 * and Accept / Mark contacted / Reject buttons; every later notification to the same person about
 * that hand-off (reminders, escalations, feedback) is a reply in its thread. Retries are the notify
 * activity's, so the client itself never retries.
 */
export class SlackChannel implements Channel {
  readonly name = 'slack';
  private readonly client: WebClient;

  constructor(
    opts: SlackOptions,
    private readonly deliveries: DeliveryStore,
  ) {
    this.client = new WebClient(opts.token, {
      ...(opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {}),
      retryConfig: { retries: 0 },
      // A rate limit is an error the activity retries later, not a wait inside this attempt.
      rejectRateLimitedCalls: true,
      // Within the notify activity's 30 s.
      timeout: 10_000,
      logLevel: LogLevel.ERROR,
    });
  }

  addressOf(contact: Contact): string | undefined {
    return contact.slackUserId;
  }

  async send(n: Notification, contact: Contact, address: string): Promise<string> {
    // A digest spans hand-offs: it is a message of its own, listing them.
    const thread = n.kind === 'assignment' || n.digest ? undefined : await this.threadOf(n.handoffId, contact.id);
    const blocks = n.digest
      ? [section([mrkdwn(n.message), ...n.digest.map((d) => `• ${mrkdwn(d.message)}`)].join('\n'))]
      : n.kind === 'assignment'
        ? assignmentBlocks(n)
        : thread
          ? [section(mrkdwn(n.message))]
          : notificationBlocks(n);
    try {
      const res = await this.client.chat.postMessage({
        // A user id posts in the app's direct message with that person.
        channel: thread?.channel ?? address,
        ...(thread ? { thread_ts: thread.ts } : {}),
        text: n.message,
        blocks,
        unfurl_links: false,
        unfurl_media: false,
      });
      return `${res.channel}:${res.ts}`;
    } catch (err) {
      if (err instanceof WebAPIPlatformError && !TRANSIENT_ERRORS.has(err.data.error)) {
        throw new PermanentFailure(`Slack chat.postMessage: ${err.data.error}`);
      }
      throw err;
    }
  }

  /** The message of the latest assignment this person was sent for the hand-off, if any. */
  private async threadOf(handoffId: string, recipient: string): Promise<{ channel: string; ts: string } | undefined> {
    const providerId = await this.deliveries.latestSent(handoffId, recipient, this.name, ASSIGNMENT_STEP);
    const at = providerId?.indexOf(':') ?? -1;
    return providerId && at > 0 ? { channel: providerId.slice(0, at), ts: providerId.slice(at + 1) } : undefined;
  }
}

/** The assignment as the AE sees it: what it is, the package, and what they can do about it. */
export function assignmentBlocks(n: Notification): KnownBlock[] {
  return [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`New hand-off: ${n.handoff?.company ?? n.handoffId}`, 150), emoji: true },
    },
    section(mrkdwn(n.message)),
    ...(n.handoff ? [section(packageText(n.handoff))] : []),
    actionsBlock(n.handoffId, ['accept', 'contacted', 'reject']),
    footer(n.handoffId),
  ];
}

/** Any other notification on its own: the message, and the package when it carries one. */
function notificationBlocks(n: Notification): KnownBlock[] {
  return [section(mrkdwn(n.message)), ...(n.handoff ? [section(packageText(n.handoff))] : []), footer(n.handoffId)];
}

/** The package's lines as Slack text, times shown in each reader's own time zone. */
function packageText(p: HandoffPackage): string {
  return packageLines(p)
    .map(([label, value]) => `*${label}:* ${mrkdwn(value)}`)
    .join('\n');
}

function footer(handoffId: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: `Baton · hand-off \`${handoffId}\`` }] };
}
