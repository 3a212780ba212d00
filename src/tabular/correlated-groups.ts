/**
 * Which descriptors move together? Pearson correlation between the columns of a table, and the
 * groups of columns linked by |ρ| ≥ a threshold (connected components: if a~b and b~c, then a, b
 * and c form one group even when |ρ(a, c)| is below the threshold — credit can leak along the chain).
 * Correlated columns split importance between them: a model (or surrogate) that needs "a or b" loses
 * little when either is shuffled alone, so neither looks important; their group does.
 */
import type { Tensor } from '../tensor/tensor.js';
import { checkTable, column } from './table.js';

export const CORRELATION_THRESHOLD = 0.8;

/** Pearson ρ of every pair of columns [f, f] (row-major); a constant column correlates 0 with everything, 1 with itself. */
export function correlationMatrix(x: Tensor): Float64Array {
  checkTable(x, 'table');
  const [n, f] = x.shape;
  const centred = Array.from({ length: f }, (_, j) => {
    const c = column(x, j);
    const mean = c.reduce((a, b) => a + b, 0) / n;
    return c.map((v) => v - mean);
  });
  const norms = centred.map((c) => Math.sqrt(c.reduce((a, b) => a + b * b, 0)));
  const r = new Float64Array(f * f);
  for (let a = 0; a < f; a++) {
    r[a * f + a] = 1;
    for (let b = a + 1; b < f; b++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += centred[a][i] * centred[b][i];
      const rho = norms[a] > 0 && norms[b] > 0 ? Math.max(-1, Math.min(1, dot / (norms[a] * norms[b]))) : 0;
      r[a * f + b] = r[b * f + a] = rho;
    }
  }
  return r;
}

export interface CorrelatedPair {
  readonly a: number;
  readonly b: number;
  readonly rho: number;
}

export interface CorrelatedGroups {
  /** Every column in exactly one group (singletons included), groups ordered by their first column. */
  readonly groups: number[][];
  /** Pairs with |ρ| ≥ threshold, strongest first. */
  readonly pairs: CorrelatedPair[];
  readonly threshold: number;
}

/** Groups of columns linked by |ρ| ≥ threshold (single linkage). */
export function correlatedGroups(x: Tensor, threshold = CORRELATION_THRESHOLD): CorrelatedGroups {
  if (!(threshold > 0 && threshold <= 1)) throw new Error(`correlation threshold must be in (0, 1] (got ${threshold})`);
  const f = x.shape[1];
  const r = correlationMatrix(x);
  const parent = Array.from({ length: f }, (_, j) => j);
  const root = (j: number): number => (parent[j] === j ? j : (parent[j] = root(parent[j])));
  const pairs: CorrelatedPair[] = [];
  for (let a = 0; a < f; a++)
    for (let b = a + 1; b < f; b++) {
      const rho = r[a * f + b];
      if (Math.abs(rho) < threshold) continue;
      pairs.push({ a, b, rho });
      parent[root(b)] = root(a);
    }
  const byRoot = new Map<number, number[]>();
  for (let j = 0; j < f; j++) {
    const g = byRoot.get(root(j));
    if (g) g.push(j);
    else byRoot.set(root(j), [j]);
  }
  pairs.sort((p, q) => Math.abs(q.rho) - Math.abs(p.rho));
  return { groups: [...byRoot.values()].sort((g, h) => g[0] - h[0]), pairs, threshold };
}
