/**
 * KernelSHAP against references written here: Captum's BasicModel_MultiLayer (three inputs, known
 * Shapley values from Captum's own tests), exact Shapley values by the permutation formula computed
 * in the test from single forward calls, and linear models where φ_i = Σ_{j∈feature i} w_j (x_j − b_j).
 */
import { describe, expect, it } from 'vitest';
import { getExplainer } from '../../src/attribution/registry.js';
import { allCoalitions, kernelShap, sampleCoalitions, shapleyKernel } from '../../src/attribution/kernel-shap.js';
import { featureMask } from '../../src/attribution/feature-mask.js';
import type { Model } from '../../src/models/model.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { Random } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';
import { basicModelMultiLayer } from '../helpers/captum-models.js';

/** Exact Shapley values of input i for class t by averaging marginal contributions over all orders. */
async function shapleyByPermutations(model: Model, x: Tensor, i: number, baseline: number, target: number, featureOf: Int32Array, m: number): Promise<Float64Array> {
  const d = featureOf.length;
  const shape = x.shape.slice(1);
  const cache = new Map<number, number>();
  const value = async (set: number) => {
    const hit = cache.get(set);
    if (hit !== undefined) return hit;
    const copy = new Float32Array(d);
    for (let e = 0; e < d; e++) copy[e] = (set >> featureOf[e]) & 1 ? x.data[i * d + e] : baseline;
    const v = (await model.forward(tensor([1, ...shape], copy))).data[target];
    cache.set(set, v);
    return v;
  };
  const phi = new Float64Array(m);
  const perms: number[][] = [];
  const permute = (prefix: number[], rest: number[]) => {
    if (rest.length === 0) perms.push(prefix);
    rest.forEach((r, k) => permute([...prefix, r], [...rest.slice(0, k), ...rest.slice(k + 1)]));
  };
  permute([], Array.from({ length: m }, (_, j) => j));
  for (const p of perms) {
    let set = 0;
    for (const j of p) {
      const before = await value(set);
      set |= 1 << j;
      phi[j] += ((await value(set)) - before) / perms.length;
    }
  }
  return phi;
}

describe('kernel-shap sampling', () => {
  it('starts with the all-present and all-absent coalitions and draws sizes by the Shapley kernel', () => {
    const m = 6;
    const rows = sampleCoalitions(m, 60002, new Random(3));
    expect(Array.from(rows[0])).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(rows[1])).toEqual([0, 0, 0, 0, 0, 0]);
    const sizes = new Array(m + 1).fill(0);
    const perFeature = new Array(m).fill(0);
    for (const z of rows.slice(2)) {
      sizes[z.reduce((a, b) => a + b, 0)]++;
      z.forEach((v, j) => (perFeature[j] += v));
    }
    expect(sizes[0]).toBe(0);
    expect(sizes[m]).toBe(0);
    // p(k) ∝ (M − 1) / (k (M − k)): C(M, k) coalitions of Shapley-kernel weight each.
    const binom = (n: number, r: number): number => (r === 0 ? 1 : (binom(n, r - 1) * (n - r + 1)) / r);
    let norm = 0;
    for (let k = 1; k < m; k++) norm += binom(m, k) * shapleyKernel(m, k);
    for (let k = 1; k < m; k++) expect(sizes[k] / 60000, `k = ${k}`).toBeCloseTo((binom(m, k) * shapleyKernel(m, k)) / norm, 2);
    // Features are chosen uniformly: every feature is present in half the coalitions (by symmetry of p(k)).
    for (const c of perFeature) expect(c / 60000).toBeCloseTo(0.5, 1);
  });

  it('enumerates 2^M coalitions in exact mode', () => {
    const rows = allCoalitions(3);
    expect(rows.length).toBe(8);
    expect(new Set(rows.map((z) => z.join(''))).size).toBe(8);
  });
});

