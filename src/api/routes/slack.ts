import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { KnownBlock } from '@slack/web-api';
import type { Client } from '@temporalio/client';
import { bodyLimit } from 'hono/body-limit';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { RosterStore } from '../../db/roster.js';
import { REJECT_REASONS, type Actor, type RejectReason } from '../../domain/actions.js';
import { HandoffIdSchema } from '../../domain/lead.js';
import type { RosterEntry } from '../../domain/roster.js';
import type { HandoffState } from '../../domain/state.js';
import { actionsBlock, actionsBlockId, actionsOffered, mrkdwn, outcomeBlockId, rejectLabel, SLACK_ACTIONS } from '../../slack/blocks.js';
import { acceptUpdate, markContactedUpdate, rejectUpdate } from '../../../workflows/messages.js';
import { MAX_BODY_BYTES } from '../body.js';
import { problemResponses, ProblemError } from '../problem.js';
import { createRouter, type ApiDeps, type AppEnv } from '../router.js';
import { sendUpdate, temporalProblem } from '../temporal.js';

/** Slack refuses requests older than this, and so does Baton (a captured request cannot be replayed later). */
export const SLACK_MAX_AGE_S = 5 * 60;
/** How long posting an outcome to a `response_url` may take. */
const RESPOND_TIMEOUT_MS = 10_000;
/** Where Slack's `response_url`s point (commercial and GovSlack); a configured API stand-in is allowed too. */
const RESPONSE_HOSTS = ['hooks.slack.com', 'hooks.slack-gov.com'];

const ActionSchema = z.object({
  action_id: z.string(),
  block_id: z.string().optional(),
  value: z.string().optional(),
  selected_option: z.object({ value: z.string() }).optional(),
});
const BlockSchema = z.looseObject({ type: z.string(), block_id: z.string().optional() });
/** The part of an interaction payload Baton reads (Slack's `block_actions`). */
const PayloadSchema = z.object({
  type: z.string(),
  user: z.object({ id: z.string() }).optional(),
  response_url: z.string().optional(),
  actions: z.array(ActionSchema).optional(),
  message: z.object({ blocks: z.array(BlockSchema).optional() }).optional(),
});
type Block = z.infer<typeof BlockSchema>;

/** A click Baton acts on: who clicked, on which hand-off, what, and where to say how it went. */
type Click = {
  slackUserId: string;
  handoffId: string;
  responseUrl: string;
  blocks: Block[] | undefined;
} & ({ action: 'accept' | 'contacted' } | { action: 'reject'; reason: RejectReason });

/**
 * Slack interactivity (the app's Request URL): the buttons of an assignment message. Slack signs
 * every request with the app's signing secret; nothing unsigned, forged or older than five minutes
 * is read. The clicking Slack user acts as the AE whose roster entry has their `slackUserId`,
 * through the same update validators as the API. Slack wants an answer within three seconds, so
 * the click is acknowledged at once and its outcome posted to the payload's `response_url`.
 */
