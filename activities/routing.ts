import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Lead } from '../src/domain/lead.js';
import { RosterSchema, type Ae } from '../src/domain/roster.js';
import { selectAe, type AeLoad, type RoutingDecision } from '../src/domain/routing.js';
import { JsonFileStore } from './file-store.js';

export interface AssignRequest {
  handoffId: string;
  /** Idempotency key: workflow id + routing round, never the run id. */
  key: string;
  lead: Lead;
  exclude: string[];
  requireSenior?: boolean;
  /** A manager's explicit pick: only this AE is considered. */
  target?: string;
}

/** What the workflow needs of the picked AE to run the contact clock and alert their manager. */
export type AssignedAeProfile = Pick<Ae, 'timeZone' | 'senior' | 'managerId' | 'clock'>;

export type Assignment = RoutingDecision & { at: string; ae?: AssignedAeProfile };

interface AssignmentsDoc {
  /** Decisions by idempotency key: a retried activity returns the stored one. */
  decisions: Record<string, Assignment>;
  loads: Record<string, AeLoad>;
  /** Open hand-off → AE holding it (capacity). */
  open: Record<string, string>;
}

/**
 * The interim router of the walking skeleton: fair weighted rotation over the roster file, with
 * assignments kept in `assignments.json` under the data dir. Idempotent per key, and one hand-off
 * is never held by two AEs at once.
 */
export class FileRouter {
  private readonly store: JsonFileStore<AssignmentsDoc>;

  constructor(
    private readonly rosterFile: string,
    dataDir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.store = new JsonFileStore(path.join(dataDir, 'assignments.json'), () => ({ decisions: {}, loads: {}, open: {} }));
  }

  async roster(): Promise<Ae[]> {
    let text: string;
    try {
      text = await readFile(this.rosterFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return RosterSchema.parse(JSON.parse(text));
  }

  async assign(request: AssignRequest): Promise<Assignment> {
    const roster = await this.roster();
    return this.store.update((doc) => {
      const previous = doc.decisions[request.key];
      if (previous) return { doc, result: previous };
      const now = this.now();
      // A hand-off held by another AE (a re-route) must be released first; never hold two.
      const exclude = [...request.exclude, ...(doc.open[request.handoffId] ? [doc.open[request.handoffId]!] : [])];
      const selected = selectAe(roster, doc.loads, {
        lead: request.lead,
        exclude,
        requireSenior: request.requireSenior,
        target: request.target,
        now,
      });
      const picked = roster.find((ae) => ae.id === selected.aeId);
      const decision: Assignment = {
        ...selected,
        at: new Date(now).toISOString(),
        ...(picked ? { ae: profileOf(picked) } : {}),
      };
      if (decision.aeId) {
        const held = doc.open[request.handoffId];
        if (held) release(doc, request.handoffId, held);
        const load = doc.loads[decision.aeId] ?? { assigned: 0, open: 0 };
        doc.loads[decision.aeId] = { assigned: load.assigned + 1, open: load.open + 1, lastAssignedAt: now };
        doc.open[request.handoffId] = decision.aeId;
      }
      doc.decisions[request.key] = decision;
      return { doc, result: decision };
    });
  }

  /** Frees the AE's capacity held by this hand-off; a no-op when already released. */
  async release(handoffId: string, aeId: string): Promise<boolean> {
    return this.store.update((doc) => ({ doc, result: release(doc, handoffId, aeId) }));
  }

  async loads(): Promise<Record<string, AeLoad>> {
    return (await this.store.read()).loads;
  }
}

function profileOf(ae: Ae): AssignedAeProfile {
  return {
    timeZone: ae.timeZone,
    senior: ae.senior,
    ...(ae.managerId ? { managerId: ae.managerId } : {}),
    ...(ae.clock ? { clock: ae.clock } : {}),
  };
}

function release(doc: AssignmentsDoc, handoffId: string, aeId: string): boolean {
  if (doc.open[handoffId] !== aeId) return false;
  delete doc.open[handoffId];
  const load = doc.loads[aeId];
  if (load) load.open = Math.max(0, load.open - 1);
  return true;
}
