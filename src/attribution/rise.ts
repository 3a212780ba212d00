/**
 * RISE (Petsiuk, Das & Saenko 2018): randomized input sampling. N random masks M_i ∈ [0, 1]^{H×W}
 * (shared by all channels and all inputs) are applied to the image and the saliency of the target is
 *   S(x) = Σ_i f(x ⊙ M_i) · M_i / (N · p)
 * i.e. E[f(x ⊙ M) · M] / E[M], a Monte-Carlo estimate. Masks as in the paper: an s×s grid of
 * Bernoulli(p) cells, upsampled bilinearly to (s+1)·⌈H/s⌉ × (s+1)·⌈W/s⌉ (half-pixel centres, edges
 * clamped, like skimage's order-1 resize) and cropped to H×W at a random shift in
 * [0, ⌈H/s⌉) × [0, ⌈W/s⌉), so the cell borders fall anywhere.
 *
 * Defaults: 2000 masks (the paper used 4000–8000 for ImageNet networks; 2000 is a compromise that
 * keeps small images cheap — raise it for large ones), cell 8, p 0.5, seed 0. Draws come from the
 * seeded Random per mask: s² cells row-major (cell is 1 when next() < p), then the shift y, then x.
 *
 * The map is one value per pixel; it is repeated over the channels so `values` has the inputs'
 * shape like every other method. Masked copies (mask-major: copy m·N + i is input i under mask m) go
 * to model.forward in batches bounded by MAX_BATCH_VALUES, which the model splits by its own batch
 * size; masks are drawn as their copies are built and dropped once scored, never all held at once.
 */
import { tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Explainer, ExplainOptions } from './explainer.js';
import { declareOptions, resolveTarget } from './explainer.js';
import { scorePerturbedCopies } from './common/perturbed-copies.js';

export interface RiseOptions extends ExplainOptions {
  /** Number of random masks N (default 2000). */
  masks?: number;
  /** Grid cells per side s (default 8). */
  cell?: number;
  /** Probability p that a grid cell is kept (default 0.5). */
  probability?: number;
}

export const RISE_OPTIONS = declareOptions<RiseOptions>([
  { key: 'masks', flag: '--rise-masks', kind: 'integer', min: 1, default: 2000, help: 'number of random masks N' },
  { key: 'cell', flag: '--cell', kind: 'integer', min: 1, default: 8, help: 'grid cells per side s of each mask' },
  { key: 'probability', flag: '--probability', kind: 'number', above: 0, max: 1, default: 0.5, placeholder: '<p>', help: 'probability p that a grid cell is kept' },
]);

/** Bilinear interpolation of `cells` grid values onto `size` output pixels: two cells and weights per pixel. */
function axisWeights(cells: number, size: number): { i0: Int32Array; i1: Int32Array; f: Float64Array } {
  const i0 = new Int32Array(size);
  const i1 = new Int32Array(size);
  const f = new Float64Array(size);
  for (let t = 0; t < size; t++) {
    const u = Math.min(cells - 1, Math.max(0, ((t + 0.5) * cells) / size - 0.5));
    i0[t] = Math.floor(u);
    i1[t] = Math.min(cells - 1, i0[t] + 1);
    f[t] = u - i0[t];
  }
  return { i0, i1, f };
}

/**
 * A generator of RISE masks for H×W images: each call to next() draws one mask [H·W] from rng.
 * Exported so tests and other methods can reproduce the exact masks of a seed.
 */
