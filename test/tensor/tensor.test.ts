/** The Tensor helpers against loops written here. */
import { describe, expect, it } from 'vitest';
import {
  argmaxRows,
  concatRows,
  filled,
  firstNonFinite,
  oneHot,
  reshape,
  row,
  shapeToString,
  sizeOf,
  sliceRows,
  softmaxRows,
  takeRows,
  tensor,
  zeros,
} from '../../src/tensor/tensor.js';

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('tensor construction', () => {
  it('sizes shapes, checks value counts and copies the shape', () => {
    expect(sizeOf([2, 3, 4])).toBe(24);
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([3, 0, 2])).toBe(0);
    const shape = [2, 3];
    const t = tensor(shape, [1, 2, 3, 4, 5, 6]);
    shape[0] = 99;
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => tensor([2, 3], [1, 2, 3])).toThrow(/\[2, 3\] needs 6 values but got 3/);
    expect(Array.from(zeros([2, 2]).data)).toEqual([0, 0, 0, 0]);
    expect(Array.from(filled([3], 2.5).data)).toEqual([2.5, 2.5, 2.5]);
    expect(shapeToString([1, 28, 28])).toBe('[1, 28, 28]');
  });

  it('keeps a Float32Array as is (no copy) and rounds numbers to float32', () => {
    const data = iota(6);
    expect(tensor([6], data).data).toBe(data);
    expect(tensor([1], [0.1]).data[0]).toBe(Math.fround(0.1));
  });
});

describe('row operations', () => {
  const t = tensor([4, 2, 3], iota(24));

  it('sliceRows and row copy the right rows and share no memory', () => {
    const s = sliceRows(t, 1, 3);
    expect(s.shape).toEqual([2, 2, 3]);
    expect(Array.from(s.data)).toEqual(Array.from({ length: 12 }, (_, i) => 6 + i));
    s.data[0] = -1;
    expect(t.data[6]).toBe(6);
    const r = row(t, 3);
    expect(r.shape).toEqual([1, 2, 3]);
    expect(Array.from(r.data)).toEqual([18, 19, 20, 21, 22, 23]);
  });

  it('concatRows undoes a split into uneven parts and rejects mismatched rows', () => {
    const parts = [sliceRows(t, 0, 1), sliceRows(t, 1, 4)];
    const c = concatRows(parts);
    expect(c.shape).toEqual([4, 2, 3]);
    expect(Array.from(c.data)).toEqual(Array.from(t.data));
    expect(() => concatRows([])).toThrow(/nothing/);
    expect(() => concatRows([t, tensor([1, 3, 2], iota(6))])).toThrow(/row shapes differ/);
  });

  it('takeRows gathers rows in the given order, repeats included', () => {
    const g = takeRows(t, [2, 0, 2]);
    expect(g.shape).toEqual([3, 2, 3]);
    const expected = [2, 0, 2].flatMap((r) => Array.from({ length: 6 }, (_, k) => r * 6 + k));
    expect(Array.from(g.data)).toEqual(expected);
    expect(takeRows(t, []).shape).toEqual([0, 2, 3]);
  });

  it('reshape views the same data and refuses a different size', () => {
    const r = reshape(t, [4, 6]);
    expect(r.shape).toEqual([4, 6]);
    expect(r.data).toBe(t.data);
    expect(() => reshape(t, [5, 5])).toThrow(/cannot view \[4, 2, 3\] as \[5, 5\]/);
  });
});

describe('numeric helpers', () => {
  it('firstNonFinite finds NaN and ±Infinity and returns -1 for clean data', () => {
    expect(firstNonFinite(Float32Array.from([0, 1, 2]))).toBe(-1);
    expect(firstNonFinite(Float32Array.from([0, NaN, Infinity]))).toBe(1);
    expect(firstNonFinite(Float32Array.from([0, 1, -Infinity]))).toBe(2);
  });

  it('argmaxRows takes the first of tied maxima', () => {
    const t = tensor([3, 4], [1, 5, 5, 0, -3, -2, -9, -2, 7, 7, 7, 7]);
    expect(argmaxRows(t)).toEqual([1, 1, 0]);
  });

  it('softmaxRows matches exp/sum computed in float64, even for huge logits', () => {
    const logits = [
      [1, 2, 3],
      [0, 0, 0],
      [1000, 999, -1000],
      [-50, -51, -52],
    ];
    const s = softmaxRows(tensor([4, 3], logits.flat()));
    logits.forEach((r, i) => {
      const m = Math.max(...r);
      const e = r.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      e.forEach((v, j) => expect(s.data[i * 3 + j]).toBeCloseTo(v / z, 6));
    });
    expect(firstNonFinite(s.data)).toBe(-1);
  });

  it('oneHot puts a single 1 per row at the target', () => {
    const o = oneHot([2, 0, 1], 3);
    expect(o.shape).toEqual([3, 3]);
    expect(Array.from(o.data)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
  });
});
