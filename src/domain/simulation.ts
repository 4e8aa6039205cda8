import { assessLead, type LeadAssessment } from './assessment.js';
import { formatDuration } from './duration.js';
import type { Lead } from './lead.js';
import { TIERS, type Policy, type Tier } from './policy.js';
import { EMPTY_LOAD, loadsAfter, selectAe, type AccountOwner, type AeLoad } from './routing.js';
import type { Ae } from './roster.js';
import { aeCalendar } from './sla-clock.js';
import { contactDeadline, handoffClock } from './tiers.js';
import { BUCKETS, type Bucket, type ChangedHandoff, type Responsible, type SimulationReport } from './simulation-report.js';

/**
 * The what-if simulator (issue 14). Every decision before an AE acts is a pure function of the lead
 * and the policy, so a draft policy can be run over the hand-offs a team already had: each one's
 * lead data goes through the ICP gate, scoring, tiering, the hand-off clock and routing, once under
 * the live policy (the baseline) and once under the draft, with the same inputs — submission and
 * assignment times as recorded, the roster as it is now, and the AEs' capacity and fairness
 * positions evolving over the replay. What differs is what the draft alone changes.
 */

/** One hand-off as the ledger recorded it: the replay's inputs, and what happened for comparison. */
export interface RecordedHandoff {
  handoffId: string;
  company: string | null;
  lead: Lead;
  submittedAt: number;
  /** When it could first be routed: its first assignment as recorded, else when its checklist was complete; null: never complete. */
  readyAt: number | null;
  firstAssignedAt: number | null;
  /** When its first AE stopped holding it (re-routed, escalated, returned, closed); null: still held, or never assigned. */
  releasedAt: number | null;
  firstContactAt: number | null;
  recorded: {
    bucket: Bucket;
    score: number | null;
    aeId: string | null;
    reportedOutcome: string | null;
    policyVersion: string | null;
  };
}

export interface PolicyUnderTest {
  policy: Policy;
  number: number | null;
}

interface Replayed {
  bucket: Bucket;
  assessment: LeadAssessment;
  score: number | null;
  aeId: string | null;
  /** The tier whose windows applied: the tier, or the provisional tier of a lead without one. */
  clockTier: Tier;
  handoffBy: number;
  contactBy: number | null;
}

export function bucketOf(assessment: LeadAssessment): Bucket {
  if (!assessment.checklist.complete) return 'draft';
  if (!assessment.icp.pass) return 'not_icp';
  return assessment.tier ?? 'nurture';
}

/** Replays every hand-off under one policy (in the order routing met them). */
export function replay(policy: Policy, handoffs: readonly RecordedHandoff[], roster: readonly Ae[]): Replayed[] {
  const out = handoffs.map((h): Replayed => {
    const assessment = assessLead(h.lead, policy);
    const bucket = bucketOf(assessment);
    const clockTier = assessment.provisionalTier;
    return {
      bucket,
      assessment,
      // The workflow scores only leads past the ICP gate with a complete checklist.
      score: bucket === 'draft' || bucket === 'not_icp' ? null : assessment.score.total,
      aeId: null,
      clockTier,
      handoffBy: handoffClock(h.submittedAt, clockTier, policy).handoffBy,
      contactBy: null,
    };
  });
  routeAll(policy, handoffs, out, roster);
  return out;
}

/**
 * Routing over the replay: hand-offs in the order they were ready, each AE's load rising with every
 * pick and falling when the hand-off was let go (as recorded; a hand-off the replay routes that was
 * never routed is held for the median recorded hold), the account-owner rule from the replay's own
 * picks. Nobody's position is carried in from before the range: every AE starts level.
 */
