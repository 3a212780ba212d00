/**
 * A CART classification tree (Breiman et al. 1984; scikit-learn's DecisionTreeClassifier with
 * criterion='gini', splitter='best'), the second interpretable baseline, printable as if-then rules.
 *  - impurity: Gini 1 − Σ_k p_k²; a split x_j ≤ t (left) / x_j > t (right) is scored by the weighted
 *    child impurity (n_L G_L + n_R G_R) / n, and the best over every feature and every threshold
 *    halfway between consecutive distinct values wins (ties: lower feature index, then lower t —
 *    scikit-learn breaks ties by a random feature order instead);
 *  - a node becomes a leaf at maxDepth, when pure, when it has fewer than minSamplesSplit rows, or
 *    when no split leaves minSamplesLeaf rows on both sides. As in scikit-learn
 *    (min_impurity_decrease = 0) a split of zero gain is still made: XOR needs one at its root;
 *  - a leaf predicts its class frequencies (predictProba) and their argmax (lowest class on ties).
 * Thresholds are float64 midpoints and rules print them in full (shortest round-trip form), so the
 * printed rules reproduce the tree's predictions exactly.
 */
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import type { TabularModel } from './table.js';
import { checkClassLabels, checkTable, featureNames } from './table.js';

export interface DecisionTreeOptions {
  /** Default 3: small enough to read. */
  maxDepth?: number;
  minSamplesSplit?: number;
  minSamplesLeaf?: number;
}

export type TreeNode =
  | { kind: 'split'; feature: number; threshold: number; left: TreeNode; right: TreeNode; count: number; impurity: number }
  | { kind: 'leaf'; counts: number[]; prediction: number; count: number; impurity: number };

export interface Condition {
  feature: number;
  op: '<=' | '>';
  threshold: number;
}

export interface Rule {
  conditions: Condition[];
  prediction: number;
  /** Training rows reaching the leaf, and the class shares among them. */
  count: number;
  probabilities: number[];
}

function gini(counts: ArrayLike<number>, total: number): number {
  if (total === 0) return 0;
  let s = 0;
  for (let k = 0; k < counts.length; k++) s += (counts[k] / total) ** 2;
  return 1 - s;
}

function argmax(counts: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < counts.length; k++) if (counts[k] > counts[best]) best = k;
  return best;
}

export interface BestSplit {
  feature: number;
  threshold: number;
  /** Weighted child impurity (n_L G_L + n_R G_R) / n. */
  impurity: number;
}

/** The best Gini split of the given rows, or undefined when none leaves minLeaf rows per side. */
export function bestSplit(x: Tensor, labels: readonly number[], rows: readonly number[], classes: number, minLeaf = 1): BestSplit | undefined {
  const f = x.shape[1];
  const n = rows.length;
  let best: BestSplit | undefined;
  for (let j = 0; j < f; j++) {
    const sorted = [...rows].sort((a, b) => x.data[a * f + j] - x.data[b * f + j]);
    const left = new Float64Array(classes);
    const right = new Float64Array(classes);
    for (const r of rows) right[labels[r]]++;
    for (let s = 0; s < n - 1; s++) {
      const r = sorted[s];
      left[labels[r]]++;
      right[labels[r]]--;
      const v = x.data[r * f + j];
      const next = x.data[sorted[s + 1] * f + j];
      if (next <= v) continue;
      const nl = s + 1;
      const nr = n - nl;
      if (nl < minLeaf || nr < minLeaf) continue;
      const impurity = (nl * gini(left, nl) + nr * gini(right, nr)) / n;
      if (!best || impurity < best.impurity - 1e-15) {
        let threshold = (v + next) / 2;
        // Guard against a midpoint that rounds onto the upper value.
        if (threshold >= next) threshold = v;
        best = { feature: j, threshold, impurity };
      }
    }
  }
  return best;
}

export class DecisionTree implements TabularModel {
  private constructor(
    readonly root: TreeNode,
    readonly classes: number,
    readonly features: number,
  ) {}

