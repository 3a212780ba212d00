/**
 * The shortcut test for a regressor: does a patch outside the region of interest (ROI) move the
 * output? For images whose real evidence lies in a known ROI, take the window where the attribution
 * of one output is strongest outside the ROI, at several window sizes, and:
 * - transplant: paste it into another image and measure |Δ output| (is the patch sufficient to move
 *   the prediction?);
 * - erase: replace it by its surroundings (hotspot-windows.ts) and measure |Δ output| (does the
 *   prediction need it?).
 * Shifts are absolute (pasting a bright corner into a darker-cornered image raises the output, into
 * a brighter one lowers it: the signed mean over pairs cancels). Each number has a control: the
 * same edit with a random outside-ROI window of the same size, so "any edit there moves the output"
 * is not mistaken for a shortcut. The same edits as the classification test (hotspot-evidence.ts),
 * measured on the output instead of a class probability.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Model } from '../models/model.js';
import { absPlanes, allowedWindows, eraseWindow, pasteWindow, strongestWindow, type Window } from './hotspot-windows.js';

export interface OutputShiftOptions {
  /** The output whose attribution chose the windows and whose shift is measured. */
  output: number;
  /** Window sides (default 4, 8, 16 and a quarter of the side, at most half the side). */
  sizes?: readonly number[];
  /** Pixels by which the ROI is grown before windows touching it are excluded (default 1). */
  margin?: number;
  seed?: number;
}

export interface ShiftPair {
  /** Mean |Δ output| with the strongest outside window. */
  hotspot: number;
  /** The same with a random outside window (the control). */
  control: number;
}

export interface ScaleShift {
  window: number;
  /** Sources with an allowed window of this size (the edits made). */
  images: number;
  /** Mean share of each source's |attribution| inside its chosen window. */
  hotspotShare: number;
  paste: ShiftPair;
  erase: ShiftPair;
  hotspots: Window[];
}

export interface OutputShiftResult {
  output: number;
  /** Mean share of |attribution| inside the ROI. */
  roiShare: number;
  scales: ScaleShift[];
}

function defaultSizes(h: number, w: number): number[] {
  const side = Math.min(h, w);
  return [...new Set([4, 8, 16, Math.round(side / 4)].filter((s) => s >= 2 && s <= side / 2))].sort((a, b) => a - b);
}

async function outputOf(model: Model, data: Float32Array, rows: number, shape: readonly number[], k: number): Promise<Float64Array> {
  if (rows === 0) return new Float64Array(0);
  const y = await model.forward(tensor([rows, ...shape], data.subarray(0, rows * shape.reduce((a, b) => a * b, 1))));
  const K = y.shape[1];
  return Float64Array.from({ length: rows }, (_, i) => y.data[i * K + k]);
}

function meanAbsDiff(after: Float64Array, before: (i: number) => number): number {
  if (after.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < after.length; i++) s += Math.abs(after[i] - before(i));
  return s / after.length;
}

/**
 * Sources [N, C, H, W] with their maps (of `output`) and ROI masks [N, H, W]; each source's window
 * is pasted into the next source (i → i + 1, cyclically), so every image is edited once either way.
 */
export async function hotspotOutputShift(model: Model, input: { sources: Tensor; maps: Tensor; roi: Tensor }, options: OutputShiftOptions): Promise<OutputShiftResult> {
  const { sources, maps, roi } = input;
  if (sources.shape.length !== 4) throw new Error(`hotspot sources must be [N, C, H, W]; got ${shapeToString(sources.shape)}`);
  const [n, c, h, w] = sources.shape;
  if (n < 2) throw new Error('the output-shift test pastes between images: give at least 2 sources');
  if (maps.shape.length !== 4 || maps.shape[0] !== n || maps.shape[2] !== h || maps.shape[3] !== w) throw new Error(`hotspot maps have shape ${shapeToString(maps.shape)}; they must be [${n}, C, ${h}, ${w}]`);
  if (roi.shape.join() !== [n, h, w].join()) throw new Error(`hotspot ROI masks have shape ${shapeToString(roi.shape)}; they must be [${n}, ${h}, ${w}]`);
  const k = options.output;
  const shape = [c, h, w];
  const image = c * h * w;
  const plane = h * w;
  const planes = absPlanes(maps);
  const rng = new Random(options.seed ?? 0);
  const before = await outputOf(model, sources.data, n, shape, k);

  let roiShare = 0;
  for (let i = 0; i < n; i++) {
    let inside = 0;
    let total = 0;
    for (let p = 0; p < plane; p++) {
      total += planes[i][p];
      if (roi.data[i * plane + p] > 0.5) inside += planes[i][p];
    }
    roiShare += total > 0 ? inside / total : 0;
  }

  const scales: ScaleShift[] = [];
  for (const size of options.sizes ?? defaultSizes(h, w)) {
    if (!Number.isInteger(size) || size < 1 || size > Math.min(h, w)) throw new Error(`hotspot window must be an integer in 1..${Math.min(h, w)} (got ${size})`);
    const edited = { pasteHot: new Float32Array(n * image), pasteControl: new Float32Array(n * image), eraseHot: new Float32Array(n * image), eraseControl: new Float32Array(n * image) };
    const recipientOf: number[] = [];
    const sourceOf: number[] = [];
    const hotspots: Window[] = [];
    let share = 0;
    for (let i = 0; i < n; i++) {
      const windows = allowedWindows(roi.data.subarray(i * plane, (i + 1) * plane), h, w, size, options.margin ?? 1);
      if (windows.length === 0) continue;
      const { window, sum } = strongestWindow(planes[i], w, windows, size);
      const control = windows[rng.int(0, windows.length)];
      const total = planes[i].reduce((a, b) => a + b, 0);
      share += total > 0 ? sum / total : 0;
      const j = (i + 1) % n;
      const row = sourceOf.length;
      const src = sources.data.subarray(i * image, (i + 1) * image);
      const rec = sources.data.subarray(j * image, (j + 1) * image);
      edited.pasteHot.set(rec, row * image);
      edited.pasteControl.set(rec, row * image);
      pasteWindow(edited.pasteHot, row * image, sources.data, i * image, c, h, w, window, size);
      pasteWindow(edited.pasteControl, row * image, sources.data, i * image, c, h, w, control, size);
      edited.eraseHot.set(src, row * image);
      edited.eraseControl.set(src, row * image);
      eraseWindow(edited.eraseHot, row * image, c, h, w, window, size);
      eraseWindow(edited.eraseControl, row * image, c, h, w, control, size);
      sourceOf.push(i);
      recipientOf.push(j);
      hotspots.push(window);
    }
    const rows = sourceOf.length;
    const shift = async (data: Float32Array, base: readonly number[]) => meanAbsDiff(await outputOf(model, data, rows, shape, k), (r) => before[base[r]]);
    scales.push({
      window: size,
      images: rows,
      hotspotShare: rows ? share / rows : NaN,
      paste: { hotspot: await shift(edited.pasteHot, recipientOf), control: await shift(edited.pasteControl, recipientOf) },
      erase: { hotspot: await shift(edited.eraseHot, sourceOf), control: await shift(edited.eraseControl, sourceOf) },
      hotspots,
    });
  }
  return { output: k, roiShare: roiShare / n, scales };
}
