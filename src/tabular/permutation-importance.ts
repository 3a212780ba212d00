/**
 * Permutation importance with scikit-learn's semantics (sklearn.inspection.permutation_importance):
 * for each feature j and each repeat r, the rows of column j are shuffled (one seeded permutation
 * per repeat and column) and the importance is
 *     baseline score − score with column j shuffled,
 * reported per repeat, as the mean over repeats and as the population standard deviation (numpy's
 * std, ddof = 0). Scores, as scikit-learn's scorers:
 *  - accuracy: share of rows whose predicted class equals the label (argmax of the output, or
 *    output > 0.5 when it has one column);
 *  - r2: 1 − Σ(y − ŷ)² / Σ(y − ȳ)², averaged uniformly over output columns (a constant target
 *    scores 1 when predicted exactly, else 0, as force_finite does);
 *  - neg-mse: −mean((y − ŷ)²) over all rows and outputs.
 * As in scikit-learn, every column sees the same sequence of row permutations (the generator restarts
 * from the seed for each column), so differences between features are not differences in the draws;
 * the draws themselves come from trustscope's Random, not numpy's, so numbers match scikit-learn's
 * in distribution, not digit for digit.
 * A model that never reads column j gets exactly 0 for it: the shuffled table gives the same outputs.
 * All repeats of one column go to model.forward as one batch (the model splits it into chunks).
 *
 * Grouped importance (`groups`): the columns of a group are shuffled together, by the same row
 * permutation, so correlated columns keep their relation and the group's importance is what the
 * model loses without all of them. Two duplicated columns each look half as important alone as the
 * pair does (the model can read the other copy); grouped, the pair gets the full importance.
 */
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { TabularModel } from './table.js';
import { checkOutput, checkTable, featureNames, predictedClasses } from './table.js';

export type Scoring = 'accuracy' | 'r2' | 'neg-mse';
export const SCORINGS: readonly Scoring[] = ['accuracy', 'r2', 'neg-mse'];

export interface PermutationImportanceOptions {
  scoring?: Scoring;
  /** Shuffles per feature (default 5, scikit-learn's n_repeats; the CLI defaults to 50). */
  repeats?: number;
  seed?: number;
  names?: readonly string[];
  /** Column groups shuffled together (each a list of column indices); default: each column alone. Named 'a+b'. */
  groups?: readonly (readonly number[])[];
  /** Rows per model.forward call are bounded by the model; this bounds rows built at once (default 2^18). */
  maxRowsPerCall?: number;
  onProgress?: (fraction: number) => void;
}

export interface PermutationImportance {
  features: string[];
  mean: number[];
  std: number[];
  baselineScore: number;
  /** importances[j][r]: the score drop of feature j in repeat r. */
  importances: number[][];
  scoring: Scoring;
}

/** The score of model outputs [N, K] against targets (labels [N], or [N] / [N, K] regression targets). */
export function score(output: Tensor, targets: ArrayLike<number>, scoring: Scoring): number {
  const [n, k] = output.shape;
  if (scoring === 'accuracy') {
    const pred = predictedClasses(output);
    let right = 0;
    for (let i = 0; i < n; i++) if (pred[i] === targets[i]) right++;
    return right / n;
  }
  let total = 0;
  for (let c = 0; c < k; c++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += targets[i * k + c] / n;
    let res = 0;
    let tot = 0;
    for (let i = 0; i < n; i++) {
      const y = targets[i * k + c];
      res += (y - output.data[i * k + c]) ** 2;
      tot += (y - mean) ** 2;
    }
    if (scoring === 'neg-mse') total -= res / (n * k);
    else total += (tot > 0 ? 1 - res / tot : res === 0 ? 1 : 0) / k;
  }
  return total;
}

function checkTargets(targets: ArrayLike<number>, rows: number, outputs: number, scoring: Scoring): void {
  const want = scoring === 'accuracy' ? rows : rows * outputs;
  if (targets.length !== want) {
    throw new Error(
      scoring === 'accuracy'
        ? `${targets.length} labels for ${rows} rows; give one class label per row`
        : `${targets.length} targets for ${rows} rows × ${outputs} model outputs; give [N] targets for a one-output model or [N, K] for K outputs`,
    );
  }
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    if (!Number.isFinite(t) || (scoring === 'accuracy' && !Number.isInteger(t))) {
      throw new Error(`target ${t} at index ${i} is not ${scoring === 'accuracy' ? 'an integer class label' : 'a finite number'}; ${scoring === 'accuracy' ? "use --scoring r2 or neg-mse for regression" : 'clean the targets'}`);
    }
  }
}

export async function permutationImportance(
  model: TabularModel,
  x: Tensor,
  targets: ArrayLike<number>,
  options: PermutationImportanceOptions = {},
): Promise<PermutationImportance> {
  checkTable(x, 'input');
  const [n, f] = x.shape;
  if (n < 2) throw new Error(`permutation importance needs at least 2 rows to shuffle (got ${n})`);
  const scoring = options.scoring ?? 'accuracy';
  if (!SCORINGS.includes(scoring)) throw new Error(`scoring must be one of ${SCORINGS.join(', ')} (got '${String(scoring)}')`);
  const repeats = options.repeats ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`repeats must be an integer ≥ 1 (got ${repeats})`);
  const names = featureNames(f, options.names);
  const groups = options.groups ?? names.map((_, j) => [j]);
  for (const g of groups) {
    if (g.length === 0 || g.some((j) => !Number.isInteger(j) || j < 0 || j >= f)) throw new Error(`a column group [${g.join(', ')}] is empty or names a column outside 0..${f - 1}`);
  }
  const features = options.groups ? groups.map((g) => g.map((j) => names[j]).join('+')) : names;

  const intact = await model.forward(x);
  const outputs = checkOutput(intact, n);
  checkTargets(targets, n, outputs, scoring);
  const baselineScore = score(intact, targets, scoring);

  const repeatsPerCall = Math.max(1, Math.min(repeats, Math.floor((options.maxRowsPerCall ?? 1 << 18) / n)));
  const importances: number[][] = [];
  for (const [gi, group] of groups.entries()) {
    const drops: number[] = [];
    const rng = new Random(options.seed ?? 0);
    for (let r0 = 0; r0 < repeats; r0 += repeatsPerCall) {
      const count = Math.min(repeatsPerCall, repeats - r0);
      const data = new Float32Array(count * n * f);
      for (let r = 0; r < count; r++) {
        const block = data.subarray(r * n * f, (r + 1) * n * f);
        block.set(x.data);
        const perm = rng.permutation(n);
        for (const j of group) for (let i = 0; i < n; i++) block[i * f + j] = x.data[perm[i] * f + j];
      }
      const out = await model.forward(tensor([count * n, f], data));
      checkOutput(out, count * n);
      for (let r = 0; r < count; r++) {
        const part = { shape: [n, outputs], data: out.data.subarray(r * n * outputs, (r + 1) * n * outputs) };
        drops.push(baselineScore - score(part, targets, scoring));
      }
    }
    importances.push(drops);
    options.onProgress?.((gi + 1) / groups.length);
  }
  const mean = importances.map((d) => d.reduce((a, b) => a + b, 0) / d.length);
  const std = importances.map((d, j) => Math.sqrt(d.reduce((a, b) => a + (b - mean[j]) ** 2, 0) / d.length));
  return { features, mean, std, baselineScore, importances, scoring };
}
