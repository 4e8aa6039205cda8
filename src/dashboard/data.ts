import type { Role } from '../domain/actions.js';
import type { Figures, Metrics } from '../domain/metrics.js';
import type { PolicyChange, PolicyVersion } from '../domain/policy-catalog.js';
import type { SimulationReport } from '../domain/simulation-report.js';

/**
 * What `GET /dashboard/data` answers: one range's figures for the KPI page, in the caller's scope —
 * the totals, the weekly trend (`groupBy=week`) and the SDR × AE matrix (`groupBy=sdr,ae`). Each part
 * is the `/v1/metrics` answer for the same range, unchanged.
 */
export interface DashboardData extends Pick<Metrics, 'from' | 'to' | 'timeZone' | 'scope'> {
  viewer: Viewer;
  totals: Figures;
  /** One entry per ISO week of the range (empty weeks too), `key.week` ascending. */
  weeks: Metrics['groups'];
  /** One entry per SDR and AE (`key.ae` null: never assigned). */
  pairs: Metrics['groups'];
}

export interface Viewer {
  id: string;
  name: string;
  role: Role;
}

/** What the page's script leaves on `window.batonDashboard` once it has drawn (its test reads it). */
export interface DashboardHandle<Chart = unknown> {
  figures: DashboardData;
  charts: { trend: Chart; timeToFirstContact: Chart; rejectionReasons: Chart };
}

/**
 * What `GET /dashboard/policies/catalog` answers: the catalog as `GET /v1/policies` lists it, the
 * live version's number, and the range a simulation covers when none is asked.
 */
export interface PolicyCatalogData {
  /** database: new hand-offs take the published version; file: BATON_POLICY_FILE governs. */
  source: 'database' | 'file';
  /** The live policy's version label. */
  live: string;
  /** The live version's number in the catalog (null: BATON_POLICY_FILE governs, or nothing is published). */
  published: number | null;
  /** Newest first. */
  versions: PolicyVersion[];
  /** The default range: the twelve weeks ending today, in the live policy's zone. */
  range: { from: string; to: string; timeZone: string };
  viewer: Viewer;
}

/** What `GET /dashboard/policies/{number}/diff` answers: a version against the live policy, field by field. */
export interface PolicyDiffData {
  version: { number: number; version: string };
  /** The live policy: a catalog version, or (number null) the policy file. */
  against: { number: number | null; version: string };
  changes: PolicyChange[];
}

/** What the policy page's script leaves on `window.batonPolicies` once it has drawn (its test reads it). */
export interface PoliciesHandle {
  catalog: PolicyCatalogData;
  report?: SimulationReport;
  diff?: PolicyDiffData;
}
