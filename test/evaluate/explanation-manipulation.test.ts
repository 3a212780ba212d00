/**
 * The explanation-manipulation attack (Dombrowski et al. 2019) on two generated scenarios with known
 * answers: a linear model, whose saliency is its weight vector whatever the input (the map cannot
 * move: the metric must pass, with a map change of exactly 0), and a small ReLU CNN, whose gradient
 * map is piecewise constant over many small pieces (a perturbation of a few percent that keeps the
 * output moves it far: the metric must fail). Seeded: the same seed gives the same numbers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { saliency } from '../../src/attribution/saliency.js';
import { inputXGradient } from '../../src/attribution/input-x-gradient.js';
import { occlusion } from '../../src/attribution/occlusion.js';
import { evaluateExplanations } from '../../src/evaluate/evaluate.js';
import { gradientMapOf, manipulateExplanations } from '../../src/evaluate/explanation-manipulation.js';
import { rolledMaps, otherImageRows } from '../../src/evaluate/manipulation-target.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, uniformValues } from '../helpers/models.js';
import { generateEmDefects } from '../../src/data/synthetic/em-defects.js';

const S = 32;
// The demo's synthetic EM tiles (noise, a faint defect on some).
const inputs = generateEmDefects({ count: 4, seed: 21 }).images;
const linear = new OnnxModel(linearModel([1, S, S], uniformValues(2 * S * S, 7), [0.1, -0.1]));
// The demo's 32×32 input, wide enough that its gradient map has many pieces; untrained weights, fixed by the seed.
const cnn = new OnnxModel(tinyCnn({ size: S, width: 16, hidden: 128, seed: 5 }));
const FAST = { steps: 30 };
afterAll(async () => {
  await linear.dispose();
  await cnn.dispose();
});

describe('target maps', () => {
  it('shifted: each map rolled by half the height and width', () => {
    const m = tensor([1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(rolledMaps(m).data)).toEqual([7, 8, 5, 6, 3, 4, 1, 2]);
  });

  it('other-image: never the image itself, another class when there is one', () => {
    const rows = otherImageRows([0, 0, 1, 1, 1], new Random(3));
    rows.forEach((j, i) => expect(j).not.toBe(i));
    expect(rows[0] >= 2 && rows[1] >= 2).toBe(true);
    expect(rows.slice(2).every((j) => j < 2)).toBe(true);
  });
});

describe('the manipulation attack', () => {
  it("a linear model's saliency cannot be moved: map change 0, the metric passes", async () => {
    const r = await evaluateExplanations(linear, saliency, inputs, { metrics: ['manipulation'], metricOptions: { manipulation: FAST }, seed: 1 });
    const m = r.results.manipulation!;
    expect(m.smoothedRelus).toBe(0);
    for (const image of m.images) {
      expect(image.mapChange).toBe(0);
      expect(image.randomMapChange).toBe(0);
      expect(image.originalCorrelation).toBeCloseTo(1, 6);
      expect(image.targetCorrelationAfter).toBeCloseTo(image.targetCorrelationBefore, 6);
      // The attack did perturb the input (it is not a no-op): the map just cannot follow.
      expect(image.perturbationLinf).toBeGreaterThan(0);
      expect(image.manipulated).toBe(false);
    }
    expect(r.verdicts[0].passes).toBe(true);
    expect(r.verdicts[0].text).toMatch(/^not manipulable at this budget: 0 of 4/);
  }, 60_000);

  it("a small ReLU CNN's saliency moves far with the output kept: the metric fails", async () => {
    const r = await evaluateExplanations(cnn, saliency, inputs, { metrics: ['manipulation'], metricOptions: { manipulation: FAST }, seed: 1 });
    const m = r.results.manipulation!;
    expect(m.smoothedRelus).toBe(3);
    expect(m.manipulated).toBeGreaterThanOrEqual(2);
    for (const image of m.images) {
      // Within the budget, and the output where it was.
      expect(image.perturbationLinf).toBeLessThanOrEqual(m.epsilon * (1 + 1e-6));
      expect(image.classKept).toBe(true);
      expect(image.scoreChange).toBeLessThanOrEqual(0.05);
    }
    const moved = m.images.filter((i) => i.manipulated);
    for (const image of moved) expect(image.mapChange >= 0.5 || image.targetCorrelationAfter - image.targetCorrelationBefore >= 0.3).toBe(true);
    // The control is measured: on this untrained ReLU network random ±ε noise moves the maps too (fragile, not only attackable).
    for (const image of m.images) expect(image.randomMapChange).toBeGreaterThan(0);
    // Per unit of perturbation the map moves much further than the input.
    expect(Math.min(...moved.map((i) => i.mapChangePerPerturbation))).toBeGreaterThan(3);
    expect(r.verdicts[0].passes).toBe(false);
    expect(r.verdicts[0].text).toMatch(/^manipulable: \d of 4 saliency map\(s\) moved with the output kept/);
  }, 60_000);

  it("input × gradient on a linear model: the measured map change equals w ⊙ (x + δ) against w ⊙ x, computed here from δ", async () => {
    const two = tensor([2, 1, S, S], inputs.data.slice(0, 2 * S * S));
    const r = await manipulateExplanations(linear, inputXGradient, two, [0, 1], { steps: 5, seed: 3, keepMaps: 2 });
    const w = uniformValues(2 * S * S, 7);
    const d = S * S;
    r.images.forEach((image, i) => {
      const row = w.subarray(i * d, (i + 1) * d); // class i is explained for row i
      const x = two.data.subarray(i * d, (i + 1) * d);
      const delta = r.maps!.perturbation.data.subarray(i * d, (i + 1) * d);
      const before = Array.from(x, (v, j) => row[j] * v);
      const after = Array.from(x, (v, j) => row[j] * (v + delta[j]));
      const scaled = (m: number[]) => {
        const mean = m.reduce((a, v) => a + Math.abs(v), 0) / d;
        return m.map((v) => v / mean);
      };
      const [b, a] = [scaled(before), scaled(after)];
      const expected = Math.hypot(...a.map((v, j) => v - b[j])) / Math.hypot(...b);
      expect(image.mapChange).toBeCloseTo(expected, 5);
      expect(image.mapChange).toBeGreaterThan(0);
    });
  }, 60_000);

  it('an L2 budget keeps every ‖δ‖₂ within ε·√pixels (same ε as an RMS per value)', async () => {
    const two = tensor([2, 1, S, S], inputs.data.slice(0, 2 * S * S));
    const r = await manipulateExplanations(cnn, saliency, two, undefined, { steps: 5, seed: 2, norm: 'l2' });
    expect(r.norm).toBe('l2');
    r.images.forEach((image, i) => {
      const x = two.data.subarray(i * S * S, (i + 1) * S * S);
      const l2 = image.perturbationRelative * Math.hypot(...x);
      expect(l2).toBeLessThanOrEqual(r.epsilon * S * (1 + 1e-5));
      // Not a box: single values may exceed ε.
      expect(l2).toBeGreaterThan(0);
    });
  }, 60_000);

  it('the same seed gives the same numbers', async () => {
    const run = () => manipulateExplanations(cnn, saliency, inputs.shape[0] > 2 ? tensor([2, 1, S, S], inputs.data.slice(0, 2 * S * S)) : inputs, undefined, { steps: 5, seed: 4 });
    const [a, b] = [await run(), await run()];
    expect(a.images).toEqual(b.images);
  }, 60_000);

  it('refuses a method whose map is not a plain gradient, saying which ones it attacks', async () => {
    expect(gradientMapOf('saliency')).toBe('abs-gradient');
    expect(gradientMapOf('saliency', { abs: false })).toBe('gradient');
    expect(gradientMapOf('input-x-gradient')).toBe('gradient-x-input');
    await expect(manipulateExplanations(cnn, occlusion, inputs, undefined, FAST)).rejects.toThrow(/occlusion is not a plain gradient map; the manipulation attack differentiates saliency and input-x-gradient maps/);
    await expect(evaluateExplanations(cnn, occlusion, inputs, { metrics: ['manipulation'] })).rejects.toThrow('evaluate: manipulation does not support the method occlusion');
  });
});
