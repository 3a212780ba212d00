/**
 * Noise tunnel (SmoothGrad, SmoothGrad², VarGrad) against references written here: with no noise it
 * is the wrapped method; on a linear model the gradient ignores the noise, so SmoothGrad is |w| and
 * VarGrad 0 exactly; on a CNN it equals a loop that draws the same noise and calls saliency per copy.
 */
import { describe, expect, it } from 'vitest';
import type { Explainer, ExplainOptions } from '../../src/attribution/explainer.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { noiseTunnel, smoothGrad, smoothGradSq, varGrad } from '../../src/attribution/noise-tunnel.js';
import { getExplainer } from '../../src/attribution/registry.js';
import { saliency } from '../../src/attribution/saliency.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

const D = 2 * 3 * 3;
const W = uniformValues(3 * D, 41, -1, 1);
const linear = new OnnxModel(linearModel([2, 3, 3], W, [0.1, 0, -0.1]));
const xl = randomTensor([3, 2, 3, 3], 42, -1, 1);
const cnnGraph = tinyCnn({ size: 8, seed: 3 });
const cnn = new OnnxModel(cnnGraph);
const xs = randomTensor([3, 1, 8, 8], 43);

describe('noise tunnel', () => {
  it('registers smoothgrad, smoothgrad-sq and vargrad over saliency', () => {
    expect(getExplainer('smoothgrad')).toBe(smoothGrad);
    expect(getExplainer('smoothgrad-sq')).toBe(smoothGradSq);
    expect(getExplainer('vargrad')).toBe(varGrad);
  });

  it('with stdevs 0 SmoothGrad is saliency, SmoothGrad² its square and VarGrad 0', async () => {
    const sal = await saliency.attribute(cnn, xs, { target: [0, 1, 1] });
    const sg = await smoothGrad.attribute(cnn, xs, { target: [0, 1, 1], stdevs: 0 });
    expect(sg.method).toBe('smoothgrad');
    expect(sg.targets).toEqual([0, 1, 1]);
    expect(Array.from(sg.values.data)).toEqual(Array.from(sal.values.data));
    const sq = await smoothGradSq.attribute(cnn, xs, { target: [0, 1, 1], stdevs: 0 });
    expect(Array.from(sq.values.data)).toEqual(Array.from(sal.values.data, (v) => Math.fround(v * v)));
    const vg = await varGrad.attribute(cnn, xs, { target: [0, 1, 1], stdevs: 0 });
    expect(vg.values.data.every((v) => v === 0)).toBe(true);
  });

  it('on a linear model SmoothGrad is |W[target]| and VarGrad 0 for any noise', async () => {
    for (const stdevs of [0.1, 1, 10]) {
      const sg = await smoothGrad.attribute(linear, xl, { target: [2, 0, 1], stdevs, ntSamples: 7 });
      expect(Array.from(sg.values.data)).toEqual([2, 0, 1].flatMap((t) => Array.from(W.subarray(t * D, (t + 1) * D), Math.abs)));
      const sq = await smoothGradSq.attribute(linear, xl, { target: 1, stdevs });
      expect(Array.from(sq.values.data)).toEqual([0, 1, 2].flatMap(() => Array.from(W.subarray(D, 2 * D), (w) => Math.fround(w * w))));
      const vg = await varGrad.attribute(linear, xl, { target: 1, stdevs });
      expect(vg.values.data.every((v) => v === 0)).toBe(true);
    }
  });

  it('on a CNN equals a loop drawing the same noise (input, sample, pixel) and running saliency per copy', async () => {
    const samples = 4;
    const sigma = 0.3;
    const rng = new Random(7);
    const want = { smoothgrad: [] as number[], smoothgrad_sq: [] as number[], vargrad: [] as number[] };
    for (let i = 0; i < 3; i++) {
      const maps: Float32Array[] = [];
      for (let s = 0; s < samples; s++) {
        const noisy = tensor([1, 1, 8, 8], xs.data.slice(i * 64, (i + 1) * 64));
        rng.addNormal(noisy.data, 0, 64, sigma);
        maps.push((await saliency.attribute(cnn, noisy, { target: 1 })).values.data);
      }
      for (let j = 0; j < 64; j++) {
        const m = maps.reduce((acc, a) => acc + a[j], 0) / samples;
        const m2 = maps.reduce((acc, a) => acc + a[j] * a[j], 0) / samples;
        want.smoothgrad.push(m);
        want.smoothgrad_sq.push(m2);
        want.vargrad.push(m2 - m * m);
      }
    }
    const opts = { target: 1, stdevs: sigma, ntSamples: samples, seed: 7 };
    expect(maxAbsDiff((await smoothGrad.attribute(cnn, xs, opts)).values.data, want.smoothgrad)).toBeLessThan(1e-6);
    expect(maxAbsDiff((await smoothGradSq.attribute(cnn, xs, opts)).values.data, want.smoothgrad_sq)).toBeLessThan(1e-6);
    const vg = (await varGrad.attribute(cnn, xs, opts)).values.data;
    expect(maxAbsDiff(vg, want.vargrad)).toBeLessThan(1e-6);
    // The noise matters here: the copies' gradients differ, and SmoothGrad is not the clean saliency.
    expect(Math.max(...vg)).toBeGreaterThan(1e-3 * Math.max(...want.smoothgrad_sq));
    const clean = (await saliency.attribute(cnn, xs, { target: 1 })).values.data;
    expect(maxAbsDiff(clean, want.smoothgrad)).toBeGreaterThan(1e-2 * Math.max(...clean));
  });

  it('equals a straightforward implementation exactly: per-copy x + noise drawn through uint32(), one saliency batch, per-pixel moments', async () => {
    const samples = 3;
    const sigma = 0.25;
    const d = 64;
    const rng = new Random(11);
    const noisy = new Float32Array(3 * samples * d);
    for (let i = 0; i < 3; i++) {
      // Marsaglia's polar method over the public uint32(), image by image (an odd remainder drops its spare value).
      const noise: number[] = [];
      while (noise.length < samples * d) {
        const u = rng.uint32() * (2 / 4294967296) - 1;
        const v = rng.uint32() * (2 / 4294967296) - 1;
        const s2 = u * u + v * v;
        if (s2 >= 1 || s2 === 0) continue;
        const f = sigma * Math.sqrt((-2 * Math.log(s2)) / s2);
        noise.push(u * f, v * f);
      }
      for (let s = 0; s < samples; s++) for (let j = 0; j < d; j++) noisy[(i * samples + s) * d + j] = xs.data[i * d + j] + noise[s * d + j];
    }
    const target = [1, 0, 1];
    const maps = (await saliency.attribute(cnn, tensor([3 * samples, 1, 8, 8], noisy), { target: target.flatMap((t) => [t, t, t]) })).values.data;
    const want = { smoothgrad: new Float32Array(3 * d), smoothgrad_sq: new Float32Array(3 * d), vargrad: new Float32Array(3 * d) };
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < d; j++) {
        let m = 0;
        let m2 = 0;
        for (let s = 0; s < samples; s++) {
          const a = maps[(i * samples + s) * d + j];
          m += a;
          m2 += a * a;
        }
        m /= samples;
        m2 /= samples;
        want.smoothgrad[i * d + j] = m;
        want.smoothgrad_sq[i * d + j] = m2;
        want.vargrad[i * d + j] = m2 - m * m;
      }
    }
    const opts = { target, stdevs: sigma, ntSamples: samples, seed: 11 };
    expect((await smoothGrad.attribute(cnn, xs, opts)).values.data).toEqual(want.smoothgrad);
    expect((await smoothGradSq.attribute(cnn, xs, opts)).values.data).toEqual(want.smoothgrad_sq);
    expect((await varGrad.attribute(cnn, xs, opts)).values.data).toEqual(want.vargrad);
  });

  it('is reproducible: same seed same numbers, another seed other numbers; internalBatchSize changes nothing', async () => {
    const a = await smoothGrad.attribute(cnn, xs, { target: 0, stdevs: 0.2, seed: 1 });
    const b = await smoothGrad.attribute(cnn, xs, { target: 0, stdevs: 0.2, seed: 1 });
    const c = await smoothGrad.attribute(cnn, xs, { target: 0, stdevs: 0.2, seed: 2 });
    expect(Array.from(b.values.data)).toEqual(Array.from(a.values.data));
    expect(maxAbsDiff(c.values.data, a.values.data)).toBeGreaterThan(1e-3);
    const d = await smoothGrad.attribute(cnn, xs, { target: 0, stdevs: 0.2 });
    const e = await smoothGrad.attribute(cnn, xs, { target: 0, stdevs: 0.2, seed: 0 });
    expect(Array.from(d.values.data)).toEqual(Array.from(e.values.data));
    const small = await smoothGrad.attribute(new OnnxModel(cnnGraph, { internalBatchSize: 4 }), xs, { target: 0, stdevs: 0.2, seed: 1 });
    expect(maxAbsDiff(small.values.data, a.values.data)).toBeLessThan(1e-6);
  });

  it('noiseFraction sets σ = fraction × (max − min) per input; both σ options at once are refused', async () => {
    const a = await smoothGrad.attribute(cnn, xs, { target: 1, noiseFraction: 0.15, seed: 3 });
    const sigma = [0, 1, 2].map((i) => {
      const img = Array.from(xs.data.subarray(i * 64, (i + 1) * 64));
      return 0.15 * (Math.max(...img) - Math.min(...img));
    });
    expect(a.extras).toMatchObject({ ntType: 'smoothgrad', ntSamples: 5 });
    expect(maxAbsDiff((a.extras as { stdevs: number[] }).stdevs, sigma)).toBeLessThan(1e-12);
    // For one image, the fraction is the same as giving that σ.
    const one = tensor([1, 1, 8, 8], xs.data.slice(0, 64));
    const byFraction = await smoothGrad.attribute(cnn, one, { target: 1, noiseFraction: 0.15, seed: 3 });
    const bySigma = await smoothGrad.attribute(cnn, one, { target: 1, stdevs: sigma[0], seed: 3 });
    expect(Array.from(byFraction.values.data)).toEqual(Array.from(bySigma.values.data));
    await expect(smoothGrad.attribute(cnn, xs, { stdevs: 1, noiseFraction: 0.1 })).rejects.toThrow('smoothgrad: give stdevs or noiseFraction, not both');
    await expect(smoothGrad.attribute(cnn, xs, { ntSamples: 0 })).rejects.toThrow('smoothgrad: ntSamples must be an integer ≥ 1 (got 0)');
    await expect(varGrad.attribute(cnn, xs, { stdevs: -1 })).rejects.toThrow('vargrad: stdevs must be a number ≥ 0 (got -1)');
  });

  it('hands all noisy copies to the wrapped method in one batch, targets following their input', async () => {
    const calls: { rows: number; target: unknown }[] = [];
    const counting: Explainer<ExplainOptions> = {
      ...saliency,
      name: 'counting',
      description: '',
      async attribute(model, inputs, options = {}) {
        calls.push({ rows: inputs.shape[0], target: options.target });
        return saliency.attribute(model, inputs, options);
      },
    };
    const nt = noiseTunnel(counting, 'smoothgrad', 'nt-counting', '');
    const a = await nt.attribute(cnn, xs, { target: [1, 0, 1], ntSamples: 3 });
    expect(calls).toEqual([{ rows: 9, target: [1, 1, 1, 0, 0, 0, 1, 1, 1] }]);
    expect(a.targets).toEqual([1, 0, 1]);
    // The default target is each clean input's predicted class, shared by its copies.
    calls.length = 0;
    const predicted = await nt.attribute(cnn, xs, { ntSamples: 2, stdevs: 5 });
    expect((calls[0].target as number[]).length).toBe(6);
    expect(calls[0].target).toEqual(predicted.targets!.flatMap((t) => [t, t]));
  });

  it('wraps integrated gradients too, with a per-input baseline following its input', async () => {
    const b = randomTensor([3, 2, 3, 3], 44, -1, 1);
    const nt = noiseTunnel(integratedGradients, 'smoothgrad', 'ig-smoothgrad', '');
    const a = await nt.attribute(linear, xl, { target: 2, stdevs: 0, baseline: b, steps: 4 });
    const ig = await integratedGradients.attribute(linear, xl, { target: 2, baseline: b, steps: 4 });
    expect(maxAbsDiff(a.values.data, ig.values.data)).toBeLessThan(1e-6);
  });
});
