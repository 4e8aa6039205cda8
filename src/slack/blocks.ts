/**
 * What Baton's Slack messages and its interactivity share (Block Kit, pure: no I/O): the Slack
 * channel (activities/delivery/slack.ts) posts the buttons, the interactivity route
 * (src/api/routes/slack.ts) answers them and redraws them, so their ids and values live here, once.
 */
import type { ActionsBlock, KnownBlock, PlainTextOption } from '@slack/web-api';
import { QUALIFICATION_REASONS, ROUTING_REASONS, type RejectReason } from '../domain/actions.js';
import type { Stage } from '../domain/state.js';

/** The action ids of the assignment's buttons. */
export const SLACK_ACTIONS = { accept: 'baton_accept', contacted: 'baton_contacted', reject: 'baton_reject' } as const;
export type SlackAction = keyof typeof SLACK_ACTIONS;

/** The block id of a hand-off's buttons, and of the line that says what became of a click. */
export const actionsBlockId = (handoffId: string): string => `baton:${handoffId}`;
export const outcomeBlockId = (handoffId: string): string => `baton-outcome:${handoffId}`;

/**
 * The buttons offered on a hand-off; the block id and every value carry the hand-off id, so a click
 * names the hand-off it is about without Baton keeping any state per message.
 */
export function actionsBlock(handoffId: string, offer: readonly SlackAction[]): ActionsBlock {
  const elements: ActionsBlock['elements'] = [];
  if (offer.includes('accept')) {
    elements.push({ type: 'button', action_id: SLACK_ACTIONS.accept, text: plain('Accept'), value: handoffId, style: 'primary' });
  }
  if (offer.includes('contacted')) {
    elements.push({ type: 'button', action_id: SLACK_ACTIONS.contacted, text: plain('Mark contacted'), value: handoffId });
  }
  if (offer.includes('reject')) {
    const option = (reason: RejectReason): PlainTextOption => ({
      text: plain(REJECT_LABELS[reason]),
      value: rejectValue(handoffId, reason),
    });
    elements.push({
      type: 'static_select',
      action_id: SLACK_ACTIONS.reject,
      placeholder: plain('Reject…'),
      // The two kinds of reason do different things (DESIGN §2.5), so the AE sees which is which.
      option_groups: [
        { label: plain('Send to another AE'), options: ROUTING_REASONS.map(option) },
        { label: plain('Return to the SDR'), options: QUALIFICATION_REASONS.map(option) },
      ],
      confirm: {
        title: plain('Reject this hand-off?'),
        text: plain('A routing reason sends it to another AE; any other reason returns it to the SDR.'),
        confirm: plain('Reject'),
        deny: plain('Cancel'),
        style: 'danger',
      },
    });
  }
  return { type: 'actions', block_id: actionsBlockId(handoffId), elements };
}

/** The buttons that still apply to a hand-off at `stage`, for the AE it is assigned to (`mine`) or not. */
export function actionsOffered(stage: Stage, mine: boolean): SlackAction[] {
  if (!mine) return [];
  if (stage === 'assigned') return ['accept', 'contacted', 'reject'];
  if (stage === 'accepted') return ['contacted', 'reject'];
  return [];
}

/** The reject select's value: `<handoff id>|<reason>` (a hand-off id never contains `|`). */
export function rejectValue(handoffId: string, reason: RejectReason): string {
  return `${handoffId}|${reason}`;
}

export function rejectLabel(reason: RejectReason): string {
  return REJECT_LABELS[reason];
}

const REJECT_LABELS: Record<RejectReason, string> = {
  capacity: 'No capacity',
  wrong_territory: 'Wrong territory',
  conflict: 'Conflict of interest',
  not_icp_fit: 'Not an ICP fit',
  no_budget: 'No budget',
  no_authority: 'No authority',
  no_need: 'No need',
  bad_timing: 'Bad timing',
  insufficient_context: 'Not enough context',
  duplicate: 'Duplicate',
};

const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})/g;

/**
 * Text as Slack mrkdwn: `&`, `<` and `>` escaped, and every instant written as a Slack date, which
 * each reader sees in their own zone (with the ISO form as the fallback).
 */
export function mrkdwn(text: string): string {
  const escaped = text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
  return escaped.replace(ISO_INSTANT, (iso) => {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? iso : `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${iso}>`;
  });
}

/** A section of mrkdwn text, cut to Slack's 3,000 characters. */
export function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, 3000) } };
}

function plain(text: string): { type: 'plain_text'; text: string } {
  return { type: 'plain_text', text };
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
