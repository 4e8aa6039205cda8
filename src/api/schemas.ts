import { DELIVERY_STATUSES } from '../db/deliveries.js';
import { WEBHOOK_DELIVERY_STATUSES } from '../db/webhooks.js';
import { TIMELINE_EVENTS } from '../domain/timeline.js';
import { NOTIFICATION_KINDS } from '../domain/notifications.js';
import { z } from 'zod';
import {
  AcceptSchema,
  BookingAttemptSchema,
  ChecklistPatchSchema,
  ContactedSchema,
  EscalateSchema,
  FeedbackSchema,
  OutcomeSchema,
  ReassignSchema,
  RejectSchema,
  ReturnToSdrSchema,
  WithdrawSchema,
} from '../domain/actions.js';
import { httpUrl, trimmedText } from '../domain/formats.js';
import { HandoffIdSchema, LeadSchema, SubmissionSchema } from '../domain/lead.js';
import { LeadAssessmentSchema } from '../domain/assessment.js';
import { TIERS } from '../domain/policy.js';
import { AE_ID, AeSchema, AuditEntrySchema as AuditEntryDocSchema, RosterEntrySchema as RosterEntryDocSchema } from '../domain/roster.js';
import { RoutingDecisionSchema } from '../domain/routing.js';
import { InstantSchema } from '../domain/sla-clock.js';
import { HandoffStateSchema, OUTCOMES, STAGES } from '../domain/state.js';

/**
 * Schemas of the OpenAPI document. Request bodies are the domain's own schemas, named here (with
 * zod's own `.meta`, which works whatever order the modules load in); so are the read model and the
 * scoring preview. Only the list shapes are the API's own.
 */
export const bodies = {
  Submission: SubmissionSchema.meta({ id: 'Submission' }),
  Lead: LeadSchema.meta({ id: 'Lead' }),
  ChecklistPatch: ChecklistPatchSchema.meta({ id: 'ChecklistPatch' }),
  Accept: AcceptSchema.meta({ id: 'Accept' }),
  Reject: RejectSchema.meta({ id: 'Reject' }),
  Contacted: ContactedSchema.meta({ id: 'Contacted' }),
  Outcome: OutcomeSchema.meta({ id: 'Outcome' }),
  Feedback: FeedbackSchema.meta({ id: 'Feedback' }),
  Withdraw: WithdrawSchema.meta({ id: 'Withdraw' }),
  BookingAttempt: BookingAttemptSchema.meta({ id: 'BookingAttempt' }),
  Escalate: EscalateSchema.meta({ id: 'Escalate' }),
  Reassign: ReassignSchema.meta({ id: 'Reassign' }),
  ReturnToSdr: ReturnToSdrSchema.meta({ id: 'ReturnToSdr' }),
  Ae: AeSchema.meta({ id: 'Ae' }),
  AePatch: aePatchOf(AeSchema).meta({
    id: 'AePatch',
    description:
      'Any subset of the AE document but `id`: a given field replaces the old value (lists whole); `null` removes an optional field (`clock`, `managerId`) or sets a defaulted one back to its default. The merged document must be valid.',
  }),
};

/**
 * The PATCH body of an AE: every field of the document optional, `null` allowed where the document
 * may go without the field; `id` refused with its own message, since an AE's id never changes.
 */
function aePatchOf(schema: typeof AeSchema) {
  const fields: Record<string, z.ZodType> = {};
  for (const [name, field] of Object.entries(schema.shape)) {
    if (name === 'id') continue;
    if (field instanceof z.ZodDefault || field instanceof z.ZodOptional) {
      fields[name] = (field as z.ZodDefault<z.ZodType> | z.ZodOptional<z.ZodType>).unwrap().nullable().optional();
    } else fields[name] = field.optional();
  }
  return z.strictObject({
    id: z
      .unknown()
      .refine(() => false, { error: 'an AE id cannot be changed; create the AE under the new id and delete the old one' })
      .optional()
      .meta({ description: 'Not allowed: an AE keeps its id.', not: {} }),
    ...fields,
  });
}

