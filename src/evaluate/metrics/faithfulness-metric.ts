/**
 * Does the map point at what the model uses? Deletion and insertion curves (deletion-curves.ts) and
 * the faithfulness correlation (faithfulness-correlation.ts) on the shared maps; judged by the
 * insertion area minus the deletion area.
 */
import type { Metric } from '../metric.js';
import { fmt, requireNeeds, scoreKindFor } from '../metric.js';
import type { DeletionCurveResult } from '../deletion-curves.js';
import { deletionInsertionCurves } from '../deletion-curves.js';
import type { FaithfulnessCorrelationResult } from '../faithfulness-correlation.js';
import { faithfulnessCorrelation } from '../faithfulness-correlation.js';

const BASELINES = ['zero', 'mean', 'blur'] as const;

export interface FaithfulnessMetricOptions {
  /** What removed pixels become on the deletion/insertion curves (default 'zero'). */
  baseline?: (typeof BASELINES)[number];
  /** Removal steps of the curves (default min(features, 50)). */
  steps?: number;
  /** Side of the square patches removed together, for the curves and the correlation (default 1). */
  patch?: number;
  /** Random feature subsets per image of the faithfulness correlation (default 100). */
  runs?: number;
  /** Features per subset of the faithfulness correlation (default min(224, ⌊features / 2⌋)). */
  subsetSize?: number;
}

export interface FaithfulnessMetricResult {
  deletionInsertion: DeletionCurveResult;
  correlation: FaithfulnessCorrelationResult;
}

export const faithfulnessMetric: Metric<'faithfulness', FaithfulnessMetricOptions, FaithfulnessMetricResult> = {
  name: 'faithfulness',
  description: 'deletion and insertion curves with their areas, faithfulness correlation',
  needs: ['input-shaped-maps'],
  runByDefault: true,
  options: [
    { key: 'baseline', flag: '--deletion-baseline', kind: 'choice', choices: BASELINES, default: 'zero', help: 'what removed pixels become on the deletion/insertion curves' },
    { key: 'steps', flag: '--deletion-steps', kind: 'integer', min: 1, help: 'points on the deletion/insertion curves minus one (default min(features, 50))' },
    { key: 'patch', flag: '--deletion-patch', kind: 'integer', min: 1, default: 1, help: 'side of the square patches removed together' },
    { key: 'runs', flag: '--correlation-runs', kind: 'integer', min: 2, default: 100, help: 'random feature subsets per image of the faithfulness correlation' },
    { key: 'subsetSize', flag: '--correlation-subset', kind: 'integer', min: 1, help: 'features per subset of the faithfulness correlation (default min(224, features / 2))' },
  ],
  async run(context, options) {
    requireNeeds(faithfulnessMetric, context);
    const { model, inputs, attributions } = context;
    const deletionInsertion = await deletionInsertionCurves(model, inputs, attributions, {
      baseline: options.baseline,
      steps: options.steps,
      patch: options.patch,
      target: context.target,
      score: scoreKindFor(context, undefined),
      onProgress: (done, total) => context.progress('faithfulness: deletion and insertion', done / total),
    });
    context.progress('faithfulness: correlation', 0);
    // The correlation keeps its own baseline (zero), as before the registry: --deletion-baseline is the curves'.
    const correlation = await faithfulnessCorrelation(model, inputs, attributions, { seed: context.seed, patch: options.patch, runs: options.runs, subsetSize: options.subsetSize, target: context.target });
    const diff = deletionInsertion.areaDifference;
    const passes = diff === undefined ? null : diff > 0;
    const scored = context.task === 'regression' ? ' (scored on the raw output)' : '';
    const text = `${passes === null ? 'no verdict' : passes ? 'faithful' : 'not faithful'}${scored}: insertion area ${fmt(deletionInsertion.insertion?.meanArea)} − deletion area ${fmt(deletionInsertion.deletion?.meanArea)} = ${fmt(diff)} (passes when > 0: the top-ranked pixels carry the score), faithfulness correlation ${fmt(correlation.mean)}`;
    return { result: { deletionInsertion, correlation }, verdict: { passes, text } };
  },
  summarise(f) {
    return [
      { label: 'insertion area', value: f.deletionInsertion.insertion?.meanArea ?? null },
      { label: 'deletion area', value: f.deletionInsertion.deletion?.meanArea ?? null },
      { label: 'insertion − deletion', value: f.deletionInsertion.areaDifference ?? null, note: '> 0: the top-ranked pixels carry the score' },
      { label: 'faithfulness correlation', value: f.correlation.mean, note: 'Pearson r, −1 … 1' },
    ];
  },
};
