/**
 * Adversarial flips against the analytic answer for a linear two-class model: the cross-entropy
 * gradient of class t is p_o (w_o − w_t), so FGSM moves every input value by ε·sign(w_o − w_t), the
 * margin z_t − z_o falls by ε‖w_t − w_o‖₁ and the class flips at ε* = margin / ‖w_t − w_o‖₁; PGD
 * reaches the same corner of the ε-ball. Then the explanation comparison, and consistency on the
 * tiny CNN (the returned example flips, the lower bound does not).
 */
import { describe, expect, it } from 'vitest';
import { adversarialExamples, adversarialFlip, minimalFlipEpsilon } from '../../src/evaluate/adversarial.js';
import { saliency } from '../../src/attribution/saliency.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { argmaxRows } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

const D = 16;
const w0 = uniformValues(D, 71, -1, 1);
const w1 = uniformValues(D, 72, -1, 1);
const bias = [0.05, -0.05];
const model = new OnnxModel(linearModel([D], [...w0, ...w1], bias));
const x = randomTensor([4, D], 73, 0, 1);

/** Predicted class, margin and ε* = margin / ‖w_t − w_o‖₁ per row. */
function analytic() {
  return Array.from({ length: 4 }, (_, i) => {
    let z0 = bias[0];
    let z1 = bias[1];
    for (let j = 0; j < D; j++) {
      z0 += w0[j] * x.data[i * D + j];
      z1 += w1[j] * x.data[i * D + j];
    }
    const t = z0 >= z1 ? 0 : 1;
    const l1 = w0.reduce((s, v, j) => s + Math.abs(v - w1[j]), 0);
    return { t, epsilon: Math.abs(z0 - z1) / l1 };
  });
}

describe('adversarial flips on a linear model', () => {
  const truth = analytic();
  const maxEpsilon = 2 * Math.max(...truth.map((r) => r.epsilon));

  it('FGSM moves every value by ε·sign(w_o − w_t)', async () => {
    const adv = await adversarialExamples(model, x, { epsilon: 0.01 });
    for (let i = 0; i < 4; i++) {
      const [wt, wo] = truth[i].t === 0 ? [w0, w1] : [w1, w0];
      const expected = Array.from({ length: D }, (_, j) => x.data[i * D + j] + 0.01 * Math.sign(wo[j] - wt[j]));
      expect(maxAbsDiff(adv.data.subarray(i * D, (i + 1) * D), expected)).toBeLessThan(1e-6);
    }
    const clipped = await adversarialExamples(model, x, { epsilon: 0.5, clip: [0, 1] });
    for (const v of clipped.data) expect(v >= 0 && v <= 1).toBe(true);
  });

  for (const attack of ['fgsm', 'pgd'] as const) {
    it(`${attack}: the smallest flipping ε is margin / ‖w_t − w_o‖₁ (to the bisection's resolution)`, async () => {
      const grid = 8;
      const refine = 12;
      const r = await minimalFlipEpsilon(model, x, { attack, maxEpsilon, grid, refine });
      const resolution = maxEpsilon / grid / 2 ** refine;
      expect(r.classes).toEqual(truth.map((k) => k.t));
      truth.forEach((k, i) => {
        expect(Math.abs(r.epsilon[i]! - k.epsilon)).toBeLessThanOrEqual(resolution + 1e-6);
        expect(r.lowerBound[i]).toBeLessThanOrEqual(k.epsilon + 1e-6);
        expect(r.adversarialClass[i]).toBe(1 - k.t);
      });
      expect(argmaxRows(await model.forward(r.adversarial))).toEqual(truth.map((k) => 1 - k.t));
    });
  }

  it('the explanation of a linear model does not change under the flip (saliency: ρ = 1, change 0)', async () => {
    const r = await adversarialFlip(model, saliency, x, { maxEpsilon, refine: 6 });
    expect(r.flipped).toBe(4);
    for (let i = 0; i < 4; i++) {
      expect(r.spearman[i]).toBeCloseTo(1, 12);
      expect(r.spearmanMagnitude[i]).toBeCloseTo(1, 12);
      expect(r.relativeChange[i]).toBeLessThan(1e-6);
    }
    const eps = [...r.epsilon].map((e) => e!).sort((a, b) => a - b);
    expect(r.medianEpsilon).toBeCloseTo((eps[1] + eps[2]) / 2, 12);
    expect(r.settings).toMatchObject({ attack: 'fgsm', grid: 16, refine: 6, method: 'saliency' });
  });

  it('reports no flip (null) when the budget is too small, and ε = 0 for a target the model already rejects', async () => {
    const none = await adversarialFlip(model, saliency, x, { maxEpsilon: Math.min(...truth.map((k) => k.epsilon)) / 4 });
    expect(none.epsilon).toEqual([null, null, null, null]);
    expect(none.flipped).toBe(0);
    expect(none.medianEpsilon).toBeNull();
    const wrong = await minimalFlipEpsilon(model, x, { target: truth.map((k) => 1 - k.t), maxEpsilon });
    expect(wrong.epsilon).toEqual([0, 0, 0, 0]);
    await expect(minimalFlipEpsilon(model, x, { attack: 'cw' as never })).rejects.toThrow(/attack must be 'fgsm' or 'pgd'/);
    await expect(adversarialExamples(model, x, { epsilon: -1 })).rejects.toThrow(/epsilon must be a positive number/);
    await expect(minimalFlipEpsilon(model, x, { target: [0, 1] })).rejects.toThrow(/got 2 targets for 4 inputs/);
  });
});

describe('adversarial flips on the tiny CNN', () => {
  const cnn = new OnnxModel(tinyCnn({ seed: 1, classes: 3 }));
  const images = randomTensor([3, 1, 32, 32], 74, 0, 1);

  for (const attack of ['fgsm', 'pgd'] as const) {
    it(`${attack}: the returned example flips, the attack at the lower bound does not`, async () => {
      const r = await minimalFlipEpsilon(cnn, images, { attack, maxEpsilon: 0.5, grid: 8, refine: 5, steps: 5, clip: [0, 1] });
      const flipped = r.epsilon.flatMap((e, i) => (e !== null && e > 0 ? [i] : []));
      expect(flipped.length).toBe(3);
      const predicted = argmaxRows(await cnn.forward(r.adversarial));
      for (const i of flipped) {
        expect(predicted[i]).not.toBe(r.classes[i]);
        expect(r.lowerBound[i]).toBeLessThan(r.epsilon[i]!);
      }
      for (const v of r.adversarial.data) expect(v >= 0 && v <= 1).toBe(true);
      for (const i of flipped) {
        if (r.lowerBound[i] === 0) continue;
        const one = randomTensor([3, 1, 32, 32], 74, 0, 1);
        const atLower = await adversarialExamples(cnn, one, { attack, epsilon: r.lowerBound[i], steps: 5, clip: [0, 1], target: r.classes });
        expect(argmaxRows(await cnn.forward(atLower))[i]).toBe(r.classes[i]);
      }
    });
  }
});
