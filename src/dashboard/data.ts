import type { Role } from '../domain/actions.js';
import type { Figures, Metrics } from '../domain/metrics.js';

/**
 * What `GET /dashboard/data` answers: one range's figures for the KPI page, in the caller's scope —
 * the totals, the weekly trend (`groupBy=week`) and the SDR × AE matrix (`groupBy=sdr,ae`). Each part
 * is the `/v1/metrics` answer for the same range, unchanged.
 */
export interface DashboardData extends Pick<Metrics, 'from' | 'to' | 'timeZone' | 'scope'> {
  viewer: { id: string; name: string; role: Role };
  totals: Figures;
  /** One entry per ISO week of the range (empty weeks too), `key.week` ascending. */
  weeks: Metrics['groups'];
  /** One entry per SDR and AE (`key.ae` null: never assigned). */
  pairs: Metrics['groups'];
}

/** What the page's script leaves on `window.batonDashboard` once it has drawn (its test reads it). */
export interface DashboardHandle<Chart = unknown> {
  figures: DashboardData;
  charts: { trend: Chart; timeToFirstContact: Chart; rejectionReasons: Chart };
}
