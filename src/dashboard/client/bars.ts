/**
 * Grouped bar charts as plain SVG (the policy page): one group per category, one bar per series.
 * Colours come from the style sheet (`.series-<key>`), never from a style attribute, so the page's
 * Content-Security-Policy holds. Every bar carries its category, series and value as data
 * attributes and a `<title>` (the tooltip); the chart as a whole is an image named by its title, and
 * the page puts the same numbers in a table beside it.
 */

const SVG = 'http://www.w3.org/2000/svg';

export interface BarChart {
  /** The chart's accessible name. */
  title: string;
  categories: { key: string; label: string }[];
  series: { key: string; label: string }[];
  /** `values[category][series]`. */
  values: number[][];
  /** A bar's value as its label and tooltip show it. */
  format: (value: number) => string;
  /** An axis tick (default: `format`). */
  tick?: (value: number) => string;
  /** Bars along the x axis (long lists of categories, e.g. AEs). */
  horizontal?: boolean;
  /** The smallest step between ticks (1 for counts, so an axis never reads 0.25 hand-offs). */
  minStep?: number;
}

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A round axis maximum and its step: 1, 2 or 5 times a power of ten, at most four steps (and no step under `minStep`). */
export function niceScale(max: number, minStep = 0): { max: number; step: number } {
  if (!(max > 0)) return minStep > 0 ? { max: minStep, step: minStep } : { max: 1, step: 0.25 };
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(minStep, [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power);
  return { max: Math.ceil(max / step - 1e-9) * step, step };
}

const round = (n: number): number => Math.round(n * 10) / 10;
/** A label that fits the horizontal chart's margin (the group's title and the data table keep it whole). */
const short = (label: string): string => (label.length > 11 ? `${label.slice(0, 10)}…` : label);

export function groupedBars(chart: BarChart): SVGSVGElement {
  const { categories, series, values, format } = chart;
  const tick = chart.tick ?? format;
  const { max, step } = niceScale(Math.max(0, ...values.flat()), chart.minStep);
  const ticks = Array.from({ length: Math.round(max / step) + 1 }, (_, i) => i * step);

  const horizontal = chart.horizontal === true;
  // About the width a panel gives it, so the text is drawn at about the page's size.
  const width = 440;
  const band = horizontal ? 14 * series.length + 12 : 0;
  const margin = horizontal ? { top: 6, right: 46, bottom: 24, left: 76 } : { top: 20, right: 6, bottom: 28, left: 40 };
  const height = horizontal ? margin.top + margin.bottom + band * categories.length : 250;
  const plot = { w: width - margin.left - margin.right, h: height - margin.top - margin.bottom };

  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    class: `bars${horizontal ? ' horizontal' : ''}`,
    'aria-label': chart.title,
    preserveAspectRatio: 'xMidYMid meet',
  });
  root.append(svg('title', {}, chart.title));

  // Value axis: grid lines and ticks.
  const axis = svg('g', { class: 'axis', 'aria-hidden': 'true' });
  for (const t of ticks) {
    const at = (t / max) * (horizontal ? plot.w : plot.h);
    if (horizontal) {
      const x = round(margin.left + at);
      axis.append(svg('line', { class: t === 0 ? 'baseline' : 'grid', x1: x, x2: x, y1: margin.top, y2: margin.top + plot.h }));
      axis.append(svg('text', { class: 'tick', x, y: height - 7, 'text-anchor': 'middle' }, tick(t)));
    } else {
      const y = round(margin.top + plot.h - at);
      axis.append(svg('line', { class: t === 0 ? 'baseline' : 'grid', x1: margin.left, x2: width - margin.right, y1: y, y2: y }));
      axis.append(svg('text', { class: 'tick', x: margin.left - 6, y: y + 4, 'text-anchor': 'end' }, tick(t)));
    }
  }
  root.append(axis);

  const slot = horizontal ? band : plot.w / Math.max(1, categories.length);
  const barSize = horizontal ? 14 : Math.min(40, (slot * 0.84) / series.length);
  categories.forEach((category, ci) => {
    const group = svg('g', { class: 'group', 'data-category': category.key });
    group.append(svg('title', {}, category.label));
    const start = (horizontal ? margin.top : margin.left) + ci * slot + (slot - barSize * series.length) / 2;
    const label = horizontal
      ? svg(
          'text',
          { class: 'category', x: margin.left - 6, y: round(margin.top + ci * slot + slot / 2 + 4), 'text-anchor': 'end' },
          short(category.label),
        )
      : svg(
          'text',
          { class: 'category', x: round(margin.left + ci * slot + slot / 2), y: height - 8, 'text-anchor': 'middle' },
          category.label,
        );
    group.append(label);
    series.forEach((s, si) => {
      const value = values[ci]?.[si] ?? 0;
      const length = (value / max) * (horizontal ? plot.w : plot.h);
      const offset = round(start + si * barSize);
      const rect = horizontal
        ? svg('rect', { x: margin.left, y: offset, width: round(length), height: barSize - 2 })
        : svg('rect', { x: offset, y: round(margin.top + plot.h - length), width: round(barSize - 2), height: round(length) });
      rect.setAttribute('class', `bar series-${s.key}`);
      rect.setAttribute('data-category', category.key);
      rect.setAttribute('data-series', s.key);
      rect.setAttribute('data-value', String(value));
      rect.append(svg('title', {}, `${category.label}, ${s.label}: ${format(value)}`));
      const text = horizontal
        ? svg('text', { class: 'value', x: round(margin.left + length + 4), y: offset + barSize - 4 }, format(value))
        : svg(
            'text',
            { class: 'value', x: round(offset + (barSize - 2) / 2), y: round(margin.top + plot.h - length - 4), 'text-anchor': 'middle' },
            format(value),
          );
      text.setAttribute('aria-hidden', 'true');
      group.append(rect, text);
    });
    root.append(group);
  });
  return root;
}
