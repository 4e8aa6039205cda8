import { SocketModeClient } from '@slack/socket-mode';
import type { Client } from '@temporalio/client';
import { handleSlackPayload } from '../api/routes/slack.js';
import type { NotificationChannels } from '../config.js';
import type { Database } from '../db/database.js';

/**
 * Slack's Socket Mode (`BATON_SLACK_APP_TOKEN`, an app-level `xapp-…` token with
 * `connections:write`): for hosts Slack cannot reach, the buttons' clicks come over a WebSocket the
 * API process opens to Slack instead of to the request URL. Each is acknowledged at once and
 * applied exactly as a signed request would be (`handleSlackPayload`).
 */
export async function startSlackSocketMode(deps: {
  client: Client;
  db: Database;
  slack: NonNullable<NotificationChannels['slack']>;
}): Promise<{ stop(): Promise<void> } | undefined> {
  const { appToken, apiUrl } = deps.slack;
  if (!appToken) return undefined;
  const socket = new SocketModeClient({
    appToken,
    ...(apiUrl ? { clientOptions: { slackApiUrl: apiUrl } } : {}),
  });
  socket.on('interactive', ({ ack, body }: { ack: () => Promise<void>; body: unknown }) => {
    void ack().catch((err: unknown) => console.error('slack: could not acknowledge an interaction:', err));
    handleSlackPayload(deps, body, apiUrl);
  });
  await socket.start();
  return {
    stop: async () => {
      await socket.disconnect();
    },
  };
}
