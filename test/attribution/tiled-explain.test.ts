/**
 * Tiled explanation against maps known without tiling: a linear model with constant weights has the
 * same gradient at every pixel of every tile, so the stitched map must be that constant (no seam at
 * any tile border); a linear model with arbitrary weights must give the blend written out in the
 * test; a tiny CNN must give, at every pixel only one tile covers, exactly that tile's own map.
 */
import { describe, expect, it } from 'vitest';
import { explainTiled } from '../../src/attribution/tiled-explain.js';
import { saliency } from '../../src/attribution/saliency.js';
import { inputXGradient } from '../../src/attribution/input-x-gradient.js';
import { occlusion } from '../../src/attribution/occlusion.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { gradCam } from '../../src/attribution/grad-cam.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { cropTiles, tileGrid, tileOrigin } from '../../src/data/tiling.js';
import { softmaxRows } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

const T = 8;
const H = 30;
const W = 27;

/** A linear 1×8×8 model whose class-0 weights are all `c`. */
function constantModel(c: number): OnnxModel {
  const weights = new Float32Array(2 * T * T);
  weights.fill(c, 0, T * T);
  weights.set(uniformValues(T * T, 9), T * T);
  return new OnnxModel(linearModel([1, T, T], weights, [0, 0]));
}

describe('explainTiled on constant-gradient models: seamless and exact', () => {
  const image = randomTensor([1, H, W], 11);

  it('saliency of a constant-weight linear model is |c| at every pixel', async () => {
    const r = await explainTiled(saliency, constantModel(-0.7), image, { overlap: { fraction: 0.25 }, target: 0 });
    expect(r.values.shape).toEqual([1, H, W]);
    expect(r.grid.count).toBe(r.grid.ys.length * r.grid.xs.length);
    expect(maxAbsDiff(r.values.data, new Float32Array(H * W).fill(0.7))).toBeLessThan(1e-6);
  });

  it('input×gradient is c·x everywhere: no step between neighbours at tile borders beyond the image’s own', async () => {
    const c = 1.3;
    const r = await explainTiled(inputXGradient, constantModel(c), image, { overlap: { pixels: 3 }, target: 0, tilesPerCall: 4 });
    expect(maxAbsDiff(r.values.data, image.data.map((v) => c * v))).toBeLessThan(1e-6);
  });

  it('a linear model with arbitrary weights gives the normalised Hann-weighted average of the tiles’ |W| maps', async () => {
    const weights = uniformValues(2 * T * T, 3);
    const model = new OnnxModel(linearModel([1, T, T], weights, [0, 0]));
    const r = await explainTiled(saliency, model, image, { overlap: { fraction: 0.5 }, target: 1 });
    const grid = tileGrid(H, W, T, T, { fraction: 0.5 });
    const hann = (i: number) => Math.sin((Math.PI * (i + 0.5)) / T) ** 2;
    const expected = new Float64Array(H * W);
    const total = new Float64Array(H * W);
    for (const y0 of grid.ys) {
      for (const x0 of grid.xs) {
        for (let r0 = 0; r0 < T; r0++) {
          for (let q = 0; q < T; q++) {
            const p = (y0 + r0) * W + x0 + q;
            expected[p] += hann(r0) * hann(q) * Math.abs(weights[T * T + r0 * T + q]);
            total[p] += hann(r0) * hann(q);
          }
        }
      }
    }
    expect(maxAbsDiff(r.values.data, expected.map((v, i) => v / total[i]))).toBeLessThan(1e-6);
  });
});

