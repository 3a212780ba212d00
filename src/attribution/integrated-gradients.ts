/**
 * Integrated Gradients (Sundararajan et al. 2017) with Captum's semantics:
 *   IG(x) = (x − b) ⊙ Σ_s w_s · ∂f_target/∂x (b + α_s (x − b))
 * where (α_s, w_s) come from Captum's `approximation_methods`: Gauss–Legendre nodes and weights
 * rescaled to [0, 1] (the default), or Riemann sums with weights 1/n and
 *   left α = linspace(0, 1 − 1/n, n), right α = linspace(1/n, 1, n),
 *   middle α = linspace(1/(2n), 1 − 1/(2n), n), trapezoid α = linspace(0, 1, n)
 * where the trapezoid halves the first and last weight. Note Captum's trapezoid: its weights sum to
 * (n − 1)/n, not 1 (the nodes are 1/(n − 1) apart but weighted 1/n), so on a linear model it gives
 * (1 − 1/n)(x − b) ⊙ w. We keep that, so numbers match Captum's.
 *
 * Every step of every image goes to the model as one batch (the model splits it by its
 * internalBatchSize), together with the two end points x and b, whose outputs give Captum's
 * convergence delta δ = Σ IG − (f(x) − f(b)) per image and the relative completeness error
 * |δ| / |f(x) − f(b)| (extras.completeness.relativeGap; equal to Captum's on the same model, steps and
 * rule — test/attribution/integrated-gradients-captum.test.ts). `steps: 'auto'` picks the steps per
 * image from that error (adaptive-steps.ts).
 */
import { sizeOf, tensor } from '../tensor/tensor.js';
import type { Explainer, ExplainOptions } from './explainer.js';
import { declareOptions, resolveTarget, weightedOutput } from './explainer.js';
import { expandBaseline, type Baseline } from './common/baselines.js';
import { inputsPerBatch } from './common/batching.js';
import { cotangentRows } from './common/target.js';
import { completenessFromDelta } from './common/completeness.js';
import { adaptiveSteps, DEFAULT_MAX_STEPS, DEFAULT_STEPS_TOLERANCE } from './adaptive-steps.js';

export const INTEGRATION_RULES = ['gausslegendre', 'riemann_left', 'riemann_right', 'riemann_middle', 'riemann_trapezoid'] as const;
export type IntegrationRule = (typeof INTEGRATION_RULES)[number];

export interface IntegratedGradientsOptions extends ExplainOptions {
  /**
   * Integration points along the path (Captum's n_steps, default 50), or 'auto': per image, double
   * from 16 until the relative completeness error is at most stepsTolerance (adaptive-steps.ts).
   */
  steps?: number | 'auto';
  /** With steps 'auto': the largest tolerated |Σφ − Δf| / |Δf| per image (default 0.01). */
  stepsTolerance?: number;
  /** With steps 'auto': the cap on steps per image (default 512). */
  maxSteps?: number;
  /** Quadrature rule (Captum's method, default 'gausslegendre'). */
  rule?: IntegrationRule;
  /** Start of the path: a value, a tensor of the inputs' shape, or one example for all (default 0). */
  baseline?: Baseline;
}

/** Gauss–Legendre nodes (ascending) and weights on [−1, 1], by Newton's method on P_n. */
export function gaussLegendre(n: number): { nodes: number[]; weights: number[] } {
  const nodes = new Array<number>(n);
  const weights = new Array<number>(n);
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 1;
    for (let iter = 0; iter < 100; iter++) {
      // P_n(z) by the three-term recurrence, and P_n'(z) from P_n and P_{n−1}.
      let p0 = 1;
      let p1 = z;
      for (let j = 2; j <= n; j++) [p0, p1] = [p1, ((2 * j - 1) * z * p1 - (j - 1) * p0) / j];
      dp = n === 1 ? 1 : (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    const w = 2 / ((1 - z * z) * dp * dp);
    nodes[n - 1 - i] = z;
    nodes[i] = -z;
    weights[i] = weights[n - 1 - i] = w;
  }
  if (n % 2 === 1) nodes[(n - 1) / 2] = 0;
  return { nodes, weights };
}

function linspace(start: number, end: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? start : start + ((end - start) * i) / (n - 1)));
}

/** Path positions α_s ∈ [0, 1] and their weights, exactly as Captum's approximation_methods. */
export function integrationPoints(rule: IntegrationRule, steps: number): { alphas: number[]; weights: number[] } {
  if (!INTEGRATION_RULES.includes(rule)) throw new Error(`unknown integration rule '${rule}'; use one of ${INTEGRATION_RULES.join(', ')}`);
  const min = rule === 'gausslegendre' ? 1 : 2;
  if (!Number.isInteger(steps) || steps < min) throw new Error(`integrated gradients with rule ${rule} needs an integer number of steps ≥ ${min} (got ${steps})`);
  if (rule === 'gausslegendre') {
    const { nodes, weights } = gaussLegendre(steps);
    return { alphas: nodes.map((z) => 0.5 * (1 + z)), weights: weights.map((w) => 0.5 * w) };
  }
  const n = steps;
  const weights = new Array<number>(n).fill(1 / n);
  if (rule === 'riemann_trapezoid') {
    weights[0] /= 2;
    weights[n - 1] /= 2;
  }
  const alphas =
    rule === 'riemann_left' ? linspace(0, 1 - 1 / n, n)
    : rule === 'riemann_right' ? linspace(1 / n, 1, n)
    : rule === 'riemann_middle' ? linspace(1 / (2 * n), 1 - 1 / (2 * n), n)
    : linspace(0, 1, n);
  return { alphas, weights };
}

