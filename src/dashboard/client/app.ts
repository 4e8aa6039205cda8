/**
 * The KPI page's script (bundled by `scripts/build-dashboard.ts` into `/dashboard/app.js`): fetches
 * the figures for the range in the address bar from `/dashboard/data` and draws the tiles, the three
 * charts and the SDR × AE matrix. Only the Chart.js parts registered below end up in the bundle.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import type { Figures } from '../../domain/metrics.js';
import type { Tier } from '../../domain/policy.js';
import type { DashboardData, DashboardHandle } from '../data.js';
import { formatCount, formatHours, formatRate, formatRating, humanize, NONE, toHours } from '../format.js';
import { byId, dataTable as table, el, setStatus } from './dom.js';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);
Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
Chart.defaults.color = '#475569';
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

declare global {
  interface Window {
    /** The figures and the chart instances, for tests and the curious (read-only use). */
    batonDashboard?: DashboardHandle<Chart>;
  }
}

// Types only from the domain: its modules build zod schemas at load, which would drag zod into the bundle.
const TIERS = ['hot', 'warm', 'cool'] as const satisfies readonly Tier[];
const _everyTier: Exclude<Tier, (typeof TIERS)[number]> extends never ? true : never = true;

const COLORS = { conversion: '#0f766e', rejection: '#c2410c', p50: '#2563eb', p90: '#93c5fd', reasons: '#7c3aed', grid: '#e2e8f0' };

// ---------------------------------------------------------------------------------------------- tiles

interface Tile {
  key: string;
  label: string;
  value: string;
  note: string;
}

const of = (n: number, d: number, what: string): string => `${formatCount(n)} of ${formatCount(d)} ${what}`;

function tiles(f: Figures): Tile[] {
  const c = f.counts;
  return [
    { key: 'submitted', label: 'Submitted', value: formatCount(f.submitted), note: 'hand-offs in the range' },
    {
      key: 'assigned',
      label: 'Assigned',
      value: formatCount(f.assigned),
      note: `${formatRate(f.submitted ? f.assigned / f.submitted : null)} of submitted`,
    },
    {
      key: 'conversionRate',
      label: 'Conversion rate',
      value: formatRate(f.conversionRate),
      note: of(c.converted, f.assigned, 'assigned became opportunities'),
    },
    {
      key: 'rejectionRate',
      label: 'Rejection rate',
      value: formatRate(f.rejectionRate),
      note: of(c.rejected, f.assigned, 'assigned rejected by the AE'),
    },
    {
      key: 'meanRating',
      label: 'Mean AE rating',
      value: formatRating(f.meanRating),
      note: `out of 5, from ${formatCount(c.rated)} ratings`,
    },
    {
      key: 'slaMetRate.handoff',
      label: 'Hand-off SLA met',
      value: formatRate(f.slaMetRate.handoff),
      note: of(c.handoffSlaMet, c.handoffSlaDecided, 'assigned in the window'),
    },
    {
      key: 'slaMetRate.contact',
      label: 'Contact SLA met',
      value: formatRate(f.slaMetRate.contact),
      note: of(c.contactSlaMet, c.contactSlaDecided, 'contacted in the window'),
    },
    {
      key: 'escalationRate',
      label: 'Escalation rate',
      value: formatRate(f.escalationRate),
      note: of(c.escalated, f.assigned, 'assigned escalated'),
    },
    {
      key: 'returnRate',
      label: 'Return-to-SDR rate',
      value: formatRate(f.returnRate),
      note: of(c.returned, f.assigned, 'assigned returned'),
    },
    { key: 'noShowRate', label: 'No-show rate', value: formatRate(f.noShowRate), note: of(c.noShow, c.reported, 'outcomes were no-shows') },
  ];
}

function renderTiles(f: Figures): void {
  byId('tiles').replaceChildren(
    ...tiles(f).map((t) =>
      el('li', { className: 'tile', attrs: { 'data-tile': t.key, 'aria-label': `${t.label}: ${t.value}` } }, [
        el('span', { className: 'tile-label', text: t.label }),
        el('span', { className: `tile-value${t.value === NONE ? ' none' : ''}`, text: t.value, attrs: { 'data-value': '' } }),
        el('span', { className: 'tile-note', text: t.note }),
      ]),
    ),
  );
}

// --------------------------------------------------------------------------------------------- charts

/** A small table beside each chart, so its numbers are readable without the canvas (and by screen readers). */
function dataTable(id: string, head: string[], rows: string[][]): void {
  byId(`${id}-table`).replaceChildren(table(head, rows));
}

