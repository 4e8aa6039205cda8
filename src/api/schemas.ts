import { z } from 'zod';
import {
  AcceptSchema,
  ChecklistPatchSchema,
  ContactedSchema,
  FeedbackSchema,
  OutcomeSchema,
  REJECT_REASONS,
  RejectSchema,
  REPORTED_OUTCOMES,
  WithdrawSchema,
} from '../domain/actions.js';
import { HandoffIdSchema, LeadSchema, SubmissionSchema } from '../domain/lead.js';
import { SCORE_CATEGORIES, TIERS } from '../domain/policy.js';
import { OUTCOMES, STAGES, type HandoffState } from '../domain/state.js';

/**
 * Schemas of the OpenAPI document. Request bodies are the domain's own schemas, named here (with
 * zod's own `.meta`, which works whatever order the modules load in); the response shapes describe
 * what the API answers, and a compile-time check keeps `HandoffStateSchema` true to the workflow's
 * read model (`HandoffState`).
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
};

export const HandoffIdParams = z.object({
  id: HandoffIdSchema.meta({ example: 'crm-lead-00417' }),
});

const instant = z.string().meta({ format: 'date-time' });

export const ScoreSchema = z
  .object({
    total: z.number().int(),
    fit: z.number().int(),
    engagement: z.number().int(),
    intent: z.number().int(),
    rules: z.array(z.object({ id: z.string(), category: z.enum(SCORE_CATEGORIES), description: z.string(), points: z.number().int() })),
    capped: z.array(z.enum(SCORE_CATEGORIES)),
  })
  .meta({ id: 'Score' });

export const IcpResultSchema = z
  .object({
    pass: z.boolean(),
    failed: z.array(z.object({ rule: z.enum(['minEmployees', 'maxEmployees', 'industries', 'regions']), detail: z.string() })),
  })
  .meta({ id: 'IcpResult' });

export const ChecklistResultSchema = z
  .object({ complete: z.boolean(), missing: z.array(z.string()).meta({ example: ['context.champion'] }) })
  .meta({ id: 'ChecklistResult' });

const by = { by: z.string(), at: instant };

export const HandoffStateSchema = z
  .object({
    id: z.string(),
    stage: z.enum(STAGES),
    outcome: z.enum(OUTCOMES).optional(),
    closeReason: z.string().optional(),
    sdrId: z.string(),
    assignedAe: z.string().optional(),
    previousAes: z.array(z.string()),
    tier: z.enum(TIERS).optional(),
    provisionalTier: z.enum(TIERS),
    score: ScoreSchema.optional(),
    provisionalScore: z.number().int(),
    icp: IcpResultSchema,
    checklist: ChecklistResultSchema,
    deadlines: z.object({
      handoffBy: instant,
      expiresAt: instant.optional(),
      contactBy: instant.optional(),
      feedbackBy: instant.optional(),
    }),
    handoffWindowMissed: z.boolean(),
    escalations: z.number().int(),
    bookingAttempts: z.array(z.object(by)),
    rejection: z.object({ reason: z.enum(REJECT_REASONS), note: z.string().optional(), ...by, rerouted: z.boolean() }).optional(),
    contact: z.object({ channel: z.string(), note: z.string().optional(), ...by }).optional(),
    outcomeReport: z
      .object({ outcome: z.enum(REPORTED_OUTCOMES), amount: z.number().optional(), note: z.string().optional(), ...by })
      .optional(),
    feedback: z.object({ rating: z.number().int(), qualityIssues: z.array(z.string()), note: z.string().optional(), ...by }).optional(),
    routing: z
      .object({
        aeId: z.string().nullable(),
        candidates: z.array(
          z.object({ aeId: z.string(), assigned: z.number(), weight: z.number(), load: z.number(), lastAssignedAt: z.number().optional() }),
        ),
        excluded: z.array(z.object({ aeId: z.string(), reason: z.string() })),
        at: instant,
      })
      .optional()
      .meta({ description: 'The last routing decision: the AE picked, the candidates and who was excluded why.' }),
    submittedAt: instant,
    assignedAt: instant.optional(),
    acceptedAt: instant.optional(),
    closedAt: instant.optional(),
    policyVersion: z.string(),
    lead: LeadSchema,
    timeline: z.array(z.object({ at: instant, actor: z.string(), event: z.string(), detail: z.string().optional() })),
  })
  .meta({ id: 'HandoffState' });

// The documented shape must accept every read model the workflow can return.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
const stateMatchesReadModel = (state: HandoffState): z.infer<typeof HandoffStateSchema> => state;

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
    .optional(),
});

export const ScoringPreviewSchema = z
  .object({
    checklist: ChecklistResultSchema,
    icp: IcpResultSchema,
    score: ScoreSchema,
    tier: z.enum(TIERS).nullable().meta({ description: 'null: below the threshold, the lead would go to nurture' }),
    provisionalTier: z.enum(TIERS).meta({ description: 'The tier whose hand-off window applies while the checklist is incomplete' }),
    policyVersion: z.string(),
  })
  .meta({ id: 'ScoringPreview' });
