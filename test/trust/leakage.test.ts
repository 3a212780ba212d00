/**
 * Leakage check: the verdict rule on hand-worked numbers; the fold loop with a user recipe
 * (1-nearest-neighbour, checked against a brute-force recomputation); and the tiny CNN on
 * specimen-tied vs untied EM tiles, where the flag must fire and must not.
 */
import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/models/model.js';
import type { Dataset } from '../../src/data/dataset.js';
import type { LeakageProgress, RecipeContext, SplitScores, TrainingRecipe } from '../../src/trust/leakage.js';
import { leakageCheck, leakageVerdict, tinyCnnRecipe } from '../../src/trust/leakage.js';
import { groupKFold, kFold } from '../../src/trust/folds.js';
import { generateSpecimenSet } from '../../src/data/synthetic/specimens.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const scores = (accuracies: number[]): SplitScores => {
  const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
  const std = Math.sqrt(accuracies.reduce((a, v) => a + (v - mean) ** 2, 0) / (accuracies.length - 1));
  return { folds: accuracies.map((accuracy, fold) => ({ fold, trainSize: 0, testSize: 0, testGroups: 0, accuracy, trainAccuracy: 1 })), mean, std };
};

describe('leakageVerdict', () => {
  it('flags a large gap well beyond the fold spread', () => {
    // k-fold 0.9/1.0/0.95 (mean 0.95, s 0.05); grouped 0.6/0.7/0.65 (mean 0.65, s 0.05).
    // gap 0.30; SE = √(0.05²/3 + 0.05²/3) = 0.040825.
    const v = leakageVerdict(scores([0.9, 1.0, 0.95]), scores([0.6, 0.7, 0.65]));
    expect(v.gap).toBeCloseTo(0.3, 12);
    expect(v.gapStandardError).toBeCloseTo(Math.sqrt(0.0025 / 1.5), 12);
    expect(v.leakageSuspected).toBe(true);
    expect(v.explanation).toMatch(/^Leakage suspected: random k-fold accuracy 0\.950 vs grouped 0\.650 \(gap 0\.300/);
  });

  it('does not flag a gap below the threshold, nor one the fold spread explains', () => {
    expect(leakageVerdict(scores([0.9, 0.92, 0.94]), scores([0.85, 0.84, 0.83])).leakageSuspected).toBe(false); // gap 0.08
    // gap 0.2 but grouped folds 0.3..0.9: s_g = 0.3, SE ≈ 0.173 > 0.1 = gap/2.
    const spread = leakageVerdict(scores([0.8, 0.8, 0.8]), scores([0.3, 0.6, 0.9]));
    expect(spread.gap).toBeCloseTo(0.2, 12);
    expect(spread.leakageSuspected).toBe(false);
    expect(spread.explanation).toMatch(/^No leakage flagged/);
  });
});

/** A 1-nearest-neighbour "model" over table rows: memorises its train set, as a leaky model does. */
function nearestNeighbourRecipe(log: RecipeContext[]): TrainingRecipe {
  return async (train, context) => {
    log.push(context);
    const [n, f] = train.images.shape;
    const forward = async (x: Tensor) => {
      const rows = x.shape[0];
      const out = new Float32Array(rows * 2);
      for (let r = 0; r < rows; r++) {
        let best = 0;
        let bestD = Infinity;
        for (let i = 0; i < n; i++) {
          let d = 0;
          for (let j = 0; j < f; j++) d += (x.data[r * f + j] - train.images.data[i * f + j]) ** 2;
          if (d < bestD) [best, bestD] = [i, d];
        }
        out[r * 2 + train.labels[best]] = 1;
      }
      return tensor([rows, 2], out);
    };
    const unsupported = () => {
      throw new Error('not needed');
    };
    return { inputShape: [f], outputSize: 2, layers: [], parameters: [], forward, vjp: unsupported, layerVjp: unsupported, withParameters: unsupported } as Model;
  };
}

/** Rows near a per-group centre; the label is the group's (a specimen fingerprint that fixes the label). */
function groupedTable(groups: number, perGroup: number, seed: number): Dataset {
  const rng = new Random(seed);
  const centres = Array.from({ length: groups }, () => [rng.uniform(-10, 10), rng.uniform(-10, 10)]);
  const groupLabel = Array.from({ length: groups }, () => rng.int(0, 2));
  const data: number[] = [];
  const labels: number[] = [];
  const ids: number[] = [];
  for (let g = 0; g < groups; g++) {
    for (let k = 0; k < perGroup + (g % 3); k++) {
      data.push(centres[g][0] + rng.normal(0, 0.01), centres[g][1] + rng.normal(0, 0.01));
      labels.push(groupLabel[g]);
      ids.push(g);
    }
  }
  return { images: tensor([labels.length, 2], data), labels, groups: ids };
}

/** Brute-force 1-NN accuracy of each fold, straight from the index lists. */
function bruteForceAccuracies(data: Dataset, folds: { train: number[]; test: number[] }[]): number[] {
  const x = data.images.data;
  return folds.map(({ train, test }) => {
    let correct = 0;
    for (const t of test) {
      const nearest = train.reduce((a, b) => ((x[2 * b] - x[2 * t]) ** 2 + (x[2 * b + 1] - x[2 * t + 1]) ** 2 < (x[2 * a] - x[2 * t]) ** 2 + (x[2 * a + 1] - x[2 * t + 1]) ** 2 ? b : a));
      if (data.labels[nearest] === data.labels[t]) correct++;
    }
    return correct / test.length;
  });
}

describe('leakageCheck with a user recipe', () => {
  const data = groupedTable(12, 6, 3);

  it('scores every fold as a brute-force 1-NN does, and flags the memorising model', async () => {
    const log: RecipeContext[] = [];
    const progress: LeakageProgress[] = [];
    const r = await leakageCheck(data, { folds: 4, seed: 5, recipe: nearestNeighbourRecipe(log), onProgress: (p) => progress.push(p) });
    expect(r.kFold.folds.map((f) => f.accuracy)).toEqual(bruteForceAccuracies(data, kFold(data.labels.length, 4, 5)));
    expect(r.groupKFold.folds.map((f) => f.accuracy)).toEqual(bruteForceAccuracies(data, groupKFold(data.groups!, 4)));
    expect(r.kFold.mean).toBe(1); // every group has ≥ 6 rows, so a same-group neighbour is always in train
    expect(r.gap).toBeGreaterThan(0.2);
    expect(r.leakageSuspected).toBe(true);
    expect(r.groupKFold.folds.map((f) => f.testGroups).reduce((a, b) => a + b, 0)).toBe(12);
    expect(r.kFold.folds.map((f) => f.trainSize + f.testSize)).toEqual([84, 84, 84, 84]);

    // Recipe context: 4 folds per split, the same seed for the same fold under both splits.
    expect(log.map((c) => `${c.split}:${c.fold}`)).toEqual(['k-fold:0', 'k-fold:1', 'k-fold:2', 'k-fold:3', 'group-k-fold:0', 'group-k-fold:1', 'group-k-fold:2', 'group-k-fold:3']);
    expect(log.slice(0, 4).map((c) => c.seed)).toEqual(log.slice(4).map((c) => c.seed));
    expect(log.every((c) => c.classes === 2)).toBe(true);
    // The memoriser is perfect on its own train rows.
    expect([...r.kFold.folds, ...r.groupKFold.folds].every((f) => f.trainAccuracy === 1)).toBe(true);
    // Progress: a start and a scored report per fold, fractions rising to 1.
    const scored = progress.filter((p) => p.accuracy !== undefined);
    expect(scored).toHaveLength(8);
    expect(scored.map((p) => p.fraction)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((k) => k / 8));
    expect(progress.every((p, i) => i === 0 || p.fraction >= progress[i - 1].fraction)).toBe(true);
  });

  it('rejects data without groups, or with groups or labels of the wrong length', async () => {
    const recipe = nearestNeighbourRecipe([]);
    await expect(leakageCheck({ images: data.images, labels: data.labels }, { seed: 1, recipe })).rejects.toThrow(/has no groups; give a specimen id per image/);
    await expect(leakageCheck({ ...data, groups: data.groups!.slice(1) }, { seed: 1, recipe })).rejects.toThrow(/84 images but 83 group ids/);
    await expect(leakageCheck({ ...data, labels: data.labels.slice(1) }, { seed: 1, recipe })).rejects.toThrow(/84 images but 83 labels/);
    await expect(leakageCheck({ ...data, labels: data.labels.map((l, i) => (i === 5 ? 0.5 : l)) }, { seed: 1, recipe })).rejects.toThrow(/label 0.5 at index 5 is not a class index/);
    await expect(leakageCheck({ ...data, groups: data.groups!.map((g) => g % 2) }, { seed: 1, folds: 3, recipe })).rejects.toThrow(/cannot make 3 folds from 2 groups/);
  });
});

describe('leakageCheck with the tiny CNN on specimen-tied EM tiles', () => {
  // Small and cheap: 16×16 tiles, 3 folds, 20 epochs (see the README for accuracies over seeds).
  const common = { count: 480, seed: 1, size: 16 };
  const recipe = tinyCnnRecipe({ epochs: 20 });

  it('flags leakage when the label is a property of the specimen', async () => {
    const r = await leakageCheck(generateSpecimenSet({ ...common, tiedLabels: true }), { folds: 3, seed: 1, recipe });
    expect(r.kFold.mean).toBeGreaterThan(0.9);
    expect(r.gap).toBeGreaterThan(0.15);
    expect(r.leakageSuspected).toBe(true);
  });

  it('does not flag the untied counterpart (same specimens and fingerprints, labels per tile)', async () => {
    const r = await leakageCheck(generateSpecimenSet({ ...common, tiedLabels: false }), { folds: 3, seed: 1, recipe });
    expect(r.groupKFold.mean).toBeGreaterThan(0.75);
    expect(Math.abs(r.gap)).toBeLessThan(0.1);
    expect(r.leakageSuspected).toBe(false);
  });
});
