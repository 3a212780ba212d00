/**
 * Several classes in one call (explainClasses) against one call per class, with the model called
 * once; output sums and weightings against the same sums written as explicit cotangents and, on a
 * linear model, against the closed form (x − b) ⊙ Σ_k w_k W[k].
 */
import { describe, expect, it } from 'vitest';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { saliency } from '../../src/attribution/saliency.js';
import { occlusion } from '../../src/attribution/occlusion.js';
import { explainClasses, outputSum, outputWeights } from '../../src/attribution/targets.js';
import { OnnxModel } from '../../src/models/model.js';
import type { Model } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

function countingVjp(model: Model): { model: Model; calls: number[] } {
  const s = { calls: [] as number[], model };
  s.model = Object.assign(Object.create(Object.getPrototypeOf(model)) as Model, model, {
    vjp: (x: Tensor, c: Tensor) => (s.calls.push(x.shape[0]), model.vjp(x, c)),
  });
  return s;
}

describe('targets', () => {
  it('explainClasses gives, per class, what one call per class gives — with one model call', async () => {
    const base = new OnnxModel(tinyCnn({ seed: 2, classes: 3 }));
    const x = randomTensor([2, ...base.inputShape], 4);
    const spy = countingVjp(base);
    const per = await explainClasses(integratedGradients, spy.model, x, [2, 0, 1], { steps: 8 });
    expect(spy.calls).toEqual([3 * 2 * (8 + 2)]);
    for (const [c, cls] of [2, 0, 1].entries()) {
      const one = await integratedGradients.attribute(base, x, { target: cls, steps: 8 });
      expect(maxAbsDiff(per[c].values.data, one.values.data)).toBeLessThan(1e-6);
      expect(per[c].targets).toEqual([cls, cls]);
      expect(per[c].extras!.convergenceDelta).toHaveLength(2);
      expect(maxAbsDiff(per[c].extras!.convergenceDelta as number[], one.extras!.convergenceDelta as number[])).toBeLessThan(1e-5);
    }
    const occ = await explainClasses(occlusion, base, x, [1, 2], { window: 8, stride: 8 });
    const occ2 = await occlusion.attribute(base, x, { target: 2, window: 8, stride: 8 } as never);
    expect(maxAbsDiff(occ[1].values.data, occ2.values.data)).toBeLessThan(1e-6);
  });

  it('outputSum / outputWeights explain Σ_k w_k·output_k: closed form on a linear model', async () => {
    const w = uniformValues(5 * 6, 7);
    const model = new OnnxModel(linearModel([6], w, uniformValues(5, 8)));
    const x = randomTensor([3, 6], 9, -1, 1);
    const summed = await integratedGradients.attribute(model, x, { target: outputSum([1, 3, 4], 3, 5) });
    const expected = Array.from(x.data, (v, idx) => v * (w[6 + (idx % 6)] + w[18 + (idx % 6)] + w[24 + (idx % 6)]));
    expect(maxAbsDiff(summed.values.data, expected)).toBeLessThan(1e-5);
    const weighted = await saliency.attribute(model, x, { target: outputWeights([0.5, 0, -2, 0, 0], 3, 5), abs: false });
    expect(maxAbsDiff(weighted.values.data, Array.from(x.data, (_, idx) => 0.5 * w[idx % 6] - 2 * w[12 + (idx % 6)]))).toBeLessThan(1e-6);
  });

  it('fails in one line on bad output indices or weights', () => {
    expect(() => outputSum([5], 1, 5)).toThrow(/output index 5 is out of range; the model has 5 outputs/);
    expect(() => outputSum([], 1, 5)).toThrow(/at least one output/);
    expect(() => outputWeights([1, 2], 1, 5)).toThrow(/2 entries but the model has 5 outputs/);
    expect(() => outputWeights([1, NaN], 1, 2)).toThrow(/finite/);
  });
});
