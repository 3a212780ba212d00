/**
 * Occlusion against references written here: on a linear model the drop of a placement is
 * Σ_{j∈window} w_j (x_j − baseline_j) exactly, and a pixel's attribution is the mean drop of the
 * placements covering it (Captum's semantics); on a CNN, a loop that occludes one placement at a time.
 */
import { describe, expect, it } from 'vitest';
import { occlusion, windowStarts } from '../../src/attribution/occlusion.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import type { Model } from '../../src/models/model.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { argmaxRows, tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';
import { basicModelMultiLayer } from '../helpers/captum-models.js';

/** Window origins by Captum's rule, as a loop: start at 0, step by stride, stop once the window reaches the end. */
function startsByHand(size: number, window: number, stride: number): number[] {
  const out: number[] = [];
  for (let s = 0; ; s += stride) {
    out.push(s);
    if (s + window >= size) break;
  }
  return out;
}

/** Placements of a window as explicit pixel sets (clipped at the border). */
function placements(h: number, w: number, wh: number, ww: number, sh: number, sw: number): number[][] {
  const out: number[][] = [];
  for (const y0 of startsByHand(h, wh, sh))
    for (const x0 of startsByHand(w, ww, sw)) {
      const pixels: number[] = [];
      for (let y = y0; y < Math.min(h, y0 + wh); y++) for (let x = x0; x < Math.min(w, x0 + ww); x++) pixels.push(y * w + x);
      out.push(pixels);
    }
  return out;
}

/** Linear model reference: attribution[i, c, p] = mean over placements P ∋ p of Σ_{q∈P, all c'} W[t, c', q]·(x − b)[i, c', q]. */
function linearReference(
  W: Float32Array,
  x: Tensor,
  baseline: (i: number, k: number) => number,
  targets: readonly number[],
  win: [number, number],
  stride: [number, number],
): Float64Array {
  const [n, c, h, w] = x.shape;
  const plane = h * w;
  const d = c * plane;
  const out = new Float64Array(n * d);
  const ps = placements(h, w, win[0], win[1], stride[0], stride[1]);
  for (let i = 0; i < n; i++) {
    const sum = new Float64Array(plane);
    const count = new Float64Array(plane);
    for (const pixels of ps) {
      let drop = 0;
      for (const p of pixels) for (let ch = 0; ch < c; ch++) {
        const k = ch * plane + p;
        drop += W[targets[i] * d + k] * (x.data[i * d + k] - baseline(i, k));
      }
      for (const p of pixels) {
        sum[p] += drop;
        count[p]++;
      }
    }
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) out[i * d + ch * plane + p] = sum[p] / count[p];
  }
  return out;
}

/** Any-model reference: occlude one placement at a time and call forward on that single image. */
async function bruteForce(model: Model, x: Tensor, baseline: number, target: number[], win: number, stride: number): Promise<Float64Array> {
  const [n, c, h, w] = x.shape;
  const plane = h * w;
  const d = c * plane;
  const out = new Float64Array(n * d);
  const ps = placements(h, w, win, win, stride, stride);
  for (let i = 0; i < n; i++) {
    const img = x.data.slice(i * d, (i + 1) * d);
    const base = (await model.forward(tensor([1, c, h, w], img))).data[target[i]];
    const sum = new Float64Array(plane);
    const count = new Float64Array(plane);
    for (const pixels of ps) {
      const occluded = img.slice();
      for (const p of pixels) for (let ch = 0; ch < c; ch++) occluded[ch * plane + p] = baseline;
      const drop = base - (await model.forward(tensor([1, c, h, w], occluded))).data[target[i]];
      for (const p of pixels) {
        sum[p] += drop;
        count[p]++;
      }
    }
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) out[i * d + ch * plane + p] = sum[p] / count[p];
  }
  return out;
}

describe('windowStarts', () => {
  it("follows Captum's count ceil((size − window)/stride) + 1, the last window clipped", () => {
    expect(windowStarts(5, 2, 2)).toEqual([0, 2, 4]);
    expect(windowStarts(4, 2, 2)).toEqual([0, 2]);
    expect(windowStarts(7, 3, 3)).toEqual([0, 3, 6]);
    expect(windowStarts(6, 4, 3)).toEqual([0, 3]);
    expect(windowStarts(5, 5, 1)).toEqual([0]);
    expect(windowStarts(5, 5, 3)).toEqual([0]);
    for (const [size, window, stride] of [
      [32, 4, 1],
      [32, 4, 4],
      [31, 4, 4],
      [10, 3, 3],
      [9, 2, 2],
      [13, 6, 5],
      [10, 3, 7],
    ]) {
      const s = windowStarts(size, window, stride);
      expect(s, `${size}/${window}/${stride}`).toEqual(startsByHand(size, window, stride));
      expect(s.length).toBe(Math.ceil((size - window) / stride) + 1);
      expect(Math.max(...s)).toBeLessThan(size);
      // With stride ≤ window every pixel is covered (occlusion refuses longer strides).
      const covered = new Set(s.flatMap((o) => Array.from({ length: window }, (_, k) => o + k).filter((p) => p < size)));
      if (stride <= window) expect(covered.size, `${size}/${window}/${stride}`).toBe(size);
    }
  });
});

