/** Input × Gradient: on a linear model x ⊙ W[target] exactly; on a CNN x ⊙ model.vjp. */
import { describe, expect, it } from 'vitest';
import { inputXGradient } from '../../src/attribution/input-x-gradient.js';
import { getExplainer } from '../../src/attribution/registry.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { oneHot, tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

const D = 2 * 3 * 4;
const K = 3;
const W = uniformValues(K * D, 31, -1, 1);
const model = new OnnxModel(linearModel([2, 3, 4], W, uniformValues(K, 32)));
const x = randomTensor([4, 2, 3, 4], 33, -1, 1);

describe('input-x-gradient', () => {
  it('is x ⊙ W[target] on a linear model, signed, per row', async () => {
    const a = await inputXGradient.attribute(model, x, { target: [2, 0, 1, 2] });
    expect(a.method).toBe('input-x-gradient');
    expect(a.targets).toEqual([2, 0, 1, 2]);
    expect(a.values.shape).toEqual([4, 2, 3, 4]);
    const want = [2, 0, 1, 2].flatMap((t, i) => Array.from({ length: D }, (_, j) => Math.fround(x.data[i * D + j] * W[t * D + j])));
    expect(Array.from(a.values.data)).toEqual(want);
    expect(want.some((v) => v < 0)).toBe(true);
  });

  it('with a cotangent target is x ⊙ Σ_k cot_k W_k', async () => {
    const cot = tensor([4, K], [1, -1, 0, 0, 0, 2, 0.5, 0.5, 0.5, 0, 0, 0]);
    const a = await inputXGradient.attribute(model, x, { target: { cotangent: cot } });
    expect(a.targets).toBeUndefined();
    const want: number[] = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < D; j++) want.push(x.data[i * D + j] * [0, 1, 2].reduce((s, k) => s + cot.data[i * K + k] * W[k * D + j], 0));
    expect(maxAbsDiff(a.values.data, want)).toBeLessThan(1e-6);
  });

  it('on a CNN equals x ⊙ model.vjp with a one-hot cotangent, and is registered', async () => {
    const cnn = new OnnxModel(tinyCnn({ size: 8, seed: 3 }));
    const xs = randomTensor([3, 1, 8, 8], 34);
    const a = await inputXGradient.attribute(cnn, xs, { target: 1 });
    const { inputGrad } = await cnn.vjp(xs, oneHot([1, 1, 1], 2));
    expect(Array.from(a.values.data)).toEqual(Array.from(inputGrad.data, (g, j) => Math.fround(g * xs.data[j])));
    expect(getExplainer('input-x-gradient')).toBe(inputXGradient);
  });
});
