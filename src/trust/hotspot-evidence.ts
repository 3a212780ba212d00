/**
 * Is an outside-the-evidence hotspot necessary, sufficient, or neither? For the images of one class,
 * take the window where the attribution map is strongest outside the region of interest, at several
 * window sizes, and:
 * - necessity: erase it by its surroundings (hotspot-windows.ts) and measure the drop of the class's
 *   probability and the share of images that stop being predicted as the class;
 * - sufficiency: paste it into images of other classes and measure the probability shift toward the
 *   class (on all recipients, and on the quarter closest to the class: the lowest margins) and the
 *   share that flip to it.
 * Every number has a control: the same edit with a random outside-ROI window of the same size, so
 * "any edit there changes the output" is not mistaken for a shortcut. A small watermark beside
 * strong real evidence is rarely sufficient (flips ≈ 0) but often necessary; a bright artifact
 * against faint evidence is both.
 */
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows, shapeToString, softmaxRows, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Model } from '../models/model.js';
import { absPlanes, allowedWindows, eraseWindow, pasteWindow, strongestWindow, type Window } from './hotspot-windows.js';

export interface HotspotEvidenceOptions {
  targetClass: number;
  /** Window sides to scan (default 4, 8, 16 and a quarter of the image side, clipped to the image). */
  sizes?: readonly number[];
  /** Pixels by which the ROI is grown before windows touching it are excluded (default 1). */
  margin?: number;
  seed?: number;
}

export interface EditEffect {
  /** Mean change of the class's probability (after − before). */
  probabilityShift: number;
  /** Share of edited images whose prediction changed in the tested direction. */
  flipRate: number;
  images: number;
}

export interface ScaleEvidence {
  window: number;
  /** Sources that had an allowed window of this size. */
  sources: number;
  /** Mean share of each source's |attribution| inside its chosen window. */
  hotspotShare: number;
  necessity: { hotspot: EditEffect; control: EditEffect };
  sufficiency: { hotspot: EditEffect; control: EditEffect; lowMargin: { hotspot: EditEffect; control: EditEffect } };
  /** Median Chebyshev distance (px) from each chosen window to the nearest ROI pixel: small = hugging the ROI. */
  roiDistance: number;
  /** Share of chosen windows within ±1 px of the most common position: near 1 = a fixed place (a mark, a label). */
  fixedPlace: number;
  /** Probability drop on erasing beyond the control's (≥ 0 when the hotspot matters more). */
  necessityExcess: number;
  /** Probability gain on pasting beyond the control's. */
  sufficiencyExcess: number;
  hotspots: Window[];
}

export interface HotspotEvidence {
  targetClass: number;
  scales: ScaleEvidence[];
  /** The most telling scale: the largest necessity or sufficiency excess. */
  best: ScaleEvidence | undefined;
}

function defaultSizes(h: number, w: number): number[] {
  const side = Math.min(h, w);
  return [...new Set([4, 8, 16, Math.round(side / 4)].filter((s) => s >= 2 && s <= side / 2))].sort((a, b) => a - b);
}

async function probabilities(model: Model, images: Float32Array, rows: number, shape: readonly number[], c: number): Promise<{ p: Float64Array; predicted: number[] }> {
  if (rows === 0) return { p: new Float64Array(0), predicted: [] };
  const logits = await model.forward(tensor([rows, ...shape], images.subarray(0, rows * shape.reduce((a, b) => a * b, 1))));
  const probs = softmaxRows(logits);
  const k = logits.shape[1];
  return { p: Float64Array.from({ length: rows }, (_, i) => probs.data[i * k + c]), predicted: argmaxRows(logits) };
}

function effect(before: Float64Array, after: Float64Array, flipped: (i: number) => boolean, rows: readonly number[]): EditEffect {
  if (rows.length === 0) return { probabilityShift: NaN, flipRate: NaN, images: 0 };
  let shift = 0;
  let flips = 0;
  for (const i of rows) {
    shift += after[i] - before[i];
    if (flipped(i)) flips++;
  }
  return { probabilityShift: shift / rows.length, flipRate: flips / rows.length, images: rows.length };
}

