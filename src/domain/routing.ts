import { z } from 'zod';
import type { Lead } from './lead.js';
import type { Ae } from './roster.js';

export const EXCLUSION_REASONS = [
  'inactive',
  'out_of_office',
  'territory',
  'segment',
  'industry',
  'at_capacity',
  'previously_assigned',
  'not_senior',
  'not_target',
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

/** What the router knows of each AE's load. */
export interface AeLoad {
  /** Hand-offs assigned in total (the fairness counter; it never resets). */
  assigned: number;
  /** Open hand-offs (capacity). */
  open: number;
  /** Epoch ms of the last assignment. */
  lastAssignedAt?: number;
}

export interface RoutingRequest {
  lead: Lead;
  /** AEs who already had this hand-off: never picked again. */
  exclude: readonly string[];
  requireSenior?: boolean;
  /**
   * A manager's explicit pick (reassign or escalate to a named AE): every other AE is excluded, and
   * the target need not match the lead's territory, segment or industry, but must be active, in
   * the office and under capacity.
   */
  target?: string;
  now: number;
}

export const RoutingDecisionSchema = z.object({
  aeId: z.string().nullable(),
  candidates: z.array(
    z.object({ aeId: z.string(), assigned: z.number(), weight: z.number(), load: z.number(), lastAssignedAt: z.number().optional() }),
  ),
  excluded: z.array(z.object({ aeId: z.string(), reason: z.enum(EXCLUSION_REASONS) })),
});
export type RoutingDecision = z.infer<typeof RoutingDecisionSchema>;

/**
 * Picks an AE for a lead (DESIGN §2.6): eligibility first, then the AE furthest below their weighted
 * share (lowest assigned ÷ weight), ties by least recently assigned, then by id for determinism.
 */
export function selectAe(roster: readonly Ae[], loads: Readonly<Record<string, AeLoad>>, request: RoutingRequest): RoutingDecision {
  const excluded: RoutingDecision['excluded'] = [];
  const candidates: RoutingDecision['candidates'] = [];
  for (const ae of roster) {
    const load = loads[ae.id] ?? { assigned: 0, open: 0 };
    const reason = exclusionReason(ae, load, request);
    if (reason) {
      excluded.push({ aeId: ae.id, reason });
      continue;
    }
    candidates.push({
      aeId: ae.id,
      assigned: load.assigned,
      weight: ae.weight,
      load: load.assigned / ae.weight,
      ...(load.lastAssignedAt === undefined ? {} : { lastAssignedAt: load.lastAssignedAt }),
    });
  }
  candidates.sort(
    (a, b) =>
      a.load - b.load ||
      (a.lastAssignedAt ?? -Infinity) - (b.lastAssignedAt ?? -Infinity) ||
      (a.aeId < b.aeId ? -1 : a.aeId > b.aeId ? 1 : 0),
  );
  return { aeId: candidates[0]?.aeId ?? null, candidates, excluded };
}

function exclusionReason(ae: Ae, load: AeLoad, { lead, exclude, requireSenior, target, now }: RoutingRequest): ExclusionReason | null {
  if (target !== undefined && ae.id !== target) return 'not_target';
  if (exclude.includes(ae.id)) return 'previously_assigned';
  if (!ae.active) return 'inactive';
  if (ae.outOfOffice.some((p) => Date.parse(p.from) <= now && now < Date.parse(p.to))) return 'out_of_office';
  if (target !== undefined) return load.open >= ae.capacity ? 'at_capacity' : null;
  if (requireSenior && !ae.senior) return 'not_senior';
  const region = lead.company?.region;
  if (ae.regions.length > 0 && (region === undefined || !ae.regions.includes(region))) return 'territory';
  const employees = lead.company?.employees;
  if (
    ae.employeeBands.length > 0 &&
    (employees === undefined || !ae.employeeBands.some((b) => employees >= b.min && (b.max === null || employees <= b.max)))
  ) {
    return 'segment';
  }
  const industry = lead.company?.industry;
  if (ae.industries.length > 0 && (industry === undefined || !ae.industries.includes(industry))) return 'industry';
  if (load.open >= ae.capacity) return 'at_capacity';
  return null;
}
