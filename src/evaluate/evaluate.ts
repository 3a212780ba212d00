/**
 * `evaluate`: runs the chosen registered metrics (registry.ts) for one method on one model and one
 * batch, and states a one-line verdict per metric. The classes explained and the trained model's
 * attributions are computed once and shared by every metric (MetricContext); each metric stays
 * usable on its own.
 */
import { defaultRegressionTarget, resolveTarget } from '../attribution/common/target.js';
import type { Task } from '../models/task.js';
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import type { Explainer, Target } from '../attribution/explainer.js';
import type { Metric, MetricContext } from './metric.js';
import { resolveMetricOptions, unmetNeed } from './metric.js';
import type { MetricName, MetricOptionsOf, MetricResultOf } from './registry.js';
import { METRIC_NAMES, getMetric } from './registry.js';
import type { RandomisationResult } from './randomisation.js';
import type { LocalisationResult } from './localisation.js';
import type { ComplexityResult } from './complexity.js';
import type { DeletionCurveResult, FaithfulnessCorrelationResult } from './faithfulness.js';
import type { RobustnessResult } from './robustness.js';
import type { AdversarialFlipResult } from './adversarial.js';

export { METRIC_NAMES } from './registry.js';
export type { MetricName } from './registry.js';

export interface EvaluateOptions {
  metrics: readonly MetricName[];
  /** Region mask [N, H, W] (1 inside); needed by the metrics that declare the 'mask' need (localisation). */
  mask?: Tensor;
  /** Method options (window, steps, layer…), passed on every explainer call. */
  explain?: Readonly<Record<string, unknown>>;
  /**
   * Class per row or one class (a regressor: output index), or a cotangent target (a segmenter's
   * mask: segmentation-targets.ts); default the model's prediction (a one-output regressor: output 0).
   */
  target?: Target;
  /** What the outputs are (default: class scores). A regressor is scored on its raw outputs. */
  task?: Task;
  /** Seed of the method and of every metric (each gets this same value). */
  seed?: number;
  /**
   * Options per metric, by name: the keys each metric declares (metric.options; missing keys take the
   * declared defaults) and its library-only extras (e.g. randomisation's keepMaps, layers).
   */
  metricOptions?: { readonly [N in MetricName]?: MetricOptionsOf<N> };
  onProgress?: (stage: string, fraction: number) => void;
}

export interface Verdict {
  check: MetricName;
  /** null for checks that describe rather than judge (complexity, robustness…). */
  passes: boolean | null;
  text: string;
}

/** The metrics that predate the registry: their results keep their own fields (the report and evaluation.json read them there). */
type OwnFieldMetric = 'randomisation' | 'localisation' | 'faithfulness' | 'robustness' | 'complexity';

export interface EvaluationResult {
  method: string;
  images: number;
  /** What the outputs are; `targets` are classes, or for a regression output indices. */
  task: Task;
  targets: number[];
  metrics: MetricName[];
  /** The trained model's attributions (kept for the report; not written to JSON). */
  attributions: Tensor;
  randomisation?: RandomisationResult;
  localisation?: LocalisationResult;
  complexity?: ComplexityResult;
  faithfulness?: { deletionInsertion: DeletionCurveResult; correlation: FaithfulnessCorrelationResult };
  robustness?: RobustnessResult;
  /** Absent when the method's maps do not have the inputs' shape (Grad-CAM without upsampling). */
  adversarial?: AdversarialFlipResult;
  /** Results of every other registered metric (road, infidelity, sufficiency…), by name. */
  results: { [N in Exclude<MetricName, OwnFieldMetric>]?: MetricResultOf<N> };
  verdicts: Verdict[];
}

const OWN_FIELD: { readonly [N in OwnFieldMetric]: (into: EvaluationResult, result: MetricResultOf<N>) => void } = {
  randomisation: (into, r) => void (into.randomisation = r),
  localisation: (into, r) => void (into.localisation = r),
  faithfulness: (into, r) => void (into.faithfulness = r),
  robustness: (into, r) => {
    into.robustness = r.robustness;
    if (r.adversarial) into.adversarial = r.adversarial;
  },
  complexity: (into, r) => void (into.complexity = r),
};

