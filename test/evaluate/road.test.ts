/**
 * ROAD's noisy linear imputation checked against its defining equations (every imputed pixel is
 * the weighted mean of its neighbours; a linear ramp is reproduced exactly in the interior; the
 * noise has the asked std), then ROAD's MoRF/LeRF curves on a linear model against scores computed
 * by hand from the imputed images.
 */
import { describe, expect, it } from 'vitest';
import { noisyLinearImputation, road, ROAD_NEIGHBOURS } from '../../src/evaluate/road.js';
import { OnnxModel } from '../../src/models/model.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor, uniformValues } from '../helpers/models.js';

function randomMask(plane: number, fraction: number, seed: number): Uint8Array {
  const rng = new Random(seed);
  return Uint8Array.from({ length: plane }, () => (rng.next() < fraction ? 1 : 0));
}

describe('noisy linear imputation', () => {
  it('makes every removed pixel the weighted mean of its in-image neighbours (borders included)', () => {
    const [c, h, w] = [2, 9, 7];
    const image = uniformValues(c * h * w, 1, 0, 1);
    const removed = randomMask(h * w, 0.6, 2);
    const out = noisyLinearImputation(image, [c, h, w], removed, { noise: 0 });
    let worst = 0;
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const p = ch * h * w + y * w + x;
          if (!removed[y * w + x]) {
            expect(out[p]).toBe(image[p]);
            continue;
          }
          let s = 0;
          let ws = 0;
          for (const [dy, dx, wt] of ROAD_NEIGHBOURS) {
            if (y + dy < 0 || y + dy >= h || x + dx < 0 || x + dx >= w) continue;
            s += wt * out[ch * h * w + (y + dy) * w + x + dx];
            ws += wt;
          }
          worst = Math.max(worst, Math.abs(out[p] - s / ws));
        }
    expect(worst).toBeLessThan(1e-5);
  });

  it('reproduces a linear ramp exactly inside the image', () => {
    const [h, w] = [10, 12];
    const ramp = Float32Array.from({ length: h * w }, (_, p) => 1 + 0.3 * Math.floor(p / w) - 0.2 * (p % w));
    const removed = new Uint8Array(h * w);
    for (let y = 1; y < h - 1; y++) for (let x = 1; x < w - 1; x++) if ((y < 6 && x < 7) || (x + y) % 3 === 0) removed[y * w + x] = 1;
    const out = noisyLinearImputation(ramp, [1, h, w], removed, { noise: 0 });
    for (let p = 0; p < h * w; p++) expect(out[p]).toBeCloseTo(ramp[p], 5);
  });

  it('adds seeded Gaussian noise of the given std to imputed pixels only', () => {
    const [h, w] = [32, 32];
    const image = uniformValues(h * w, 3, 0, 1);
    const removed = randomMask(h * w, 0.5, 4);
    const clean = noisyLinearImputation(image, [1, h, w], removed, { noise: 0 });
    const noisy = noisyLinearImputation(image, [1, h, w], removed, { noise: 0.3, rng: new Random(9) });
    const again = noisyLinearImputation(image, [1, h, w], removed, { noise: 0.3, rng: new Random(9) });
    expect(Array.from(again)).toEqual(Array.from(noisy));
    const diffs: number[] = [];
    for (let p = 0; p < h * w; p++) {
      if (removed[p]) diffs.push(noisy[p] - clean[p]);
      else expect(noisy[p]).toBe(image[p]);
    }
    const mu = diffs.reduce((a, b) => a + b, 0) / diffs.length;
    const sd = Math.sqrt(diffs.reduce((a, b) => a + (b - mu) ** 2, 0) / diffs.length);
    // ~500 draws: the sample std is within 10% and the mean within 4 standard errors.
    expect(sd).toBeGreaterThan(0.27);
    expect(sd).toBeLessThan(0.33);
    expect(Math.abs(mu)).toBeLessThan((4 * 0.3) / Math.sqrt(diffs.length));
  });

  it('refuses an image with every pixel removed, and noise without a seed', () => {
    expect(() => noisyLinearImputation(new Float32Array(4), [1, 2, 2], new Uint8Array(4).fill(1), { noise: 0 })).toThrow(/every pixel removed/);
    expect(() => noisyLinearImputation(new Float32Array(4), [1, 2, 2], new Uint8Array(4), { noise: 0.1 })).toThrow(/needs a seeded rng/);
  });
});

describe('ROAD on a linear model', () => {
  const [h, w] = [6, 6];
  const d = h * w;
  const w0 = uniformValues(d, 5, -1, 1);
  const w1 = uniformValues(d, 6, -1, 1);
  const bias = [0.1, -0.1];
  const model = new OnnxModel(linearModel([1, h, w], [...w0, ...w1], bias));
  const x = randomTensor([2, 1, h, w], 7, 0, 1);
  const map = tensor(x.shape, x.data.map((v, j) => v * w0[j % d]));

  it('scores the images imputed by relevance order (MoRF: top pixels, LeRF: bottom pixels)', async () => {
    const r = await road(model, x, map, { target: 0, percentages: [25, 50], noise: 0, score: 'output' });
    for (let i = 0; i < 2; i++) {
      const image = x.data.subarray(i * d, (i + 1) * d);
      const contributions = Array.from({ length: d }, (_, j) => map.data[i * d + j]);
      const ranked = Array.from({ length: d }, (_, j) => j).sort((a, b) => contributions[b] - contributions[a] || a - b);
      for (const [order, pixels] of [['morf', ranked], ['lerf', [...ranked].reverse()]] as const) {
        [25, 50].forEach((q, qi) => {
          const removed = new Uint8Array(d);
          for (const p of pixels.slice(0, Math.round((q / 100) * d))) removed[p] = 1;
          const imputed = noisyLinearImputation(image, [1, h, w], removed, { noise: 0 });
          const score = bias[0] + imputed.reduce((s, v, j) => s + v * w0[j], 0);
          expect(r[order]!.scores[i][qi]).toBeCloseTo(score, 4);
        });
      }
    }
    expect(r.settings).toMatchObject({ percentages: [25, 50], noise: 0, score: 'output', imputation: 'noisy-linear' });
    expect(r.gap).toBeCloseTo(r.lerf!.average - r.morf!.average, 10);
  });

  it('reports accuracy (prediction still the target), is reproducible for a seed, rejects bad input', async () => {
    const a = await road(model, x, map, { percentages: [30, 60], seed: 4 });
    const b = await road(model, x, map, { percentages: [30, 60], seed: 4 });
    expect(a).toEqual(b);
    // Two classes: the prediction is still the target exactly when its probability is above 1/2.
    for (const curve of [a.morf!, a.lerf!]) {
      curve.percentages.forEach((_, qi) => expect(curve.accuracy![qi]).toBe(curve.scores.filter((s) => s[qi] > 0.5).length / 2));
    }
    await expect(road(model, x, map, { percentages: [100] })).rejects.toThrow(/percentages must be numbers in \(0, 100\)/);
    await expect(road(model, tensor([2, d], x.data), tensor([2, d], map.data))).rejects.toThrow(/needs image inputs/);
  });
});