describe("kernel-shap on Captum's BasicModel_MultiLayer", () => {
  const model = new OnnxModel(basicModelMultiLayer());
  const x = tensor([1, 3], [20, 50, 30]);
  const expected = [76.66666, 196.66666, 116.66666];

  it('the rebuilt model gives f(x) = 392, f(0) = 2 for class 0, and the permutation Shapley values are Captum’s', async () => {
    const out = await model.forward(tensor([2, 3], [20, 50, 30, 0, 0, 0]));
    expect(out.data[0]).toBeCloseTo(392, 4);
    expect(out.data[2]).toBeCloseTo(2, 5);
    const phi = await shapleyByPermutations(model, x, 0, 0, 0, featureMask([1, 3]).featureOf, 3);
    expect(maxAbsDiff(phi, expected)).toBeLessThan(1e-3);
  });

  it('exact mode reproduces the exact Shapley values [76.667, 196.667, 116.667] and efficiency', async () => {
    const a = await kernelShap.attribute(model, x, { exact: true, target: 0 });
    expect(a.method).toBe('kernel-shap');
    expect(a.values.shape).toEqual([1, 3]);
    const phi = a.extras!.phi as Tensor;
    expect(phi.shape).toEqual([1, 3]);
    expect(maxAbsDiff(phi.data, expected)).toBeLessThan(1e-3);
    expect(maxAbsDiff(a.values.data, expected)).toBeLessThan(1e-3);
    expect(a.extras!.samples).toBe(8);
    const sum = Array.from(phi.data).reduce((s, v) => s + v, 0);
    expect(Math.abs(sum - (392 - 2))).toBeLessThan(1e-4);
    expect((a.extras!.intercept as Tensor).data[0]).toBeCloseTo(2, 4);
  });

  it('sampled mode (seeded) matches within 0.1 and keeps efficiency through the end-point weights', async () => {
    // Sampling error decays like 1/√samples: max |Δφ| ≈ 0.15–0.3 at 4 000, ≤ 0.06 at 50 000 (seeds 0–3).
    const a = await kernelShap.attribute(model, x, { samples: 50000, target: 0, seed: 0 });
    const phi = a.extras!.phi as Tensor;
    expect(maxAbsDiff(phi.data, expected)).toBeLessThan(0.1);
    // A soft constraint (weight 10⁶ against 50 000 unit rows, as in Captum): Σφ is off by ≈ 0.03.
    expect(Math.abs(Array.from(phi.data).reduce((s, v) => s + v, 0) - 390)).toBeLessThan(0.1);
    const again = await kernelShap.attribute(new OnnxModel(basicModelMultiLayer(), { internalBatchSize: 999 }), x, { samples: 50000, target: 0, seed: 0 });
    expect(Array.from(again.values.data)).toEqual(Array.from(a.values.data));
  });
});

describe('kernel-shap on linear models', () => {
  it('tabular [N, F]: φ_i = w_i (x_i − b), sampled and exact, per-row targets', async () => {
    const f = 5;
    const W = uniformValues(2 * f, 21, -1, 1);
    const model = new OnnxModel(linearModel([f], W, [0.4, -0.3]));
    const x = randomTensor([3, f], 22, -1, 1);
    const targets = [1, 0, 1];
    const ref = new Float64Array(3 * f);
    for (let i = 0; i < 3; i++) for (let j = 0; j < f; j++) ref[i * f + j] = W[targets[i] * f + j] * (x.data[i * f + j] - 0.2);
    for (const opts of [{ exact: true }, { samples: 60 }]) {
      const a = await kernelShap.attribute(model, x, { ...opts, baseline: 0.2, target: targets });
      expect(a.targets).toEqual(targets);
      // float32 model outputs: the fit itself is exact (f is linear in the coalition).
      expect(maxAbsDiff(a.values.data, ref), JSON.stringify(opts)).toBeLessThan(5e-4);
      expect(maxAbsDiff((a.extras!.phi as Tensor).data, ref)).toBeLessThan(5e-4);
    }
  });

  it('images: patches over all channels, clipped at the border; φ is broadcast to every pixel of a patch', async () => {
    const [c, h, w] = [2, 5, 6];
    const d = c * h * w;
    const W = uniformValues(2 * d, 23, -1, 1);
    const model = new OnnxModel(linearModel([c, h, w], W, [0, 0]));
    const x = randomTensor([2, c, h, w], 24);
    const baseline = randomTensor([2, c, h, w], 25);
    // patch 3 → a 2×2 grid, the last row and column clipped.
    const a = await kernelShap.attribute(model, x, { patch: 3, baseline, target: 1, exact: true });
    expect(a.extras!.features).toBe(4);
    const phi = new Float64Array(2 * 4);
    for (let i = 0; i < 2; i++)
      for (let ch = 0; ch < c; ch++)
        for (let y = 0; y < h; y++)
          for (let q = 0; q < w; q++) {
            const k = ch * h * w + y * w + q;
            phi[i * 4 + Math.floor(y / 3) * 2 + Math.floor(q / 3)] += W[d + k] * (x.data[i * d + k] - baseline.data[i * d + k]);
          }
    expect(maxAbsDiff((a.extras!.phi as Tensor).data, phi)).toBeLessThan(1e-4);
    for (let i = 0; i < 2; i++)
      for (let k = 0; k < d; k++) {
        const y = Math.floor((k % (h * w)) / w);
        const q = k % w;
        expect(a.values.data[i * d + k]).toBeCloseTo(phi[i * 4 + Math.floor(y / 3) * 2 + Math.floor(q / 3)], 4);
      }
  });
});

