/**
 * Scale bars: a "nice" physical length (1, 2 or 5 × 10^k) that spans about a fifth of the image,
 * labelled in a readable unit (nm, µm, mm…; Å only when the file itself speaks Å). `chooseScaleBar`
 * is the pure decision; `burnScaleBar` draws it into PNG pixels (a dark box, a white bar, a 5×7
 * bitmap label: a PNG copied out of the report keeps its scale), `scaleBarSvg` draws it over an
 * <img> in the HTML reports (crisp text at any zoom).
 */
import type { SpatialCalibration } from '../data/spatial-calibration.js';
import { metresPer } from '../data/spatial-calibration.js';
import { GLYPH_HEIGHT, canDraw, drawText, fillRect, textWidth } from './bitmap-font.js';
import { escapeHtml } from './html.js';
import type { RgbaImage } from './png.js';

export interface ScaleBar {
  /** The bar's length in `unit`: 1, 2 or 5 × 10^k. */
  readonly value: number;
  readonly unit: string;
  /** '50 nm' */
  readonly label: string;
  /** The length in pixels of the calibrated grid (not rounded). */
  readonly pixels: number;
  /** pixels / image width. */
  readonly fraction: number;
}

/** The bar aims at this share of the image width, and prefers a length inside the band. */
const TARGET = 0.2;
const BAND: readonly [number, number] = [0.15, 0.25];
const MANTISSAS = [1, 2, 5] as const;
/** Display units from the largest down; a length takes the first in which it is ≥ 1. */
const PREFIXES = ['m', 'mm', 'µm', 'nm', 'pm'] as const;

/** `value` in the most readable unit: Å kept below 1000 Å when the file speaks Å, else SI prefixes. */
function readable(metres: number, fileUnit: string): { value: number; unit: string } {
  const tidy = (v: number) => Number(v.toPrecision(6));
  if (fileUnit === 'Å' && metres < 1000 * metresPer('Å')) return { value: tidy(metres / metresPer('Å')), unit: 'Å' };
  for (const unit of PREFIXES) {
    const value = tidy(metres / metresPer(unit));
    if (value >= 1) return { value, unit };
  }
  return { value: tidy(metres / metresPer('pm')), unit: 'pm' };
}

/**
 * The scale bar for an image with this calibration: among lengths 1, 2, 5 × 10^k, the one inside
 * 15–25% of the image width closest to 20% (closest on a log scale); when none falls inside the
 * band (the 1-2-5 steps are wider than the band), the closest to 20% overall.
 */
