/**
 * RISE against references written here. For a linear f(x) = w·x, E[f(x ⊙ M) M_j] / p =
 * Σ_k w_k x_k E[M_k M_j] / p. With a one-hot w at pixel j this is x_j E[M_j²] / p, and E[M_j²]
 * follows in closed form from the bilinear weights a_c of the cells under pixel j (averaged over the
 * uniform shift): M_j = Σ_c a_c B_c with B_c ~ Bernoulli(p) independent and Σ_c a_c = 1, so
 *   E[M_j²] = p² + p(1 − p) Σ_c a_c².
 * The weights are computed here independently of src/ (half-pixel bilinear, edges clamped).
 */
import { describe, expect, it } from 'vitest';
import { getExplainer } from '../../src/attribution/registry.js';
import { rise, riseMaskGenerator } from '../../src/attribution/rise.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor } from '../helpers/models.js';

/** Bilinear weights per grid cell of output pixel t for `cells` cells upsampled to `size` pixels. */
function cellWeights(cells: number, size: number, t: number): Map<number, number> {
  const u = Math.min(cells - 1, Math.max(0, ((t + 0.5) * cells) / size - 0.5));
  const lo = Math.floor(u);
  const hi = Math.min(cells - 1, lo + 1);
  const m = new Map<number, number>();
  m.set(lo, (m.get(lo) ?? 0) + (1 - (u - lo)));
  m.set(hi, (m.get(hi) ?? 0) + (u - lo));
  return m;
}

/** E[M_j²] at pixel (y, x) of an h×w image: exact, by enumerating the shifts. */
function expectedMaskSquare(h: number, w: number, s: number, p: number, y: number, x: number): number {
  const ch = Math.ceil(h / s);
  const cw = Math.ceil(w / s);
  let total = 0;
  for (let dy = 0; dy < ch; dy++)
    for (let dx = 0; dx < cw; dx++) {
      const ry = [...cellWeights(s, (s + 1) * ch, y + dy).values()];
      const rx = [...cellWeights(s, (s + 1) * cw, x + dx).values()];
      const sumSq = ry.reduce((a, wy) => a + rx.reduce((b, wx) => b + (wy * wx) ** 2, 0), 0);
      total += p * p + p * (1 - p) * sumSq;
    }
  return total / (ch * cw);
}

/**
 * Var(f) for f = the mean of M over a region R of an h×w image: given the shift, f = Σ_c A_c B_c with
 * A_c = mean over R of pixel j's bilinear weight on cell c, so Var(f | shift) = p(1 − p) Σ_c A_c², and
 * E[f | shift] = p for every shift; Var(f) is the mean over shifts.
 */
function regionVariance(h: number, w: number, s: number, p: number, region: readonly [number, number][]): number {
  const ch = Math.ceil(h / s);
  const cw = Math.ceil(w / s);
  let total = 0;
  for (let dy = 0; dy < ch; dy++)
    for (let dx = 0; dx < cw; dx++) {
      const a = new Map<number, number>();
      for (const [y, x] of region)
        for (const [cy, wy] of cellWeights(s, (s + 1) * ch, y + dy))
          for (const [cx, wx] of cellWeights(s, (s + 1) * cw, x + dx)) a.set(cy * s + cx, (a.get(cy * s + cx) ?? 0) + (wy * wx) / region.length);
      total += p * (1 - p) * [...a.values()].reduce((acc, v) => acc + v * v, 0);
    }
  return total / (ch * cw);
}

