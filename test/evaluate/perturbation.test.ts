/** The shared pieces of the perturbation metrics: feature order, replacement values, the trapezoid rule, chunked scoring of perturbed copies. */
import { describe, expect, it } from 'vitest';
import { MAX_BATCH_VALUES, featureOrder, replacementValues, scorePerturbedCopies, targetScorer, trapezoid } from '../../src/evaluate/perturbation.js';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel } from '../helpers/models.js';

describe('perturbation helpers: order, baselines, trapezoid', () => {
  it('orders features most-first or least-first, ties in index order', () => {
    expect(Array.from(featureOrder([0.1, 3, 3, -2], 'most'))).toEqual([1, 2, 0, 3]);
    expect(Array.from(featureOrder([0.1, 3, 3, -2], 'least'))).toEqual([3, 0, 1, 2]);
  });

  it('mean baseline is the per-image, per-channel mean', () => {
    const t = tensor([1, 2, 1, 2], [1, 3, 10, 20]);
    expect(Array.from(replacementValues('m', t, 'mean'))).toEqual([2, 2, 15, 15]);
    expect(Array.from(replacementValues('m', t, 0.5))).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(replacementValues('m', t, tensor([2, 1, 2], [7, 8, 9, 10])))).toEqual([7, 8, 9, 10]);
  });

  it('trapezoid integrates a line exactly', () => {
    expect(trapezoid([0, 0.5, 1], [1, 2, 3])).toBeCloseTo(2, 12);
  });
});

describe('scorePerturbedCopies', () => {
  it('splits copies by MAX_BATCH_VALUES per call, fills inputs in order and scores copy s of input i at i·copies + s', async () => {
    // 4096 features × 4097 copies is just over MAX_BATCH_VALUES, so each input takes its own call.
    const f = 4096;
    const copies = 4097;
    expect(copies * f).toBeGreaterThan(MAX_BATCH_VALUES);
    // Output 1 is the mean of the features, so copy s of input i (all features i + s/1000) scores i + s/1000.
    const model = new OnnxModel(linearModel([f], Float32Array.from({ length: 2 * f }, (_, j) => (j < f ? 0 : 1 / f)), [0, 0]));
    const inputs = tensor([3, f], new Float32Array(3 * f));
    const scorer = await targetScorer('test', model, inputs, 1, 'output');
    const filled: number[] = [];
    const calls: [number, number, number][] = [];
    const scores = await scorePerturbedCopies(
      model,
      inputs,
      scorer,
      copies,
      (i, rows) => {
        filled.push(i);
        expect(rows.length).toBe(copies * f);
        for (let s = 0; s < copies; s++) rows.fill(i + s / 1000, s * f, (s + 1) * f);
      },
      (output, first, count) => calls.push([output.shape[0], first, count]),
    );
    expect(filled).toEqual([0, 1, 2]);
    expect(calls).toEqual([
      [copies, 0, 1],
      [copies, 1, 1],
      [copies, 2, 1],
    ]);
    expect(scores.length).toBe(3 * copies);
    for (const [i, s] of [[0, 0], [0, 4096], [1, 7], [2, 4096]]) expect(scores[i * copies + s]).toBeCloseTo(i + s / 1000, 3);
    await model.dispose();
  });
});
