/**
 * Policy versions in PostgreSQL (issue 14): saved drafts, their publications, and the live one.
 * A version's document is stored as written and validated by PolicySchema before it is stored, so
 * every stored version can be published. Publishing never edits a version: it appends a publication,
 * and the latest publication is the live policy (publishing an older version again rolls back).
 */
import type { PolicyDocument, PolicyVersion, PolicyVersionDetail } from '../domain/policy-catalog.js';
import { parsePolicy, PolicyError, type Policy } from '../domain/policy.js';
import type { Database, Sql } from './database.js';

/** A save refused for a reason the API answers as 409 (a label in use). */
export class PolicyConflict extends Error {
  override name = 'PolicyConflict';
}

/** Any constant works; it serialises numbering and the first seed across processes. */
const POLICY_LOCK = 7_207_1414;

interface Row {
  number: number;
  label: string;
  document: PolicyDocument;
  author: string;
  note: string;
  based_on: number | null;
  created_at: Date | string;
  published_at: Date | string | null;
  published_by: string | null;
  live: boolean;
}

const SELECT = `WITH live AS (SELECT number FROM policy_publications ORDER BY id DESC LIMIT 1)
  SELECT p.number, p.label, p.document, p.author, p.note, p.based_on, p.created_at,
    last.published_at, last.published_by, (p.number = (SELECT number FROM live)) IS TRUE AS live
  FROM policies p
  LEFT JOIN LATERAL (
    SELECT published_at, published_by FROM policy_publications pp WHERE pp.number = p.number ORDER BY pp.id DESC LIMIT 1
  ) last ON true`;

const iso = (value: Date | string): string => new Date(value).toISOString();

function version(row: Row): PolicyVersion {
  return {
    number: row.number,
    version: row.label,
    status: row.live ? 'published' : row.published_at ? 'retired' : 'draft',
    author: row.author,
    note: row.note,
    basedOn: row.based_on,
    createdAt: iso(row.created_at),
    publishedAt: row.published_at ? iso(row.published_at) : null,
    publishedBy: row.published_by,
  };
}

export class PolicyStore {
  constructor(private readonly db: Database) {}

  /** Every version, newest first. */
  async list(): Promise<PolicyVersion[]> {
    const { rows } = await this.db.query<Row>(`${SELECT} ORDER BY p.number DESC`);
    return rows.map(version);
  }

  async get(number: number): Promise<PolicyVersionDetail | undefined> {
    const { rows } = await this.db.query<Row>(`${SELECT} WHERE p.number = $1`, [number]);
    return rows[0] ? { ...version(rows[0]), document: rows[0].document } : undefined;
  }

  /** The live version's number (none before the first publication). */
  async publishedNumber(): Promise<number | undefined> {
    const { rows } = await this.db.query<{ number: number }>('SELECT number FROM policy_publications ORDER BY id DESC LIMIT 1');
    return rows[0]?.number;
  }

  /**
   * Saves a new version. A document without a `version` is labelled `v<number>`. Throws PolicyError
   * (the fields at fault) for an invalid document, PolicyConflict for a label already in use.
   */
  async create(input: { document: PolicyDocument; author: string; note?: string; basedOn?: number | null }): Promise<PolicyVersionDetail> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [POLICY_LOCK]);
      const { rows } = await tx.query<{ next: number }>('SELECT coalesce(max(number), 0) + 1 AS next FROM policies');
      const number = rows[0]!.next;
      const stored = await insert(tx, number, input);
      return stored;
    });
  }

  /** Makes a version the live one; answers it (undefined: no such version). */
  async publish(number: number, by: string, note = ''): Promise<PolicyVersion | undefined> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [POLICY_LOCK]);
      const { rows: found } = await tx.query('SELECT 1 FROM policies WHERE number = $1', [number]);
      if (found.length === 0) return undefined;
      await tx.query('INSERT INTO policy_publications (number, published_by, note) VALUES ($1, $2, $3)', [number, by, note]);
      const { rows } = await tx.query<Row>(`${SELECT} WHERE p.number = $1`, [number]);
      return version(rows[0]!);
    });
  }

  /**
   * Publishes `document` when nothing has been published yet: the first start seeds the catalog
   * from policy/default.yaml as version 1. A catalog that only holds drafts (saved while
   * BATON_POLICY_FILE governed) gets it as its next version (or publishes the draft that is this
   * very document). Safe when several processes start together.
   */
  async seed(document: PolicyDocument, note: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [POLICY_LOCK]);
      const { rows: published } = await tx.query('SELECT 1 FROM policy_publications LIMIT 1');
      if (published.length > 0) return false;
      const label = String(document.version);
      const { rows: same } = await tx.query<{ number: number; equal: boolean }>(
        'SELECT number, document = $2::jsonb AS equal FROM policies WHERE label = $1',
        [label, JSON.stringify(document)],
      );
      const { rows: next } = await tx.query<{ next: number }>('SELECT coalesce(max(number), 0) + 1 AS next FROM policies');
      let number = next[0]!.next;
      if (same[0]?.equal) number = same[0].number;
      // A draft took the label with other content: the seed is saved beside it, under its own label.
      else await insert(tx, number, { document: same[0] ? { ...document, version: `${label} (seed)` } : document, author: 'baton', note });
      await tx.query('INSERT INTO policy_publications (number, published_by, note) VALUES ($1, $2, $3)', [number, 'baton', note]);
      return true;
    });
  }

  /** The policy a version's document parses to. */
  static parse(detail: { number: number; document: PolicyDocument }): Policy {
    return parsePolicy(detail.document, `version ${detail.number}`);
  }
}

async function insert(
  tx: Sql,
  number: number,
  input: { document: PolicyDocument; author: string; note?: string; basedOn?: number | null },
): Promise<PolicyVersionDetail> {
  const document = { ...input.document };
  if (document.version === undefined) document.version = `v${number}`;
  parsePolicy(document, 'policy'); // throws PolicyError naming the fields
  const label = String(document.version);
  const { rows: taken } = await tx.query<{ number: number }>('SELECT number FROM policies WHERE label = $1', [label]);
  if (taken[0]) throw new PolicyConflict(`version label ${JSON.stringify(label)} is already version ${taken[0].number}'s`);
  if (input.basedOn != null) {
    const { rows: base } = await tx.query('SELECT 1 FROM policies WHERE number = $1', [input.basedOn]);
    if (base.length === 0) throw new PolicyError('policy', [{ path: 'basedOn', message: `no policy version ${input.basedOn}` }]);
  }
  await tx.query('INSERT INTO policies (number, label, document, author, note, based_on) VALUES ($1, $2, $3, $4, $5, $6)', [
    number,
    label,
    JSON.stringify(document),
    input.author,
    input.note ?? '',
    input.basedOn ?? null,
  ]);
  const { rows } = await tx.query<Row>(`${SELECT} WHERE p.number = $1`, [number]);
  return { ...version(rows[0]!), document: rows[0]!.document };
}
