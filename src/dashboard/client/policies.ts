/**
 * The policy page's script (bundled by `scripts/build-dashboard.ts` into `/dashboard/policies.js`):
 * lists the catalog from `/dashboard/policies/catalog`, and simulates the version in the address
 * bar (default: the newest draft) over its range (default: the catalog's, twelve weeks) with
 * `/dashboard/policies/simulate`, beside the version's diff against the live policy. It draws the
 * headline numbers, the diff, three SVG charts, the conversion per bucket, the movements and the
 * changed hand-offs, with the same rows as a CSV link.
 */
import type { PolicyVersion } from '../../domain/policy-catalog.js';
import type { Bucket, ChangedHandoff, SimulationReport } from '../../domain/simulation-report.js';
import type { PoliciesHandle, PolicyCatalogData, PolicyDiffData } from '../data.js';
import {
  bucketLabel,
  formatChange,
  formatCount,
  formatInstant,
  formatPolicyValue,
  formatRate,
  formatResponsible,
  humanize,
  NONE,
} from '../format.js';
import { groupedBars, type BarChart } from './bars.js';
import { byId, dataTable, el, setStatus, tableHead } from './dom.js';

declare global {
  interface Window {
    /** The catalog, the report and the diff the page drew, for tests and the curious (read-only use). */
    batonPolicies?: PoliciesHandle;
  }
}

// Types only from the domain: its modules build zod schemas at load, which would drag zod into the bundle.
const BUCKETS = ['hot', 'warm', 'cool', 'nurture', 'not_icp', 'draft'] as const satisfies readonly Bucket[];
const _everyBucket: Exclude<Bucket, (typeof BUCKETS)[number]> extends never ? true : never = true;

/** The changed hand-offs the table shows at most; the CSV has them all. */
const MAX_ROWS = 1000;

/** What a request answered instead of its data: the problem's detail. */
class Refused extends Error {}

async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, {
    ...init,
    headers: { Accept: 'application/json', ...(init.headers as Record<string, string> | undefined) },
    credentials: 'same-origin',
  });
  if (response.status === 401) {
    // The session ended: the page itself answers the sign-in form.
    location.reload();
    throw new Refused('your session is no longer valid');
  }
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { detail?: string; title?: string };
    throw new Refused(problem.detail ?? problem.title ?? response.statusText);
  }
  return (await response.json()) as T;
}

interface Asked {
  policy: string;
  from: string;
  to: string;
  timeZone?: string;
}

// -------------------------------------------------------------------------------------------- catalog

const STATUS_LABEL: Record<PolicyVersion['status'], string> = { published: 'Live', draft: 'Draft', retired: 'Retired' };

function renderCatalog(catalog: PolicyCatalogData, picked: string | null): void {
  const zone = catalog.range.timeZone;
  const select = byId<HTMLSelectElement>('policy-version');
  select.replaceChildren(
    ...catalog.versions.map((v) =>
      el('option', { text: `#${v.number} ${v.version} (${STATUS_LABEL[v.status].toLowerCase()})`, attrs: { value: String(v.number) } }),
    ),
  );
  const rows = catalog.versions.map((v) => {
    const simulate = el('button', {
      text: 'Simulate',
      className: 'small',
      attrs: { type: 'button', 'data-simulate': String(v.number), 'aria-label': `Simulate version ${v.number} (${v.version})` },
    });
    simulate.addEventListener('click', () => {
      select.value = String(v.number);
      byId<HTMLFormElement>('simulate-form').requestSubmit();
    });
    return el('tr', { className: String(v.number) === picked ? 'picked' : '', attrs: { 'data-number': String(v.number) } }, [
      el('th', { text: `#${v.number}`, attrs: { scope: 'row' } }),
      el('td', { text: v.version }),
      el('td', {}, [el('span', { className: `badge status-${v.status}`, text: STATUS_LABEL[v.status] })]),
      el('td', { text: v.author }),
      el('td', { text: v.note || NONE, className: 'note' }),
      el('td', { text: v.basedOn === null ? NONE : `#${v.basedOn}` }),
      el('td', { text: formatInstant(v.createdAt, zone), className: 'nowrap' }),
      el('td', {}, [simulate]),
    ]);
  });
  const head = ['Number', 'Version', 'Status', 'Author', 'Note', 'Based on', 'Created', 'Action'];
  byId('catalog').replaceChildren(
    el('table', { className: 'data catalog', attrs: { 'aria-labelledby': 'catalog-title' } }, [tableHead(head), el('tbody', {}, rows)]),
  );
}

