/**
 * Hotspot transplant: an automated shortcut test. For images of a class whose real evidence lies in
 * a known region of interest (ROI), find where the attribution map is strongest *outside* that
 * region, copy that window of pixels into images of other classes, and count how often the model
 * now predicts the class. If a patch from outside the real evidence flips predictions, the model
 * relies on something other than the evidence: a shortcut. A control pastes a random window from
 * outside the ROI instead, so "any paste flips it" is not mistaken for a shortcut.
 */
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows, shapeToString, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Model } from '../models/model.js';
import { absPlanes, allowedWindows, pasteWindow, strongestWindow, type Window } from './hotspot-windows.js';

export type { Window } from './hotspot-windows.js';

export interface TransplantOptions {
  /** The class the sources show (the one a shortcut would fake). */
  targetClass: number;
  /**
   * Side of the square window that is transplanted (default a quarter of the image side: on the demo
   * a 6×6 artifact flips 61% of recipients with a 4×4 window and 100% with 6×6 or 8×8).
   */
  window?: number;
  /** Pixels by which the ROI is grown before windows touching it are excluded (default 1). */
  margin?: number;
  seed?: number;
}

export interface TransplantResult {
  targetClass: number;
  window: number;
  /** Share of recipients (not predicted as the class before) predicted as the class after the paste. */
  flipRate: number;
  /** The same for a random window outside the ROI of the same source. */
  controlFlipRate: number;
  /** Mean share of each source's |attribution| that falls in its chosen window. */
  hotspotShare: number;
  /** Mean share of |attribution| outside the ROI. */
  outsideShare: number;
  /** Recipients tested (pairs of source and recipient). */
  pairs: number;
  /** Chosen window per source (top-left corner). */
  hotspots: Window[];
}

export async function hotspotTransplant(
  model: Model,
  input: {
    /** Images of the target class, [N, C, H, W]. */
    sources: Tensor;
    /** Their attribution maps, same shape (or one channel). */
    maps: Tensor;
    /** Their regions of interest, [N, H, W] (1 = real evidence). */
    roi: Tensor;
    /** Images of other classes to paste into, [R, C, H, W]. */
    recipients: Tensor;
  },
  options: TransplantOptions,
): Promise<TransplantResult> {
  const { sources, maps, roi, recipients } = input;
  if (sources.shape.length !== 4) throw new Error(`transplant sources must be [N, C, H, W]; got ${shapeToString(sources.shape)}`);
  const [n, c, h, w] = sources.shape;
  if (maps.shape.length !== 4 || maps.shape[0] !== n || maps.shape[2] !== h || maps.shape[3] !== w) {
    throw new Error(`transplant maps have shape ${shapeToString(maps.shape)}; they must be [${n}, C, ${h}, ${w}] like the sources`);
  }
  if (roi.shape.join() !== [n, h, w].join()) throw new Error(`transplant ROI masks have shape ${shapeToString(roi.shape)}; they must be [${n}, ${h}, ${w}]`);
  if (recipients.shape.length !== 4 || recipients.shape.slice(1).join() !== [c, h, w].join()) {
    throw new Error(`transplant recipients have shape ${shapeToString(recipients.shape)}; they must be [R, ${c}, ${h}, ${w}]`);
  }
  const size = options.window ?? Math.max(2, Math.round(Math.min(h, w) / 4));
  const margin = options.margin ?? 1;
  if (!Number.isInteger(size) || size < 1 || size > Math.min(h, w)) throw new Error(`transplant window must be an integer in 1..${Math.min(h, w)} (got ${size})`);
  const before = argmaxRows(await model.forward(recipients));
  const eligible = before.map((p, j) => (p === options.targetClass ? -1 : j)).filter((j) => j >= 0);
  const rng = new Random(options.seed ?? 0);
  const planes = absPlanes(maps);
  const plane = h * w;
  const image = c * plane;
  const hotspots: Window[] = [];
  let hotspotShare = 0;
  let outsideShare = 0;
  const pasted: number[] = [];
  const outHot = new Float32Array(n * image);
  const outControl = new Float32Array(n * image);
  for (let i = 0; i < n; i++) {
    const m = planes[i];
    const mask = roi.data.subarray(i * plane, (i + 1) * plane);
    const total = m.reduce((a, b) => a + b, 0);
    let outside = 0;
    for (let p = 0; p < plane; p++) if (mask[p] <= 0.5) outside += m[p];
    outsideShare += total > 0 ? outside / total : 0;
    const windows = allowedWindows(mask, h, w, size, margin);
    if (windows.length === 0 || eligible.length === 0) continue;
    const { window: best, sum: bestSum } = strongestWindow(m, w, windows, size);
    hotspots.push(best);
    hotspotShare += total > 0 ? bestSum / total : 0;
    const j = eligible[i % eligible.length];
    const k = pasted.length;
    outHot.set(recipients.data.subarray(j * image, (j + 1) * image), k * image);
    outControl.set(recipients.data.subarray(j * image, (j + 1) * image), k * image);
    pasteWindow(outHot, k * image, sources.data, i * image, c, h, w, best, size);
    pasteWindow(outControl, k * image, sources.data, i * image, c, h, w, windows[rng.int(0, windows.length)], size);
    pasted.push(j);
  }
  const pairs = pasted.length;
  const rate = async (data: Float32Array) => {
    if (pairs === 0) return NaN;
    const predicted = argmaxRows(await model.forward(tensor([pairs, c, h, w], data.subarray(0, pairs * image))));
    return predicted.filter((p) => p === options.targetClass).length / pairs;
  };
  return {
    targetClass: options.targetClass,
    window: size,
    flipRate: await rate(outHot),
    controlFlipRate: await rate(outControl),
    hotspotShare: hotspots.length ? hotspotShare / hotspots.length : NaN,
    outsideShare: n ? outsideShare / n : NaN,
    pairs,
    hotspots,
  };
}
