/**
 * Robustness metrics with known answers on a linear model: the gradient does not move (all zero);
 * input × gradient with weights ±c moves by exactly c·δ, so its Lipschitz estimate is c and its
 * sensitivities follow from the norm of uniform noise (E‖δ‖² = D r²/3); on the tiny CNN the same
 * seed gives the same numbers and the explainer sees one batch of perturbed copies.
 */
import { describe, expect, it } from 'vitest';
import { averageSensitivity, explanationRobustness, localLipschitzEstimate, maxSensitivity } from '../../src/evaluate/robustness.js';
import { inputXGradient } from '../../src/attribution/input-x-gradient.js';
import { saliency } from '../../src/attribution/saliency.js';
import type { Explainer } from '../../src/attribution/explainer.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { Random } from '../../src/tensor/random.js';
import { linearModel, randomTensor } from '../helpers/models.js';

const D = 256;
const c = 0.7;
const rng = new Random(61);
const w0 = Array.from({ length: D }, () => (rng.next() < 0.5 ? -c : c));
const w1 = Array.from({ length: D }, () => rng.uniform(-1, 1));
const model = new OnnxModel(linearModel([1, 16, 16], [...w0, ...w1], [0, 0]));
const x = randomTensor([2, 1, 16, 16], 62, 0.5, 1.5);

describe('robustness on a linear model', () => {
  it('a gradient explanation does not change at all: sensitivities and Lipschitz estimate are 0', async () => {
    const r = await explanationRobustness(model, saliency, x, { target: 0, samples: 5, explainOptions: { abs: false } });
    expect(r.maxSensitivity).toEqual([0, 0]);
    expect(r.averageSensitivity).toEqual([0, 0]);
    expect(r.localLipschitz).toEqual([0, 0]);
  });

  it('input × gradient with weights ±c: Lipschitz estimate c, sensitivity ≈ c·r·√(D/3)/‖a‖', async () => {
    const radius = 0.1;
    const r = await explanationRobustness(model, inputXGradient, x, { target: 0, samples: 20, radius });
    for (let i = 0; i < 2; i++) {
      let norm = 0;
      for (let j = 0; j < D; j++) norm += (x.data[i * D + j] * w0[j]) ** 2;
      norm = Math.sqrt(norm);
      expect(r.localLipschitz[i]).toBeCloseTo(c, 4);
      const expected = (c * radius * Math.sqrt(D / 3)) / norm;
      // ‖δ‖ over 256 coordinates varies by ~2% per sample; the mean of 20 by < 1%.
      expect(Math.abs(r.averageSensitivity[i] / expected - 1)).toBeLessThan(0.03);
      expect(r.maxSensitivity[i]).toBeGreaterThanOrEqual(r.averageSensitivity[i]);
      // ‖δ‖₂ ≤ r√D.
      expect(r.maxSensitivity[i]).toBeLessThanOrEqual((c * radius * Math.sqrt(D)) / norm);
    }
    expect(r.settings).toMatchObject({ method: 'input-x-gradient', radius, distribution: 'uniform', samples: 20, targets: [0, 0] });
  });

  it('clipping keeps the perturbed inputs in range (and the Lipschitz ratio uses the clipped δ)', async () => {
    const r = await explanationRobustness(model, inputXGradient, x, { target: 0, samples: 10, radius: 0.5, clip: [0.5, 1.5] });
    for (const v of r.localLipschitz) expect(v).toBeCloseTo(c, 4);
  });

  it('the single-number wrappers agree with the combined call', async () => {
    const options = { target: 0, samples: 4, seed: 2 };
    const all = await explanationRobustness(model, inputXGradient, x, options);
    expect(await maxSensitivity(model, inputXGradient, x, options)).toEqual(all.maxSensitivity);
    expect(await averageSensitivity(model, inputXGradient, x, options)).toEqual(all.averageSensitivity);
    expect(await localLipschitzEstimate(model, inputXGradient, x, options)).toEqual(all.localLipschitz);
  });

  it('rejects bad options', async () => {
    await expect(explanationRobustness(model, saliency, x, { radius: 0 })).rejects.toThrow(/radius must be a positive number/);
    await expect(explanationRobustness(model, saliency, x, { samples: 0 })).rejects.toThrow(/samples must be an integer ≥ 1/);
    await expect(explanationRobustness(model, saliency, x, { clip: [1, 0] })).rejects.toThrow(/clip must be \[low, high\]/);
  });
});

describe('robustness on the tiny CNN', () => {
  const cnn = new OnnxModel(tinyCnn({ seed: 5 }));
  const images = randomTensor([2, 1, 32, 32], 63, 0, 1);

  it('is seeded, explains the clean prediction on every copy, and batches the copies', async () => {
    const calls: { rows: number; target: unknown }[] = [];
    const spy: Explainer = {
      name: 'spy-saliency',
      description: '',
      attribute: (m, t, o) => (calls.push({ rows: t.shape[0], target: o?.target }), saliency.attribute(m, t, o)),
    };
    const a = await explanationRobustness(cnn, spy, images, { samples: 6, seed: 1, radius: 0.05 });
    const b = await explanationRobustness(cnn, saliency, images, { samples: 6, seed: 1, radius: 0.05 });
    expect(a.maxSensitivity).toEqual(b.maxSensitivity);
    const predicted = a.settings.targets!;
    expect(calls.map((k) => k.rows)).toEqual([2, 12]);
    expect(calls[1].target).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1].map((i) => predicted[i]));
    for (let i = 0; i < 2; i++) {
      expect(a.maxSensitivity[i]).toBeGreaterThan(0);
      expect(a.averageSensitivity[i]).toBeLessThanOrEqual(a.maxSensitivity[i]);
    }
  });
});