// ---------------------------------------------------------------------------------------------- tiles

interface Tile {
  key: string;
  label: string;
  value: number;
  note: string;
}

function tiles(r: SimulationReport): Tile[] {
  const c = r.changes;
  const { handoff, contact } = r.deadlines;
  return [
    { key: 'changed', label: 'Changed hand-offs', value: c.handoffs, note: `of ${formatCount(r.handoffs)} replayed` },
    { key: 'tier', label: 'Tier changes', value: c.tier, note: 'tiered under both, in another tier' },
    { key: 'toNurture', label: 'To nurture', value: c.toNurture, note: 'no longer routed to an AE' },
    { key: 'fromNurture', label: 'From nurture', value: c.fromNurture, note: 'routed to an AE now' },
    { key: 'toNotIcp', label: 'To not ICP', value: c.toNotIcp, note: 'now outside the ICP' },
    { key: 'fromNotIcp', label: 'From not ICP', value: c.fromNotIcp, note: 'now inside the ICP' },
    {
      key: 'deadlinesMoved',
      label: 'Deadlines moved',
      value: handoff.changed + contact.changed,
      note: `${formatCount(handoff.changed)} hand-off, ${formatCount(contact.changed)} contact`,
    },
    {
      key: 'wouldHaveMissed',
      label: 'Would have missed',
      value: handoff.wouldHaveMissed + contact.wouldHaveMissed,
      note: 'deadlines met as recorded, missed under this version',
    },
    { key: 'ae', label: 'AE changes', value: c.ae, note: 'picked another AE, also for turns other changes took' },
    { key: 'score', label: 'Score changes', value: c.score, note: 'scored differently' },
  ];
}

function renderTiles(r: SimulationReport): void {
  byId('tiles').replaceChildren(
    ...tiles(r).map((t) =>
      el('li', { className: 'tile', attrs: { 'data-tile': t.key, 'aria-label': `${t.label}: ${formatCount(t.value)}` } }, [
        el('span', { className: 'tile-label', text: t.label }),
        el('span', { className: 'tile-value', text: formatCount(t.value), attrs: { 'data-value': String(t.value) } }),
        el('span', { className: 'tile-note', text: t.note }),
      ]),
    ),
  );
}

// ----------------------------------------------------------------------------------------------- diff

function renderDiff(diff: PolicyDiffData): void {
  const target = byId('diff');
  if (diff.changes.length === 0) {
    const same = diff.version.number === diff.against.number ? 'This is the live policy' : 'This version has the live policy’s every field';
    target.replaceChildren(el('p', { className: 'muted empty', text: `${same}: nothing differs.` }));
    return;
  }
  const rows = diff.changes.map((change) =>
    el('tr', { attrs: { 'data-path': change.path, 'data-kind': change.kind } }, [
      el('th', { attrs: { scope: 'row' } }, [el('code', { text: change.path })]),
      el('td', { text: humanize(change.kind) }),
      el('td', { text: formatPolicyValue(change.before), className: 'before' }),
      el('td', { text: formatPolicyValue(change.after), className: 'after' }),
    ]),
  );
  const head = ['Field', 'Change', `Live (${diff.against.version})`, diff.version.version];
  target.replaceChildren(
    el('table', { className: 'data diff', attrs: { 'aria-labelledby': 'diff-title' } }, [tableHead(head), el('tbody', {}, rows)]),
  );
}

// --------------------------------------------------------------------------------------------- charts

function drawChart(id: string, chart: BarChart, table: { head: string[]; rows: string[][] }): void {
  byId(`${id}-legend`).replaceChildren(
    ...chart.series.map((s) => el('li', {}, [el('span', { className: `swatch series-${s.key}` }), document.createTextNode(s.label)])),
  );
  byId(`${id}-chart`).replaceChildren(groupedBars(chart));
  byId(`${id}-table`).replaceChildren(dataTable(table.head, table.rows));
}

const percentTick = (v: number): string => `${Math.round(v * 100)}%`;

