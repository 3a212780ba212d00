/**
 * Charts for the reports, as inline SVG strings: Vega-Lite specs rendered headless by Vega at report
 * time, so a page needs no script, no CDN and no canvas. Each helper takes plain arrays and returns
 * the SVG markup to drop into the HTML.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { accessibleSvg, barSummary, histogramSummary, lineSummary, reliabilitySummary, type ChartSummary } from './chart-aria.js';

export interface ChartSize {
  width?: number;
  height?: number;
}

export interface AxisTitles {
  x: string;
  y: string;
}

export interface ChartOptions extends ChartSize {
  title?: string;
  /** Fixed y-axis domain (e.g. [0, 1] for probabilities). */
  yDomain?: readonly [number, number];
  /** Fixed x-axis domain. */
  xDomain?: readonly [number, number];
  /** Whole-number ticks on the x axis (steps, counts). */
  integerX?: boolean;
  /**
   * Named x positions (e.g. layer names): each series' x values are 0-based indices into this list,
   * and the axis shows the names in this order instead of numbers.
   */
  xCategories?: readonly string[];
}

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly number[];
}

export interface Bar {
  label: string;
  value: number;
  /** Half-length of an error bar (e.g. a standard deviation), drawn when given. */
  error?: number;
  /** An asymmetric interval [low, high] (e.g. Wilson), drawn instead of ± error. */
  interval?: readonly [number, number];
}

/** The ends of a bar's whisker: its interval, else value ± error, else the value. */
function whisker(b: Bar): [number, number] {
  return b.interval ? [b.interval[0], b.interval[1]] : [b.value - (b.error ?? 0), b.value + (b.error ?? 0)];
}

function hasWhisker(b: Bar): boolean {
  return b.error !== undefined || b.interval !== undefined;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** Okabe–Ito: categorical colours that stay distinct under the common colour-vision deficiencies. */
export const CATEGORY_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000', '#F0E442'];

/** Below this many images a reliability bin's accuracy is drawn hollow: too few to read as a rate. */
export const SPARSE_BIN = 10;

/** Shared look: readable fonts, no truncated legend or axis labels (labelLimit 0), colour-blind-safe colours. */
const CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: { grid: true, gridOpacity: 0.4, labelLimit: 0, labelFontSize: 11, titleFontSize: 11 },
  legend: { labelLimit: 0, labelFontSize: 11 },
  range: { category: CATEGORY_COLOURS },
};

export function frame(options: ChartOptions): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: options.width ?? 320,
    height: options.height ?? 200,
    ...(options.title ? { title: options.title } : {}),
    config: CONFIG,
    background: 'white',
  };
}

/** Specs are assembled from plain objects; Vega-Lite validates them when compiling. */
export function asSpec(spec: Record<string, unknown>): TopLevelSpec {
  return spec as unknown as TopLevelSpec;
}

function scale(domain: readonly [number, number] | undefined): Record<string, unknown> {
  return domain ? { scale: { domain: [...domain], nice: false } } : {};
}

export function checkFinite(values: readonly number[], what: string): void {
  const i = values.findIndex((v) => !Number.isFinite(v));
  if (i >= 0) throw new Error(`chart: ${what}[${i}] is ${values[i]}; charts need finite numbers`);
}

/**
 * Renders a Vega-Lite spec to SVG markup (no DOM, no canvas: the 'none' renderer); with a summary,
 * the SVG is an accessible image that says what it shows (chart-aria.ts).
 */
export async function renderVegaLite(spec: TopLevelSpec, summary?: ChartSummary): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return summary ? accessibleSvg(svg, summary) : svg;
  } finally {
    view.finalize();
  }
}

/** One or more lines over a shared x axis (deletion curves, randomisation curves…). */
export async function lineChart(series: readonly Series[], axes: AxisTitles, options: ChartOptions = {}): Promise<string> {
  const values: Record<string, unknown>[] = [];
  for (const s of series) {
    if (s.x.length !== s.y.length) throw new Error(`chart: series '${s.name}' has ${s.x.length} x values but ${s.y.length} y values`);
    checkFinite(s.x, `${s.name}.x`);
    checkFinite(s.y, `${s.name}.y`);
    s.x.forEach((x, i) => {
      if (options.xCategories && !(Number.isInteger(x) && x >= 0 && x < options.xCategories.length)) {
        throw new Error(`chart: series '${s.name}' x[${i}] = ${x} is not an index into the ${options.xCategories.length} named x positions`);
      }
      values.push({ x: options.xCategories ? options.xCategories[x] : x, y: s.y[i], series: s.name, order: i });
    });
  }
  const x = options.xCategories
    ? { field: 'x', type: 'ordinal', title: axes.x, sort: [...options.xCategories], axis: { labelAngle: 0 } }
    : { field: 'x', type: 'quantitative', title: axes.x, ...scale(options.xDomain), ...(options.integerX ? { axis: { tickMinStep: 1, format: 'd' } } : {}) };
  const spec = asSpec({
    ...frame(options),
    data: { values },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x,
      y: { field: 'y', type: 'quantitative', title: axes.y, ...scale(options.yDomain) },
      color: { field: 'series', type: 'nominal', title: null, sort: series.map((s) => s.name) },
      order: { field: 'order', type: 'quantitative' },
    },
  });
  return renderVegaLite(spec, lineSummary(series, axes, options.xCategories));
}

