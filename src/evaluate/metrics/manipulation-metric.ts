/**
 * Explanation manipulation (Dombrowski et al. 2019): can a tiny perturbation, which leaves the
 * model's output where it was, move the map somewhere else? The attack (explanation-manipulation.ts)
 * descends on the β-smoothed network and is judged on the original. The metric fails when at least
 * half of the images' maps move (toward the target, or away from what they showed) with the class
 * and the explained score kept. Known outcomes: a linear model's saliency is its weight vector and
 * cannot move at all; a ReLU network's gradient map is piecewise constant with many small pieces and
 * can jump between them.
 */
import type { Metric } from '../metric.js';
import { fmt } from '../metric.js';
import { BUDGET_NORMS, MANIPULATION_DEFAULTS, isManipulable, manipulateExplanations, type ManipulationOptions, type ManipulationResult } from '../explanation-manipulation.js';
import { MANIPULATION_TARGETS } from '../manipulation-target.js';
import type { OptionSpec } from '../../options/option-spec.js';

export type ManipulationMetricOptions = Pick<ManipulationOptions, 'epsilon' | 'norm' | 'steps' | 'gamma' | 'beta' | 'target' | 'minGain' | 'minChange' | 'outputTolerance'>;

/** The share of images whose map moves with the output kept at which the method fails. */
export const MANIPULATED_SHARE = 0.5;

/** The attack's options, declared once for the metric and the audit check (same flags, same meaning). */
export const MANIPULATION_OPTION_SPECS: readonly OptionSpec[] = [
  { key: 'epsilon', flag: '--manipulation-epsilon', kind: 'number', above: 0, max: 1, default: MANIPULATION_DEFAULTS.epsilon, placeholder: '<f>', help: "the perturbation's budget as a fraction of the images' value range (max − min): per value (linf) or as the RMS per value (l2)" },
  { key: 'norm', flag: '--manipulation-norm', kind: 'choice', choices: [...BUDGET_NORMS], default: MANIPULATION_DEFAULTS.norm, help: 'the budget: linf (every value moves by at most ε) or l2 (‖δ‖₂ ≤ ε·√pixels: the same ε as an RMS per value)' },
  { key: 'steps', flag: '--manipulation-steps', kind: 'integer', min: 1, default: MANIPULATION_DEFAULTS.steps, help: 'gradient steps of the attack (each one second-order pass over the images)' },
  { key: 'gamma', flag: '--manipulation-gamma', kind: 'number', min: 0, default: MANIPULATION_DEFAULTS.gamma, placeholder: '<f>', help: "weight of ‖g(x + δ) − g(x)‖² (keep the output) against the map term" },
  { key: 'beta', flag: '--manipulation-beta', kind: 'number', above: 0, default: MANIPULATION_DEFAULTS.beta, placeholder: '<f>', help: 'softplus β replacing ReLU while the attack descends (larger: closer to the ReLU network, rougher)' },
  { key: 'target', flag: '--manipulation-target', kind: 'choice', choices: [...MANIPULATION_TARGETS], default: MANIPULATION_DEFAULTS.target, help: "where each map is pushed: its own map shifted by half the image, or another image's map (another class when there is one)" },
  { key: 'minGain', flag: '--manipulation-min-gain', kind: 'number', min: 0, default: MANIPULATION_DEFAULTS.minGain, placeholder: '<f>', help: "a map has moved when its Pearson correlation with the target rises by this much…" },
  { key: 'minChange', flag: '--manipulation-min-change', kind: 'number', min: 0, default: MANIPULATION_DEFAULTS.minChange, placeholder: '<f>', help: "…or when it differs from the original map by this share of the original's norm, ‖ĥ' − ĥ‖/‖ĥ‖ (maps scaled to mean |ĥ| = 1)" },
  { key: 'outputTolerance', flag: '--manipulation-output-tolerance', kind: 'number', min: 0, default: MANIPULATION_DEFAULTS.outputTolerance, placeholder: '<f>', help: "the output is kept when the class is unchanged and the explained score moves by at most this (probability; a regressor's output: relative)" },
];

function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** The numbers a verdict line quotes: medians over the images. */
export function manipulationMedians(r: ManipulationResult) {
  return {
    targetBefore: median(r.images.map((i) => i.targetCorrelationBefore)),
    targetAfter: median(r.images.map((i) => i.targetCorrelationAfter)),
    similarity: median(r.images.map((i) => i.originalCorrelation)),
    change: median(r.images.map((i) => i.mapChange)),
    randomChange: median(r.images.map((i) => i.randomMapChange)),
    mapChange: median(r.images.map((i) => i.mapChange)),
    perturbation: median(r.images.map((i) => i.perturbationRelative)),
    perUnit: median(r.images.map((i) => i.mapChangePerPerturbation)),
    scoreChange: median(r.images.map((i) => i.scoreChange)),
    classKept: r.images.filter((i) => i.classKept).length,
    smoothedStart: median(r.images.map((i) => i.smoothedMapLossStart)),
    smoothedEnd: median(r.images.map((i) => i.smoothedMapLoss)),
  };
}