function routeAll(policy: Policy, handoffs: readonly RecordedHandoff[], out: Replayed[], roster: readonly Ae[]): void {
  const holds = handoffs
    .filter((h) => h.firstAssignedAt !== null && h.releasedAt !== null)
    .map((h) => h.releasedAt! - h.firstAssignedAt!)
    .sort((a, b) => a - b);
  const medianHold = holds.length > 0 ? holds[Math.floor(holds.length / 2)]! : Infinity;
  const order = handoffs
    .map((h, i) => ({ i, at: h.readyAt }))
    .filter((e): e is { i: number; at: number } => e.at !== null && TIERS.includes(out[e.i]!.bucket as Tier))
    .sort((a, b) => a.at - b.at || a.i - b.i);

  const loads: Record<string, AeLoad> = {};
  const releases: { at: number; aeId: string }[] = [];
  const owners = new Map<string, { owner: AccountOwner; at: number; until: number }>();
  const byId = new Map(roster.map((ae) => [ae.id, ae]));

  for (const { i, at } of order) {
    while (releases.length > 0 && releases[0]!.at <= at) {
      const { aeId } = releases.shift()!;
      const load = loads[aeId] ?? EMPTY_LOAD;
      loads[aeId] = { ...load, open: Math.max(0, load.open - 1) };
    }
    const h = handoffs[i]!;
    const r = out[i]!;
    const domain = h.lead.company?.domain?.toLowerCase();
    const held = domain ? owners.get(domain) : undefined;
    const owner = held && (held.until > at || at - held.at <= policy.routing.ownerWindow) ? held.owner : undefined;
    const decision = selectAe(roster, loads, { lead: h.lead, exclude: [], ...(owner ? { owner } : {}), now: at });
    Object.assign(loads, loadsAfter(roster, loads, decision, at));
    if (decision.aeId === null) continue;
    const ae = byId.get(decision.aeId)!;
    r.aeId = ae.id;
    r.contactBy = contactDeadline(at, r.bucket as Tier, policy, aeCalendar(policy, ae));
    const until = h.firstAssignedAt !== null ? (h.releasedAt ?? Infinity) : at + medianHold;
    if (until !== Infinity) insertSorted(releases, { at: until, aeId: ae.id });
    if (domain) owners.set(domain, { owner: { aeId: ae.id, handoffId: h.handoffId }, at, until });
  }
}

function insertSorted(list: { at: number; aeId: string }[], item: { at: number; aeId: string }): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.at <= item.at) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, item);
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isTier = (b: Bucket): b is Tier => (TIERS as readonly string[]).includes(b);
/** Waits for an AE under the hand-off window: a tiered lead, or a draft (on its provisional tier). */
const waits = (b: Bucket): boolean => isTier(b) || b === 'draft';

