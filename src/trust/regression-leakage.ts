/**
 * Leakage check for a regressor: the classification check's design (leakage.ts) with R² and MAE in
 * place of accuracy. Retrain under random k-fold and under grouped k-fold (specimens never split
 * across train and test) and compare the held-out R². A model that scores much higher when it has
 * seen the test specimens is recognising specimens (a per-specimen offset learned from a specimen's
 * look), and its random-split R² will not carry over to new specimens.
 *
 * Verdict rule (the classification rule with R² for accuracy): leakage is suspected when
 *   gap = mean k-fold R² − mean grouped R² > gapThreshold (default 0.1), and
 *   gap > spreadFactor (default 2) × SE, SE = √(s_k²/k + s_g²/k) over the per-fold R².
 * R² (per output, averaged over outputs) is scale-free like accuracy, so one threshold serves every
 * quantity; MAE is reported beside it in the quantity's units. Each fold's R² is 1 − MSE_fold / Var(y)
 * with the variance of the whole data set: a grouped test fold holds few specimens, so its own target
 * variance is small and erratic, and R² against it swung from +0.03 to −33 between the folds of one
 * leaky data set (SE larger than any gap); against the common variance the folds are comparable.
 */
import type { Tensor } from '../tensor/tensor.js';
import { takeRows } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import { groupKFold, kFold, type Fold } from './folds.js';
import { LEAKAGE_DEFAULTS, type SplitKind } from './leakage.js';
import { regressionFit } from './regression-intervals.js';

/** What a recipe returns: anything that predicts [n, K] in the targets' units (a Model, or a wrapper that rescales one). */
export type RegressionPredictor = Pick<Model, 'forward'> & { dispose?(): Promise<void> };

/** A training recipe for regressors: train images and targets [n, K] in, trained predictor out. */
export type RegressionRecipe = (train: { images: Tensor; targets: Tensor }, context: { split: SplitKind; fold: number; seed: number; onProgress: (fraction: number) => void }) => Promise<RegressionPredictor>;

export interface RegressionFoldScore {
  fold: number;
  trainSize: number;
  testSize: number;
  testGroups: number;
  /** Held-out R² = 1 − MSE / Var(y over all images), averaged over outputs. */
  r2: number;
  /** Held-out MAE, averaged over outputs. */
  mae: number;
}

export interface RegressionSplitScores {
  folds: RegressionFoldScore[];
  r2: { mean: number; std: number };
  mae: { mean: number; std: number };
}

export interface RegressionLeakageResult {
  kFold: RegressionSplitScores;
  groupKFold: RegressionSplitScores;
  /** kFold.r2.mean − groupKFold.r2.mean. */
  gap: number;
  gapStandardError: number;
  gapThreshold: number;
  spreadFactor: number;
  leakageSuspected: boolean;
  explanation: string;
}

function meanAndSampleStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return { mean, std: values.length > 1 ? Math.sqrt(ss / (values.length - 1)) : 0 };
}

/** R² (against each output's whole-data variance) and MAE of the model on the rows, each averaged over the outputs. */
async function foldFit(model: RegressionPredictor, images: Tensor, targets: Tensor, variance: readonly number[]): Promise<{ r2: number; mae: number }> {
  const out = await model.forward(images);
  const [n, k] = targets.shape;
  let r2 = 0;
  let mae = 0;
  for (let o = 0; o < k; o++) {
    const f = regressionFit(
      Float64Array.from({ length: n }, (_, i) => out.data[i * k + o]),
      Float64Array.from({ length: n }, (_, i) => targets.data[i * k + o]),
    );
    r2 += (1 - f.rmse ** 2 / variance[o]) / k;
    mae += f.mae / k;
  }
  return { r2, mae };
}

/** Population variance of each target column. */
function columnVariances(targets: Tensor): number[] {
  const [n, k] = targets.shape;
  return Array.from({ length: k }, (_, o) => regressionFit(new Float64Array(n), Float64Array.from({ length: n }, (_, i) => targets.data[i * k + o])).targetStd ** 2);
}

