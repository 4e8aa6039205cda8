/**
 * Policy durations: ISO 8601 (`PT4H`, `P7D`, `P1DT12H`, `P2W`) or shorthand (`90s`, `15m`, `4h`,
 * `7d`, `2w`). Months and years are refused: their length depends on the calendar.
 */
const SHORTHAND = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const ISO = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Milliseconds, or `undefined` when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const value = text.trim();
  const short = SHORTHAND.exec(value);
  if (short) return Math.round(Number(short[1]) * UNIT_MS[short[2] as keyof typeof UNIT_MS]);
  const iso = ISO.exec(value.toUpperCase());
  if (!iso || value.toUpperCase() === 'P' || value.toUpperCase().endsWith('T')) return undefined;
  const [, w, d, h, m, s] = iso.map((part) => (part === undefined ? 0 : Number(part)));
  return Math.round((w ?? 0) * UNIT_MS.w + (d ?? 0) * UNIT_MS.d + (h ?? 0) * UNIT_MS.h + (m ?? 0) * UNIT_MS.m + (s ?? 0) * UNIT_MS.s);
}

/** A short human form, e.g. `4h`, `7d`, `1d 12h`, `90s`: used in timeline entries and summaries. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join(' ');
}