/** One line: what the attack did, with its numbers and the rule. */
export function manipulationText(r: ManipulationResult): { fails: boolean; text: string } {
  const n = r.images.length;
  const m = manipulationMedians(r);
  const fails = r.manipulated >= MANIPULATED_SHARE * n;
  const bound = r.norm === 'l2' ? `‖δ‖₂ ≤ ${fmt(r.epsilonFraction)} of the value range × √pixels` : `‖δ‖∞ ≤ ${fmt(r.epsilonFraction)} of the value range`;
  const budget = `${bound} (median ‖δ‖₂/‖x‖₂ ${fmt(m.perturbation, 3)})`;
  const moved = `median correlation with the target ${fmt(m.targetBefore, 2)} → ${fmt(m.targetAfter, 2)}, with the original map ${fmt(m.similarity, 2)}; median map change ${fmt(m.change, 2)} of its norm (a random ±ε perturbation: ${fmt(m.randomChange, 2)}), ${fmt(m.perUnit, 1)}× the input's relative change`;
  const output = `class kept in ${m.classKept} of ${n}, median |Δ score| ${fmt(m.scoreChange, 3)}`;
  const rule = `moved = correlation with the target up ≥ ${fmt(r.minGain)} or map change ≥ ${fmt(r.minChange)}, output kept = same class and |Δ score| ≤ ${fmt(r.outputTolerance)}; fails when ≥ ${MANIPULATED_SHARE * 100}% of the images`;
  const text = fails
    ? `manipulable: ${r.manipulated} of ${n} ${r.method} map(s) moved with the output kept, at ${budget}: ${moved}; ${output} (${rule})`
    : `not manipulable at this budget: ${r.manipulated} of ${n} ${r.method} map(s) moved with the output kept, at ${budget}: ${moved}; ${output} (${rule})`;
  return { fails, text };
}

export const manipulationMetric: Metric<'manipulation', ManipulationMetricOptions, ManipulationResult> = {
  name: 'manipulation',
  description: 'explanation manipulation (Dombrowski et al. 2019): a tiny perturbation that keeps the output, found on the softplus-smoothed network; does the map move?',
  needs: ['input-shaped-maps'],
  runByDefault: false,
  options: MANIPULATION_OPTION_SPECS,
  supports: (explainer) => isManipulable(explainer.name),
  async run(context, options) {
    context.progress('manipulation attack', 0);
    const r = await manipulateExplanations(context.model, context.explainer, context.inputs, context.target, {
      ...options,
      explain: context.explain,
      seed: context.seed,
      task: context.task,
      keepMaps: 3,
      onProgress: (f) => context.progress('manipulation attack', f),
    }, context.attributions);
    context.progress('manipulation attack', 1);
    const { fails, text } = manipulationText(r);
    return { result: r, verdict: { passes: !fails, text } };
  },
  summarise(r) {
    const m = manipulationMedians(r);
    return [
      { label: 'maps moved, output kept', value: r.manipulated, note: `of ${r.images.length}; fails at ≥ ${MANIPULATED_SHARE * 100}%` },
      { label: 'correlation with target: before', value: m.targetBefore, note: `median Pearson; target: ${r.target}` },
      { label: 'correlation with target: after', value: m.targetAfter, note: 'median Pearson, on the original network' },
      { label: 'correlation with the original map', value: m.similarity, note: 'median Pearson; 1 = unchanged' },
      { label: 'map change ‖Δĥ‖/‖ĥ‖', value: m.change, note: `median; moved at ≥ ${r.minChange}` },
      { label: 'map change, random ±ε perturbation', value: m.randomChange, note: 'median; the control: how fragile the map is without an attack' },
      { label: 'map change per unit of perturbation', value: m.perUnit, note: '(‖Δĥ‖/‖ĥ‖) / (‖δ‖/‖x‖), median; a linear model: 0 (saliency)' },
      { label: 'relative perturbation ‖δ‖₂/‖x‖₂', value: m.perturbation, note: `median; ${r.norm === 'l2' ? '‖δ‖₂ ≤ √pixels ×' : '‖δ‖∞ ≤'} ${r.epsilon.toPrecision(3)}` },
      { label: '|Δ explained score|', value: m.scoreChange, note: 'median' },
      { label: "smoothed network's map term: before", value: m.smoothedStart, note: `median ‖ĥ − ĥ_t‖²/pixels at δ = 0 (softplus β = ${r.beta}, ${r.smoothedRelus} ReLU replaced)` },
      { label: "smoothed network's map term: after", value: m.smoothedEnd, note: 'median after the descent: how far the attack got on the network it descends on' },
    ];
  },
};
