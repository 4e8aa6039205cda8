import { z } from 'zod';
import { parseDuration } from './duration.js';
import { LEAD_FIELDS, TIMELINE_BUCKETS } from './lead.js';
import { WorkCalendarSchema } from './sla-clock.js';

/**
 * The policy document (DESIGN §2.4a): everything a sales-ops team may tune without touching code.
 * `PolicySchema` validates the YAML/JSON a team writes and turns durations into milliseconds; the
 * parsed `Policy` is what a workflow keeps in its state, so a running hand-off never changes rules.
 */
export const TIERS = ['hot', 'warm', 'cool'] as const;
export type Tier = (typeof TIERS)[number];
export const SCORE_CATEGORIES = ['fit', 'engagement', 'intent'] as const;
export type ScoreCategory = (typeof SCORE_CATEGORIES)[number];

const DurationSchema = z.union([z.string(), z.number().int().positive()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${JSON.stringify(value)} (use e.g. PT4H, P7D, 90s, 15m, 4h, 7d)` });
    return z.NEVER;
  }
  return ms;
});

const FieldSchema = z.string().refine((f) => Object.hasOwn(LEAD_FIELDS, f), {
  message: `unknown lead field; one of: ${Object.keys(LEAD_FIELDS).join(', ')}`,
});

/** The kinds of lead field each condition can test; a mismatch would silently never fire. */
const OP_FIELD_KINDS: Record<string, readonly (typeof LEAD_FIELDS)[string][]> = {
  between: ['number'],
  in: ['string'],
  intersects: ['list'],
  isTrue: ['boolean'],
  present: ['string', 'number', 'boolean', 'list'],
  ratioAtLeast: ['number'],
  count: ['list'],
};

/** A rule's condition, on one lead field (or a ratio of two). */
export const ConditionSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('between'), field: FieldSchema, min: z.number().optional(), max: z.number().optional() }),
  z.strictObject({ op: z.literal('in'), field: FieldSchema, values: z.array(z.string()).min(1) }),
  z.strictObject({ op: z.literal('intersects'), field: FieldSchema, values: z.array(z.string()).min(1) }),
  z.strictObject({ op: z.literal('isTrue'), field: FieldSchema }),
  z.strictObject({ op: z.literal('present'), field: FieldSchema }),
  z.strictObject({ op: z.literal('ratioAtLeast'), numerator: FieldSchema, denominator: FieldSchema, min: z.number() }),
  /** Counts the items of a list field; with `pointsEach` on the rule, each item scores. */
  z.strictObject({ op: z.literal('count'), field: FieldSchema, min: z.number().int().min(1).default(1) }),
]);
export type Condition = z.infer<typeof ConditionSchema>;

function checkFieldKinds(when: Condition, ctx: z.RefinementCtx, path: (string | number)[]): void {
  const fields: [string, string][] =
    when.op === 'ratioAtLeast'
      ? [
          ['numerator', when.numerator],
          ['denominator', when.denominator],
        ]
      : [['field', when.field]];
  for (const [key, field] of fields) {
    const kind = Object.hasOwn(LEAD_FIELDS, field) ? LEAD_FIELDS[field] : undefined;
    if (kind && !OP_FIELD_KINDS[when.op]!.includes(kind)) {
      ctx.addIssue({ code: 'custom', path: [...path, key], message: `${when.op} cannot test ${field} (a ${kind} field)` });
    }
  }
}

export const ScoringRuleSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case id such as fit.industry'),
    category: z.enum(SCORE_CATEGORIES),
    description: z.string().min(1),
    points: z.number().int().min(0).max(100),
    /** For `count` conditions: points per item, capped at `points`. */
    pointsEach: z.number().int().min(1).optional(),
    when: ConditionSchema,
  })
  .refine((r) => r.pointsEach === undefined || r.when.op === 'count', {
    message: 'pointsEach needs a count condition',
    path: ['pointsEach'],
  })
  .superRefine((rule, ctx) => checkFieldKinds(rule.when, ctx, ['when']));
export type ScoringRule = z.infer<typeof ScoringRuleSchema>;

const TierPolicySchema = z.strictObject({
  minScore: z.number().int().min(0).max(100),
  /** Promotes a lead to this tier below `minScore` when it also has the named urgency signals. */
  fastTrack: z
    .strictObject({
      minScore: z.number().int().min(0).max(100),
      timelines: z.array(z.enum(TIMELINE_BUCKETS)).min(1),
      requireTriggerEvent: z.boolean().default(true),
    })
    .optional(),
  handoffWindow: DurationSchema,
  contactWindow: DurationSchema,
  /** Fractions of the contact window at which the AE is reminded. */
  reminders: z.array(z.number().gt(0).lt(1)).default([0.5, 0.8]),
  escalations: z.number().int().min(0).max(10).default(1),
  onExhausted: z.enum(['return_to_sdr', 'nurture']).default('return_to_sdr'),
});
export type TierPolicy = z.infer<typeof TierPolicySchema>;

export const PolicySchema = z
  .strictObject({
    version: z.string().min(1),
    icp: z
      .strictObject({
        minEmployees: z.number().int().min(0).nullable().default(50),
        maxEmployees: z.number().int().min(0).nullable().default(null),
        /** Empty means every industry / region is allowed. */
        industries: z.array(z.string().toLowerCase()).default([]),
        regions: z.array(z.string().toUpperCase()).default([]),
      })
      .prefault({}),
    scoring: z.strictObject({
      threshold: z.number().int().min(0).max(100).default(50),
      caps: z
        .strictObject({
          fit: z.number().int().min(0).default(30),
          engagement: z.number().int().min(0).default(30),
          intent: z.number().int().min(0).default(40),
        })
        .prefault({}),
      rules: z.array(ScoringRuleSchema).min(1),
    }),
    tiers: z.strictObject({ hot: TierPolicySchema, warm: TierPolicySchema, cool: TierPolicySchema }),
    feedback: z.strictObject({ window: DurationSchema, reminder: DurationSchema }).prefault({ window: '14d', reminder: '7d' }),
    routing: z
      .strictObject({
        /** How long a hand-off with nobody eligible waits before routing is tried again (a roster change retries at once). */
        retryEvery: DurationSchema,
        /** A company's hand-off assigned within this window (or still open) makes its AE the account owner. */
        ownerWindow: DurationSchema.prefault('90d'),
      })
      .prefault({ retryEvery: '1h' }),
    /** A draft still incomplete at this multiple of its hand-off window expires. */
    draftExpiryFactor: z.number().positive().default(3),
    bookingAttempts: z.strictObject({ consecutiveDays: z.number().int().min(1).default(3) }).prefault({}),
    /**
     * The team's clock: hand-off windows count its time; contact windows count it in the assigned
     * AE's time zone, with the AE's own overrides. Calendar time unless a team opts into business hours.
     */
    clock: WorkCalendarSchema.prefault({}),
  })
  .superRefine((policy, ctx) => {
    const ids = new Set<string>();
    policy.scoring.rules.forEach((rule, i) => {
      if (ids.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['scoring', 'rules', i, 'id'], message: `duplicate rule id ${rule.id}` });
      ids.add(rule.id);
    });
    const { minEmployees, maxEmployees } = policy.icp;
    if (minEmployees !== null && maxEmployees !== null && minEmployees > maxEmployees) {
      ctx.addIssue({ code: 'custom', path: ['icp', 'maxEmployees'], message: `must not be below minEmployees (${minEmployees})` });
    }
    if (policy.feedback.reminder >= policy.feedback.window) {
      ctx.addIssue({ code: 'custom', path: ['feedback', 'reminder'], message: 'must come before the end of the feedback window' });
    }
    const { hot, warm, cool } = policy.tiers;
    if (!(hot.minScore >= warm.minScore && warm.minScore >= cool.minScore)) {
      ctx.addIssue({ code: 'custom', path: ['tiers'], message: 'minScore must not increase from hot to warm to cool' });
    }
  });

export type PolicyInput = z.input<typeof PolicySchema>;
export type Policy = z.output<typeof PolicySchema>;

/** A field-by-field explanation of why a policy document is invalid. */
export class PolicyError extends Error {
  constructor(
    readonly source: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`invalid policy ${source}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'PolicyError';
  }
}

export function parsePolicy(document: unknown, source = 'document'): Policy {
  const result = PolicySchema.safeParse(document);
  if (!result.success) {
    throw new PolicyError(
      source,
      result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return result.data;
}
