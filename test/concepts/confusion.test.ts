import { describe, expect, it } from 'vitest';
import { confusionMatrix, perClassAccuracy } from '../../src/concepts/confusion.js';

describe('confusionMatrix', () => {
  it('counts (true, predicted) pairs and gives recall per class', () => {
    const m = confusionMatrix([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 0, 2], 4);
    expect(m).toEqual([[1, 1, 0, 0], [1, 2, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]);
    expect(perClassAccuracy(m)).toEqual([0.5, 2 / 3, 1, null]);
  });

  it('refuses labels outside the classes', () => {
    expect(() => confusionMatrix([3], [0], 2)).toThrow(/outside 0..1/);
  });
});
