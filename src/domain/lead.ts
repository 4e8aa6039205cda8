import { z } from 'zod';
import { email, httpUrl, isoDate, isoDateTime, storableText, trimmedText } from './formats.js';

/**
 * The lead data an SDR hands off (DESIGN §2.1, §4). Every field is optional here because a hand-off
 * may be submitted as a draft; `checklist.ts` decides what is still missing. Objects are strict:
 * an unknown field is an error, never silently dropped.
 */
const text = (max = 500) => trimmedText(max);
const tags = (max = 50) => z.array(text(120)).max(max);

export const AUTHORITIES = ['economic_buyer', 'decision_maker', 'influencer', 'user'] as const;
export const TIMELINE_BUCKETS = ['0-30d', '31-90d', '90d+', 'unknown'] as const;
export const BUDGETS = ['confirmed', 'indicated', 'none', 'unknown'] as const;

/** A timeline is a bucket or a calendar date (YYYY-MM-DD). */
export const TimelineSchema = z.union([z.enum(TIMELINE_BUCKETS), isoDate()]);

export const ContactSchema = z.strictObject({
  name: text(200).optional(),
  title: text(200).optional(),
  email: email().max(320).optional(),
  authority: z.enum(AUTHORITIES).optional(),
});

export const CompanySchema = z.strictObject({
  name: text(200).optional(),
  // Checked before it is lower-cased, so the document's pattern is the check (letters of either case).
  domain: z
    .string()
    .trim()
    .regex(/^(?=.{1,253}$)([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$/, 'a domain name such as acme.example')
    .toLowerCase()
    .meta({
      pattern: '^\\s*(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z]{2,63}\\s*$',
      allOf: [{ pattern: '^\\s*\\S{1,253}\\s*$' }],
    })
    .optional(),
  employees: z.number().int().min(0).max(10_000_000).optional(),
  industry: text(100).toLowerCase().optional(),
  region: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2}$/, 'an ISO 3166-1 alpha-2 country code such as US')
    .toUpperCase()
    .meta({ pattern: '^\\s*[A-Za-z]{2}\\s*$' })
    .optional(),
  techStack: z.array(text(100).toLowerCase()).max(100).optional(),
});

export const EngagementSchema = z.strictObject({
  touchpoints: z.number().int().min(0).max(100_000).optional(),
  replies: z.number().int().min(0).max(100_000).optional(),
  lastTouchAt: z.union([isoDateTime(), isoDate()]).optional(),
  meetingBooked: z.boolean().optional(),
  pricingPageVisits: z.number().int().min(0).max(100_000).optional(),
  contentDownloads: z.number().int().min(0).max(100_000).optional(),
  intentSignals: tags().optional(),
});

export const NextStepSchema = z.strictObject({
  meetingAt: isoDateTime().optional(),
  meetingLink: httpUrl().max(2000).optional(),
  text: text(1000).optional(),
});

export const UrgencySchema = z.strictObject({
  timeline: TimelineSchema.optional(),
  budget: z.enum(BUDGETS).optional(),
  triggerEvent: text(500).optional(),
});

export const ContextSchema = z.strictObject({
  objections: tags().optional(),
  champion: text(200).optional(),
  decisionProcess: text(1000).optional(),
  competitor: text(200).optional(),
  whyNow: text(1000).optional(),
});

export const LeadSchema = z.strictObject({
  contact: ContactSchema.optional(),
  company: CompanySchema.optional(),
  engagement: EngagementSchema.optional(),
  painPoints: tags().optional(),
  nextStep: NextStepSchema.optional(),
  urgency: UrgencySchema.optional(),
  context: ContextSchema.optional(),
  notes: storableText().max(5000).optional(),
  /** `false`: no introduction email and invite to the prospect when the AE accepts (README "Notifications"). */
  warmIntro: z.boolean().optional(),
});
export type Lead = z.infer<typeof LeadSchema>;

/** The SDR's idempotency key: also the workflow id suffix, so it is kept URL- and id-safe. */
export const HandoffIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, '1–128 characters: letters, digits, . _ : -');

export const SubmissionSchema = LeadSchema.extend({ handoffId: HandoffIdSchema });
export type Submission = z.infer<typeof SubmissionSchema>;

const SECTIONS = ['contact', 'company', 'engagement', 'nextStep', 'urgency', 'context'] as const;

/**
 * Applies a checklist patch: within a section the given fields replace the old ones; arrays and
 * top-level scalars are replaced whole.
 */
export function mergeLead(base: Lead, patch: Lead): Lead {
  const merged: Lead = { ...base };
  for (const [key, value] of Object.entries(patch) as [keyof Lead, unknown][]) {
    if (value === undefined) continue;
    if ((SECTIONS as readonly string[]).includes(key)) {
      (merged as Record<string, unknown>)[key] = { ...(base[key] as object | undefined), ...(value as object) };
    } else {
      (merged as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
}

/** Reads a dot path such as `company.employees` from a lead. */
export function leadField(lead: Lead, path: string): unknown {
  let value: unknown = lead;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Every dot path a policy rule may name, with its kind; used to validate policy documents. */
export const LEAD_FIELDS: Record<string, 'number' | 'string' | 'boolean' | 'list'> = {
  'contact.authority': 'string',
  'company.employees': 'number',
  'company.industry': 'string',
  'company.region': 'string',
  'company.techStack': 'list',
  'engagement.touchpoints': 'number',
  'engagement.replies': 'number',
  'engagement.meetingBooked': 'boolean',
  'engagement.pricingPageVisits': 'number',
  'engagement.contentDownloads': 'number',
  'engagement.intentSignals': 'list',
  painPoints: 'list',
  'urgency.timeline': 'string',
  'urgency.budget': 'string',
  'urgency.triggerEvent': 'string',
  'context.champion': 'string',
  'context.whyNow': 'string',
  'context.competitor': 'string',
};
