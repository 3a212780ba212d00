/** Dataset helpers: subsets carry images, labels, groups and masks row by row. */
import { describe, expect, it } from 'vitest';
import { indicesWhere, subset } from '../../src/data/dataset.js';
import type { Dataset } from '../../src/data/dataset.js';
import { tensor } from '../../src/tensor/tensor.js';

const data: Dataset = {
  images: tensor([4, 1, 1, 2], [0, 1, 10, 11, 20, 21, 30, 31]),
  labels: [0, 1, 1, 0],
  groups: [7, 7, 8, 9],
  masks: { roi: tensor([4, 1, 2], [1, 0, 0, 1, 1, 1, 0, 0]) },
};

describe('subset', () => {
  it('takes the given rows of every field, in order', () => {
    const s = subset(data, [2, 0]);
    expect(s.images.shape).toEqual([2, 1, 1, 2]);
    expect(Array.from(s.images.data)).toEqual([20, 21, 0, 1]);
    expect(s.labels).toEqual([1, 0]);
    expect(s.groups).toEqual([8, 7]);
    expect(Array.from(s.masks!.roi.data)).toEqual([1, 1, 1, 0]);
  });

  it('leaves out groups and masks the dataset does not have', () => {
    const s = subset({ images: data.images, labels: data.labels }, [3]);
    expect(s.groups).toBeUndefined();
    expect(s.masks).toBeUndefined();
    expect(Array.from(s.images.data)).toEqual([30, 31]);
  });
});

describe('indicesWhere', () => {
  it('lists the indices whose label (and index) satisfy the predicate', () => {
    expect(indicesWhere(data, (l) => l === 1)).toEqual([1, 2]);
    expect(indicesWhere(data, (l, i) => l === 0 && i > 0)).toEqual([3]);
    expect(indicesWhere(data, () => false)).toEqual([]);
  });
});
