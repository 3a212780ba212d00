/** The shared pieces of the perturbation metrics: feature order, replacement values, the trapezoid rule. */
import { describe, expect, it } from 'vitest';
import { featureOrder, replacementValues, trapezoid } from '../../src/evaluate/perturbation.js';
import { tensor } from '../../src/tensor/tensor.js';

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
