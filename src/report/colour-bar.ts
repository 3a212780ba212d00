/**
 * A colour bar for one heatmap, as inline SVG: the colormap's ramp over the values it stands for,
 * ticks at both ends (and at 0 for a signed map), and the unit underneath. Every map in a report
 * carries its own bar because every map is scaled to its own range: without it a reader cannot tell
 * a strong map from a faint one stretched to full colour.
 *
 * Drawn as solid rectangles, not an SVG gradient: gradients need page-unique ids, and the same input
 * must give the same bytes.
 */
import { colormapLut, checkRange, type ColormapName, type Range } from './colormap.js';
import { escapeHtml, formatNumber } from './html.js';

export interface ColourBarOptions {
  colormap: ColormapName;
  /** The values at the bar's two ends. */
  range: Range;
  /** What the values are, e.g. "|∂ class-1 logit / ∂ pixel|". */
  unit: string;
  /** Width in CSS pixels (default 224, the pictures' width). */
  width?: number;
}

const STEPS = 48;
const RAMP_HEIGHT = 10;

function hex(lut: Uint8Array, k: number): string {
  return '#' + [lut[3 * k], lut[3 * k + 1], lut[3 * k + 2]].map((v) => v.toString(16).padStart(2, '0')).join('');
}

/** The range a map's colours stand for: [−m, m] for a signed map (0 in the middle), else [0, m] — m = max |value|. */
export function mapRange(values: Float32Array, signed: boolean): [number, number] {
  let peak = 0;
  for (const v of values) if (Number.isFinite(v) && Math.abs(v) > peak) peak = Math.abs(v);
  return signed ? [-peak, peak] : [0, peak];
}

/** True when any finite value is below 0: the map has a sign to show. */
export function hasNegative(values: Float32Array): boolean {
  for (const v of values) if (v < 0) return true;
  return false;
}

export function colourBarSvg(options: ColourBarOptions): string {
  const { colormap, range, unit, width = 224 } = options;
  checkRange(range, 'colour bar');
  const lut = colormapLut(colormap);
  const pad = 4;
  const inner = width - 2 * pad;
  const step = inner / STEPS;
  const rects: string[] = [];
  for (let i = 0; i < STEPS; i++) {
    const k = Math.round(((i + 0.5) / STEPS) * 255);
    // Slight overlap (+0.5) so no hairline gaps appear between the steps when scaled.
    rects.push(`<rect x="${(pad + i * step).toFixed(2)}" y="0" width="${(step + 0.5).toFixed(2)}" height="${RAMP_HEIGHT}" fill="${hex(lut, k)}"/>`);
  }
  const [lo, hi] = range;
  const ticks: { x: number; text: string; anchor: string }[] = [
    { x: pad, text: formatNumber(lo, 2), anchor: 'start' },
    { x: width - pad, text: formatNumber(hi, 2), anchor: 'end' },
  ];
  if (lo < 0 && hi > 0) ticks.push({ x: pad + (inner * -lo) / (hi - lo), text: '0', anchor: 'middle' });
  const tickMarks = ticks.map((t) => `<line x1="${t.x.toFixed(2)}" x2="${t.x.toFixed(2)}" y1="${RAMP_HEIGHT}" y2="${RAMP_HEIGHT + 3}" stroke="#1d2330"/>`).join('');
  const tickText = ticks.map((t) => `<text x="${t.x.toFixed(2)}" y="${RAMP_HEIGHT + 13}" text-anchor="${t.anchor}">${escapeHtml(t.text)}</text>`).join('');
  const label = `colour scale: ${formatNumber(lo, 2)} to ${formatNumber(hi, 2)} ${unit}`;
  return (
    `<svg class="colourbar" role="img" aria-label="${escapeHtml(label)}" width="${width}" height="${RAMP_HEIGHT + 28}" viewBox="0 0 ${width} ${RAMP_HEIGHT + 28}" font-size="10" fill="#1d2330">` +
    `${rects.join('')}${tickMarks}${tickText}<text x="${width / 2}" y="${RAMP_HEIGHT + 26}" text-anchor="middle">${escapeHtml(unit)}</text></svg>`
  );
}