const percentAxis = {
  beginAtZero: true,
  suggestedMax: 0.5,
  grid: { color: COLORS.grid },
  ticks: { callback: (value: number | string) => `${Math.round(Number(value) * 100)}%` },
};

function trendChart(data: DashboardData): Chart {
  const weeks = data.weeks.map((g) => g.key.week ?? '');
  const config: ChartConfiguration<'line', (number | null)[], string> = {
    type: 'line',
    data: {
      labels: weeks,
      datasets: [
        {
          label: 'Conversion rate',
          data: data.weeks.map((g) => g.conversionRate),
          borderColor: COLORS.conversion,
          backgroundColor: COLORS.conversion,
          pointRadius: 3,
          tension: 0.25,
        },
        {
          label: 'Rejection rate',
          data: data.weeks.map((g) => g.rejectionRate),
          borderColor: COLORS.rejection,
          backgroundColor: COLORS.rejection,
          pointRadius: 3,
          tension: 0.25,
          borderDash: [6, 4],
        },
      ],
    },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: {
        y: percentAxis,
        x: {
          grid: { display: false },
          // `2026-W47` → `W47` on the axis; the tooltip keeps the year.
          ticks: {
            maxRotation: 0,
            callback(value) {
              return this.getLabelForValue(Number(value)).replace(/^\d{4}-/, '');
            },
          },
        },
      },
      plugins: {
        legend: { position: 'bottom', labels: { usePointStyle: true, pointStyle: 'line' } },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${formatRate(item.parsed.y)}` } },
      },
    },
  };
  dataTable(
    'trend',
    ['Week', 'Submitted', 'Assigned', 'Conversion', 'Rejection'],
    data.weeks.map((g) => [
      g.key.week ?? '',
      formatCount(g.submitted),
      formatCount(g.assigned),
      formatRate(g.conversionRate),
      formatRate(g.rejectionRate),
    ]),
  );
  return new Chart(byId<HTMLCanvasElement>('trend-chart'), config);
}

function timeToFirstContactChart(data: DashboardData): Chart {
  const ttfc = data.totals.timeToFirstContact;
  const config: ChartConfiguration<'bar', (number | null)[], string> = {
    type: 'bar',
    data: {
      labels: TIERS.map(humanize),
      datasets: [
        { label: 'p50', data: TIERS.map((t) => toHours(ttfc[t].p50)), backgroundColor: COLORS.p50, borderRadius: 3 },
        { label: 'p90', data: TIERS.map((t) => toHours(ttfc[t].p90)), backgroundColor: COLORS.p90, borderRadius: 3 },
      ],
    },
    options: {
      scales: {
        y: { beginAtZero: true, grid: { color: COLORS.grid }, title: { display: true, text: 'hours' } },
        x: { grid: { display: false } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { usePointStyle: true, pointStyle: 'rectRounded' } },
        tooltip: {
          callbacks: {
            label: (item) => `${item.dataset.label ?? ''}: ${formatHours(item.parsed.y === null ? null : item.parsed.y * 3600)}`,
          },
        },
      },
    },
  };
  dataTable(
    'ttfc',
    ['Tier', 'p50', 'p90', 'Contacted'],
    TIERS.map((t) => [humanize(t), formatHours(ttfc[t].p50), formatHours(ttfc[t].p90), formatCount(ttfc[t].count)]),
  );
  return new Chart(byId<HTMLCanvasElement>('ttfc-chart'), config);
}

function rejectionReasonsChart(data: DashboardData): Chart {
  const reasons = Object.entries(data.totals.rejectionReasons)
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  const config: ChartConfiguration<'bar', number[], string> = {
    type: 'bar',
    data: {
      labels: reasons.map((r) => humanize(r.reason)),
      datasets: [{ label: 'Rejections', data: reasons.map((r) => r.count), backgroundColor: COLORS.reasons, borderRadius: 3 }],
    },
    options: {
      indexAxis: 'y',
      scales: { x: { beginAtZero: true, grid: { color: COLORS.grid }, ticks: { precision: 0 } }, y: { grid: { display: false } } },
      plugins: { legend: { display: false } },
    },
  };
  dataTable(
    'reasons',
    ['Reason', 'Rejections'],
    reasons.map((r) => [humanize(r.reason), formatCount(r.count)]),
  );
  return new Chart(byId<HTMLCanvasElement>('reasons-chart'), config);
}

// --------------------------------------------------------------------------------------------- matrix

const UNASSIGNED = 'Unassigned';

function renderMatrix(data: DashboardData): void {
  const target = byId('matrix');
  if (data.pairs.length === 0) {
    target.replaceChildren(el('p', { className: 'muted', text: 'No hand-offs in this range.' }));
    return;
  }
  const sdrs = [...new Set(data.pairs.map((p) => p.key.sdr ?? ''))].sort();
  const aeIds = [...new Set(data.pairs.map((p) => p.key.ae ?? null))];
  const aes = [...aeIds.filter((a): a is string => a !== null).sort(), ...(aeIds.includes(null) ? [null] : [])];
  const cell = new Map(data.pairs.map((p) => [`${p.key.sdr ?? ''}\u0000${p.key.ae ?? ''}`, p]));
  const best = Math.max(0.0001, ...data.pairs.map((p) => p.conversionRate ?? 0));

  const head = el('tr', {}, [
    el('th', { text: 'SDR \\ AE', className: 'corner', attrs: { scope: 'col' } }),
    ...aes.map((ae) => el('th', { text: ae ?? UNASSIGNED, attrs: { scope: 'col' } })),
  ]);
  const rows = sdrs.map((sdr) =>
    el('tr', {}, [
      el('th', { text: sdr, attrs: { scope: 'row' } }),
      ...aes.map((ae) => {
        const p = cell.get(`${sdr}\u0000${ae ?? ''}`);
        if (!p) return el('td', { className: 'empty', text: NONE, attrs: { 'aria-label': `${sdr} to ${ae ?? UNASSIGNED}: no hand-offs` } });
        const rate = formatRate(p.conversionRate);
        const td = el(
          'td',
          {
            attrs: {
              'data-sdr': sdr,
              'data-ae': ae ?? '',
              'data-submitted': String(p.submitted),
              'data-assigned': String(p.assigned),
              'data-conversion-rate': p.conversionRate === null ? '' : String(p.conversionRate),
              'aria-label': `${sdr} to ${ae ?? UNASSIGNED}: ${p.submitted} hand-offs, conversion ${rate}`,
              title: `${formatCount(p.submitted)} hand-offs, ${formatCount(p.counts.converted)} of ${formatCount(p.assigned)} assigned converted`,
            },
          },
          [el('span', { className: 'cell-count', text: formatCount(p.submitted) }), el('span', { className: 'cell-rate', text: rate })],
        );
        // Set through the CSSOM, which the Content-Security-Policy allows (a style attribute it would not).
        const strength = p.conversionRate === null ? 0 : p.conversionRate / best;
        td.style.backgroundColor = `rgba(15, 118, 110, ${(0.06 + 0.84 * strength).toFixed(3)})`;
        if (strength > 0.55) td.classList.add('dark');
        return td;
      }),
    ]),
  );
  target.replaceChildren(
    el('table', { className: 'matrix', attrs: { 'aria-describedby': 'matrix-title' } }, [el('thead', {}, [head]), el('tbody', {}, rows)]),
  );
}

// ----------------------------------------------------------------------------------------------- main

async function load(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const query = new URLSearchParams();
  for (const name of ['from', 'to', 'timeZone']) {
    const value = params.get(name);
    if (value) query.set(name, value);
  }
  const response = await fetch(`/dashboard/data?${query.toString()}`, {
    headers: { Accept: 'application/json' },
    credentials: 'same-origin',
  });
  if (response.status === 401) {
    location.assign('/dashboard');
    return;
  }
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { detail?: string; title?: string };
    document.body.dataset.state = 'error';
    setStatus(`Could not load the figures: ${problem.detail ?? problem.title ?? response.statusText}`, 'error');
    return;
  }
  const data = (await response.json()) as DashboardData;

  byId<HTMLInputElement>('range-from').value = data.from;
  byId<HTMLInputElement>('range-to').value = data.to;
  renderTiles(data.totals);
  const charts = {
    trend: trendChart(data),
    timeToFirstContact: timeToFirstContactChart(data),
    rejectionReasons: rejectionReasonsChart(data),
  };
  renderMatrix(data);
  byId('footer').textContent =
    `Hand-offs submitted ${data.from} to ${data.to} (${data.timeZone}). Rates are fractions of the assigned hand-offs unless noted; ${NONE} means nothing to divide by.`;
  setStatus(data.totals.submitted === 0 ? 'No hand-offs were submitted in this range.' : '');
  window.batonDashboard = Object.freeze({ figures: data, charts });
  document.body.dataset.state = 'ready';
}

load().catch((err: unknown) => {
  document.body.dataset.state = 'error';
  setStatus(`Could not load the figures: ${err instanceof Error ? err.message : String(err)}`, 'error');
});