export const HandoffIdParams = z.object({
  id: HandoffIdSchema.meta({ example: 'crm-lead-00417' }),
});

const instant = InstantSchema;

/** The read model and the scoring preview are the domain's own schemas. */
export { HandoffStateSchema };
export const ScoringPreviewSchema = LeadAssessmentSchema;

export const HandoffSummarySchema = z
  .object({
    id: z.string(),
    stage: z.enum(STAGES).nullable(),
    tier: z.enum(TIERS).nullable(),
    outcome: z.enum(OUTCOMES).nullable(),
    sdrId: z.string().nullable(),
    assignedAe: z.string().nullable(),
    companyName: z.string().nullable(),
    score: z.number().int().nullable(),
    contactDeadline: instant.nullable(),
    startedAt: instant,
    closedAt: instant.nullable(),
    status: z.string().meta({ description: 'Temporal execution status', example: 'RUNNING' }),
  })
  .meta({ id: 'HandoffSummary' });

export const HandoffListSchema = z
  .object({
    items: z.array(HandoffSummarySchema),
    nextPageToken: z.string().nullable().meta({ description: 'Pass as `pageToken` for the next page; null on the last page.' }),
  })
  .meta({ id: 'HandoffList' });

/** Principal ids as the tokens file and the roster spell them. */
const PrincipalIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, 'a principal id such as ae-kim');

export const ListQuerySchema = z.strictObject({
  stage: z.enum(STAGES).optional(),
  tier: z.enum(TIERS).optional(),
  ae: PrincipalIdSchema.optional().meta({ description: 'Assigned AE (AEs only ever see their own).' }),
  sdr: PrincipalIdSchema.optional().meta({ description: 'Submitting SDR (SDRs only ever see their own).' }),
  atRisk: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .meta({ description: 'Assigned or accepted, with the first-contact deadline less than 2 hours away (or past).' }),
  pageSize: z.coerce.number().int().min(1).max(100).default(25),
  pageToken: z
    .string()
    .max(4096)
    .regex(/^[A-Za-z0-9_-]+$/, 'a nextPageToken from a previous page')
    .optional()
    .meta({
      description:
        'The `nextPageToken` of the previous page of this listing, with the same filters; any other token is refused (422), which no schema can say.',
    }),
});

/** Roster paths name an AE; an id that cannot exist is simply not found. */
export const AeIdParams = z.object({
  id: z.string().meta({
    example: 'ae-kim',
    description: 'The AE id; one that no AE can have is not found (404).',
    pattern: AE_ID.source,
  }),
});

export const RosterEntrySchema = RosterEntryDocSchema.meta({ id: 'RosterEntry' });

export const RosterListSchema = z.array(RosterEntrySchema).meta({ id: 'RosterList', description: 'The AEs on the roster, by id' });

export const AuditEntrySchema = AuditEntryDocSchema.meta({ id: 'AuditEntry' });

export const AuditListSchema = z.array(AuditEntrySchema).meta({ id: 'AeAudit', description: 'The changes to one AE, oldest first' });

const RoutedSchema = RoutingDecisionSchema.extend({ at: instant });

export const RecordedDecisionSchema = RoutedSchema.extend({
  key: z.string().meta({ description: 'Idempotency key of the routing call (workflow id + routing round)' }),
  ae: AeSchema.pick({ timeZone: true, senior: true, managerId: true, clock: true })
    .optional()
    .meta({ description: 'What the workflow was given of the picked AE' }),
  releasedAt: instant.optional().meta({ description: 'When the AE stopped holding the hand-off' }),
  releaseReason: z.string().optional().meta({ example: 'rerouted' }),
}).meta({ id: 'RoutingDecision' });

export const HandoffRoutingSchema = z
  .object({
    handoffId: z.string(),
    current: RoutedSchema.nullable().meta({ description: "The hand-off's own view of its last routing; null before it was routed." }),
    decisions: z.array(RecordedDecisionSchema).meta({
      description:
        'Every decision the router recorded for the hand-off, oldest first: the candidates with their fairness figures, every excluded AE with the reason, the basis (`account_owner`, `fairness`, `target`), the account owner looked at, the winner (`aeId`, null when nobody was eligible), and when and why the AE was released.',
    }),
  })
  .meta({ id: 'HandoffRouting' });

