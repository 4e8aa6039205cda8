import { z } from 'zod';
import type { Lead } from './lead.js';
import { AeSchema, type Ae } from './roster.js';
import { InstantSchema } from './sla-clock.js';

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

/** Why the winner won: the account's owner, the fairness order, or a manager's named pick. */
export const ROUTING_BASES = ['account_owner', 'fairness', 'target'] as const;
export type RoutingBasis = (typeof ROUTING_BASES)[number];

/**
 * What the router keeps of each AE between decisions. Nothing here is ever reset: roster edits
 * change how an AE is matched and weighted from now on, never the position they have earned.
 */
export interface AeLoad {
  /** Assignments that counted for fairness, all time (account-owner picks do not count). */
  assigned: number;
  /**
   * The fairness position: 1 ÷ weight added per counted assignment, raised when the AE rejoins
   * (see `selectAe`). The lowest position among the eligible goes next.
   */
  served: number;
  /** Open hand-offs held now (capacity). */
  open: number;
  /** Epoch ms of the last counted assignment. */
  lastAssignedAt?: number;
  /**
   * The AE was unavailable (inactive, out of office, at capacity) at some routing since their last
   * turn, is new, or had their territory changed: their position is levelled at their next candidacy.
   */
  rejoining?: boolean;
}

export const EMPTY_LOAD: AeLoad = { assigned: 0, served: 0, open: 0, rejoining: true };

/** The account's owner: the AE of the latest open or recent hand-off of the same company domain. */
export interface AccountOwner {
  aeId: string;
  handoffId: string;
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
  /** Picked first when eligible (not for a named target); such a pick does not count for fairness. */
  owner?: AccountOwner;
  now: number;
}

const CandidateSchema = z.object({
  aeId: z.string(),
  weight: z.number(),
  /** Counted assignments, all time. */
  assigned: z.number(),
  /** Fairness position after levelling (lowest goes first). */
  served: z.number(),
  /** Set when the AE rejoined and was levelled up from this position. */
  levelledFrom: z.number().optional(),
  open: z.number(),
  capacity: z.number(),
  lastAssignedAt: z.number().optional(),
});

export const RoutingDecisionSchema = z.object({
  aeId: z.string().nullable(),
  basis: z.enum(ROUTING_BASES).nullable().optional(),
  /** The account owner that was looked at, and why they were passed over when they were. */
  owner: z.object({ aeId: z.string(), handoffId: z.string(), skipped: z.enum(EXCLUSION_REASONS).optional() }).optional(),
  /** The eligible AEs in pick order, with the fairness figures that ordered them. */
  candidates: z.array(CandidateSchema),
  excluded: z.array(z.object({ aeId: z.string(), reason: z.enum(EXCLUSION_REASONS) })),
});
export type RoutingDecision = z.infer<typeof RoutingDecisionSchema>;
export type RoutingCandidate = z.infer<typeof CandidateSchema>;

/** A routing call (the `assignAe` activity's input): the hand-off, its lead and who may not have it. */
export interface AssignRequest {
  handoffId: string;
  /** Idempotency key: workflow id + routing round, never the run id. */
  key: string;
  lead: Lead;
  exclude: string[];
  requireSenior?: boolean;
  /** A manager's explicit pick: only this AE is considered. */
  target?: string;
  /** How far back a company's hand-off makes its AE the account owner (ms; default 90 days). */
  ownerWindow?: number;
}

/** What the workflow needs of the picked AE to run the contact clock and alert their manager. */
export const AssignedAeProfileSchema = AeSchema.pick({ timeZone: true, senior: true, managerId: true, clock: true });
export type AssignedAeProfile = z.output<typeof AssignedAeProfileSchema>;

/** A stored routing decision as the router answers it: when, and the picked AE's profile. */
export const AssignmentSchema = RoutingDecisionSchema.extend({ at: InstantSchema, ae: AssignedAeProfileSchema.optional() });
export type Assignment = z.output<typeof AssignmentSchema>;

