/**
 * Faithfulness correlation on a linear model with a zero baseline: the output drop of removing S is
 * exactly Σ_{j∈S} w_j x_j, so the map w ⊙ x correlates perfectly (r = 1) whatever the subsets,
 * a rescaled map too, and shuffled maps fall far below; the subsets are seeded and batched.
 */
import { describe, expect, it } from 'vitest';
import { faithfulnessCorrelation, sampleSubset } from '../../src/evaluate/faithfulness-correlation.js';
import { OnnxModel } from '../../src/models/model.js';
import type { Model } from '../../src/models/model.js';
import { Random } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor, uniformValues } from '../helpers/models.js';

const H = 8;
const W = 8;
const D = H * W;
const w0 = uniformValues(D, 31, -1, 1);
const model = new OnnxModel(linearModel([1, H, W], [...w0, ...uniformValues(D, 32)], [0.2, 0.1]));
const x = randomTensor([3, 1, H, W], 33, 0, 1);
const perfect = tensor(x.shape, x.data.map((v, j) => v * w0[j % D]));

describe('faithfulness correlation', () => {
  it('is 1 for the perfect map of a linear model, and for any positive rescaling of it', async () => {
    const r = await faithfulnessCorrelation(model, x, perfect, { target: 0, runs: 40, subsetSize: 16 });
    for (const v of r.perImage) expect(v).toBeCloseTo(1, 5);
    const scaled = await faithfulnessCorrelation(model, x, tensor(x.shape, perfect.data.map((v) => 7 * v)), { target: 0, runs: 40, subsetSize: 16 });
    for (const v of scaled.perImage) expect(v).toBeCloseTo(1, 5);
    expect(r.settings).toMatchObject({ runs: 40, subsetSize: 16, features: 64, baseline: 'zero', score: 'output', seed: 0 });
  });

  it('is −1 for the negated map and far lower for shuffled maps', async () => {
    const neg = await faithfulnessCorrelation(model, x, tensor(x.shape, perfect.data.map((v) => -v)), { target: 0, runs: 40, subsetSize: 16 });
    for (const v of neg.perImage) expect(v).toBeCloseTo(-1, 5);
    const rng = new Random(8);
    const shuffled = new Float32Array(perfect.data.length);
    for (let i = 0; i < 3; i++) {
      const p = rng.permutation(D);
      for (let j = 0; j < D; j++) shuffled[i * D + j] = perfect.data[i * D + p[j]];
    }
    const r = await faithfulnessCorrelation(model, x, tensor(x.shape, shuffled), { target: 0, runs: 40, subsetSize: 16 });
    for (const v of r.perImage) expect(v).toBeLessThan(0.6);
    expect(r.mean).toBeLessThan(0.6);
  });

  it('draws distinct features per subset, reproducibly for a seed, and batches all runs', async () => {
    const sub = sampleSubset(new Random(1), 10, 6, new Int32Array(10));
    expect(new Set(sub).size).toBe(6);
    for (const j of sub) expect(j).toBeGreaterThanOrEqual(0);
    const map = randomTensor(x.shape, 9, -1, 1);
    const a = await faithfulnessCorrelation(model, x, map, { target: 0, runs: 20, subsetSize: 10, seed: 3 });
    const b = await faithfulnessCorrelation(model, x, map, { target: 0, runs: 20, subsetSize: 10, seed: 3 });
    const c = await faithfulnessCorrelation(model, x, map, { target: 0, runs: 20, subsetSize: 10, seed: 4 });
    expect(a.perImage).toEqual(b.perImage);
    expect(a.perImage).not.toEqual(c.perImage);
    const rows: number[] = [];
    const spy = Object.assign(Object.create(Object.getPrototypeOf(model)) as Model, model, {
      forward: (t: Tensor) => (rows.push(t.shape[0]), model.forward(t)),
    });
    await faithfulnessCorrelation(spy, x, map, { target: 0, runs: 20, subsetSize: 10 });
    expect(rows).toEqual([3, 60]);
  });

  it('rejects a subset larger than the features and too few runs', async () => {
    await expect(faithfulnessCorrelation(model, x, perfect, { subsetSize: 65 })).rejects.toThrow(/subsetSize 65 exceeds the 64 features/);
    await expect(faithfulnessCorrelation(model, x, perfect, { runs: 1 })).rejects.toThrow(/runs must be an integer ≥ 2/);
  });
});
