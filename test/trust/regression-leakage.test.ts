/**
 * Regression leakage on two constructed data sets, retraining a linear regressor per fold:
 * - leaky: the target is a per-specimen offset and every image carries its specimen's fingerprint,
 *   so a model that has seen a specimen predicts it (random k-fold R² ≈ 1) and cannot for a new one
 *   (grouped R² ≤ 0): flagged;
 * - physical: the target is w·x of the image itself, the same law for every specimen: no gap, passed.
 * And the rule by hand on fixed fold scores.
 */
import { describe, expect, it } from 'vitest';
import { regressionLeakageCheck, regressionLeakageVerdict, type RegressionRecipe, type RegressionSplitScores } from '../../src/trust/regression-leakage.js';
import { trainRegressor } from '../../src/models/train-regressor.js';
import { OnnxModel } from '../../src/models/model.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel } from '../helpers/models.js';

const D = 16;
const GROUPS = 8;
const PER = 10;
const N = GROUPS * PER;
const recipe: RegressionRecipe = async (train, { seed }) => new OnnxModel((await trainRegressor(linearModel([1, 4, 4], new Array(D).fill(0), [0]), train.images, train.targets, { epochs: 80, batchSize: 16, learningRate: 0.03, schedule: 'cosine', seed })).graph);

function data(kind: 'leaky' | 'physical') {
  const rng = new Random(kind === 'leaky' ? 1 : 2);
  const fingerprints = Array.from({ length: GROUPS }, () => Array.from({ length: D }, () => rng.normal()));
  const offsets = Array.from({ length: GROUPS }, () => rng.normal());
  const w = Array.from({ length: D }, () => rng.uniform(-1, 1));
  const x = new Float32Array(N * D);
  const y = new Float32Array(N);
  const groups: number[] = [];
  for (let i = 0; i < N; i++) {
    const g = Math.floor(i / PER);
    groups.push(g);
    for (let f = 0; f < D; f++) x[i * D + f] = (kind === 'leaky' ? fingerprints[g][f] : 0) + 0.1 * rng.normal() + (kind === 'physical' ? rng.normal() : 0);
    y[i] = kind === 'leaky' ? offsets[g] : w.reduce((s, wf, f) => s + wf * x[i * D + f], 0);
  }
  return { images: tensor([N, 1, 4, 4], x), targets: tensor([N, 1], y), groups };
}

describe('regressionLeakageCheck', () => {
  it('flags a model that recognises specimens, passes one that learned the law', async () => {
    const leaky = await regressionLeakageCheck(data('leaky'), { folds: 4, seed: 3, recipe });
    expect(leaky.kFold.r2.mean).toBeGreaterThan(0.9);
    expect(leaky.groupKFold.r2.mean).toBeLessThan(0.2);
    expect(leaky.leakageSuspected).toBe(true);
    expect(leaky.explanation).toMatch(/^Leakage suspected: random k-fold R² /);
    for (const f of leaky.groupKFold.folds) expect(f.testGroups).toBe(2);
    const physical = await regressionLeakageCheck(data('physical'), { folds: 4, seed: 3, recipe });
    expect(physical.kFold.r2.mean).toBeGreaterThan(0.95);
    expect(physical.groupKFold.r2.mean).toBeGreaterThan(0.95);
    expect(physical.leakageSuspected).toBe(false);
  }, 60_000);

  it('the rule by hand: gap > 0.1 and > 2·SE', () => {
    const split = (r2: number[]): RegressionSplitScores => {
      const mean = r2.reduce((a, b) => a + b) / r2.length;
      const std = Math.sqrt(r2.reduce((a, v) => a + (v - mean) ** 2, 0) / (r2.length - 1));
      return { folds: r2.map((r, fold) => ({ fold, trainSize: 8, testSize: 2, testGroups: 1, r2: r, mae: 1 })), r2: { mean, std }, mae: { mean: 1, std: 0 } };
    };
    const v = regressionLeakageVerdict(split([0.9, 0.8, 0.85]), split([0.5, 0.7, 0.6]));
    expect(v.gap).toBeCloseTo(0.25, 12);
    expect(v.gapStandardError).toBeCloseTo(Math.sqrt(0.0025 / 3 + 0.01 / 3), 12);
    expect(v.leakageSuspected).toBe(true);
    expect(regressionLeakageVerdict(split([0.9, 0.8, 0.85]), split([0.2, 0.9, 0.6])).leakageSuspected).toBe(false);
  });
});
