/**
 * The randomisation test on models whose explanations are known exactly: saliency of a linear model
 * is |W[target]| whatever the input, so the randomised map is |W'[target]| of the re-drawn weights;
 * an "explainer" that returns the input itself never changes and must fail.
 */
import { describe, expect, it } from 'vitest';
import { parameterLayersTopDown, randomisationTest } from '../../src/evaluate/randomisation.js';
import { spearman } from '../../src/evaluate/similarity.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { saliency } from '../../src/attribution/saliency.js';
import type { Explainer } from '../../src/attribution/explainer.js';
import { resolveTarget } from '../../src/attribution/explainer.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor, uniformValues } from '../helpers/models.js';

const C = 1;
const H = 12;
const W = 12;
const D = C * H * W;

function linear(classes: number, seed: number): OnnxModel {
  return new OnnxModel(linearModel([C, H, W], uniformValues(classes * D, seed), uniformValues(classes, seed + 1)));
}

/** Maps that are the input image: no model in them at all. */
const showsTheInput: Explainer = {
  name: 'input-itself',
  description: 'returns |x|',
  async attribute(_model, inputs) {
    return { method: 'input-itself', values: tensor(inputs.shape, inputs.data.map(Math.abs)) };
  },
};

/** Saliency plus seeded noise: a stochastic method whose two runs differ a little. */
const noisySaliency: Explainer = {
  name: 'noisy-saliency',
  description: 'saliency + 5% noise',
  async attribute(model, inputs, options = {}) {
    const r = await saliency.attribute(model, inputs, options);
    const rng = new Random(options.seed ?? 0);
    return { method: 'noisy-saliency', values: tensor(r.values.shape, r.values.data.map((v) => v + 0.05 * rng.next())) };
  },
};

describe('randomisationTest', () => {
  it('compares the trained map with the re-drawn weights\' map exactly (linear model, saliency)', async () => {
    const model = linear(3, 1);
    const x = randomTensor([4, C, H, W], 2);
    const r = await randomisationTest(model, saliency, x, { target: 2, keepMaps: 4, modes: ['cascading'] });
    expect(r.layers).toEqual(['fc']);
    // Deterministic method: the baseline compares two input-noise draws; a linear model's saliency
    // does not depend on the input, so the two maps are identical.
    expect(r.baseline.kind).toBe('input-noise');
    expect(r.baseline.spearman).toBeCloseTo(1, 12);
    expect(r.baseline.ssim).toBeCloseTo(1, 12);
    const step = r.cascading![0];
    expect(step.randomised).toEqual(['fc']);
    // Independent reference: draw the same weights and compare |W[2]| with |W'[2]| ourselves.
    const redrawn = model.withParameters({ kind: 'reinitialise', parameters: ['fc.weight', 'fc.bias'], seed: 101 });
    const w = model.graph.initializers.get('fc.weight')!.data as Float32Array;
    const w2 = redrawn.graph.initializers.get('fc.weight')!.data as Float32Array;
    const abs = (a: Float32Array) => Array.from(a.subarray(2 * D, 3 * D), Math.abs);
    expect(Array.from(step.maps!.data.subarray(0, D))).toEqual(abs(w2).map(Math.fround));
    expect(step.spearman).toBeCloseTo(spearman(abs(w), abs(w2)), 6);
    expect(Math.abs(step.spearman)).toBeLessThan(0.3);
    expect(r.verdict.passes).toBe(true);
    expect(r.verdict.threshold).toBeCloseTo(0.5, 12);
    expect(r.verdict.rule).toMatch(/0.5 × the trained-vs-trained baseline/);
    expect(r.trainedMaps!.shape).toEqual([4, C, H, W]);
    await model.dispose();
    await redrawn.dispose();
  });

  it('fails a method whose map is the input (similarity stays at 1 with every layer random)', async () => {
    const model = new OnnxModel(tinyCnn({ seed: 3, size: 16 }));
    const x = randomTensor([3, 1, 16, 16], 4);
    const r = await randomisationTest(model, showsTheInput, x, { modes: ['cascading', 'independent'] });
    expect(r.layers).toEqual(['fc2', 'fc1', 'conv2', 'conv1']);
    expect(r.cascading!.map((s) => s.randomised)).toEqual([['fc2'], ['fc2', 'fc1'], ['fc2', 'fc1', 'conv2'], ['fc2', 'fc1', 'conv2', 'conv1']]);
    expect(r.independent!.map((s) => s.randomised)).toEqual([['fc2'], ['fc1'], ['conv2'], ['conv1']]);
    for (const s of [...r.cascading!, ...r.independent!]) {
      expect(s.spearman).toBe(1);
      expect(s.ssim).toBeCloseTo(1, 12);
      expect(s.hogDistance).toBeLessThan(1e-9);
      expect(s.hotspotSurvival).toBe(1);
    }
    expect(r.verdict.passes).toBe(false);
    expect(r.verdict.text).toMatch(/^fails: .* the map shows the input/);
    // The random-logit map is the same too.
    expect(r.randomLogit!.changes).toBe(false);
    await model.dispose();
  });

  it('uses two seeds as the baseline for a stochastic method, and explains a random other class', async () => {
    const model = linear(4, 5);
    const x = randomTensor([6, C, H, W], 6);
    const r = await randomisationTest(model, noisySaliency, x, { modes: [], seed: 9 });
    expect(r.baseline.kind).toBe('seeds');
    expect(r.baseline.spearman).toBeGreaterThan(0.8);
    expect(r.baseline.spearman).toBeLessThan(1);
    expect(r.verdict.passes).toBeNull();
    const predicted = (await resolveTarget(model, x, undefined)).classes!;
    const logit = r.randomLogit!;
    logit.classes.forEach((c, i) => {
      expect(c).not.toBe(predicted[i]);
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThan(4);
    });
    await model.dispose();
  });

  it('keeps the trained model\'s class at every step and checks its options', async () => {
    const model = linear(2, 7);
    const x = randomTensor([2, C, H, W], 8);
    const seen: unknown[] = [];
    const spy: Explainer = {
      name: 'spy',
      description: 'records targets',
      async attribute(m, inputs, options = {}) {
        seen.push(options.target);
        return saliency.attribute(m, inputs, options);
      },
    };
    const predicted = (await resolveTarget(model, x, undefined)).classes!;
    await randomisationTest(model, spy, x, { modes: ['independent'] });
    // trained, baseline (2 noise draws), one independent step: all with the trained prediction.
    expect(seen.slice(0, 4)).toEqual([predicted, predicted, predicted, predicted]);
    await expect(randomisationTest(model, saliency, x, { layers: ['nope'] })).rejects.toThrow(/'nope' is not a parameter layer; choose from fc/);
    await expect(randomisationTest(model, saliency, x, { passRatio: 0 })).rejects.toThrow(/passRatio must be in \(0, 1\]/);
    expect(parameterLayersTopDown(model)).toEqual(['fc']);
    await model.dispose();
  });
});
