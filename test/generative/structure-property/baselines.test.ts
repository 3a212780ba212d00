/** Baselines and the latent readings, against brute force and closed forms. */
import { describe, expect, it } from 'vitest';
import { distanceFromTraining, meanBaseline, mse, nearestNeighbourBaseline, rowMse } from '../../../src/generative/structure-property/baselines.js';
import { binnedMutualInformation, latentFactorTable, latentTraversals, predictiveDistribution } from '../../../src/generative/structure-property/latent-analysis.js';
import { Random } from '../../../src/tensor/random.js';
import { tensor } from '../../../src/tensor/tensor.js';
import type { Model } from '../../../src/models/model.js';

describe('baselines', () => {
  const trainX = tensor([3, 2], [0, 0, 10, 0, 0, 10]);
  const trainY = tensor([3, 2], [1, 1, 2, 4, 3, 9]);

  it('predict the mean row, and the nearest input’s target', () => {
    expect(Array.from(meanBaseline(trainY, 2).data)).toEqual([2, 14 / 3, 2, 14 / 3].map(Math.fround));
    const nn = nearestNeighbourBaseline(trainX, trainY, tensor([2, 2], [9, 1, 1, 8]));
    expect(Array.from(nn.data)).toEqual([2, 4, 3, 9]);
  });

  it('score by the mean squared error per element', () => {
    const p = tensor([2, 2], [1, 2, 3, 4]);
    const t = tensor([2, 2], [1, 0, 3, 1]);
    expect(Array.from(rowMse(p, t))).toEqual([2, 4.5]);
    expect(mse(p, t)).toBe(3.25);
  });

  it('measure the distance to the nearest training geometry of the same group', () => {
    const d = distanceFromTraining([[0, 0], [1, 1]], [1, 2], [[0.3, 0.4], [0.3, 0.4], [0, 0]], [1, 2, 3]);
    expect(d[0]).toBeCloseTo(0.5, 12);
    expect(d[1]).toBeCloseTo(Math.hypot(0.7, 0.6), 12);
    expect(d[2]).toBe(Infinity);
  });
});

describe('latent analysis', () => {
  it('finds ln(bins) nats between a variable and itself and ≈ 0 between independent ones', () => {
    const r = new Random(2);
    const x = Array.from({ length: 4000 }, () => r.next());
    const y = Array.from({ length: 4000 }, () => r.next());
    expect(binnedMutualInformation(x, x, 4)).toBeCloseTo(Math.log(4), 6);
    // Plug-in bias ≈ (bins − 1)²/(2N) = 0.001 for 4 bins.
    expect(binnedMutualInformation(x, y, 4)).toBeLessThan(0.01);
  });

  it('names the latent dimension that carries each factor', () => {
    const r = new Random(4);
    const n = 500;
    const a = Array.from({ length: n }, () => r.normal());
    const b = Array.from({ length: n }, () => r.normal());
    const latents = tensor([n, 2], a.flatMap((v, i) => [b[i] + 0.01 * r.normal(), -v]));
    const t = latentFactorTable(latents, [{ name: 'a', values: a }, { name: 'b', values: b }]);
    expect(t.bestDimension).toEqual([1, 0]);
    expect(t.correlation[1][0]).toBeCloseTo(-1, 6);
    expect(Math.abs(t.correlation[0][0])).toBeLessThan(0.15);
  });

  // A decoder that is the identity on 2 latent dimensions, as a Model.
  const identity: Model = { forward: async (z) => z } as unknown as Model;

  it('traverses one dimension from mean − 2 sd to mean + 2 sd, the others at their mean', async () => {
    const latents = tensor([4, 2], [0, 10, 2, 10, 0, 12, 2, 12]);
    const [t0, t1] = await latentTraversals(identity, latents, 3);
    expect(t0.values).toEqual([-1, 1, 3]);
    expect(Array.from(t0.decoded.data)).toEqual([-1, 11, 1, 11, 3, 11]);
    expect(t1.values).toEqual([9, 11, 13]);
  });

  it('spreads decoded samples by the posterior σ (identity decoder: mean → μ, std → σ)', async () => {
    const mu = tensor([1, 2], [1, -2]);
    const logVar = tensor([1, 2], [Math.log(0.25), Math.log(4)]);
    const p = await predictiveDistribution(identity, mu, logVar, 4000, new Random(9));
    expect(p.mean.data[0]).toBeCloseTo(1, 1);
    expect(p.mean.data[1]).toBeCloseTo(-2, 0);
    expect(p.std.data[0]).toBeCloseTo(0.5, 1);
    expect(p.std.data[1]).toBeCloseTo(2, 0);
  });
});

describe('radialProfiles', () => {
  it('averages rings about the centre and ignores rotation', async () => {
    const { radialProfiles } = await import('../../../src/generative/structure-property/baselines.js');
    // 4×4: the centre is (1.5, 1.5); the inner 2×2 block lies at distance 0.71 (ring 0).
    const a = new Float32Array(16);
    for (const p of [5, 6, 9, 10]) a[p] = 1;
    const [profile] = [radialProfiles(tensor([1, 16], a), 4)];
    expect(profile.shape).toEqual([1, 3]);
    expect(Array.from(profile.data)).toEqual([1, 0, 0]);
    // A bar and the same bar rotated by 90° have the same profile.
    const bar = new Float32Array(16);
    const rotated = new Float32Array(16);
    for (let x = 0; x < 4; x++) {
      bar[1 * 4 + x] = 1;
      rotated[x * 4 + 2] = 1;
    }
    expect(Array.from(radialProfiles(tensor([1, 16], bar), 4).data)).toEqual(Array.from(radialProfiles(tensor([1, 16], rotated), 4).data));
  });
});