/**
 * Picks an AE for a lead (DESIGN §2.6).
 *
 * 1. Eligibility: active, not out of office, matching territory, segment and industry, under
 *    capacity, not previously on this hand-off (and senior, or the named target, when asked).
 * 2. The account's owner, when eligible.
 * 3. Otherwise weighted fairness: the lowest position (`served`: 1 ÷ weight per counted
 *    assignment, so an AE of weight 2 takes two leads for every one of weight 1), ties by least
 *    recently assigned, then by id.
 *
 * **The rejoin rule.** An AE who was away — inactive, out of office, or at capacity at some
 * routing — or who is new or had their territory changed, rejoins level with the lowest position
 * among the other eligible AEs, never below it and never lowered: an absence earns no backlog, so
 * nobody returns from leave to a surge, and no edit resets anyone's position.
 */
export function selectAe(roster: readonly Ae[], loads: Readonly<Record<string, AeLoad>>, request: RoutingRequest): RoutingDecision {
  const excluded: RoutingDecision['excluded'] = [];
  const eligible: { ae: Ae; load: AeLoad }[] = [];
  for (const ae of roster) {
    const load = loads[ae.id] ?? EMPTY_LOAD;
    const reason = exclusionReason(ae, load, request);
    if (reason) excluded.push({ aeId: ae.id, reason });
    else eligible.push({ ae, load });
  }

  const floor = rejoinFloor(roster, loads, request, eligible);
  const candidates: RoutingCandidate[] = eligible.map(({ ae, load }) => {
    const levelled = load.rejoining && load.served < floor;
    return {
      aeId: ae.id,
      weight: ae.weight,
      assigned: load.assigned,
      served: levelled ? floor : load.served,
      ...(levelled ? { levelledFrom: load.served } : {}),
      open: load.open,
      capacity: ae.capacity,
      ...(load.lastAssignedAt === undefined ? {} : { lastAssignedAt: load.lastAssignedAt }),
    };
  });
  candidates.sort(
    (a, b) =>
      a.served - b.served ||
      (a.lastAssignedAt ?? -Infinity) - (b.lastAssignedAt ?? -Infinity) ||
      (a.aeId < b.aeId ? -1 : a.aeId > b.aeId ? 1 : 0),
  );

  const { owner, target } = request;
  if (owner && target === undefined) {
    const ownerAe = roster.find((ae) => ae.id === owner.aeId);
    const skipped = ownerAe ? excluded.find((e) => e.aeId === owner.aeId)?.reason : 'inactive';
    if (!skipped) return { aeId: owner.aeId, basis: 'account_owner', owner, candidates, excluded };
    const decision = fairPick(candidates, excluded, target);
    return { ...decision, owner: { ...owner, skipped } };
  }
  return fairPick(candidates, excluded, target);
}

/**
 * The position a rejoining AE is levelled to: the lowest among the settled AEs eligible for this
 * lead; when a re-route or a named target leaves none, the settled AEs of the lead's pool as a whole;
 * when nobody in the pool is settled (a new team, a bulk edit), the highest position among the
 * eligible, so they all start level.
 */
function rejoinFloor(
  roster: readonly Ae[],
  loads: Readonly<Record<string, AeLoad>>,
  request: RoutingRequest,
  eligible: readonly { ae: Ae; load: AeLoad }[],
): number {
  const settled = (entries: readonly { ae: Ae; load: AeLoad }[]) => entries.filter((e) => !e.load.rejoining).map((e) => e.load.served);
  let peers = settled(eligible);
  if (peers.length === 0) {
    const pool = { ...request, exclude: [], target: undefined, requireSenior: false };
    peers = settled(
      roster.map((ae) => ({ ae, load: loads[ae.id] ?? EMPTY_LOAD })).filter((e) => exclusionReason(e.ae, e.load, pool) === null),
    );
  }
  return peers.length > 0 ? Math.min(...peers) : Math.max(...eligible.map((e) => e.load.served));
}

function fairPick(candidates: RoutingCandidate[], excluded: RoutingDecision['excluded'], target: string | undefined): RoutingDecision {
  const winner = candidates[0]?.aeId ?? null;
  return { aeId: winner, basis: winner === null ? null : target !== undefined ? 'target' : 'fairness', candidates, excluded };
}

/** Whether an AE can take any lead at all right now (the rejoin rule's notion of "away"). */
export function isAvailable(ae: Ae, load: AeLoad, now: number): boolean {
  return ae.active && !isOutOfOffice(ae, now) && load.open < ae.capacity;
}

