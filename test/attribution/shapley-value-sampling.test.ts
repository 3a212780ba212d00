/**
 * Shapley value sampling against three independent references: Captum's published exact values on
 * BasicModel_MultiLayer (also KernelSHAP's exact mode), the closed form of a linear model (every
 * ordering credits each patch with Σ w·(x − b) over it), and efficiency on a nonlinear CNN.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { tensor, type Tensor } from '../../src/tensor/tensor.js';
import { shapleyValueSampling } from '../../src/attribution/shapley-value-sampling.js';
import { kernelShap } from '../../src/attribution/kernel-shap.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { basicModelMultiLayer } from '../helpers/captum-models.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

describe('shapley-sampling', () => {
  it("walks all orderings to Captum's exact values on BasicModel_MultiLayer, equal to KernelSHAP's exact mode", async () => {
    const model = new OnnxModel(basicModelMultiLayer());
    const x = tensor([1, 3], [20, 50, 30]);
    const a = await shapleyValueSampling.attribute(model, x, { exact: true, target: 0 });
    const phi = a.extras!.phi as Tensor;
    expect(maxAbsDiff(phi.data, [76.66666, 196.66666, 116.66666])).toBeLessThan(1e-3);
    expect(a.extras!.orderings).toEqual([6]);
    const k = await kernelShap.attribute(model, x, { exact: true, target: 0 });
    expect(maxAbsDiff(phi.data, (k.extras!.phi as Tensor).data)).toBeLessThan(1e-3);
  });

  it('gives a linear model its closed form per patch from any orderings', async () => {
    const w = uniformValues(2 * 64, 5);
    const model = new OnnxModel(linearModel([1, 8, 8], w, [0.1, -0.2]));
    const x = randomTensor([2, 1, 8, 8], 6);
    const a = await shapleyValueSampling.attribute(model, x, { target: 1, patch: 4, orderings: 3, baseline: 0.5, seed: 2 });
    const phi = a.extras!.phi as Tensor;
    for (let i = 0; i < 2; i++) {
      const expected = [0, 0, 0, 0];
      for (let y = 0; y < 8; y++) for (let c = 0; c < 8; c++) expected[Math.floor(y / 4) * 2 + Math.floor(c / 4)] += w[64 + y * 8 + c] * (x.data[i * 64 + y * 8 + c] - 0.5);
      expect(maxAbsDiff(phi.data.subarray(i * 4, i * 4 + 4), expected)).toBeLessThan(1e-4);
    }
  });

  it('is efficient (Σφ = f(x) − f(baseline)) for every sampled estimate, and seeded', async () => {
    const model = new OnnxModel(tinyCnn({ seed: 3 }));
    const x = randomTensor([3, 1, 32, 32], 7);
    const a = await shapleyValueSampling.attribute(model, x, { target: 1, patch: 8, orderings: 4, seed: 9 });
    const b = await shapleyValueSampling.attribute(model, x, { target: 1, patch: 8, orderings: 4, seed: 9 });
    expect(Array.from(a.values.data)).toEqual(Array.from(b.values.data));
    const fx = await model.forward(x);
    const f0 = await model.forward(tensor([1, 1, 32, 32]));
    const phi = a.extras!.phi as Tensor;
    for (let i = 0; i < 3; i++) {
      const sum = phi.data.subarray(i * 16, (i + 1) * 16).reduce((s, v) => s + v, 0);
      expect(Math.abs(sum - (fx.data[i * 2 + 1] - f0.data[1]))).toBeLessThan(1e-4);
    }
    await expect(shapleyValueSampling.attribute(model, x, { exact: true, patch: 8 })).rejects.toThrow(/exact needs ≤ 8 features \(got 16/);
  });
});
