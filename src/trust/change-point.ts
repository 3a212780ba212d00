/**
 * "Did this series change level at some point in time?": the CUSUM mean-shift test with a
 * permutation p-value, and binary segmentation for several changes.
 *
 * For a series x₁…xₙ in acquisition order and a split after k items, the standardised difference
 * of the two segment means is
 *   T_k = √(k(n−k)/n) · |mean(x₁..x_k) − mean(x_{k+1}..xₙ)| / σ  ( = |CUSUM_k| / (σ √(k(n−k)/n)) ),
 * and the test statistic is max_k T_k over the allowed splits. Why this test:
 * - it is the likelihood-ratio statistic for one shift in mean (Gaussian, known σ), the classic
 *   at-most-one-change test, and it needs no model of *how* the series drifts;
 * - its null distribution depends on n, the allowed splits and the data's distribution (accuracy
 *   is 0/1, confidences pile up near 1), so the p-value comes from permutations: with no drift the
 *   acquisition order is exchangeable, and shuffling it (seeded) gives the exact null of the
 *   maximum, searched over the same splits (the search is part of the null, no Bonferroni over k);
 * - σ (the whole series' sd) does not change under shuffling, so it only makes T readable as a z.
 * Splits are only allowed between distinct times (images acquired at the same time have no order)
 * and leave at least `minSegment` items on each side (a change in the last 3 images is noise).
 */
import { Random } from '../tensor/random.js';

export interface ChangePointOptions {
  seed: number;
  /** Shuffles for the permutation p-value (default 199: p resolves to 0.005). */
  permutations?: number;
  /** Fewest items on either side of a split (default max(10, 5% of n)). */
  minSegment?: number;
  /**
   * Allowed split positions: k = number of items before the split (0 < k < n). Default: every k.
   * Pass the boundaries between distinct acquisition times when several images share a time.
   */
  splits?: readonly number[];
}

export interface ChangePoint {
  /** Items before the change (the change happens between item index − 1 and index). */
  readonly index: number;
  /** max_k T_k: the standardised mean difference at the change (a z). */
  readonly statistic: number;
  /** (1 + #shuffles with a maximum ≥ the observed) / (1 + shuffles). */
  readonly pValue: number;
  readonly before: number;
  readonly after: number;
}

export const CHANGE_POINT_DEFAULTS = { permutations: 199, minSegmentShare: 0.05, minSegment: 10 };

export function defaultMinSegment(n: number): number {
  return Math.max(CHANGE_POINT_DEFAULTS.minSegment, Math.ceil(CHANGE_POINT_DEFAULTS.minSegmentShare * n));
}

/** The split with the largest |CUSUM_k| / √(k(n−k)/n) among `splits`, and that value (unscaled by σ). */
function bestSplit(x: ArrayLike<number>, splits: readonly number[]): { k: number; value: number } {
  const n = x.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += x[i];
  const mean = total / n;
  let best = { k: -1, value: -Infinity };
  let cusum = 0;
  let at = 0;
  for (const k of splits) {
    for (; at < k; at++) cusum += x[at] - mean;
    const value = Math.abs(cusum) / Math.sqrt((k * (n - k)) / n);
    if (value > best.value) best = { k, value };
  }
  return best;
}

function meanOf(x: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i];
  return s / (to - from);
}

/** The at-most-one-change test on x (in time order); undefined when no split is allowed. */
export function changePointTest(x: ArrayLike<number>, options: ChangePointOptions): ChangePoint | undefined {
  const n = x.length;
  const minSegment = options.minSegment ?? defaultMinSegment(n);
  const permutations = options.permutations ?? CHANGE_POINT_DEFAULTS.permutations;
  if (!Number.isInteger(permutations) || permutations < 19) throw new Error(`change point: permutations must be an integer ≥ 19 (got ${permutations}); fewer cannot reach p < 0.05`);
  const allowed = (options.splits ?? Array.from({ length: Math.max(0, n - 1) }, (_, i) => i + 1)).filter((k) => k >= minSegment && n - k >= minSegment);
  const splits = [...new Set(allowed)].sort((a, b) => a - b);
  if (splits.length === 0) return undefined;
  for (let i = 0; i < n; i++) if (!Number.isFinite(x[i])) throw new Error(`change point: value ${i} is ${x[i]}; the series must be finite`);
  const observed = bestSplit(x, splits);
  const mean = meanOf(x, 0, n);
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i] - mean) ** 2 / n;
  const sd = Math.sqrt(variance);
  const before = meanOf(x, 0, observed.k);
  const after = meanOf(x, observed.k, n);
  if (!(sd > 0)) return { index: observed.k, statistic: 0, pValue: 1, before, after };
  const random = new Random(options.seed);
  const shuffled = Float64Array.from(x as ArrayLike<number>);
  let atLeast = 0;
  // A relative tolerance: a shuffle that reproduces the observed maximum (ties, 0/1 series) counts.
  const bar = observed.value * (1 - 1e-12);
  for (let p = 0; p < permutations; p++) {
    const order = random.permutation(n);
    for (let i = 0; i < n; i++) shuffled[i] = x[order[i]];
    if (bestSplit(shuffled, splits).value >= bar) atLeast++;
  }
  return { index: observed.k, statistic: observed.value / sd, pValue: (1 + atLeast) / (1 + permutations), before, after };
}

export interface Segment {
  /** First item (inclusive) and end (exclusive) in time order. */
  readonly from: number;
  readonly to: number;
  readonly mean: number;
}

export interface Segmentation {
  /** Significant changes in time order (p < alpha at their step of the segmentation). */
  readonly changes: readonly ChangePoint[];
  readonly segments: readonly Segment[];
}

/**
 * Binary segmentation: test the whole series; when the change is significant (p < alpha), split
 * there and test each side the same way, until no side has a significant change or `maxChanges`
 * are found. Each step draws from its own seed stream (by its segment's bounds).
 */
export function segmentSeries(x: ArrayLike<number>, options: ChangePointOptions & { alpha: number; maxChanges?: number }): Segmentation {
  const n = x.length;
  const maxChanges = options.maxChanges ?? 3;
  const minSegment = options.minSegment ?? defaultMinSegment(n);
  const allSplits = options.splits ?? Array.from({ length: Math.max(0, n - 1) }, (_, i) => i + 1);
  const random = new Random(options.seed);
  const changes: ChangePoint[] = [];
  const queue: [number, number][] = [[0, n]];
  while (queue.length && changes.length < maxChanges) {
    const [from, to] = queue.shift()!;
    const part = Array.prototype.slice.call(x, from, to) as number[];
    const splits = allSplits.filter((k) => k > from && k < to).map((k) => k - from);
    const c = changePointTest(part, { seed: random.fork(`${from}-${to}`).seed(), permutations: options.permutations, minSegment, splits });
    if (!c || c.pValue >= options.alpha) continue;
    changes.push({ ...c, index: c.index + from });
    queue.push([from, from + c.index], [from + c.index, to]);
  }
  changes.sort((a, b) => a.index - b.index);
  const bounds = [0, ...changes.map((c) => c.index), n];
  const segments = bounds.slice(1).map((to, i) => ({ from: bounds[i], to, mean: meanOf(x, bounds[i], to) }));
  return { changes, segments };
}
