/**
 * "Is the accuracy inflated by specimens shared between training and test?": retrain per fold under random k-fold and under grouped k-fold (specimens
 * never split) and compare held-out accuracy. A model that scores much higher when it has seen the
 * test specimens in training is recognising specimens, and its reported accuracy will not carry
 * over to new ones.
 */
import { OnnxModel } from '../models/model.js';
import { graphRecipe, leakageCheck as runLeakage, type TrainingRecipe } from '../trust/leakage.js';
import { defineCheck, need, notRunResult } from './check.js';

/** Retrains the audited model's own architecture from re-initialised weights on each fold (with plateau restarts). */
export function retrainRecipe(model: OnnxModel, options: { epochs?: number; learningRate?: number } = {}): TrainingRecipe {
  const all = [...new Set(model.parameters.map((p) => p.name))];
  return graphRecipe((_train, _classes, seed) => (model.withParameters({ kind: 'reinitialise', parameters: all, seed }) as OnnxModel).graph, { epochs: options.epochs ?? 10, learningRate: options.learningRate ?? 3e-3 });
}

export const leakageCheck = defineCheck({
  id: 'leakage',
  title: 'Is the accuracy inflated by specimens shared between training and test (leakage)?',
  needs: [need('classifier', 'it compares accuracies; a regressor gets the regression-leakage check (R², MAE)'), need('groups', 'grouped cross-validation needs them')],
  options: [{ key: 'folds', flag: '--folds', kind: 'integer', default: 5, min: 2, help: 'folds of the leakage check (each split retrains once per fold)' }],
  limits:
    'Only leakage along the given groups is tested (e.g. specimen ids); leakage through other shared factors (session, operator, ' +
    'preprocessing fitted on all data) needs its own grouping. The check retrains a model per fold with a fixed recipe, not the original training run.',
  async run(context, options: { folds: number }) {
    const groupIds = context.data.groups!;
    const groups = new Set(groupIds).size;
    const folds = Math.min(options.folds, groups);
    if (folds < 2) return notRunResult(`the data hold ${groups} specimen group; grouped cross-validation needs at least 2.`);
    const r = await runLeakage(context.data, {
      folds,
      seed: context.random.fork('folds').seed(),
      recipe: context.recipe ?? retrainRecipe(context.model),
      onProgress: (p) => context.progress(p.fraction),
    });
    return {
      verdict: r.leakageSuspected ? 'flag' : 'pass',
      summary: r.explanation,
      headline: `its accuracy drops from ${r.kFold.mean.toFixed(3)} to ${r.groupKFold.mean.toFixed(3)} on specimens it has not seen (leakage)`,
      rule: `flag when random k-fold accuracy exceeds grouped k-fold accuracy by more than ${r.gapThreshold} and by more than ${r.spreadFactor}× the fold-to-fold standard error (${folds} folds each).`,
      evidence: { folds, groups, kFold: r.kFold, groupKFold: r.groupKFold, gap: r.gap, gapStandardError: r.gapStandardError },
      figures: [
        {
          kind: 'bars',
          caption: 'held-out accuracy when specimens may be shared (random k-fold) and when they may not (grouped k-fold)',
          axes: { x: 'held-out accuracy (mean ± sd over folds)', y: 'split' },
          valueDomain: [0, 1],
          bars: [
            { label: 'random k-fold', value: r.kFold.mean, error: r.kFold.std },
            { label: 'grouped k-fold', value: r.groupKFold.mean, error: r.groupKFold.std },
          ],
        },
      ],
    };
  },
});
