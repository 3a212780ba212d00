/**
 * Interventional Shapley values: exact enumeration against closed forms (linear model:
 * φ = w ⊙ (x − mean b); an interaction term split evenly by hand), efficiency on a nonlinear model,
 * KernelSHAP against exact values, and the ONNX path on a Gemm model with input [N, F].
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { tensor } from '../../src/tensor/tensor.js';
import { OnnxModel } from '../../src/models/model.js';
import { meanAbsoluteShapley, shapleyFromValues, shapleyValues } from '../../src/tabular/shapley.js';
import type { TabularModel } from '../../src/tabular/table.js';
import { linearModel, uniformValues } from '../helpers/models.js';

function rowModel(outputs: number, f: (row: Float32Array) => number[], calls?: number[]): TabularModel {
  return {
    async forward(x: Tensor) {
      calls?.push(x.shape[0]);
      const [n, cols] = x.shape;
      const out = new Float32Array(n * outputs);
      for (let i = 0; i < n; i++) out.set(f(x.data.subarray(i * cols, (i + 1) * cols)), i * outputs);
      return tensor([n, outputs], out);
    },
  };
}

function table(n: number, f: number, seed: number, low = -1, high = 1): Tensor {
  return tensor([n, f], uniformValues(n * f, seed, low, high));
}

function columnMeans(b: Tensor): number[] {
  const [n, f] = b.shape;
  return Array.from({ length: f }, (_, j) => Array.from({ length: n }, (_, i) => b.data[i * f + j]).reduce((a, c) => a + c) / n);
}

describe('exact interventional Shapley values', () => {
  it('equal w ⊙ (x − mean b) on a linear model, in few forward calls', async () => {
    const w = [0.5, -1, 2, 0, 1.5];
    const calls: number[] = [];
    const model = rowModel(1, (r) => [w.reduce((a, wj, j) => a + wj * r[j], 0.3)], calls);
    const x = table(3, 5, 1);
    const b = table(20, 5, 2);
    const r = await shapleyValues(model, x, b);
    expect(r.exact).toBe(true);
    expect(r.coalitions).toBe(32);
    const mb = columnMeans(b);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) expect(r.phi.data[i * 5 + j]).toBeCloseTo(w[j] * (x.data[i * 5 + j] - mb[j]), 5);
    // 3 rows × 32 coalitions × 20 background rows = 1920 rows: one call after the f(x) call.
    expect(calls).toEqual([3, 1920]);
    // Streaming through tiny calls gives the same values.
    const small = await shapleyValues(model, x, b, { maxRowsPerCall: 50 });
    expect(Array.from(small.phi.data)).toEqual(Array.from(r.phi.data));
  });

  it('split an interaction term as computed by hand', async () => {
    const [a, bb, c, d] = [1, -2, 3, 0.5];
    const model = rowModel(1, (r) => [a * r[0] + bb * r[1] + c * r[0] * r[1] + d * r[2]]);
    const x = tensor([1, 3], [0.5, -1, 2]);
    const bg = tensor([2, 3], [1, 2, 0, -1, 0.5, 1]);
    const r = await shapleyValues(model, x, bg);
    // With one background row b: φ0 = a(x0−b0) + c/2 (x0−b0)(x1+b1); φ1 symmetric; φ2 = d(x2−b2). Average over b.
    const rows = [[1, 2, 0], [-1, 0.5, 1]];
    const hand = [0, 0, 0];
    for (const b of rows) {
      hand[0] += (a * (0.5 - b[0]) + (c / 2) * (0.5 - b[0]) * (-1 + b[1])) / 2;
      hand[1] += (bb * (-1 - b[1]) + (c / 2) * (-1 - b[1]) * (0.5 + b[0])) / 2;
      hand[2] += (d * (2 - b[2])) / 2;
    }
    // Worked by hand: b = (1, 2, 0) gives (−1.25, −0.75, 1), b = (−1, 0.5, 1) gives (0.375, 4.125, 0.5).
    expect(hand).toEqual([-0.4375, 1.6875, 0.75]);
    hand.forEach((h, j) => expect(r.phi.data[j]).toBeCloseTo(h, 5));
    // Efficiency: f(x) = 2, f(b) = 3 and −3.
    expect(r.output[0] - r.expectedValue[0]).toBeCloseTo(2, 5);
  });

  it('satisfy efficiency Σφ = f(x) − mean f(background) on a nonlinear model', async () => {
    const model = rowModel(2, (r) => [Math.tanh(r[0] * r[1] - r[2]) + Math.max(r[3], r[4]) * r[5], r[0] ** 2 - r[6]]);
    const x = table(4, 7, 3);
    const bg = table(15, 7, 4);
    for (const target of [0, 1]) {
      const r = await shapleyValues(model, x, bg, { target });
      const fb = (await model.forward(bg)).data.filter((_, i) => i % 2 === target);
      const meanFb = fb.reduce((p, q) => p + q, 0) / fb.length;
      for (let i = 0; i < 4; i++) {
        const sum = Array.from(r.phi.data.subarray(i * 7, (i + 1) * 7)).reduce((p, q) => p + q, 0);
        expect(r.expectedValue[i]).toBeCloseTo(meanFb, 5);
        expect(sum).toBeCloseTo(r.output[i] - meanFb, 4);
      }
    }
  });

  it('shapleyFromValues matches the two-player formula; meanAbsoluteShapley averages |φ|', () => {
    // v(∅)=0, v({0})=1, v({1})=2, v({0,1})=5: φ0 = ½(1 + 3) = 2, φ1 = ½(2 + 4) = 3.
    expect(Array.from(shapleyFromValues([0, 1, 2, 5], 2))).toEqual([2, 3]);
    expect(meanAbsoluteShapley(tensor([2, 2], [1, -3, -1, 1]))).toEqual([1, 2]);
  });

  it('defaults the target to each row\'s predicted class for several outputs', async () => {
    const model = rowModel(2, (r) => [r[0], -r[0]]);
    const r = await shapleyValues(model, tensor([2, 1], [1, -1]), tensor([1, 1], [0]));
    expect(r.targets).toEqual([0, 1]);
    expect(Array.from(r.phi.data)).toEqual([1, 1]);
  });
});

describe('KernelSHAP for tabular models', () => {
  it('is exact on a linear model with 14 features (the value function is additive)', async () => {
    const rng = new Random(6);
    const w = Array.from({ length: 14 }, () => rng.normal());
    const model = rowModel(1, (r) => [w.reduce((a, wj, j) => a + wj * r[j], 0)]);
    const x = table(2, 14, 7);
    const bg = table(10, 14, 8);
    const r = await shapleyValues(model, x, bg, { samples: 300, seed: 1 });
    expect(r.exact).toBe(false);
    const mb = columnMeans(bg);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 14; j++) expect(r.phi.data[i * 14 + j]).toBeCloseTo(w[j] * (x.data[i * 14 + j] - mb[j]), 4);
  });

  it('approaches the exact values on a model with interactions, and keeps efficiency exactly', async () => {
    const model = rowModel(1, (r) => [r[0] * r[1] + Math.sin(3 * r[2]) + r[3] * r[4] * r[5] + 2 * r[0]]);
    const x = table(3, 6, 9);
    const bg = table(8, 6, 10);
    const exact = await shapleyValues(model, x, bg, { exact: true });
    const sampled = await shapleyValues(model, x, bg, { samples: 3000, seed: 2 });
    let err = 0;
    let scale = 0;
    for (let k = 0; k < exact.phi.data.length; k++) {
      err = Math.max(err, Math.abs(sampled.phi.data[k] - exact.phi.data[k]));
      scale = Math.max(scale, Math.abs(exact.phi.data[k]));
    }
    expect(err).toBeLessThan(0.03 * scale);
    for (let i = 0; i < 3; i++) {
      const sum = Array.from(sampled.phi.data.subarray(i * 6, (i + 1) * 6)).reduce((p, q) => p + q, 0);
      expect(sum).toBeCloseTo(sampled.output[i] - sampled.expectedValue[i], 4);
    }
    // Same seed, same values.
    const again = await shapleyValues(model, x, bg, { samples: 3000, seed: 2 });
    expect(Array.from(again.phi.data)).toEqual(Array.from(sampled.phi.data));
  });
});

describe('ONNX tabular models', () => {
  it('a Gemm model with input [N, F] is a tabular model: φ = W[target] ⊙ (x − mean b)', async () => {
    const W = uniformValues(3 * 4, 11);
    const model = new OnnxModel(linearModel([4], W, [0.1, 0.2, 0.3]));
    expect(model.inputShape).toEqual([4]);
    const x = table(2, 4, 12);
    const bg = table(6, 4, 13);
    const r = await shapleyValues(model, x, bg, { target: 2 });
    const mb = columnMeans(bg);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 4; j++) expect(r.phi.data[i * 4 + j]).toBeCloseTo(W[8 + j] * (x.data[i * 4 + j] - mb[j]), 5);
  });

  it('rejects bad input with one-line messages', async () => {
    const model = rowModel(1, (r) => [r[0]]);
    await expect(shapleyValues(model, tensor([1, 2], [0, 0]), tensor([1, 3], [0, 0, 0]))).rejects.toThrow(/background has 3 columns but 2/);
    await expect(shapleyValues(model, tensor([1, 1], [0]), tensor([0, 1], []))).rejects.toThrow(/no rows/);
    await expect(shapleyValues(model, tensor([1, 1], [0]), tensor([1, 1], [0]), { target: 1 })).rejects.toThrow(/target 1 is not an output column/);
    await expect(shapleyValues(model, table(1, 13, 1), table(1, 13, 2), { exact: true })).rejects.toThrow(/≤ 12 features/);
  });
});
