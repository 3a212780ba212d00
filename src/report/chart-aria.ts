/**
 * What a chart says, for readers who cannot see it: each SVG chart is marked `role="img"` with an
 * `aria-label` (what it is) and a `<title>`/`<desc>` (what it shows, in numbers), so a screen reader
 * announces "Reliability diagram: accuracy against confidence; calibrated: 8 bins, 400 images…"
 * instead of reading Vega's marks one by one. The summaries are built from the chart's own data, so
 * the same input still gives the same bytes.
 */
import { escapeHtml } from './html.js';

export interface ChartSummary {
  /** Short: the kind of chart and its axes. */
  readonly label: string;
  /** The numbers a sighted reader takes from it. */
  readonly description: string;
}

/** Three significant digits, no exponent for ordinary magnitudes. */
export function short(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Number(v.toPrecision(3)).toString();
}

function range(values: readonly number[]): string {
  if (values.length === 0) return 'no values';
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === hi ? short(lo) : `${short(lo)} to ${short(hi)}`;
}

/** Lists at most `max` items, then says how many more there are. */
function listed(items: readonly string[], max = 12): string {
  return items.length <= max ? items.join('; ') : `${items.slice(0, max).join('; ')}; and ${items.length - max} more`;
}

export function lineSummary(series: readonly { name: string; x: readonly number[]; y: readonly number[] }[], axes: { x: string; y: string }, categories?: readonly string[]): ChartSummary {
  const xText = (x: readonly number[]) => (categories ? `${categories[x[0]] ?? x[0]} to ${categories[x[x.length - 1]] ?? x[x.length - 1]}` : range(x));
  return {
    label: `Line chart: ${axes.y} against ${axes.x}`,
    description: listed(series.map((s) => `${s.name}: ${s.y.length} points, ${axes.x} ${s.x.length ? xText(s.x) : 'none'}, ${axes.y} ${range(s.y)}${s.y.length ? ` (last ${short(s.y[s.y.length - 1])})` : ''}`)),
  };
}

export function barSummary(bars: readonly { label: string; value: number; error?: number; interval?: readonly [number, number] }[], axes: { x: string; y: string }): ChartSummary {
  const one = (b: (typeof bars)[number]) => `${b.label} ${short(b.value)}${b.interval ? ` (${short(b.interval[0])} to ${short(b.interval[1])})` : b.error !== undefined ? ` ± ${short(b.error)}` : ''}`;
  return { label: `Bar chart: ${axes.x} by ${axes.y}`, description: listed(bars.map(one)) };
}

export function histogramSummary(groups: readonly { name: string; values: readonly number[] }[], axes: { x: string; y: string }, markers: readonly { label: string; value: number }[] = []): ChartSummary {
  const marks = markers.length ? `; marked: ${markers.map((m) => `${m.label} at ${short(m.value)}`).join(', ')}` : '';
  return { label: `Histogram of ${axes.x}`, description: listed(groups.map((g) => `${g.name}: ${g.values.length} values, ${range(g.values)}`)) + marks };
}

export function reliabilitySummary(curves: readonly { name: string; bins: readonly { confidence: number; accuracy: number; count: number }[] }[]): ChartSummary {
  const curve = (c: (typeof curves)[number]) => {
    const bins = c.bins.filter((b) => b.count > 0);
    const images = bins.reduce((s, b) => s + b.count, 0);
    const gap = images > 0 ? bins.reduce((s, b) => s + b.count * Math.abs(b.accuracy - b.confidence), 0) / images : NaN;
    return `${c.name}: ${bins.length} non-empty bins, ${images} images, mean |accuracy − confidence| ${short(gap)}`;
  };
  return { label: 'Reliability diagram: accuracy against confidence, with images per bin', description: listed(curves.map(curve)) };
}

/**
 * The SVG with its summary: role="img" and aria-label on the root element, and <title>/<desc> as
 * its first children (what tooltips and assistive technology read).
 */
export function accessibleSvg(svg: string, summary: ChartSummary): string {
  const open = svg.indexOf('<svg');
  const end = open < 0 ? -1 : svg.indexOf('>', open);
  if (end < 0) return svg;
  const selfClosing = svg[end - 1] === '/';
  const head = svg.slice(open, selfClosing ? end - 1 : end).replace(/\s(role|aria-label)="[^"]*"/g, '');
  const inner = `<title>${escapeHtml(summary.label)}</title><desc>${escapeHtml(summary.description)}</desc>`;
  const tag = `${head} role="img" aria-label="${escapeHtml(`${summary.label}. ${summary.description}`)}">`;
  return svg.slice(0, open) + tag + inner + (selfClosing ? '</svg>' : '') + svg.slice(end + 1);
}