function renderCharts(r: SimulationReport, names: { baseline: string; candidate: string }): void {
  const sides = [
    { key: 'baseline', label: names.baseline },
    { key: 'candidate', label: names.candidate },
  ];

  drawChart(
    'buckets',
    {
      title: `Hand-offs per bucket, ${names.baseline} and ${names.candidate}`,
      categories: BUCKETS.map((b) => ({ key: b, label: bucketLabel(b) })),
      series: sides,
      values: BUCKETS.map((b) => [r.buckets.baseline[b], r.buckets.candidate[b]]),
      format: formatCount,
      minStep: 1,
    },
    {
      head: ['Bucket', names.baseline, names.candidate],
      rows: BUCKETS.map((b) => [bucketLabel(b), formatCount(r.buckets.baseline[b]), formatCount(r.buckets.candidate[b])]),
    },
  );

  byId('shares-note').textContent =
    `Of the routed hand-offs, the share each AE would get. Tiered but routed to nobody (no AE eligible): ${formatCount(r.unrouted.baseline)} under ${names.baseline}, ${formatCount(r.unrouted.candidate)} under ${names.candidate}.`;
  drawChart(
    'shares',
    {
      title: `AE expected shares, ${names.baseline} and ${names.candidate}`,
      categories: r.aeShares.map((a) => ({ key: a.aeId, label: a.aeId })),
      series: sides,
      values: r.aeShares.map((a) => [a.baseline.share, a.candidate.share]),
      format: formatRate,
      tick: percentTick,
      horizontal: true,
    },
    {
      head: ['AE', 'Recorded', names.baseline, names.candidate],
      rows: r.aeShares.map((a) => [
        a.aeId,
        `${formatRate(a.recorded.share)} (${formatCount(a.recorded.count)})`,
        `${formatRate(a.baseline.share)} (${formatCount(a.baseline.count)})`,
        `${formatRate(a.candidate.share)} (${formatCount(a.candidate.count)})`,
      ]),
    },
  );

  const deadlines = [
    { key: 'handoff', label: 'Hand-off deadline', shift: r.deadlines.handoff },
    { key: 'contact', label: 'Contact deadline', shift: r.deadlines.contact },
  ];
  byId('deadlines-note').textContent =
    r.deadlines.handoff.changed + r.deadlines.contact.changed === 0
      ? `${names.candidate} moves no hand-off or contact deadline.`
      : 'Hand-off and contact deadlines the version moves, and those met as recorded that it would have missed.';
  drawChart(
    'deadlines',
    {
      title: `Deadlines ${names.candidate} moves`,
      categories: deadlines.map((d) => ({ key: d.key, label: d.label })),
      series: [
        { key: 'earlier', label: 'Earlier' },
        { key: 'later', label: 'Later' },
        { key: 'missed', label: 'Would have missed' },
      ],
      values: deadlines.map((d) => [d.shift.earlier, d.shift.later, d.shift.wouldHaveMissed]),
      format: formatCount,
      minStep: 1,
    },
    {
      head: ['Deadline', 'Moved', 'Earlier', 'Later', 'Would have missed'],
      rows: deadlines.map((d) => [
        d.label,
        formatCount(d.shift.changed),
        formatCount(d.shift.earlier),
        formatCount(d.shift.later),
        formatCount(d.shift.wouldHaveMissed),
      ]),
    },
  );
}

// ---------------------------------------------------------------------------------- conversion, moves

function renderConversion(r: SimulationReport, names: { baseline: string; candidate: string }): void {
  const cell = (c: SimulationReport['conversion']['baseline'][number] | undefined): string =>
    c && c.withOutcome > 0 ? `${formatRate(c.rate)} (${formatCount(c.opportunities)} of ${formatCount(c.withOutcome)})` : NONE;
  const rows = BUCKETS.map((b) => {
    const before = r.conversion.baseline.find((c) => c.bucket === b);
    const after = r.conversion.candidate.find((c) => c.bucket === b);
    return el('tr', { attrs: { 'data-bucket': b } }, [
      el('th', { text: bucketLabel(b), attrs: { scope: 'row' } }),
      el('td', { text: formatCount(before?.handoffs ?? 0) }),
      el('td', { text: cell(before), className: 'nowrap', attrs: { 'data-rate': String(before?.rate ?? '') } }),
      el('td', { text: formatCount(after?.handoffs ?? 0) }),
      el('td', { text: cell(after), className: 'nowrap', attrs: { 'data-rate': String(after?.rate ?? '') } }),
    ]);
  });
  const col = (text: string) => el('th', { text, attrs: { scope: 'col' } });
  const side = (text: string) => el('th', { text, className: 'side', attrs: { scope: 'colgroup', colspan: '2' } });
  byId('conversion').replaceChildren(
    el('table', { className: 'data conversion', attrs: { 'aria-labelledby': 'conversion-title' } }, [
      el('colgroup', {}, [el('col')]),
      el('colgroup', { attrs: { span: '2' } }),
      el('colgroup', { attrs: { span: '2' } }),
      el('thead', {}, [
        el('tr', {}, [el('td'), side(names.baseline), side(names.candidate)]),
        el('tr', {}, [col('Bucket'), col('Hand-offs'), col('Converted'), col('Hand-offs'), col('Converted')]),
      ]),
      el('tbody', {}, rows),
    ]),
  );
}

