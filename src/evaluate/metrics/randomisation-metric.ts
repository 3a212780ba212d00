/**
 * Model-parameter randomisation (Adebayo et al. 2018) and the random-logit test as a registered
 * metric: wraps randomisation.ts, which re-explains with re-drawn weights.
 */
import type { Metric } from '../metric.js';
import { fmt, targetNounOf } from '../metric.js';
import type { RandomisationMode, RandomisationOptions, RandomisationResult } from '../randomisation.js';
import { randomisationTest } from '../randomisation.js';

/** Everything of randomisation.ts except what the context provides. */
export type RandomisationMetricOptions = Omit<RandomisationOptions, 'explain' | 'target' | 'seed' | 'onProgress'>;

const MODES: readonly RandomisationMode[] = ['cascading', 'independent'];

export const randomisationMetric: Metric<'randomisation', RandomisationMetricOptions, RandomisationResult> = {
  name: 'randomisation',
  description: 're-draw the weights layer by layer (cascading from the top, and independently) and compare maps (Spearman ρ of |a|, SSIM, HOG distance, top-3 hotspots) with a trained-vs-trained baseline; random-logit test',
  needs: [],
  runByDefault: true,
  options: [
    { key: 'modes', flag: '--modes', kind: 'string-list', choices: MODES, default: MODES, placeholder: '<cascading,independent>', help: 'cascading and/or independent' },
    { key: 'passRatio', flag: '--pass-ratio', kind: 'number', above: 0, max: 1, default: 0.5, placeholder: '<r>', help: "pass when the last cascade step's Spearman ρ ≤ r × the trained-vs-trained ρ" },
    { key: 'baselineNoise', flag: '--randomisation-noise', kind: 'number', above: 0, default: 0.01, help: "input-noise σ of a deterministic method's trained-vs-trained baseline, as a fraction of the inputs' range" },
    { key: 'layers', flag: '--randomise-layers', kind: 'string-list', placeholder: '<layer,…>', help: 'parameter layers to re-draw, top down (default all)' },
  ],
  async run(context, options) {
    const r = await randomisationTest(context.model, context.explainer, context.inputs, {
      ...options,
      explain: context.explain,
      target: context.target,
      seed: context.seed,
      onProgress: (f, what) => context.progress(`randomisation: ${what}`, f),
    });
    const logit = r.randomLogit
      ? `; random-${targetNounOf(context) === 'output' ? 'output' : 'logit'} ρ (signed) ${fmt(r.randomLogit.spearmanSigned)} (${r.randomLogit.changes ? 'the map changes' : 'the map does not change'} with the ${targetNounOf(context)})`
      : '';
    return { result: r, verdict: { passes: r.verdict.passes, text: `${r.verdict.text}${logit}` } };
  },
  summarise(r) {
    const last = r.cascading?.[r.cascading.length - 1];
    return [
      { label: 'trained-vs-trained Spearman ρ', value: r.baseline.spearman, note: r.baseline.kind },
      { label: 'last cascade step Spearman ρ', value: last?.spearman ?? null, note: `passes when ≤ ${fmt(r.verdict.threshold)}` },
      { label: 'random-logit Spearman ρ (signed)', value: r.randomLogit?.spearmanSigned ?? null, note: 'low = the map changes with the class' },
    ];
  },
};
