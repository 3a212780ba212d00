/**
 * Charts for the reports, as inline SVG strings: Vega-Lite specs rendered headless by Vega at report
 * time, so a page needs no script, no CDN and no canvas. Each helper takes plain arrays and returns
 * the SVG markup to drop into the HTML.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

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
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

function frame(options: ChartOptions): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: options.width ?? 320,
    height: options.height ?? 200,
    ...(options.title ? { title: options.title } : {}),
    config: { font: FONT, view: { stroke: null }, axis: { grid: true, gridOpacity: 0.4 } },
    background: 'white',
  };
}

/** Specs are assembled from plain objects; Vega-Lite validates them when compiling. */
function asSpec(spec: Record<string, unknown>): TopLevelSpec {
  return spec as unknown as TopLevelSpec;
}

function scale(domain: readonly [number, number] | undefined): Record<string, unknown> {
  return domain ? { scale: { domain: [...domain], nice: false } } : {};
}

function checkFinite(values: readonly number[], what: string): void {
  const i = values.findIndex((v) => !Number.isFinite(v));
  if (i >= 0) throw new Error(`chart: ${what}[${i}] is ${values[i]}; charts need finite numbers`);
}

/** Renders a Vega-Lite spec to SVG markup (no DOM, no canvas: the 'none' renderer). */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
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
    s.x.forEach((x, i) => values.push({ x, y: s.y[i], series: s.name, order: i }));
  }
  const spec = asSpec({
    ...frame(options),
    data: { values },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: axes.x, ...scale(options.xDomain), ...(options.integerX ? { axis: { tickMinStep: 1, format: 'd' } } : {}) },
      y: { field: 'y', type: 'quantitative', title: axes.y, ...scale(options.yDomain) },
      color: { field: 'series', type: 'nominal', title: null, sort: series.map((s) => s.name) },
      order: { field: 'order', type: 'quantitative' },
    },
  });
  return renderVegaLite(spec);
}

/** Horizontal bars, one per label in the given order, with optional ± error bars. */
export async function barChart(bars: readonly Bar[], axes: AxisTitles, options: ChartOptions = {}): Promise<string> {
  checkFinite(bars.map((b) => b.value), 'bar value');
  const values = bars.map((b) => ({ label: b.label, value: b.value, lo: b.value - (b.error ?? 0), hi: b.value + (b.error ?? 0) }));
  const y = { field: 'label', type: 'nominal', title: axes.y, sort: bars.map((b) => b.label) };
  const layers: Record<string, unknown>[] = [
    { mark: { type: 'bar', color: '#4c78a8' }, encoding: { y, x: { field: 'value', type: 'quantitative', title: axes.x, ...scale(options.xDomain) } } },
  ];
  if (bars.some((b) => b.error !== undefined)) {
    layers.push({ mark: { type: 'rule', color: 'black' }, encoding: { y, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } });
  }
  const spec = asSpec({ ...frame({ height: Math.max(60, 22 * bars.length), ...options }), data: { values }, layer: layers });
  return renderVegaLite(spec);
}

export interface HistogramGroup {
  name: string;
  values: readonly number[];
}

/** Overlaid histograms of several groups on shared bins (e.g. OOD scores: in-distribution vs shifted). */
export async function histogram(groups: readonly HistogramGroup[], axes: AxisTitles, options: ChartOptions & { bins?: number } = {}): Promise<string> {
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
  const spec = asSpec({
    ...frame(options),
    data: { values },
    mark: { type: 'rect', opacity: 0.55 },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: axes.x },
      x2: { field: 'end' },
      y: { field: 'density', type: 'quantitative', title: axes.y, stack: null },
      color: { field: 'group', type: 'nominal', title: null, sort: groups.map((g) => g.name) },
    },
  });
  return renderVegaLite(spec);
}

export interface ReliabilityBin {
  /** Mean confidence of the bin's predictions. */
  confidence: number;
  /** Fraction correct in the bin. */
  accuracy: number;
  count: number;
}

/** Reliability diagram: accuracy against confidence per bin, with the diagonal of perfect calibration. */
export async function reliabilityDiagram(curves: readonly { name: string; bins: readonly ReliabilityBin[] }[], options: ChartOptions = {}): Promise<string> {
  const values: Record<string, unknown>[] = [];
  for (const c of curves) {
    for (const b of c.bins) if (b.count > 0) values.push({ curve: c.name, confidence: b.confidence, accuracy: b.accuracy, count: b.count });
  }
  checkFinite(values.map((v) => v.confidence as number), 'bin confidence');
  checkFinite(values.map((v) => v.accuracy as number), 'bin accuracy');
  const unit = { scale: { domain: [0, 1], nice: false } };
  const spec = asSpec({
    ...frame(options),
    layer: [
      {
        data: { values: [{ p: 0 }, { p: 1 }] },
        mark: { type: 'line', color: '#999', strokeDash: [4, 4] },
        encoding: { x: { field: 'p', type: 'quantitative', title: 'confidence', ...unit }, y: { field: 'p', type: 'quantitative', title: 'accuracy', ...unit } },
      },
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'confidence', type: 'quantitative', ...unit },
          y: { field: 'accuracy', type: 'quantitative', ...unit },
          color: { field: 'curve', type: 'nominal', title: null, sort: curves.map((c) => c.name) },
        },
      },
    ],
  });
  return renderVegaLite(spec);
}
