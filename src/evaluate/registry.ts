/**
 * Metric names → metrics. A new metric is one file under metrics/ and one line here; `evaluate`, the
 * CLI's flags and --help, the report and the contract test pick it up from this list. The order is
 * the order of the verdicts in a default run.
 */
import type { Metric } from './metric.js';
import { randomisationMetric } from './metrics/randomisation-metric.js';
import { localisationMetric } from './metrics/localisation-metric.js';
import { faithfulnessMetric } from './metrics/faithfulness-metric.js';
import { robustnessMetric } from './metrics/robustness-metric.js';
import { complexityMetric } from './metrics/complexity-metric.js';
import { roadMetric } from './metrics/road-metric.js';
import { infidelityMetric } from './metrics/infidelity-metric.js';
import { sufficiencyMetric } from './metrics/sufficiency-metric.js';
import { completenessMetric } from './metrics/completeness-metric.js';
import { inputInvarianceMetric } from './metrics/input-invariance-metric.js';
import { manipulationMetric } from './metrics/manipulation-metric.js';

const registered = [
  randomisationMetric,
  localisationMetric,
  faithfulnessMetric,
  robustnessMetric,
  complexityMetric,
  roadMetric,
  infidelityMetric,
  sufficiencyMetric,
  completenessMetric,
  inputInvarianceMetric,
  manipulationMetric,
] as const;

/** Every registered metric, with its name, options and result types. */
export type RegisteredMetric = (typeof registered)[number];
export type MetricName = RegisteredMetric['name'];
/** A metric's options object, by name. */
export type MetricOptionsOf<N extends MetricName> = Extract<RegisteredMetric, { name: N }> extends Metric<N, infer O, unknown> ? O : never;
/** A metric's result, by name. */
export type MetricResultOf<N extends MetricName> = Extract<RegisteredMetric, { name: N }> extends Metric<N, object, infer R> ? R : never;

export const metrics: ReadonlyMap<MetricName, Metric<MetricName>> = new Map(registered.map((m) => [m.name, m]));

export const METRIC_NAMES: readonly MetricName[] = registered.map((m) => m.name);

export function isMetricName(name: string): name is MetricName {
  return metrics.has(name as MetricName);
}

export function getMetric(name: string): Metric<MetricName> {
  if (!isMetricName(name)) throw new Error(`unknown metric '${name}'; choose from ${METRIC_NAMES.join(', ')}`);
  return metrics.get(name)!;
}
