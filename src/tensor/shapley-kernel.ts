/**
 * The Shapley kernel and Captum's coalition sampling, shared by image KernelSHAP (attribution/) and
 * interventional Shapley values of tables (tabular/): both draw coalitions the same way, so the
 * sampler sits at the bottom tier beside the seeded Random it draws from.
 */
import type { Random } from './random.js';

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Shapley kernel weight of one coalition of size k among m features (0 < k < m). */
export function shapleyKernel(m: number, k: number): number {
  return (m - 1) / (binomial(m, k) * k * (m - k));
}

/**
 * Sampled coalitions by Captum's scheme: all-present, all-absent, then sizes k ∈ {1, …, m−1} drawn
 * with probability ∝ (m − 1) / (k (m − k)) and k features chosen uniformly (a partial Fisher–Yates
 * shuffle). Since there are C(m, k) coalitions of size k, a coalition's sampling frequency is the
 * Shapley kernel, so every sampled row has weight 1.
 */
export function sampleCoalitions(m: number, samples: number, rng: Random): Uint8Array[] {
  const rows: Uint8Array[] = [new Uint8Array(m).fill(1), new Uint8Array(m)];
  if (m < 2) return rows;
  const cdf: number[] = [];
  let acc = 0;
  for (let k = 1; k < m; k++) cdf.push((acc += (m - 1) / (k * (m - k))));
  const order = Array.from({ length: m }, (_, i) => i);
  while (rows.length < samples) {
    const u = rng.next() * acc;
    let k = 1;
    while (k < m - 1 && cdf[k - 1] <= u) k++;
    const z = new Uint8Array(m);
    for (let i = 0; i < k; i++) {
      const j = rng.int(i, m);
      [order[i], order[j]] = [order[j], order[i]];
      z[order[i]] = 1;
    }
    rows.push(z);
  }
  return rows;
}

/** All 2^m coalitions, coalition c having feature j present when bit j of c is set. */
export function allCoalitions(m: number): Uint8Array[] {
  return Array.from({ length: 2 ** m }, (_, c) => Uint8Array.from({ length: m }, (_, j) => (c >> j) & 1));
}
