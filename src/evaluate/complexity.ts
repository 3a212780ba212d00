/**
 * How concentrated an explanation is, on the per-pixel magnitude map |a| (channels summed):
 * - sparseness (Chalasani et al. 2020): the Gini index of |a|, Σᵢ (2i − n − 1)·x₍ᵢ₎ / (n·Σx) with
 *   x₍ᵢ₎ sorted ascending; 0 when every pixel matters equally, (n − 1)/n when one pixel holds it all;
 * - complexity (Bhatt et al. 2020): the Shannon entropy (natural log) of the fractions |aᵢ|/Σ|a|;
 *   0 for one pixel, ln n for a uniform map;
 * - effective complexity (Nguyen & Martínez 2020): how many pixels have |a| > ε·max|a|; the map is
 *   scaled to max 1 first (Quantus's default normalise=True, ε = 1e-5), so units do not matter.
 * An all-zero map has no distribution: its sparseness and complexity are null.
 */
import type { Tensor } from '../tensor/tensor.js';
import { meanOf, pixelMaps } from './maps.js';
import type { MetricScores } from './localisation.js';

export function gini(values: ArrayLike<number>): number | null {
  const x = Float64Array.from(values, Math.abs).sort();
  const n = x.length;
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += x[i];
    weighted += (2 * (i + 1) - n - 1) * x[i];
  }
  return total > 0 ? weighted / (n * total) : null;
}

export function entropyOfFractions(values: ArrayLike<number>): number | null {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += Math.abs(values[i]);
  if (!(total > 0)) return null;
  let h = 0;
  for (let i = 0; i < values.length; i++) {
    const p = Math.abs(values[i]) / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}

export function effectiveCount(values: ArrayLike<number>, epsilon = 1e-5): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  if (max === 0) return 0;
  let k = 0;
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i]) / max > epsilon) k++;
  return k;
}

export interface ComplexityOptions {
  /** Relative threshold of effective complexity (1e-5). */
  epsilon?: number;
}

export interface ComplexityResult {
  images: number;
  /** Pixels per map (for reading entropy against ln n and counts against n). */
  pixels: number;
  sparseness: MetricScores;
  complexity: MetricScores;
  effectiveComplexity: MetricScores & { epsilon: number };
}

export function complexity(attributions: Tensor, options: ComplexityOptions = {}): ComplexityResult {
  const epsilon = options.epsilon ?? 1e-5;
  if (!(epsilon >= 0)) throw new Error(`complexity: epsilon must be ≥ 0 (got ${epsilon})`);
  const { maps, height, width } = pixelMaps(attributions, 'magnitude');
  const sparse = maps.map((m) => gini(m));
  const entropy = maps.map((m) => entropyOfFractions(m));
  const effective = maps.map((m) => effectiveCount(m, epsilon));
  return {
    images: maps.length,
    pixels: height * width,
    sparseness: { mean: meanOf(sparse), perImage: sparse },
    complexity: { mean: meanOf(entropy), perImage: entropy },
    effectiveComplexity: { mean: meanOf(effective), perImage: effective, epsilon },
  };
}