describe('kernel-shap on a CNN', () => {
  it('exact mode equals permutation Shapley values and satisfies efficiency', async () => {
    const model = new OnnxModel(tinyCnn({ size: 8, seed: 26 }));
    const x = randomTensor([1, 1, 8, 8], 27);
    const mask = featureMask(x.shape, 4);
    const a = await kernelShap.attribute(model, x, { exact: true, target: 1 });
    const ref = await shapleyByPermutations(model, x, 0, 0, 1, mask.featureOf, 4);
    expect(maxAbsDiff((a.extras!.phi as Tensor).data, ref)).toBeLessThan(1e-4);
    const out = await model.forward(tensor([2, 1, 8, 8], new Float32Array(128).fill(0).map((_, k) => (k < 64 ? x.data[k] : 0))));
    const sum = Array.from((a.extras!.phi as Tensor).data).reduce((s, v) => s + v, 0);
    expect(Math.abs(sum - (out.data[1] - out.data[out.shape[1] + 1]))).toBeLessThan(1e-4);
  });

  it('defaults: patch 4, 25 × features samples, seed 0 (deterministic), via the registry', async () => {
    const model = new OnnxModel(tinyCnn({ size: 8, seed: 28 }));
    const x = randomTensor([2, 1, 8, 8], 29);
    const a = await getExplainer('kernel-shap').attribute(model, x);
    expect(a.extras).toMatchObject({ features: 4, samples: 100, exact: false });
    const b = await kernelShap.attribute(new OnnxModel(tinyCnn({ size: 8, seed: 28 }), { internalBatchSize: 3 }), x);
    expect(Array.from(b.values.data)).toEqual(Array.from(a.values.data));
    const c = await kernelShap.attribute(model, x, { seed: 5 });
    expect(Array.from(c.values.data)).not.toEqual(Array.from(a.values.data));
  });
});

describe('kernel-shap errors', () => {
  const model = new OnnxModel(linearModel([1, 4, 4], uniformValues(32, 1), [0, 0]));
  const x = randomTensor([2, 1, 4, 4], 2);
  it('rejects exact mode above 12 features, too few samples, a bad patch, 3-D inputs and a mis-shaped baseline', async () => {
    await expect(kernelShap.attribute(model, x, { patch: 1, exact: true })).rejects.toThrow(/exact enumeration needs ≤ 12 features \(got 16\)/);
    await expect(kernelShap.attribute(model, x, { samples: 1 })).rejects.toThrow(/samples must be an integer ≥ 2/);
    await expect(kernelShap.attribute(model, x, { patch: 0 })).rejects.toThrow(/patch must be an integer ≥ 1/);
    await expect(kernelShap.attribute(model, tensor([2, 4, 4]), {})).rejects.toThrow(/needs image inputs \[N, C, H, W\] or tabular inputs \[N, F\]; got 3-D/);
    await expect(kernelShap.attribute(model, x, { baseline: randomTensor([2, 1, 3, 4], 3) })).rejects.toThrow(/baseline has shape \[2, 1, 3, 4\]/);
  });
});
