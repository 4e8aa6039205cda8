import { z } from 'zod';
import { QUALIFICATION_REASONS } from './actions.js';
import { TIERS } from './policy.js';
import { TimeZoneSchema } from './sla-clock.js';

/**
 * The hand-off figures (DESIGN §2.7): what `GET /v1/metrics`, the weekly report and the KPI page
 * answer. Every figure is computed from `handoff_projection` over a cohort: the hand-offs
 * *submitted* in the range (local dates in the time zone). The README defines each one
 * (numerator, denominator, timestamps); the definitions below are the same words.
 */

export const GROUP_DIMENSIONS = ['week', 'sdr', 'ae', 'tier'] as const;
export type GroupDimension = (typeof GROUP_DIMENSIONS)[number];

const LocalDate = z.iso.date().meta({ description: 'A local date, YYYY-MM-DD, in `timeZone`' });
/** An ISO week, e.g. `2026-W47` (Monday to Sunday, ISO week-numbering year). */
export const IsoWeekSchema = z
  .string()
  .regex(/^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/, 'an ISO week such as 2026-W47')
  .meta({ description: 'An ISO week: YYYY-Www (Monday to Sunday)', example: '2026-W47' });

/** `GET /v1/metrics` query. */
export const MetricsQuerySchema = z.object({
  from: LocalDate.optional().meta({ description: 'First day of the range (inclusive); default: 12 weeks before `to`' }),
  to: LocalDate.optional().meta({ description: 'Last day of the range (inclusive); default: today' }),
  groupBy: z
    .string()
    .optional()
    .meta({ description: 'One or two of week, sdr, ae, tier, comma-separated (e.g. `week` or `sdr,ae`); absent: totals only' }),
  timeZone: TimeZoneSchema.optional().meta({ description: "Where dates and weeks are counted; default: the policy's clock.timeZone" }),
});

const rate = z.number().min(0).max(1).nullable().meta({ description: 'A fraction 0–1; null when its denominator is 0' });
const seconds = z.number().nonnegative().nullable();
const percentiles = z.object({ p50: seconds, p90: seconds, count: z.number().int() });

/** The figures of one cohort (the totals, one group, one week). */
export const FiguresSchema = z.object({
  submitted: z.number().int().meta({ description: 'Hand-offs submitted' }),
  assigned: z.number().int().meta({ description: 'Of those, assigned to an AE at least once' }),
  conversionRate: rate.meta({ description: 'Reported outcome `opportunity` ÷ assigned' }),
  rejectionRate: rate.meta({ description: 'Rejected by an AE for a qualification reason (returned to the SDR) ÷ assigned' }),
  rejectionReasons: z.record(z.enum(QUALIFICATION_REASONS), z.number().int()).meta({ description: 'Qualification rejections by reason' }),
  meanRating: z.number().nullable().meta({ description: "Mean of the AEs' 1–5 ratings; null when none" }),
  ratingDistribution: z.record(z.enum(['1', '2', '3', '4', '5']), z.number().int()),
  timeToFirstContact: z
    .record(z.enum(TIERS), percentiles)
    .meta({
      description: 'Seconds from the first assignment to the first contact (its reported time), per tier: p50, p90 (linear interpolation)',
    }),
  slaMetRate: z.object({
    handoff: rate.meta({ description: 'Assigned within the hand-off window ÷ hand-offs assigned or past that window' }),
    contact: rate.meta({ description: 'Contacted with no first-contact window missed ÷ hand-offs contacted or that missed a window' }),
  }),
  escalationRate: rate.meta({ description: 'Escalated at least once ÷ assigned' }),
  returnRate: rate.meta({ description: 'Assigned hand-offs closed `returned_to_sdr` ÷ assigned' }),
  noShowRate: rate.meta({ description: 'Reported outcome `no_show` ÷ hand-offs with a reported outcome' }),
  counts: z
    .object({
      converted: z.number().int(),
      rejected: z.number().int(),
      rated: z.number().int(),
      handoffSlaDecided: z.number().int(),
      handoffSlaMet: z.number().int(),
      contactSlaDecided: z.number().int(),
      contactSlaMet: z.number().int(),
      escalated: z.number().int(),
      returned: z.number().int(),
      reported: z.number().int(),
      noShow: z.number().int(),
    })
    .meta({ description: 'The numerators and denominators behind the rates' }),
});
export type Figures = z.infer<typeof FiguresSchema>;

export const GroupKeySchema = z
  .object({ week: IsoWeekSchema, sdr: z.string(), ae: z.string().nullable(), tier: z.enum(TIERS).nullable() })
  .partial()
  .meta({ description: 'The group: one value per dimension of groupBy (ae and tier null for hand-offs without one)' });

/** `GET /v1/metrics` answer: the totals at the top level, then one entry per group. */
export const MetricsSchema = FiguresSchema.extend({
  from: LocalDate,
  to: LocalDate,
  timeZone: z.string(),
  groupBy: z.array(z.enum(GROUP_DIMENSIONS)),
  scope: z.object({ sdr: z.string().optional(), ae: z.string().optional() }).meta({
    description: 'Whose hand-offs the figures cover: SDRs and AEs see only their own; empty for managers and ops (everyone)',
  }),
  groups: z.array(FiguresSchema.extend({ key: GroupKeySchema })),
}).meta({ id: 'Metrics' });
export type Metrics = z.infer<typeof MetricsSchema>;
