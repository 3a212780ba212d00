/** Saliency on linear models, where ∂y_t/∂x is the weight row W[t] exactly. */
import { describe, expect, it } from 'vitest';
import { saliency } from '../../src/attribution/saliency.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { oneHot, tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';
import { basicModel } from '../helpers/captum-models.js';

const C = 2;
const H = 3;
const W_ = 4;
const D = C * H * W_;
const K = 3;
const W = uniformValues(K * D, 1, -1, 1);
const b = uniformValues(K, 2);
const model = new OnnxModel(linearModel([C, H, W_], W, b));
const x = randomTensor([4, C, H, W_], 3, -1, 1);
const row = (c: number) => Array.from(W.subarray(c * D, (c + 1) * D));

function logitsByHand(i: number): number[] {
  return Array.from({ length: K }, (_, c) => b[c] + row(c).reduce((s, w, j) => s + w * x.data[i * D + j], 0));
}

describe('saliency', () => {
  it('is |W[target]| reshaped to the input, for every row', async () => {
    const a = await saliency.attribute(model, x, { target: [2, 0, 1, 2] });
    expect(a.method).toBe('saliency');
    expect(a.values.shape).toEqual([4, C, H, W_]);
    expect(a.targets).toEqual([2, 0, 1, 2]);
    [2, 0, 1, 2].forEach((t, i) => expect(Array.from(a.values.data.subarray(i * D, (i + 1) * D))).toEqual(row(t).map(Math.abs)));
  });

  it('abs: false gives the signed gradient W[target]', async () => {
    const a = await saliency.attribute(model, x, { target: 1, abs: false });
    for (let i = 0; i < 4; i++) expect(Array.from(a.values.data.subarray(i * D, (i + 1) * D))).toEqual(row(1));
    expect(row(1).some((v) => v < 0)).toBe(true);
  });

  it('explains the predicted class (argmax of the logits) by default', async () => {
    const predicted = [0, 1, 2, 3].map((i) => {
      const z = logitsByHand(i);
      return z.indexOf(Math.max(...z));
    });
    const a = await saliency.attribute(model, x);
    expect(a.targets).toEqual(predicted);
    predicted.forEach((t, i) => expect(Array.from(a.values.data.subarray(i * D, (i + 1) * D))).toEqual(row(t).map(Math.abs)));
  });

  it('with a cotangent target gives |Σ_c cot[i,c]·W[c]|', async () => {
    const cot = tensor([4, K], [1, -1, 0, 0, 0, 2, 0.5, 0.5, 0.5, 0, 0, 0]);
    const a = await saliency.attribute(model, x, { target: { cotangent: cot } });
    expect(a.targets).toBeUndefined();
    const expected: number[] = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < D; j++) expected.push(Math.abs([0, 1, 2].reduce((s, c) => s + cot.data[i * K + c] * W[c * D + j], 0)));
    expect(maxAbsDiff(a.values.data, expected)).toBeLessThan(1e-6);
  });

  it('returns an empty map for an empty batch', async () => {
    const a = await saliency.attribute(model, tensor([0, C, H, W_]));
    expect(a.values.shape).toEqual([0, C, H, W_]);
    expect(a.targets).toEqual([]);
  });

  it('rejects targets the model does not have', async () => {
    await expect(saliency.attribute(model, x, { target: 3 })).rejects.toThrow(/target 3 is not a class index.*0\.\.2/);
    await expect(saliency.attribute(model, x, { target: [0, 1] })).rejects.toThrow(/2 targets for 4 inputs/);
    await expect(saliency.attribute(model, x, { target: -1 })).rejects.toThrow(/target -1/);
  });

  it('on a CNN equals |model.vjp| with a one-hot cotangent', async () => {
    const cnn = new OnnxModel(tinyCnn({ size: 8, seed: 3 }));
    const xs = randomTensor([3, 1, 8, 8], 4);
    const a = await saliency.attribute(cnn, xs, { target: [1, 0, 1] });
    const { inputGrad } = await cnn.vjp(xs, oneHot([1, 0, 1], 2));
    expect(Array.from(a.values.data)).toEqual(Array.from(inputGrad.data, Math.abs));
  });
});

describe("saliency on Captum's BasicModel f(x) = 1 − ReLU(1 − x)", () => {
  it('at [1, 2, 3, 0, −1, 7] has gradient [0, 0, 0, 1, 1, 0] (ReLU′(0) = 0, as in PyTorch)', async () => {
    const model = new OnnxModel(basicModel());
    const r = await saliency.attribute(model, tensor([1, 6], [1, 2, 3, 0, -1, 7]), { target: { cotangent: tensor([1, 6], new Array(6).fill(1)) } });
    expect(Array.from(r.values.data)).toEqual([0, 0, 0, 1, 1, 0]);
    await model.dispose();
  });
});
