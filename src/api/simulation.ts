import { DateTime } from 'luxon';
import { z } from 'zod';
import { PolicyConflict, PolicyStore } from '../db/policies.js';
import { RosterStore } from '../db/roster.js';
import { recordedHandoffs } from '../db/simulation.js';
import { LocalDate } from '../domain/metrics.js';
import { PolicyDocumentSchema, type PolicyDocument, type PolicyVersionDetail } from '../domain/policy-catalog.js';
import { PolicyError } from '../domain/policy.js';
import { TimeZoneSchema } from '../domain/sla-clock.js';
import type { SimulationReport } from '../domain/simulation-report.js';
import { simulate, type PolicyUnderTest } from '../domain/simulation.js';
import { ProblemError } from './problem.js';
import { livePolicy, type ApiDeps } from './router.js';
import { figuresRange } from './routes/metrics.js';

/**
 * A what-if simulation as the API and the policy page run it: the draft and the baseline resolved,
 * the range's recorded hand-offs and the roster read, the replay compared (src/domain/simulation.ts).
 */

/** A policy document in a request: JSON Schema cannot state PolicySchema's cross-field rules, so the document says so. */
export const PolicyDocumentInput = PolicyDocumentSchema.meta({
  'x-policy-document': true,
  description:
    'A policy document (DESIGN §2.4a), as in policy/default.yaml: validated by the policy schema (durations such as 4h or PT4H, rule conditions on known lead fields, tier bands not increasing from hot to cool, …); a document it refuses is 422 with every field at fault, under `policy.`. Without `version`, the saved version is labelled `v<number>`.',
});

export const SimulateBodySchema = z.strictObject({
  policy: z.union([z.number().int().min(1).max(999_999_999), PolicyDocumentInput]).meta({
    description: 'The draft: a saved version number, or a policy document (simulated without being saved)',
  }),
  baseline: z
    .number()
    .int()
    .min(1)
    .max(999_999_999)
    .optional()
    .meta({ description: 'Compare with this saved version; default: the live policy' }),
  from: LocalDate.optional().meta({
    description:
      'First day of submissions to replay (inclusive); default: the 12 weeks ending on `to`. Never after `to`; at most 731 days in all.',
  }),
  to: LocalDate.optional().meta({ description: 'Last day (inclusive); default: today in `timeZone`' }),
  timeZone: TimeZoneSchema.optional().meta({ description: "Where the days are counted; default: the live policy's clock.timeZone" }),
});

export type SimulateBody = z.infer<typeof SimulateBodySchema>;

export async function runSimulation(deps: ApiDeps, body: SimulateBody): Promise<SimulationReport> {
  const started = performance.now();
  const store = new PolicyStore(deps.db);
  const live = await livePolicy(deps);
  const range = figuresRange(body, { policy: live, ...(deps.now ? { now: deps.now } : {}) });
  const from = DateTime.fromISO(range.from, { zone: range.timeZone }).toMillis();
  const to = DateTime.fromISO(range.to, { zone: range.timeZone }).plus({ days: 1 }).toMillis();
  const candidate = await underTest(store, body.policy);
  const baseline: PolicyUnderTest =
    body.baseline !== undefined
      ? await underTest(store, body.baseline)
      : { policy: live, number: deps.config.policyFromFile ? null : ((await store.publishedNumber()) ?? null) };
  const [{ handoffs, withoutLeadData }, roster] = await Promise.all([
    recordedHandoffs(deps.db, { from, to }),
    new RosterStore(deps.db).list(),
  ]);
  return {
    ...simulate({ baseline, candidate, handoffs, roster, range: { from, to }, withoutLeadData }),
    elapsedMs: Math.round(performance.now() - started),
  };
}

export const policyNotFound = (number: number | string): ProblemError => new ProblemError('not-found', `no policy version ${number}`);

/** A version number from a path; text of any other shape is not found (404). */
export function versionNumber(text: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw policyNotFound(text);
  return Number(text);
}

/** A saved version by its number (as such, or as a path carries it), or 404. */
export async function savedVersion(store: PolicyStore, ref: number | string): Promise<PolicyVersionDetail> {
  const version = await store.get(typeof ref === 'number' ? ref : versionNumber(ref));
  if (!version) throw policyNotFound(ref);
  return version;
}

/** The CSV download's file name: the draft's label, safe in a header. */
export const simulationFilename = (report: SimulationReport): string =>
  `baton-simulation-${report.candidate.version.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`;

/** A saved version by number, or a document as posted (validated here: nothing is saved). */
async function underTest(store: PolicyStore, policy: number | PolicyDocument): Promise<PolicyUnderTest> {
  if (typeof policy === 'number') return { policy: PolicyStore.parse(await savedVersion(store, policy)), number: policy };
  return {
    policy: await policyChange(() =>
      Promise.resolve().then(() => PolicyStore.parse({ number: 0, document: { version: 'draft', ...policy } })),
    ),
    number: null,
  };
}

/** A document the policy schema refuses is 422 naming every field (under `policy.`); a label in use is 409. */
export async function policyChange<T>(change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (err) {
    if (err instanceof PolicyConflict) throw new ProblemError('policy-conflict', err.message, { cause: err });
    if (err instanceof PolicyError) {
      const errors = err.issues.map((i) => ({
        path: i.path === 'basedOn' ? 'basedOn' : `policy${i.path ? `.${i.path}` : ''}`,
        message: i.message,
      }));
      throw new ProblemError('validation', `the policy is invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, {
        errors,
        cause: err,
      });
    }
    throw err;
  }
}
