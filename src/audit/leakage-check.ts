/**
 * "Is the accuracy inflated by specimens shared between training and test?": retrain per fold under random k-fold and under grouped k-fold (specimens
 * never split) and compare held-out accuracy. A model that scores much higher when it has seen the
 * test specimens in training is recognising specimens, and its reported accuracy will not carry
 * over to new ones.
 */
import { OnnxModel } from '../models/model.js';
import { graphRecipe, leakageCheck as runLeakage, type LeakageResult, type TrainingRecipe } from '../trust/leakage.js';
import type { FigureData } from './figure-data.js';
import { defineCheck, groupingsOf, need, notRunResult, type CheckResult } from './check.js';

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
    const [first, ...others] = groupingsOf(context);
    const groupIds = first.ids;
    const groups = new Set(groupIds).size;
    const folds = Math.min(options.folds, groups);
    if (folds < 2) return notRunResult(`the data hold ${groups} specimen group; grouped cross-validation needs at least 2.`);
    const share = 1 / (1 + others.length);
    const r = await runLeakage({ ...context.data, groups: groupIds }, {
      folds,
      seed: context.random.fork('folds').seed(),
      recipe: context.recipe ?? retrainRecipe(context.model),
      onProgress: (p) => context.progress(p.fraction * share),
    });
    const result: CheckResult = {
      verdict: r.leakageSuspected ? 'flag' : 'pass',
      summary: r.explanation,
      headline: `its accuracy drops from ${r.kFold.mean.toFixed(3)} to ${r.groupKFold.mean.toFixed(3)} on specimens it has not seen (leakage)`,
      rule: `flag when random k-fold accuracy exceeds grouped k-fold accuracy by more than ${r.gapThreshold} and by more than ${r.spreadFactor}× the fold-to-fold standard error (${folds} folds each).`,
      evidence: { folds, groups, kFold: r.kFold, groupKFold: r.groupKFold, gap: r.gap, gapStandardError: r.gapStandardError },
      figures: [leakageBars(r, 'specimens')],
    };
    // One grouping (the usual --groups G.npy): exactly the finding above. More: each is tested the same way and a leak along any flags.
    if (others.length === 0) return result;
    const extra: GroupingLeakage[] = [];
    for (const [i, g] of others.entries()) {
      const count = new Set(g.ids).size;
      const gFolds = Math.min(options.folds, count);
      if (gFolds < 2) {
        extra.push({ grouping: g.name, groups: count, skipped: `one ${g.name} group` });
        continue;
      }
      const rg = await runLeakage({ ...context.data, groups: g.ids }, {
        folds: gFolds,
        seed: context.random.fork(`folds ${g.name}`).seed(),
        recipe: context.recipe ?? retrainRecipe(context.model),
        onProgress: (p) => context.progress((i + 1 + p.fraction) * share),
      });
      extra.push({ grouping: g.name, groups: count, folds: gFolds, result: rg });
    }
    const leaks = [...(r.leakageSuspected ? [first.name] : []), ...extra.filter((e) => e.result?.leakageSuspected).map((e) => e.grouping)];
    return {
      ...result,
      verdict: leaks.length ? 'flag' : 'pass',
      summary:
        `${first.name}: ${r.explanation} ` +
        extra.map((e) => (e.result ? `${e.grouping}: ${e.result.explanation}` : `${e.grouping}: not tested (${e.skipped}).`)).join(' '),
      headline: `its accuracy drops on ${leaks.map((l) => `${l}s`).join(' and ')} it has not seen (leakage)`,
      evidence: {
        ...result.evidence,
        grouping: first.name,
        byGrouping: extra.map((e) => ({ grouping: e.grouping, groups: e.groups, ...(e.result ? { folds: e.folds, kFold: e.result.kFold, groupKFold: e.result.groupKFold, gap: e.result.gap, gapStandardError: e.result.gapStandardError, leakageSuspected: e.result.leakageSuspected } : { skipped: e.skipped }) })),
      },
      figures: [leakageBars(r, `${first.name}s`), ...extra.flatMap((e) => (e.result ? [leakageBars(e.result, `${e.grouping}s`)] : []))],
    };
  },
});

interface GroupingLeakage {
  grouping: string;
  groups: number;
  folds?: number;
  result?: LeakageResult;
  skipped?: string;
}

/** Random vs grouped k-fold accuracy; `what` names the groups ('specimens' gives today's caption). */
function leakageBars(r: LeakageResult, what: string): FigureData {
  return {
    kind: 'bars',
    caption: `held-out accuracy when ${what} may be shared (random k-fold) and when they may not (grouped k-fold)`,
    axes: { x: 'held-out accuracy (mean ± sd over folds)', y: 'split' },
    valueDomain: [0, 1],
    bars: [
      { label: 'random k-fold', value: r.kFold.mean, error: r.kFold.std },
      { label: 'grouped k-fold', value: r.groupKFold.mean, error: r.groupKFold.std },
    ],
  };
}
