/**
 * The AE roster in PostgreSQL: the documents managers edit through `/v1/aes`, each change audited
 * (who, when, what). Edits never touch the router's fairness figures; an edit that moves an AE into
 * a different pool of peers (territory, segment, industry, seniority) or brings them back from
 * inactive marks them to rejoin — levelled with their new peers at their next candidacy.
 */
import { AeSchema, type Ae, type AuditEntry, type RosterEntry } from '../domain/roster.js';
import { POOL_FIELDS } from '../domain/routing.js';
import { ROSTER_LOCK } from './router.js';
import type { Database, Sql } from './database.js';

/** A roster change refused for a reason the API answers as 409 (not found is `undefined`). */
export class RosterConflict extends Error {
  override name = 'RosterConflict';
}

interface Row {
  id: string;
  doc: unknown;
  version: number;
  created_at: Date;
  updated_at: Date;
  assigned: number;
  served: number;
  last_assigned_at: Date | null;
  open: number;
}

const SELECT = `SELECT a.id, a.doc, a.version, a.created_at, a.updated_at, a.assigned, a.served, a.last_assigned_at,
  (SELECT count(*)::int FROM routing_decisions d WHERE d.ae_id = a.id AND d.released_at IS NULL) AS open
  FROM aes a WHERE a.deleted_at IS NULL`;

export class RosterStore {
  constructor(private readonly db: Database) {}

  async list(): Promise<RosterEntry[]> {
    const { rows } = await this.db.query<Row>(`${SELECT} ORDER BY a.id`);
    return rows.map(entry);
  }

  async get(id: string): Promise<RosterEntry | undefined> {
    const { rows } = await this.db.query<Row>(`${SELECT} AND a.id = $1`, [id]);
    return rows[0] && entry(rows[0]);
  }

  /** Adds an AE; an id in use is a conflict. A deleted AE's id can be used again (their figures carry on). */
  async create(ae: Ae, actor: string): Promise<RosterEntry> {
    const doc = AeSchema.parse(ae);
    await this.db.transaction(async (tx) => {
      await lockRoster(tx);
      const existing = (await tx.query<{ deleted_at: Date | null }>('SELECT deleted_at FROM aes WHERE id = $1 FOR UPDATE', [doc.id]))
        .rows[0];
      if (existing && !existing.deleted_at) throw new RosterConflict(`an AE with id ${doc.id} already exists`);
      if (existing) {
        await tx.query(
          'UPDATE aes SET doc = $2::jsonb, version = version + 1, updated_at = now(), deleted_at = NULL, rejoining = true WHERE id = $1',
          [doc.id, JSON.stringify(doc)],
        );
      } else {
        // A row that does not exist yet cannot be locked: two creates of one new id race to this insert.
        const inserted = await tx.query('INSERT INTO aes (id, doc) VALUES ($1, $2::jsonb) ON CONFLICT (id) DO NOTHING RETURNING id', [
          doc.id,
          JSON.stringify(doc),
        ]);
        if (inserted.rows.length === 0) throw new RosterConflict(`an AE with id ${doc.id} already exists`);
      }
      await audit(tx, doc.id, actor, 'create', diff({}, doc));
    });
    return (await this.get(doc.id))!;
  }

  /**
   * Applies a partial change (top-level fields replace; `null` removes an optional field) and
   * validates the whole document. Answers undefined for an unknown AE.
   */
  async update(id: string, patch: Record<string, unknown>, actor: string): Promise<RosterEntry | undefined> {
    const found = await this.db.transaction(async (tx) => {
      await lockRoster(tx);
      const row = (await tx.query<{ doc: unknown }>('SELECT doc FROM aes WHERE id = $1 AND deleted_at IS NULL FOR UPDATE', [id])).rows[0];
      if (!row) return false;
      if ('id' in patch && patch.id !== id) throw new RosterConflict(`an AE's id cannot change (${id})`);
      const before = AeSchema.parse(row.doc);
      const merged: Record<string, unknown> = { ...before };
      for (const [field, value] of Object.entries(patch)) {
        if (value === null) delete merged[field];
        else merged[field] = value;
      }
      const after = AeSchema.parse(merged);
      const changes = diff(before, after);
      if (Object.keys(changes).length === 0) return true;
      const rejoin = POOL_FIELDS.some((f) => f in changes) || (!before.active && after.active);
      await tx.query(
        `UPDATE aes SET doc = $2::jsonb, version = version + 1, updated_at = now(), rejoining = rejoining OR $3 WHERE id = $1`,
        [id, JSON.stringify(after), rejoin],
      );
      await audit(tx, id, actor, 'update', changes);
      return true;
    });
    return found ? this.get(id) : undefined;
  }