/** The draft against the baseline over the same hand-offs, as the simulator's answer. */
export function simulate(input: {
  baseline: PolicyUnderTest;
  candidate: PolicyUnderTest;
  handoffs: readonly RecordedHandoff[];
  roster: readonly Ae[];
  range: { from: number; to: number };
  withoutLeadData?: number;
}): Omit<SimulationReport, 'elapsedMs'> {
  const { baseline, candidate, handoffs, roster } = input;
  const before = replay(baseline.policy, handoffs, roster);
  const after = replay(candidate.policy, handoffs, roster);

  const changes = {
    handoffs: 0,
    tier: 0,
    toNurture: 0,
    fromNurture: 0,
    toNotIcp: 0,
    fromNotIcp: 0,
    score: 0,
    ae: 0,
    handoffDeadline: 0,
    contactDeadline: 0,
  };
  const deadlines = { handoff: shift(), contact: shift() };
  const movements = new Map<string, SimulationReport['movements'][number]>();
  const changed: ChangedHandoff[] = [];

  handoffs.forEach((h, i) => {
    const b = before[i]!;
    const c = after[i]!;
    const what: ChangedHandoff['changed'] = [];
    if (isTier(b.bucket) && isTier(c.bucket) && b.bucket !== c.bucket) what.push('tier');
    if ((b.bucket === 'nurture') !== (c.bucket === 'nurture')) what.push('nurture');
    if ((b.bucket === 'not_icp') !== (c.bucket === 'not_icp')) what.push('not_icp');
    if (b.score !== c.score) what.push('score');
    if (b.aeId !== c.aeId) what.push('ae');
    // A deadline differs only where both sides have it: a lead that leaves the queue (nurture,
    // not_icp) or is no longer routed shows as that change, not as a moved deadline.
    if (waits(b.bucket) && waits(c.bucket) && b.handoffBy !== c.handoffBy) what.push('handoff_deadline');
    if (b.contactBy !== null && c.contactBy !== null && b.contactBy !== c.contactBy) what.push('contact_deadline');
    if (what.includes('ae')) changes.ae++;
    // A pick that differs only because other hand-offs took turns or capacity is the AEs' shares'
    // story (aeShares), not this hand-off's: in a rotation, one lead more shifts every pick after it.
    if (what.length === 0 || (what.length === 1 && what[0] === 'ae')) return;

    changes.handoffs++;
    if (what.includes('tier')) changes.tier++;
    if (c.bucket === 'nurture' && b.bucket !== 'nurture') changes.toNurture++;
    if (b.bucket === 'nurture' && c.bucket !== 'nurture') changes.fromNurture++;
    if (c.bucket === 'not_icp' && b.bucket !== 'not_icp') changes.toNotIcp++;
    if (b.bucket === 'not_icp' && c.bucket !== 'not_icp') changes.fromNotIcp++;
    if (what.includes('score')) changes.score++;
    if (what.includes('handoff_deadline')) {
      changes.handoffDeadline++;
      count(deadlines.handoff, b.handoffBy, c.handoffBy, h.firstAssignedAt);
    }
    if (what.includes('contact_deadline')) {
      changes.contactDeadline++;
      count(deadlines.contact, b.contactBy!, c.contactBy!, h.firstContactAt);
    }

    const responsible = blame(b, c, baseline.policy, candidate.policy);
    if (b.bucket !== c.bucket) {
      const key = `${b.bucket}>${c.bucket}`;
      const movement = movements.get(key) ?? { from: b.bucket, to: c.bucket, count: 0, examples: [] };
      movement.count++;
      if (movement.examples.length < 5) {
        movement.examples.push({ handoffId: h.handoffId, company: h.company, scoreBefore: b.score, scoreAfter: c.score, responsible });
      }
      movements.set(key, movement);
    }
    changed.push({
      handoffId: h.handoffId,
      company: h.company,
      submittedAt: iso(h.submittedAt),
      baseline: side(b),
      candidate: side(c),
      changed: what,
      responsible,
    });
  });

  return {
    candidate: ref(candidate),
    baseline: ref(baseline),
    range: { from: iso(input.range.from), to: iso(input.range.to) },
    handoffs: handoffs.length,
    withoutLeadData: input.withoutLeadData ?? 0,
    ranUnder: ranUnder(handoffs),
    fidelity: fidelity(handoffs, before, baseline.policy.version),
    buckets: { baseline: bucketCounts(before), candidate: bucketCounts(after) },
    changes,
    movements: [...movements.values()].sort((x, y) => y.count - x.count || (`${x.from}>${x.to}` < `${y.from}>${y.to}` ? -1 : 1)),
    aeShares: aeShares(handoffs, before, after, roster),
    unrouted: { baseline: unrouted(before, handoffs), candidate: unrouted(after, handoffs) },
    deadlines,
    conversion: { baseline: conversion(handoffs, before), candidate: conversion(handoffs, after) },
    changed,
  };
}

const ref = (p: PolicyUnderTest) => ({ version: p.policy.version, number: p.number });

function side(r: Replayed): ChangedHandoff['baseline'] {
  return {
    bucket: r.bucket,
    score: r.score,
    aeId: r.aeId,
    handoffBy: iso(r.handoffBy),
    contactBy: r.contactBy === null ? null : iso(r.contactBy),
  };
}