/**
 * The value axis of a chart with error bars: the fixed domain, unless the values and their errors
 * fill less than a fifth of it — two accuracies of 0.99 ± 0.006 on a [0, 1] axis look identical and
 * their error bars vanish. Then the axis is zoomed to the data (padded, kept inside the domain),
 * and the caller draws dots, not bars: a bar's length from 0 would lie on a zoomed axis.
 */
export function errorDomain(bars: readonly Bar[], domain?: readonly [number, number]): { domain: [number, number]; zoomed: boolean } | undefined {
  if (!bars.some(hasWhisker)) return undefined;
  const lo = Math.min(...bars.map((b) => whisker(b)[0]));
  const hi = Math.max(...bars.map((b) => whisker(b)[1]));
  const [d0, d1] = domain ?? [Math.min(0, lo), Math.max(0, hi)];
  if (!(d1 > d0) || hi - lo >= 0.2 * (d1 - d0)) return { domain: [d0, d1], zoomed: false };
  const pad = Math.max(0.15 * (hi - lo), 1e-3 * (d1 - d0));
  return { domain: [Math.max(d0, lo - pad), Math.min(d1, hi + pad)], zoomed: true };
}

/**
 * Horizontal bars, one per label in the given order, with optional ± error bars. When the errors
 * would be invisible on the value axis (errorDomain), the chart becomes dots with whiskers on a
 * zoomed axis whose title says so.
 */
export async function barChart(bars: readonly Bar[], axes: AxisTitles, options: ChartOptions = {}): Promise<string> {
  checkFinite(bars.map((b) => b.value), 'bar value');
  const values = bars.map((b) => ({ label: b.label, value: b.value, lo: whisker(b)[0], hi: whisker(b)[1] }));
  const y = { field: 'label', type: 'nominal', title: axes.y, sort: bars.map((b) => b.label) };
  const zoom = errorDomain(bars, options.xDomain);
  const layers: Record<string, unknown>[] = [];
  if (zoom?.zoomed) {
    const [d0, d1] = zoom.domain;
    const title = `${axes.x} (axis zoomed to ${formatTick(d0)}–${formatTick(d1)})`;
    const x = { field: 'value', type: 'quantitative', title, scale: { domain: [d0, d1], nice: false, zero: false } };
    layers.push({ mark: { type: 'rule', color: 'black', strokeWidth: 1.5, clip: true }, encoding: { y, x: { ...x, field: 'lo' }, x2: { field: 'hi' } } });
    layers.push({ mark: { type: 'point', filled: true, size: 70, color: CATEGORY_COLOURS[0] }, encoding: { y, x } });
  } else {
    layers.push({ mark: { type: 'bar', color: CATEGORY_COLOURS[0] }, encoding: { y, x: { field: 'value', type: 'quantitative', title: axes.x, ...scale(options.xDomain) } } });
    if (zoom) layers.push({ mark: { type: 'rule', color: 'black', clip: true }, encoding: { y, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } });
  }
  const spec = asSpec({ ...frame({ height: Math.max(60, 22 * bars.length), ...options }), data: { values }, layer: layers });
  return renderVegaLite(spec, barSummary(bars, axes));
}

/** Axis-end numbers for titles: enough digits to tell 0.985 from 0.995. */
function formatTick(v: number): string {
  return Number(v.toPrecision(3)).toString();
}

export interface HistogramGroup {
  name: string;
  values: readonly number[];
}

