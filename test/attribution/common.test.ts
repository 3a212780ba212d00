/** The pieces methods share (attribution/common/): targets, baselines, batch bounds, perturbed copies. */
import { describe, expect, it } from 'vitest';
import { classesPerRow, cotangentRows, targetRows } from '../../src/attribution/common/target.js';
import { baselineDistribution, expandBaseline } from '../../src/attribution/common/baselines.js';
import { inputsPerBatch, MAX_BATCH_VALUES, rowsPerBatch } from '../../src/attribution/common/batching.js';
import { scorePerturbedCopies } from '../../src/attribution/common/perturbed-copies.js';
import type { Model } from '../../src/models/model.js';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { linearModel } from '../helpers/models.js';

// Three classes; class c scores x[c] (and class 2 also x[0]).
const model = new OnnxModel(linearModel([3], [1, 0, 0, 0, 1, 0, 1, 0, 1], [0, 0, 0]));
const x = tensor([3, 3], [5, 0, 0, 0, 5, 0, 0, 0, 5]);

describe('targets', () => {
  it('classesPerRow: the prediction, a class for all, a class per row; a cotangent is refused by name', async () => {
    expect(await classesPerRow(model, x, undefined, 'check')).toEqual([0, 1, 2]);
    expect(await classesPerRow(model, x, 1, 'check')).toEqual([1, 1, 1]);
    expect(await classesPerRow(model, x, [2, 0, 1], 'check')).toEqual([2, 0, 1]);
    await expect(classesPerRow(model, x, { cotangent: tensor([3, 3]) }, 'the shortcut check')).rejects.toThrow('the shortcut check needs class targets');
  });

  it('cotangentRows gives row r the weighting of input rowOf(r)', () => {
    const cot = tensor([2, 2], [1, 2, 3, 4]);
    expect(Array.from(cotangentRows(cot, 4, (r) => r % 2).data)).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    expect(cotangentRows(cot, 3, () => 1).shape).toEqual([3, 2]);
    // A batch's target follows its rows' inputs: classes stay classes, cotangents become rows.
    expect(targetRows({ cotangent: cot, classes: [4, 5] }, 4, (r) => Math.floor(r / 2))).toEqual([4, 4, 5, 5]);
    expect(Array.from((targetRows({ cotangent: cot }, 2, () => 0) as { cotangent: Tensor }).cotangent.data)).toEqual([1, 2, 1, 2]);
  });
});

describe('baselines', () => {
  const inputs = tensor([2, 1, 2], [1, 2, 3, 4]);
  it('a number, one example (with or without the batch axis) broadcast, or one per input', () => {
    expect(Array.from(expandBaseline(undefined, inputs, 'm'))).toEqual([0, 0, 0, 0]);
    expect(Array.from(expandBaseline(0.5, inputs, 'm'))).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(expandBaseline(tensor([1, 2], [7, 8]), inputs, 'm'))).toEqual([7, 8, 7, 8]);
    expect(Array.from(expandBaseline(tensor([1, 1, 2], [7, 8]), inputs, 'm'))).toEqual([7, 8, 7, 8]);
    expect(Array.from(expandBaseline(tensor([2, 1, 2], [5, 6, 7, 8]), inputs, 'm'))).toEqual([5, 6, 7, 8]);
    expect(() => expandBaseline(tensor([3, 1, 2]), inputs, 'occlusion')).toThrow('occlusion baseline has shape [3, 1, 2]; it must be a number, one example [1, 2], or match the inputs [2, 1, 2]');
    expect(() => expandBaseline(NaN, inputs, 'm')).toThrow('m baseline must be a finite number');
  });

  it('a distribution of B examples to draw from', () => {
    expect(baselineDistribution(undefined, inputs, 'g')).toEqual({ data: new Float32Array(2), count: 1 });
    expect(baselineDistribution(tensor([3, 1, 2]), inputs, 'g').count).toBe(3);
    expect(() => baselineDistribution(tensor([3, 2]), inputs, 'g')).toThrow('g baselines have shape [3, 2]');
  });
});

describe('batch bounds and perturbed copies', () => {
  it('bounds what a method builds by MAX_BATCH_VALUES, at least one row or input', () => {
    expect(rowsPerBatch(MAX_BATCH_VALUES / 4)).toBe(4);
    expect(rowsPerBatch(MAX_BATCH_VALUES * 2)).toBe(1);
    expect(inputsPerBatch(8, MAX_BATCH_VALUES / 32)).toBe(4);
    expect(inputsPerBatch(8, MAX_BATCH_VALUES)).toBe(1);
  });

  it('fills copies in order, hands whole batches to the model and scores each by its input', async () => {
    const calls: number[] = [];
    const counting: Model = Object.create(model);
    counting.forward = (t: Tensor) => (calls.push(t.shape[0]), model.forward(t));
    const order: number[] = [];
    const batches: number[] = [];
    // Copy c scales input c % 3 by (1 + c); explained: class 2 for every input, output x0 + x2.
    const scores = await scorePerturbedCopies(
      counting,
      x,
      tensor([3, 3], [0, 0, 1, 0, 0, 1, 0, 0, 1]),
      {
        count: 6,
        inputOf: (c) => c % 3,
        fill(c, into) {
          order.push(c);
          const i = c % 3;
          for (let j = 0; j < 3; j++) into[j] = x.data[i * 3 + j] * (1 + c);
        },
      },
      (first, part) => batches.push(first, part.length),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(calls).toEqual([6]);
    expect(batches).toEqual([0, 6]);
    expect(Array.from(scores)).toEqual([5, 0, 15, 20, 0, 30]);
  });
});
