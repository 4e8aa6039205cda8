/**
 * Demo data for `npm start`: an AE roster and one principal per role with a bearer token.
 * Written once; later starts reuse them, so tokens and roster edits survive restarts.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { sha256 } from '../api/auth.js';
import type { BatonConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { RosterStore } from '../db/roster.js';
import { PrincipalSchema, TokenEntrySchema, type TokenEntry } from '../domain/principals.js';
import { RosterSchema, type Ae } from '../domain/roster.js';

/** A demo principal with its plain bearer token; only ever stored in `<dataDir>/dev-principals.json`. */
const DevPrincipalSchema = PrincipalSchema.extend({ token: z.string().min(1) });
export type DevPrincipal = z.infer<typeof DevPrincipalSchema>;

/** The demo sales manager: the AEs and the SDRs all report to them. */
const DEV_MANAGER = 'mgr-ana';

/** The demo AEs (DESIGN §2.6), all reporting to `mgr-ana`. */
export const DEV_ROSTER: Ae[] = [
  {
    id: 'ae-kim',
    name: 'Kim Lee',
    email: 'kim@example.com',
    regions: ['US', 'CA'],
    employeeBands: [{ min: 50, max: 999 }],
    industries: [],
    capacity: 10,
    weight: 1,
    senior: false,
    timeZone: 'America/Chicago',
    managerId: DEV_MANAGER,
    active: true,
    outOfOffice: [],
  },
  {
    id: 'ae-lena',
    name: 'Lena Fischer',
    email: 'lena@example.com',
    regions: ['GB', 'IE', 'DE', 'FR', 'NL'],
    employeeBands: [],
    industries: [],
    capacity: 10,
    weight: 1,
    senior: false,
    timeZone: 'Europe/Berlin',
    managerId: DEV_MANAGER,
    active: true,
    outOfOffice: [],
  },
  {
    id: 'ae-sam',
    name: 'Sam Okafor',
    email: 'sam@example.com',
    regions: [],
    employeeBands: [],
    industries: [],
    capacity: 12,
    weight: 1,
    senior: true,
    timeZone: 'America/New_York',
    managerId: DEV_MANAGER,
    active: true,
    outOfOffice: [],
  },
  {
    id: 'ae-noor',
    name: 'Noor Haddad',
    email: 'noor@example.com',
    regions: ['US', 'CA'],
    employeeBands: [{ min: 1000, max: null }],
    industries: ['software', 'fintech'],
    capacity: 8,
    weight: 1,
    senior: false,
    timeZone: 'America/Los_Angeles',
    managerId: DEV_MANAGER,
    active: true,
    outOfOffice: [],
  },
];

const DEV_PEOPLE: Omit<DevPrincipal, 'token'>[] = [
  { id: 'sdr-jo', role: 'sdr', name: 'Jo Park', timeZone: 'America/Chicago', managerId: DEV_MANAGER },
  { id: 'sdr-max', role: 'sdr', name: 'Max Weber', timeZone: 'Europe/Berlin', managerId: DEV_MANAGER },
  ...DEV_ROSTER.map((ae) => ({ id: ae.id, role: 'ae' as const, name: ae.name })),
  { id: DEV_MANAGER, role: 'manager', name: 'Ana Ortiz' },
  { id: 'ops-pat', role: 'ops', name: 'Pat Rivera' },
  { id: 'admin-root', role: 'admin', name: 'Baton Admin' },
];

export function devPrincipalsFile(config: BatonConfig): string {
  return path.join(config.dataDir, 'dev-principals.json');
}

function newToken(): string {
  return `bt_${randomBytes(24).toString('base64url')}`;
}

export async function seedDev(config: BatonConfig, db: Database): Promise<{ principals: DevPrincipal[] }> {
  await fs.mkdir(config.dataDir, { recursive: true });

  // An empty roster gets the demo AEs — or, for a data dir from before the database, its roster.json.
  const legacy = await readJson(path.join(config.dataDir, 'roster.json'));
  await new RosterStore(db).seed(legacy === undefined ? DEV_ROSTER : RosterSchema.parse(legacy), 'seed');

  const file = devPrincipalsFile(config);
  let principals = (await readJson(file)) as DevPrincipal[] | undefined;
  if (principals === undefined) {
    principals = DEV_PEOPLE.map((p) => ({ ...p, token: newToken() }));
    await writeJson(file, principals, 0o600);
  } else if (!isPrincipalList(principals)) {
    throw new Error(`${file} is not a list of {id, role, name, token, timeZone?, managerId?}; delete it to re-seed the dev principals`);
  } else {
    // Files seeded before principals had time zones or managers get the demo ones; a value in the file wins.
    const demo = new Map(DEV_PEOPLE.map((p) => [p.id, p]));
    principals = principals.map((p) => {
      const timeZone = p.timeZone ?? demo.get(p.id)?.timeZone;
      const managerId = p.managerId ?? demo.get(p.id)?.managerId;
      return { ...p, ...(timeZone === undefined ? {} : { timeZone }), ...(managerId === undefined ? {} : { managerId }) };
    });
  }

  await syncTokens(config.tokensFile, principals);
  return { principals };
}

/** Makes the tokens file carry every dev principal's hash; entries for anyone else are kept. */
async function syncTokens(tokensFile: string, principals: DevPrincipal[]): Promise<void> {
  const existing = (await readJson(tokensFile)) ?? [];
  if (!Array.isArray(existing)) throw new Error(`${tokensFile} is not a JSON array of token entries`);
  const entries = existing as TokenEntry[];
  const wanted: TokenEntry[] = principals.map(({ token, ...principal }) => ({ ...principal, tokenSha256: sha256(token).toString('hex') }));
  const byId = new Map(entries.map((e) => [e.id, e]));
  const fields = TokenEntrySchema.keyof().options;
  const stale = wanted.some((w) => {
    const e = byId.get(w.id);
    return !e || fields.some((field) => e[field] !== w[field]);
  });
  if (!stale) return;
  const ids = new Set(wanted.map((w) => w.id));
  await writeJson(tokensFile, [...entries.filter((e) => !ids.has(e.id)), ...wanted], 0o600);
}

function isPrincipalList(value: unknown): value is DevPrincipal[] {
  return z.array(DevPrincipalSchema).safeParse(value).success;
}

/** The parsed file, or undefined when it does not exist. */
async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); fix or delete it`, { cause: err });
  }
}

/** Write-then-rename, so a crash never leaves half a file behind. */
async function writeJson(file: string, value: unknown, mode: number): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode });
  await fs.chmod(tmp, mode);
  await fs.rename(tmp, file);
}
