/**
 * The router on PostgreSQL (DESIGN §2.6): the pure `selectAe` decides; this module makes the
 * decision atomic and idempotent. One transaction per routing call:
 *
 * 1. an advisory lock on the hand-off: a decision already stored under the call's key is answered as
 *    it was (a retry, or a retry racing the original on another worker);
 * 2. row locks on every AE in the roster (in id order, so concurrent routings queue instead of
 *    deadlocking) — every fairness figure and open count read below is current, and nobody else can
 *    change them until commit;
 * 3. decide, release the hand-off's previous holder, store the assignment and the new fairness
 *    figures, and commit.
 *
 * Capacity is counted from the ledger (open assignments), never from a counter that could drift,
 * and a unique index keeps one open assignment per hand-off whatever the code above does.
 */
import { AeSchema, type Ae } from '../domain/roster.js';
import {
  loadsAfter,
  selectAe,
  type AccountOwner,
  type AeLoad,
  type AssignedAeProfile,
  type AssignRequest,
  type Assignment,
} from '../domain/routing.js';
import type { Database, Sql } from './database.js';

/** A stored decision, as `GET /v1/handoffs/:id/routing` lists them. */
export type RecordedAssignment = Assignment & { key: string; releasedAt?: string; releaseReason?: string };

export const DEFAULT_OWNER_WINDOW = 90 * 24 * 3_600_000;

/**
 * Routings hold this advisory lock shared, roster changes exclusive: a change waits for routings
 * in flight to commit (so the hand-offs they found nobody for are listed as waiting when the change
 * wakes them), and routings after it see the changed roster — a new AE's row included, which no
 * row lock could cover.
 */
export const ROSTER_LOCK = 7_207_1122;

interface AeRow {
  id: string;
  doc: unknown;
  assigned: number;
  served: number;
  last_assigned_at: Date | null;
  rejoining: boolean;
}

export interface RouterOptions {
  now?: () => number;
  /** Test hook: runs after the commit, before the answer (a crash here must not change a retry's answer). */
  afterCommit?: (request: AssignRequest, decision: Assignment) => void | Promise<void>;
}

