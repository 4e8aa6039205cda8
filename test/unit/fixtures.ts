import { fileURLToPath } from 'node:url';
import { readPolicyFile } from '../../src/policy/file.js';
import type { Actor } from '../../src/domain/actions.js';
import { LeadSchema, type Lead } from '../../src/domain/lead.js';
import { parsePolicy, type Policy, type PolicyInput } from '../../src/domain/policy.js';
import { AeSchema, type Ae } from '../../src/domain/roster.js';
import type { Score } from '../../src/domain/scoring.js';
import type { HandoffState, Stage } from '../../src/domain/state.js';
import { submission } from '../fixtures/leads.js';

/** Shared test data for the domain unit tests: the DESIGN §4 example lead and builders for variants. */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_POLICY_FILE = fileURLToPath(new URL('../../policy/default.yaml', import.meta.url));

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const MS = { second: 1000, minute: 60_000, hour: HOUR, day: DAY } as const;

let shipped: Promise<Policy> | undefined;
/** The shipped `policy/default.yaml`, loaded through the same activity the worker uses. */
export function loadDefaultPolicy(): Promise<Policy> {
  shipped ??= readPolicyFile(DEFAULT_POLICY_FILE);
  return shipped.then((p) => structuredClone(p));
}

/** The submission body of DESIGN §4, as the SDR sends it (with `handoffId`). */
export const EXAMPLE_SUBMISSION = submission('crm-lead-00417');

/** The DESIGN §4 example lead (complete checklist, in the ICP, scores 100 → hot), freshly parsed. */
export function exampleLead(): Lead {
  const { handoffId: _id, ...lead } = structuredClone(EXAMPLE_SUBMISSION);
  return LeadSchema.parse(lead);
}

/** The example lead changed by `edit` (which may mutate its argument freely). */
export function leadWith(edit: (lead: Lead) => void): Lead {
  const lead = exampleLead();
  edit(lead);
  return lead;
}

/** The example lead without the field at a dot path such as `company.techStack`. */
export function leadWithout(...paths: string[]): Lead {
  return leadWith((lead) => {
    for (const path of paths) {
      const parts = path.split('.');
      let target = lead as Record<string, unknown>;
      for (const part of parts.slice(0, -1)) target = target[part] as Record<string, unknown>;
      delete target[parts.at(-1)!];
    }
  });
}

/**
 * A lead that fires none of the default scoring rules (but is otherwise plausible), for testing
 * one rule at a time.
 */
export function blankScoringLead(): Lead {
  return LeadSchema.parse({
    company: { employees: 10, industry: 'gaming', region: 'BR', techStack: ['pipedrive'] },
    engagement: { touchpoints: 1, replies: 0, meetingBooked: false, pricingPageVisits: 0, contentDownloads: 0, intentSignals: [] },
    urgency: { timeline: 'unknown', budget: 'unknown' },
  });
}

/** A score with the given total (subtotals are irrelevant to tiering). */
export function scoreOf(total: number): Score {
  return { total, fit: 0, engagement: 0, intent: 0, rules: [], capped: [] };
}

/** A minimal valid policy document, for building invalid variants. */
export function minimalPolicyDocument(): PolicyInput & Record<string, unknown> {
  return {
    version: 'test-1',
    scoring: {
      rules: [
        {
          id: 'intent.trigger',
          category: 'intent',
          description: 'trigger',
          points: 10,
          when: { op: 'present', field: 'urgency.triggerEvent' },
        },
      ],
    },
    tiers: {
      hot: { minScore: 80, handoffWindow: '4h', contactWindow: '24h' },
      warm: { minScore: 65, handoffWindow: '24h', contactWindow: '48h' },
      cool: { minScore: 50, handoffWindow: '72h', contactWindow: '7d' },
    },
  };
}

export function minimalPolicy(): Policy {
  return parsePolicy(minimalPolicyDocument());
}

/** An AE for the roster, validated (defaults applied) like the roster file. */
export function makeAe(id: string, overrides: Record<string, unknown> = {}): Ae {
  return AeSchema.parse({ id, name: `AE ${id}`, email: `${id}@example.com`, ...overrides });
}

export const ACTORS = {
  sdr: { id: 'sdr-sam', role: 'sdr' },
  otherSdr: { id: 'sdr-other', role: 'sdr' },
  ae: { id: 'ae-kim', role: 'ae' },
  otherAe: { id: 'ae-lee', role: 'ae' },
  manager: { id: 'mgr-ana', role: 'manager' },
  ops: { id: 'ops-oz', role: 'ops' },
  admin: { id: 'admin-al', role: 'admin' },
} as const satisfies Record<string, Actor>;

export const ASSIGNED_AT = '2026-11-21T10:00:00.000Z';

/** A hand-off read model in `stage`, owned by `sdr-sam` and (from `assigned` on) assigned to `ae-kim`. */
export function makeState(stage: Stage, overrides: Partial<HandoffState> = {}): HandoffState {
  const assigned = stage === 'assigned' || stage === 'accepted' || stage === 'contacted' || stage === 'closed';
  return {
    id: 'crm-lead-00417',
    stage,
    ...(stage === 'closed' ? { outcome: 'opportunity' as const } : {}),
    sdrId: ACTORS.sdr.id,
    ...(assigned ? { assignedAe: ACTORS.ae.id, assignedAt: ASSIGNED_AT } : {}),
    previousAes: [],
    provisionalTier: 'hot',
    provisionalScore: 100,
    icp: { pass: true, failed: [] },
    checklist: { complete: stage !== 'awaiting_checklist', missing: [] },
    deadlines: { handoffBy: '2026-11-21T13:00:00.000Z' },
    handoffWindowMissed: false,
    escalations: 0,
    bookingAttempts: [],
    submittedAt: '2026-11-21T09:00:00.000Z',
    policyVersion: 'test-1',
    lead: exampleLead(),
    timeline: [],
    ...overrides,
  };
}
