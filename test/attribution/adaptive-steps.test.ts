/**
 * Integrated gradients with `steps: 'auto'` on models whose quadrature error is known in closed form:
 * - a linear model: Gauss–Legendre is exact at any count, so the first round (16) is final; Captum's
 *   riemann_trapezoid weights sum to (n − 1)/n, so its relative error is exactly 1/n and 1% needs 128;
 * - σ(mean(x)) from a zero baseline: the exact integral is σ(z) − σ(0) and the Gauss–Legendre error
 *   at n nodes is computed here in float64, so the steps each image needs follow from arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { integratedGradients, integrationPoints } from '../../src/attribution/integrated-gradients.js';
import { START_STEPS, type AdaptiveStepsResult } from '../../src/attribution/adaptive-steps.js';
import { OnnxModel } from '../../src/models/model.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { attr, floatTensorValue } from '../../src/onnx/graph.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

const D = 16;
const linear = new OnnxModel(linearModel([1, 4, 4], uniformValues(2 * D, 5, -1, 1), [0.2, -0.1]));
const x = randomTensor([3, 1, 4, 4], 6, -1, 1);

/** σ(mean of the 16 pixels): one output. */
function sigmoidOfMean(): OnnxModel {
  const e = new GraphEditor('sigmoid-mean');
  const input = e.input('x', ['N', 1, 4, 4]);
  e.initializer('w', floatTensorValue([1, D], new Float32Array(D).fill(1 / D)));
  e.initializer('b', floatTensorValue([1], [0]));
  const flat = e.node('Flatten', [input], { axis: attr.int(1) }, 1, 'flatten')[0];
  const z = e.node('Gemm', [flat, 'w', 'b'], { transB: attr.int(1) }, 1, 'fc')[0];
  const y = e.node('Sigmoid', [z], {}, 1, 'sigmoid')[0];
  e.output(y, ['N', 1]);
  return new OnnxModel(e.build());
}

const sigma = (z: number) => 1 / (1 + Math.exp(-z));

/** Relative Gauss–Legendre error of ∫₀¹ σ'(αz) z dα against σ(z) − σ(0), in float64. */
function sigmoidQuadratureError(z: number, n: number): number {
  const { alphas, weights } = integrationPoints('gausslegendre', n);
  const sum = alphas.reduce((s, a, i) => s + weights[i] * sigma(a * z) * (1 - sigma(a * z)) * z, 0);
  return Math.abs(sum - (sigma(z) - 0.5)) / (sigma(z) - 0.5);
}

/** The steps the doubling schedule stops at for a known error function. */
function expectedSteps(error: (n: number) => number, tolerance: number, cap: number): number {
  let n = START_STEPS;
  while (error(n) > tolerance && n < cap) n = Math.min(2 * n, cap);
  return n;
}

const adaptive = (extras: unknown) => (extras as { adaptiveSteps: AdaptiveStepsResult }).adaptiveSteps;

