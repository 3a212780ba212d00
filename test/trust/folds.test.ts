/** k-fold and grouped k-fold against scikit-learn's documented behaviour and hand-worked cases. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assignGroupsToFolds, groupKFold, holdOutSplit, kFold } from '../../src/trust/folds.js';
import { Random } from '../../src/tensor/random.js';
import type { Fold } from '../../src/trust/folds.js';

/** Every index is in exactly one test fold, and each train set is the complement of its test set. */
function expectPartition(folds: Fold[], n: number): void {
  const seen = new Array<number>(n).fill(0);
  for (const { train, test } of folds) {
    for (const i of test) seen[i]++;
    expect([...train, ...test].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(train).toEqual([...train].sort((a, b) => a - b));
    expect(test).toEqual([...test].sort((a, b) => a - b));
  }
  expect(seen.every((c) => c === 1)).toBe(true);
}

describe('holdOutSplit', () => {
  it('cuts one seeded permutation at round(n · fraction), and refuses an empty part', () => {
    const order = new Random(7).permutation(10);
    expect(holdOutSplit(10, 0.3, 7)).toEqual({ first: order.slice(0, 3), rest: order.slice(3) });
    expect(holdOutSplit(5, 0.5, 1)!.first).toHaveLength(3); // round(2.5) = 3
    for (const [n, fraction] of [[10, 0], [10, 1], [10, 0.04], [10, 0.96], [1, 0.5]]) expect(holdOutSplit(n, fraction, 0)).toBeUndefined();
  });
});

describe('kFold', () => {
  it('cuts n = 10 into 3 folds of 4, 3, 3 (the first n mod k folds get one more, as sklearn)', () => {
    const folds = kFold(10, 3, 7);
    expect(folds.map((f) => f.test.length)).toEqual([4, 3, 3]);
    expectPartition(folds, 10);
  });

  it('is seeded: the same seed gives the same folds, another seed other folds', () => {
    expect(kFold(50, 5, 1)).toEqual(kFold(50, 5, 1));
    expect(kFold(50, 5, 1)).not.toEqual(kFold(50, 5, 2));
  });

  it('shuffles: test folds are not contiguous runs of the original order', () => {
    const folds = kFold(100, 4, 3);
    const contiguous = folds.filter((f) => f.test[f.test.length - 1] - f.test[0] === f.test.length - 1);
    expect(contiguous).toHaveLength(0);
  });

  it('rejects fewer items than folds and a fold count below 2', () => {
    expect(() => kFold(3, 4, 0)).toThrow(/cannot make 4 folds from 3 items/);
    expect(() => kFold(10, 1, 0)).toThrow(/folds must be an integer ≥ 2/);
  });
});

describe('groupKFold', () => {
  it("reproduces scikit-learn's docstring example: groups [0,0,2,2,3,3], 2 splits", () => {
    // sklearn GroupKFold(n_splits=2): Fold 0 test index=[0 1 4 5], Fold 1 test index=[2 3].
    const folds = groupKFold([0, 0, 2, 2, 3, 3], 2);
    expect(folds.map((f) => f.test)).toEqual([
      [0, 1, 4, 5],
      [2, 3],
    ]);
    expect(folds.map((f) => f.train)).toEqual([
      [2, 3],
      [0, 1, 4, 5],
    ]);
  });

  it('assigns the largest group to the lightest fold: a hand-worked case', () => {
    // Sizes: g0 = 5, g1 = 4, g2 = 3, g3 = 3, g4 = 2, g5 = 1; 3 folds.
    // Order (size desc, larger id first on ties): g0, g1, g3, g2, g4, g5.
    // g0 → f0 (5,0,0); g1 → f1 (5,4,0); g3 → f2 (5,4,3); g2 → f2 (5,4,6); g4 → f1 (5,6,6); g5 → f0 (6,6,6).
    const sizes = new Map([
      [0, 5],
      [1, 4],
      [2, 3],
      [3, 3],
      [4, 2],
      [5, 1],
    ]);
    expect(Object.fromEntries(assignGroupsToFolds(sizes, 3))).toEqual({ 0: 0, 1: 1, 2: 2, 3: 2, 4: 1, 5: 0 });
    // The same through groupKFold on items: group ids shuffled over 18 items.
    const groups = [3, 0, 1, 0, 4, 2, 0, 1, 5, 3, 2, 0, 1, 3, 4, 1, 2, 0];
    const folds = groupKFold(groups, 3);
    expect(folds.map((f) => f.test.length)).toEqual([6, 6, 6]);
    expect(folds.map((f) => [...new Set(f.test.map((i) => groups[i]))].sort())).toEqual([
      [0, 5],
      [1, 4],
      [2, 3],
    ]);
    expectPartition(folds, groups.length);
  });

  it('breaks ties the documented way: equal sizes → larger id first; equal loads → lowest fold', () => {
    expect(Object.fromEntries(assignGroupsToFolds(new Map([[10, 3], [20, 3]]), 2))).toEqual({ 20: 0, 10: 1 });
  });

  it('never puts a group in two folds, and balances sizes on random groups', () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const groups = Array.from({ length: 500 }, () => Math.floor(next() * next() * 40));
    const folds = groupKFold(groups, 5);
    expectPartition(folds, groups.length);
    const foldOfGroup = new Map<number, number>();
    folds.forEach((f, k) =>
      f.test.forEach((i) => {
        expect(foldOfGroup.get(groups[i]) ?? k).toBe(k);
        foldOfGroup.set(groups[i], k);
      }),
    );
    // Greedy largest-first balancing: no fold exceeds the lightest by more than the largest group.
    const counts = new Map<number, number>();
    for (const g of groups) counts.set(g, (counts.get(g) ?? 0) + 1);
    const sizes = folds.map((f) => f.test.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(Math.max(...counts.values()));
  });

  it('matches scikit-learn GroupKFold fold for fold on 24 random layouts (bench/reference/make_fold_fixtures.py)', () => {
    const fixture = JSON.parse(readFileSync(new URL('../fixtures/folds/sklearn-group-kfold.json', import.meta.url), 'utf8')) as {
      cases: { groups: number[]; folds: number; test: number[][] }[];
    };
    expect(fixture.cases).toHaveLength(24);
    for (const c of fixture.cases) expect(groupKFold(c.groups, c.folds).map((f) => f.test)).toEqual(c.test);
  });

  it('errors when there are fewer groups than folds, or a group id is not finite', () => {
    expect(() => groupKFold([1, 1, 2, 2, 2], 3)).toThrow(/cannot make 3 folds from 2 groups/);
    expect(() => groupKFold([1, NaN, 2], 2)).toThrow(/group id at index 1 is NaN/);
  });
});