export async function hotspotEvidence(
  model: Model,
  input: { sources: Tensor; maps: Tensor; roi: Tensor; recipients: Tensor },
  options: HotspotEvidenceOptions,
): Promise<HotspotEvidence> {
  const { sources, maps, roi, recipients } = input;
  if (sources.shape.length !== 4) throw new Error(`hotspot sources must be [N, C, H, W]; got ${shapeToString(sources.shape)}`);
  const [n, c, h, w] = sources.shape;
  if (maps.shape.length !== 4 || maps.shape[0] !== n || maps.shape[2] !== h || maps.shape[3] !== w) throw new Error(`hotspot maps have shape ${shapeToString(maps.shape)}; they must be [${n}, C, ${h}, ${w}]`);
  if (roi.shape.join() !== [n, h, w].join()) throw new Error(`hotspot ROI masks have shape ${shapeToString(roi.shape)}; they must be [${n}, ${h}, ${w}]`);
  const target = options.targetClass;
  const imageShape = [c, h, w];
  const image = c * h * w;
  const plane = h * w;
  const planes = absPlanes(maps);
  const margin = options.margin ?? 1;
  const rng = new Random(options.seed ?? 0);
  const r = recipients.shape[0];

  const sourceBefore = await probabilities(model, sources.data, n, imageShape, target);
  const recipientBefore = await probabilities(model, recipients.data, r, imageShape, target);
  // Recipients not already predicted as the class; the lowest-margin quarter of them is the set
  // where a sub-threshold push toward the class shows first.
  const eligible = recipientBefore.predicted.map((p, j) => (p === target ? -1 : j)).filter((j) => j >= 0);
  const byMargin = [...eligible].sort((a, b) => recipientBefore.p[b] - recipientBefore.p[a]);
  const lowMarginSet = new Set(byMargin.slice(0, Math.max(1, Math.ceil(byMargin.length / 4))));

  const scales: ScaleEvidence[] = [];
  for (const size of options.sizes ?? defaultSizes(h, w)) {
    if (!Number.isInteger(size) || size < 1 || size > Math.min(h, w)) throw new Error(`hotspot window must be an integer in 1..${Math.min(h, w)} (got ${size})`);
    const used: number[] = [];
    const hotspots: Window[] = [];
    const controls: Window[] = [];
    let share = 0;
    const erasedHot = new Float32Array(n * image);
    const erasedControl = new Float32Array(n * image);
    for (let i = 0; i < n; i++) {
      const windows = allowedWindows(roi.data.subarray(i * plane, (i + 1) * plane), h, w, size, margin);
      if (windows.length === 0) continue;
      const { window, sum } = strongestWindow(planes[i], w, windows, size);
      const control = windows[rng.int(0, windows.length)];
      const total = planes[i].reduce((a, b) => a + b, 0);
      share += total > 0 ? sum / total : 0;
      const k = used.length;
      const src = sources.data.subarray(i * image, (i + 1) * image);
      erasedHot.set(src, k * image);
      erasedControl.set(src, k * image);
      eraseWindow(erasedHot, k * image, c, h, w, window, size);
      eraseWindow(erasedControl, k * image, c, h, w, control, size);
      used.push(i);
      hotspots.push(window);
      controls.push(control);
    }
    const m = used.length;
    const before = Float64Array.from(used, (i) => sourceBefore.p[i]);
    const afterHot = await probabilities(model, erasedHot, m, imageShape, target);
    const afterControl = await probabilities(model, erasedControl, m, imageShape, target);
    const rows = Array.from({ length: m }, (_, k) => k);
    // Necessity counts sources that were predicted as the class and no longer are.
    const wasClass = (k: number) => sourceBefore.predicted[used[k]] === target;
    const necessityRows = rows.filter(wasClass);
    const necessity = {
      hotspot: effect(before, afterHot.p, (k) => afterHot.predicted[k] !== target, necessityRows),
      control: effect(before, afterControl.p, (k) => afterControl.predicted[k] !== target, necessityRows),
    };

    // Sufficiency: source k's windows pasted into eligible recipient k mod |eligible|.
    const pairs = m === 0 || eligible.length === 0 ? 0 : Math.max(m, Math.min(eligible.length, 4 * m));
    const pastedHot = new Float32Array(pairs * image);
    const pastedControl = new Float32Array(pairs * image);
    const recipientOf: number[] = [];
    for (let q = 0; q < pairs; q++) {
      const k = q % m;
      const j = eligible[q % eligible.length];
      const dst = recipients.data.subarray(j * image, (j + 1) * image);
      pastedHot.set(dst, q * image);
      pastedControl.set(dst, q * image);
      pasteWindow(pastedHot, q * image, sources.data, used[k] * image, c, h, w, hotspots[k], size);
      pasteWindow(pastedControl, q * image, sources.data, used[k] * image, c, h, w, controls[k], size);
      recipientOf.push(j);
    }
    const recBefore = Float64Array.from(recipientOf, (j) => recipientBefore.p[j]);
    const sufHot = await probabilities(model, pastedHot, pairs, imageShape, target);
    const sufControl = await probabilities(model, pastedControl, pairs, imageShape, target);
    const allPairs = Array.from({ length: pairs }, (_, q) => q);
    const lowPairs = allPairs.filter((q) => lowMarginSet.has(recipientOf[q]));
    const toClass = (pred: number[]) => (q: number) => pred[q] === target;
    const sufficiency = {
      hotspot: effect(recBefore, sufHot.p, toClass(sufHot.predicted), allPairs),
      control: effect(recBefore, sufControl.p, toClass(sufControl.predicted), allPairs),
      lowMargin: {
        hotspot: effect(recBefore, sufHot.p, toClass(sufHot.predicted), lowPairs),
        control: effect(recBefore, sufControl.p, toClass(sufControl.predicted), lowPairs),
      },
    };
    scales.push({
      window: size,
      sources: m,
      roiDistance: median(used.map((i, k) => distanceToRoi(roi.data.subarray(i * plane, (i + 1) * plane), h, w, hotspots[k], size))),
      fixedPlace: fixedPlaceShare(hotspots),
      hotspotShare: m ? share / m : NaN,
      necessity,
      sufficiency,
      necessityExcess: necessity.control.probabilityShift - necessity.hotspot.probabilityShift,
      sufficiencyExcess: sufficiency.hotspot.probabilityShift - sufficiency.control.probabilityShift,
      hotspots,
    });
  }
  const telling = (s: ScaleEvidence) => Math.max(Number.isFinite(s.necessityExcess) ? s.necessityExcess : -Infinity, Number.isFinite(s.sufficiencyExcess) ? s.sufficiencyExcess : -Infinity);
  const best = scales.filter((s) => s.sources > 0).sort((a, b) => telling(b) - telling(a))[0];
  return { targetClass: target, scales, best };
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Chebyshev distance from the window to the nearest ROI pixel (Infinity without an ROI). */
function distanceToRoi(mask: ArrayLike<number>, h: number, w: number, win: Window, size: number): number {
  let best = Infinity;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (mask[y * w + x] <= 0.5) continue;
      const dy = y < win.y ? win.y - y : y >= win.y + size ? y - (win.y + size - 1) : 0;
      const dx = x < win.x ? win.x - x : x >= win.x + size ? x - (win.x + size - 1) : 0;
      best = Math.min(best, Math.max(dx, dy));
    }
  }
  return best;
}

function fixedPlaceShare(windows: readonly Window[]): number {
  if (windows.length === 0) return NaN;
  let best = 0;
  for (const a of windows) {
    let near = 0;
    for (const b of windows) if (Math.abs(a.y - b.y) <= 1 && Math.abs(a.x - b.x) <= 1) near++;
    best = Math.max(best, near);
  }
  return best / windows.length;
}
