/**
 * Interventional Shapley values of a tabular model (the definition of SHAP's KernelExplainer and
 * of "interventional" TreeSHAP): the value of a coalition S for row x is
 *     v(S) = mean over background rows b of f_T(x_S, b_S̄)
 * (features in S from x, the others from b; f_T the model's output column T). Shapley's formula
 *     φ_j = Σ_{S ⊆ F∖{j}} |S|! (F − |S| − 1)! / F! · (v(S ∪ {j}) − v(S))
 * gives efficiency Σ_j φ_j = v(F) − v(∅) = f_T(x) − mean_b f_T(b).
 *
 *  - exact (default for F ≤ 12): all 2^F coalitions × all background rows are evaluated, streamed
 *    into model.forward calls of up to `maxRowsPerCall` rows (2^18 by default), so a 12-feature
 *    model with 64 background rows costs one or two calls per explained row;
 *  - KernelSHAP (default for F > 12, or when `samples` is given): coalitions drawn by Captum's
 *    scheme (sampleCoalitions: sizes ∝ the Shapley kernel, so each sampled row has weight 1), and a
 *    least-squares fit with the two end points imposed exactly (φ₀ = v(∅), Σφ = v(F) − v(∅)) by
 *    eliminating the last coefficient, so efficiency holds to rounding whatever the sample size.
 *    The default sample count is SHAP's nsamples default, 2F + 2048.
 *
 * The target defaults to column 0 for one-output models and to each row's predicted class otherwise.
 *
 * Grouped Shapley values (`groups`): the players are groups of columns — a coalition of groups
 * takes all of their columns from x — so φ has one value per group, and efficiency still holds.
 * Correlated columns share (and split) credit under the per-column game; as one player they get it whole.
 */
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { sampleCoalitions } from '../tensor/shapley-kernel.js';
import { weightedRidge } from '../tensor/linalg.js';
import type { TabularModel } from './table.js';
import { checkOutput, checkTable } from './table.js';

export const MAX_EXACT_FEATURES = 12;

export interface ShapleyOptions {
  /** Output column: one for all rows or one per row (default: 0 for one output, else the predicted class). */
  target?: number | readonly number[];
  /** Enumerate all coalitions (default: true when F ≤ 12 and `samples` is not given). */
  exact?: boolean;
  /** KernelSHAP coalitions per row, the two end points included (default 2F + 2048). */
  samples?: number;
  seed?: number;
  maxRowsPerCall?: number;
  onProgress?: (fraction: number) => void;
  /** Column groups as players (each a list of column indices, together covering every column once); default: each column alone. */
  groups?: readonly (readonly number[])[];
}

export interface ShapleyResult {
  /** φ [N, F], or [N, groups] with `groups`. */
  phi: Tensor;
  /** mean_b f_T(b) per row (the same for rows sharing a target). */
  expectedValue: Float64Array;
  /** f_T(x) per row. */
  output: Float64Array;
  targets: number[];
  exact: boolean;
  /** Coalitions evaluated per row. */
  coalitions: number;
}

function factorial(n: number): number {
  let r = 1;
  for (let i = 2; i <= n; i++) r *= i;
  return r;
}

/** Shapley weights |S|!(F − |S| − 1)!/F! by coalition size. */
function shapleyWeights(f: number): Float64Array {
  return Float64Array.from({ length: f }, (_, s) => (factorial(s) * factorial(f - s - 1)) / factorial(f));
}

/** Exact Shapley values from v over all 2^F coalitions (coalition c has feature j when bit j is set). */
export function shapleyFromValues(v: ArrayLike<number>, f: number): Float64Array {
  if (v.length !== 2 ** f) throw new Error(`shapleyFromValues: need 2^${f} coalition values (got ${v.length})`);
  const w = shapleyWeights(f);
  const phi = new Float64Array(f);
  for (let c = 0; c < v.length; c++) {
    let size = 0;
    for (let j = 0; j < f; j++) size += (c >> j) & 1;
    for (let j = 0; j < f; j++) if (!((c >> j) & 1)) phi[j] += w[size] * (v[c | (1 << j)] - v[c]);
  }
  return phi;
}

