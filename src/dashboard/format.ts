/**
 * How the KPI page writes its figures, shared by the page's script and its test. Pure: no DOM, no
 * Node. A figure without a denominator (null) is shown as an em dash, never as 0.
 */
export const NONE = '—';

/** A fraction 0–1 as a percentage with one decimal: `0.4567` → `45.7%`. */
export function formatRate(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? NONE : `${(rate * 100).toFixed(1)}%`;
}

/** A whole number with thousands separators: `1234` → `1,234`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** The mean 1–5 rating with two decimals. */
export function formatRating(mean: number | null | undefined): string {
  return mean === null || mean === undefined ? NONE : mean.toFixed(2);
}

/** Seconds as hours with one decimal: `5400` → `1.5 h`. */
export function formatHours(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? NONE : `${(seconds / 3600).toFixed(1)} h`;
}

/** Seconds as hours (the charts' unit); null stays null, so a chart leaves a gap. */
export function toHours(seconds: number | null | undefined): number | null {
  return seconds === null || seconds === undefined ? null : seconds / 3600;
}

/** `not_icp_fit` → `Not ICP fit`. */
export function humanize(code: string): string {
  const words = code.split('_').map((w) => (['icp', 'sla', 'ae', 'sdr'].includes(w) ? w.toUpperCase() : w));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A value before and after in one cell: `55 → 60`; one unchanged value once. */
export function formatChange(before: string, after: string): string {
  return before === after ? before : `${before} → ${after}`;
}

/** A hand-off's bucket: `not_icp` → `Not ICP`; `draft` (its checklist incomplete) → `Incomplete`, so it is not read as the draft policy. */
export function bucketLabel(bucket: string): string {
  return bucket === 'draft' ? 'Incomplete' : humanize(bucket);
}

/** A policy document's value in a diff: text as written, anything else as JSON; absent (added, removed) as an em dash. */
export function formatPolicyValue(value: unknown): string {
  if (value === undefined) return NONE;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** An instant as `2026-11-03 14:05` in `timeZone`; null as an em dash. */
export function formatInstant(instant: string | null, timeZone: string): string {
  if (instant === null) return NONE;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

/** A policy field behind a change, as the simulator's CSV writes it: `scoring.threshold: 50 → 60`. */
export function formatResponsible(r: { path: string; before?: number | string | null; after?: number | string | null }): string {
  return r.before === undefined && r.after === undefined ? r.path : `${r.path}: ${r.before ?? '–'} → ${r.after ?? '–'}`;
}