  static fit(x: Tensor, labels: readonly number[], options: DecisionTreeOptions = {}): DecisionTree {
    checkTable(x, 'decision tree input');
    const [n, f] = x.shape;
    const classes = checkClassLabels(labels, n, 'decision tree');
    if (n === 0) throw new Error('decision tree: no rows to fit');
    const maxDepth = options.maxDepth ?? 3;
    const minSplit = options.minSamplesSplit ?? 2;
    const minLeaf = options.minSamplesLeaf ?? 1;
    if (!Number.isInteger(maxDepth) || maxDepth < 0) throw new Error(`decision tree: maxDepth must be an integer ≥ 0 (got ${maxDepth})`);
    const grow = (rows: number[], depth: number): TreeNode => {
      const counts = new Array<number>(classes).fill(0);
      for (const r of rows) counts[labels[r]]++;
      const impurity = gini(counts, rows.length);
      const leaf: TreeNode = { kind: 'leaf', counts, prediction: argmax(counts), count: rows.length, impurity };
      if (depth >= maxDepth || impurity === 0 || rows.length < minSplit) return leaf;
      const split = bestSplit(x, labels, rows, classes, minLeaf);
      if (!split) return leaf;
      const goLeft = (r: number) => x.data[r * f + split.feature] <= split.threshold;
      return {
        kind: 'split',
        feature: split.feature,
        threshold: split.threshold,
        left: grow(rows.filter(goLeft), depth + 1),
        right: grow(rows.filter((r) => !goLeft(r)), depth + 1),
        count: rows.length,
        impurity,
      };
    };
    return new DecisionTree(grow(Array.from({ length: n }, (_, i) => i), 0), classes, f);
  }

  private leafOf(x: Tensor, i: number): Extract<TreeNode, { kind: 'leaf' }> {
    let node = this.root;
    while (node.kind === 'split') node = x.data[i * this.features + node.feature] <= node.threshold ? node.left : node.right;
    return node;
  }

  predict(x: Tensor): number[] {
    checkTable(x, 'decision tree input', this.features);
    return Array.from({ length: x.shape[0] }, (_, i) => this.leafOf(x, i).prediction);
  }

  predictProba(x: Tensor): Tensor {
    checkTable(x, 'decision tree input', this.features);
    const n = x.shape[0];
    const out = new Float32Array(n * this.classes);
    for (let i = 0; i < n; i++) {
      const leaf = this.leafOf(x, i);
      leaf.counts.forEach((c, k) => (out[i * this.classes + k] = c / leaf.count));
    }
    return tensor([n, this.classes], out);
  }

  async forward(x: Tensor): Promise<Tensor> {
    return this.predictProba(x);
  }

  depth(node: TreeNode = this.root): number {
    return node.kind === 'leaf' ? 0 : 1 + Math.max(this.depth(node.left), this.depth(node.right));
  }

  /** One rule per leaf, left to right. */
  rules(): Rule[] {
    const out: Rule[] = [];
    const walk = (node: TreeNode, path: Condition[]) => {
      if (node.kind === 'leaf') {
        out.push({ conditions: path, prediction: node.prediction, count: node.count, probabilities: node.counts.map((c) => c / node.count) });
        return;
      }
      walk(node.left, [...path, { feature: node.feature, op: '<=', threshold: node.threshold }]);
      walk(node.right, [...path, { feature: node.feature, op: '>', threshold: node.threshold }]);
    };
    walk(this.root, []);
    return out;
  }

  /** The rules as text, one line per leaf: "if a <= 0.5 and b > 2 then class 1 (n = 40, p = 0.950)". */
  toText(names?: readonly string[]): string {
    const label = featureNames(this.features, names);
    return this.rules()
      .map((r) => {
        const when = r.conditions.length === 0 ? 'always' : `if ${r.conditions.map((c) => `${label[c.feature]} ${c.op} ${String(c.threshold)}`).join(' and ')} then`;
        return `${when} class ${r.prediction} (n = ${r.count}, p = ${r.probabilities[r.prediction].toFixed(3)})`;
      })
      .join('\n');
  }
}