function store(into: EvaluationResult, name: MetricName, result: unknown): void {
  if (Object.hasOwn(OWN_FIELD, name)) (OWN_FIELD[name as OwnFieldMetric] as (into: EvaluationResult, r: unknown) => void)(into, result);
  else (into.results as Record<string, unknown>)[name] = result;
}

export function parseMetrics(list: string): MetricName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new Error(`no metrics given; choose from ${METRIC_NAMES.join(', ')}`);
  return [...new Set(names.map((n) => getMetric(n).name))];
}

/**
 * What every metric shares: the class per row (the request's, or the model's prediction, computed
 * once so all metrics judge one question) and the trained model's attributions for it.
 */
export async function prepareContext(
  model: Model,
  explainer: Explainer,
  inputs: Tensor,
  options: Pick<EvaluateOptions, 'mask' | 'explain' | 'target' | 'seed' | 'onProgress' | 'task'>,
): Promise<MetricContext> {
  const n = inputs.shape[0];
  const seed = options.seed ?? 0;
  const progress = (stage: string, f: number) => options.onProgress?.(stage, Math.min(1, Math.max(0, f)));
  // Resolved once: a class (a regressor: output index) per row, or (a segmenter) the cotangent of the
  // trained model's own mask, so every metric — and every randomised copy — explains the same
  // question. A regressor's default is its one output: the argmax of real-valued outputs names nothing.
  const requested = options.target ?? (options.task === 'regression' ? defaultRegressionTarget(model.outputSize) : undefined);
  const resolved = await resolveTarget(model, inputs, requested);
  const targets = resolved.classes ?? [];
  const target = resolved.classes ?? { cotangent: resolved.cotangent };
  progress('explaining', 0);
  const attribution = await explainer.attribute(model, inputs, { ...options.explain, target, seed });
  progress('explaining', 1);
  return { model, explainer, inputs, targets, target, task: options.task, attributions: attribution.values, explain: options.explain ?? {}, mask: options.mask, seed, progress };
}

export async function evaluateExplanations(model: Model, explainer: Explainer, inputs: Tensor, options: EvaluateOptions): Promise<EvaluationResult> {
  const names = [...new Set(options.metrics)];
  if (names.length === 0) throw new Error(`evaluate: no metrics given; choose from ${METRIC_NAMES.join(', ')}`);
  const chosen: Metric<MetricName>[] = names.map((name) => getMetric(name));
  // Everything that can be refused is refused before the (costly) explaining.
  for (const metric of chosen) {
    const why = unmetNeed(metric, { inputs, mask: options.mask, task: options.task });
    if (why) throw new Error(`evaluate: ${why}`);
    if (metric.supports && !metric.supports(explainer)) throw new Error(`evaluate: ${metric.name} does not support the method ${explainer.name}`);
  }
  if (inputs.shape[0] === 0) throw new Error('evaluate: no input images');
  const settings = chosen.map((metric) => resolveMetricOptions(metric, options.metricOptions?.[metric.name]));

  const context = await prepareContext(model, explainer, inputs, options);
  for (const metric of chosen) {
    const why = unmetNeed(metric, { inputs, mask: options.mask, attributions: context.attributions, explainer: explainer.name });
    if (why) throw new Error(`evaluate: ${why}`);
  }
  const result: EvaluationResult = { method: explainer.name, images: inputs.shape[0], task: options.task ?? 'classification', targets: [...context.targets], metrics: names, attributions: context.attributions, results: {}, verdicts: [] };
  for (const [i, metric] of chosen.entries()) {
    const outcome = await metric.run(context, settings[i]);
    store(result, metric.name, outcome.result);
    result.verdicts.push({ check: metric.name, passes: outcome.verdict.passes, text: outcome.verdict.text });
  }
  return result;
}

/** evaluation.json: everything except the maps (tensors), with NaN and ±∞ as null. */
export function evaluationJson(result: EvaluationResult): unknown {
  return JSON.parse(
    JSON.stringify(result, (key, value) => {
      if (key === 'attributions' || key === 'maps' || key === 'trainedMaps') return undefined;
      if (typeof value === 'number' && !Number.isFinite(value)) return null;
      return value;
    }),
  );
}
