/**
 * SP-LIME's submodular pick (Ribeiro, Singh & Guestrin 2016, Algorithm 2): from an explanation
 * matrix W [n explanations, d interpretable features] choose B explanations that together cover
 * the globally important features. Global importance of feature j is I_j = √(Σ_i |W_ij|); the
 * coverage of a set V is c(V) = Σ_j I_j · [∃ i ∈ V: W_ij ≠ 0]; the greedy pick adds, B times, the
 * explanation with the largest coverage gain (ties: the lower index). Coverage is monotone
 * submodular, so the greedy set is within 1 − 1/e of the best set of size B (Nemhauser et al. 1978).
 *
 * Coverage only means something for sparse explanations (a dense row covers every feature at
 * once): as in the paper, where LIME explains with K features, each row keeps its K largest |W_ij|
 * when `featuresPerExplanation` is given.
 */

export interface SubmodularPickOptions {
  /** Keep each explanation's K largest-magnitude features (default: keep all non-zeros). */
  readonly featuresPerExplanation?: number;
}

export interface SubmodularPick {
  /** Indices of the chosen explanations, in pick order. */
  readonly picked: readonly number[];
  /** Global importance I_j per feature. */
  readonly importance: readonly number[];
  /** Coverage after each pick (non-decreasing). */
  readonly coverage: readonly number[];
  /** Σ_j I_j: the coverage of all n explanations' features at most. */
  readonly totalImportance: number;
}

/** Row i's kept features (K largest |W_ij|, ties to the lower index), as a 0/1 mask over d. */
export function sparsify(w: ArrayLike<number>, n: number, d: number, k?: number): Uint8Array {
  const mask = new Uint8Array(n * d);
  for (let i = 0; i < n; i++) {
    const order = Array.from({ length: d }, (_, j) => j).filter((j) => w[i * d + j] !== 0);
    order.sort((a, b) => Math.abs(w[i * d + b]) - Math.abs(w[i * d + a]) || a - b);
    for (const j of k === undefined ? order : order.slice(0, k)) mask[i * d + j] = 1;
  }
  return mask;
}

/** c(V) for a 0/1 feature mask [n, d] and importances. */
export function coverage(mask: Uint8Array, d: number, importance: readonly number[], set: readonly number[]): number {
  let c = 0;
  for (let j = 0; j < d; j++) if (set.some((i) => mask[i * d + j] === 1)) c += importance[j];
  return c;
}

export function submodularPick(w: ArrayLike<number>, n: number, d: number, budget: number, options: SubmodularPickOptions = {}): SubmodularPick {
  if (w.length !== n * d) throw new Error(`SP-LIME: the explanation matrix has ${w.length} values, not ${n}×${d}`);
  if (!Number.isInteger(budget) || budget < 1) throw new Error(`SP-LIME: the budget must be a positive integer (got ${budget})`);
  const k = options.featuresPerExplanation;
  if (k !== undefined && !(Number.isInteger(k) && k >= 1)) throw new Error(`SP-LIME: featuresPerExplanation must be a positive integer (got ${k})`);
  const mask = sparsify(w, n, d, k);
  // Importance from the explanations as given (the paper's I_j = √Σ_i |W_ij|) over the kept features.
  const importance = Array.from({ length: d }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) if (mask[i * d + j]) s += Math.abs(w[i * d + j]);
    return Math.sqrt(s);
  });
  const covered = new Uint8Array(d);
  const picked: number[] = [];
  const curve: number[] = [];
  let current = 0;
  for (let b = 0; b < Math.min(budget, n); b++) {
    let best = -1;
    let bestGain = -1;
    for (let i = 0; i < n; i++) {
      if (picked.includes(i)) continue;
      let gain = 0;
      for (let j = 0; j < d; j++) if (mask[i * d + j] && !covered[j]) gain += importance[j];
      if (gain > bestGain) {
        best = i;
        bestGain = gain;
      }
    }
    picked.push(best);
    for (let j = 0; j < d; j++) if (mask[best * d + j]) covered[j] = 1;
    current += bestGain;
    curve.push(current);
  }
  return { picked, importance, coverage: curve, totalImportance: importance.reduce((a, b) => a + b, 0) };
}