export function slackRoutes(deps: ApiDeps): OpenAPIHono<AppEnv> {
  const router = createRouter();
  const roster = new RosterStore(deps.db);
  const slack = deps.config.notifications.slack;
  const now = deps.now ?? Date.now;

  router.openapi(
    createRoute({
      method: 'post',
      path: '/interactions',
      operationId: 'slackInteraction',
      // Slack's to call, not an API client's: signed by Slack rather than a bearer token, so it stays
      // out of the document whose every /v1 route takes a bearer token.
      hide: true,
      summary: 'Slack interactivity: the buttons of an assignment message',
      description:
        'Slack’s Request URL (`application/x-www-form-urlencoded` with a `payload` field), verified with the signing secret (`X-Slack-Signature`, `X-Slack-Request-Timestamp`, at most 5 minutes old); no bearer token. Accept, Mark contacted and Reject act as the AE whose roster entry has the clicking user’s `slackUserId`. Answered 200 at once; the outcome is posted to the payload’s `response_url`. 404 while Slack is not configured.',
      middleware: [
        bodyLimit({
          maxSize: MAX_BODY_BYTES,
          onError: () => {
            throw new ProblemError('payload-too-large', `the body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
          },
        }),
      ] as const,
      responses: {
        200: { description: 'Acknowledged; the outcome follows at the payload’s `response_url`' },
        ...problemResponses('malformed-request', 'unauthorized', 'not-found', 'payload-too-large'),
      },
    }),
    async (c) => {
      if (!slack?.signingSecret) throw new ProblemError('not-found', 'Slack is not configured (BATON_SLACK_SIGNING_SECRET)');
      const body = await c.req.text();
      const refused = signatureProblem(
        slack.signingSecret,
        c.req.header('X-Slack-Request-Timestamp'),
        c.req.header('X-Slack-Signature'),
        body,
        now(),
      );
      if (refused) throw new ProblemError('unauthorized', refused);
      const click = clickOf(body, slack.apiUrl);
      if (click) {
        void act(deps.client, roster, click).catch((err: unknown) => {
          console.error(`slack: the ${click.action} of ${click.handoffId} by ${click.slackUserId} failed:`, err);
        });
      }
      return c.body(null, 200);
    },
  );

  return router;
}

/**
 * Why a request does not carry Slack's signature (undefined when it does): HMAC-SHA256 with the
 * signing secret of `v0:<timestamp>:<raw body>`, sent as `v0=<hex>`, at most five minutes old.
 */
export function signatureProblem(
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  body: string,
  nowMs: number,
): string | undefined {
  if (!timestamp || !signature) return 'send X-Slack-Request-Timestamp and X-Slack-Signature (a request signed by Slack)';
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_MAX_AGE_S) {
    return 'the request timestamp is not within 5 minutes of now';
  }
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'the Slack signature does not match';
  return undefined;
}

/** The click in a signed request body, or undefined for an interaction Baton does not handle. */
function clickOf(body: string, apiUrl: string | undefined): Click | undefined {
  const raw = new URLSearchParams(body).get('payload');
  if (raw === null) throw new ProblemError('malformed-request', 'the body has no payload field');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ProblemError('malformed-request', `the payload is not valid JSON: ${(err as Error).message}`);
  }
  return clickOfPayload(json, apiUrl);
}

/**
 * Applies one interaction payload as the request URL does, for Slack's Socket Mode (which delivers
 * the same payloads over its WebSocket, already authenticated): in the background, the outcome
 * posted to the payload's `response_url`. Answers false for a payload Baton does not handle.
 */
export function handleSlackPayload(deps: Pick<ApiDeps, 'client' | 'db'>, payload: unknown, apiUrl: string | undefined): boolean {
  let click: Click | undefined;
  try {
    click = clickOfPayload(payload, apiUrl);
  } catch (err) {
    console.warn(`slack: ignored an interaction: ${(err as Error).message}`);
    return false;
  }
  if (!click) return false;
  const { action, handoffId, slackUserId } = click;
  void act(deps.client, new RosterStore(deps.db), click).catch((err: unknown) => {
    console.error(`slack: the ${action} of ${handoffId} by ${slackUserId} failed:`, err);
  });
  return true;
}

function clickOfPayload(json: unknown, apiUrl: string | undefined): Click | undefined {
  const parsed = PayloadSchema.safeParse(json);
  if (!parsed.success) throw new ProblemError('malformed-request', 'the payload is not a Slack interaction');
  const payload = parsed.data;
  if (payload.type !== 'block_actions') return undefined;
  const action = payload.actions?.[0];
  if (!payload.user || !payload.response_url || !action)
    throw new ProblemError('malformed-request', 'a block action without user, response_url or action');
  if (!responseUrlAllowed(payload.response_url, apiUrl)) {
    console.warn(`slack: ignored a click whose response_url is not Slack's: ${payload.response_url}`);
    return undefined;
  }
  const base = { slackUserId: payload.user.id, responseUrl: payload.response_url, blocks: payload.message?.blocks };
  if (action.action_id === SLACK_ACTIONS.accept || action.action_id === SLACK_ACTIONS.contacted) {
    const handoffId = HandoffIdSchema.safeParse(action.value);
    if (!handoffId.success) return undefined;
    return { ...base, handoffId: handoffId.data, action: action.action_id === SLACK_ACTIONS.accept ? 'accept' : 'contacted' };
  }
  if (action.action_id === SLACK_ACTIONS.reject) {
    const value = action.selected_option?.value ?? '';
    const at = value.lastIndexOf('|');
    const handoffId = HandoffIdSchema.safeParse(value.slice(0, at));
    const reason = z.enum(REJECT_REASONS).safeParse(value.slice(at + 1));
    if (at < 0 || !handoffId.success || !reason.success) return undefined;
    return { ...base, handoffId: handoffId.data, action: 'reject', reason: reason.data };
  }
  return undefined;
}

/** Only Slack's own hosts (or the configured Web API stand-in) are posted to: a click never makes Baton call elsewhere. */
function responseUrlAllowed(url: string, apiUrl: string | undefined): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  if (parsed.protocol === 'https:' && RESPONSE_HOSTS.includes(parsed.hostname)) return true;
  return apiUrl !== undefined && URL.canParse(apiUrl) && parsed.origin === new URL(apiUrl).origin;
}

/** Applies a click as the AE it maps to and tells them how it went, through the `response_url`. */
async function act(client: Client, roster: RosterStore, click: Click): Promise<void> {
  let ae: RosterEntry | undefined;
  try {
    ae = (await roster.list()).find((entry) => entry.slackUserId === click.slackUserId);
  } catch (err) {
    console.error('slack: could not read the roster:', err);
    await respond(click.responseUrl, {
      response_type: 'ephemeral',
      replace_original: false,
      text: `Baton did not ${VERBS[click.action]} hand-off \`${click.handoffId}\`: it cannot read the roster right now; try again in a minute.`,
    });
    return;
  }
  if (!ae) {
    await respond(click.responseUrl, {
      response_type: 'ephemeral',
      replace_original: false,
      text: `Baton does not know your Slack account (${click.slackUserId}): nothing was done. Ask a sales manager to add your Slack member id (slackUserId) to your entry in the AE roster.`,
    });
    return;
  }
  const actor: Actor = { id: ae.id, role: 'ae' };
  let state: HandoffState;
  try {
    state = await apply(client, click, actor);
  } catch (err) {
    await respond(click.responseUrl, { response_type: 'ephemeral', replace_original: false, text: refusalText(click, err) });
    return;
  }
  const outcome = outcomeText(click, state);
  if (!click.blocks) {
    await respond(click.responseUrl, { replace_original: false, text: outcome });
    return;
  }
  await respond(click.responseUrl, { replace_original: true, text: outcome, blocks: updatedBlocks(click, state, ae.id, outcome) });
}

function apply(client: Client, click: Click, actor: Actor): Promise<HandoffState> {
  if (click.action === 'reject') return sendUpdate(client, click.handoffId, rejectUpdate, { reason: click.reason, actor });
  if (click.action === 'accept') return sendUpdate(client, click.handoffId, acceptUpdate, { actor });
  return sendUpdate(client, click.handoffId, markContactedUpdate, { channel: 'other', actor });
}

const VERBS = { accept: 'accept', contacted: 'mark as contacted', reject: 'reject' } as const;

function outcomeText(click: Click, state: HandoffState): string {
  const who = `<@${click.slackUserId}>`;
  const when = mrkdwn(new Date().toISOString());
  if (click.action === 'reject') {
    const next = state.rejection?.rerouted ? 'It goes to another AE.' : 'It is back with the SDR.';
    return `:leftwards_arrow_with_hook: ${who} rejected this hand-off: ${rejectLabel(click.reason)} (${when}). ${next}`;
  }
  if (click.action === 'accept') return `:white_check_mark: ${who} accepted this hand-off (${when}).`;
  return `:telephone_receiver: ${who} recorded the first contact (${when}).`;
}

/** Why the workflow (or Temporal) did not take the click, as the AE should read it. */
function refusalText(click: Click, err: unknown): string {
  const what = `Baton did not ${VERBS[click.action]} hand-off \`${click.handoffId}\``;
  if (err instanceof ProblemError) return `${what}: ${mrkdwn(err.message)}`;
  if (temporalProblem(err)) return `${what}: Baton cannot reach the hand-off right now; try again in a minute.`;
  console.error(`slack: the ${click.action} of ${click.handoffId} failed:`, err);
  return `${what}: something went wrong; it has been logged.`;
}

/**
 * The assignment message after the click: the outcome where the buttons were, followed by the
 * buttons that still apply (Mark contacted and Reject once accepted; none once it has moved on).
 */
function updatedBlocks(click: Click, state: HandoffState, aeId: string, outcome: string): (Block | KnownBlock)[] {
  const actionsId = actionsBlockId(click.handoffId);
  const outcomeId = outcomeBlockId(click.handoffId);
  const blocks: (Block | KnownBlock)[] = (click.blocks ?? []).filter((b) => b.block_id !== outcomeId);
  const offer = actionsOffered(state.stage, state.assignedAe === aeId);
  const replacement: KnownBlock[] = [
    { type: 'context', block_id: outcomeId, elements: [{ type: 'mrkdwn', text: outcome }] },
    ...(offer.length > 0 ? [actionsBlock(click.handoffId, offer)] : []),
  ];
  const at = blocks.findIndex((b) => b.block_id === actionsId);
  if (at >= 0) blocks.splice(at, 1, ...replacement);
  else blocks.push(...replacement);
  return blocks;
}

/** Posts to an interaction's `response_url`; a failure is logged (the click itself was applied or refused). */
async function respond(url: string, message: Record<string, unknown>): Promise<void> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(RESPOND_TIMEOUT_MS),
    });
    if (!res.ok) console.warn(`slack: the response_url answered ${res.status}`);
  } catch (err) {
    console.warn(`slack: could not post to the response_url: ${(err as Error).message}`);
  }
}
