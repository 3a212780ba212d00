/**
 * Colormaps for attribution heatmaps. The perceptual maps come from d3-scale-chromatic (sampled once
 * into 256-entry tables at module load) so that equal steps in attribution read as equal steps in
 * brightness; 'gray' is the identity ramp for raw micrographs.
 */
import { interpolateInferno, interpolateMagma, interpolateRdBu, interpolateViridis } from 'd3-scale-chromatic';

/**
 * 'blue-red' is diverging (ColorBrewer RdBu reversed: negative blue, 0 near white, positive red) for
 * signed maps; blue against red stays distinct under the common colour-vision deficiencies.
 */
export type ColormapName = 'inferno' | 'viridis' | 'magma' | 'gray' | 'blue-red';

export const COLORMAP_NAMES: readonly ColormapName[] = ['inferno', 'viridis', 'magma', 'gray', 'blue-red'];

/** Parses the two forms d3 emits: '#rrggbb' and 'rgb(r, g, b)'. */
export function parseCssColor(color: string): [number, number, number] {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (hex) return [parseInt(hex[1], 16), parseInt(hex[2], 16), parseInt(hex[3], 16)];
  const rgb = /^rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(color);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  throw new Error(`colormap: cannot parse colour '${color}'`);
}

function sampleInterpolator(interpolate: (t: number) => string): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.set(parseCssColor(interpolate(i / 255)), 3 * i);
  return lut;
}

function grayRamp(): Uint8Array {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.fill(i, 3 * i, 3 * i + 3);
  return lut;
}

const LUTS: Record<ColormapName, Uint8Array> = {
  inferno: sampleInterpolator(interpolateInferno),
  viridis: sampleInterpolator(interpolateViridis),
  magma: sampleInterpolator(interpolateMagma),
  gray: grayRamp(),
  'blue-red': sampleInterpolator((t) => interpolateRdBu(1 - t)),
};

/**
 * The 256×3 RGB lookup table of a colormap (entry i is the colour at t = i/255). The table is shared
 * between callers, so treat it as read-only.
 */
export function colormapLut(name: ColormapName): Uint8Array {
  const lut = LUTS[name];
  if (!lut) throw new Error(`unknown colormap '${String(name)}' (choose one of ${COLORMAP_NAMES.join(', ')})`);
  return lut;
}

export type Range = readonly [number, number];

/** [min, max] over the finite values; [0, 0] when there are none, so callers never see NaN bounds. */
export function finiteRange(values: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // ±Infinity are skipped (and later clamped to the ends) so one overflow cannot flatten the map.
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo > hi ? [0, 0] : [lo, hi];
}

export function checkRange(range: Range, who: string): void {
  const [lo, hi] = range;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) {
    throw new Error(`${who}: range must be two finite numbers with lo ≤ hi, got [${lo}, ${hi}]`);
  }
}

/**
 * Position of v within [lo, hi], clamped to [0, 1]. A degenerate range (lo = hi, e.g. a constant map)
 * is a step: values above it are 1, the rest 0, so a constant map paints the bottom colour instead
 * of dividing by zero. NaN gives NaN; the caller decides how to show it.
 */
export function normalise(v: number, lo: number, hi: number): number {
  if (Number.isNaN(v)) return NaN;
  if (hi <= lo) return v > lo ? 1 : 0;
  const t = (v - lo) / (hi - lo);
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

/**
 * Maps values to RGBA bytes through a lookup table. The default range is [min, max] of the finite
 * values; ±Infinity clamp to the ends. NaN pixels come out fully transparent (RGBA 0,0,0,0): a
 * hole in the map should look like a hole, not like the smallest attribution.
 */
export function applyColormap(values: Float32Array, lut: Uint8Array, range?: Range): Uint8Array {
  if (lut.length !== 256 * 3) throw new Error(`applyColormap: lookup table must hold 256×3 bytes, got ${lut.length}`);
  if (range) checkRange(range, 'applyColormap');
  const [lo, hi] = range ?? finiteRange(values);
  const rgba = new Uint8Array(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const t = normalise(values[i], lo, hi);
    if (Number.isNaN(t)) continue;
    const k = 3 * Math.round(t * 255);
    rgba[4 * i] = lut[k];
    rgba[4 * i + 1] = lut[k + 1];
    rgba[4 * i + 2] = lut[k + 2];
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}
