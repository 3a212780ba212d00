/**
 * Occlusion (Zeiler & Fergus 2014) with Captum's semantics: a window slides over the image with
 * the given stride (over all channels); each placement replaces the window with the baseline; the
 * drop of the target output is credited to every pixel in the window, and each pixel's credit is
 * averaged over the placements that covered it. Placements per axis are ceil((size − window) /
 * stride) + 1, the last one clipped at the border, so every pixel is covered (strides longer than the
 * window are refused: they would leave pixels that no placement covers).
 */
import type { Tensor } from '../tensor/tensor.js';
import { reshape, shapeToString, tensor } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import type { Attribution, Explainer, ExplainOptions } from './explainer.js';
import { resolveTarget, weightedOutput } from './explainer.js';

export interface OcclusionOptions extends ExplainOptions {
  /** Window height and width (default 4×4). */
  window?: number | readonly [number, number];
  /** Step between placements (default 1). */
  stride?: number | readonly [number, number];
  /** What the window is replaced with: a value, or a tensor of the inputs' shape (Captum's default: 0). */
  baseline?: number | Tensor;
}

function pair(v: number | readonly [number, number] | undefined, fallback: number): [number, number] {
  if (v === undefined) return [fallback, fallback];
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Window origins along one axis, Captum's count with the last placement clipped. */
export function windowStarts(size: number, window: number, stride: number): number[] {
  const count = Math.ceil((size - window) / stride) + 1;
  return Array.from({ length: count }, (_, i) => i * stride);
}

export const occlusion: Explainer<OcclusionOptions> = {
  name: 'occlusion',
  description: 'occlusion: output drop when a window is replaced by the baseline, averaged per pixel (window 4, stride 1, baseline 0)',
  async attribute(model, inputs, options = {}) {
    if (inputs.shape.length === 2) return occludeTable(model, inputs, options);
    if (inputs.shape.length !== 4) throw new Error(`occlusion needs image inputs [N, C, H, W] or a table [N, F]; got ${inputs.shape.length}-D`);
    const [n, c, h, w] = inputs.shape;
    const [wh, ww] = pair(options.window, 4);
    const [sh, sw] = pair(options.stride, 1);
    const baseline = options.baseline ?? 0;
    if (typeof baseline !== 'number' && baseline.shape.join() !== inputs.shape.join()) {
      throw new Error(`occlusion baseline has shape ${shapeToString(baseline.shape)}; it must be a number or match the inputs ${shapeToString(inputs.shape)}`);
    }
    if (wh < 1 || ww < 1 || wh > h || ww > w) throw new Error(`occlusion window ${wh}×${ww} does not fit a ${h}×${w} image`);
    if (sh < 1 || sw < 1) throw new Error(`occlusion stride must be ≥ 1 (got ${sh}×${sw})`);
    // A stride longer than the window skips pixels, whose average over no placements would be 0/0.
    if (sh > wh || sw > ww) throw new Error(`occlusion stride ${sh}×${sw} is larger than the window ${wh}×${ww} and would leave pixels uncovered; use a stride ≤ the window`);
    const { cotangent, classes } = await resolveTarget(model, inputs, options.target);
    const base = weightedOutput(await model.forward(inputs), cotangent);

    const ys = windowStarts(h, wh, sh);
    const xs = windowStarts(w, ww, sw);
    const placements = ys.flatMap((y) => xs.map((x) => [y, x] as const));
    const plane = h * w;
    const image = c * plane;
    const total = new Float64Array(n * image);
    const counts = new Float64Array(plane);
    for (const [y0, x0] of placements) {
      for (let y = y0; y < Math.min(h, y0 + wh); y++) for (let x = x0; x < Math.min(w, x0 + ww); x++) counts[y * w + x]++;
    }
    // Perturbed copies go to the model in chunks; the model splits them further by its own batch size.
    const chunk = Math.max(1, options.internalBatchSize ?? 256);
    const jobs: { img: number; p: number }[] = [];
    for (let i = 0; i < n; i++) for (let p = 0; p < placements.length; p++) jobs.push({ img: i, p });
    for (let start = 0; start < jobs.length; start += chunk) {
      const part = jobs.slice(start, start + chunk);
      const batch = new Float32Array(part.length * image);
      part.forEach(({ img, p }, r) => {
        const dst = batch.subarray(r * image, (r + 1) * image);
        dst.set(inputs.data.subarray(img * image, (img + 1) * image));
        const [y0, x0] = placements[p];
        for (let ch = 0; ch < c; ch++)
          for (let y = y0; y < Math.min(h, y0 + wh); y++) {
            const from = ch * plane + y * w + x0;
            const to = ch * plane + y * w + Math.min(w, x0 + ww);
            if (typeof baseline === 'number') dst.fill(baseline, from, to);
            else dst.set(baseline.data.subarray(img * image + from, img * image + to), from);
          }
      });
      const out = await model.forward(tensor([part.length, c, h, w], batch));
      const scores = weightedOutput(out, cotangent, (r) => part[r].img);
      part.forEach(({ img, p }, r) => {
        const drop = base[img] - scores[r];
        const [y0, x0] = placements[p];
        for (let ch = 0; ch < c; ch++)
          for (let y = y0; y < Math.min(h, y0 + wh); y++)
            for (let x = x0; x < Math.min(w, x0 + ww); x++) total[img * image + ch * plane + y * w + x] += drop;
      });
    }
    const values = new Float32Array(n * image);
    for (let i = 0; i < n * image; i++) values[i] = total[i] / counts[i % plane];
    return { method: 'occlusion', values: tensor(inputs.shape, values), targets: classes, extras: { placements: placements.length } };
  },
};

/**
 * Tables [N, F]: the same sliding window over the feature axis (Captum's sliding_window_shapes =
 * (w,) on a 1-D input; default window 1, so each feature is occluded alone), computed as a 1×F image.
 */
async function occludeTable(model: Model, inputs: Tensor, options: OcclusionOptions): Promise<Attribution> {
  const [n, f] = inputs.shape;
  const axis = (v: number | readonly [number, number] | undefined, fallback: number): [number, number] => {
    if (v === undefined) return [1, fallback];
    if (typeof v === 'number') return [1, v];
    throw new Error(`occlusion on a table [N, F] takes one window and stride length along the features (got [${v.join(', ')}])`);
  };
  // Only forward and outputSize are used by the image path: a view that reshapes rows back to [N, F].
  const asTable: Pick<Model, 'forward' | 'outputSize'> = { outputSize: model.outputSize, forward: (x) => model.forward(reshape(x, [x.shape[0], f])) };
  const baseline = options.baseline === undefined || typeof options.baseline === 'number' ? options.baseline : reshape(options.baseline, [n, 1, 1, f]);
  const r = await occlusion.attribute(asTable as Model, reshape(inputs, [n, 1, 1, f]), { ...options, window: axis(options.window, 1), stride: axis(options.stride, 1), baseline });
  return { ...r, values: reshape(r.values, [n, f]) };
}
