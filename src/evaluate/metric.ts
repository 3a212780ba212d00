/**
 * The `Metric` contract: what every explanation metric declares and how `evaluate` runs it. A metric
 * states its needs (a region mask, maps of the inputs' shape, several images) and its options once
 * (options/option-spec.ts), so that `evaluateExplanations`, `trustscope evaluate --help`, its flags
 * and the contract tests are all derived from the registry (registry.ts) instead of hand-kept lists.
 *
 * Adding a metric: one file under metrics/, one line in registry.ts, one test file.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import type { Explainer, Target } from '../attribution/explainer.js';
import type { OptionSpec } from '../options/option-spec.js';
import { defaultsOf, validateOptionValue } from '../options/option-spec.js';
import type { Task } from '../models/task.js';
import type { ScoreKind } from './perturbation.js';

/** Inputs a metric cannot run without; `evaluate` checks them before the (costly) run. */
export type MetricNeed =
  /** a region mask [N, H, W] (1 inside): localisation */
  | 'mask'
  /** attribution maps of exactly the inputs' shape: the perturbation metrics read them value by value */
  | 'input-shaped-maps'
  /** two images or more: metrics that compare explanations across inputs */
  | 'two-or-more-inputs'
  /** class scores (not a regressor): metrics that compare predicted classes */
  | 'class-scores';

/** What every metric gets from `evaluate`: everything that is computed once and shared. */
export interface MetricContext {
  readonly model: Model;
  readonly explainer: Explainer;
  readonly inputs: Tensor;
  /**
   * Class (a regressor: output index) explained per row, the same for every metric so they all judge
   * one question; empty when the target names no class (a segmenter's mask).
   */
  readonly targets: readonly number[];
  /** What every metric explains: `targets` as classes, or the fixed cotangent of a dense target (a class over the trained model's predicted mask). */
  readonly target: Target;
  /** What the outputs are (absent: class scores). A regressor's outputs are scored raw, never through a softmax. */
  readonly task?: Task;
  /** The trained model's attributions for `targets`, computed once and shared by all metrics. */
  readonly attributions: Tensor;
  /** Method options (window, steps, layer…) for metrics that call the explainer again; target and seed are set by the metric. */
  readonly explain: Readonly<Record<string, unknown>>;
  /** Region mask [N, H, W], when given. */
  readonly mask?: Tensor;
  /**
   * The run's seed. Every metric gets this same value (as before the registry existed), so the
   * numbers of a metric do not depend on which other metrics ran with it.
   */
  readonly seed: number;
  /** Progress of a named stage, fraction in [0, 1]. */
  progress(stage: string, fraction: number): void;
}

export interface MetricVerdict {
  /** null for metrics that describe rather than judge. */
  readonly passes: boolean | null;
  /** One line stating the finding with its numbers and threshold. */
  readonly text: string;
}

export interface MetricOutcome<R> {
  readonly result: R;
  readonly verdict: MetricVerdict;
}

/** One headline number of a result, for the report's table. */
export interface MetricNumber {
  readonly label: string;
  readonly value: number | null;
  /** What the number means (range, direction). */
  readonly note?: string;
}

/**
 * N is the metric's name as a literal type (so the registry can type each metric's options), O its
 * options object (every key optional: missing keys take the declared default, then the
 * implementation's), R its result.
 */
export interface Metric<N extends string = string, O extends object = object, R = unknown> {
  readonly name: N;
  /** One line for `--help`. */
  readonly description: string;
  readonly needs: readonly MetricNeed[];
  /** Every tunable, declared once: the CLI flags and the API validation come from here. */
  readonly options: readonly OptionSpec[];
  /**
   * Part of `trustscope evaluate`'s default set (when its needs are met). The metrics that predate
   * the registry are; later ones are opt-in so a default run stays as it was (time and numbers).
   */
  readonly runByDefault: boolean;
  /** Only for metrics that work with some methods; absent = any method. */
  supports?(explainer: Explainer): boolean;
  run(context: MetricContext, options: O): Promise<MetricOutcome<R>>;
  /** The result's headline numbers (the report tabulates them). */
  summarise(result: R): readonly MetricNumber[];
}

/** What is known about a request when its needs are checked (maps only after explaining). */
export interface Available {
  readonly inputs: Tensor;
  readonly mask?: Tensor;
  readonly attributions?: Tensor;
  readonly explainer?: string;
  readonly task?: Task;
}

/**
 * Why `metric` cannot run on this request, from its declared needs; undefined when it can. Needs on
 * the maps are only checked when `available.attributions` is given.
 */
export function unmetNeed(metric: Pick<Metric, 'name' | 'needs'>, available: Available): string | undefined {
  for (const need of metric.needs) {
    if (need === 'mask' && !available.mask) return `${metric.name} needs a region mask [N, H, W] (CLI: --roi ROI.npy)`;
    if (need === 'two-or-more-inputs' && available.inputs.shape[0] < 2) {
      return `${metric.name} compares explanations across inputs and needs at least 2 images (got ${available.inputs.shape[0]})`;
    }
    if (need === 'class-scores' && available.task === 'regression') return `${metric.name} compares predicted classes; a regressor's outputs are not class scores`;
    if (need === 'input-shaped-maps' && available.attributions && shapeToString(available.attributions.shape) !== shapeToString(available.inputs.shape)) {
      return `${metric.name} needs maps of the inputs' shape ${shapeToString(available.inputs.shape)}; ${available.explainer ?? 'the method'} gives ${shapeToString(available.attributions.shape)}`;
    }
  }
  return undefined;
}

/** Throws the unmet need of a metric called directly (not through evaluate). */
export function requireNeeds(metric: Pick<Metric, 'name' | 'needs'>, context: MetricContext): void {
  const why = unmetNeed(metric, { ...context, explainer: context.explainer.name });
  if (why) throw new Error(why);
}

/**
 * The score a perturbation metric watches: the declared one for class scores; for a regressor always
 * the raw output, since a softmax over one output is 1 whatever the input (and over several
 * real-valued outputs means nothing).
 */
export function scoreKindFor(context: Pick<MetricContext, 'task' | 'targets'>, declared: ScoreKind | undefined): ScoreKind | undefined {
  // A regressor's output, and a target without classes (a segmenter's summed mask logits), have no softmax probability.
  return context.task === 'regression' || context.targets.length === 0 ? 'output' : declared;
}

/** "class" or "output", for verdict lines. */
export function targetNounOf(context: Pick<MetricContext, 'task'>): string {
  return context.task === 'regression' ? 'output' : 'class';
}

/** A number for a verdict line: fixed digits, 'n/a' when missing or not finite. */
export function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

/** Mean of the finite values; null when there are none. */
export function finiteMean(values: readonly (number | null)[]): number | null {
  const ok = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : null;
}

/**
 * A metric's options for one run: its declared defaults, overridden by the caller's defined values,
 * each checked against its declaration so that the API refuses what the CLI refuses. Keys the metric
 * does not declare (library-only extras such as randomisation's keepMaps) pass through unchecked.
 */
export function resolveMetricOptions(metric: Pick<Metric, 'name' | 'options'>, given: object | undefined): Record<string, unknown> {
  const out = defaultsOf(metric.options);
  for (const [key, value] of Object.entries(out)) if (Array.isArray(value)) out[key] = [...value];
  for (const [key, value] of Object.entries(given ?? {})) if (value !== undefined) out[key] = value;
  for (const spec of metric.options) {
    try {
      validateOptionValue(spec, out[spec.key]);
    } catch (e) {
      throw new Error(`${metric.name}: ${(e as Error).message}`);
    }
  }
  return out;
}