describe("integrated gradients with steps 'auto'", () => {
  it('stops at the first round on a linear model (Gauss–Legendre is exact) and equals fixed-step IG there', async () => {
    const auto = await integratedGradients.attribute(linear, x, { target: [0, 1, 0], steps: 'auto' });
    const fixed = await integratedGradients.attribute(linear, x, { target: [0, 1, 0], steps: START_STEPS });
    const a = adaptive(auto.extras);
    expect(a.stepsPerImage).toEqual([16, 16, 16]);
    expect(Math.max(...a.relativeError)).toBeLessThan(1e-5);
    expect(a.capped).toEqual([]);
    expect(a.warning).toBeUndefined();
    expect(auto.values.data).toEqual(fixed.values.data);
    expect(auto.targets).toEqual([0, 1, 0]);
  });

  it("needs exactly the n with 1/n ≤ tolerance for Captum's trapezoid on a linear model", async () => {
    for (const [tolerance, steps] of [[0.01, 128], [0.05, 32], [0.1, 16]] as const) {
      const r = await integratedGradients.attribute(linear, x, { target: 1, steps: 'auto', rule: 'riemann_trapezoid', stepsTolerance: tolerance });
      const a = adaptive(r.extras);
      expect(a.stepsPerImage).toEqual([steps, steps, steps]);
      for (const e of a.relativeError) expect(Math.abs(e - 1 / steps)).toBeLessThan(1e-5);
    }
  });

  it('gives each image of a sigmoid model the steps its closed-form quadrature error needs', async () => {
    const model = sigmoidOfMean();
    const z = [2, 150, 600];
    const images = tensor([3, 1, 4, 4], Float32Array.from({ length: 3 * D }, (_, j) => z[Math.floor(j / D)]));
    for (const tolerance of [0.01, 1e-4]) {
      const r = await integratedGradients.attribute(model, images, { target: 0, steps: 'auto', stepsTolerance: tolerance });
      const a = adaptive(r.extras);
      const want = z.map((zi) => expectedSteps((n) => sigmoidQuadratureError(zi, n), tolerance, 512));
      expect(a.stepsPerImage).toEqual(want);
      a.relativeError.forEach((e, i) => expect(Math.abs(e - sigmoidQuadratureError(z[i], want[i]))).toBeLessThan(2e-6));
      expect(Math.max(...a.relativeError)).toBeLessThanOrEqual(tolerance);
    }
    // The schedule really adapts: 16, 32 and 64 steps at 1%.
    const r = await integratedGradients.attribute(model, images, { target: 0, steps: 'auto' });
    expect(adaptive(r.extras).stepsPerImage).toEqual([16, 32, 64]);
    // Each image's map is fixed-step IG at its own step count.
    for (const [i, steps] of [16, 32, 64].entries()) {
      const one = tensor([1, 1, 4, 4], images.data.slice(i * D, (i + 1) * D));
      const fixed = await integratedGradients.attribute(model, one, { target: 0, steps });
      expect(maxAbsDiff(r.values.data.subarray(i * D, (i + 1) * D), fixed.values.data)).toBeLessThan(1e-7);
    }
  });

  it('carries an output-weighting target and a per-image baseline into every round', async () => {
    const model = sigmoidOfMean();
    const z = [2, 600];
    const images = tensor([2, 1, 4, 4], Float32Array.from({ length: 2 * D }, (_, j) => z[Math.floor(j / D)]));
    const baseline = randomTensor([2, 1, 4, 4], 9, -0.5, 0.5);
    const target = { cotangent: tensor([2, 1], [2, -3]) };
    const r = await integratedGradients.attribute(model, images, { target, baseline, steps: 'auto' });
    const a = adaptive(r.extras);
    expect(a.stepsPerImage[0]).toBe(16);
    expect(a.stepsPerImage[1]).toBeGreaterThan(16);
    for (const i of [0, 1]) {
      const one = (t: typeof images) => tensor([1, 1, 4, 4], t.data.slice(i * D, (i + 1) * D));
      const fixed = await integratedGradients.attribute(model, one(images), { target: { cotangent: tensor([1, 1], [target.cotangent.data[i]]) }, baseline: one(baseline), steps: a.stepsPerImage[i] });
      expect(maxAbsDiff(r.values.data.subarray(i * D, (i + 1) * D), fixed.values.data)).toBeLessThan(1e-7);
      expect(a.relativeError[i]).toBeCloseTo((fixed.extras?.completeness as { relativeGap: number[] }).relativeGap[0], 12);
    }
  });

  it('stops at the cap with a one-line warning naming the images above the tolerance', async () => {
    const r = await integratedGradients.attribute(linear, x, { target: 1, steps: 'auto', rule: 'riemann_trapezoid', maxSteps: 40 });
    const a = adaptive(r.extras);
    // 16, 32, then the cap 40 (not 64): 1/40 = 2.5% > 1% for every image.
    expect(a.stepsPerImage).toEqual([40, 40, 40]);
    expect(a.capped).toEqual([0, 1, 2]);
    expect(a.warning).toMatch(/^integrated gradients: 3 of 3 image\(s\) still have a completeness error above 1\.0% at the cap of 40 steps \(worst: image \d, 2\.5%\); raise --max-steps/);
    expect(a.warning).not.toContain('\n');
  });

  it('refuses a bad tolerance or cap in one line, and keeps the predicted-class default per image', async () => {
    await expect(integratedGradients.attribute(linear, x, { steps: 'auto', stepsTolerance: 0 })).rejects.toThrow('integrated gradients: stepsTolerance must be a number > 0 (got 0)');
    await expect(integratedGradients.attribute(linear, x, { steps: 'auto', maxSteps: 1 })).rejects.toThrow('integrated gradients: maxSteps must be an integer ≥ 2 (got 1)');
    const predicted = (await linear.forward(x)).data;
    const r = await integratedGradients.attribute(linear, x, { steps: 'auto' });
    expect(r.targets).toEqual([0, 1, 2].map((i) => (predicted[2 * i] >= predicted[2 * i + 1] ? 0 : 1)));
  });
});
