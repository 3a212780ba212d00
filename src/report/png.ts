/**
 * Pictures of images and attribution maps as PNG bytes: greyscale micrographs, colour heatmaps,
 * heatmap-over-image overlays with optional region outlines, nearest-neighbour upscaling (32×32
 * maps are unreadable at 1:1, and smoothing would invent structure the model never saw), and data
 * URIs so the HTML report stays a single self-contained file.
 *
 * Shapes: images and maps are [H, W] or [C, H, W] (leading dimensions of size 1 are dropped).
 * - Images with C = 3 whose finite values all lie in [0, 1] are shown as RGB; any other C shows the
 *   channel mean as grey.
 * - Maps with C > 1 are collapsed to the sum of |values| over channels (attribution magnitude per
 *   pixel, the usual convention for colour inputs); a single-channel map keeps its sign.
 */
import { encode } from 'fast-png';
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString } from '../tensor/tensor.js';
import {
  applyColormap,
  checkRange,
  colormapLut,
  finiteRange,
  normalise,
  parseCssColor,
  type ColormapName,
  type Range,
} from './colormap.js';
import { burnScaleBar, type ScaleBar } from './scale-bar.js';

/** RGBA pixels (4 bytes each, row-major) with their size. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface RenderOptions {
  /** Integer nearest-neighbour upscaling factor; 1 (default) keeps one PNG pixel per value. */
  scale?: number;
  /** A scale bar burned in bottom-right (scale-bar.ts: chooseScaleBar / scaleBarFor). */
  scaleBar?: ScaleBar;
}

export interface GreyscaleOptions extends RenderOptions {
  /** Values mapped to black and white; default [min, max] of the finite values (RGB images: [0, 1]). */
  range?: Range;
}

export interface HeatmapOptions extends RenderOptions {
  colormap?: ColormapName;
  /** Values mapped to the ends of the colormap; default [min, max] of the finite values. */
  range?: Range;
}

export type Rgb = readonly [number, number, number];

/** A region drawn as a 1-pixel outline (at the output resolution) around mask > 0.5. */
export interface Outline {
  mask: Tensor;
  color: Rgb | string;
}

export interface OverlayOptions extends RenderOptions {
  /** Opacity of the heatmap where the map is strongest; weaker pixels blend proportionally less. */
  alpha?: number;
  colormap?: ColormapName;
  /** Map values mapped to 0 and full strength; default [0, max |value|]. */
  range?: Range;
  /**
   * A signed map (use a diverging colormap): the colour comes from the value's place in
   * [−peak, peak] (peak = max |range| or max |value|), the blend weight from |value| / peak, so
   * negative and positive evidence keep their colours and zero leaves the image untouched.
   */
  signed?: boolean;
  /** Grey range of the underlying image (see GreyscaleOptions.range). */
  imageRange?: Range;
  outlines?: readonly Outline[];
}