  /**
   * Takes an AE off the roster. One still holding open hand-offs is a conflict: reassign them, or
   * set `active: false` to stop new ones, first. Answers false for an unknown AE.
   */
  async remove(id: string, actor: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await lockRoster(tx);
      const row = (await tx.query<{ doc: unknown }>('SELECT doc FROM aes WHERE id = $1 AND deleted_at IS NULL FOR UPDATE', [id])).rows[0];
      if (!row) return false;
      const open = (
        await tx.query<{ open: number }>('SELECT count(*)::int AS open FROM routing_decisions WHERE ae_id = $1 AND released_at IS NULL', [
          id,
        ])
      ).rows[0]!.open;
      if (open > 0) {
        throw new RosterConflict(`${id} still holds ${open} open hand-off(s): reassign them, or set "active": false to stop new ones`);
      }
      await tx.query('UPDATE aes SET deleted_at = now(), updated_at = now() WHERE id = $1', [id]);
      await audit(tx, id, actor, 'delete', diff(AeSchema.parse(row.doc), {}));
      return true;
    });
  }

  /** The change history of one AE, oldest first (also for deleted AEs); undefined when never known. */
  async audit(id: string): Promise<AuditEntry[] | undefined> {
    const known = await this.db.query('SELECT 1 FROM aes WHERE id = $1', [id]);
    if (known.rows.length === 0) return undefined;
    const { rows } = await this.db.query<{ at: Date; actor: string; action: AuditEntry['action']; changes: AuditEntry['changes'] }>(
      'SELECT at, actor, action, changes FROM ae_audit WHERE ae_id = $1 ORDER BY id',
      [id],
    );
    return rows.map((r) => ({ at: r.at.toISOString(), actor: r.actor, action: r.action, changes: r.changes }));
  }

  /** Fills an empty roster (the dev seed, tests); a roster with anyone on it is left alone. */
  async seed(roster: readonly Ae[], actor: string): Promise<boolean> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM aes');
    if (rows[0]!.n > 0) return false;
    for (const ae of roster) await this.create(ae, actor);
    return true;
  }
}

/** See ROSTER_LOCK: a roster change waits for routings in flight. */
async function lockRoster(tx: Sql): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [ROSTER_LOCK]);
}

function entry(row: Row): RosterEntry {
  return {
    ...AeSchema.parse(row.doc),
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    load: {
      open: row.open,
      assigned: row.assigned,
      served: row.served,
      ...(row.last_assigned_at ? { lastAssignedAt: row.last_assigned_at.toISOString() } : {}),
    },
  };
}

/** Field-by-field differences, compared as JSON. */
function diff(before: object, after: object): AuditEntry['changes'] {
  const changes: AuditEntry['changes'] = {};
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const field of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (JSON.stringify(b[field]) === JSON.stringify(a[field])) continue;
    changes[field] = { ...(field in b ? { from: b[field] } : {}), ...(field in a ? { to: a[field] } : {}) };
  }
  return changes;
}

async function audit(tx: Sql, aeId: string, actor: string, action: AuditEntry['action'], changes: AuditEntry['changes']): Promise<void> {
  await tx.query('INSERT INTO ae_audit (ae_id, actor, action, changes) VALUES ($1, $2, $3, $4::jsonb)', [
    aeId,
    actor,
    action,
    JSON.stringify(changes),
  ]);
}