/** Overlaid histograms of several groups on shared bins (e.g. OOD scores: in-distribution vs shifted). */
export async function histogram(
  groups: readonly HistogramGroup[],
  axes: AxisTitles,
  options: ChartOptions & { bins?: number; markers?: readonly { label: string; value: number }[] } = {},
): Promise<string> {
  const all = groups.flatMap((g) => g.values);
  checkFinite(all, 'histogram value');
  const bins = options.bins ?? 30;
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const values: Record<string, unknown>[] = [];
  for (const g of groups) {
    const counts = new Array<number>(bins).fill(0);
    for (const v of g.values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
    // Densities, so groups of different sizes compare by shape.
    const total = Math.max(1, g.values.length);
    counts.forEach((c, b) => values.push({ group: g.name, start: lo + b * width, end: lo + (b + 1) * width, density: c / total }));
  }
  const markers = options.markers ?? [];
  checkFinite(markers.map((m) => m.value), 'marker value');
  const bars = {
    data: { values },
    mark: { type: 'rect', opacity: 0.55 },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: axes.x },
      x2: { field: 'end' },
      y: { field: 'density', type: 'quantitative', title: axes.y, stack: null },
      color: { field: 'group', type: 'nominal', title: null, sort: groups.map((g) => g.name) },
    },
  };
  const lines = markers.length
    ? [
        { data: { values: markers.map((m) => ({ ...m })) }, mark: { type: 'rule', color: '#1d2330', strokeDash: [4, 3] }, encoding: { x: { field: 'value', type: 'quantitative' } } },
        { data: { values: markers.map((m) => ({ ...m })) }, mark: { type: 'text', align: 'left', dx: 3, dy: -4, baseline: 'top', fontSize: 10, color: '#1d2330' }, encoding: { x: { field: 'value', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } } },
      ]
    : [];
  const spec = asSpec({ ...frame(options), layer: [bars, ...lines] });
  return renderVegaLite(spec, histogramSummary(groups, axes, options.markers));
}

export interface ReliabilityBin {
  /** Mean confidence of the bin's predictions. */
  confidence: number;
  /** Fraction correct in the bin. */
  accuracy: number;
  count: number;
}

/**
 * Reliability diagram: accuracy against confidence per bin, with the diagonal of perfect
 * calibration, and under it the number of images per bin (log scale). Empty bins are left out (an
 * empty bin has no accuracy, not accuracy 0); bins with fewer than SPARSE_BIN images are drawn as
 * hollow points, so a lone wrong image does not read like a measured rate.
 */
export async function reliabilityDiagram(curves: readonly { name: string; bins: readonly ReliabilityBin[] }[], options: ChartOptions = {}): Promise<string> {
  const values: Record<string, unknown>[] = [];
  for (const c of curves) {
    for (const b of c.bins) if (b.count > 0) values.push({ curve: c.name, confidence: b.confidence, accuracy: b.accuracy, count: b.count });
  }
  checkFinite(values.map((v) => v.confidence as number), 'bin confidence');
  checkFinite(values.map((v) => v.accuracy as number), 'bin accuracy');
  const unit = { scale: { domain: [0, 1], nice: false } };
  const width = options.width ?? 320;
  const color = { field: 'curve', type: 'nominal', title: null, sort: curves.map((c) => c.name) };
  const x = { field: 'confidence', type: 'quantitative', title: 'confidence', ...unit };
  const spec = asSpec({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(options.title ? { title: options.title } : {}),
    config: CONFIG,
    background: 'white',
    data: { values },
    vconcat: [
      {
        width,
        height: options.height ?? 200,
        layer: [
          {
            data: { values: [{ p: 0 }, { p: 1 }] },
            mark: { type: 'line', color: '#999', strokeDash: [4, 4] },
            encoding: { x: { field: 'p', type: 'quantitative', title: 'confidence', ...unit }, y: { field: 'p', type: 'quantitative', title: 'accuracy', ...unit } },
          },
          { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y: { field: 'accuracy', type: 'quantitative', ...unit }, color, order: { field: 'confidence' } } },
          {
            mark: { type: 'point', size: 45, strokeWidth: 1.5 },
            encoding: {
              x,
              y: { field: 'accuracy', type: 'quantitative', ...unit },
              color,
              fill: { condition: { test: `datum.count < ${SPARSE_BIN}`, value: 'white' }, field: 'curve', type: 'nominal', title: null, sort: curves.map((c) => c.name) },
            },
          },
        ],
      },
      {
        width,
        height: 70,
        mark: { type: 'point', filled: true, size: 30 },
        encoding: {
          x,
          y: { field: 'count', type: 'quantitative', title: 'images', scale: { type: 'log', domainMin: 1 }, axis: { tickCount: 3, format: '~s' } },
          color,
        },
      },
    ],
  });
  return renderVegaLite(spec, reliabilitySummary(curves));
}