async function resolveTargets(model: TabularModel, x: Tensor, target: ShapleyOptions['target']): Promise<{ targets: number[]; fx: Tensor }> {
  const n = x.shape[0];
  const fx = await model.forward(x);
  const k = checkOutput(fx, n);
  let targets: number[];
  if (target === undefined) targets = k === 1 ? new Array<number>(n).fill(0) : argmaxRows(fx);
  else if (typeof target === 'number') targets = new Array<number>(n).fill(target);
  else {
    if (target.length !== n) throw new Error(`${target.length} targets for ${n} rows; give one target, or one per row`);
    targets = [...target];
  }
  targets.forEach((t) => {
    if (!Number.isInteger(t) || t < 0 || t >= k) throw new Error(`target ${t} is not an output column of the model (0..${k - 1})`);
  });
  return { targets, fx };
}

/**
 * v(S) for every row i and every coalition in `coalitions[i]`, each the mean over the background.
 * Rows (i, coalition, background row) are streamed into forward calls of at most maxRows rows.
 */
async function coalitionValues(
  model: TabularModel,
  x: Tensor,
  background: Tensor,
  coalitions: readonly (readonly Uint8Array[])[],
  targets: readonly number[],
  maxRows: number,
  onProgress?: (fraction: number) => void,
): Promise<Float64Array[]> {
  const [n, f] = x.shape;
  const b = background.shape[0];
  const values = coalitions.map((c) => new Float64Array(c.length));
  const total = coalitions.reduce((a, c) => a + c.length * b, 0);
  const chunk = Math.max(b, Math.min(maxRows, total));
  let buffer = new Float32Array(chunk * f);
  let owners: [number, number][] = []; // (row, coalition) of each block of b rows in the buffer
  let filled = 0;
  let done = 0;
  const flush = async () => {
    if (filled === 0) return;
    const out = await model.forward(tensor([filled, f], buffer.subarray(0, filled * f)));
    const k = checkOutput(out, filled);
    owners.forEach(([i, s], blockIndex) => {
      let sum = 0;
      for (let r = 0; r < b; r++) sum += out.data[(blockIndex * b + r) * k + targets[i]];
      values[i][s] = sum / b;
    });
    done += filled;
    onProgress?.(done / total);
    buffer = new Float32Array(chunk * f);
    owners = [];
    filled = 0;
  };
  for (let i = 0; i < n; i++) {
    const xi = x.data.subarray(i * f, (i + 1) * f);
    for (let s = 0; s < coalitions[i].length; s++) {
      if (filled + b > chunk) await flush();
      const z = coalitions[i][s];
      for (let r = 0; r < b; r++) {
        const dst = (filled + r) * f;
        for (let j = 0; j < f; j++) buffer[dst + j] = z[j] ? xi[j] : background.data[r * f + j];
      }
      owners.push([i, s]);
      filled += b;
    }
  }
  await flush();
  return values;
}

/** Least squares on sampled coalitions (unit weights) with φ₀ = v(∅) and Σφ = v(F) − v(∅) imposed. */
function constrainedKernelFit(rows: readonly Uint8Array[], v: Float64Array, f: number, v0: number, vAll: number): Float64Array {
  const delta = vAll - v0;
  if (f === 1) return Float64Array.of(delta);
  const xs: Float64Array[] = [];
  const ys: number[] = [];
  for (let s = 0; s < rows.length; s++) {
    const z = rows[s];
    let k = 0;
    for (const bit of z) k += bit;
    if (k === 0 || k === f) continue;
    const last = z[f - 1];
    xs.push(Float64Array.from({ length: f - 1 }, (_, j) => z[j] - last));
    ys.push(v[s] - v0 - last * delta);
  }
  const phi = new Float64Array(f);
  if (xs.length > 0) phi.set(weightedRidge(xs, ys, new Float64Array(xs.length).fill(1), f - 1, 1e-9, false).coef);
  phi[f - 1] = delta - phi.reduce((a, c, j) => (j < f - 1 ? a + c : a), 0);
  return phi;
}