export const DeliverySchema = z
  .object({
    kind: z.enum(NOTIFICATION_KINDS),
    step: z.string().meta({ description: "The workflow's step that sent it, e.g. assigned:1, reminder:1:1, escalation:1" }),
    recipient: z.string().meta({ description: 'Principal or AE id' }),
    channel: z.string().meta({ example: 'email' }),
    address: z.string().meta({ description: 'Where it went: an email address, the outbox file' }),
    status: z.enum(DELIVERY_STATUSES).meta({
      description: 'sending (claimed, in flight), sent, failed (will be retried), refused (the provider refused it for good)',
    }),
    attempts: z.number().int(),
    claimedAt: instant,
    sentAt: instant.nullable(),
    providerId: z.string().nullable().meta({ description: "The provider's id for the message (an email's Message-ID)" }),
    error: z.string().nullable(),
  })
  .meta({ id: 'Delivery' });

export const HandoffNotificationsSchema = z
  .object({
    handoffId: z.string(),
    deliveries: z
      .array(DeliverySchema)
      .meta({ description: 'Every notification sent for the hand-off, per recipient and channel, oldest first' }),
  })
  .meta({ id: 'HandoffNotifications' });

export const WebhookSubscriptionBodySchema = z
  .strictObject({
    url: httpUrl({ error: 'an http(s) URL' }).meta({ example: 'https://crm.example/baton/events' }),
    events: z
      .array(z.enum(TIMELINE_EVENTS))
      .default([])
      .meta({ description: 'Timeline events to send (e.g. assigned, closed); empty or omitted: every event' }),
    description: trimmedText(200).optional(),
  })
  .meta({ id: 'WebhookSubscriptionBody' });

export const WebhookSubscriptionSchema = z
  .object({
    id: z.string().meta({ example: 'wh_q2Vn8kS0aB1x' }),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    active: z.boolean(),
    createdBy: z.string(),
    createdAt: instant,
  })
  .meta({ id: 'WebhookSubscription' });

export const CreatedWebhookSchema = WebhookSubscriptionSchema.extend({
  secret: z.string().meta({
    description: 'The signing secret (Standard Webhooks, `whsec_…`): shown only in this answer; verify every delivery with it',
  }),
}).meta({ id: 'CreatedWebhook' });

export const WebhookDeliverySchema = z
  .object({
    id: z.string().meta({ description: 'The message id (`webhook-id` header): the same for every attempt and replay' }),
    subscriptionId: z.string(),
    handoffId: z.string(),
    workflowId: z.string(),
    seq: z.number().int(),
    event: z.string(),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES).meta({ description: 'pending (due at nextAttemptAt), sent, failed (gave up)' }),
    attempts: z.number().int(),
    nextAttemptAt: instant,
    lastStatus: z.number().int().nullable().meta({ description: "The receiver's last HTTP status" }),
    lastError: z.string().nullable(),
    sentAt: instant.nullable(),
    createdAt: instant,
  })
  .meta({ id: 'WebhookDelivery' });

/** The ids webhook subscriptions and deliveries are given (db/webhooks.ts); any other is not found. */
export const WEBHOOK_ID = /^wh_[A-Za-z0-9_-]{12}$/;
export const WEBHOOK_DELIVERY_ID = /^msg_[0-9a-f]{32}$/;
const notFoundUnless = (pattern: RegExp, example: string) =>
  z.string().meta({ example, pattern: pattern.source, description: 'An id of another shape is not found (404).' });
export const WebhookIdParams = z.object({ id: notFoundUnless(WEBHOOK_ID, 'wh_q2Vn8kS0aB1x') });
export const WebhookDeliveryParams = WebhookIdParams.extend({
  deliveryId: notFoundUnless(WEBHOOK_DELIVERY_ID, 'msg_0f343b0931126a20f133d67c2b018a3b'),
});
export const WebhookDeliveriesQuery = z.object({ status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional() });
