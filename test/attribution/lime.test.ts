/**
 * LIME against references written here: on a linear model the surrogate is exact (f is linear in the
 * coalition), so with alpha 0 it recovers φ_i = Σ_{j∈feature i} w_j (x_j − b_j); on a non-linear
 * model, the same Bernoulli(0.5) draws, Captum's cosine exponential kernel and the weighted ridge
 * normal equations are rebuilt in the test and solved by Gauss–Jordan elimination.
 */
import { describe, expect, it } from 'vitest';
import { getExplainer } from '../../src/attribution/registry.js';
import { lime } from '../../src/attribution/lime.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import type { Graph } from '../../src/onnx/graph.js';
import { attr, floatTensorValue } from '../../src/onnx/graph.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { Random } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

/** y = W₂ relu(W₁ x + b₁) for x [N, 3]: a small non-linear tabular model with one output. */
function reluNet(): Graph {
  const e = new GraphEditor('relu_net');
  const x = e.input('x', ['N', 3]);
  const w1 = e.initializer('w1', floatTensorValue([4, 3], [1, -2, 0.5, 0.3, 1, -1, -1, 0.2, 2, 0.7, 0.7, 0.7]));
  const b1 = e.initializer('b1', floatTensorValue([4], [0.1, -0.2, 0.3, -0.5]));
  const w2 = e.initializer('w2', floatTensorValue([1, 4], [1, -1, 0.5, 2]));
  const h = e.op('Relu', [e.op('Gemm', [x, w1, b1], { transB: attr.int(1) })]);
  const y = e.op('Gemm', [h, w2], { transB: attr.int(1) });
  e.output(y, ['N', 1]);
  return e.build();
}