describe('rise', () => {
  it('is registered', () => {
    expect(getExplainer('rise')).toBe(rise);
  });

  it('for a one-hot linear model converges to x_j E[M_j²] / p at that pixel', async () => {
    const [h, w, s, p, n] = [8, 8, 4, 0.5, 20000];
    const j = 3 * w + 5;
    const weights = new Float32Array(h * w);
    weights[j] = 1;
    const model = new OnnxModel(linearModel([1, h, w], weights, [0]));
    const x = randomTensor([1, 1, h, w], 61, 0.5, 1.5);
    x.data[j] = 2;
    const a = await rise.attribute(model, x, { target: 0, masks: n, cell: s, probability: p, seed: 5 });
    const want = (2 * expectedMaskSquare(h, w, s, p, 3, 5)) / p;
    // f·M_j = 2·M_j² ∈ [0, 2]: sd of the estimate ≤ 1 / (p √N) = 0.014; 0.06 is > 4 sd.
    expect(Math.abs(a.values.data[j] - want)).toBeLessThan(0.06);
    // The interpolation matters: a plain binary mask would give x_j = 2 here.
    expect(want).toBeLessThan(1.9);
    expect(a.extras).toEqual({ masks: n, cell: s, probability: p });
  });

  it('for a model averaging a pixel region concentrates inside it; far pixels sit at E[f] = p·f(x)', async () => {
    const [h, w] = [16, 16];
    const inside = (y: number, x: number) => y >= 4 && y < 8 && x >= 4 && x < 8;
    const weights = new Float32Array(2 * h * w);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        if (inside(y, x)) weights[y * w + x] = 1 / 16;
        weights[h * w + y * w + x] = 1 / (h * w); // class 1: the mean of the whole image
      }
    const model = new OnnxModel(linearModel([1, h, w], weights, [0, 0]));
    const ones = tensor([1, 1, h, w], new Float32Array(h * w).fill(1));
    const a = await rise.attribute(model, ones, { target: 0, masks: 4000, cell: 8, seed: 2 });
    const map = a.values.data;
    let inSum = 0;
    let farSum = 0;
    let farCount = 0;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        if (inside(y, x)) inSum += map[y * w + x];
        // Cells are 18/8 = 2.25 pixels wide after upsampling: under any shift, a pixel with y or x ≥ 12 is ≥ 2 cells
        // from the region (rows and columns ≤ 7), so it never shares a cell with it and its mask is independent of f.
        else if (y >= 12 || x >= 12) {
          farSum += map[y * w + x];
          farCount++;
        }
      }
    const inMean = inSum / 16;
    const farMean = farSum / farCount;
    // Far: E[f M_j] / p = E[f] E[M_j] / p = E[f] = p · 1 = 0.5 (independent cells). Inside, on average:
    // E[f] + (1/|R|) Σ_{j∈R} Cov(f, M_j) / p = E[f] + Var(f) / p, since f is the mean of M_j over R.
    const region: [number, number][] = [];
    for (let y = 4; y < 8; y++) for (let x = 4; x < 8; x++) region.push([y, x]);
    const excess = regionVariance(h, w, 8, 0.5, region) / 0.5;
    expect(excess).toBeGreaterThan(0.05);
    expect(Math.abs(farMean - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(inMean - farMean - excess)).toBeLessThan(0.02);
    expect(inMean).toBeGreaterThan(farMean + excess / 2);
    // Every channel gets the same map, and the inputs' shape is kept.
    expect(a.values.shape).toEqual([1, 1, h, w]);
  });

  it('equals Σ f(x ⊙ M_i) M_i / (N p) over the generator\'s masks on a CNN, repeated over channels', async () => {
    const cnn = new OnnxModel(tinyCnn({ size: 8, seed: 3 }));
    const xs = randomTensor([2, 1, 8, 8], 62);
    const [count, s, p] = [50, 3, 0.3];
    const a = await rise.attribute(new OnnxModel(tinyCnn({ size: 8, seed: 3 }), { internalBatchSize: 7 }), xs, { target: [1, 0], masks: count, cell: s, probability: p, seed: 8 });
    const gen = riseMaskGenerator(8, 8, s, p, new Random(8));
    const want = [new Float64Array(64), new Float64Array(64)];
    for (let m = 0; m < count; m++) {
      const mask = gen.next();
      for (let i = 0; i < 2; i++) {
        const masked = tensor([1, 1, 8, 8], xs.data.slice(i * 64, (i + 1) * 64).map((v, j) => v * mask[j]));
        const out = await cnn.forward(masked);
        const f = out.data[i === 0 ? 1 : 0];
        for (let j = 0; j < 64; j++) want[i][j] += (f * mask[j]) / (count * p);
      }
    }
    expect(maxAbsDiff(a.values.data, [...want[0], ...want[1]])).toBeLessThan(1e-5);
    expect(a.targets).toEqual([1, 0]);
    // Masks lie in [0, 1] and are not all binary (bilinear upsampling).
    const mask = riseMaskGenerator(8, 8, s, p, new Random(1)).next();
    expect(mask.every((v) => v >= 0 && v <= 1)).toBe(true);

    const rgb = randomTensor([1, 3, 8, 8], 63);
    const lin = new OnnxModel(linearModel([3, 8, 8], randomTensor([2, 192], 64, -1, 1).data, [0, 0]));
    const r = (await rise.attribute(lin, rgb, { target: 0, masks: 20 })).values.data;
    expect(Array.from(r.subarray(64, 128))).toEqual(Array.from(r.subarray(0, 64)));
    expect(Array.from(r.subarray(128, 192))).toEqual(Array.from(r.subarray(0, 64)));
  });

  it('is reproducible: same seed same numbers, another seed other numbers; the model\'s batch size changes nothing', async () => {
    const cnn = new OnnxModel(tinyCnn({ size: 8, seed: 3 }));
    const xs = randomTensor([3, 1, 8, 8], 65);
    const opts = { target: 0, masks: 64, cell: 4 };
    const a = await rise.attribute(cnn, xs, { ...opts, seed: 1 });
    const b = await rise.attribute(cnn, xs, { ...opts, seed: 1 });
    const c = await rise.attribute(cnn, xs, { ...opts, seed: 2 });
    expect(Array.from(b.values.data)).toEqual(Array.from(a.values.data));
    expect(maxAbsDiff(c.values.data, a.values.data)).toBeGreaterThan(1e-4);
    expect(Array.from((await rise.attribute(cnn, xs, opts)).values.data)).toEqual(Array.from((await rise.attribute(cnn, xs, { ...opts, seed: 0 })).values.data));
    const small = await rise.attribute(new OnnxModel(tinyCnn({ size: 8, seed: 3 }), { internalBatchSize: 5 }), xs, { ...opts, seed: 1 });
    expect(maxAbsDiff(small.values.data, a.values.data)).toBeLessThan(1e-6);
  });

  it('refuses bad shapes and options with a clear message', async () => {
    const cnn = new OnnxModel(tinyCnn({ size: 8, seed: 3 }));
    const xs = randomTensor([1, 1, 8, 8], 66);
    await expect(rise.attribute(cnn, randomTensor([1, 64], 1))).rejects.toThrow('rise needs image inputs [N, C, H, W]; got 2-D');
    await expect(rise.attribute(cnn, xs, { masks: 0 })).rejects.toThrow('rise: masks must be an integer ≥ 1 (got 0)');
    await expect(rise.attribute(cnn, xs, { cell: 0 })).rejects.toThrow('rise: cell must be an integer ≥ 1 (got 0)');
    await expect(rise.attribute(cnn, xs, { cell: 9 })).rejects.toThrow('rise: cell 9 is larger than the 8×8 image; use a grid of at most 8 cells per side');
    await expect(rise.attribute(cnn, xs, { probability: 0 })).rejects.toThrow('rise: probability must be in (0, 1] (got 0)');
    await expect(rise.attribute(cnn, xs, { probability: 1.5 })).rejects.toThrow('rise: probability must be in (0, 1] (got 1.5)');
  });
});
