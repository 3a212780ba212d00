/**
 * Sufficiency on a constructed batch: a linear model whose predictions we set through the inputs,
 * and maps placed at chosen distances, so every local value is a count we can do by hand.
 */
import { describe, expect, it } from 'vitest';
import { pairwiseDistances, sufficiency } from '../../src/evaluate/sufficiency.js';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel } from '../helpers/models.js';

// Class 0 when x0 > x1, else class 1.
const model = new OnnxModel(linearModel([2], [1, 0, 0, 1], [0, 0]));
// Predictions: 0, 0, 1, 0, 1.
const x = tensor([5, 2], [2, 1, 3, 0, 0, 1, 5, 1, 1, 4]);

describe('sufficiency', () => {
  it('is the share of same-class predictions among inputs whose maps lie within the threshold', async () => {
    // Maps: a cluster {0, 1, 2} near (0, 0), a cluster {3, 4} near (10, 10): the largest distance ≈ 14.
    const maps = tensor([5, 2], [0, 0, 0.1, 0, 0, 0.1, 10, 10, 10, 9.9]);
    const r = await sufficiency(model, x, maps, { threshold: 0.2 });
    expect(r.predicted).toEqual([0, 0, 1, 0, 1]);
    // Image 0's neighbours {1, 2}: one of two shares class 0; image 2's {0, 1}: none shares class 1.
    expect(r.perImage).toEqual([0.5, 0.5, 0, 0, 0]);
    expect(r.mean).toBeCloseTo(0.2, 12);
    expect(r.withNeighbours).toBe(5);
  });

  it('gives no value (not 0) to an input whose explanation applies to no other', async () => {
    const maps = tensor([5, 2], [0, 0, 0.1, 0, 50, 50, 10, 10, 10, 9.9]);
    const r = await sufficiency(model, x, maps, { threshold: 0.1 });
    expect(r.perImage).toEqual([1, 1, null, 0, 0]);
    expect(r.withNeighbours).toBe(4);
    expect(r.mean).toBeCloseTo(0.5, 12);
  });

  it('distances: euclidean, standardised euclidean (constant coordinates skipped), cosine', () => {
    const rows = Float32Array.from([0, 1, 5, 3, 1, 5, 0, 3, 5]);
    const e = pairwiseDistances(rows, 3, 3, 'euclidean');
    expect(e[1]).toBeCloseTo(3, 12);
    expect(e[2]).toBeCloseTo(2, 12);
    // Variances (ddof 1): column 0 → 3, column 1 → 4/3, column 2 → 0 (skipped).
    const s = pairwiseDistances(rows, 3, 3, 'seuclidean');
    expect(s[1]).toBeCloseTo(Math.sqrt(9 / 3), 12);
    expect(s[2]).toBeCloseTo(Math.sqrt(4 / (4 / 3)), 12);
    const c = pairwiseDistances(Float32Array.from([1, 0, 0, 2, 0, 0]), 3, 2, 'cosine');
    expect(c[1]).toBeCloseTo(1, 12);
    expect(c[2]).toBe(1);
  });

  it('rejects a single input and a threshold outside [0, 1]', async () => {
    await expect(sufficiency(model, tensor([1, 2], [1, 2]), tensor([1, 2], [1, 2]))).rejects.toThrow(/at least 2 inputs/);
    await expect(sufficiency(model, x, x, { threshold: 2 })).rejects.toThrow(/must be in \[0, 1\]/);
  });
});