/** Solves A x = b by Gauss–Jordan elimination with partial pivoting (test's own solver). */
function gaussJordan(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

describe('lime on linear models', () => {
  it('tabular [N, F], alpha 0: the surrogate recovers w_i (x_i − b) per feature', async () => {
    const f = 6;
    const W = uniformValues(2 * f, 31, -1, 1);
    const model = new OnnxModel(linearModel([f], W, [0.5, -0.5]));
    const x = randomTensor([2, f], 32, -1, 1);
    const a = await lime.attribute(model, x, { alpha: 0, baseline: 0.1, target: [0, 1], samples: 200 });
    expect(a.method).toBe('lime');
    expect(a.targets).toEqual([0, 1]);
    const ref = new Float64Array(2 * f);
    for (let i = 0; i < 2; i++) for (let j = 0; j < f; j++) ref[i * f + j] = W[i * f + j] * (x.data[i * f + j] - 0.1);
    expect(maxAbsDiff(a.values.data, ref)).toBeLessThan(5e-4);
    expect(maxAbsDiff((a.extras!.coefficients as Tensor).data, ref)).toBeLessThan(5e-4);
    // The intercept is f(baseline).
    const fb = await model.forward(tensor([1, f], new Float32Array(f).fill(0.1)));
    expect((a.extras!.intercept as Tensor).data[0]).toBeCloseTo(fb.data[0], 3);
  });

  it('images with patches: default alpha 0.01 shrinks each coefficient by about 0.25 / (0.25 + 0.01)', async () => {
    const [c, h, w] = [3, 4, 4];
    const d = c * h * w;
    const W = uniformValues(d, 33, -1, 1);
    const model = new OnnxModel(linearModel([c, h, w], W, [0]));
    const x = randomTensor([1, c, h, w], 34);
    const exact = new Float64Array(4);
    for (let k = 0; k < d; k++) {
      const y = Math.floor((k % 16) / 4);
      const q = k % 4;
      exact[Math.floor(y / 2) * 2 + Math.floor(q / 2)] += W[k] * x.data[k];
    }
    const plain = await lime.attribute(model, x, { patch: 2, alpha: 0, target: 0 });
    expect(plain.extras).toMatchObject({ features: 4, samples: 100, kernelWidth: 1, alpha: 0 });
    expect(maxAbsDiff((plain.extras!.coefficients as Tensor).data, exact)).toBeLessThan(5e-4);
    for (let k = 0; k < d; k++) {
      const y = Math.floor((k % 16) / 4);
      const q = k % 4;
      expect(plain.values.data[k]).toBeCloseTo(exact[Math.floor(y / 2) * 2 + Math.floor(q / 2)], 3);
    }
    const shrunk = await lime.attribute(model, x, { patch: 2, target: 0, samples: 2000 });
    const coef = (shrunk.extras!.coefficients as Tensor).data;
    for (let j = 0; j < 4; j++) expect(coef[j] / exact[j]).toBeGreaterThan(0.9);
    for (let j = 0; j < 4; j++) expect(coef[j] / exact[j]).toBeLessThan(1);
  });
});

describe('lime reference on a non-linear model', () => {
  it("matches Bernoulli(0.5) coalitions, Captum's exp(−cos_dist² / 2w²) kernel and the weighted ridge rebuilt here", async () => {
    const model = new OnnxModel(reluNet());
    const x = tensor([2, 3], [0.8, -0.4, 1.2, -0.5, 0.9, 0.3]);
    const baseline = tensor([2, 3], [0.1, 0.2, -0.1, 0, 0, 0]);
    const samples = 40;
    const [seed, width, alpha] = [7, 0.7, 0.05];
    const a = await lime.attribute(model, x, { samples, seed, kernelWidth: width, alpha, baseline, target: 0 });
    const rng = new Random(seed);
    const draws = [0, 1].map(() => Array.from({ length: samples }, () => [0, 1, 2].map(() => (rng.next() < 0.5 ? 1 : 0))));
    for (let i = 0; i < 2; i++) {
      const xi = [0, 1, 2].map((j) => x.data[i * 3 + j]);
      const copies = draws[i].map((z) => z.map((v, j) => (v ? xi[j] : baseline.data[i * 3 + j])));
      const y = (await model.forward(tensor([samples, 3], copies.flat()))).data;
      const norm = (v: number[]) => Math.sqrt(v.reduce((s, t) => s + t * t, 0));
      const weights = copies.map((p) => {
        const cos = p.reduce((s, t, j) => s + t * xi[j], 0) / Math.max(norm(p) * norm(xi), 1e-8);
        return Math.exp(-((1 - cos) ** 2) / (2 * width * width));
      });
      const total = weights.reduce((s, t) => s + t, 0);
      const A = Array.from({ length: 4 }, () => new Array(4).fill(0));
      const b = new Array(4).fill(0);
      draws[i].forEach((z, s) => {
        const row = [1, ...z];
        for (let r = 0; r < 4; r++) {
          b[r] += (weights[s] / total) * row[r] * y[s];
          for (let c = 0; c < 4; c++) A[r][c] += (weights[s] / total) * row[r] * row[c];
        }
      });
      for (let r = 1; r < 4; r++) A[r][r] += alpha + 1e-9;
      const beta = gaussJordan(A, b);
      expect(maxAbsDiff((a.extras!.coefficients as Tensor).data.slice(i * 3, i * 3 + 3), beta.slice(1))).toBeLessThan(1e-4);
      expect((a.extras!.intercept as Tensor).data[i]).toBeCloseTo(beta[0], 4);
    }
  });
});

describe('lime determinism and defaults', () => {
  it('is seeded (same seed, any chunk size → identical values; another seed differs), default patch 4 via the registry', async () => {
    const model = new OnnxModel(tinyCnn({ size: 8, seed: 35 }));
    const x = randomTensor([2, 1, 8, 8], 36);
    const a = await getExplainer('lime').attribute(model, x);
    expect(a.extras).toMatchObject({ features: 4, samples: 100, kernelWidth: 1, alpha: 0.01 });
    expect(a.values.shape).toEqual([2, 1, 8, 8]);
    const b = await lime.attribute(new OnnxModel(tinyCnn({ size: 8, seed: 35 }), { internalBatchSize: 5 }), x, { seed: 0 });
    expect(Array.from(b.values.data)).toEqual(Array.from(a.values.data));
    const c = await lime.attribute(model, x, { seed: 1 });
    expect(Array.from(c.values.data)).not.toEqual(Array.from(a.values.data));
  });

  it('rejects bad options', async () => {
    const model = new OnnxModel(linearModel([1, 4, 4], uniformValues(32, 1), [0, 0]));
    const x = randomTensor([1, 1, 4, 4], 2);
    await expect(lime.attribute(model, x, { samples: 1 })).rejects.toThrow(/lime: samples must be an integer ≥ 2/);
    await expect(lime.attribute(model, x, { kernelWidth: 0 })).rejects.toThrow(/kernelWidth must be > 0/);
    await expect(lime.attribute(model, x, { alpha: -1 })).rejects.toThrow(/alpha must be ≥ 0/);
    await expect(lime.attribute(model, tensor([1, 16, 1]), {})).rejects.toThrow(/lime needs image inputs/);
  });
});
