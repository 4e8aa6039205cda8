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
