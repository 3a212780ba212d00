/** Target handling shared by every method, and the weighted-output helper. */
import { describe, expect, it } from 'vitest';
import { resolveTarget, weightedOutput } from '../../src/attribution/explainer.js';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel } from '../helpers/models.js';

// Three classes; class c scores x[c] (and class 2 also x[0]): argmax is easy to predict by hand.
const model = new OnnxModel(linearModel([3], [1, 0, 0, 0, 1, 0, 1, 0, 1], [0, 0, 0]));
const x = tensor([3, 3], [5, 0, 0, 0, 5, 0, 0, 0, 5]);

describe('resolveTarget', () => {
  it('defaults to the predicted class per row', async () => {
    // Row 0: scores [5, 0, 5] → first of the tie, 0. Row 1: [0, 5, 0] → 1. Row 2: [0, 0, 5] → 2.
    const r = await resolveTarget(model, x, undefined);
    expect(r.classes).toEqual([0, 1, 2]);
    expect(Array.from(r.cotangent.data)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('expands one class to every row, and takes one class per row', async () => {
    const one = await resolveTarget(model, x, 2);
    expect(one.classes).toEqual([2, 2, 2]);
    expect(Array.from(one.cotangent.data)).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 1]);
    const per = await resolveTarget(model, x, [1, 0, 1]);
    expect(per.classes).toEqual([1, 0, 1]);
    expect(Array.from(per.cotangent.data)).toEqual([0, 1, 0, 1, 0, 0, 0, 1, 0]);
  });

  it('passes an explicit cotangent through, without classes', async () => {
    const cot = tensor([3, 3], [0.5, 0, -1, 0, 0, 0, 1, 1, 1]);
    const r = await resolveTarget(model, x, { cotangent: cot });
    expect(r.classes).toBeUndefined();
    expect(r.cotangent).toBe(cot);
  });

  it('rejects classes the model does not have, a wrong count, and a wrong cotangent shape', async () => {
    await expect(resolveTarget(model, x, 3)).rejects.toThrow('target 3 is not a class index of this model (it has 3 outputs: 0..2)');
    await expect(resolveTarget(model, x, -1)).rejects.toThrow(/target -1 is not a class index/);
    await expect(resolveTarget(model, x, 1.5)).rejects.toThrow(/target 1.5 is not a class index/);
    await expect(resolveTarget(model, x, [0, 1, 7])).rejects.toThrow(/target 7/);
    await expect(resolveTarget(model, x, [0, 1])).rejects.toThrow('got 2 targets for 3 inputs');
    await expect(resolveTarget(model, x, { cotangent: tensor([3, 2]) })).rejects.toThrow('target cotangent has shape [3, 2]; it must be [3, 3]');
  });
});

describe('weightedOutput', () => {
  it('is Σ_k output[i,k]·cotangent[row(i),k]', () => {
    const out = tensor([3, 2], [1, 2, 3, 4, 5, 6]);
    expect(Array.from(weightedOutput(out, tensor([3, 2], [1, -1, 0.5, 2, 0, 1])))).toEqual([1 - 2, 1.5 + 8, 6]);
    // Rows of a perturbation batch map back to the image they came from.
    const cot = tensor([2, 2], [1, -1, 0.5, 2]);
    expect(Array.from(weightedOutput(out, cot, (i) => [1, 0, 1][i]))).toEqual([0.5 + 4, 3 - 4, 2.5 + 12]);
  });
});