export function regressionLeakageVerdict(kFoldScores: RegressionSplitScores, groupScores: RegressionSplitScores, gapThreshold = LEAKAGE_DEFAULTS.gapThreshold, spreadFactor = LEAKAGE_DEFAULTS.spreadFactor): Pick<RegressionLeakageResult, 'gap' | 'gapStandardError' | 'leakageSuspected' | 'explanation'> {
  const gap = kFoldScores.r2.mean - groupScores.r2.mean;
  const se = Math.sqrt(kFoldScores.r2.std ** 2 / kFoldScores.folds.length + groupScores.r2.std ** 2 / groupScores.folds.length);
  const leakageSuspected = gap > gapThreshold && gap > spreadFactor * se;
  const f = (v: number) => v.toFixed(3);
  const numbers = `random k-fold R² ${f(kFoldScores.r2.mean)} vs grouped ${f(groupScores.r2.mean)} (gap ${f(gap)}, fold-to-fold SE ${f(se)}; MAE ${kFoldScores.mae.mean.toPrecision(3)} vs ${groupScores.mae.mean.toPrecision(3)})`;
  const explanation = leakageSuspected
    ? `Leakage suspected: ${numbers}: the R² gap exceeds both ${gapThreshold} and ${spreadFactor}×SE; the model predicts better for specimens it has seen, so expect the grouped figures on new specimens.`
    : `No leakage flagged: ${numbers}; the R² gap is not above both ${gapThreshold} and ${spreadFactor}×SE.`;
  return { gap, gapStandardError: se, leakageSuspected, explanation };
}

/** Retrains per fold under random and grouped k-fold and compares held-out R² (and MAE). */
export async function regressionLeakageCheck(
  data: { images: Tensor; targets: Tensor; groups: readonly number[] },
  options: { folds?: number; seed: number; recipe: RegressionRecipe; gapThreshold?: number; spreadFactor?: number; onProgress?: (fraction: number) => void },
): Promise<RegressionLeakageResult> {
  const n = data.images.shape[0];
  if (data.targets.shape.length !== 2 || data.targets.shape[0] !== n) throw new Error(`regression leakage check: targets must be [${n}, K], one row per image`);
  if (data.groups.length !== n) throw new Error(`regression leakage check: ${n} images but ${data.groups.length} group ids; give one specimen id per image`);
  const variance = columnVariances(data.targets);
  const constant = variance.findIndex((v) => !(v > 0));
  if (constant >= 0) throw new Error(`regression leakage check: target column ${constant} is constant; R² needs targets that vary`);
  const { folds = LEAKAGE_DEFAULTS.folds, seed, gapThreshold = LEAKAGE_DEFAULTS.gapThreshold, spreadFactor = LEAKAGE_DEFAULTS.spreadFactor } = options;
  const splits: [SplitKind, Fold[]][] = [
    ['k-fold', kFold(n, folds, seed)],
    ['group-k-fold', groupKFold(data.groups, folds)],
  ];
  const scores: RegressionSplitScores[] = [];
  for (const [s, [split, foldList]] of splits.entries()) {
    const foldScores: RegressionFoldScore[] = [];
    for (const [fold, { train, test }] of foldList.entries()) {
      const done = s * folds + fold;
      const model = await options.recipe(
        { images: takeRows(data.images, train), targets: takeRows(data.targets, train) },
        // The same fold number gets the same seed under both splits (as in leakage.ts).
        { split, fold, seed: seed + 1000 * (fold + 1), onProgress: (p) => options.onProgress?.((done + Math.min(1, p)) / (2 * folds)) },
      );
      const fit = await foldFit(model, takeRows(data.images, test), takeRows(data.targets, test), variance);
      await model.dispose?.();
      foldScores.push({ fold, trainSize: train.length, testSize: test.length, testGroups: new Set(test.map((i) => data.groups[i])).size, ...fit });
    }
    scores.push({ folds: foldScores, r2: meanAndSampleStd(foldScores.map((f) => f.r2)), mae: meanAndSampleStd(foldScores.map((f) => f.mae)) });
  }
  const [kFoldScores, groupScores] = scores;
  return { kFold: kFoldScores, groupKFold: groupScores, gapThreshold, spreadFactor, ...regressionLeakageVerdict(kFoldScores, groupScores, gapThreshold, spreadFactor) };
}
