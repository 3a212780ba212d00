/**
 * Occlusion (Zeiler & Fergus 2014) with Captum's semantics: a window slides over the image with
 * the given stride (over all channels); each placement replaces the window with the baseline; the
 * drop of the target output is credited to every pixel in the window, and each pixel's credit is
 * averaged over the placements that covered it. Placements per axis are ceil((size − window) /
 * stride) + 1, the last one clipped at the border, so every pixel is covered (strides longer than the
 * window are refused: they would leave pixels that no placement covers).
 */
import type { Tensor } from '../tensor/tensor.js';
import { reshape, tensor } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import type { Attribution, Explainer, ExplainOptions } from './explainer.js';
import { declareOptions, resolveTarget, weightedOutput } from './explainer.js';
import { expandBaseline, type Baseline } from './common/baselines.js';
import { scorePerturbedCopies } from './common/perturbed-copies.js';

export interface OcclusionOptions extends ExplainOptions {
  /** Window height and width (default 4×4). */
  window?: number | readonly [number, number];
  /** Step between placements (default 1). */
  stride?: number | readonly [number, number];
  /** What the window is replaced with: a value, one example, or a tensor of the inputs' shape (Captum's default: 0). */
  baseline?: Baseline;
  /**
   * 'auto' (default): score the placements by incremental inference when the model offers it
   * (Model.forwardOccluded: recompute only what each window can reach, Krypton), same numbers up to
   * float32 rounding; 'off': run every occluded copy through the whole network.
   */
  incremental?: (typeof INCREMENTAL_MODES)[number];
}

export const INCREMENTAL_MODES = ['auto', 'off'] as const;

export const OCCLUSION_OPTIONS = declareOptions<OcclusionOptions>([
  { key: 'window', flag: '--window', kind: 'integer', min: 1, default: 4, help: 'window side in pixels' },
  { key: 'stride', flag: '--stride', kind: 'integer', min: 1, default: 1, help: 'step between windows' },
  { key: 'baseline', flag: '--baseline', kind: 'number', default: 0, help: 'value written into the window' },
  { key: 'incremental', flag: '--incremental', kind: 'choice', choices: INCREMENTAL_MODES, default: 'auto', placeholder: '<mode>', help: 'auto: recompute only the activations each window reaches (Krypton), same map; off: full forward per window' },
]);

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
  options: OCCLUSION_OPTIONS,
  output: 'input',
  needs: {},
  usesTarget: true,
  usesSeed: false,
  async attribute(model, inputs, options = {}) {
    if (inputs.shape.length === 2) return occludeTable(model, inputs, options);
    if (inputs.shape.length !== 4) throw new Error(`occlusion needs image inputs [N, C, H, W] or a table [N, F]; got ${inputs.shape.length}-D`);
    const [n, c, h, w] = inputs.shape;
    const [wh, ww] = pair(options.window, 4);
    const [sh, sw] = pair(options.stride, 1);
    if (wh < 1 || ww < 1 || wh > h || ww > w) throw new Error(`occlusion window ${wh}×${ww} does not fit a ${h}×${w} image`);
    if (sh < 1 || sw < 1) throw new Error(`occlusion stride must be ≥ 1 (got ${sh}×${sw})`);
    // A stride longer than the window skips pixels, whose average over no placements would be 0/0.
    if (sh > wh || sw > ww) throw new Error(`occlusion stride ${sh}×${sw} is larger than the window ${wh}×${ww} and would leave pixels uncovered; use a stride ≤ the window`);
    const baseline = expandBaseline(options.baseline, inputs, 'occlusion');
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
    // Copy i·P + p is image i with placement p replaced by the baseline.
    const count = placements.length;
    const incremental = options.incremental !== 'off' && model.forwardOccluded ? await model.forwardOccluded(inputs, placements, [wh, ww], baseline) : null;
    const scores = incremental ? weightedOutput(incremental, cotangent, (row) => Math.floor(row / count)) : await scorePerturbedCopies(model, inputs, cotangent, {
      count: n * count,
      inputOf: (copy) => Math.floor(copy / count),
      fill(copy, into) {
        const img = Math.floor(copy / count);
        into.set(inputs.data.subarray(img * image, (img + 1) * image));
        const [y0, x0] = placements[copy % count];
        for (let ch = 0; ch < c; ch++)
          for (let y = y0; y < Math.min(h, y0 + wh); y++) {
            const from = ch * plane + y * w + x0;
            const to = ch * plane + y * w + Math.min(w, x0 + ww);
            into.set(baseline.subarray(img * image + from, img * image + to), from);
          }
      },
    });
    for (let img = 0; img < n; img++)
      for (let p = 0; p < count; p++) {
        const drop = base[img] - scores[img * count + p];
        const [y0, x0] = placements[p];
        for (let ch = 0; ch < c; ch++)
          for (let y = y0; y < Math.min(h, y0 + wh); y++)
            for (let x = x0; x < Math.min(w, x0 + ww); x++) total[img * image + ch * plane + y * w + x] += drop;
      }
    const values = new Float32Array(n * image);
    for (let i = 0; i < n * image; i++) values[i] = total[i] / counts[i % plane];
    return { method: 'occlusion', values: tensor(inputs.shape, values), targets: classes, extras: { placements: placements.length, incremental: incremental !== null } };
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
  const baseline = options.baseline === undefined || typeof options.baseline === 'number' ? options.baseline : tensor([n, 1, 1, f], expandBaseline(options.baseline, inputs, 'occlusion'));
  const r = await occlusion.attribute(asTable as Model, reshape(inputs, [n, 1, 1, f]), { ...options, window: axis(options.window, 1), stride: axis(options.stride, 1), baseline });
  return { ...r, values: reshape(r.values, [n, f]) };
}
