/**
 * Noise tunnel with Captum's semantics (`NoiseTunnel`): each input gets ntSamples copies with
 * Gaussian noise N(0, σ²) added, the wrapped method explains every copy, and the copies' maps are
 * combined per pixel:
 *   smoothgrad    (Smilkov et al. 2017)  mean_s a_s
 *   smoothgrad_sq                         mean_s a_s²
 *   vargrad       (Adebayo et al. 2018)  mean_s a_s² − (mean_s a_s)²
 * Defaults as Captum: 5 samples, σ = 1.0 (absolute, in input units). `noiseFraction` instead sets
 * σ = fraction × (max − min) of each input, the paper's noise level. Noise is drawn from the seeded
 * Random (options.seed, default 0) in Captum's order: input-major, sample, then pixel.
 *
 * Wrapped around saliency the maps are |grad| per sample (Captum's Saliency takes abs), so
 * SmoothGrad here is the mean absolute gradient. The predicted-class default target is the clean
 * input's prediction, used for all of its noisy copies.
 */
import type { Tensor } from '../tensor/tensor.js';
import { sizeOf, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Explainer, ExplainOptions } from './explainer.js';
import { declareOptions, resolveTarget } from './explainer.js';
import { inputsPerBatch } from './common/batching.js';
import { targetRows } from './common/target.js';
import { saliency } from './saliency.js';
import type { SaliencyOptions } from './saliency.js';

export type NoiseTunnelType = 'smoothgrad' | 'smoothgrad_sq' | 'vargrad';

export interface NoiseTunnelOptions extends ExplainOptions {
  /** Noisy copies per input (Captum's nt_samples, default 5). */
  ntSamples?: number;
  /** Standard deviation of the noise in input units (Captum's stdevs, default 1.0). */
  stdevs?: number;
  /** Alternative to stdevs: σ = fraction × (max − min) of each input. */
  noiseFraction?: number;
}

/**
 * The tunnel's own options. σ has no declared default: the method applies Captum's 1.0 only when
 * neither stdevs nor noiseFraction is given, so declaring it would make the two collide.
 */
export const NOISE_TUNNEL_OPTIONS = declareOptions<NoiseTunnelOptions>([
  { key: 'ntSamples', flag: '--nt-samples', kind: 'integer', min: 1, default: 5, help: "noisy copies per image (Captum's nt_samples)" },
  { key: 'stdevs', flag: '--stdevs', kind: 'number', min: 0, placeholder: '<sigma>', help: "noise standard deviation in input units (default: 1.0, Captum's, unless --noise-fraction)" },
  { key: 'noiseFraction', flag: '--noise-fraction', kind: 'number', min: 0, placeholder: '<f>', help: 'instead of --stdevs, σ = f × (max − min) of each image (SmoothGrad paper: 0.1–0.2)' },
]);

function repeatRows(data: Float32Array, rows: readonly number[], rowSize: number, times: number): Float32Array {
  const out = new Float32Array(rows.length * times * rowSize);
  rows.forEach((r, k) => {
    const src = data.subarray(r * rowSize, (r + 1) * rowSize);
    for (let s = 0; s < times; s++) out.set(src, (k * times + s) * rowSize);
  });
  return out;
}

/**
 * Writes each image's combination of its copies' maps into out. The copies of an image are read
 * row by row (contiguous) into float64 running sums per pixel, adding the samples in order, so the
 * sums are the same numbers as a per-pixel loop over samples, without striding over S rows per pixel.
 */
function combineCopies(maps: Float32Array, images: readonly number[], samples: number, d: number, ntType: NoiseTunnelType, out: Float32Array): void {
  const sum = new Float64Array(d);
  const sq = new Float64Array(d);
  images.forEach((i, r) => {
    sum.fill(0);
    sq.fill(0);
    for (let s = 0; s < samples; s++) {
      const row = (r * samples + s) * d;
      for (let j = 0; j < d; j++) {
        const a = maps[row + j];
        sum[j] += a;
        sq[j] += a * a;
      }
    }
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const m = sum[j] / samples;
      const m2 = sq[j] / samples;
      out[o + j] = ntType === 'smoothgrad' ? m : ntType === 'smoothgrad_sq' ? m2 : m2 - m * m;
    }
  });
}

