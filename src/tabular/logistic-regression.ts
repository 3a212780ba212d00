/**
 * L2-regularised logistic regression, the interpretable baseline: scikit-learn's objective
 *     ½‖w‖² + C Σ_i log-loss_i      (i.e. Σ log-loss + (λ/2)‖w‖² with λ = 1/C; intercept unpenalised,
 *                                    as with scikit-learn's lbfgs solver)
 * minimised by Newton's method (IRLS) with a backtracking line search — exact to rounding for the
 * small feature counts of descriptor tables (the Hessian is (F+1)²). More than two classes are fitted
 * one-vs-rest and their probabilities normalised to sum to 1 (scikit-learn's OvR predict_proba).
 *
 * The coefficients are in the units of the columns it was given: standardise first (standardise()
 * below) when coefficients are to be compared across features.
 */
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import { solveLinear } from '../tensor/linalg.js';
import type { TabularModel } from './table.js';
import { checkClassLabels, checkTable } from './table.js';

export interface LogisticRegressionOptions {
  /** Inverse regularisation strength (default 1, scikit-learn's). */
  c?: number;
  maxIterations?: number;
}

export interface BinaryFit {
  intercept: number;
  coef: Float64Array;
  iterations: number;
  /** max |gradient of the objective| at the solution (≈ 0 when converged). */
  gradientNorm: number;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Binary L2 logistic regression on x [N, F] and 0/1 targets by Newton's method. */
export function fitBinaryLogistic(x: Tensor, y: ArrayLike<number>, options: LogisticRegressionOptions = {}): BinaryFit {
  const [n, f] = x.shape;
  const c = options.c ?? 1;
  if (!(c > 0)) throw new Error(`logistic regression: C must be > 0 (got ${c})`);
  const lambda = 1 / c;
  const p = f + 1;
  const theta = new Float64Array(p); // [intercept, w…]
  const row = (i: number, j: number) => (j === 0 ? 1 : x.data[i * f + j - 1]);
  const objective = (t: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let z = t[0];
      for (let j = 1; j < p; j++) z += t[j] * row(i, j);
      s += softplus(z) - y[i] * z;
    }
    for (let j = 1; j < p; j++) s += 0.5 * lambda * t[j] * t[j];
    return s;
  };
  const maxIterations = options.maxIterations ?? 100;
  let iterations = 0;
  let gradientNorm = Infinity;
  let current = objective(theta);
  for (; iterations < maxIterations; iterations++) {
    const g = new Float64Array(p);
    const h = new Float64Array(p * p);
    for (let i = 0; i < n; i++) {
      let z = theta[0];
      for (let j = 1; j < p; j++) z += theta[j] * row(i, j);
      const pi = sigmoid(z);
      const r = pi - y[i];
      const w = pi * (1 - pi);
      for (let a = 0; a < p; a++) {
        const xa = row(i, a);
        g[a] += r * xa;
        for (let b = a; b < p; b++) h[a * p + b] += w * xa * row(i, b);
      }
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) h[a * p + b] = h[b * p + a];
    for (let j = 1; j < p; j++) {
      g[j] += lambda * theta[j];
      h[j * p + j] += lambda;
    }
    // A whisker of ridge on every diagonal keeps a constant column or perfect separation solvable.
    for (let j = 0; j < p; j++) h[j * p + j] += 1e-10 * n;
    gradientNorm = g.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    if (gradientNorm <= 1e-9 * Math.max(1, n)) break;
    const step = solveLinear(h, g, p);
    let t = 1;
    let next = theta.map((v, j) => v - t * step[j]);
    let value = objective(next);
    while (value > current && t > 1e-8) {
      t /= 2;
      next = theta.map((v, j) => v - t * step[j]);
      value = objective(next);
    }
    if (!(value <= current)) break;
    theta.set(next);
    current = value;
  }
  return { intercept: theta[0], coef: theta.slice(1), iterations, gradientNorm };
}

export class LogisticRegression implements TabularModel {
  private constructor(
    /** One row per fitted problem: 1 for two classes, K for one-vs-rest. */
    readonly fits: readonly BinaryFit[],
    readonly classes: number,
    readonly features: number,
  ) {}

  /** Fits x [N, F] against class labels 0..K−1 (K = max label + 1, at least 2). */
  static fit(x: Tensor, labels: readonly number[], options: LogisticRegressionOptions = {}): LogisticRegression {
    checkTable(x, 'logistic regression input');
    const [n, f] = x.shape;
    const classes = checkClassLabels(labels, n, 'logistic regression');
    const problems = classes === 2 ? [1] : Array.from({ length: classes }, (_, k) => k);
    const fits = problems.map((k) => fitBinaryLogistic(x, labels.map((y) => (y === k ? 1 : 0)), options));
    return new LogisticRegression(fits, classes, f);
  }

  /** Class probabilities [N, K]. */
  predictProba(x: Tensor): Tensor {
    checkTable(x, 'logistic regression input', this.features);
    const n = x.shape[0];
    const k = this.classes;
    const out = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      const scores = this.fits.map((fit) => {
        let z = fit.intercept;
        for (let j = 0; j < this.features; j++) z += fit.coef[j] * x.data[i * this.features + j];
        return sigmoid(z);
      });
      if (k === 2) {
        out[i * 2] = 1 - scores[0];
        out[i * 2 + 1] = scores[0];
      } else {
        const total = scores.reduce((a, b) => a + b, 0);
        scores.forEach((s, j) => (out[i * k + j] = total > 0 ? s / total : 1 / k));
      }
    }
    return tensor([n, k], out);
  }

  async forward(x: Tensor): Promise<Tensor> {
    return this.predictProba(x);
  }
}

export interface Standardisation {
  mean: Float64Array;
  std: Float64Array;
}

/** Column means and population standard deviations (a constant column gets std 1, so it maps to 0). */
export function standardisation(x: Tensor): Standardisation {
  checkTable(x, 'table');
  const [n, f] = x.shape;
  const mean = new Float64Array(f);
  const std = new Float64Array(f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j] += x.data[i * f + j] / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) std[j] += (x.data[i * f + j] - mean[j]) ** 2 / n;
  for (let j = 0; j < f; j++) std[j] = std[j] > 0 ? Math.sqrt(std[j]) : 1;
  return { mean, std };
}

/** (x − mean) / std column by column. */
export function standardise(x: Tensor, s: Standardisation): Tensor {
  const f = x.shape[1];
  return tensor(x.shape, x.data.map((v, idx) => (v - s.mean[idx % f]) / s.std[idx % f]));
}
