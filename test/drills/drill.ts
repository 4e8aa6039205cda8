/**
 * Fault drills on the production-shaped topology (test/drills/topology.ts): hundreds of hand-offs in
 * flight through two API replicas (round robin), while workers are `kill -9`ed, an API replica is
 * `kill -9`ed, PostgreSQL crashes and comes back, the dev server restarts, and a share of activity
 * attempts fail on purpose. Afterwards every hand-off is checked against what its script implies.
 *
 * `npm run drill -- --handoffs 600 --rounds 3` (bench/drill.ts) runs a longer one and writes its
 * figures to bench/RESULTS.md; test/drills/drill.test.ts runs the CI-sized one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { repoRoot } from '../../src/config.js';
import type { Lead } from '../../src/domain/lead.js';
import type { Principal } from '../../src/domain/principals.js';
import { AeSchema, type Ae } from '../../src/domain/roster.js';
import type { HandoffState } from '../../src/domain/state.js';
import { LedgerStore } from '../../src/db/ledger.js';
import { exampleLead, nurtureLead } from '../fixtures/leads.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { startTopology, type Topology } from './topology.js';

export interface DrillOptions {
  handoffs: number;
  /** How many times the fault schedule runs (each: 5 worker kills, 2 API kills, a PostgreSQL crash, a dev server restart). */
  rounds: number;
  /** Share of activity attempts that fail (BATON_FAULT_ACTIVITY_RATE). */
  faultRate: number;
  /** Submissions per second. */
  submitRate: number;
  /** No process faults at all (a calibration run). */
  calm?: boolean;
  log?: (line: string) => void;
}

/** What each hand-off's script does, and so where it must end. */
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;

export const SCRIPTS = ['worked', 'ignored', 'rejected', 'nurture'] as const;
export type Script = (typeof SCRIPTS)[number];

/** The final state each script implies: stage, close reason, outcome. */
export const EXPECTED: Record<Script, { stage: string; closeReason: string | RegExp; outcome: string | undefined }> = {
  worked: { stage: 'closed', closeReason: 'reported', outcome: 'opportunity' },
  ignored: { stage: 'closed', closeReason: 'sla_missed', outcome: 'returned_to_sdr' },
  rejected: { stage: 'closed', closeReason: 'not_icp_fit', outcome: 'returned_to_sdr' },
  nurture: { stage: 'closed', closeReason: /^score \d+ below the threshold 50$/, outcome: 'nurture' },
};

export interface DrillReport {
  handoffs: number;
  scripts: Record<Script, number>;
  injections: { workerKills: number; apiKills: number; postgresRestarts: number; devServerRestarts: number; activityFaults: number };
  /** Peak of hand-offs open at once (not closed), sampled from the ledger's projection. */
  peakInFlight: number;
  lost: number;
  /** Hand-offs whose final state is not what their script implies: id → what it was. */
  wrongState: Record<string, string>;
  notFinished: number;
  /** Routing decisions that gave an AE a hand-off the timeline never took (a second assignment). */
  assignedTwice: number;
  /** Samples in which an AE held more open hand-offs than their capacity. */
  overCapacity: number;
  capacitySamples: number;
  /** Hand-offs whose ledger differs from their timeline, entry for entry (beyond `clockDrift`). */
  ledgerMismatches: number;
  /**
   * Ledger entries equal to the timeline's but for the workflow time they were recorded at (and the
   * times derived from it in the detail). The SDK can retry a workflow task whose completion the
   * server lost (a dev server restart) on the same worker without replaying it: the entries the
   * first attempt recorded, and shipped, keep that attempt's clock, while the history (and so any
   * replay, and a query answered by another worker) has the retried attempt's start time.
   */
  clockDrift: number;
  /** The first differing entry of each (up to 5), for the report. */
  ledgerDiffs: string[];
  ledgerEvents: number;
  /**
   * Notifications that reached someone as a second, different message: a mail the delivery log has
   * no record of (every notification has one stable Message-ID, recorded when sent).
   */
  duplicateDeliveries: number;
  /**
   * The same message (same Message-ID) received again: a worker killed between the SMTP server's
   * acceptance and the delivery log's update leaves a claim another worker takes over after its
   * lease. Receiving mail systems drop such a repeat by its Message-ID; counted here, not hidden.
   */
  resentSameMessage: number;
  /** Subject and recipients of each repeated or unlogged email (up to 5). */
  duplicates: string[];
  /** Emails the delivery log says were sent that the SMTP server never received. */
  missingDeliveries: number;
  emailsReceived: number;
  /** API answers by status while faults were injected (5xx included: they are retried). */
  statuses: Record<string, number>;
  /** Requests that found no API replica answering and were retried on the next one. */
  transportRetries: number;
  seconds: number;
}

