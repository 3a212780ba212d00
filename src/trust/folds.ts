/**
 * Cross-validation splitters with scikit-learn's semantics, so a leakage check here reads the same
 * as one done with `KFold(shuffle=True)` and `GroupKFold` in Python.
 *
 * - k-fold: shuffle the indices (seeded), cut them into k contiguous runs; the first n mod k folds
 *   hold ⌊n/k⌋ + 1 items, the rest ⌊n/k⌋ (sklearn's KFold).
 * - grouped k-fold: a group (specimen) never lands in two folds. Groups are taken largest first and
 *   each goes to the fold that currently holds the fewest items (sklearn's GroupKFold with
 *   shuffle=False, the greedy size balancing of `_iter_test_indices`). Ties as in sklearn 1.9
 *   (`np.argsort(sizes, kind="stable")[::-1]`, then `np.argmin` over fold loads): among groups of
 *   equal size the larger group id goes first, and among equally light folds the lowest-numbered
 *   fold wins. (Older sklearn used NumPy's default, unstable argsort, so its order among equal-size
 *   groups was not guaranteed.) Checked fold for fold against sklearn 1.9.1 in the tests.
 * Train and test index lists come back in ascending order, as sklearn's `split` returns them.
 * sklearn ≥ 1.6 also offers GroupKFold(shuffle=True), which splits a shuffled list of groups into
 * equal group counts without size balancing; that variant is not provided here.
 */
import { Random } from '../tensor/random.js';

export interface Fold {
  readonly train: number[];
  readonly test: number[];
}

function checkFoldCount(folds: number, items: number, what: string): void {
  if (!Number.isInteger(folds) || folds < 2) throw new Error(`folds must be an integer ≥ 2 (got ${folds})`);
  if (folds > items) throw new Error(`cannot make ${folds} folds from ${items} ${what}; use at most ${items} folds or add data`);
}

/** Turns a fold id per item into train/test index lists. */
function foldsFromAssignment(assignment: readonly number[], folds: number): Fold[] {
  return Array.from({ length: folds }, (_, f) => {
    const train: number[] = [];
    const test: number[] = [];
    assignment.forEach((a, i) => (a === f ? test : train).push(i));
    return { train, test };
  });
}

/**
 * One seeded hold-out split of n items: the first round(n · fraction) of a permutation, and the
 * rest, each in permutation order. Undefined when fraction ∉ (0, 1) or either part would be empty,
 * so that the caller can name its own option in the error.
 */
export function holdOutSplit(n: number, fraction: number, seed: number): { first: number[]; rest: number[] } | undefined {
  const count = Math.round(n * fraction);
  if (!(fraction > 0 && fraction < 1) || count < 1 || count >= n) return undefined;
  const order = new Random(seed).permutation(n);
  return { first: order.slice(0, count), rest: order.slice(count) };
}

/** Shuffled k-fold over n items (sklearn `KFold(n_splits=folds, shuffle=True)`). */
export function kFold(n: number, folds: number, seed: number): Fold[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`kFold: item count must be a non-negative integer (got ${n})`);
  checkFoldCount(folds, n, 'items');
  const order = new Random(seed).permutation(n);
  const assignment = new Array<number>(n);
  const base = Math.floor(n / folds);
  const extra = n % folds;
  let start = 0;
  for (let f = 0; f < folds; f++) {
    const size = base + (f < extra ? 1 : 0);
    for (let k = start; k < start + size; k++) assignment[order[k]] = f;
    start += size;
  }
  return foldsFromAssignment(assignment, folds);
}

/** Fold id per group id, by sklearn's greedy rule (largest group to the lightest fold). */
export function assignGroupsToFolds(groupSizes: ReadonlyMap<number, number>, folds: number): Map<number, number> {
  checkFoldCount(folds, groupSizes.size, 'groups (specimens)');
  const byDescendingSize = [...groupSizes.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0]);
  const load = new Array<number>(folds).fill(0);
  const foldOf = new Map<number, number>();
  for (const [group, size] of byDescendingSize) {
    let lightest = 0;
    for (let f = 1; f < folds; f++) if (load[f] < load[lightest]) lightest = f;
    load[lightest] += size;
    foldOf.set(group, lightest);
  }
  return foldOf;
}

/** Grouped k-fold (sklearn `GroupKFold(n_splits=folds)`): groups[i] is item i's group (specimen) id. */
export function groupKFold(groups: readonly number[], folds: number): Fold[] {
  const bad = groups.findIndex((g) => !Number.isFinite(g));
  if (bad >= 0) throw new Error(`groupKFold: group id at index ${bad} is ${groups[bad]}; give every item a finite group id`);
  const sizes = new Map<number, number>();
  for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  const foldOf = assignGroupsToFolds(sizes, folds);
  return foldsFromAssignment(
    groups.map((g) => foldOf.get(g)!),
    folds,
  );
}
