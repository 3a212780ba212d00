/**
 * Completeness as a metric: for the methods that claim it (integrated gradients, DeepLIFT), do the
 * attributions sum to f(x) − f(baseline) of the explained output? Computed here from the shared
 * maps and two forward passes of our own — not from the method's convergence delta — so a bug in a
 * method's bookkeeping cannot vouch for itself.
 */
import type { Metric } from '../metric.js';
import { requireNeeds } from '../metric.js';
import { sizeOf, tensor } from '../../tensor/tensor.js';
import { expandBaseline, type Baseline } from '../../attribution/common/baselines.js';
import { resolveTarget, weightedOutput } from '../../attribution/common/target.js';
import { checkCompleteness, COMPLETENESS_TOLERANCE, type CompletenessCheck } from '../../attribution/common/completeness.js';

export interface CompletenessOptions {
  /** Largest tolerated |Σφ − Δf| / |Δf|. */
  tolerance?: number;
}

export const completenessMetric: Metric<'completeness', CompletenessOptions, CompletenessCheck> = {
  name: 'completeness',
  description: 'completeness: attributions sum to f(x) − f(baseline) of the explained output (methods that claim it: integrated gradients, DeepLIFT)',
  needs: ['input-shaped-maps'],
  runByDefault: true,
  options: [
    { key: 'tolerance', flag: '--completeness-tolerance', kind: 'number', min: 0, default: COMPLETENESS_TOLERANCE, placeholder: '<f>', help: 'largest tolerated |Σ attributions − (f(x) − f(baseline))| as a share of |f(x) − f(baseline)|' },
  ],
  supports: (explainer) => explainer.completeness === true,
  async run(context, options) {
    requireNeeds(completenessMetric, context);
    const { model, inputs, attributions } = context;
    const n = inputs.shape[0];
    const d = sizeOf(inputs.shape.slice(1));
    context.progress('completeness', 0);
    const base = tensor(inputs.shape, expandBaseline(context.explain.baseline as Baseline | undefined, inputs, context.explainer.name));
    // The explained output as a weighting of all outputs: a class, a regression output or a segmentation region alike.
    const { cotangent } = await resolveTarget(model, inputs, context.target);
    const fx = weightedOutput(await model.forward(inputs), cotangent);
    const fb = weightedOutput(await model.forward(base), cotangent);
    const sums: number[] = [];
    const changes: number[] = [];
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += attributions.data[i * d + j];
      sums.push(s);
      changes.push(fx[i] - fb[i]);
    }
    context.progress('completeness', 1);
    const check = checkCompleteness(sums, changes, options.tolerance ?? COMPLETENESS_TOLERANCE);
    const w = check.worst;
    const worstText = w < 0 ? '' : `; worst image ${w}: Σ ${check.attributionSum[w].toPrecision(3)} vs ${check.outputChange[w].toPrecision(3)} (gap ${(100 * check.relativeGap[w]).toFixed(1)}%)`;
    const text = check.holds
      ? `complete: on every image the attributions sum to f(x) − f(baseline) within ${(100 * check.tolerance).toFixed(0)}%${worstText}`
      : `incomplete on ${check.failing} of ${n} image(s) (gap > ${(100 * check.tolerance).toFixed(0)}% of f(x) − f(baseline))${worstText}: the map does not account for the output change`;
    return { result: check, verdict: { passes: check.holds, text } };
  },
  summarise(r) {
    return [
      { label: 'images beyond tolerance', value: r.failing, note: `of ${r.relativeGap.length}; tolerance ${r.tolerance}` },
      { label: 'largest relative gap', value: r.worst < 0 ? null : r.relativeGap[r.worst], note: '|Σφ − Δf| / |Δf|; 0 = complete' },
    ];
  },
};
