/**
 * Integrated gradients with as many steps as completeness asks for (`steps: 'auto'`, issue 21).
 * The relative completeness error |Σφ − (f(x) − f(b))| / |f(x) − f(b)| is the quadrature error of
 * the path integral, a property of the model and the rule (it matches Captum's convergence delta on
 * the same steps), so it says when the steps suffice: each image starts at START_STEPS and doubles
 * until its error is at most the tolerance or the cap is reached; converged images leave the batch.
 *
 * Nothing is reused between rounds: neither Gauss–Legendre nodes nor Captum's Riemann nodes nest
 * when the count doubles, so a round costs its own steps and the total is below twice the final
 * count. On ReLU networks the integrand is piecewise smooth (kinks where a unit switches), so the
 * error falls unevenly with the steps — doubling, not a convergence-rate model, is the safe rule.
 */
import type { Tensor } from '../tensor/tensor.js';
import { sizeOf, tensor } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import type { Attribution, Target } from './explainer.js';
import { resolveTarget } from './explainer.js';
import { expandBaseline } from './common/baselines.js';
import { completenessFromDelta, type CompletenessCheck } from './common/completeness.js';

/** Steps of the first round: fewer rarely reach 1% on a CNN, and the doubling makes up for a low start. */
export const START_STEPS = 16;
/** Default largest step count per image. */
export const DEFAULT_MAX_STEPS = 512;
/** Default largest relative completeness error (1%). */
export const DEFAULT_STEPS_TOLERANCE = 0.01;

export interface AdaptiveStepsResult {
  tolerance: number;
  maxSteps: number;
  /** Steps of the round that produced each image's map. */
  stepsPerImage: number[];
  /** That round's relative completeness error per image. */
  relativeError: number[];
  /** Images still above the tolerance at the cap. */
  capped: number[];
  /** One line for the user when some image hit the cap; undefined otherwise. */
  warning?: string;
}

interface AdaptiveOptions {
  target?: Target;
  baseline?: number | Tensor;
  stepsTolerance?: number;
  maxSteps?: number;
}

/** Rows `rows` of a [N, …] array as a new [rows.length, …] tensor. */
function pickRows(data: Float32Array, rows: readonly number[], tail: readonly number[]): Tensor {
  const d = sizeOf(tail);
  const out = new Float32Array(rows.length * d);
  rows.forEach((r, k) => out.set(data.subarray(r * d, (r + 1) * d), k * d));
  return tensor([rows.length, ...tail], out);
}

/**
 * Runs `attributeWithSteps` (integrated gradients at a fixed step count) on the images still above
 * the tolerance, doubling the steps each round, and joins the rounds into one Attribution.
 */
export async function adaptiveSteps<O extends AdaptiveOptions>(
  model: Model,
  inputs: Tensor,
  options: O,
  attributeWithSteps: (inputs: Tensor, options: O & { steps: number }) => Promise<Attribution>,
): Promise<Attribution & { extras: { adaptiveSteps: AdaptiveStepsResult } }> {
  const tolerance = options.stepsTolerance ?? DEFAULT_STEPS_TOLERANCE;
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!(Number.isFinite(tolerance) && tolerance > 0)) throw new Error(`integrated gradients: stepsTolerance must be a number > 0 (got ${tolerance})`);
  if (!(Number.isInteger(maxSteps) && maxSteps >= 2)) throw new Error(`integrated gradients: maxSteps must be an integer ≥ 2 (got ${maxSteps})`);
  const n = inputs.shape[0];
  const tail = inputs.shape.slice(1);
  const d = sizeOf(tail);
  // The target and baseline are fixed once for all rounds (the default target is the clean prediction).
  const { cotangent, classes } = await resolveTarget(model, inputs, options.target);
  const base = expandBaseline(options.baseline, inputs, 'integrated gradients');

  const values = new Float32Array(n * d);
  const delta = new Array<number>(n).fill(NaN);
  const sums = new Array<number>(n).fill(NaN);
  const stepsPerImage = new Array<number>(n).fill(0);
  const relativeError = new Array<number>(n).fill(NaN);
  let pending = Array.from({ length: n }, (_, i) => i);
  let rule: unknown;
  for (let steps = Math.min(START_STEPS, maxSteps); pending.length > 0; steps = Math.min(2 * steps, maxSteps)) {
    const target: Target = classes ? pending.map((i) => classes[i]) : { cotangent: pickRows(cotangent.data, pending, [cotangent.shape[1]]) };
    const round = await attributeWithSteps(pickRows(inputs.data, pending, tail), { ...options, steps, target, baseline: pickRows(base, pending, tail) });
    const check = round.extras?.completeness as CompletenessCheck;
    const roundDelta = round.extras?.convergenceDelta as number[];
    rule = round.extras?.rule;
    pending.forEach((i, k) => {
      values.set(round.values.data.subarray(k * d, (k + 1) * d), i * d);
      delta[i] = roundDelta[k];
      sums[i] = check.attributionSum[k];
      relativeError[i] = check.relativeGap[k];
      stepsPerImage[i] = steps;
    });
    // A NaN error (non-finite sums) never passes, and stops at the cap like any other failure.
    pending = pending.filter((i) => !(relativeError[i] <= tolerance));
    if (steps >= maxSteps) break;
  }
  const capped = pending;
  const worst = capped.reduce((w, i) => (w < 0 || !(relativeError[i] <= relativeError[w]) ? i : w), -1);
  const warning =
    capped.length === 0
      ? undefined
      : `integrated gradients: ${capped.length} of ${n} image(s) still have a completeness error above ${pct(tolerance)} at the cap of ${maxSteps} steps ` +
        `(worst: image ${worst}, ${pct(relativeError[worst])}); raise --max-steps or --steps-tolerance, or use the map knowing its sum misses f(x) − f(baseline) by that share`;
  return {
    method: 'integrated-gradients',
    values: tensor(inputs.shape, values),
    targets: classes,
    extras: {
      convergenceDelta: delta,
      completeness: completenessFromDelta(sums, delta),
      steps: 'auto',
      rule,
      adaptiveSteps: { tolerance, maxSteps, stepsPerImage, relativeError, capped, ...(warning ? { warning } : {}) },
    },
  };
}

function pct(x: number): string {
  return `${(100 * x).toPrecision(2)}%`;
}
