/**
 * Instance flow, counted: per true class and epoch, how many of the class's instances were predicted
 * as each class (`counts`, what explore.json's `flow` holds), and between consecutive epochs how many
 * moved from one predicted class to another (`moves`, the Sankey's links). The largest flows away
 * from the true class are the summary's sentences ("after epoch 4, 18% of cats moved to dogs").
 */
import type { PredictionsPerEpoch } from './instance-flow.js';

export interface ClassFlow {
  readonly classIndex: number;
  readonly className: string;
  /** Instances of this class in the set. */
  readonly size: number;
  /** counts[e][k]: instances predicted as class k after epochs[e]; each row sums to `size`. */
  readonly counts: readonly (readonly number[])[];
  /** moves[e][a][b]: instances predicted a after epochs[e] and b after epochs[e + 1]. */
  readonly moves: readonly (readonly (readonly number[])[])[];
}

export interface SetFlow {
  readonly set: string;
  readonly epochs: readonly number[];
  readonly classNames: readonly string[];
  /** One entry per class that has instances in the set, in class order. */
  readonly classes: readonly ClassFlow[];
}

/** A flow of a class's instances away from it: predicted as the true class after `afterEpoch`, as `to` one epoch later. */
export interface LargestFlow {
  readonly className: string;
  readonly classIndex: number;
  /** The epoch after which they moved (its number as recorded, 1-based). */
  readonly afterEpoch: number;
  readonly nextEpoch: number;
  readonly to: number;
  readonly toName: string;
  readonly count: number;
  /** count / class size. */
  readonly share: number;
}

const square = (k: number) => Array.from({ length: k }, () => new Array<number>(k).fill(0));

/** The sets the record holds, in order of first appearance. */
export function recordedSets(record: PredictionsPerEpoch): string[] {
  return [...new Set(record.instances.map((i) => i.set))];
}

/** Counts and moves per class for one set of the record. */
export function flowOfSet(record: PredictionsPerEpoch, set: string): SetFlow {
  const k = record.classNames.length;
  const epochs = record.epochs.length;
  const members = record.instances.filter((i) => i.set === set);
  const classes: ClassFlow[] = [];
  for (let c = 0; c < k; c++) {
    const own = members.filter((i) => i.label === c);
    if (own.length === 0) continue;
    const counts = Array.from({ length: epochs }, () => new Array<number>(k).fill(0));
    const moves = Array.from({ length: Math.max(0, epochs - 1) }, () => square(k));
    for (const instance of own) {
      instance.predicted.forEach((p, e) => {
        counts[e][p]++;
        if (e + 1 < epochs) moves[e][p][instance.predicted[e + 1]]++;
      });
    }
    classes.push({ classIndex: c, className: record.classNames[c], size: own.length, counts, moves });
  }
  return { set, epochs: [...record.epochs], classNames: [...record.classNames], classes };
}

/**
 * The `n` largest flows away from the true class (instances predicted correctly after one epoch and
 * as another class after the next), by share of the class, then count; ties in a fixed order.
 * These are the instances a model "forgets" to a neighbour class: the ambiguous pairs' signature.
 */
export function largestFlows(flow: SetFlow, n = 5): LargestFlow[] {
  const all: LargestFlow[] = [];
  for (const c of flow.classes) {
    c.moves.forEach((m, e) => {
      m[c.classIndex].forEach((count, to) => {
        if (to === c.classIndex || count === 0) return;
        all.push({ className: c.className, classIndex: c.classIndex, afterEpoch: flow.epochs[e], nextEpoch: flow.epochs[e + 1], to, toName: flow.classNames[to], count, share: count / c.size });
      });
    });
  }
  all.sort((a, b) => b.share - a.share || b.count - a.count || a.classIndex - b.classIndex || a.afterEpoch - b.afterEpoch || a.to - b.to);
  return all.slice(0, n);
}

/**
 * Flows away from the true class summed over all epochs, per (class, other class): which pairs the
 * model keeps moving instances between. Largest first; `[from, to, count]`.
 */
export function flowTotalsByPair(flow: SetFlow): [number, number, number][] {
  const totals = new Map<string, [number, number, number]>();
  for (const c of flow.classes) {
    for (const m of c.moves) {
      m[c.classIndex].forEach((count, to) => {
        if (to === c.classIndex || count === 0) return;
        const key = `${c.classIndex},${to}`;
        const t = totals.get(key) ?? [c.classIndex, to, 0];
        t[2] += count;
        totals.set(key, t);
      });
    }
  }
  return [...totals.values()].sort((a, b) => b[2] - a[2] || a[0] - b[0] || a[1] - b[1]);
}

/** One sentence per flow: "after epoch 4, 18% of cats (36 of 200) moved to dogs". */
export function describeFlow(f: LargestFlow, size: number): string {
  return `after epoch ${f.afterEpoch}, ${Math.round(100 * f.share)}% of ${f.className} (${f.count} of ${size}) moved from correct to ${f.toName}`;
}

/** Predicted-class totals per epoch over every class of the set: the prediction-distribution chart's data. */
export function predictionDistribution(flow: SetFlow): number[][] {
  const k = flow.classNames.length;
  return flow.epochs.map((_, e) => {
    const total = new Array<number>(k).fill(0);
    for (const c of flow.classes) c.counts[e].forEach((v, p) => (total[p] += v));
    return total;
  });
}
