/**
 * Explanation infidelity (Yeh et al. 2019, Captum's definition, infidelity.ts) as a registered
 * metric: how well Iᵀa predicts the output drop f(x) − f(x − I). Lower is better; describes, does
 * not judge (the scale depends on the model's output).
 */
import type { Metric } from '../metric.js';
import { requireNeeds, scoreKindFor } from '../metric.js';
import type { InfidelityPerturbation, InfidelityResult } from '../infidelity.js';
import { infidelity } from '../infidelity.js';
import type { ScoreKind } from '../perturbation.js';

const PERTURBATIONS = ['gaussian', 'baseline', 'subset'] as const;
const BASELINES = ['zero', 'mean', 'blur'] as const;
const SCORES: readonly ScoreKind[] = ['output', 'softmax'];

export interface InfidelityMetricOptions {
  /** How perturbed copies are drawn (default 'gaussian'). */
  perturbation?: (typeof PERTURBATIONS)[number];
  /** Std of the Gaussian perturbation, in input units (default 0.003). */
  std?: number;
  /** Chance that a feature is set to the baseline, 'subset' (default 0.5). */
  probability?: number;
  /** Side of the square features of 'subset' (default 1). */
  patch?: number;
  /** Perturbations per image (default 10). */
  samples?: number;
  /** Reference of 'baseline', 'subset' and multiplyByInputs (default 'zero'). */
  baseline?: (typeof BASELINES)[number];
  /** The method's maps already multiply by (x − baseline): IG, input × gradient, SHAP (default false). */
  multiplyByInputs?: boolean;
  /** Rescale the map by the optimal β first (Captum's normalize; default false). */
  normalize?: boolean;
  /** Default 'output' (the logit, as Captum). */
  score?: ScoreKind;
}

function perturbationOf(o: InfidelityMetricOptions): InfidelityPerturbation {
  const kind = o.perturbation ?? 'gaussian';
  if (kind === 'gaussian') return { kind, std: o.std };
  if (kind === 'subset') return { kind, probability: o.probability, patch: o.patch };
  return { kind };
}

export const infidelityMetric: Metric<'infidelity', InfidelityMetricOptions, InfidelityResult> = {
  name: 'infidelity',
  description: 'infidelity (Yeh et al.): mean squared error of Iᵀa as a predictor of the output drop under small perturbations I; lower is better',
  needs: ['input-shaped-maps'],
  runByDefault: false,
  options: [
    { key: 'perturbation', flag: '--infidelity-perturbation', kind: 'choice', choices: PERTURBATIONS, default: 'gaussian', help: 'Gaussian noise, the baseline itself, or random feature subsets set to the baseline' },
    { key: 'std', flag: '--infidelity-std', kind: 'number', above: 0, default: 0.003, placeholder: '<sigma>', help: 'std of the gaussian perturbation, in input units' },
    { key: 'probability', flag: '--infidelity-probability', kind: 'number', above: 0, max: 1, default: 0.5, placeholder: '<p>', help: 'chance that a feature is removed, subset perturbation' },
    { key: 'patch', flag: '--infidelity-patch', kind: 'integer', min: 1, default: 1, help: 'side of the square features of the subset perturbation' },
    { key: 'samples', flag: '--infidelity-samples', kind: 'integer', min: 1, default: 10, help: 'perturbations per image' },
    { key: 'baseline', flag: '--infidelity-baseline', kind: 'choice', choices: BASELINES, default: 'zero', help: 'reference of the baseline and subset perturbations' },
    { key: 'multiplyByInputs', flag: '--infidelity-multiply-by-inputs', kind: 'boolean', default: false, help: 'the maps already multiply by (x − baseline) (integrated-gradients, input-x-gradient, SHAP)' },
    { key: 'normalize', flag: '--infidelity-normalize', kind: 'boolean', default: false, help: "rescale each map by the optimal β first (invariant to the map's scale)" },
    { key: 'score', flag: '--infidelity-score', kind: 'choice', choices: SCORES, default: 'output', help: "the target's output (logit) or softmax probability" },
  ],
  async run(context, options) {
    requireNeeds(infidelityMetric, context);
    const r = await infidelity(context.model, context.inputs, context.attributions, {
      perturbation: perturbationOf(options),
      samples: options.samples,
      baseline: options.baseline,
      multiplyByInputs: options.multiplyByInputs,
      normalize: options.normalize,
      score: scoreKindFor(context, options.score),
      target: context.target,
      seed: context.seed,
      onProgress: (done, total) => context.progress('infidelity', done / total),
    });
    const s = r.settings;
    const how = s.perturbation === 'gaussian' ? `Gaussian perturbations of std ${s.std}` : s.perturbation === 'subset' ? `random subsets (p = ${s.probability}) set to ${s.baseline}` : `the ${s.baseline} baseline`;
    const text = `mean infidelity ${Number.isFinite(r.mean) ? r.mean.toPrecision(3) : 'n/a'} (E[(Iᵀa − Δf)²] of the ${s.score}${s.normalize ? ', map rescaled by the optimal β' : ''}; 0 = the map predicts every output change; lower is better) over ${s.samples} × ${how} per image`;
    return { result: r, verdict: { passes: null, text } };
  },
  summarise(r) {
    return [{ label: 'mean infidelity', value: r.mean, note: `lower is better; ${r.settings.samples} ${r.settings.perturbation} perturbation(s) per image` }];
  },
};