function renderMovements(r: SimulationReport): void {
  const target = byId('movements');
  if (r.movements.length === 0) {
    target.replaceChildren(el('p', { className: 'muted empty', text: 'No hand-off changes bucket.' }));
    return;
  }
  target.replaceChildren(
    el(
      'ul',
      { className: 'movements' },
      r.movements.map((m) => {
        const fields = [...new Set(m.examples.flatMap((e) => e.responsible.map(formatResponsible)))];
        const examples = m.examples.map((e) => `${e.company ?? e.handoffId} (${formatChange(score(e.scoreBefore), score(e.scoreAfter))})`);
        return el('li', { attrs: { 'data-from': m.from, 'data-to': m.to, 'data-count': String(m.count) } }, [
          el('strong', { text: `${bucketLabel(m.from)} → ${bucketLabel(m.to)}: ${formatCount(m.count)}` }),
          el('span', { className: 'muted', text: ` e.g. ${examples.join(', ')}` }),
          ...(fields.length > 0 ? [el('span', { className: 'fields', text: `Because of ${fields.join('; ')}` })] : []),
        ]);
      }),
    ),
  );
}

// -------------------------------------------------------------------------------------------- changed

const score = (n: number | null): string => (n === null ? NONE : String(n));

/** A value before and after (`formatChange`'s text), each kept on one line; a changed one stands out. */
function pair(before: string, after: string, key: string): HTMLTableCellElement {
  if (before === after) return el('td', { text: before, attrs: { 'data-col': key } });
  return el('td', { className: 'changed', attrs: { 'data-col': key } }, [
    el('span', { className: 'nowrap', text: before }),
    ' → ',
    el('span', { className: 'nowrap', text: after }),
  ]);
}

function changedRow(h: ChangedHandoff, zone: string): HTMLTableRowElement {
  const { baseline: b, candidate: c } = h;
  return el('tr', { attrs: { 'data-handoff': h.handoffId } }, [
    el('th', { text: h.handoffId, className: 'nowrap', attrs: { scope: 'row', title: `Submitted ${formatInstant(h.submittedAt, zone)}` } }),
    el('td', { text: h.company ?? NONE, attrs: { 'data-col': 'company' } }),
    pair(bucketLabel(b.bucket), bucketLabel(c.bucket), 'bucket'),
    pair(score(b.score), score(c.score), 'score'),
    pair(b.aeId ?? NONE, c.aeId ?? NONE, 'ae'),
    pair(formatInstant(b.handoffBy, zone), formatInstant(c.handoffBy, zone), 'handoffBy'),
    pair(formatInstant(b.contactBy, zone), formatInstant(c.contactBy, zone), 'contactBy'),
    el('td', { text: h.responsible.map(formatResponsible).join('; ') || NONE, className: 'note', attrs: { 'data-col': 'responsible' } }),
  ]);
}

function renderChanged(r: SimulationReport, zone: string, csv: string): void {
  byId<HTMLAnchorElement>('csv-link').href = csv;
  const target = byId('changed');
  const note = byId('changed-note');
  if (r.changed.length === 0) {
    note.textContent = '';
    target.replaceChildren(el('p', { className: 'muted empty', text: 'No hand-off would have changed.' }));
    return;
  }
  const shown = r.changed.slice(0, MAX_ROWS);
  note.textContent =
    shown.length < r.changed.length
      ? `The first ${formatCount(shown.length)} of ${formatCount(r.changed.length)} changed hand-offs; the CSV has them all. Times in ${zone}.`
      : `${formatCount(r.changed.length)} hand-offs, in submission order; the CSV has the same rows, with their submission times. Times in ${zone}.`;
  const head = ['Hand-off', 'Company', 'Bucket', 'Score', 'AE', 'Hand-off by', 'Contact by', 'Responsible fields'];
  target.replaceChildren(
    el('table', { className: 'data changed-table', attrs: { 'aria-labelledby': 'changed-title' } }, [
      tableHead(head),
      el(
        'tbody',
        {},
        shown.map((h) => changedRow(h, zone)),
      ),
    ]),
  );
}

// ----------------------------------------------------------------------------------------------- main