/**
 * Two small AEs who fill up (the router must pass them over) and six with room for their share of
 * the drill, so no hand-off waits for capacity (its script expects an AE within 90 s).
 */
function drillRoster(handoffs: number): Ae[] {
  const room = Math.max(40, Math.ceil((handoffs * 0.9) / 6));
  return [3, 5, room, room, room, room, room, room].map((capacity, i) =>
    AeSchema.parse({
      id: `ae-${i + 1}`,
      name: `Drill AE ${i + 1}`,
      email: `ae-${i + 1}@drill.example`,
      capacity,
      senior: i >= 6,
      managerId: 'mgr-1',
    }),
  );
}
/** The AEs' ids, names and addresses (their capacity depends on the drill's size). */
const DRILL_AES = drillRoster(0);

const DRILL_PRINCIPALS: Principal[] = [
  ...[1, 2, 3, 4].map((n): Principal => ({
    id: `sdr-${n}`,
    role: 'sdr',
    name: `Drill SDR ${n}`,
    managerId: 'mgr-1',
    email: `sdr-${n}@drill.example`,
  })),
  ...DRILL_AES.map((ae): Principal => ({ id: ae.id, role: 'ae', name: ae.name, email: ae.email })),
  { id: 'mgr-1', role: 'manager', name: 'Drill Manager', email: 'mgr-1@drill.example' },
];
const token = (id: string): string => `drill-token-${id}`;

/** The shipped policy with windows of seconds, so the SLA ladder runs its course within the drill. */
async function drillPolicy(): Promise<string> {
  const policy = YAML.parse(await readFile(path.join(repoRoot, 'policy', 'default.yaml'), 'utf8'));
  policy.version = 'drill';
  for (const tier of ['hot', 'warm', 'cool']) {
    Object.assign(policy.tiers[tier], {
      handoffWindow: '90s',
      contactWindow: '90s',
      reminders: [0.5],
      escalations: 1,
      onExhausted: 'return_to_sdr',
    });
  }
  policy.feedback = { window: '10m', reminder: '5m' };
  policy.routing = { ...policy.routing, retryEvery: '20s' };
  return YAML.stringify(policy);
}

export function scriptOf(i: number): Script {
  const r = i % 10;
  return r < 4 ? 'worked' : r < 7 ? 'ignored' : r < 9 ? 'rejected' : 'nurture';
}

interface Reply<T> {
  status: number;
  body: T;
  text: string;
}

/** Round robin over the API replicas; a replica that does not answer, or answers a 5xx (counted in `statuses`), is retried on the next. */
class Client {
  private turn = 0;
  readonly statuses: Record<string, number> = {};
  transportRetries = 0;

  constructor(private readonly urls: string[]) {}

  async send<T>(principal: string, method: string, urlPath: string, json?: unknown): Promise<Reply<T>> {
    const giveUpAt = Date.now() + 120_000;
    for (let attempt = 0; ; attempt++) {
      const url = this.urls[this.turn++ % this.urls.length]!;
      try {
        const res = await fetch(`${url}${urlPath}`, {
          method,
          headers: { Authorization: `Bearer ${token(principal)}`, ...(json === undefined ? {} : { 'Content-Type': 'application/json' }) },
          body: json === undefined ? undefined : JSON.stringify(json),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        this.statuses[res.status] = (this.statuses[res.status] ?? 0) + 1;
        if (res.status >= 500 && Date.now() < giveUpAt) {
          await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
          continue;
        }
        return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, text };
      } catch (err) {
        if (Date.now() >= giveUpAt) throw err;
        this.transportRetries++;
        await sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)));
      }
    }
  }
}

function leadFor(i: number, script: Script, run: string): Lead {
  const base = script === 'nurture' ? nurtureLead : exampleLead;
  return {
    ...structuredClone(base),
    contact: { ...base.contact, email: `buyer-${i}@co-${run}-${i}.example` },
    company: { ...base.company, name: `Drill Co ${i}`, domain: `co-${run}-${i}.example` },
  };
}

export async function runDrill(opts: DrillOptions): Promise<DrillReport> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const started = performance.now();
  const smtp: TestSmtp = await startSmtp();
  let topology: Topology | undefined;
  try {
    topology = await startTopology({
      policy: await drillPolicy(),
      roster: drillRoster(opts.handoffs),
      principals: DRILL_PRINCIPALS,
      token,
      faultActivityRate: opts.faultRate,
      smtpUrl: smtp.url,
      keep: process.env.BATON_DRILL_KEEP === '1',
    });
    log(`drill: topology up in ${Math.round(performance.now() - started)} ms (${topology.dir})`);
    return await drive(topology, smtp, opts, log, started);
  } finally {
    await topology?.stop();
    await smtp.close();
  }
}