/** Wraps a method whose options are O in a noise tunnel of the given type. */
export function noiseTunnel<O extends ExplainOptions>(base: Explainer<O>, ntType: NoiseTunnelType, name: string, description: string): Explainer<O & NoiseTunnelOptions> {
  return {
    name,
    description,
    // The wrapped method's options pass through to it (saliency's --signed).
    options: [...base.options, ...NOISE_TUNNEL_OPTIONS],
    output: base.output,
    needs: base.needs,
    usesTarget: base.usesTarget,
    usesSeed: true,
    async attribute(model, inputs, options = {} as O & NoiseTunnelOptions) {
      const { ntSamples = 5, stdevs, noiseFraction, ...rest } = options;
      const samples = ntSamples;
      if (!Number.isInteger(samples) || samples < 1) throw new Error(`${name}: ntSamples must be an integer ≥ 1 (got ${samples})`);
      if (stdevs !== undefined && noiseFraction !== undefined) throw new Error(`${name}: give stdevs or noiseFraction, not both`);
      if (stdevs !== undefined && !(Number.isFinite(stdevs) && stdevs >= 0)) throw new Error(`${name}: stdevs must be a number ≥ 0 (got ${stdevs})`);
      if (noiseFraction !== undefined && !(Number.isFinite(noiseFraction) && noiseFraction >= 0)) throw new Error(`${name}: noiseFraction must be a number ≥ 0 (got ${noiseFraction})`);

      const n = inputs.shape[0];
      const tail = inputs.shape.slice(1);
      const d = sizeOf(tail);
      const { cotangent, classes } = await resolveTarget(model, inputs, options.target);
      const sigma = Array.from({ length: n }, (_, i) => {
        if (noiseFraction === undefined) return stdevs ?? 1.0;
        let lo = Infinity;
        let hi = -Infinity;
        for (let j = i * d; j < (i + 1) * d; j++) {
          lo = Math.min(lo, inputs.data[j]);
          hi = Math.max(hi, inputs.data[j]);
        }
        return noiseFraction * (hi - lo);
      });
      const rng = new Random(options.seed ?? 0);
      const combined = new Float32Array(n * d);
      const group = inputsPerBatch(samples, d);
      for (let g0 = 0; g0 < n; g0 += group) {
        const images = Array.from({ length: Math.min(group, n - g0) }, (_, r) => g0 + r);
        // Row r·samples + s is sample s of image g0 + r (Captum's repeat_interleave order), written
        // as x + noise in one pass (no copies of x first).
        const noisy = new Float32Array(images.length * samples * d);
        images.forEach((i, r) => {
          rng.normalAround(noisy, r * samples * d, (r + 1) * samples * d, sigma[i], inputs.data, i * d, d);
        });
        const target = targetRows({ cotangent, classes }, images.length * samples, (row) => images[Math.floor(row / samples)]);
        const baseOptions = { ...rest, target } as unknown as O & { baseline?: unknown };
        // A baseline per input follows its input into every noisy copy (Captum expands it the same way).
        const bl = baseOptions.baseline as Tensor | number | undefined;
        if (bl !== undefined && typeof bl !== 'number' && bl.shape.length === inputs.shape.length && bl.shape[0] === n && n > 1) {
          baseOptions.baseline = tensor([images.length * samples, ...tail], repeatRows(bl.data, images, d, samples));
        }
        const { values } = await base.attribute(model, tensor([images.length * samples, ...tail], noisy), baseOptions);
        combineCopies(values.data, images, samples, d, ntType, combined);
      }
      return { method: name, values: tensor(inputs.shape, combined), targets: classes, extras: { ntType, ntSamples: samples, stdevs: sigma } };
    },
  };
}

const defaults = '5 samples, stdevs 1.0 absolute or noiseFraction × (max − min)';
export const smoothGrad = noiseTunnel<SaliencyOptions>(saliency, 'smoothgrad', 'smoothgrad', `SmoothGrad: mean of saliency |grad| over noisy copies (${defaults}, as Captum's NoiseTunnel)`);
export const smoothGradSq = noiseTunnel<SaliencyOptions>(saliency, 'smoothgrad_sq', 'smoothgrad-sq', `SmoothGrad²: mean of squared saliency over noisy copies (${defaults})`);
export const varGrad = noiseTunnel<SaliencyOptions>(saliency, 'vargrad', 'vargrad', `VarGrad: variance of saliency over noisy copies (${defaults})`);
