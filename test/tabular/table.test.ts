/** Table helpers: the class-label check the interpretable baselines share. */
import { describe, expect, it } from 'vitest';
import { checkClassLabels } from '../../src/tabular/table.js';

describe('checkClassLabels', () => {
  it('returns max label + 1, at least 2 (a one-class table still fits two classes)', () => {
    expect(checkClassLabels([0, 3, 1], 3, 'x')).toBe(4);
    expect(checkClassLabels([0, 0], 2, 'x')).toBe(2);
    expect(checkClassLabels([], 0, 'x')).toBe(2);
  });

  it('names a count mismatch and the first label that is not a class index', () => {
    expect(() => checkClassLabels([0, 1], 3, 'tree')).toThrow(/^tree: 2 labels for 3 rows; give one label per row$/);
    expect(() => checkClassLabels([0, 1.5, -1], 3, 'tree')).toThrow(/^tree: label 1.5 at row 1 is not a class index ≥ 0$/);
    expect(() => checkClassLabels([0, NaN], 2, 'tree')).toThrow(/label NaN at row 1/);
  });
});
