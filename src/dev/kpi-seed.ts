/**
 * Synthetic hand-offs for the figures (DESIGN §2.7): ledger batches exactly as the hand-off workflow
 * ships them (its timeline events, in its order, each batch with the facts after it), for tests,
 * the benchmark and the KPI page's demo. Deterministic: the same options give the same hand-offs.
 *
 * Every hand-off also comes with a plain description of what happened to it (who, when, which
 * windows were missed, the outcome and rating), so a test can compute the expected figures by hand
 * without the projection fold or SQL. Events after `endingAt` never happen: those hand-offs are
 * still open, as they would be on a live system.
 *
 * Every batch also carries the lead data as it stood (a draft's partial checklist, then the complete
 * one), consistent under the shipped policy with what the story records: the ICP result, the score
 * (the lead's real score), the tier and a draft's provisional tier. The policy simulator replays
 * these leads through edited policies.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../config.js';
import type { Database, Sql } from '../db/database.js';
import { LedgerStore } from '../db/ledger.js';
import { QUALIFICATION_REASONS, ROUTING_REASONS, type ReportedOutcome } from '../domain/actions.js';
import { checkIcp } from '../domain/icp.js';
import type { Lead } from '../domain/lead.js';
import { compactFacts, type HandoffFacts, type LedgerBatch } from '../domain/ledger.js';
import { parsePolicy, TIERS, type Tier } from '../domain/policy.js';
import { AeSchema, type Ae } from '../domain/roster.js';
import { scoreLead, type Score } from '../domain/scoring.js';
import type { Outcome, Stage } from '../domain/state.js';
import type { TimelineEntry, TimelineEvent } from '../domain/timeline.js';
import { provisionalTierFor, tierFor } from '../domain/tiers.js';
import { workflowIdFor } from '../../workflows/messages.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The shipped policy (policy/default.yaml): its windows, counted in calendar time, shape the timelines. */
const SHIPPED_POLICY = path.join(repoRoot, 'policy', 'default.yaml');
const POLICY = parsePolicy(parseYaml(readFileSync(SHIPPED_POLICY, 'utf8')), SHIPPED_POLICY);
const perTier = (value: (tier: Tier) => number): Record<Tier, number> =>
  Object.fromEntries(TIERS.map((t) => [t, value(t)])) as Record<Tier, number>;
const HANDOFF_WINDOW = perTier((t) => POLICY.tiers[t].handoffWindow);
const CONTACT_WINDOW = perTier((t) => POLICY.tiers[t].contactWindow);
const ESCALATIONS = perTier((t) => POLICY.tiers[t].escalations);
const DRAFT_EXPIRY_FACTOR = POLICY.draftExpiryFactor;
const FEEDBACK_WINDOW = POLICY.feedback.window;
const FEEDBACK_REMINDER = POLICY.feedback.reminder;

export const KPI_SDRS = ['sdr-jo', 'sdr-max', 'sdr-ivy', 'sdr-raj', 'sdr-eli'] as const;
export const KPI_AES = ['ae-kim', 'ae-lena', 'ae-sam', 'ae-tom', 'ae-uma', 'ae-noor'] as const;
/** Escalations go to these (they must be among `aes`). */
export const KPI_SENIOR_AES = ['ae-sam', 'ae-noor'] as const;
/**
 * The seed's AEs as a roster, every one eligible for every lead (no territory, segment or industry),
 * for the policy simulator's routing replay over seeded hand-offs.
 */
export function kpiRoster(capacity: number): Ae[] {
  return KPI_AES.map((id) =>
    AeSchema.parse({ id, name: id, email: `${id}@example.com`, capacity, senior: (KPI_SENIOR_AES as readonly string[]).includes(id) }),
  );
}

export const QUALITY_ISSUES = [
  'no-pain-confirmed',
  'wrong-persona',
  'missing-budget',
  'stale-engagement',
  'no-champion',
  'timeline-unclear',
] as const;
const MANAGER = 'mgr-ana';
const BATON = 'baton';

type QualificationReason = (typeof QUALIFICATION_REASONS)[number];

export interface KpiSeedOptions {
  /** How many hand-offs. */
  count: number;
  /** Submissions are spread evenly at random over this many weeks before `endingAt`. */
  weeks: number;
  /** "Now": nothing happens after it (ISO instant or epoch ms). */
  endingAt: string | number;
  /** PRNG seed. */
  seed: number;
  sdrs?: readonly string[];
  aes?: readonly string[];
  /** The senior AEs escalations go to (default: those of KPI_SENIOR_AES that are in `aes`, else the last two). */
  seniorAes?: readonly string[];
  /** Prefix of the hand-off ids (default `kpi-<seed>-`). */
  idPrefix?: string;
}

/** What happened to one seeded hand-off, in plain terms (the ground truth a test computes figures from). */
export interface SeededHandoff {
  handoffId: string;
  workflowId: string;
  /** The path the generator took, e.g. `contacted`, `qualification_rejection` (for reading a failure). */
  scenario: string;
  company: string;
  sdr: string;
  /** Final tier; null when it never got one (draft, not ICP, nurture below threshold). */
  tier: Tier | null;
  provisionalTier: Tier;
  score: number | null;
  submittedAt: string;
  /** The first assignment to an AE (null: never assigned). */
  firstAssignedAt: string | null;
  /** Every AE it was assigned to, in order. */
  aes: string[];
  /** The AE who holds it, or last held it (null: never assigned). */
  ae: string | null;
  /** The first contact as the AE reported it (its `at`). */
  contactedAt: string | null;
  stage: Stage;
  /** Outcome on close; null while open. */
  outcome: Outcome | null;
  closedAt: string | null;
  reportedOutcome: ReportedOutcome | null;
  rating: number | null;
  qualityIssues: string[];
  /** The qualification reason it was rejected and returned for (routing rejections are re-routes). */
  rejectionReason: QualificationReason | null;
  /** Rejections for a routing reason (each one re-routed). */
  reroutes: number;
  escalations: number;
  handoffWindowMissed: boolean;
  /** How many first-contact windows were missed (any AE). */
  contactWindowsMissed: number;
  /**
   * The lead data as its last batch carries it: complete once the checklist was completed (its real
   * score is `score`, its tier `tier`), else the draft, whose provisional tier is `provisionalTier`.
   */
  lead: Lead;
  /** The batches to append, in order; each carries the lead as it stood and the shipped policy's version. */
  batches: LedgerBatch[];
}

