/**
 * GradientSHAP against references written here: on a linear model the gradient is constant, so
 * with stdevs 0 the attribution is exactly mean_s (x − b_s) ⊙ W[target] whatever the α's (and
 * (x − b) ⊙ W for a single baseline); on a CNN it equals a loop that draws the same noise, baseline
 * and α (input, sample, then noise / baseline / α) and takes one gradient per sample.
 */
import { describe, expect, it } from 'vitest';
import { gradientShap } from '../../src/attribution/gradient-shap.js';
import { getExplainer } from '../../src/attribution/registry.js';
import { saliency } from '../../src/attribution/saliency.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

const D = 2 * 3 * 3;
const W = uniformValues(3 * D, 51, -1, 1);
const linear = new OnnxModel(linearModel([2, 3, 3], W, [0.1, 0, -0.1]));
const xl = randomTensor([3, 2, 3, 3], 52, -1, 1);
const cnnGraph = tinyCnn({ size: 8, seed: 3 });
const cnn = new OnnxModel(cnnGraph);
const xs = randomTensor([2, 1, 8, 8], 53);
const row = (t: number) => W.subarray(t * D, (t + 1) * D);

interface Draws {
  baselineIndex: number[][];
  alphas: number[][];
}

describe('gradient-shap', () => {
  it('is registered', () => {
    expect(getExplainer('gradient-shap')).toBe(gradientShap);
  });

  it('on a linear model with one baseline is (x − b) ⊙ W[target] for any α draws', async () => {
    const b = randomTensor([1, 2, 3, 3], 54, -1, 1);
    for (const seed of [0, 1, 2]) {
      const a = await gradientShap.attribute(linear, xl, { target: [2, 0, 1], baselines: b, ntSamples: 4, seed });
      expect(a.method).toBe('gradient-shap');
      expect(a.targets).toEqual([2, 0, 1]);
      const want = [2, 0, 1].flatMap((t, i) => Array.from(row(t), (w, j) => (xl.data[i * D + j] - b.data[j]) * w));
      expect(maxAbsDiff(a.values.data, want)).toBeLessThan(1e-5);
    }
    // Default baseline: one all-zero example, so x ⊙ W (input × gradient).
    const z = await gradientShap.attribute(linear, xl, { target: 1 });
    expect(maxAbsDiff(z.values.data, [0, 1, 2].flatMap((i) => Array.from(row(1), (w, j) => xl.data[i * D + j] * w)))).toBeLessThan(1e-6);
  });

  it('on a linear model with a distribution is mean_s (x − b_s) ⊙ W exactly, and → (x − E[b]) ⊙ W', async () => {
    const dist = randomTensor([4, 2, 3, 3], 55, -2, 2);
    const a = await gradientShap.attribute(linear, xl, { target: 0, baselines: dist, ntSamples: 6, seed: 9 });
    const { baselineIndex, alphas } = a.extras as unknown as Draws;
    expect(baselineIndex.map((r) => r.length)).toEqual([6, 6, 6]);
    expect(alphas.flat().every((v) => v >= 0 && v < 1)).toBe(true);
    const want: number[] = [];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < D; j++) {
        const meanB = baselineIndex[i].reduce((acc, k) => acc + dist.data[k * D + j], 0) / 6;
        want.push((xl.data[i * D + j] - meanB) * row(0)[j]);
      }
    expect(maxAbsDiff(a.values.data, want)).toBeLessThan(1e-5);
    // With many samples (and noise, whose mean is 0) the mean baseline tends to E[b] over the distribution.
    const samples = 4000;
    const big = await gradientShap.attribute(linear, xl, { target: 0, baselines: dist, ntSamples: samples, stdevs: 0.5, seed: 3 });
    const expected: number[] = [];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < D; j++) {
        const eb = [0, 1, 2, 3].reduce((acc, k) => acc + dist.data[k * D + j], 0) / 4;
        expected.push((xl.data[i * D + j] - eb) * row(0)[j]);
      }
    // Per value, sd of the mean ≤ |w| · sqrt(Var b + σ²) / sqrt(samples) ≤ sqrt(4 + 0.25) / 63 ≈ 0.033
    // (|w| ≤ 1, baselines in [−2, 2]); 0.15 is 4.5 sd for the worst of the 54 values.
    expect(maxAbsDiff(big.values.data, expected)).toBeLessThan(0.15);
  });

  it('is 0 when the only baseline is the input itself', async () => {
    const one = tensor([1, 1, 8, 8], xs.data.slice(0, 64));
    const a = await gradientShap.attribute(cnn, one, { target: 1, baselines: one, ntSamples: 3 });
    expect(a.values.data.every((v) => v === 0)).toBe(true);
  });

  it('on a CNN equals a loop drawing the same noise, baseline and α and taking one gradient per sample', async () => {
    const dist = randomTensor([3, 1, 8, 8], 56);
    const samples = 3;
    const stdevs = 0.2;
    const rng = new Random(11);
    const want: number[] = [];
    for (let i = 0; i < 2; i++) {
      const sum = new Float64Array(64);
      for (let s = 0; s < samples; s++) {
        const noisy = Array.from(xs.data.subarray(i * 64, (i + 1) * 64), (v) => v + rng.normal(0, stdevs));
        const k = rng.int(0, 3);
        const alpha = rng.next();
        const b = dist.data.subarray(k * 64, (k + 1) * 64);
        const point = tensor([1, 1, 8, 8], noisy.map((v, j) => alpha * v + (1 - alpha) * b[j]));
        const grad = (await saliency.attribute(cnn, point, { target: 1, abs: false })).values.data;
        for (let j = 0; j < 64; j++) sum[j] += (noisy[j] - b[j]) * grad[j];
      }
      for (let j = 0; j < 64; j++) want.push(sum[j] / samples);
    }
    const a = await gradientShap.attribute(cnn, xs, { target: 1, baselines: dist, ntSamples: samples, stdevs, seed: 11 });
    expect(maxAbsDiff(a.values.data, want)).toBeLessThan(1e-5);
    expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('is reproducible: same seed same numbers, another seed other numbers; internalBatchSize changes nothing', async () => {
    const dist = randomTensor([5, 1, 8, 8], 57);
    const opts = { target: 0, baselines: dist, stdevs: 0.1 };
    const a = await gradientShap.attribute(cnn, xs, { ...opts, seed: 1 });
    const b = await gradientShap.attribute(cnn, xs, { ...opts, seed: 1 });
    const c = await gradientShap.attribute(cnn, xs, { ...opts, seed: 2 });
    expect(Array.from(b.values.data)).toEqual(Array.from(a.values.data));
    expect(maxAbsDiff(c.values.data, a.values.data)).toBeGreaterThan(1e-4);
    const d = await gradientShap.attribute(cnn, xs, opts);
    const e = await gradientShap.attribute(cnn, xs, { ...opts, seed: 0 });
    expect(Array.from(d.values.data)).toEqual(Array.from(e.values.data));
    const small = await gradientShap.attribute(new OnnxModel(cnnGraph, { internalBatchSize: 3 }), xs, { ...opts, seed: 1 });
    expect(maxAbsDiff(small.values.data, a.values.data)).toBeLessThan(1e-6);
  });

  it('sends all samples of all inputs to one vjp call', async () => {
    const calls: number[] = [];
    const counting = Object.create(cnn) as OnnxModel;
    counting.vjp = async (x, cot) => {
      calls.push(x.shape[0]);
      return cnn.vjp(x, cot);
    };
    await gradientShap.attribute(counting, xs, { target: [0, 1], ntSamples: 7 });
    expect(calls).toEqual([14]);
  });

  it('refuses bad options with a clear message', async () => {
    await expect(gradientShap.attribute(linear, xl, { ntSamples: 0 })).rejects.toThrow('gradient-shap: ntSamples must be an integer ≥ 1 (got 0)');
    await expect(gradientShap.attribute(linear, xl, { stdevs: -1 })).rejects.toThrow('gradient-shap: stdevs must be a number ≥ 0 (got -1)');
    await expect(gradientShap.attribute(linear, xl, { baselines: randomTensor([2, 2, 3], 1) })).rejects.toThrow(
      'gradient-shap baselines have shape [2, 2, 3]; they must be a number, one example [2, 3, 3], or a distribution [B, 2, 3, 3]',
    );
  });
});