export function encodePng(rgba: Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`encodePng: width and height must be positive integers, got ${width}×${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new Error(`encodePng: ${width}×${height} RGBA needs ${width * height * 4} bytes, got ${rgba.length}`);
  }
  return encode({ width, height, data: rgba, channels: 4, depth: 8 });
}

/** 'data:image/png;base64,…' — works in Node (Buffer) and in the browser (btoa). */
export function pngDataUri(bytes: Uint8Array): string {
  return `data:image/png;base64,${toBase64(bytes)}`;
}

function toBase64(bytes: Uint8Array): string {
  const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  // Chunked so String.fromCharCode never receives more arguments than the engine allows.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function upscaleNearest(image: RgbaImage, scale: number): RgbaImage {
  checkScale(scale);
  if (scale === 1) return image;
  const { width, height, data } = image;
  const w = width * scale;
  const out = new Uint8Array(w * height * scale * 4);
  const line = new Uint8Array(w * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = data.subarray(4 * (y * width + x), 4 * (y * width + x) + 4);
      for (let k = 0; k < scale; k++) line.set(src, 4 * (x * scale + k));
    }
    for (let k = 0; k < scale; k++) out.set(line, 4 * w * (y * scale + k));
  }
  return { width: w, height: height * scale, data: out };
}

function checkScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) {
    throw new Error(`scale must be an integer between 1 and 64, got ${scale}`);
  }
}

interface Planes {
  channels: number;
  height: number;
  width: number;
  data: Float32Array;
}

function planes(t: Tensor, who: string): Planes {
  let shape = [...t.shape];
  while (shape.length > 3 && shape[0] === 1) shape = shape.slice(1);
  if (shape.length === 2) shape = [1, ...shape];
  if (shape.length !== 3 || shape.some((d) => d <= 0)) {
    throw new Error(`${who}: expected an [H, W] or [C, H, W] tensor, got ${shapeToString(t.shape)}`);
  }
  const [channels, height, width] = shape;
  return { channels, height, width, data: t.data };
}

function isUnitRgb(p: Planes): boolean {
  if (p.channels !== 3) return false;
  for (let i = 0; i < p.data.length; i++) {
    const v = p.data[i];
    if (v < 0 || v > 1) return false;
  }
  return true;
}

function channelMean(p: Planes): Float32Array {
  if (p.channels === 1) return p.data;
  const n = p.height * p.width;
  const out = new Float32Array(n);
  for (let c = 0; c < p.channels; c++) for (let i = 0; i < n; i++) out[i] += p.data[c * n + i];
  for (let i = 0; i < n; i++) out[i] /= p.channels;
  return out;
}

/** One value per pixel: a single-channel map as is, otherwise Σ_c |value|. */
export function collapseMap(map: Tensor): { height: number; width: number; values: Float32Array } {
  const p = planes(map, 'map');
  const n = p.height * p.width;
  if (p.channels === 1) return { height: p.height, width: p.width, values: p.data };
  const values = new Float32Array(n);
  for (let c = 0; c < p.channels; c++) for (let i = 0; i < n; i++) values[i] += Math.abs(p.data[c * n + i]);
  return { height: p.height, width: p.width, values };
}

/** The image as RGBA at 1:1: grey (channel mean) or RGB, NaN pixels transparent. */
export function greyscaleRgba(img: Tensor, range?: Range): RgbaImage {
  if (range) checkRange(range, 'greyscale');
  const p = planes(img, 'image');
  const { width, height } = p;
  if (!isUnitRgb(p)) {
    return { width, height, data: applyColormap(channelMean(p), colormapLut('gray'), range) };
  }
  const [lo, hi] = range ?? [0, 1];
  const n = width * height;
  const data = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    let nan = false;
    for (let c = 0; c < 3; c++) {
      const t = normalise(p.data[c * n + i], lo, hi);
      if (Number.isNaN(t)) nan = true;
      else data[4 * i + c] = Math.round(t * 255);
    }
    data[4 * i + 3] = nan ? 0 : 255;
  }
  return { width, height, data };
}

export function heatmapRgba(map: Tensor, colormap: ColormapName = 'inferno', range?: Range): RgbaImage {
  const { width, height, values } = collapseMap(map);
  return { width, height, data: applyColormap(values, colormapLut(colormap), range) };
}

/**
 * Heatmap blended over the image at 1:1. Each pixel's blend weight is alpha × its normalised
 * strength, so an all-zero map leaves the image untouched and only the attributed pixels light up.
 * The result is opaque (NaN image pixels show as black).
 */
export function overlayRgba(image: Tensor, map: Tensor, options: OverlayOptions = {}): RgbaImage {
  const { alpha = 0.5, colormap = 'inferno', range, imageRange } = options;
  if (!(alpha >= 0 && alpha <= 1)) throw new Error(`overlay: alpha must be in [0, 1], got ${alpha}`);
  if (range) checkRange(range, 'overlay');
  const base = greyscaleRgba(image, imageRange);
  const m = collapseMap(map);
  if (m.width !== base.width || m.height !== base.height) {
    throw new Error(`overlay: image is ${base.height}×${base.width} but map is ${m.height}×${m.width}`);
  }
  const lut = colormapLut(colormap);
  const strength = options.signed ? signedStrength(m.values, range) : mapStrength(m.values, range);
  const out = new Uint8Array(base.data.length);
  for (let i = 0; i < strength.length; i++) {
    const t = strength[i];
    const w = alpha * Math.abs(t);
    // Signed strengths in [−1, 1] pick the colour from the whole diverging map.
    const k = 3 * Math.round((options.signed ? (t + 1) / 2 : t) * 255);
    for (let c = 0; c < 3; c++) {
      out[4 * i + c] = Math.round((1 - w) * base.data[4 * i + c] + w * lut[k + c]);
    }
    out[4 * i + 3] = 255;
  }
  return { width: base.width, height: base.height, data: out };
}

/** Per-pixel signed strength in [−1, 1]: v / peak, peak = max |range| or max |v| (a zero map stays zero), NaN → 0. */
function signedStrength(values: Float32Array, range?: Range): Float32Array {
  const [lo, hi] = range ?? finiteRange(values);
  const peak = Math.max(Math.abs(lo), Math.abs(hi));
  const out = new Float32Array(values.length);
  if (peak === 0) return out;
  for (let i = 0; i < values.length; i++) {
    const t = values[i] / peak;
    out[i] = Number.isNaN(t) ? 0 : Math.max(-1, Math.min(1, t));
  }
  return out;
}

/** Per-pixel strength in [0, 1]: |v| / max|v| by default (a zero map stays zero), NaN → 0. */
function mapStrength(values: Float32Array, range?: Range): Float32Array {
  const out = new Float32Array(values.length);
  if (range) {
    for (let i = 0; i < values.length; i++) out[i] = normalise(values[i], range[0], range[1]) || 0;
    return out;
  }
  const [lo, hi] = finiteRange(values);
  const peak = Math.max(Math.abs(lo), Math.abs(hi));
  if (peak === 0) return out;
  for (let i = 0; i < values.length; i++) {
    const t = Math.abs(values[i]) / peak;
    out[i] = Number.isNaN(t) ? 0 : Math.min(1, t);
  }
  return out;
}

/**
 * Draws the boundary of mask > 0.5 onto an image that may already be upscaled from the mask's
 * resolution: an output pixel is on the outline if it is inside and one of its 4-neighbours (at
 * output resolution) is outside or off the image, so the line stays 1 pixel wide at any scale.
 */
export function drawOutline(image: RgbaImage, mask: Tensor, color: Rgb | string): RgbaImage {
  const m = planes(mask, 'mask');
  if (m.channels !== 1) throw new Error(`outline: mask must have one channel, got ${shapeToString(mask.shape)}`);
  const scale = image.width / m.width;
  if (!Number.isInteger(scale) || image.height !== m.height * scale) {
    throw new Error(`outline: mask is ${m.height}×${m.width}, which does not tile an image of ${image.height}×${image.width}`);
  }
  const rgb = typeof color === 'string' ? parseCssColor(color) : color;
  const inside = (x: number, y: number): boolean =>
    x >= 0 && y >= 0 && x < image.width && y < image.height && m.data[Math.floor(y / scale) * m.width + Math.floor(x / scale)] > 0.5;
  const data = image.data.slice();
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (!inside(x, y)) continue;
      if (inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1)) continue;
      const o = 4 * (y * image.width + x);
      data[o] = rgb[0];
      data[o + 1] = rgb[1];
      data[o + 2] = rgb[2];
      data[o + 3] = 255;
    }
  }
  return { width: image.width, height: image.height, data };
}

function toPng(image: RgbaImage, scale = 1, scaleBar?: ScaleBar): Uint8Array {
  let big = upscaleNearest(image, scale);
  if (scaleBar) big = burnScaleBar(big, scaleBar, scale);
  return encodePng(big.data, big.width, big.height);
}

/** Accepts greyscalePng(img, range) as well as greyscalePng(img, { range, scale }). */
export function greyscalePng(img: Tensor, rangeOrOptions?: Range | GreyscaleOptions): Uint8Array {
  const options: GreyscaleOptions = isRange(rangeOrOptions) ? { range: rangeOrOptions } : (rangeOrOptions ?? {});
  return toPng(greyscaleRgba(img, options.range), options.scale, options.scaleBar);
}

/** Accepts heatmapPng(map, 'viridis', range) as well as heatmapPng(map, { colormap, range, scale }). */
export function heatmapPng(map: Tensor, colormapOrOptions: ColormapName | HeatmapOptions = 'inferno', range?: Range): Uint8Array {
  const options: HeatmapOptions =
    typeof colormapOrOptions === 'string' ? { colormap: colormapOrOptions, range } : { range, ...colormapOrOptions };
  return toPng(heatmapRgba(map, options.colormap, options.range), options.scale, options.scaleBar);
}

export function overlayPng(image: Tensor, map: Tensor, options: OverlayOptions = {}): Uint8Array {
  let rgba = upscaleNearest(overlayRgba(image, map, options), options.scale ?? 1);
  for (const { mask, color } of options.outlines ?? []) rgba = drawOutline(rgba, mask, color);
  // Last, so no outline or heatmap covers the bar.
  if (options.scaleBar) rgba = burnScaleBar(rgba, options.scaleBar, options.scale ?? 1);
  return encodePng(rgba.data, rgba.width, rgba.height);
}

function isRange(x: unknown): x is Range {
  return Array.isArray(x);
}