/** A small, fast, seedable PRNG (mulberry32): uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  constructor(readonly next: () => number) {}
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  /** A duration in ms, uniform in [min, max], whole seconds. */
  ms(min: number, max: number): number {
    return Math.round((min + this.next() * (max - min)) / 1000) * 1000;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  weighted<T extends string>(weights: Record<T, number>): T {
    const entries = Object.entries(weights) as [T, number][];
    let r = this.next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [key, w] of entries) {
      r -= w;
      if (r < 0) return key;
    }
    return entries.at(-1)![0];
  }
}

const COMPANY_FIRST = ['Acme', 'Northwind', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Vandelay', 'Soylent', 'Tyrell'];
const COMPANY_SECOND = ['Logistics', 'Health', 'Fintech', 'Retail', 'Software', 'Manufacturing', 'Freight', 'Labs'] as const;
type Sector = (typeof COMPANY_SECOND)[number];

/** Some names need quoting in CSV: commas, quotes. The sector in the name gives the company's industry. */
function companyName(rnd: Random, i: number): { name: string; sector: Sector } {
  const first = rnd.pick(COMPANY_FIRST);
  const sector = rnd.pick(COMPANY_SECOND);
  const base = `${first} ${sector}`;
  if (i % 37 === 5) return { name: `${base}, Inc.`, sector };
  if (i % 53 === 7) return { name: `The "${base}" Group`, sector };
  return { name: `${base} ${i}`, sector };
}

// Lead data. The market below (where companies are, what they run, how engaged their people are) is
// drawn without looking at the policy's rules; a search then keeps a lead that the shipped policy
// treats as the story says. So an edited policy meets the seed as it would meet real leads, not
// leads built to sit on the shipped rules' edges.

const INDUSTRY_OF: Record<Sector, string> = {
  Logistics: 'logistics',
  Health: 'healthcare',
  Fintech: 'fintech',
  Retail: 'retail',
  Software: 'software',
  Manufacturing: 'manufacturing',
  Freight: 'transportation',
  Labs: 'biotech',
};
/** Where the prospects are (weights). */
const REGIONS = { US: 30, GB: 10, DE: 8, CA: 6, FR: 5, NL: 4, AU: 4, IE: 3, ES: 4, BR: 5, IN: 5, MX: 3, JP: 3, SG: 3, PL: 3, ZA: 2 };
const TOOLS = ['salesforce', 'hubspot', 'zendesk', 'intercom', 'pipedrive', 'freshdesk', 'slack', 'jira', 'snowflake', 'segment', 'gong'];
const FIRST_NAMES = 'Ana Ben Chloe Dev Elif Femi Grace Hiro Ines Jonas Kofi Lea Mateo Nina Omar Priya'.split(' ');
const LAST_NAMES = 'Silva Becker Okafor Nakamura Rossi Novak Haddad Lindqvist Moreau Patel Garcia Murphy'.split(' ');
const ROLES: readonly { title: string; authority: NonNullable<Lead['contact']>['authority'] }[] = [
  { title: 'Chief Revenue Officer', authority: 'economic_buyer' },
  { title: 'CFO', authority: 'economic_buyer' },
  { title: 'VP Sales', authority: 'decision_maker' },
  { title: 'Head of Revenue Operations', authority: 'decision_maker' },
  { title: 'Director of Customer Success', authority: 'decision_maker' },
  { title: 'Sales Operations Manager', authority: 'influencer' },
  { title: 'Head of Growth', authority: 'influencer' },
  { title: 'SDR Team Lead', authority: 'user' },
];
const PAIN_POINTS = [
  'leads go cold between SDR and AE',
  'no visibility into hand-off SLAs',
  'lead routing by spreadsheet',
  'AEs cherry-pick leads',
  'CRM data incomplete at hand-off',
  'slow first contact on demo requests',
  'no feedback from AEs to SDRs',
];
const OBJECTIONS = ['price', 'already has a router', 'security review needed', 'integration effort', 'budget cycle', 'needs IT buy-in'];
const COMPETITORS = ['LeanData', 'Chili Piper', 'Distribution Engine', 'an in-house script'];
const DECISION_PROCESSES = [
  'VP Sales decides; IT signs off on security',
  'buying committee of three; CFO approves above 50k',
  'RevOps evaluates, the CRO signs',
  'pilot with one team, then a company-wide rollout',
];
const INTENT_SIGNALS = [
  'g2: compared lead-routing tools',
  'bombora: lead routing surge',
  'bombora: sales handoff surge',
  'hiring: SDR manager',
  'news: funding round',
];
const TRIGGER_EVENTS = [
  'new CRO started last month',
  'SDR team doubling this quarter',
  'missed the pipeline target last quarter',
  'moving off spreadsheets to a CRM',
  'opening a new sales region',
];
const WHY_NOW = [
  'board wants faster speed-to-lead',
  'inbound volume up 40 % since the last campaign',
  'current tool is up for renewal',
  'new sales leadership reviews the funnel',
];
const NEXT_STEPS = ['AE to propose a discovery call', 'send the ROI summary, then a call', 'demo for the RevOps team'];
/** The seed's `icp_failed` event reads "employees 20 is below the minimum 50". */
const NOT_ICP_EMPLOYEES = 20;

/** What a lead's company and people are: drawn once per try, kept when only the signals are redrawn. */
type Profile = Required<Pick<Lead, 'contact' | 'company' | 'painPoints' | 'context'>>;

/** How engaged the prospect is: the numbers and switches of the scored fields. */
interface Signals {
  touchpoints: number;
  replies: number;
  meetingBooked: boolean;
  pricingPageVisits: number;
  contentDownloads: number;
  intentSignals: number;
  trigger: boolean;
  timeline: '0-30d' | '31-90d' | '90d+' | 'unknown' | 'date';
}

/** What the lead must be: in or out of the ICP, and (when given) the tier, final or provisional, it must get. */
interface Aim {
  icp: boolean;
  tier?: { provisional: boolean; want: Tier | null };
  /** The shape the lead is seen in (a draft lacks some fields); the aim is checked on it. */
  form: (lead: Lead) => Lead;
}

const same = (lead: Lead): Lead => lead;

/** A draft as first submitted: the budget and the next step missing (the `submitted` event says so). */
function draftForm(lead: Lead): Lead {
  const { nextStep: _nextStep, ...rest } = withoutBudget(lead);
  return rest;
}

/** An expired draft after its update: the next step added, the budget still missing. */
function withoutBudget(lead: Lead): Lead {
  const { budget: _budget, ...urgency } = lead.urgency ?? {};
  return { ...lead, urgency };
}

/** The leads of one hand-off: the draft it was submitted as (itself when it was complete) and the complete lead. */
interface HandoffLeads {
  draft: Lead;
  complete: Lead;
}

interface LeadPlan {
  kind: 'qualified' | 'notIcp' | 'nurture' | 'withdrawn' | 'expired';
  tier: Tier;
  provisionalTier: Tier;
  draft: boolean;
  company: string;
  sector: Sector;
  submittedAt: number;
}

/** A hand-off's leads, meeting what its story will record (`plan`). */
function seedLeads(lrnd: Random, plan: LeadPlan): HandoffLeads {
  const market = (): Profile => drawProfile(lrnd, plan);
  const icp = plan.kind !== 'notIcp';
  const provisional = { provisional: true, want: plan.provisionalTier };
  if (plan.kind === 'withdrawn' || plan.kind === 'expired') {
    // Never completed: only the draft is seen, and its provisional tier set the hand-off window.
    const draft = findLead(lrnd, plan.submittedAt, { icp, tier: provisional, form: draftForm }, market).lead;
    return { draft, complete: draft };
  }
  const tier =
    plan.kind === 'qualified'
      ? { provisional: false, want: plan.tier }
      : plan.kind === 'nurture'
        ? { provisional: false, want: null }
        : plan.draft
          ? undefined
          : provisional;
  const complete = findLead(lrnd, plan.submittedAt, { icp, tier, form: same }, market);
  if (!plan.draft) return { draft: complete.lead, complete: complete.lead };
  // The draft is the same company and contact; its engagement and urgency may have moved by completion.
  const aim: Aim = { icp, tier: provisional, form: draftForm };
  if (offBy(complete.lead, aim) === 0) return { draft: complete.lead, complete: complete.lead };
  return { draft: findLead(lrnd, plan.submittedAt, aim, () => complete.profile).lead, complete: complete.lead };
}

/** Mixes the seed and the index into a PRNG seed (murmur3's finaliser), so neighbouring hand-offs look unrelated. */
function leadSeed(seed: number, i: number): number {
  const mix = (h: number): number => {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  return mix(mix(seed >>> 0) ^ Math.imul(i + 1, 0x9e3779b1));
}

/** Tries before the exhaustive fallback; most leads hit in one or two. */
const TRIES = 24;

/**
 * A lead meeting `aim`: random leads, warmer or colder as the misses say, then (rarely) every
 * combination of signals for the last profile, in an order that starts at random.
 */
function findLead(lrnd: Random, submittedAt: number, aim: Aim, profileOf: () => Profile): { lead: Lead; profile: Profile } {
  let warmth = aim.tier ? warmthFor(aim.tier.want) + (lrnd.next() - 0.5) * 0.2 : 0.2 + 0.6 * lrnd.next();
  let profile = profileOf();
  for (let t = 0; t < TRIES; t++) {
    if (t > 0) profile = profileOf();
    const lead = assemble(profile, drawSignals(lrnd, warmth), lrnd, warmth, submittedAt);
    const off = offBy(lead, aim);
    if (off === 0) return { lead, profile };
    if (Number.isFinite(off)) warmth = Math.min(0.98, Math.max(0.02, warmth - 0.1 * Math.sign(off)));
  }
  const start = lrnd.int(0, SIGNAL_GRID.length - 1);
  for (let k = 0; k < SIGNAL_GRID.length; k++) {
    const lead = assemble(profile, SIGNAL_GRID[(start + k) % SIGNAL_GRID.length]!, lrnd, warmth, submittedAt);
    if (offBy(lead, aim) === 0) return { lead, profile };
  }
  throw new Error(`kpi-seed: no lead meets ${JSON.stringify({ icp: aim.icp, tier: aim.tier })} under policy ${POLICY.version}`);
}

/** 0 when the lead (in its form) meets the aim; else how many tiers too warm (> 0) or too cold (< 0); NaN for the wrong ICP result. */
function offBy(complete: Lead, aim: Aim): number {
  const lead = aim.form(complete);
  if (checkIcp(lead, POLICY.icp).pass !== aim.icp) return NaN;
  if (!aim.tier) return 0;
  const score = scoreLead(lead, POLICY.scoring);
  const got = aim.tier.provisional ? provisionalTierFor(score, lead, POLICY) : tierFor(score, lead, POLICY);
  return rank(got) - rank(aim.tier.want);
}

/** Tiers in order of warmth, below the threshold lowest. */
const rank = (tier: Tier | null): number => (tier === null ? 0 : TIERS.length - TIERS.indexOf(tier));

function warmthFor(tier: Tier | null): number {
  return tier === 'hot' ? 0.85 : tier === 'warm' ? 0.6 : tier === 'cool' ? 0.42 : 0.15;
}

function drawProfile(lrnd: Random, plan: LeadPlan): Profile {
  const domain = `${slug(plan.company)}.example`;
  const first = lrnd.pick(FIRST_NAMES);
  const last = lrnd.pick(LAST_NAMES);
  const role = lrnd.pick(ROLES);
  // Log-uniform from 50 (the companies SDRs prospect) to 20,000 employees.
  const employees = plan.kind === 'notIcp' ? NOT_ICP_EMPLOYEES : Math.round(Math.exp(Math.log(50) + lrnd.next() * Math.log(400)));
  const champion = lrnd.chance(0.3) ? `${first} ${last}` : `${lrnd.pick(FIRST_NAMES)} ${lrnd.pick(LAST_NAMES)}`;
  return {
    contact: { name: `${first} ${last}`, title: role.title, email: `${first}.${last}@${domain}`.toLowerCase(), authority: role.authority },
    company: {
      name: plan.company,
      domain,
      employees,
      industry: INDUSTRY_OF[plan.sector],
      region: lrnd.weighted(REGIONS),
      techStack: some(lrnd, TOOLS, lrnd.int(0, 4)),
    },
    painPoints: some(lrnd, PAIN_POINTS, lrnd.int(1, 3)),
    context: {
      objections: some(lrnd, OBJECTIONS, lrnd.int(0, 2)),
      champion,
      decisionProcess: lrnd.pick(DECISION_PROCESSES),
      ...(lrnd.chance(0.4) ? { competitor: lrnd.pick(COMPETITORS) } : {}),
    },
  };
}

/** Signals of a prospect as engaged as `warmth` (0 cold … 1 hot). */
function drawSignals(lrnd: Random, warmth: number): Signals {
  const touchpoints = lrnd.int(1, 4 + Math.round(10 * warmth));
  return {
    touchpoints,
    replies: lrnd.chance(0.2 + 0.7 * warmth) ? lrnd.int(1, Math.min(touchpoints, 1 + Math.round(4 * warmth))) : 0,
    meetingBooked: lrnd.chance(0.1 + 0.75 * warmth),
    pricingPageVisits: lrnd.chance(0.15 + 0.75 * warmth) ? lrnd.int(1, 6) : 0,
    contentDownloads: lrnd.chance(0.2 + 0.6 * warmth) ? lrnd.int(1, 4) : 0,
    intentSignals: lrnd.chance(0.1 + 0.7 * warmth) ? lrnd.int(1, 3) : 0,
    trigger: lrnd.chance(0.1 + 0.6 * warmth),
    timeline: lrnd.weighted({ '0-30d': 10 + 40 * warmth, '31-90d': 35, '90d+': 30 - 25 * warmth, unknown: 15 - 10 * warmth, date: 8 }),
  };
}

/** Every combination of a few values of each signal: the fallback when random leads keep missing. */
const SIGNAL_GRID: readonly Signals[] = [3, 12].flatMap((touchpoints) =>
  [0, 1, 3].flatMap((replies) =>
    [false, true].flatMap((meetingBooked) =>
      [0, 2].flatMap((pricingPageVisits) =>
        [0, 1].flatMap((intentSignals) =>
          [0, 1].flatMap((contentDownloads) =>
            [false, true].flatMap((trigger) =>
              (['0-30d', '31-90d'] as const).map((timeline) => ({
                touchpoints,
                replies,
                meetingBooked,
                pricingPageVisits,
                contentDownloads,
                intentSignals,
                trigger,
                timeline,
              })),
            ),
          ),
        ),
      ),
    ),
  ),
);

/** A complete lead: the profile, the signals, and the texts that go with them. */
function assemble(profile: Profile, s: Signals, lrnd: Random, warmth: number, submittedAt: number): Lead {
  const triggerEvent = s.trigger ? lrnd.pick(TRIGGER_EVENTS) : undefined;
  const meetingAt = Math.ceil((submittedAt + lrnd.ms(DAY, 10 * DAY)) / (30 * MINUTE)) * 30 * MINUTE;
  return {
    contact: profile.contact,
    company: profile.company,
    engagement: {
      touchpoints: s.touchpoints,
      replies: s.replies,
      // Colder prospects were last touched longer ago.
      lastTouchAt: iso(submittedAt - lrnd.ms(30 * MINUTE, (2 + 25 * (1 - warmth)) * DAY)),
      meetingBooked: s.meetingBooked,
      pricingPageVisits: s.pricingPageVisits,
      contentDownloads: s.contentDownloads,
      intentSignals: some(lrnd, INTENT_SIGNALS, s.intentSignals),
    },
    painPoints: profile.painPoints,
    nextStep: s.meetingBooked
      ? { meetingAt: iso(meetingAt), meetingLink: `https://meet.example/${profile.company.domain}`, text: 'discovery call with the AE' }
      : { text: lrnd.pick(NEXT_STEPS) },
    urgency: {
      timeline: s.timeline === 'date' ? iso(submittedAt + lrnd.ms(20 * DAY, 150 * DAY)).slice(0, 10) : s.timeline,
      budget: lrnd.weighted({ confirmed: 5 + 40 * warmth, indicated: 30, none: 25 - 20 * warmth, unknown: 20 }),
      ...(triggerEvent ? { triggerEvent } : {}),
    },
    // The checklist's "why now" is met by a trigger event or a stated reason.
    context: { ...profile.context, ...(!triggerEvent || lrnd.chance(0.4) ? { whyNow: lrnd.pick(WHY_NOW) } : {}) },
  };
}

/** `n` distinct items, in the list's order. */
function some<T>(lrnd: Random, items: readonly T[], n: number): T[] {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(n, items.length)) chosen.add(lrnd.int(0, items.length - 1));
  return [...chosen].sort((a, b) => a - b).map((k) => items[k]!);
}

const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** Stops a hand-off's story at `endingAt`. */
class Now extends Error {}

/** Builds one hand-off's timeline and batches as the workflow would record and ship them. */
class Story {
  readonly entries: TimelineEntry[] = [];
  readonly batches: LedgerBatch[] = [];
  private shipped = 0;
  readonly facts: HandoffFacts;
  firstAssignedAt: string | null = null;
  aes: string[] = [];
  reroutes = 0;
  contactWindowsMissed = 0;

  constructor(
    readonly handoffId: string,
    readonly endingAt: number,
    facts: HandoffFacts,
    /** The lead as it stands; batches share it, so it is replaced, never changed. */
    public lead: Lead,
  ) {
    this.facts = facts;
  }

  /** Records an event at `at` (applying `change` to the facts first); past `endingAt` the story ends. */
  record(at: number, event: TimelineEvent, actor: string, detail?: string, rule?: string, change?: (f: HandoffFacts) => void): void {
    if (at > this.endingAt) throw new Now();
    change?.(this.facts);
    this.entries.push({ at: iso(at), actor, event, ...(detail ? { detail } : {}), ...(rule ? { rule } : {}) });
  }

  /** Ships what was recorded since the last batch, with the facts as they are now. */
  ship(): void {
    if (this.entries.length === this.shipped) return;
    const facts = compactFacts(structuredClone(this.facts));
    this.batches.push({
      workflowId: workflowIdFor(this.handoffId),
      handoffId: this.handoffId,
      from: this.shipped,
      entries: this.entries.slice(this.shipped),
      facts,
      lead: this.lead,
      policyVersion: POLICY.version,
    });
    this.shipped = this.entries.length;
  }

  /** The policy's reminders to the AE assigned at `assignedAt`, those that fall before `until`. */
  remind(assignedAt: number, ae: string, tier: Tier, until: number): void {
    const window = CONTACT_WINDOW[tier];
    for (const [i, fraction] of POLICY.tiers[tier].reminders.entries()) {
      const at = assignedAt + fraction * window;
      if (at >= until) break;
      this.record(
        at,
        'reminder',
        BATON,
        `${ae}: ${Math.round(fraction * 100)} % of the ${tier} window has passed`,
        `tiers.${tier}.reminders[${i}]`,
      );
      this.ship();
    }
  }

  close(at: number, outcome: Outcome, reason: string, actor = BATON): void {
    this.record(at, 'closed', actor, `${outcome}: ${reason}`, undefined, (f) => {
      f.stage = 'closed';
      f.outcome = outcome;
      f.closeReason = reason;
      f.closedAt = iso(at);
    });
  }

  assign(at: number, ae: string, why: string, tier: Tier): void {
    const contactBy = iso(at + CONTACT_WINDOW[tier]);
    this.record(at, 'assigned', BATON, `${ae} (${why}); first contact by ${contactBy}`, 'routing', (f) => {
      if (f.assignedAe && f.assignedAe !== ae) f.previousAes.push(f.assignedAe);
      f.assignedAe = ae;
      f.assignedAt = iso(at);
      f.contactBy = contactBy;
      f.stage = 'assigned';
    });
    this.firstAssignedAt ??= iso(at);
    this.aes.push(ae);
  }

  /** The AE gives the lead up (a routing rejection): it waits for another AE. */
  unassign(): void {
    const f = this.facts;
    if (f.assignedAe) f.previousAes.push(f.assignedAe);
    delete f.assignedAe;
    delete f.contactBy;
    f.stage = 'awaiting_assignment';
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** `count` hand-offs submitted over `weeks` weeks up to `endingAt`, with every path the playbook has. */
export function seedKpiHandoffs(options: KpiSeedOptions): SeededHandoff[] {
  const rnd = new Random(mulberry32(options.seed));
  const endingAt = typeof options.endingAt === 'number' ? options.endingAt : Date.parse(options.endingAt);
  const sdrs = options.sdrs ?? KPI_SDRS;
  const aes = options.aes ?? KPI_AES;
  const knownSeniors = aes.filter((a) => (KPI_SENIOR_AES as readonly string[]).includes(a));
  const seniors = options.seniorAes ?? (knownSeniors.length >= 2 ? knownSeniors : aes.slice(-2));
  if (aes.length < 3 || seniors.length < 2) throw new Error('the seed needs at least three AEs, two of them senior');
  const prefix = options.idPrefix ?? `kpi-${options.seed}-`;
  const span = options.weeks * 7 * DAY;
  const start = endingAt - span;
  const out: SeededHandoff[] = [];
  for (let i = 0; i < options.count; i++) {
    const submittedAt = start + rnd.ms(0, span - MINUTE);
    // Leads come from a PRNG of their own: drawing them leaves the main stream, and every timing, as before leads existed.
    const leadRnd = new Random(mulberry32(leadSeed(options.seed, i)));
    out.push(oneHandoff(rnd, leadRnd, `${prefix}${String(i).padStart(6, '0')}`, i, submittedAt, endingAt, sdrs, aes, seniors));
  }
  return out;
}

function oneHandoff(
  rnd: Random,
  leadRnd: Random,
  handoffId: string,
  i: number,
  t0: number,
  endingAt: number,
  sdrs: readonly string[],
  aes: readonly string[],
  seniors: readonly string[],
): SeededHandoff {
  const sdr = sdrs[i % sdrs.length]!;
  const { name: company, sector } = companyName(rnd, i);
  const kind = rnd.weighted({ qualified: 80, notIcp: 6, nurture: 9, withdrawn: 2, expired: 3 });
  const tier: Tier = rnd.weighted({ hot: 25, warm: 35, cool: 40 });
  // The score used to be drawn here (within the tier's band); the draw stays so every later draw is unchanged.
  rnd.next();
  // A draft's provisional tier may differ from where it ends up; a complete submission's is its tier.
  const draft = kind === 'withdrawn' || kind === 'expired' || rnd.chance(0.15);
  const provisionalTier: Tier = kind === 'qualified' && !(draft && rnd.chance(0.3)) ? tier : rnd.pick(['hot', 'warm', 'cool'] as const);
  const leads = seedLeads(leadRnd, { kind, tier, provisionalTier, draft, company, sector, submittedAt: t0 });
  const score = scoreLead(leads.complete, POLICY.scoring);
  const handoffBy = t0 + HANDOFF_WINDOW[provisionalTier];
  const story = new Story(
    handoffId,
    endingAt,
    {
      stage: 'awaiting_checklist',
      sdrId: sdr,
      previousAes: [],
      provisionalTier,
      company,
      escalations: 0,
      handoffWindowMissed: false,
      submittedAt: iso(t0),
      handoffBy: iso(handoffBy),
    },
    draft ? draftForm(leads.draft) : leads.complete,
  );
  let scenario: string = kind;
  let reportedOutcome: ReportedOutcome | null = null;
  let rating: number | null = null;
  let qualityIssues: string[] = [];
  let rejectionReason: QualificationReason | null = null;
  let gotTier = false;
  let scored = false;

  /** The workflow records a missed hand-off window at its deadline if nobody was assigned by then. */
  const handoffWindowUntil = (at: number): void => {
    if (at > handoffBy && !story.facts.handoffWindowMissed) {
      story.record(
        handoffBy,
        'handoff_window_missed',
        BATON,
        `not assigned within the ${provisionalTier} hand-off window`,
        `tiers.${provisionalTier}.handoffWindow`,
        (f) => {
          f.handoffWindowMissed = true;
        },
      );
      story.ship();
    }
  };

  try {
    story.record(t0, 'submitted', sdr, draft ? 'draft; missing: urgency.budget, nextStep' : 'complete');
    let ready = t0;
    if (draft) {
      story.ship();
      if (kind === 'withdrawn') {
        const at = t0 + rnd.ms(10 * MINUTE, 2 * HANDOFF_WINDOW[provisionalTier]);
        handoffWindowUntil(at);
        story.close(at, 'withdrawn', 'duplicate of another lead', sdr);
        story.ship();
        throw new Now();
      }
      if (kind === 'expired') {
        const expiresAt = t0 + DRAFT_EXPIRY_FACTOR * HANDOFF_WINDOW[provisionalTier];
        const update = t0 + rnd.ms(5 * MINUTE, HOUR);
        story.record(update, 'checklist_updated', sdr, 'missing: urgency.budget');
        story.lead = withoutBudget(leads.draft);
        story.ship();
        handoffWindowUntil(expiresAt);
        story.record(expiresAt, 'draft_expired', BATON, 'missing: urgency.budget', 'draftExpiryFactor');
        story.close(expiresAt, 'expired', 'checklist still incomplete');
        story.ship();
        throw new Now();
      }
      // Completed later, sometimes after the hand-off window.
      ready =
        t0 +
        (rnd.chance(0.3) ? rnd.ms(HANDOFF_WINDOW[provisionalTier], 2.5 * HANDOFF_WINDOW[provisionalTier]) : rnd.ms(10 * MINUTE, 3 * HOUR));
      handoffWindowUntil(ready);
      story.record(ready, 'checklist_updated', sdr, 'checklist complete');
      story.lead = leads.complete;
    }
    story.record(ready, 'checklist_completed', BATON);
    if (kind === 'notIcp') {
      story.record(ready, 'icp_failed', BATON, 'employees 20 is below the minimum 50', 'icp');
      story.close(ready, 'not_icp', 'outside the ICP: icp.minEmployees');
      story.ship();
      throw new Now();
    }
    story.record(ready, 'scored', BATON, scoreDetail(score), undefined, (f) => {
      f.score = score.total;
    });
    scored = true;
    if (kind === 'nurture') {
      story.close(ready, 'nurture', `score ${score.total} below the threshold ${POLICY.scoring.threshold}`);
      story.ship();
      throw new Now();
    }
    story.record(ready, 'tiered', BATON, tier, `tiers.${tier}.minScore`, (f) => {
      f.tier = tier;
      f.stage = 'awaiting_assignment';
    });
    gotTier = true;
    story.ship();

    // Routing: usually at once; sometimes nobody is eligible for hours.
    let at = ready + rnd.ms(2_000, 90_000);
    if (rnd.chance(0.08)) {
      scenario = 'no_eligible_ae';
      story.record(at, 'no_eligible_ae', BATON, 'every AE in the territory is at capacity', 'routing.retryEvery');
      story.ship();
      at += rnd.ms(HOUR, 3 * HANDOFF_WINDOW[tier]);
    }
    handoffWindowUntil(at);
    const held = new Set<string>();
    let ae = rnd.pick(aes);
    held.add(ae);
    story.assign(at, ae, 'furthest below their weighted share', tier);
    story.ship();

    // The AEs' turns: each assignment runs a fresh first-contact window.
    let contactedAt: number | undefined;
    let recordedAt = 0;
    let routingRejections = 0;
    let intervened = false;
    for (let turn = 0; contactedAt === undefined; turn++) {
      const assignedAt = at;
      const contactBy = assignedAt + CONTACT_WINDOW[tier];
      const window = CONTACT_WINDOW[tier];
      const behaviour =
        turn > 0 && story.facts.escalations > 0
          ? rnd.weighted({ contact: 70, miss: 30 })
          : rnd.weighted({
              contact: 66,
              qualification: 10,
              routing: routingRejections < 1 ? 6 : 0,
              miss: 12,
              intervention: intervened ? 0 : 4,
              silent: 2,
            });
      if (behaviour !== 'contact' && behaviour !== 'silent') scenario = behaviour === 'miss' ? 'contact_window_missed' : behaviour;
      if (behaviour === 'routing' || behaviour === 'qualification') {
        const acceptedFirst = rnd.chance(0.3);
        const rejectAt = assignedAt + rnd.ms(10 * MINUTE, 0.45 * window);
        if (acceptedFirst) {
          story.record(assignedAt + rnd.ms(MINUTE, 5 * MINUTE), 'accepted', ae, undefined, undefined, (f) => void (f.stage = 'accepted'));
          story.ship();
        }
        if (behaviour === 'routing') {
          const reason = rnd.pick(ROUTING_REASONS);
          story.record(rejectAt, 'rejected', ae, reason, undefined, (f) => {
            f.rejection = { reason, rerouted: true };
            story.unassign();
          });
          story.ship();
          routingRejections++;
          story.reroutes++;
          at = rejectAt + rnd.ms(2_000, 60_000);
          ae = rnd.pick(aes.filter((a) => !held.has(a)));
          held.add(ae);
          story.assign(at, ae, 'furthest below their weighted share', tier);
          story.ship();
          continue;
        }
        const reason = rnd.pick(QUALIFICATION_REASONS);
        story.record(rejectAt, 'rejected', ae, `${reason}: not what the checklist said`, undefined, (f) => {
          f.rejection = { reason, rerouted: false };
        });
        rejectionReason = reason;
        story.close(rejectAt, 'returned_to_sdr', reason, ae);
        story.ship();
        throw new Now();
      }
      if (behaviour === 'intervention') {
        intervened = true;
        const kindOf = rnd.weighted({ reassign: 45, escalate: 30, returnToSdr: 25 });
        const when = assignedAt + rnd.ms(HOUR, 0.7 * window);
        if (kindOf === 'returnToSdr') {
          story.record(when, 'returned_to_sdr', MANAGER, 'lead went cold: SDR to re-qualify', 'intervention.returnToSdr');
          story.close(when, 'returned_to_sdr', 'lead went cold: SDR to re-qualify', MANAGER);
          story.ship();
          scenario = 'manager_return';
          throw new Now();
        }
        const pool = kindOf === 'escalate' ? seniors.filter((a) => !held.has(a) && a !== ae) : aes.filter((a) => !held.has(a));
        if (pool.length === 0) continue;
        const to = rnd.pick(pool);
        story.record(
          when,
          kindOf === 'escalate' ? 'escalated' : 'reassigned',
          MANAGER,
          `from ${ae} to ${to}`,
          `intervention.${kindOf}`,
          (f) => {
            if (kindOf === 'escalate') f.escalations++;
          },
        );
        ae = to;
        held.add(ae);
        at = when;
        story.assign(at, ae, `named by ${MANAGER}`, tier);
        story.ship();
        scenario = `manager_${kindOf}`;
        continue;
      }
      if (behaviour === 'miss' || behaviour === 'silent') {
        // Every reminder, then the window is missed.
        story.remind(assignedAt, ae, tier, contactBy);
        story.record(
          contactBy,
          'contact_window_missed',
          BATON,
          `${ae} made no contact within the ${tier} window`,
          `tiers.${tier}.contactWindow`,
        );
        story.contactWindowsMissed++;
        if (story.facts.escalations < ESCALATIONS[tier]) {
          story.record(
            contactBy,
            'escalated',
            BATON,
            `${ae} missed the ${tier} first-contact window: to a senior AE`,
            `tiers.${tier}.escalations`,
            (f) => {
              f.escalations++;
            },
          );
          story.ship();
          const senior = seniors.filter((a) => !held.has(a));
          if (senior.length === 0) {
            // Every senior AE has had it: the holder gives it up and it waits for the roster to change.
            story.record(contactBy, 'no_eligible_ae', BATON, 'no senior AE: every one has had this hand-off', 'routing.retryEvery', () =>
              story.unassign(),
            );
            story.ship();
            scenario = 'no_senior_ae';
            throw new Now();
          }
          at = contactBy + rnd.ms(2_000, 60_000);
          ae = rnd.pick(senior);
          held.add(ae);
          story.assign(at, ae, 'senior AE; furthest below their weighted share', tier);
          story.ship();
          continue;
        }
        story.record(
          contactBy,
          'returned_to_sdr',
          BATON,
          `${ae} missed the ${tier} first-contact window; escalations used up`,
          `tiers.${tier}.onExhausted`,
        );
        story.close(contactBy, 'returned_to_sdr', 'sla_missed');
        story.ship();
        throw new Now();
      }
      // Contact within the window, sometimes after a reminder; sometimes accepted first.
      const late = rnd.chance(0.35);
      recordedAt = assignedAt + (late ? rnd.ms(0.5 * window + MINUTE, 0.98 * window) : rnd.ms(5 * MINUTE, 0.49 * window));
      if (rnd.chance(0.6)) {
        story.record(
          assignedAt + rnd.ms(MINUTE, Math.min(HOUR, recordedAt - assignedAt - MINUTE)),
          'accepted',
          ae,
          undefined,
          undefined,
          (f) => {
            f.stage = 'accepted';
          },
        );
        story.ship();
      }
      // The reminders that fell before the contact.
      if (late) story.remind(assignedAt, ae, tier, recordedAt);
      // The AE may say when the contact happened (earlier than now, never before the assignment).
      const reported = rnd.chance(0.4) ? Math.max(assignedAt, recordedAt - rnd.ms(MINUTE, 2 * HOUR)) : recordedAt;
      const channel = rnd.pick(['call', 'email', 'meeting', 'linkedin'] as const);
      story.record(recordedAt, 'contacted', ae, `${channel} at ${iso(reported)}`, undefined, (f) => {
        f.contactedAt = iso(reported);
        f.stage = 'contacted';
      });
      story.ship();
      contactedAt = reported;
    }

    // Outcome and feedback within the feedback window (a reminder at 7 days), else it lapses.
    const outcome = rnd.weighted<ReportedOutcome | 'none'>({ opportunity: 32, disqualified: 22, no_show: 16, nurture: 18, none: 12 });
    const rated = outcome !== 'none' ? rnd.chance(0.9) : rnd.chance(0.3);
    const reminderAt = recordedAt + FEEDBACK_REMINDER;
    const windowEnd = recordedAt + FEEDBACK_WINDOW;
    const slow = rnd.chance(0.2);
    const when = (): number => recordedAt + (slow ? rnd.ms(FEEDBACK_REMINDER + HOUR, FEEDBACK_WINDOW - HOUR) : rnd.ms(HOUR, 5 * DAY));
    const steps: { at: number; run: () => void }[] = [];
    if (outcome !== 'none') {
      const at = when();
      steps.push({
        at,
        run: () => {
          story.record(at, 'outcome_reported', ae, outcome, undefined, (f) => void (f.reportedOutcome = outcome));
          reportedOutcome = outcome;
        },
      });
    }
    if (rated) {
      const r = ratingFor(rnd, outcome);
      const issues = issuesFor(rnd, r);
      const at = when();
      steps.push({
        at,
        run: () => {
          story.record(
            at,
            'feedback_submitted',
            ae,
            `rating ${r}${issues.length ? `; issues: ${issues.join(', ')}` : ''}`,
            undefined,
            (f) => {
              f.rating = r;
              f.qualityIssues = issues;
            },
          );
          rating = r;
          qualityIssues = issues;
        },
      });
    }
    steps.sort((a, b) => a.at - b.at);
    const both = outcome !== 'none' && rated;
    let reminded = false;
    for (const step of steps) {
      if (!reminded && step.at > reminderAt) {
        story.record(reminderAt, 'feedback_reminder', BATON, 'outcome and feedback due', 'feedback.reminder');
        story.ship();
        reminded = true;
      }
      step.run();
      story.ship();
    }
    if (both) {
      story.close(steps.at(-1)!.at, outcome, 'reported');
    } else {
      if (!reminded) {
        story.record(reminderAt, 'feedback_reminder', BATON, 'outcome and feedback due', 'feedback.reminder');
        story.ship();
      }
      story.close(windowEnd, outcome === 'none' ? 'nurture' : outcome, 'feedback_window_elapsed');
    }
    story.ship();
    if (scenario === 'qualified') scenario = 'contacted';
  } catch (err) {
    if (!(err instanceof Now)) throw err;
    story.ship();
    if (scenario === 'qualified') scenario = 'open';
  }

  const f = story.facts;
  return {
    handoffId,
    workflowId: workflowIdFor(handoffId),
    scenario,
    company,
    sdr,
    tier: gotTier ? tier : null,
    provisionalTier,
    score: scored ? score.total : null,
    submittedAt: iso(t0),
    firstAssignedAt: story.firstAssignedAt,
    aes: story.aes,
    ae: story.aes.at(-1) ?? null,
    contactedAt: f.contactedAt ?? null,
    stage: f.stage,
    outcome: f.outcome ?? null,
    closedAt: f.closedAt ?? null,
    reportedOutcome,
    rating,
    qualityIssues,
    rejectionReason,
    reroutes: story.reroutes,
    escalations: f.escalations,
    handoffWindowMissed: f.handoffWindowMissed,
    contactWindowsMissed: story.contactWindowsMissed,
    lead: story.lead,
    batches: story.batches,
  };
}

/** The `scored` event's detail, as the workflow words it. */
function scoreDetail(score: Score): string {
  const rules = score.rules.map((r) => `${r.id} +${r.points}`).join(', ');
  return `${score.total} = fit ${score.fit} + engagement ${score.engagement} + intent ${score.intent}; rules: ${rules}`;
}

function ratingFor(rnd: Random, outcome: ReportedOutcome | 'none'): number {
  switch (outcome) {
    case 'opportunity':
      return rnd.pick([3, 4, 4, 5, 5, 5]);
    case 'disqualified':
      return rnd.pick([1, 1, 2, 2, 3]);
    case 'no_show':
      return rnd.pick([2, 2, 3, 3, 4]);
    default:
      return rnd.int(1, 5);
  }
}

function issuesFor(rnd: Random, rating: number): string[] {
  const n = rating >= 4 ? (rnd.chance(0.2) ? 1 : 0) : rating === 3 ? rnd.int(0, 1) : rnd.int(1, 3);
  const issues = new Set<string>();
  while (issues.size < n) issues.add(rnd.pick(QUALITY_ISSUES));
  return [...issues];
}

export interface WriteKpiSeedOptions {
  /** Hand-offs whose batches share one transaction (default 50). */
  perTransaction?: number;
  /** Transactions in flight at once (default 1; only a server runs them in parallel). */
  concurrency?: number;
  onProgress?: (done: number) => void;
}

/**
 * Appends the hand-offs' batches through the ledger store (events and projection), several
 * hand-offs per transaction. Idempotent like the store: writing the same seed twice adds nothing.
 */
export async function writeKpiSeed(db: Database, items: readonly SeededHandoff[], options: WriteKpiSeedOptions = {}): Promise<number> {
  const per = options.perTransaction ?? 50;
  const chunks: SeededHandoff[][] = [];
  for (let i = 0; i < items.length; i += per) chunks.push(items.slice(i, i + per));
  let next = 0;
  let done = 0;
  let inserted = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      inserted += await db.transaction(async (tx) => {
        // The store opens a transaction per append; inside this one, each append joins it.
        const store = new LedgerStore(joined(tx, db.kind));
        let n = 0;
        for (const item of chunk) for (const batch of item.batches) n += (await store.append(batch)).inserted;
        return n;
      });
      done += chunk.length;
      options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker));
  return inserted;
}

/** A Database whose transactions are the enclosing one. */
function joined(tx: Sql, kind: Database['kind']): Database {
  return {
    kind,
    query: (text, params) => tx.query(text, params),
    exec: (script) => tx.exec(script),
    transaction: (fn) => fn(tx),
    close: () => Promise.resolve(),
  };
}