describe('explainTiled on a tiny CNN', () => {
  const model = new OnnxModel(tinyCnn({ size: T, seed: 5 }));
  const image = randomTensor([1, 1, 21, 19], 12);
  const grid = tileGrid(21, 19, T, T, { pixels: 2 });

  /** Per pixel: the tiles covering it. */
  function coverage(): number[][] {
    const cover: number[][] = Array.from({ length: 21 * 19 }, () => []);
    for (let t = 0; t < grid.count; t++) {
      const { y, x } = tileOrigin(grid, t);
      for (let r = 0; r < T; r++) for (let q = 0; q < T; q++) cover[(y + r) * 19 + x + q].push(t);
    }
    return cover;
  }

  for (const [name, explainer, options] of [
    ['saliency', saliency, {}],
    ['occlusion', occlusion, { window: 3, stride: 1 }],
  ] as const) {
    it(`${name}: pixels under one tile equal that tile’s own map; the others lie between the covering tiles’ values`, async () => {
      const r = await explainTiled(explainer, model, image, { overlap: { pixels: 2 }, target: 1, methodOptions: options });
      const tiles = cropTiles(image, grid, Array.from({ length: grid.count }, (_, i) => i));
      const direct = await explainer.attribute(model, tiles, { ...options, target: 1 });
      const cover = coverage();
      let single = 0;
      for (let p = 0; p < cover.length; p++) {
        const y = Math.floor(p / 19);
        const x = p % 19;
        const values = cover[p].map((t) => {
          const o = tileOrigin(grid, t);
          return direct.values.data[t * T * T + (y - o.y) * T + (x - o.x)];
        });
        if (values.length === 1) {
          single++;
          expect(Math.abs(r.values.data[p] - values[0])).toBeLessThan(1e-6);
        } else {
          expect(r.values.data[p]).toBeGreaterThanOrEqual(Math.min(...values) - 1e-6);
          expect(r.values.data[p]).toBeLessThanOrEqual(Math.max(...values) + 1e-6);
        }
      }
      expect(single).toBeGreaterThan(50);
    });
  }

  it('keeps every tile’s probabilities and explains the image’s answer by default', async () => {
    const r = await explainTiled(saliency, model, image, { overlap: { pixels: 2 } });
    const tiles = cropTiles(image, grid, Array.from({ length: grid.count }, (_, i) => i));
    const probabilities = softmaxRows(await model.forward(tiles));
    expect(maxAbsDiff(r.tileOutputs, probabilities.data)).toBeLessThan(1e-6);
    expect(r.target).toBe(r.aggregate.predicted);
    const explicit = await explainTiled(saliency, model, image, { overlap: { pixels: 2 }, target: r.aggregate.predicted });
    expect(maxAbsDiff(r.values.data, explicit.values.data)).toBe(0);
  });

  it('does not depend on how many tiles go into one call (deterministic methods)', async () => {
    const one = await explainTiled(integratedGradients, model, image, { overlap: { pixels: 2 }, target: 0, tilesPerCall: 1, methodOptions: { steps: 8 } });
    const many = await explainTiled(integratedGradients, model, image, { overlap: { pixels: 2 }, target: 0, tilesPerCall: 7, methodOptions: { steps: 8 } });
    expect(maxAbsDiff(one.values.data, many.values.data)).toBeLessThan(1e-6);
    expect(one.maxAbsConvergenceDelta).toBeGreaterThanOrEqual(0);
  });

  it('reports progress over tiles and refuses images of the wrong channels or maps at another resolution', async () => {
    const seen: string[] = [];
    await explainTiled(saliency, model, image, { overlap: { pixels: 2 }, tilesPerCall: 5, onProgress: (s, d, t) => seen.push(`${s} ${d}/${t}`) });
    expect(seen.at(-1)).toBe(`explaining tiles ${grid.count}/${grid.count}`);
    expect(seen).toContain(`predicting tiles ${grid.count}/${grid.count}`);
    await expect(explainTiled(saliency, model, randomTensor([2, 21, 19], 1))).rejects.toThrow(/one image \(C, H, W\) with the model's 1 channel/);
    await expect(explainTiled(gradCam, model, image, { methodOptions: { layer: 'relu2', upsample: 'none' } })).rejects.toThrow(/one 1-channel 8×8 map per tile/);
  });
});
