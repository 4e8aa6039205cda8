import { z } from 'zod';
import { csvField } from './csv.js';
import { InstantSchema } from './sla-clock.js';

/**
 * What the what-if simulator answers (`POST /v1/policies/simulate`, src/domain/simulation.ts):
 * every hand-off submitted in a range, replayed through the live policy (the baseline) and through
 * a draft, and the differences the draft alone makes.
 */
export const BUCKETS = ['hot', 'warm', 'cool', 'nurture', 'not_icp', 'draft'] as const;
export type Bucket = (typeof BUCKETS)[number];

const BucketCountsSchema = z.object(Object.fromEntries(BUCKETS.map((b) => [b, z.number().int()])) as Record<Bucket, z.ZodNumber>);

const PolicyRefSchema = z.object({
  version: z.string().meta({ description: "The policy document's version label" }),
  number: z
    .number()
    .int()
    .positive()
    .nullable()
    .meta({ description: 'Its number in the catalog (null: a document not saved, or BATON_POLICY_FILE)' }),
});

export const ResponsibleSchema = z.object({
  path: z
    .string()
    .meta({ description: 'The policy field, e.g. scoring.threshold, scoring.rules[intent.demo-request], tiers.hot.handoffWindow' }),
  before: z.union([z.number(), z.string(), z.null()]).optional(),
  after: z.union([z.number(), z.string(), z.null()]).optional(),
});
export type Responsible = z.infer<typeof ResponsibleSchema>;

const SideSchema = z.object({
  bucket: z.enum(BUCKETS),
  score: z.number().int().nullable(),
  aeId: z.string().nullable(),
  handoffBy: InstantSchema,
  contactBy: InstantSchema.nullable(),
});

export const ChangedHandoffSchema = z.object({
  handoffId: z.string(),
  company: z.string().nullable(),
  submittedAt: InstantSchema,
  baseline: SideSchema,
  candidate: SideSchema,
  changed: z.array(z.enum(['tier', 'nurture', 'not_icp', 'score', 'ae', 'handoff_deadline', 'contact_deadline'])),
  responsible: z.array(ResponsibleSchema),
});
export type ChangedHandoff = z.infer<typeof ChangedHandoffSchema>;

const ExampleSchema = z.object({
  handoffId: z.string(),
  company: z.string().nullable(),
  scoreBefore: z.number().int().nullable(),
  scoreAfter: z.number().int().nullable(),
  responsible: z.array(ResponsibleSchema),
});

const ShareSchema = z.object({ count: z.number().int(), share: z.number().meta({ description: '0–1 of the routed hand-offs' }) });
const ConversionSchema = z.object({
  bucket: z.enum(BUCKETS),
  handoffs: z.number().int(),
  withOutcome: z.number().int().meta({ description: 'Hand-offs whose AE reported an outcome' }),
  opportunities: z.number().int(),
  rate: z.number().nullable().meta({ description: 'opportunities ÷ withOutcome (null: no outcome known)' }),
});
const DeadlineShiftSchema = z.object({
  changed: z.number().int(),
  earlier: z.number().int(),
  later: z.number().int(),
  wouldHaveMissed: z.number().int().meta({
    description: 'Met the baseline deadline as recorded (assigned, or first contact, in time) but would have missed the draft one',
  }),
});

export const SimulationReportSchema = z
  .object({
    candidate: PolicyRefSchema,
    baseline: PolicyRefSchema,
    range: z.object({ from: InstantSchema, to: InstantSchema }),
    handoffs: z.number().int().meta({ description: 'Hand-offs submitted in the range that were replayed' }),
    withoutLeadData: z
      .number()
      .int()
      .meta({ description: 'Hand-offs in the range whose lead data the ledger does not have (recorded before it did): not replayed' }),
    ranUnder: z.array(z.object({ version: z.string().nullable(), handoffs: z.number().int() })).meta({
      description: 'The policy versions the replayed hand-offs actually ran under',
    }),
    fidelity: z
      .object({
        compared: z.number().int(),
        matching: z.number().int(),
        mismatches: z.array(z.object({ handoffId: z.string(), recorded: z.string(), replayed: z.string() })),
      })
      .meta({
        description:
          "The baseline replay against what was recorded, for the hand-offs that ran under the baseline's version: every one should match (bucket and score); mismatches are listed (at most 20)",
      }),
    buckets: z.object({ baseline: BucketCountsSchema, candidate: BucketCountsSchema }),
    changes: z.object({
      handoffs: z.number().int().meta({ description: 'Hand-offs whose own outcome differs: bucket, score or a deadline' }),
      tier: z.number().int().meta({ description: 'Tiered under both, in a different tier' }),
      toNurture: z.number().int(),
      fromNurture: z.number().int(),
      toNotIcp: z.number().int(),
      fromNotIcp: z.number().int(),
      score: z.number().int(),
      ae: z.number().int().meta({
        description:
          'Routed to a different AE, or routed under one and not the other: including picks that moved only because other hand-offs took turns or capacity (see aeShares)',
      }),
      handoffDeadline: z.number().int(),
      contactDeadline: z.number().int(),
    }),
    movements: z.array(
      z.object({
        from: z.enum(BUCKETS),
        to: z.enum(BUCKETS),
        count: z.number().int(),
        examples: z.array(ExampleSchema).meta({ description: 'At most 5' }),
      }),
    ),
    aeShares: z.array(z.object({ aeId: z.string(), recorded: ShareSchema, baseline: ShareSchema, candidate: ShareSchema })),
    unrouted: z.object({ baseline: z.number().int(), candidate: z.number().int() }).meta({
      description: 'Tiered hand-offs no AE on the roster was eligible for when they were routed',
    }),
    deadlines: z.object({ handoff: DeadlineShiftSchema, contact: DeadlineShiftSchema }),
    conversion: z.object({ baseline: z.array(ConversionSchema), candidate: z.array(ConversionSchema) }),
    changed: z.array(ChangedHandoffSchema).meta({
      description: 'Every hand-off whose own outcome differs (changes.handoffs), in submission order',
    }),
    elapsedMs: z.number(),
  })
  .meta({ id: 'SimulationReport' });
export type SimulationReport = z.infer<typeof SimulationReportSchema>;

const CSV_HEADER = [
  'handoff_id',
  'company',
  'submitted_at',
  'changed',
  'bucket_before',
  'bucket_after',
  'score_before',
  'score_after',
  'ae_before',
  'ae_after',
  'handoff_by_before',
  'handoff_by_after',
  'contact_by_before',
  'contact_by_after',
  'responsible',
];

/** The changed hand-offs as one RFC 4180 table. */
export function simulationCsv(report: SimulationReport): string {
  const lines = [CSV_HEADER.join(',')];
  for (const row of report.changed) {
    const { baseline: b, candidate: c } = row;
    const responsible = row.responsible.map((r) =>
      r.before === undefined && r.after === undefined ? r.path : `${r.path}: ${r.before ?? '–'} → ${r.after ?? '–'}`,
    );
    lines.push(
      [
        row.handoffId,
        row.company,
        row.submittedAt,
        row.changed.join(' '),
        b.bucket,
        c.bucket,
        b.score,
        c.score,
        b.aeId,
        c.aeId,
        b.handoffBy,
        c.handoffBy,
        b.contactBy,
        c.contactBy,
        responsible.join('; '),
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