export class Router {
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly opts: RouterOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  async assign(request: AssignRequest): Promise<Assignment> {
    const decision = await this.db.transaction(async (tx) => {
      // Same-hand-off calls (a retry racing the original) queue here; once through, a committed decision is visible.
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [request.handoffId]);
      const stored = await tx.query<{ decision: Assignment }>('SELECT decision FROM routing_decisions WHERE key = $1', [request.key]);
      if (stored.rows[0]) return stored.rows[0].decision;
      await tx.query('SELECT pg_advisory_xact_lock_shared($1)', [ROSTER_LOCK]);
      const rows = (
        await tx.query<AeRow>(
          'SELECT id, doc, assigned, served, last_assigned_at, rejoining FROM aes WHERE deleted_at IS NULL ORDER BY id FOR UPDATE',
        )
      ).rows;
      return this.decide(tx, request, rows);
    });
    await this.opts.afterCommit?.(request, decision);
    return decision;
  }

  private async decide(tx: Sql, request: AssignRequest, rows: AeRow[]): Promise<Assignment> {
    const now = this.now();
    const roster = rows.map((row) => AeSchema.parse(row.doc));
    const open = await openCounts(tx);
    const loads: Record<string, AeLoad> = {};
    for (const row of rows) {
      loads[row.id] = {
        assigned: row.assigned,
        served: row.served,
        open: open.get(row.id) ?? 0,
        ...(row.last_assigned_at ? { lastAssignedAt: row.last_assigned_at.getTime() } : {}),
        rejoining: row.rejoining,
      };
    }
    const holder = (
      await tx.query<{ key: string; ae_id: string }>(
        'SELECT key, ae_id FROM routing_decisions WHERE handoff_id = $1 AND ae_id IS NOT NULL AND released_at IS NULL',
        [request.handoffId],
      )
    ).rows[0];
    const domain = request.lead.company?.domain?.toLowerCase();
    const owner = domain && request.target === undefined ? await this.owner(tx, request, domain, now) : undefined;

    const selected = selectAe(roster, loads, {
      lead: request.lead,
      // A re-route never hands the lead back to the AE holding it now.
      exclude: holder && !request.exclude.includes(holder.ae_id) ? [...request.exclude, holder.ae_id] : request.exclude,
      ...(request.requireSenior ? { requireSenior: true } : {}),
      ...(request.target !== undefined ? { target: request.target } : {}),
      ...(owner ? { owner } : {}),
      now,
    });
    const picked = roster.find((ae) => ae.id === selected.aeId);
    const decision: Assignment = { ...selected, at: new Date(now).toISOString(), ...(picked ? { ae: profileOf(picked) } : {}) };

    if (decision.aeId && holder) {
      await tx.query("UPDATE routing_decisions SET released_at = $2, release_reason = 'rerouted' WHERE key = $1 AND released_at IS NULL", [
        holder.key,
        new Date(now),
      ]);
      const held = loads[holder.ae_id];
      if (held) loads[holder.ae_id] = { ...held, open: Math.max(0, held.open - 1) };
    }
    for (const [aeId, load] of Object.entries(loadsAfter(roster, loads, decision, now))) {
      await tx.query('UPDATE aes SET assigned = $2, served = $3, last_assigned_at = $4, rejoining = $5 WHERE id = $1', [
        aeId,
        load.assigned,
        load.served,
        load.lastAssignedAt === undefined ? null : new Date(load.lastAssignedAt),
        load.rejoining ?? false,
      ]);
    }
    await tx.query(
      `INSERT INTO routing_decisions (key, handoff_id, ae_id, basis, company_domain, decision, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
      [request.key, request.handoffId, decision.aeId, decision.basis ?? null, domain ?? null, JSON.stringify(decision), new Date(now)],
    );
    if (decision.aeId) await tx.query('DELETE FROM routing_waits WHERE handoff_id = $1', [request.handoffId]);
    else
      await tx.query('INSERT INTO routing_waits (handoff_id, since) VALUES ($1, $2) ON CONFLICT (handoff_id) DO NOTHING', [
        request.handoffId,
        new Date(now),
      ]);
    return decision;
  }

  /**
   * The AE of the company's latest other hand-off that is still open, or was assigned within the
   * window and not given up (an AE who rejected the lead or missed its window does not own the account).
   */
  private async owner(tx: Sql, request: AssignRequest, domain: string, now: number): Promise<AccountOwner | undefined> {
    const since = new Date(now - (request.ownerWindow ?? DEFAULT_OWNER_WINDOW));
    const { rows } = await tx.query<{ ae_id: string; handoff_id: string }>(
      `SELECT ae_id, handoff_id FROM routing_decisions
        WHERE company_domain = $1 AND ae_id IS NOT NULL AND handoff_id <> $2
          AND (released_at IS NULL OR (decided_at >= $3 AND release_reason NOT LIKE 'rejected:%' AND release_reason NOT LIKE 'escalated:%'))
        ORDER BY decided_at DESC, key DESC LIMIT 1`,
      [domain, request.handoffId, since],
    );
    return rows[0] ? { aeId: rows[0].ae_id, handoffId: rows[0].handoff_id } : undefined;
  }

  /** Frees the AE's capacity held by this hand-off; false when it was already free (a retry). */
  async release(handoffId: string, aeId: string, reason = 'released'): Promise<boolean> {
    const { rows } = await this.db.query<{ key: string }>(
      `UPDATE routing_decisions SET released_at = $3, release_reason = $4
        WHERE handoff_id = $1 AND ae_id = $2 AND released_at IS NULL RETURNING key`,
      [handoffId, aeId, new Date(this.now()), reason],
    );
    return rows.length > 0;
  }

  /** Every decision for one hand-off, oldest first. */
  async decisions(handoffId: string): Promise<RecordedAssignment[]> {
    const { rows } = await this.db.query<{ key: string; decision: Assignment; released_at: Date | null; release_reason: string | null }>(
      'SELECT key, decision, released_at, release_reason FROM routing_decisions WHERE handoff_id = $1 ORDER BY decided_at, key',
      [handoffId],
    );
    return rows.map((row) => ({
      ...row.decision,
      key: row.key,
      ...(row.released_at ? { releasedAt: row.released_at.toISOString() } : {}),
      ...(row.release_reason ? { releaseReason: row.release_reason } : {}),
    }));
  }

  /** Hand-offs waiting for an eligible AE (a roster change wakes them). */
  async waiting(): Promise<string[]> {
    const { rows } = await this.db.query<{ handoff_id: string }>('SELECT handoff_id FROM routing_waits ORDER BY since');
    return rows.map((r) => r.handoff_id);
  }

  /** A waiting hand-off that has closed (its workflow is gone) stops being woken. */
  async forgetWait(handoffId: string): Promise<void> {
    await this.db.query('DELETE FROM routing_waits WHERE handoff_id = $1', [handoffId]);
  }
}

async function openCounts(tx: Sql): Promise<Map<string, number>> {
  const { rows } = await tx.query<{ ae_id: string; open: number }>(
    'SELECT ae_id, count(*)::int AS open FROM routing_decisions WHERE ae_id IS NOT NULL AND released_at IS NULL GROUP BY ae_id',
  );
  return new Map(rows.map((r) => [r.ae_id, r.open]));
}

function profileOf(ae: Ae): AssignedAeProfile {
  return {
    timeZone: ae.timeZone,
    senior: ae.senior,
    ...(ae.managerId ? { managerId: ae.managerId } : {}),
    ...(ae.clock ? { clock: ae.clock } : {}),
  };
}
