/**
 * "Is the error understated by specimens shared between training and test?": retrain the audited architecture per fold under random and
 * grouped k-fold (specimens never split) and compare held-out R² and MAE (trust/regression-leakage.ts).
 * The regression form of the leakage check, with its requirement unchanged: the model is retrained
 * from re-initialised weights with a fixed recipe (here the mean squared error), not its original run.
 */
import { tensor } from '../tensor/tensor.js';
import { OnnxModel } from '../models/model.js';
import { trainRegressor } from '../models/train-regressor.js';
import { regressionLeakageCheck as runRegressionLeakage, type RegressionRecipe } from '../trust/regression-leakage.js';
import { defineCheck, need, notRunResult } from './check.js';

/** Adam steps the retraining takes at least: a few epochs of a small fold are only a handful of steps. */
export const MIN_RETRAIN_STEPS = 400;

/**
 * The audited model's own architecture, re-initialised and trained by MSE on the fold (the
 * classification check's recipe, with its loss). Targets are standardised per output for training
 * (a stress in MPa would otherwise need a bias far from its initial value) and predictions mapped
 * back, so R² and MAE are in the targets' units. At least MIN_RETRAIN_STEPS Adam steps: 10 epochs of
 * 60 images are 20 steps, which left a linear model at R² < 0 on both splits.
 */
export function regressionRetrainRecipe(model: OnnxModel, options: { epochs?: number; learningRate?: number } = {}): RegressionRecipe {
  const all = [...new Set(model.parameters.map((p) => p.name))];
  return async (train, { seed, onProgress }) => {
    const [n, k] = train.targets.shape;
    const mean = Array.from({ length: k }, (_, o) => Array.from({ length: n }, (_, i) => train.targets.data[i * k + o]).reduce((a, b) => a + b, 0) / n);
    const std = mean.map((m, o) => Math.sqrt(Array.from({ length: n }, (_, i) => (train.targets.data[i * k + o] - m) ** 2).reduce((a, b) => a + b, 0) / n) || 1);
    const scaled = tensor([n, k], Float32Array.from(train.targets.data, (v, j) => (v - mean[j % k]) / std[j % k]));
    const batchSize = 32;
    const epochs = Math.max(options.epochs ?? 10, Math.ceil(MIN_RETRAIN_STEPS / Math.ceil(n / batchSize)));
    const graph = (model.withParameters({ kind: 'reinitialise', parameters: all, seed }) as OnnxModel).graph;
    const run = await trainRegressor(graph, train.images, scaled, { epochs, batchSize, learningRate: options.learningRate ?? 3e-3, schedule: 'cosine', seed: seed + 1, onProgress: (p) => onProgress(p.fraction) });
    const trained = new OnnxModel(run.graph, { internalBatchSize: 256 });
    return {
      forward: async (x) => {
        const y = await trained.forward(x);
        return tensor(y.shape, Float32Array.from(y.data, (v, j) => v * std[j % k] + mean[j % k]));
      },
      dispose: () => trained.dispose(),
    };
  };
}

export const regressionLeakageCheck = defineCheck({
  id: 'regression-leakage',
  title: 'Is the error understated by specimens shared between training and test (leakage)?',
  needs: [need('regressor', 'it compares R² and MAE; a classifier gets the leakage check (accuracy)'), need('groups', 'grouped cross-validation needs them')],
  options: [{ key: 'folds', flag: '--folds', kind: 'integer', default: 5, min: 2, help: 'folds of the leakage check (each split retrains once per fold)' }],
  limits:
    'Only leakage along the given groups is tested (e.g. specimen ids); leakage through other shared factors (session, operator, ' +
    'preprocessing fitted on all data) needs its own grouping. The check retrains a model per fold with a fixed recipe (mean squared error), not the original training run.',
  async run(context, options: { folds: number }) {
    const outputs = context.outputs!;
    if (outputs.some((o) => o.band)) return notRunResult('the outputs are quantiles: retraining them needs a quantile (pinball) loss, which this check does not have; audit the point model instead.');
    const groupIds = context.data.groups!;
    const groups = new Set(groupIds).size;
    const folds = Math.min(options.folds, groups);
    if (folds < 2) return notRunResult(`the data hold ${groups} specimen group; grouped cross-validation needs at least 2.`);
    const n = context.data.images.shape[0];
    const k = outputs.length;
    const targets = tensor([n, k], Float32Array.from({ length: n * k }, (_, j) => outputs[j % k].target[Math.floor(j / k)]));
    const r = await runRegressionLeakage(
      { images: context.data.images, targets, groups: groupIds },
      { folds, seed: context.random.fork('folds').seed(), recipe: regressionRetrainRecipe(context.model), onProgress: (p) => context.progress(p) },
    );
    return {
      verdict: r.leakageSuspected ? 'flag' : 'pass',
      summary: r.explanation,
      headline: `its R² drops from ${r.kFold.r2.mean.toFixed(2)} to ${r.groupKFold.r2.mean.toFixed(2)} on specimens it has not seen (leakage)`,
      rule: `flag when random k-fold R² exceeds grouped k-fold R² by more than ${r.gapThreshold} and by more than ${r.spreadFactor}× the fold-to-fold standard error (${folds} folds each; R² = 1 − MSE / variance of the targets over all images, averaged over outputs).`,
      evidence: { folds, groups, kFold: r.kFold, groupKFold: r.groupKFold, gap: r.gap, gapStandardError: r.gapStandardError },
      figures: [
        {
          kind: 'bars',
          caption: 'held-out R² when specimens may be shared (random k-fold) and when they may not (grouped k-fold)',
          axes: { x: 'held-out R² (mean ± sd over folds)', y: 'split' },
          bars: [
            { label: 'random k-fold', value: r.kFold.r2.mean, error: r.kFold.r2.std },
            { label: 'grouped k-fold', value: r.groupKFold.r2.mean, error: r.groupKFold.r2.std },
          ],
        },
      ],
    };
  },
});