export function riseMaskGenerator(h: number, w: number, cell: number, probability: number, rng: Random): { next(): Float32Array } {
  const ch = Math.ceil(h / cell);
  const cw = Math.ceil(w / cell);
  const ys = axisWeights(cell, (cell + 1) * ch);
  const xs = axisWeights(cell, (cell + 1) * cw);
  const grid = new Float32Array(cell * cell);
  return {
    next() {
      for (let c = 0; c < grid.length; c++) grid[c] = rng.next() < probability ? 1 : 0;
      const dy = rng.int(0, ch);
      const dx = rng.int(0, cw);
      const mask = new Float32Array(h * w);
      for (let y = 0; y < h; y++) {
        const t = y + dy;
        const r0 = ys.i0[t] * cell;
        const r1 = ys.i1[t] * cell;
        const fy = ys.f[t];
        for (let x = 0; x < w; x++) {
          const v = x + dx;
          const c0 = xs.i0[v];
          const c1 = xs.i1[v];
          const fx = xs.f[v];
          const top = grid[r0 + c0] * (1 - fx) + grid[r0 + c1] * fx;
          const bottom = grid[r1 + c0] * (1 - fx) + grid[r1 + c1] * fx;
          mask[y * w + x] = top * (1 - fy) + bottom * fy;
        }
      }
      return mask;
    },
  };
}

export const rise: Explainer<RiseOptions> = {
  name: 'rise',
  description: 'RISE: Σ f(x ⊙ M) M / (N p) over random bilinear-upsampled, shifted s×s Bernoulli(p) masks (masks 2000, cell 8, probability 0.5; Petsiuk et al. 2018); the map is repeated over channels',
  options: RISE_OPTIONS,
  output: 'input',
  needs: {},
  usesTarget: true,
  usesSeed: true,
  async attribute(model, inputs, options = {}) {
    if (inputs.shape.length !== 4) throw new Error(`rise needs image inputs [N, C, H, W]; got ${inputs.shape.length}-D`);
    const [n, c, h, w] = inputs.shape;
    const count = options.masks ?? 2000;
    const cell = options.cell ?? 8;
    const p = options.probability ?? 0.5;
    if (!Number.isInteger(count) || count < 1) throw new Error(`rise: masks must be an integer ≥ 1 (got ${count})`);
    if (!Number.isInteger(cell) || cell < 1) throw new Error(`rise: cell must be an integer ≥ 1 (got ${cell})`);
    if (cell > Math.min(h, w)) throw new Error(`rise: cell ${cell} is larger than the ${h}×${w} image; use a grid of at most ${Math.min(h, w)} cells per side`);
    if (!(Number.isFinite(p) && p > 0 && p <= 1)) throw new Error(`rise: probability must be in (0, 1] (got ${p})`);
    const { cotangent, classes } = await resolveTarget(model, inputs, options.target);

    const plane = h * w;
    const image = c * plane;
    const sums = new Float64Array(n * plane);
    const masks = riseMaskGenerator(h, w, cell, p, new Random(options.seed ?? 0));
    // Masks drawn but not yet scored for every input, by mask index.
    const pending = new Map<number, Float32Array>();
    await scorePerturbedCopies(
      model,
      inputs,
      cotangent,
      {
        count: count * n,
        inputOf: (copy) => copy % n,
        fill(copy, into) {
          const m = Math.floor(copy / n);
          const i = copy % n;
          if (i === 0) pending.set(m, masks.next());
          const mask = pending.get(m)!;
          const src = i * image;
          for (let ch = 0; ch < c; ch++)
            for (let j = 0; j < plane; j++) into[ch * plane + j] = inputs.data[src + ch * plane + j] * mask[j];
        },
      },
      (first, scores) => {
        scores.forEach((score, r) => {
          const m = Math.floor((first + r) / n);
          const i = (first + r) % n;
          const mask = pending.get(m)!;
          for (let j = 0; j < plane; j++) sums[i * plane + j] += score * mask[j];
          if (i === n - 1) pending.delete(m);
        });
      },
    );
    const values = new Float32Array(n * image);
    const scale = 1 / (count * p);
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++)
        for (let j = 0; j < plane; j++) values[i * image + ch * plane + j] = sums[i * plane + j] * scale;
    return { method: 'rise', values: tensor(inputs.shape, values), targets: classes, extras: { masks: count, cell, probability: p } };
  },
};