function shift() {
  return { changed: 0, earlier: 0, later: 0, wouldHaveMissed: 0 };
}

/** A deadline moved; `met` is when it was met as recorded (the assignment, the first contact). */
function count(s: ReturnType<typeof shift>, before: number, after: number, met: number | null): void {
  s.changed++;
  if (after < before) s.earlier++;
  else s.later++;
  if (met !== null && met <= before && met > after) s.wouldHaveMissed++;
}

/**
 * The policy fields behind a hand-off's difference: rules whose points differ for this lead, the
 * threshold or tier bands it crossed, the ICP rules it now fails or passes, and the windows that
 * set its deadlines.
 */
function blame(b: Replayed, c: Replayed, bp: Policy, cp: Policy): Responsible[] {
  const out: Responsible[] = [];
  const points = (r: Replayed) => new Map(r.assessment.score.rules.map((rule) => [rule.id, rule.points]));
  const [pb, pc] = [points(b), points(c)];
  for (const id of new Set([...pb.keys(), ...pc.keys()])) {
    if ((pb.get(id) ?? 0) !== (pc.get(id) ?? 0))
      out.push({ path: `scoring.rules[${id}]`, before: pb.get(id) ?? 0, after: pc.get(id) ?? 0 });
  }
  for (const category of ['fit', 'engagement', 'intent'] as const) {
    if (bp.scoring.caps[category] !== cp.scoring.caps[category] && b.assessment.score[category] !== c.assessment.score[category]) {
      out.push({ path: `scoring.caps.${category}`, before: bp.scoring.caps[category], after: cp.scoring.caps[category] });
    }
  }
  const icpRules = (r: Replayed) => new Set(r.assessment.icp.failed.map((f) => f.rule));
  const [ib, ic] = [icpRules(b), icpRules(c)];
  for (const rule of new Set([...ib, ...ic])) {
    if (ib.has(rule) !== ic.has(rule))
      out.push({ path: `icp.${rule}`, before: ib.has(rule) ? 'fails' : 'passes', after: ic.has(rule) ? 'fails' : 'passes' });
  }
  if (b.bucket !== c.bucket && b.score !== null && c.score !== null) {
    const crossed = (x: number, y: number) =>
      Math.min(x, y) <= Math.max(b.score!, c.score!) && Math.min(b.score!, c.score!) < Math.max(x, y);
    if (bp.scoring.threshold !== cp.scoring.threshold && crossed(bp.scoring.threshold, cp.scoring.threshold)) {
      out.push({ path: 'scoring.threshold', before: bp.scoring.threshold, after: cp.scoring.threshold });
    }
    for (const tier of TIERS) {
      const [x, y] = [bp.tiers[tier].minScore, cp.tiers[tier].minScore];
      if (x !== y && crossed(x, y)) out.push({ path: `tiers.${tier}.minScore`, before: x, after: y });
      if (JSON.stringify(bp.tiers[tier].fastTrack) !== JSON.stringify(cp.tiers[tier].fastTrack))
        out.push({ path: `tiers.${tier}.fastTrack` });
    }
  }
  const windows = (key: 'handoffWindow' | 'contactWindow', tierB: Tier, tierC: Tier) => {
    const [x, y] = [bp.tiers[tierB][key], cp.tiers[tierC][key]];
    if (tierB === tierC && x !== y) out.push({ path: `tiers.${tierC}.${key}`, before: formatDuration(x), after: formatDuration(y) });
  };
  if (waits(b.bucket) && waits(c.bucket) && b.handoffBy !== c.handoffBy) windows('handoffWindow', b.clockTier, c.clockTier);
  if (b.contactBy !== null && c.contactBy !== null && b.contactBy !== c.contactBy && isTier(b.bucket) && isTier(c.bucket)) {
    windows('contactWindow', b.bucket, c.bucket);
  }
  if (JSON.stringify(bp.clock) !== JSON.stringify(cp.clock) && (b.handoffBy !== c.handoffBy || b.contactBy !== c.contactBy))
    out.push({ path: 'clock' });
  return out;
}

