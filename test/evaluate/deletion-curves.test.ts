/**
 * Deletion/insertion curves against curves computed by hand: on a linear model with a zero baseline
 * the raw-output curve is b + Σ of the contributions w_j x_j still present, so the perfect map
 * (w ⊙ x) gives a curve we can write down, and no other order deletes faster. Also: the blur and
 * mean baselines, patches, the softmax score, batching (one forward call) and bad input.
 */
import { describe, expect, it } from 'vitest';
import { deletionInsertionCurves } from '../../src/evaluate/deletion-curves.js';
import { replacementValues } from '../../src/evaluate/perturbation.js';
import { OnnxModel } from '../../src/models/model.js';
import type { Model } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { Random } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { filled, softmaxRows, tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

const H = 4;
const W = 4;
const D = H * W;
const w0 = uniformValues(D, 11, -1, 1);
const w1 = uniformValues(D, 12, -1, 1);
const bias = [0.3, -0.2];
const linear = new OnnxModel(linearModel([1, H, W], [...w0, ...w1], bias));
const x = randomTensor([3, 1, H, W], 13, 0, 1);
const perfect = tensor(x.shape, x.data.map((v, j) => v * w0[j % D]));

/** Counts forward calls and rows. */
function spy(model: Model): { model: Model; rows: number[] } {
  const s = { rows: [] as number[], model };
  s.model = Object.assign(Object.create(Object.getPrototypeOf(model)) as Model, model, {
    forward: (t: Tensor) => (s.rows.push(t.shape[0]), model.forward(t)),
  });
  return s;
}

/** Hand-made deletion curve of image i on the linear model, class 0, zero baseline, by an order of pixels. */
function linearDeletion(i: number, order: readonly number[], counts: readonly number[]): number[] {
  const contribution = Array.from({ length: D }, (_, j) => w0[j] * x.data[i * D + j]);
  return counts.map((c) => {
    const removed = new Set(order.slice(0, c));
    return bias[0] + contribution.reduce((s, v, j) => s + (removed.has(j) ? 0 : v), 0);
  });
}

describe('deletion and insertion curves on a linear model', () => {
  it('the perfect map w ⊙ x gives the hand-computed curves and areas (raw output, zero baseline)', async () => {
    const r = await deletionInsertionCurves(linear, x, perfect, { target: 0, score: 'output', steps: 4 });
    expect(r.deletion!.fractions).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const counts = [0, 4, 8, 12, 16];
    for (let i = 0; i < 3; i++) {
      const contribution = Array.from({ length: D }, (_, j) => w0[j] * x.data[i * D + j]);
      const order = Array.from({ length: D }, (_, j) => j).sort((a, b) => contribution[b] - contribution[a]);
      const del = linearDeletion(i, order, counts);
      // Insertion from the zero image: b + the first count contributions.
      const total = contribution.reduce((a, b) => a + b, 0);
      const ins = del.map((v) => bias[0] + total - (v - bias[0]));
      expect(maxAbsDiff(r.deletion!.curves[i], del)).toBeLessThan(1e-5);
      expect(maxAbsDiff(r.insertion!.curves[i], ins)).toBeLessThan(1e-5);
      const area = 0.25 * (del[0] / 2 + del[1] + del[2] + del[3] + del[4] / 2);
      expect(r.deletion!.areas[i]).toBeCloseTo(area, 5);
    }
    expect(r.deletion!.meanArea).toBeCloseTo(r.deletion!.areas.reduce((a, b) => a + b, 0) / 3, 10);
    expect(r.areaDifference).toBeCloseTo(r.insertion!.meanArea - r.deletion!.meanArea, 10);
    expect(r.settings).toMatchObject({ baseline: 'zero', patch: 1, steps: 4, features: 16, score: 'output', targets: [0, 0, 0] });
  });

  it('no shuffled map deletes faster or inserts faster than the perfect one', async () => {
    const rng = new Random(5);
    const best = await deletionInsertionCurves(linear, x, perfect, { target: 0, score: 'output', steps: 16 });
    for (let t = 0; t < 5; t++) {
      const shuffled = new Float32Array(perfect.data.length);
      for (let i = 0; i < 3; i++) {
        const p = rng.permutation(D);
        for (let j = 0; j < D; j++) shuffled[i * D + j] = perfect.data[i * D + p[j]];
      }
      const other = await deletionInsertionCurves(linear, x, tensor(x.shape, shuffled), { target: 0, score: 'output', steps: 16 });
      for (let i = 0; i < 3; i++) {
        // Top-k contributions have the largest sum, pointwise along the curve.
        best.deletion!.curves[i].forEach((v, s) => expect(v).toBeLessThanOrEqual(other.deletion!.curves[i][s] + 1e-5));
        expect(best.insertion!.areas[i]).toBeGreaterThanOrEqual(other.insertion!.areas[i] - 1e-6);
      }
      expect(other.areaDifference!).toBeLessThan(best.areaDifference!);
    }
  });

  it('scores by softmax probability by default', async () => {
    const r = await deletionInsertionCurves(linear, x, perfect, { target: 0, steps: 2, curves: ['deletion'] });
    const p = softmaxRows(await linear.forward(x));
    for (let i = 0; i < 3; i++) expect(r.deletion!.curves[i][0]).toBeCloseTo(p.data[i * 2], 6);
    // All pixels gone: logits = bias.
    const pb = 1 / (1 + Math.exp(bias[1] - bias[0]));
    for (let i = 0; i < 3; i++) expect(r.deletion!.curves[i][2]).toBeCloseTo(pb, 6);
    expect(r.insertion).toBeUndefined();
  });

  it('removes patches by their summed attribution', async () => {
    const r = await deletionInsertionCurves(linear, x, perfect, { target: 0, score: 'output', patch: 2, steps: 4, curves: ['deletion'] });
    expect(r.settings.features).toBe(4);
    const patchOf = (j: number) => Math.floor(Math.floor(j / W) / 2) * 2 + Math.floor((j % W) / 2);
    for (let i = 0; i < 3; i++) {
      const sums = [0, 0, 0, 0];
      for (let j = 0; j < D; j++) sums[patchOf(j)] += w0[j] * x.data[i * D + j];
      const patches = [0, 1, 2, 3].sort((a, b) => sums[b] - sums[a]);
      const expected = [0, 1, 2, 3, 4].map((c) => bias[0] + patches.slice(c).reduce((s, p) => s + sums[p], 0));
      expect(maxAbsDiff(r.deletion!.curves[i], expected)).toBeLessThan(1e-5);
    }
  });

  it('sends every perturbed copy of every image in one forward call', async () => {
    const s = spy(linear);
    await deletionInsertionCurves(s.model, x, perfect, { target: [0, 1, 0], steps: 8 });
    expect(s.rows).toEqual([3 * 2 * 9]);
  });

  it('rejects maps of the wrong shape, NaN, too many steps and unknown options', async () => {
    await expect(deletionInsertionCurves(linear, x, tensor([3, 16]), {})).rejects.toThrow(/attributions have shape \[3, 16\] but the inputs are \[3, 1, 4, 4\]/);
    const bad = tensor(x.shape, perfect.data.map((v, j) => (j === 5 ? NaN : v)));
    await expect(deletionInsertionCurves(linear, x, bad)).rejects.toThrow(/non-finite value \(NaN\) at flat index 5/);
    await expect(deletionInsertionCurves(linear, x, perfect, { steps: 17 })).rejects.toThrow(/17 steps but only 16 features/);
    await expect(deletionInsertionCurves(linear, x, perfect, { curves: [] })).rejects.toThrow(/curves must list/);
    await expect(deletionInsertionCurves(linear, x, perfect, { baseline: 'grey' as never })).rejects.toThrow(/unknown baseline 'grey'/);
    await expect(deletionInsertionCurves(linear, x, perfect, { target: { cotangent: filled([3, 2], 1) } })).rejects.toThrow(/softmax' needs class targets/);
  });
});

describe('deletion baselines on the tiny CNN', () => {
  const cnn = new OnnxModel(tinyCnn({ seed: 3 }));
  const images = randomTensor([2, 1, 32, 32], 21, 0, 1);
  const map = randomTensor([2, 1, 32, 32], 22, -1, 1);

  it('deletion ends at the baseline image and insertion starts there (blur and mean)', async () => {
    for (const baseline of ['blur', 'mean'] as const) {
      const r = await deletionInsertionCurves(cnn, images, map, { baseline, blurSigma: 2, steps: 5, target: [0, 1] });
      const base = tensor(images.shape, replacementValues('test', images, baseline, 2));
      const p = softmaxRows(await cnn.forward(base));
      const clean = softmaxRows(await cnn.forward(images));
      [0, 1].forEach((i) => {
        const t = [0, 1][i];
        expect(r.deletion!.curves[i][5]).toBeCloseTo(p.data[i * 2 + t], 5);
        expect(r.insertion!.curves[i][0]).toBeCloseTo(p.data[i * 2 + t], 5);
        expect(r.deletion!.curves[i][0]).toBeCloseTo(clean.data[i * 2 + t], 5);
        expect(r.insertion!.curves[i][5]).toBeCloseTo(clean.data[i * 2 + t], 5);
      });
    }
  });
});
