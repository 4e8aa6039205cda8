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
import { HandoffIdSchema, LeadSchema, SubmissionSchema } from '../domain/lead.js';
import { LeadAssessmentSchema } from '../domain/assessment.js';
import { TIERS } from '../domain/policy.js';
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
};

export const HandoffIdParams = z.object({
  id: HandoffIdSchema.meta({ example: 'crm-lead-00417' }),
});

const instant = z.string().meta({ format: 'date-time' });

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
    .optional(),
});