describe('occlusion on a linear model (exact reference)', () => {
  it('1 channel, 5×5, window 2, stride 2 (clipped last windows), baseline 0', async () => {
    const W = uniformValues(2 * 25, 1, -1, 1);
    const model = new OnnxModel(linearModel([1, 5, 5], W, [0.3, -0.2]));
    const x = randomTensor([2, 1, 5, 5], 2);
    const a = await occlusion.attribute(model, x, { window: 2, stride: 2, target: [1, 0] });
    expect(a.method).toBe('occlusion');
    expect(a.values.shape).toEqual([2, 1, 5, 5]);
    expect(a.targets).toEqual([1, 0]);
    expect(a.extras).toEqual({ placements: 9, incremental: false });
    expect(maxAbsDiff(a.values.data, linearReference(W, x, () => 0, [1, 0], [2, 2], [2, 2]))).toBeLessThan(1e-5);
  });

  it('overlapping windows (window 3, stride 1) average the drops of every placement covering a pixel', async () => {
    const W = uniformValues(3 * 36, 3, -1, 1);
    const model = new OnnxModel(linearModel([1, 6, 6], W, [0, 0, 0]));
    const x = randomTensor([3, 1, 6, 6], 4);
    const a = await occlusion.attribute(model, x, { window: 3, stride: 1, target: 2, baseline: 0.25 });
    expect(a.extras).toEqual({ placements: 16, incremental: false });
    expect(maxAbsDiff(a.values.data, linearReference(W, x, () => 0.25, [2, 2, 2], [3, 3], [1, 1]))).toBeLessThan(1e-5);
    // The corner pixel is covered by one placement only: its value is that placement's drop.
    let drop = 0;
    for (const p of [0, 1, 2, 6, 7, 8, 12, 13, 14]) drop += W[2 * 36 + p] * (x.data[p] - 0.25);
    expect(a.values.data[0]).toBeCloseTo(drop, 5);
  });

  it('multi-channel input: the window covers all channels, rectangular windows and strides', async () => {
    const [c, h, w] = [3, 6, 5];
    const d = c * h * w;
    const W = uniformValues(2 * d, 5, -1, 1);
    const model = new OnnxModel(linearModel([c, h, w], W, [0, 0]));
    const x = randomTensor([2, c, h, w], 6, -1, 1);
    const a = await occlusion.attribute(model, x, { window: [2, 3], stride: [2, 1], target: [0, 1], baseline: -0.5 });
    // Rows: starts 0, 2, 4; columns: 0, 1, 2.
    expect(a.extras).toEqual({ placements: 9, incremental: false });
    const ref = linearReference(W, x, () => -0.5, [0, 1], [2, 3], [2, 1]);
    expect(maxAbsDiff(a.values.data, ref)).toBeLessThan(1e-5);
    // Channels share one map: every channel of a pixel got the same credit.
    for (let i = 0; i < 2; i++) for (let p = 0; p < h * w; p++) {
      expect(a.values.data[i * d + p]).toBe(a.values.data[i * d + h * w + p]);
      expect(a.values.data[i * d + p]).toBe(a.values.data[i * d + 2 * h * w + p]);
    }
  });

  it('a tensor baseline replaces each window with the baseline pixels of the same image', async () => {
    const W = uniformValues(2 * 2 * 16, 7, -1, 1);
    const model = new OnnxModel(linearModel([2, 4, 4], W, [0, 0]));
    const x = randomTensor([3, 2, 4, 4], 8);
    const baseline = randomTensor([3, 2, 4, 4], 9);
    const a = await occlusion.attribute(model, x, { window: 2, stride: 1, baseline, target: [0, 1, 1] });
    const ref = linearReference(W, x, (i, k) => baseline.data[i * 32 + k], [0, 1, 1], [2, 2], [1, 1]);
    expect(maxAbsDiff(a.values.data, ref)).toBeLessThan(1e-5);
  });

  it('a window as large as the image credits every pixel with f(x) − f(baseline)', async () => {
    const W = uniformValues(2 * 9, 10, -1, 1);
    const model = new OnnxModel(linearModel([1, 3, 3], W, [1, 1]));
    const x = randomTensor([1, 1, 3, 3], 11);
    const a = await occlusion.attribute(model, x, { window: 3, target: 0, baseline: 0.5 });
    const expected = Array.from(x.data).reduce((s, v, j) => s + W[j] * (v - 0.5), 0);
    for (const v of a.values.data) expect(v).toBeCloseTo(expected, 5);
  });

  it('explains the predicted class by default', async () => {
    const W = uniformValues(3 * 16, 12, -1, 1);
    const model = new OnnxModel(linearModel([1, 4, 4], W, [0, 0, 0]));
    const x = randomTensor([4, 1, 4, 4], 13, -1, 1);
    const predicted = argmaxRows(await model.forward(x));
    const a = await occlusion.attribute(model, x, { window: 2, stride: 2 });
    expect(a.targets).toEqual(predicted);
    expect(maxAbsDiff(a.values.data, linearReference(W, x, () => 0, predicted, [2, 2], [2, 2]))).toBeLessThan(1e-5);
  });
});