function render(catalog: PolicyCatalogData, asked: Asked, report: SimulationReport, diff: PolicyDiffData): void {
  const zone = asked.timeZone ?? catalog.range.timeZone;
  const names = { baseline: `Live ${report.baseline.version}`, candidate: report.candidate.version };
  byId('candidate-name').textContent =
    report.candidate.number === null ? names.candidate : `#${report.candidate.number} ${names.candidate}`;
  const without =
    report.withoutLeadData > 0
      ? ` ${formatCount(report.withoutLeadData)} more had no lead data in the ledger (recorded before it kept it) and were not replayed.`
      : '';
  const ranUnder = report.ranUnder.map((v) => `${v.version ?? 'unknown'} (${formatCount(v.handoffs)})`).join(', ');
  byId('summary').textContent =
    `${formatCount(report.handoffs)} hand-offs submitted ${asked.from} to ${asked.to} (${zone}), replayed under the live policy ${report.baseline.version} and under ${report.candidate.version} in ${formatCount(report.elapsedMs)} ms.${without}` +
    (ranUnder ? ` They ran under ${ranUnder}.` : '');

  const { compared, matching, mismatches } = report.fidelity;
  const fidelity = byId('fidelity');
  fidelity.hidden = matching === compared;
  fidelity.textContent =
    matching === compared
      ? ''
      : `The live policy’s replay differs from the record for ${formatCount(compared - matching)} of ${formatCount(compared)} hand-offs that ran under it (e.g. ${mismatches
          .slice(0, 3)
          .map((m) => `${m.handoffId}: ${m.recorded} recorded, ${m.replayed} replayed`)
          .join('; ')}): read the differences with care.`;

  renderTiles(report);
  renderDiff(diff);
  renderCharts(report, names);
  renderConversion(report, names);
  renderMovements(report);
  renderChanged(report, zone, `/dashboard/policies/simulate.csv?${new URLSearchParams({ ...asked }).toString()}`);
  byId('results').hidden = false;
  byId('footer').textContent =
    'A replay with the roster as it is now and every AE starting level: expected effects, not a forecast. Conversion counts only the hand-offs whose AE reported an outcome.';

  if (report.handoffs === 0) setStatus('No hand-offs with lead data were submitted in this range: nothing to replay.');
  else if (report.changes.handoffs === 0)
    setStatus(`${report.candidate.version} changes nothing for the ${formatCount(report.handoffs)} hand-offs replayed.`);
  else setStatus('');
}

/** What the page was doing, for the error it shows. */
let doing = 'load the policy catalog';

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const catalog = await call<PolicyCatalogData>('/dashboard/policies/catalog');
  const newestDraft = catalog.versions.find((v) => v.status === 'draft');
  const picked = params.get('policy') ?? (newestDraft ? String(newestDraft.number) : null);
  renderCatalog(catalog, picked);

  const from = byId<HTMLInputElement>('range-from');
  const to = byId<HTMLInputElement>('range-to');
  if (!from.value) from.value = catalog.range.from;
  if (!to.value) to.value = catalog.range.to;
  const select = byId<HTMLSelectElement>('policy-version');

  if (picked === null) {
    select.value = String(catalog.published ?? catalog.versions[0]?.number ?? '');
    window.batonPolicies = Object.freeze({ catalog });
    setStatus(
      'No drafts yet. Managers and admins save one with POST /v1/policies; then pick it here. Any saved version can be simulated meanwhile.',
    );
    document.body.dataset.state = 'empty';
    return;
  }

  select.value = picked;
  const timeZone = params.get('timeZone');
  const asked: Asked = { policy: picked, from: from.value, to: to.value, ...(timeZone ? { timeZone } : {}) };
  const version = catalog.versions.find((v) => String(v.number) === picked);
  setStatus(`Simulating ${version ? `#${version.number} ${version.version}` : `version ${picked}`} over ${asked.from} to ${asked.to}…`);
  doing = 'run the simulation';
  byId('run').setAttribute('aria-disabled', 'true');
  const body = { ...asked, policy: /^[0-9]+$/.test(picked) ? Number(picked) : picked };
  const [report, diff] = await Promise.all([
    call<SimulationReport>('/dashboard/policies/simulate', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }),
    call<PolicyDiffData>(`/dashboard/policies/${encodeURIComponent(picked)}/diff`),
  ]).finally(() => byId('run').removeAttribute('aria-disabled'));
  render(catalog, asked, report, diff);
  window.batonPolicies = Object.freeze({ catalog, report, diff });
  document.body.dataset.state = 'ready';
}

main().catch((err: unknown) => {
  document.body.dataset.state = 'error';
  const detail = err instanceof Error ? err.message : String(err);
  setStatus(`Could not ${doing}: ${detail}`, 'error');
});