/**
 * The loads after a decision: the winner holds one more open hand-off and, unless the pick was the
 * account's owner, moves up by 1 ÷ weight; levelled candidates keep their new position; AEs
 * unavailable now are marked to rejoin. Only changed entries are returned.
 */
export function loadsAfter(
  roster: readonly Ae[],
  loads: Readonly<Record<string, AeLoad>>,
  decision: RoutingDecision,
  now: number,
): Record<string, AeLoad> {
  const changed: Record<string, AeLoad> = {};
  for (const candidate of decision.candidates) {
    if (candidate.levelledFrom !== undefined) {
      changed[candidate.aeId] = { ...(loads[candidate.aeId] ?? EMPTY_LOAD), served: candidate.served, rejoining: false };
    } else if ((loads[candidate.aeId] ?? EMPTY_LOAD).rejoining) {
      // A rejoining AE already at (or above) the floor needs no levelling: they are simply back.
      changed[candidate.aeId] = { ...(loads[candidate.aeId] ?? EMPTY_LOAD), rejoining: false };
    }
  }
  const winner = decision.aeId === null ? undefined : roster.find((ae) => ae.id === decision.aeId);
  if (winner) {
    const load = changed[winner.id] ?? loads[winner.id] ?? EMPTY_LOAD;
    const position = decision.candidates.find((c) => c.aeId === winner.id)?.served ?? load.served;
    changed[winner.id] =
      decision.basis === 'account_owner'
        ? { ...load, open: load.open + 1 }
        : {
            ...load,
            assigned: load.assigned + 1,
            served: position + 1 / winner.weight,
            open: load.open + 1,
            lastAssignedAt: now,
            rejoining: false,
          };
  }
  for (const ae of roster) {
    const load = changed[ae.id] ?? loads[ae.id] ?? EMPTY_LOAD;
    if (!load.rejoining && !isAvailable(ae, load, now)) changed[ae.id] = { ...load, rejoining: true };
  }
  return changed;
}

function isOutOfOffice(ae: Ae, now: number): boolean {
  return ae.outOfOffice.some((p) => Date.parse(p.from) <= now && now < Date.parse(p.to));
}

function exclusionReason(ae: Ae, load: AeLoad, { lead, exclude, requireSenior, target, now }: RoutingRequest): ExclusionReason | null {
  if (target !== undefined && ae.id !== target) return 'not_target';
  if (exclude.includes(ae.id)) return 'previously_assigned';
  if (!ae.active) return 'inactive';
  if (isOutOfOffice(ae, now)) return 'out_of_office';
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

/** The fields whose change moves an AE into a different pool of peers (they rejoin there). */
export const POOL_FIELDS = ['regions', 'employeeBands', 'industries', 'senior'] as const satisfies readonly (keyof Ae)[];

const figure = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2));
/** Decisions recorded before the database router (still in running hand-offs' histories) carry `load`, not `served`. */
const position = (c: Partial<RoutingCandidate> & { load?: number }): number => c.served ?? c.load ?? 0;

/** Why the winner won, in words for the timeline ("account owner (hand-off h-1)", "lowest position 1 of …"). */
export function explainPick(decision: RoutingDecision): string {
  const order = decision.candidates
    .map((c) => `${c.aeId} ${figure(position(c))}${c.levelledFrom === undefined ? '' : ' (rejoined)'}`)
    .join(', ');
  const skipped = decision.owner?.skipped
    ? `account owner ${decision.owner.aeId} skipped: ${decision.owner.skipped.replaceAll('_', ' ')}; `
    : '';
  switch (decision.basis) {
    case 'account_owner':
      return `account owner: had hand-off ${decision.owner!.handoffId} of this company; not counted for fairness`;
    case 'target':
      return 'the AE named';
    default:
      return `${skipped}lowest fairness position among ${order}`;
  }
}

/** Every excluded AE with its reason in words, or "none". */
export function explainExclusions(decision: RoutingDecision): string {
  return decision.excluded.map((e) => `${e.aeId} ${e.reason.replaceAll('_', ' ')}`).join(', ') || 'none';
}