async function drive(
  topology: Topology,
  smtp: TestSmtp,
  opts: DrillOptions,
  log: (line: string) => void,
  started: number,
): Promise<DrillReport> {
  const client = new Client(topology.apiUrls);
  const run = Date.now().toString(36);
  const ids: string[] = [];
  const scripts = Object.fromEntries(SCRIPTS.map((s) => [s, 0])) as Record<Script, number>;
  const failures: string[] = [];
  const injections = { workerKills: 0, apiKills: 0, postgresRestarts: 0, devServerRestarts: 0, activityFaults: 0 };

  // Samplers: the open hand-offs per AE against their capacity, and the hand-offs in flight.
  let stopSampling = false;
  let overCapacity = 0;
  let capacitySamples = 0;
  let peakInFlight = 0;
  const capacity = new Map(drillRoster(opts.handoffs).map((ae) => [ae.id, ae.capacity]));
  const sampler = (async () => {
    while (!stopSampling) {
      try {
        const held = await topology.db.query<{ ae_id: string; n: string }>(
          'SELECT ae_id, count(*) AS n FROM routing_decisions WHERE ae_id IS NOT NULL AND released_at IS NULL GROUP BY ae_id',
        );
        capacitySamples++;
        for (const row of held.rows) if (Number(row.n) > (capacity.get(row.ae_id) ?? 0)) overCapacity++;
        const open = await topology.db.query<{ n: string }>("SELECT count(*) AS n FROM handoff_projection WHERE stage <> 'closed'");
        peakInFlight = Math.max(peakInFlight, Number(open.rows[0]!.n));
      } catch {
        // PostgreSQL is down for its drill: sample again shortly.
      }
      await sleep(1000);
    }
  })();

  // The fault schedule runs beside the load.
  const faults = opts.calm ? Promise.resolve() : schedule(topology, opts.rounds, injections, log);

  const act = async (id: string, ae: string, action: string, body: unknown, done: (s: HandoffState) => boolean): Promise<void> => {
    const res = await client.send<HandoffState>(ae, 'POST', `/v1/handoffs/${id}/${action}`, body);
    if (res.status === 200) return;
    // A retried request whose first try went through: the state says so.
    const now = await client.send<HandoffState>(ae, 'GET', `/v1/handoffs/${id}`);
    if (now.status === 200 && done(now.body)) return;
    throw new Error(`${id}: ${action} as ${ae} answered ${res.status} ${res.text.slice(0, 300)} (now ${now.body?.stage})`);
  };

  const play = async (i: number): Promise<void> => {
    const script = scriptOf(i);
    const id = `drill-${run}-${i}`;
    const sdr = `sdr-${(i % 4) + 1}`;
    const created = await client.send<HandoffState>(sdr, 'POST', '/v1/handoffs', { handoffId: id, ...leadFor(i, script, run) });
    if (created.status !== 201 && created.status !== 200)
      throw new Error(`${id}: submit answered ${created.status} ${created.text.slice(0, 300)}`);
    ids.push(id);
    scripts[script]++;
    if (script === 'nurture' || script === 'ignored') return;
    let state = created.body;
    const deadline = Date.now() + 90_000;
    while (!(state.stage === 'assigned' && state.assignedAe)) {
      if (state.stage === 'closed' || Date.now() > deadline) throw new Error(`${id}: never assigned (${state.stage})`);
      await sleep(1000 + Math.random() * 1000);
      const read = await client.send<HandoffState>(sdr, 'GET', `/v1/handoffs/${id}`);
      if (read.status === 200) state = read.body;
    }
    const ae = state.assignedAe;
    if (script === 'rejected') {
      // The AE reads the package first (well inside the 90 s window).
      await sleep(20_000 + Math.random() * 10_000);
      await act(id, ae, 'reject', { reason: 'not_icp_fit' }, (s) => s.stage === 'closed');
      return;
    }
    // The AE takes a while over each step, so the hand-offs stay in flight; each step still comes well
    // inside its 90 s window, even when a step's request is slowed by a fault.
    await sleep(5_000 + Math.random() * 10_000);
    await act(id, ae, 'accept', {}, (s) => s.stage !== 'assigned');
    await sleep(20_000 + Math.random() * 10_000);
    await act(id, ae, 'contacted', { channel: 'call' }, (s) => s.stage === 'contacted' || s.stage === 'closed');
    await sleep(10_000 + Math.random() * 10_000);
    await act(id, ae, 'outcome', { outcome: 'opportunity', amount: 1000 + i }, (s) => s.outcomeReport !== undefined);
    await act(id, ae, 'feedback', { rating: 4, qualityIssues: [] }, (s) => s.stage === 'closed');
  };

  const players: Promise<void>[] = [];
  for (let i = 0; i < opts.handoffs; i++) {
    players.push(play(i).catch((err: unknown) => void failures.push(err instanceof Error ? err.message : String(err))));
    await sleep(1000 / opts.submitRate);
  }
  await Promise.all(players);
  await faults;
  log(
    `drill: ${ids.length} submitted and played in ${Math.round((performance.now() - started) / 1000)} s; waiting for every hand-off to close`,
  );

  // Every hand-off ends: the ignored ones run their SLA ladder to the end.
  const finishBy = Date.now() + 6 * 60_000;
  for (;;) {
    const rows = await topology.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM handoff_projection WHERE handoff_id = ANY($1) AND stage = 'closed'",
      [ids],
    );
    const open = ids.length - Number(rows.rows[0]!.n);
    if (open === 0) break;
    if (Date.now() > finishBy) {
      log(`drill: ${open} hand-offs still open after 6 minutes`);
      break;
    }
    await sleep(2000);
  }
  stopSampling = true;
  await sampler;

  // The checks: the workflow's own state (through the API), the ledger and the routing decisions, the mails.
  const ledger = new LedgerStore(topology.db);
  let lost = 0;
  let notFinished = 0;
  let ledgerMismatches = 0;
  let ledgerEvents = 0;
  let clockDrift = 0;
  const ledgerDiffs: string[] = [];
  let assignedTwice = 0;
  const wrongState: Record<string, string> = {};
  const decisions = await topology.db.query<{ handoff_id: string; key: string }>(
    'SELECT handoff_id, key FROM routing_decisions WHERE ae_id IS NOT NULL AND handoff_id = ANY($1)',
    [ids],
  );
  const keysByHandoff = new Map<string, string[]>();
  for (const row of decisions.rows) keysByHandoff.set(row.handoff_id, [...(keysByHandoff.get(row.handoff_id) ?? []), row.key]);
  for (const id of ids) {
    const i = Number(id.split('-').at(-1));
    const read = await client.send<HandoffState>('mgr-1', 'GET', `/v1/handoffs/${id}`);
    if (read.status === 404) {
      lost++;
      continue;
    }
    if (read.status !== 200) throw new Error(`${id}: read answered ${read.status} ${read.text}`);
    const state = read.body;
    if (state.stage !== 'closed') notFinished++;
    const want = EXPECTED[scriptOf(i)];
    const got = { stage: state.stage, closeReason: state.closeReason, outcome: state.outcome };
    const reasonOk =
      typeof want.closeReason === 'string' ? got.closeReason === want.closeReason : want.closeReason.test(got.closeReason ?? '');
    if (got.stage !== want.stage || !reasonOk || got.outcome !== want.outcome) wrongState[id] = `${scriptOf(i)}: ${JSON.stringify(got)}`;
    const events = await ledger.events(id);
    ledgerEvents += events.length;
    const entry = (e: { event: string; at: string; actor: string; detail?: string | null; rule?: string | null; ref?: string | null }) => ({
      event: e.event,
      at: new Date(e.at).toISOString(),
      actor: e.actor,
      detail: e.detail ?? undefined,
      rule: e.rule ?? undefined,
      ref: e.ref ?? undefined,
    });
    const stored = events.map((e, i) => ({ seq: e.seq === i, ...entry(e) }));
    const recorded = state.timeline.map((e) => ({ seq: true, ...entry(e) }));
    let drifted = 0;
    let differs = stored.length !== recorded.length;
    for (let seq = 0; seq < Math.min(stored.length, recorded.length); seq++) {
      const a = stored[seq]!;
      const b = recorded[seq]!;
      if (JSON.stringify(a) === JSON.stringify(b)) continue;
      // The same entry at another workflow time (times in the detail follow it): see `clockDrift`.
      const timeless = (x: typeof a) => JSON.stringify({ ...x, at: undefined, detail: x.detail?.replace(ISO_TIME, 'T') });
      if (timeless(a) === timeless(b) && Math.abs(Date.parse(a.at) - Date.parse(b.at)) < 5 * 60_000) drifted++;
      else differs = true;
      if (ledgerDiffs.length < 5) ledgerDiffs.push(`${id} #${seq}: ledger ${JSON.stringify(a)} timeline ${JSON.stringify(b)}`);
    }
    if (differs) ledgerMismatches++;
    clockDrift += drifted;
    const refs = new Set(state.timeline.map((e) => e.ref).filter((ref) => ref !== undefined));
    assignedTwice += (keysByHandoff.get(id) ?? []).filter((key) => !refs.has(key)).length;
  }

  // Deliveries: every email the log says was sent arrived, and nothing arrived that the log does not know.
  const sent = await topology.db.query<{ provider_id: string | null }>(
    "SELECT provider_id FROM deliveries WHERE channel = 'email' AND status = 'sent' AND handoff_id = ANY($1)",
    [ids],
  );
  const logged = new Set(sent.rows.map((row) => row.provider_id).filter((id) => id !== null));
  const received = new Map<string, number>();
  for (const mail of smtp.mails) received.set(mail.messageId ?? '(none)', (received.get(mail.messageId ?? '(none)') ?? 0) + 1);
  const resentSameMessage = [...received.values()].reduce((sum, n) => sum + n - 1, 0);
  const duplicateDeliveries = smtp.mails.filter((mail) => !mail.messageId || !logged.has(mail.messageId)).length;
  const missingDeliveries = [...logged].filter((id) => !received.has(id)).length;
  const duplicates = smtp.mails
    .filter((mail) => !mail.messageId || !logged.has(mail.messageId) || received.get(mail.messageId)! > 1)
    .slice(0, 5)
    .map((mail) => {
      const to = mail.to && 'text' in mail.to ? mail.to.text : JSON.stringify(mail.to);
      return `${mail.messageId} "${mail.subject}" to ${to}: received ${received.get(mail.messageId ?? '(none)')}×, ${mail.messageId && logged.has(mail.messageId) ? 'logged' : 'NOT in the delivery log'}`;
    });

  injections.activityFaults = ((await topology.workerLogs()).match(/injected fault/g) ?? []).length;
  if (failures.length > 0) log(`drill: ${failures.length} scripts failed, e.g.\n  ${failures.slice(0, 5).join('\n  ')}`);
  const report: DrillReport = {
    handoffs: ids.length,
    scripts,
    injections,
    peakInFlight,
    lost: lost + (opts.handoffs - ids.length),
    wrongState,
    notFinished,
    assignedTwice,
    overCapacity,
    capacitySamples,
    ledgerMismatches,
    clockDrift,
    ledgerDiffs,
    ledgerEvents,
    duplicateDeliveries,
    resentSameMessage,
    duplicates,
    missingDeliveries,
    emailsReceived: smtp.mails.length,
    statuses: client.statuses,
    transportRetries: client.transportRetries,
    seconds: Math.round((performance.now() - started) / 1000),
  };
  if (failures.length > 0) Object.assign(report, { scriptFailures: failures });
  return report;
}

