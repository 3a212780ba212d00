/** Merging per-item results: rows land at their ids whatever the order, duplicates are dropped and counted, a short run refuses to merge. */
import { describe, expect, it } from 'vitest';
import { ItemRows } from '../../src/scale/item-rows.js';

const result = (ids: number[], fill: (id: number) => number, failures: { id: number; message: string }[] = []) => ({
  ids,
  rowShape: [2],
  values: Float32Array.from(ids.flatMap((id) => [fill(id), -fill(id)])),
  failures,
});

describe('ItemRows', () => {
  it('places rows by id in any order, keeps the first of two answers and NaNs failed rows', () => {
    const rows = new ItemRows(4);
    rows.add(result([3, 1], (id) => id + 0.5));
    rows.add(result([0], (id) => id + 0.5, [{ id: 2, message: 'bad file' }]));
    rows.add(result([1], () => 99));
    expect(rows.duplicates).toBe(1);
    const merged = rows.merged();
    expect(merged.shape).toEqual([4, 2]);
    expect(Array.from(merged.values)).toEqual([0.5, -0.5, 1.5, -1.5, NaN, NaN, 3.5, -3.5]);
    expect(rows.failed()).toEqual([{ id: 2, message: 'bad file' }]);
  });

  it('refuses to merge while an item has no answer, and ids outside the run', () => {
    const rows = new ItemRows(3);
    rows.add(result([0, 2], () => 1));
    expect(rows.missing()).toEqual([1]);
    expect(() => rows.merged()).toThrow(/1 of 3 items have no result \(first: item 1\)/);
    expect(() => rows.add(result([3], () => 1))).toThrow(/item 3, but this run has items 0\.\.2/);
  });

  it('keeps one record per item beside its row: the first answer, not a late duplicate', () => {
    const rows = new ItemRows(2);
    rows.add({ ids: [1], rowShape: [1], values: new Float32Array(1), failures: [], records: ['first'] });
    rows.add({ ids: [1, 0], rowShape: [1], values: new Float32Array(2), failures: [], records: ['late', 'zero'] });
    expect([rows.record(0), rows.record(1)]).toEqual(['zero', 'first']);
    expect(rows.duplicates).toBe(1);
    expect(() => rows.add({ ids: [0], rowShape: [1], values: new Float32Array(1), failures: [], records: [] })).toThrow(/0 records for 1 rows/);
  });
});
