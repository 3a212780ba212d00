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
  /** Stop when the gradient's norm falls below this share of its norm at w = 0 (default 1e-5). */
  readonly tolerance?: number;
  /** Coordinates of the solver (default: dual when features > rows); both give the same CAV. */
  readonly form?: 'primal' | 'dual';
}

function euclideanNorm(v: Float64Array): number {
  let s = 0;
  for (const a of v) s += a * a;
  return Math.sqrt(s);
}

/**
 * The classifier's linear algebra in one of two coordinate systems. Primal: the coefficients are w
 * itself (length F). Dual: w = Xᵀa with a of length n (the representer theorem: every gradient step
 * from w = 0 stays in the row space), margins Xw = Ka with the Gram matrix K = XXᵀ, so an iteration
 * costs n² instead of n·F. Both produce the same iterates; the dual is chosen when F > n (CAVs of
 * convolutional layers: 40 + 40 examples of 1024 features), where it is ~10× faster.
 */
interface Coordinates {
  readonly size: number;
  /** Xw for the coefficients. */
  margins(coef: Float64Array, out: Float64Array): void;
  /** The loss gradient w.r.t. w, expressed in the coefficients, for residuals r (already / n). */
  gradient(residuals: Float64Array, coef: Float64Array, lambda: number): Float64Array;
  /** ||g_w||² of a gradient in these coordinates. */
  squaredNorm(g: Float64Array): number;
  /** Largest eigenvalue of XᵀX/n. */
  largestEigenvalue(): number;
  /** w from the coefficients. */
  weights(coef: Float64Array): Float64Array;
}

function dot(a: Float64Array, ai: number, b: Float64Array, bi: number, length: number): number {
  let s = 0;
  for (let j = 0; j < length; j++) s += a[ai + j] * b[bi + j];
  return s;
}

/** Power iteration from a fixed start (deterministic) on a symmetric operator. */
function powerIteration(size: number, apply: (v: Float64Array) => Float64Array): number {
  let v = new Float64Array(size).fill(1 / Math.sqrt(size));
  let lambda = 0;
  for (let it = 0; it < 50; it++) {
    const next = apply(v);
    const norm = euclideanNorm(next);
    if (norm === 0) return 0;
    lambda = norm;
    v = next.map((a) => a / norm);
  }
  return lambda;
}

function primal(x: Float64Array, n: number, f: number): Coordinates {
  const xtr = (r: Float64Array) => {
    const g = new Float64Array(f);
    for (let i = 0; i < n; i++) if (r[i] !== 0) for (let j = 0; j < f; j++) g[j] += r[i] * x[i * f + j];
    return g;
  };
  const xw = (w: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) out[i] = dot(x, i * f, w, 0, f);
  };
  return {
    size: f,
    margins: xw,
    gradient: (r, w, lambda) => xtr(r).map((g, j) => g + lambda * w[j]),
    squaredNorm: (g) => dot(g, 0, g, 0, f),
    largestEigenvalue: () =>
      powerIteration(f, (v) => {
        const xv = new Float64Array(n);
        xw(v, xv);
        return xtr(xv).map((g) => g / n);
      }),
    weights: (w) => w,
  };
}

function dual(x: Float64Array, n: number, f: number): Coordinates {
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = dot(x, i * f, x, j * f, f);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  }
  const scratch = new Float64Array(n);
  const ka = (a: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) out[i] = dot(k, i * n, a, 0, n);
  };
  return {
    size: n,
    margins: ka,
    gradient: (r, a, lambda) => r.map((v, i) => v + lambda * a[i]),
    squaredNorm: (g) => {
      ka(g, scratch);
      return dot(g, 0, scratch, 0, n);
    },
    // XᵀX and XXᵀ share their non-zero eigenvalues.
    largestEigenvalue: () =>
      powerIteration(n, (v) => {
        const out = new Float64Array(n);
        ka(v, out);
        return out.map((g) => g / n);
      }),
    weights: (a) => {
      const w = new Float64Array(f);
      for (let i = 0; i < n; i++) if (a[i] !== 0) for (let j = 0; j < f; j++) w[j] += a[i] * x[i * f + j];
      return w;
    },
  };
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
  const coords = (options.form ?? (f > n ? 'dual' : 'primal')) === 'dual' ? dual(x, n, f) : primal(x, n, f);
  // The loss's Hessian is at most ¼XᵀX/n + λ (+ ¼ for the bias): its top eigenvalue bounds the step.
  const lipschitz = 0.25 * (coords.largestEigenvalue() + 1) + lambda;
  const step = 1 / lipschitz;
  const maxIterations = options.maxIterations ?? 5000;
  const tolerance = options.tolerance ?? 1e-5;
  let initialNorm = NaN;
  let w = new Float64Array(coords.size);
  let b = 0;
  let vw = new Float64Array(coords.size);
  let vb = 0;
  let t = 1;
  let iterations = 0;
  const margin = new Float64Array(n);
  const residual = new Float64Array(n);
  for (; iterations < maxIterations; iterations++) {
    // Gradient at the look-ahead point (vw, vb).
    coords.margins(vw, margin);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      residual[i] = (1 / (1 + Math.exp(-(margin[i] + vb))) - y[i]) / n;
      gb += residual[i];
    }
    const gw = coords.gradient(residual, vw, lambda);
    const gradNorm = Math.sqrt(gb * gb + coords.squaredNorm(gw));
    if (iterations === 0) initialNorm = gradNorm;
    // Relative: activations of z-scored images reach norms of 100s, where an absolute 1e-6 costs
    // thousands of iterations more for the same direction.
    if (gradNorm <= tolerance * initialNorm) break;
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
  coords.margins(w, margin);
  let correct = 0;
  for (let i = 0; i < n; i++) if (margin[i] + b > 0 === (y[i] === 1)) correct++;
  const weights = coords.weights(w);
  const norm = euclideanNorm(weights);
  if (norm === 0) throw new Error('CAV: the concept and random activations are identical at this layer; choose another layer or other examples');
  return { direction: weights.map((v) => v / norm), accuracy: correct / n, iterations };
}
