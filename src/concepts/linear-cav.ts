/**
 * The concept activation vector (CAV): the normal of a linear classifier separating a concept's
 * layer activations from a random set's. Captum's default classifier is scikit-learn's SGDClassifier
 * (hinge loss, alpha 0.01); ours is an L2-regularised logistic regression with the same alpha, fitted
 * to convergence by Nesterov-accelerated gradient descent (deterministic, no sampling order). TCAV
 * only uses the CAV's direction, which both classifiers estimate.
 */

export interface CavFit {
  /** Unit normal pointing from the random set towards the concept, length F. */
  readonly direction: Float64Array;
  /** Share of the training activations the classifier puts on the right side. */
  readonly accuracy: number;
  readonly iterations: number;
}

export interface CavOptions {
  /** L2 strength on the mean log-loss objective (default 0.01, SGDClassifier's alpha in Captum). */
  readonly regularisation?: number;
  readonly maxIterations?: number;
  /** Stop when the gradient's norm falls below this (default 1e-6). */
  readonly tolerance?: number;
}

function euclideanNorm(v: Float64Array): number {
  let s = 0;
  for (const a of v) s += a * a;
  return Math.sqrt(s);
}

/** Largest eigenvalue of XᵀX/n (power iteration from a fixed start: deterministic). */
function largestEigenvalue(x: Float64Array, n: number, f: number): number {
  let v = new Float64Array(f).fill(1 / Math.sqrt(f));
  let lambda = 0;
  const xv = new Float64Array(n);
  for (let it = 0; it < 50; it++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < f; j++) s += x[i * f + j] * v[j];
      xv[i] = s;
    }
    const next = new Float64Array(f);
    for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) next[j] += x[i * f + j] * xv[i];
    const norm = euclideanNorm(next);
    if (norm === 0) return 0;
    lambda = norm / n;
    v = next.map((a) => a / norm);
  }
  return lambda;
}

/**
 * Fits the classifier on rows of `positive` (the concept, label 1) and `negative` (random, label 0),
 * each [rows, F] row-major. Features are centred on the pooled mean first (the bias absorbs it), which
 * keeps the problem well conditioned without changing the normal.
 */
export function fitCav(positive: Float32Array, negative: Float32Array, features: number, options: CavOptions = {}): CavFit {
  const np = positive.length / features;
  const nn = negative.length / features;
  if (!Number.isInteger(np) || !Number.isInteger(nn) || np < 1 || nn < 1) throw new Error(`CAV: both example sets need at least one activation row of ${features} values (got ${np} and ${nn} rows)`);
  const lambda = options.regularisation ?? 0.01;
  if (!(lambda > 0)) throw new Error(`CAV: regularisation must be > 0 (got ${lambda})`);
  const n = np + nn;
  const f = features;
  const x = new Float64Array(n * f);
  x.set(positive, 0);
  x.set(negative, np * f);
  const y = new Float64Array(n);
  y.fill(1, 0, np);
  const mean = new Float64Array(f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j] += x[i * f + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) x[i * f + j] -= mean[j];
  // The loss's Hessian is at most ¼XᵀX/n + λ (+ ¼ for the bias): its top eigenvalue bounds the step.
  const lipschitz = 0.25 * (largestEigenvalue(x, n, f) + 1) + lambda;
  const step = 1 / lipschitz;
  const maxIterations = options.maxIterations ?? 5000;
  const tolerance = options.tolerance ?? 1e-6;
  let w = new Float64Array(f);
  let b = 0;
  let vw = new Float64Array(f);
  let vb = 0;
  let t = 1;
  let iterations = 0;
  const margin = new Float64Array(n);
  for (; iterations < maxIterations; iterations++) {
    // Gradient at the look-ahead point (vw, vb).
    for (let i = 0; i < n; i++) {
      let s = vb;
      for (let j = 0; j < f; j++) s += x[i * f + j] * vw[j];
      margin[i] = 1 / (1 + Math.exp(-s)) - y[i];
    }
    const gw = new Float64Array(f);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const r = margin[i] / n;
      gb += r;
      for (let j = 0; j < f; j++) gw[j] += r * x[i * f + j];
    }
    let gradNorm = gb * gb;
    for (let j = 0; j < f; j++) {
      gw[j] += lambda * vw[j];
      gradNorm += gw[j] * gw[j];
    }
    if (Math.sqrt(gradNorm) < tolerance) break;
    const nw = vw.map((v, j) => v - step * gw[j]);
    const nb = vb - step * gb;
    const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    const momentum = (t - 1) / tNext;
    vw = nw.map((v, j) => v + momentum * (v - w[j]));
    vb = nb + momentum * (nb - b);
    w = nw;
    b = nb;
    t = tNext;
  }
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let s = b;
    for (let j = 0; j < f; j++) s += x[i * f + j] * w[j];
    if (s > 0 === (y[i] === 1)) correct++;
  }
  const norm = euclideanNorm(w);
  if (norm === 0) throw new Error('CAV: the concept and random activations are identical at this layer; choose another layer or other examples');
  return { direction: w.map((v) => v / norm), accuracy: correct / n, iterations };
}