function bucketCounts(replayed: readonly Replayed[]): Record<Bucket, number> {
  const counts = Object.fromEntries(BUCKETS.map((b) => [b, 0])) as Record<Bucket, number>;
  for (const r of replayed) counts[r.bucket]++;
  return counts;
}

function ranUnder(handoffs: readonly RecordedHandoff[]): SimulationReport['ranUnder'] {
  const counts = new Map<string | null, number>();
  for (const h of handoffs) counts.set(h.recorded.policyVersion, (counts.get(h.recorded.policyVersion) ?? 0) + 1);
  return [...counts].map(([version, n]) => ({ version, handoffs: n })).sort((a, b) => b.handoffs - a.handoffs);
}

/** The baseline replay against the record, for hand-offs that ran under the baseline's version. */
function fidelity(handoffs: readonly RecordedHandoff[], before: readonly Replayed[], version: string): SimulationReport['fidelity'] {
  let compared = 0;
  let matching = 0;
  const mismatches: SimulationReport['fidelity']['mismatches'] = [];
  handoffs.forEach((h, i) => {
    if (h.recorded.policyVersion !== version) return;
    compared++;
    const r = before[i]!;
    const recorded = `${h.recorded.bucket} ${h.recorded.score ?? '–'}`;
    const replayed = `${r.bucket} ${r.score ?? '–'}`;
    if (recorded === replayed) matching++;
    else if (mismatches.length < 20) mismatches.push({ handoffId: h.handoffId, recorded, replayed });
  });
  return { compared, matching, mismatches };
}

function aeShares(
  handoffs: readonly RecordedHandoff[],
  before: readonly Replayed[],
  after: readonly Replayed[],
  roster: readonly Ae[],
): SimulationReport['aeShares'] {
  const tally = (ids: (string | null)[]) => {
    const counts = new Map<string, number>();
    for (const id of ids) if (id !== null) counts.set(id, (counts.get(id) ?? 0) + 1);
    const total = [...counts.values()].reduce((s, n) => s + n, 0);
    return (id: string) => ({ count: counts.get(id) ?? 0, share: total === 0 ? 0 : (counts.get(id) ?? 0) / total });
  };
  const recorded = tally(handoffs.map((h) => h.recorded.aeId));
  const b = tally(before.map((r) => r.aeId));
  const c = tally(after.map((r) => r.aeId));
  const ids = new Set([...roster.map((ae) => ae.id), ...handoffs.map((h) => h.recorded.aeId).filter((id): id is string => id !== null)]);
  return [...ids].sort().map((aeId) => ({ aeId, recorded: recorded(aeId), baseline: b(aeId), candidate: c(aeId) }));
}

function unrouted(replayed: readonly Replayed[], handoffs: readonly RecordedHandoff[]): number {
  return replayed.filter((r, i) => isTier(r.bucket) && handoffs[i]!.readyAt !== null && r.aeId === null).length;
}

/** Per bucket: of the hand-offs whose AE reported an outcome, the share that became an opportunity. */
function conversion(handoffs: readonly RecordedHandoff[], replayed: readonly Replayed[]): SimulationReport['conversion']['baseline'] {
  return BUCKETS.map((bucket) => {
    let n = 0;
    let withOutcome = 0;
    let opportunities = 0;
    replayed.forEach((r, i) => {
      if (r.bucket !== bucket) return;
      n++;
      const outcome = handoffs[i]!.recorded.reportedOutcome;
      if (outcome === null) return;
      withOutcome++;
      if (outcome === 'opportunity') opportunities++;
    });
    return { bucket, handoffs: n, withOutcome, opportunities, rate: withOutcome === 0 ? null : opportunities / withOutcome };
  });
}
