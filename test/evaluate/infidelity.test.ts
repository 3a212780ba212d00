/**
 * Infidelity with Captum's definition: the IG identity (baseline perturbation with
 * multiply-by-inputs → the squared convergence delta) on the tiny CNN; zero infidelity for exact
 * explanations of a linear model under every perturbation kind; the deterministic value of an
 * arbitrary map written out by hand; Captum's normalisation (β undoes a rescaled map).
 */
import { describe, expect, it } from 'vitest';
import { infidelity } from '../../src/evaluate/infidelity.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { filled, tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor, uniformValues } from '../helpers/models.js';

describe('infidelity: the integrated-gradients identity', () => {
  const cnn = new OnnxModel(tinyCnn({ seed: 4 }));
  const x = randomTensor([3, 1, 32, 32], 41, 0, 1);

  for (const [label, baseline] of [
    ['zero baseline', 0],
    ['image baseline', randomTensor([3, 1, 32, 32], 42, 0, 0.5)],
  ] as const) {
    it(`infidelity with I = x − baseline equals IG's squared convergence delta (${label})`, async () => {
      // Few steps, so the delta is far from 0.
      const ig = await integratedGradients.attribute(cnn, x, { target: [0, 1, 0], steps: 3, baseline });
      const delta = ig.extras!.convergenceDelta as number[];
      const r = await infidelity(cnn, x, ig.values, { target: [0, 1, 0], perturbation: { kind: 'baseline' }, baseline, multiplyByInputs: true });
      expect(r.settings.samples).toBe(1);
      delta.forEach((dl, i) => {
        expect(Math.abs(dl)).toBeGreaterThan(1e-4);
        expect(r.perImage[i]).toBeCloseTo(dl * dl, 6);
        expect(Math.abs(r.perImage[i] - dl * dl)).toBeLessThan(1e-3 * dl * dl + 1e-9);
      });
    });
  }
});

describe('infidelity on a linear model', () => {
  const d = 20;
  const w0 = uniformValues(d, 51, -1, 1);
  const bias = [0.4, 0];
  const model = new OnnxModel(linearModel([d], [...w0, ...uniformValues(d, 52)], bias));
  const x = randomTensor([4, d], 53, 0.5, 1.5);
  const gradient = tensor(x.shape, x.data.map((_, j) => w0[j % d]));
  const inputTimesGradient = tensor(x.shape, x.data.map((v, j) => v * w0[j % d]));

  it('is 0 for the gradient (local) and for input × gradient (multiply-by-inputs) under every perturbation', async () => {
    const local = await infidelity(model, x, gradient, { target: 0, perturbation: { kind: 'gaussian', std: 0.1 }, samples: 8 });
    const global = await infidelity(model, x, inputTimesGradient, { target: 0, perturbation: { kind: 'gaussian', std: 0.1 }, samples: 8, multiplyByInputs: true });
    const subset = await infidelity(model, x, inputTimesGradient, { target: 0, perturbation: { kind: 'subset', probability: 0.3 }, samples: 8, multiplyByInputs: true });
    for (const r of [local, global, subset]) for (const v of r.perImage) expect(v).toBeLessThan(1e-9);
  });

  it('equals (Σ a (x − b) − (f(x) − f(b)))² for any map with the baseline perturbation', async () => {
    const map = randomTensor(x.shape, 54, -1, 1);
    const b = 0.25;
    const r = await infidelity(model, x, map, { target: 0, perturbation: { kind: 'baseline' }, baseline: b });
    for (let i = 0; i < 4; i++) {
      let dot = 0;
      let drop = 0;
      for (let j = 0; j < d; j++) {
        dot += map.data[i * d + j] * (x.data[i * d + j] - b);
        drop += w0[j] * (x.data[i * d + j] - b);
      }
      expect(r.perImage[i]).toBeCloseTo((dot - drop) ** 2, 4);
    }
  });

  it('normalize finds β = 1/3 for a map three times too large, and scores it 0', async () => {
    const tripled = tensor(x.shape, gradient.data.map((v) => 3 * v));
    const raw = await infidelity(model, x, tripled, { target: 0, samples: 6, perturbation: { kind: 'gaussian', std: 0.05 }, seed: 2 });
    const norm = await infidelity(model, x, tripled, { target: 0, samples: 6, perturbation: { kind: 'gaussian', std: 0.05 }, seed: 2, normalize: true });
    for (let i = 0; i < 4; i++) {
      expect(raw.perImage[i]).toBeGreaterThan(1e-4);
      expect(norm.perImage[i]).toBeLessThan(1e-8);
      expect(norm.beta![i]).toBeCloseTo(1 / 3, 4);
    }
  });

  it('takes a custom perturbation and rejects bad options', async () => {
    // Perturb only the first feature by 0.5: the drop is w0[0]·0.5 and Iᵀa = a_0·0.5.
    const map = filled(x.shape, 2);
    const r = await infidelity(model, x, map, {
      target: 0,
      samples: 2,
      perturbation: { kind: 'custom', perturb: (xi, _b, _rng, into) => void (into[0] = xi[0] - 0.5) },
    });
    for (const v of r.perImage) expect(v).toBeCloseTo((2 * 0.5 - w0[0] * 0.5) ** 2, 5);
    await expect(infidelity(model, x, map, { perturbation: { kind: 'gaussian', std: -1 } })).rejects.toThrow(/std must be a positive number/);
    await expect(infidelity(model, x, map, { perturbation: { kind: 'subset', probability: 0 } })).rejects.toThrow(/probability must be in \(0, 1\]/);
    await expect(infidelity(model, x, map, { perturbation: { kind: 'salt' } as never })).rejects.toThrow(/kind must be one of/);
  });
});