export const INTEGRATED_GRADIENTS_OPTIONS = declareOptions<IntegratedGradientsOptions>([
  { key: 'steps', flag: '--steps', kind: 'integer', min: 1, words: ['auto'], default: 50, help: "integration steps (Captum's n_steps); auto: per image, double from 16 until the completeness error is at most --steps-tolerance" },
  { key: 'stepsTolerance', flag: '--steps-tolerance', kind: 'number', above: 0, default: DEFAULT_STEPS_TOLERANCE, placeholder: '<f>', help: 'with --steps auto: largest |Σ attributions − (f(x) − f(baseline))| / |f(x) − f(baseline)| per image' },
  { key: 'maxSteps', flag: '--max-steps', kind: 'integer', min: 2, default: DEFAULT_MAX_STEPS, help: 'with --steps auto: cap on the steps per image (a one-line warning names the images that reach it)' },
  { key: 'rule', flag: '--rule', kind: 'choice', choices: INTEGRATION_RULES, default: 'gausslegendre', placeholder: '<name>', help: `quadrature rule: ${INTEGRATION_RULES.join(' | ')} (Captum's method)` },
  { key: 'baseline', flag: '--baseline', kind: 'number', default: 0, help: 'start of the path (a constant image)' },
]);

export const integratedGradients: Explainer<IntegratedGradientsOptions> = {
  name: 'integrated-gradients',
  description: "integrated gradients (x − baseline) ⊙ ∫ grad along the straight path (steps 50, rule gausslegendre, baseline 0, as Captum); extras.convergenceDelta and the relative completeness error per image; --steps auto raises the steps per image until that error is below --steps-tolerance",
  options: INTEGRATED_GRADIENTS_OPTIONS,
  output: 'input',
  needs: {},
  usesTarget: true,
  usesSeed: false,
  completeness: true,
  async attribute(model, inputs, options = {}) {
    if (options.steps === 'auto') return adaptiveSteps(model, inputs, options, (x, o) => integratedGradients.attribute(model, x, o));
    const steps = options.steps ?? 50;
    const rule = options.rule ?? 'gausslegendre';
    const { alphas, weights } = integrationPoints(rule, steps);
    const base = expandBaseline(options.baseline, inputs, 'integrated gradients');
    const { cotangent, classes } = await resolveTarget(model, inputs, options.target);
    const n = inputs.shape[0];
    const d = sizeOf(inputs.shape.slice(1));
    const values = new Float32Array(n * d);
    const delta = new Array<number>(n);
    const sums = new Array<number>(n);
    // Rows per image: one per step, plus the end points x and b for the convergence delta.
    const rowsPerImage = steps + 2;
    const group = inputsPerBatch(rowsPerImage, d);
    for (let g0 = 0; g0 < n; g0 += group) {
      const g = Math.min(group, n - g0);
      const batch = new Float32Array(rowsPerImage * g * d);
      // Captum's layout: step-major, row s·g + r is image g0 + r at α_s; then g rows of x, g of b.
      for (let s = 0; s < steps; s++) {
        const a = alphas[s];
        for (let r = 0; r < g; r++) {
          const src = (g0 + r) * d;
          const dst = (s * g + r) * d;
          for (let j = 0; j < d; j++) batch[dst + j] = base[src + j] + a * (inputs.data[src + j] - base[src + j]);
        }
      }
      batch.set(inputs.data.subarray(g0 * d, (g0 + g) * d), steps * g * d);
      batch.set(base.subarray(g0 * d, (g0 + g) * d), (steps + 1) * g * d);
      // Every row weights the outputs as its image does (the end points' gradients go unused).
      const cot = cotangentRows(cotangent, rowsPerImage * g, (row) => g0 + (row % g));
      const { output, inputGrad } = await model.vjp(tensor([rowsPerImage * g, ...inputs.shape.slice(1)], batch), cot);

      const scores = weightedOutput(output, cotangent, (row) => g0 + (row % g));
      const total = new Float64Array(g * d);
      for (let s = 0; s < steps; s++) {
        const w = weights[s];
        const grad = inputGrad.data.subarray(s * g * d, (s + 1) * g * d);
        for (let j = 0; j < g * d; j++) total[j] += w * grad[j];
      }
      for (let r = 0; r < g; r++) {
        const i = g0 + r;
        let sum = 0;
        for (let j = 0; j < d; j++) {
          values[i * d + j] = (inputs.data[i * d + j] - base[i * d + j]) * total[r * d + j];
          sum += values[i * d + j];
        }
        sums[i] = sum;
        delta[i] = sum - (scores[steps * g + r] - scores[(steps + 1) * g + r]);
      }
    }
    return {
      method: 'integrated-gradients',
      values: tensor(inputs.shape, values),
      targets: classes,
      extras: { convergenceDelta: delta, completeness: completenessFromDelta(sums, delta), steps, rule },
    };
  },
};
