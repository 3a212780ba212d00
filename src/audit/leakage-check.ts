/**
 * "Leakage suspected?": retrain per fold under random k-fold and under grouped k-fold (specimens
 * never split) and compare held-out accuracy. A model that scores much higher when it has seen the
 * test specimens in training is recognising specimens, and its reported accuracy will not carry
 * over to new ones.
 */
import type { Dataset } from '../data/dataset.js';
import { OnnxModel } from '../models/model.js';
import { graphRecipe, leakageCheck as runLeakage, type TrainingRecipe } from '../trust/leakage.js';
import { barChart } from '../report/charts.js';
import type { Finding } from './findings.js';
import { notRun } from './findings.js';

export interface LeakageCheckOptions {
  folds?: number;
  seed?: number;
  /** How to train a fresh model on a fold (default: the audited model's architecture, re-initialised, Adam 10 epochs). */
  recipe?: TrainingRecipe;
  onProgress?: (fraction: number) => void;
}

const TITLE = 'Leakage suspected (specimens shared between training and test)?';
const LIMITS =
  'Only leakage along the given groups is tested (e.g. specimen ids); leakage through other shared factors (session, operator, ' +
  'preprocessing fitted on all data) needs its own grouping. The check retrains a model per fold with a fixed recipe, not the original training run.';

/** Retrains the audited model's own architecture from re-initialised weights on each fold (with plateau restarts). */
export function retrainRecipe(model: OnnxModel, options: { epochs?: number; learningRate?: number } = {}): TrainingRecipe {
  const all = [...new Set(model.parameters.map((p) => p.name))];
  return graphRecipe((_train, _classes, seed) => (model.withParameters({ kind: 'reinitialise', parameters: all, seed }) as OnnxModel).graph, { epochs: options.epochs ?? 10, learningRate: options.learningRate ?? 3e-3 });
}

export async function leakageCheck(model: OnnxModel, data: Dataset, options: LeakageCheckOptions = {}): Promise<Finding> {
  if (!data.groups) return notRun('leakage', TITLE, 'no specimen ids given (--groups): grouped cross-validation needs them.', LIMITS);
  const groups = new Set(data.groups).size;
  const folds = Math.min(options.folds ?? 5, groups);
  if (folds < 2) return notRun('leakage', TITLE, `the data hold ${groups} specimen group; grouped cross-validation needs at least 2.`, LIMITS);
  const r = await runLeakage(data, { folds, seed: options.seed ?? 0, recipe: options.recipe ?? retrainRecipe(model), onProgress: (p) => options.onProgress?.(p.fraction) });
  const svg = await barChart(
    [
      { label: 'random k-fold', value: r.kFold.mean, error: r.kFold.std },
      { label: 'grouped k-fold', value: r.groupKFold.mean, error: r.groupKFold.std },
    ],
    { x: 'held-out accuracy (mean ± sd over folds)', y: 'split' },
    { xDomain: [0, 1], width: 360 },
  );
  return {
    id: 'leakage',
    title: TITLE,
    verdict: r.leakageSuspected ? 'flag' : 'pass',
    summary: r.explanation,
    rule: `flag when random k-fold accuracy exceeds grouped k-fold accuracy by more than ${r.gapThreshold} and by more than ${r.spreadFactor}× the fold-to-fold standard error (${folds} folds each).`,
    evidence: { folds, groups, kFold: r.kFold, groupKFold: r.groupKFold, gap: r.gap, gapStandardError: r.gapStandardError },
    limits: LIMITS,
    figures: [{ caption: 'held-out accuracy when specimens may be shared (random k-fold) and when they may not (grouped k-fold)', svg }],
  };
}