export function chooseScaleBar(calibration: SpatialCalibration): ScaleBar {
  const { pixelWidth, unit, width } = calibration;
  if (!(pixelWidth > 0) || !Number.isFinite(pixelWidth) || !(width > 0)) throw new Error(`scale bar: pixel width must be positive and finite and the image at least 1 pixel wide (got ${pixelWidth} ${unit}, ${width} px)`);
  const metresPerPixel = pixelWidth * metresPer(unit);
  const imageMetres = width * metresPerPixel;
  const decade = Math.floor(Math.log10(TARGET * imageMetres));
  const candidates: { metres: number; fraction: number }[] = [];
  for (let k = decade - 1; k <= decade + 1; k++) {
    for (const m of MANTISSAS) {
      // 10^k with k < 0 as a division keeps 5e-9 exact where 5 × 1e-9 would round.
      const metres = k >= 0 ? m * 10 ** k : m / 10 ** -k;
      candidates.push({ metres, fraction: metres / imageMetres });
    }
  }
  const distance = (f: number) => Math.abs(Math.log(f / TARGET));
  const inBand = candidates.filter((c) => c.fraction >= BAND[0] && c.fraction <= BAND[1]);
  const pool = inBand.length > 0 ? inBand : candidates;
  const best = pool.reduce((a, b) => (distance(b.fraction) < distance(a.fraction) ? b : a));
  const shown = readable(best.metres, unit);
  return { value: shown.value, unit: shown.unit, label: `${shown.value} ${shown.unit}`, pixels: best.metres / metresPerPixel, fraction: best.fraction };
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where the burned bar goes in a picture of `width`×`height` output pixels (`scale` per image pixel). */
export interface BurnLayout {
  /** The dark backing box (bottom-right corner). */
  readonly box: Rect;
  /** The white bar: `round(bar.pixels × scale)` output pixels long. */
  readonly bar: Rect;
  /** The label's top-left corner and its font scale; absent when it cannot fit. */
  readonly label?: { readonly x: number; readonly y: number; readonly size: number };
}

/**
 * The layout of a burned scale bar, bottom-right: the label centred above the bar, both inside a
 * dark box with a margin from the edges. The font grows with the picture (one font pixel per 128
 * output pixels of width); the label is left out only when even the smallest font cannot fit.
 */
export function burnLayout(bar: ScaleBar, width: number, height: number, scale: number): BurnLayout {
  const length = Math.max(1, Math.round(bar.pixels * scale));
  const thickness = Math.max(2, Math.round(height / 64));
  const margin = Math.max(2, Math.round(width / 40));
  let size = Math.max(1, Math.floor(width / 128));
  while (size > 1 && textWidth(bar.label, size) + 2 * size + 2 * margin > width) size--;
  const labelWidth = textWidth(bar.label, size);
  const pad = Math.max(1, size);
  const fits = canDraw(bar.label) && labelWidth + 2 * pad + 2 * margin <= width && GLYPH_HEIGHT * size + thickness + 3 * pad + 2 * margin <= height;
  const inner = Math.max(length, fits ? labelWidth : 0);
  const boxWidth = inner + 2 * pad;
  const boxHeight = thickness + 2 * pad + (fits ? GLYPH_HEIGHT * size + pad : 0);
  const box = { x: width - margin - boxWidth, y: height - margin - boxHeight, width: boxWidth, height: boxHeight };
  const barRect = { x: box.x + pad + (inner - length), y: box.y + boxHeight - pad - thickness, width: length, height: thickness };
  if (!fits) return { box, bar: barRect };
  // The label is centred over the bar, but never leaves the box.
  const centred = barRect.x + Math.round((length - labelWidth) / 2);
  const labelX = Math.min(Math.max(centred, box.x + pad), box.x + pad + inner - labelWidth);
  return { box, bar: barRect, label: { x: labelX, y: box.y + pad, size } };
}

const BOX_COLOR = [0, 0, 0] as const;
const BOX_ALPHA = 0.6;
const INK = [255, 255, 255] as const;

/** The picture with its scale bar burned in (a new image; `scale`: output pixels per image pixel). */
export function burnScaleBar(image: RgbaImage, bar: ScaleBar, scale: number): RgbaImage {
  const out: RgbaImage = { width: image.width, height: image.height, data: image.data.slice() };
  const layout = burnLayout(bar, image.width, image.height, scale);
  const { box, bar: b, label } = layout;
  fillRect(out, box.x, box.y, box.width, box.height, BOX_COLOR, BOX_ALPHA);
  fillRect(out, b.x, b.y, b.width, b.height, INK);
  if (label) drawText(out, bar.label, label.x, label.y, INK, label.size);
  return out;
}

/** The scale bar for a picture of `width` × `height` values, when the calibration belongs to that grid. */
export function scaleBarFor(calibration: SpatialCalibration | undefined, width: number, height: number): ScaleBar | undefined {
  if (!calibration || calibration.width !== width || calibration.height !== height) return undefined;
  return chooseScaleBar(calibration);
}

/**
 * An <svg> drawn over a picture of width × height image pixels (viewBox in those pixels, so it
 * scales with the picture): a translucent box, a white bar and its label, bottom-right.
 */
export function scaleBarSvg(bar: ScaleBar, width: number, height: number): string {
  // A tenth of the picture's longer side (readable at the reports' 96–200 px), never over a third of its height.
  const font = Math.min(Math.max(width, height) * 0.1, height * 0.3);
  const thickness = Math.max(height / 40, font / 5);
  const margin = width * 0.03;
  const pad = font * 0.3;
  const labelWidth = font * 0.62 * [...bar.label].length;
  const inner = Math.max(bar.pixels, labelWidth);
  const boxWidth = inner + 2 * pad;
  const boxHeight = font + thickness + 3 * pad;
  const x = width - margin - boxWidth;
  const y = height - margin - boxHeight;
  const barX = x + pad + (inner - bar.pixels);
  // The label is centred over the bar but stays inside the box when it is the wider of the two.
  const labelX = Math.min(Math.max(barX + bar.pixels / 2, x + pad + labelWidth / 2), x + pad + inner - labelWidth / 2);
  const f = (v: number) => Number(v.toFixed(3));
  return (
    `<svg class="scalebar" viewBox="0 0 ${width} ${height}" role="img" aria-label="scale bar ${escapeHtml(bar.label)}">` +
    `<rect x="${f(x)}" y="${f(y)}" width="${f(boxWidth)}" height="${f(boxHeight)}" fill="#000" fill-opacity="0.6"/>` +
    `<rect class="bar" x="${f(barX)}" y="${f(y + boxHeight - pad - thickness)}" width="${f(bar.pixels)}" height="${f(thickness)}" fill="#fff"/>` +
    `<text x="${f(labelX)}" y="${f(y + pad + font * 0.85)}" font-size="${f(font)}" text-anchor="middle" fill="#fff">${escapeHtml(bar.label)}</text>` +
    '</svg>'
  );
}

/** An <img> (or any picture markup) with the scale bar over it; unchanged without a bar. */
export function withScaleBar(pictureHtml: string, bar: ScaleBar | undefined, width: number, height: number): string {
  return bar ? `<div class="scaled">${pictureHtml}${scaleBarSvg(bar, width, height)}</div>` : pictureHtml;
}

/** What a report says once when its input carries no pixel size (so the missing bar is not a bug). */
export const NO_PIXEL_SIZE = 'No pixel size in the input, so the pictures carry no scale bar.';

/** CSS for `withScaleBar`: the svg covers the picture exactly. */
export const SCALE_BAR_CSS = `
.scaled { position: relative; display: inline-block; max-width: 100%; line-height: 0; }
.scaled img { display: block; }
.scaled svg.scalebar { position: absolute; left: 0; top: 0; width: 100%; height: 100%; pointer-events: none;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
`;