/** One round: five worker kills, two API kills, a PostgreSQL crash and a dev server restart, spread over about 70 s. */
async function schedule(
  topology: Topology,
  rounds: number,
  injections: DrillReport['injections'],
  log: (line: string) => void,
): Promise<void> {
  const [w1, w2] = topology.workers as [Topology['workers'][0], Topology['workers'][0]];
  const [a1, a2] = topology.apis as [Topology['apis'][0], Topology['apis'][0]];
  const killWorker = async (w: typeof w1): Promise<void> => {
    await w.kill();
    injections.workerKills++;
    log(`drill: kill -9 ${w.name}`);
    await sleep(2000);
    await w.start();
  };
  const killApi = async (a: typeof a1): Promise<void> => {
    await a.kill();
    injections.apiKills++;
    log(`drill: kill -9 ${a.name}`);
    await sleep(2000);
    await a.start();
  };
  for (let round = 0; round < rounds; round++) {
    await sleep(3000);
    await killWorker(w1);
    await sleep(4000);
    await killApi(a1);
    await sleep(3000);
    await killWorker(w2);
    await sleep(4000);
    const pgDown = await topology.postgres.restart!(1500);
    injections.postgresRestarts++;
    log(`drill: PostgreSQL crashed and came back after ${pgDown} ms`);
    await sleep(5000);
    await killWorker(w1);
    await sleep(5000);
    const devDown = await topology.restartDevServer(500);
    injections.devServerRestarts++;
    log(`drill: dev server restarted (${devDown} ms)`);
    await sleep(5000);
    await killWorker(w2);
    await sleep(5000);
    await killApi(a2);
    await sleep(3000);
    await killWorker(w1);
  }
}