export async function shapleyValues(model: TabularModel, x: Tensor, background: Tensor, options: ShapleyOptions = {}): Promise<ShapleyResult> {
  checkTable(x, 'input');
  const [n, f] = x.shape;
  checkTable(background, 'background', f);
  if (background.shape[0] < 1) throw new Error('background has no rows; give at least one background row (a sample of typical data)');
  if (f < 1) throw new Error('input has no columns; give a table with at least one feature');
  const groups = options.groups ? checkGroups(options.groups, f) : undefined;
  // The game's players: the columns, or the groups (a coalition of groups is expanded to their columns for the model).
  const players = groups ? groups.length : f;
  const exact = options.exact ?? (options.samples === undefined && players <= MAX_EXACT_FEATURES);
  if (exact && players > MAX_EXACT_FEATURES) throw new Error(`exact Shapley values need ≤ ${MAX_EXACT_FEATURES} ${groups ? 'groups' : 'features'} (got ${players}); use sampling (KernelSHAP) instead`);
  const samples = options.samples ?? 2 * players + 2048;
  if (!exact && (!Number.isInteger(samples) || samples < 2)) throw new Error(`samples must be an integer ≥ 2 (got ${samples})`);
  const maxRows = options.maxRowsPerCall ?? 1 << 18;
  const { targets, fx } = await resolveTargets(model, x, options.target);
  const columns = (z: Uint8Array): Uint8Array => {
    if (!groups) return z;
    const out = new Uint8Array(f);
    groups.forEach((g, p) => {
      if (z[p]) for (const j of g) out[j] = 1;
    });
    return out;
  };

  const rng = new Random(options.seed ?? 0);
  let coalitions: Uint8Array[][];
  if (exact) {
    const all = Array.from({ length: 2 ** players }, (_, c) => Uint8Array.from({ length: players }, (_, j) => (c >> j) & 1));
    coalitions = Array.from({ length: n }, () => all);
  } else {
    coalitions = Array.from({ length: n }, () => sampleCoalitions(players, samples, rng));
  }
  const columnCoalitions = groups ? coalitions.map((c) => c.map(columns)) : coalitions;
  const values = await coalitionValues(model, x, background, columnCoalitions, targets, maxRows, options.onProgress);

  const k = fx.shape[1];
  const phi = new Float32Array(n * players);
  const expectedValue = new Float64Array(n);
  const output = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    // sampleCoalitions puts all-present first and all-absent second; enumeration has ∅ at 0 and F at 2^F − 1.
    const [vAll, v0] = exact ? [v[v.length - 1], v[0]] : [v[0], v[1]];
    const p = exact ? shapleyFromValues(v, players) : constrainedKernelFit(coalitions[i], v, players, v0, vAll);
    phi.set(p, i * players);
    expectedValue[i] = v0;
    output[i] = fx.data[i * k + targets[i]];
  }
  return { phi: tensor([n, players], phi), expectedValue, output, targets, exact, coalitions: coalitions[0]?.length ?? 0 };
}

/** Groups must cover every column exactly once (a column in two groups would be counted twice by efficiency). */
function checkGroups(groups: readonly (readonly number[])[], f: number): readonly (readonly number[])[] {
  const seen = new Array<number>(f).fill(0);
  for (const g of groups) {
    if (g.length === 0) throw new Error('a Shapley column group is empty; every group needs at least one column');
    for (const j of g) {
      if (!Number.isInteger(j) || j < 0 || j >= f) throw new Error(`a Shapley column group names column ${j}, outside 0..${f - 1}`);
      seen[j]++;
    }
  }
  const bad = seen.findIndex((c) => c !== 1);
  if (bad >= 0) throw new Error(`column ${bad} is in ${seen[bad]} Shapley groups; the groups must cover every column exactly once`);
  return groups;
}

/** Global view: mean |φ_j| over the explained rows. */
export function meanAbsoluteShapley(phi: Tensor): number[] {
  const [n, f] = phi.shape;
  const out = new Array<number>(f).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) out[j] += Math.abs(phi.data[i * f + j]) / n;
  return out;
}