describe('occlusion on a CNN (brute-force reference)', () => {
  it('matches occluding one placement at a time, whatever the model\'s batch size', async () => {
    const graph = tinyCnn({ size: 8, seed: 14 });
    const x = randomTensor([2, 1, 8, 8], 15);
    const ref = await bruteForce(new OnnxModel(graph), x, 0.1, [1, 0], 3, 2);
    for (const batch of [64, 2, 1]) {
      const model = new OnnxModel(graph, { internalBatchSize: batch });
      const a = await occlusion.attribute(model, x, { window: 3, stride: 2, baseline: 0.1, target: [1, 0] });
      expect(maxAbsDiff(a.values.data, ref), `batch ${batch}`).toBeLessThan(1e-5);
    }
    // One example as the baseline is broadcast to every input (as Captum's baselines are).
    const one = randomTensor([1, 1, 8, 8], 16);
    const both = tensor([2, 1, 8, 8], [...one.data, ...one.data]);
    const model = new OnnxModel(graph);
    const broadcast = await occlusion.attribute(model, x, { window: 3, stride: 2, baseline: one, target: [1, 0] });
    const full = await occlusion.attribute(model, x, { window: 3, stride: 2, baseline: both, target: [1, 0] });
    expect(Array.from(broadcast.values.data)).toEqual(Array.from(full.values.data));
    expect(Math.max(...Array.from(ref, Math.abs))).toBeGreaterThan(1e-3);
  });

  it('uses window 4, stride 1 and baseline 0 by default', async () => {
    const model = new OnnxModel(tinyCnn({ size: 8, seed: 16 }));
    const x = randomTensor([1, 1, 8, 8], 17);
    const a = await occlusion.attribute(model, x, { target: 1 });
    expect(a.extras).toEqual({ placements: 25, incremental: true });
    expect(maxAbsDiff(a.values.data, await bruteForce(model, x, 0, [1], 4, 1))).toBeLessThan(1e-5);
  });
});

describe('occlusion errors', () => {
  const model = new OnnxModel(linearModel([1, 4, 4], uniformValues(32, 1), [0, 0]));
  const x = randomTensor([2, 1, 4, 4], 2);

  it('rejects a window larger than the image, a zero stride, a stride longer than the window (uncovered pixels would be NaN), a 3-D input and a mis-shaped baseline', async () => {
    await expect(occlusion.attribute(model, x, { window: 5 })).rejects.toThrow('occlusion window 5×5 does not fit a 4×4 image');
    await expect(occlusion.attribute(model, x, { window: [2, 5] })).rejects.toThrow(/window 2×5 does not fit/);
    await expect(occlusion.attribute(model, x, { window: 0 })).rejects.toThrow(/window 0×0/);
    await expect(occlusion.attribute(model, x, { stride: 0 })).rejects.toThrow(/stride must be ≥ 1/);
    await expect(occlusion.attribute(model, x, { window: 1, stride: 2 })).rejects.toThrow(/stride 2×2 is larger than the window 1×1/);
    await expect(occlusion.attribute(model, x, { window: [2, 1], stride: [2, 2] })).rejects.toThrow(/larger than the window 2×1/);
    await expect(occlusion.attribute(model, tensor([2, 4, 4]), {})).rejects.toThrow(/needs image inputs \[N, C, H, W\] or a table \[N, F\]; got 3-D/);
    await expect(occlusion.attribute(model, x, { baseline: randomTensor([2, 1, 3, 4], 3) })).rejects.toThrow(
      'occlusion baseline has shape [2, 1, 3, 4]; it must be a number, one example [1, 4, 4], or match the inputs [2, 1, 4, 4]',
    );
    await expect(occlusion.attribute(model, x, { target: 2 })).rejects.toThrow(/target 2 is not a class index/);
  });
});

describe("occlusion on tables [N, F] (Captum's BasicModel_MultiLayer)", () => {
  it('window 1 at [20, 50, 30] gives Captum\'s [80, 200, 120]; window 2 stride 1 averages the two placements', async () => {
    const model = new OnnxModel(basicModelMultiLayer());
    const x = tensor([1, 3], [20, 50, 30]);
    const one = await occlusion.attribute(model, x, { target: 0 });
    expect(Array.from(one.values.data)).toEqual([80, 200, 120]);
    expect(one.values.shape).toEqual([1, 3]);
    // y₀ = Σ ReLU(Σx + (−10, 1, 1, 1)) − 1 = 392; zeroing [20, 50] gives 112 (drop 280), zeroing [50, 30] gives 72 (drop 320).
    const two = await occlusion.attribute(model, x, { target: 0, window: 2 });
    expect(Array.from(two.values.data)).toEqual([280, 300, 320]);
    await expect(occlusion.attribute(model, x, { window: [1, 2] })).rejects.toThrow(/one window and stride length along the features/);
    await model.dispose();
  });
});
