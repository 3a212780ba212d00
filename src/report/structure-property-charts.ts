/**
 * Charts of the structure–property report (Vega-Lite → inline SVG, as charts.ts): a spectrum with
 * predictions and an uncertainty band, latent-space scatters coloured by a label or a factor,
 * spectra decoded along a latent traversal, and error against distance from the training region.
 */
import type { TopLevelSpec } from 'vega-lite';
import { CATEGORY_COLOURS, renderVegaLite } from './charts.js';

const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  view: { stroke: null },
  axis: { grid: true, gridOpacity: 0.4, labelLimit: 0, labelFontSize: 11, titleFontSize: 11 },
  legend: { labelLimit: 0, labelFontSize: 11 },
  range: { category: CATEGORY_COLOURS },
};

function frame(width: number, height: number, title?: string): Record<string, unknown> {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width, height, config: CONFIG, background: 'white', ...(title ? { title } : {}) };
}

const finite = (v: number) => (Number.isFinite(v) ? v : 0);

export interface SpectrumLine {
  name: string;
  values: ArrayLike<number>;
}

/** True and predicted spectra over wavelength, with a shaded mean ± 2σ band when given. */
export async function spectrumChart(wavelengths: ArrayLike<number>, lines: readonly SpectrumLine[], band: { mean: ArrayLike<number>; std: ArrayLike<number>; name: string } | undefined, axes: { x: string; y: string }, options: { width?: number; height?: number; title?: string; highlight?: readonly [number, number] } = {}): Promise<string> {
  const values: Record<string, unknown>[] = [];
  for (const l of lines) for (let i = 0; i < wavelengths.length; i++) values.push({ x: wavelengths[i], y: finite(l.values[i]), series: l.name });
  const bandValues = band ? Array.from({ length: wavelengths.length }, (_, i) => ({ x: wavelengths[i], lo: finite(band.mean[i] - 2 * band.std[i]), hi: finite(band.mean[i] + 2 * band.std[i]), series: band.name })) : [];
  const layers: Record<string, unknown>[] = [];
  if (options.highlight) layers.push({ data: { values: [{ a: options.highlight[0], b: options.highlight[1] }] }, mark: { type: 'rect', color: '#F0E442', opacity: 0.35 }, encoding: { x: { field: 'a', type: 'quantitative' }, x2: { field: 'b' } } });
  if (band) layers.push({ data: { values: bandValues }, mark: { type: 'area', opacity: 0.25, color: '#E69F00' }, encoding: { x: { field: 'x', type: 'quantitative', title: axes.x }, y: { field: 'lo', type: 'quantitative', title: axes.y }, y2: { field: 'hi' } } });
  layers.push({
    data: { values },
    mark: { type: 'line', strokeWidth: 1.8 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: axes.x, scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: axes.y },
      color: { field: 'series', type: 'nominal', title: null, sort: lines.map((l) => l.name), legend: { orient: 'bottom', direction: 'horizontal' } },
    },
  });
  return renderVegaLite({ ...frame(options.width ?? 300, options.height ?? 170, options.title), layer: layers } as unknown as TopLevelSpec);
}

export interface ScatterPoint {
  x: number;
  y: number;
  colour: number | string;
  /** Marked hollow (held-out rows). */
  hollow?: boolean;
}

/** A scatter of latent coordinates coloured by a label (nominal) or a factor (quantitative, viridis). */
export async function latentScatter(points: readonly ScatterPoint[], axes: { x: string; y: string; colour: string }, nominal: boolean, options: { width?: number; height?: number } = {}): Promise<string> {
  const values = points.map((p) => ({ x: finite(p.x), y: finite(p.y), c: p.colour, split: p.hollow ? 'held out' : 'training region' }));
  const spec = {
    ...frame(options.width ?? 230, options.height ?? 200),
    data: { values },
    mark: { type: 'point', size: 14, filled: true, opacity: 0.7 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: axes.x, scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: axes.y, scale: { zero: false } },
      color: nominal ? { field: 'c', type: 'nominal', title: axes.colour } : { field: 'c', type: 'quantitative', title: axes.colour, scale: { scheme: 'viridis' } },
      shape: { field: 'split', type: 'nominal', title: null, scale: { domain: ['training region', 'held out'], range: ['circle', 'triangle'] } },
    },
  };
  return renderVegaLite(spec as unknown as TopLevelSpec);
}

/** Spectra decoded at each step of a traversal, coloured by the latent value. */
export async function traversalSpectraChart(wavelengths: ArrayLike<number>, decoded: { data: Float32Array; shape: readonly number[] }, latentValues: readonly number[], title: string, xTitle: string): Promise<string> {
  const k = decoded.shape[1];
  const values: Record<string, unknown>[] = [];
  latentValues.forEach((z, s) => {
    for (let i = 0; i < k; i++) values.push({ x: wavelengths[i], y: finite(decoded.data[s * k + i]), z: Number(z.toFixed(2)) });
  });
  const spec = {
    ...frame(190, 110, title),
    data: { values },
    mark: { type: 'line', strokeWidth: 1.4 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle, scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: null },
      color: { field: 'z', type: 'quantitative', title: 'z', scale: { scheme: 'viridis' }, legend: null },
      detail: { field: 'z', type: 'nominal' },
    },
  };
  return renderVegaLite(spec as unknown as TopLevelSpec);
}

/** Per-example error against distance from the training region, held-out rows marked. */
export async function distanceChart(points: readonly { distance: number; mse: number; heldOut: boolean }[], xTitle: string): Promise<string> {
  const values = points.filter((p) => Number.isFinite(p.distance)).map((p) => ({ x: p.distance, y: p.mse, split: p.heldOut ? 'held out' : 'in-distribution test' }));
  const spec = {
    ...frame(360, 220),
    data: { values },
    mark: { type: 'point', size: 18, filled: true, opacity: 0.6 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle },
      y: { field: 'y', type: 'quantitative', title: 'im2spec MSE per example', scale: { type: 'sqrt' } },
      color: { field: 'split', type: 'nominal', title: null },
    },
  };
  return renderVegaLite(spec as unknown as TopLevelSpec);
}
