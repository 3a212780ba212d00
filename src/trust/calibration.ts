/**
 * Calibration: does a classifier's confidence match how often it is right?
 *
 * Inputs are logits [N, K] and integer labels. K = 1 is read as the logit of the positive class of a
 * binary classifier (probabilities [1 − σ(z), σ(z)]). Definitions (Guo et al. 2017, "On Calibration
 * of Modern Neural Networks"):
 *  - confidence of row i: max_k p_ik; prediction: argmax_k p_ik (first maximum on ties);
 *  - uniform bins: B equal-width bins ((b−1)/B, b/B] of confidence (a confidence of exactly 0 goes
 *    to the first bin); quantile bins: the rows sorted by confidence and cut into B runs of
 *    ⌊N/B⌋ or ⌈N/B⌉ rows (numpy.array_split's sizes), so each bin holds about N/B rows;
 *  - ECE = Σ_b (n_b / N) · |accuracy_b − confidence_b|; MCE = max over non-empty bins of the same gap;
 *  - Brier score, multiclass (Brier 1950): (1/N) Σ_i Σ_k (p_ik − [y_i = k])², in [0, 2]. For two
 *    classes this is twice scikit-learn's brier_score_loss, which scores the positive class only;
 *  - NLL = −(1/N) Σ_i log p_{i, y_i}, computed by a stable log-softmax.
 *
 * Temperature scaling divides the logits by one T > 0 fitted on held-out data by minimising the NLL.
 * The NLL is convex in β = 1/T (a log-sum-exp of functions linear in β minus a linear term), so
 * its derivative Σ_i (E_{p_i}[z_i] − z_{i,y_i}) is monotone in β: a safeguarded Newton iteration
 * on that derivative (bisection whenever Newton leaves the bracket) finds the unique optimum.
 */
import type { Tensor } from '../tensor/tensor.js';
import { firstNonFinite, shapeToString, takeRows, tensor } from '../tensor/tensor.js';
import { holdOutSplit } from './folds.js';

export type Binning = 'uniform' | 'quantile';

export interface ReliabilityBin {
  /** Confidence range of the bin (quantile bins: the smallest and largest confidence in it). */
  lower: number;
  upper: number;
  /** Mean confidence of the rows in the bin (NaN when empty). */
  confidence: number;
  /** Share of correct predictions in the bin (NaN when empty). */
  accuracy: number;
  count: number;
}

export interface CalibrationReport {
  count: number;
  accuracy: number;
  meanConfidence: number;
  ece: number;
  mce: number;
  brier: number;
  nll: number;
  binning: Binning;
  bins: ReliabilityBin[];
}

export interface CalibrationOptions {
  /** Number of bins (default 15, as in Guo et al.). */
  bins?: number;
  binning?: Binning;
}

/** Checks logits [N, K] and labels in 0..K−1 (0..1 when K = 1); returns K as classes. */
function checkInputs(logits: Tensor, labels: readonly number[], what: string): number {
  if (logits.shape.length !== 2 || logits.shape[1] < 1) throw new Error(`${what}: logits have shape ${shapeToString(logits.shape)}; give [N, K] logits (one row per example)`);
  const [n, k] = logits.shape;
  if (labels.length !== n) throw new Error(`${what}: ${labels.length} labels for ${n} rows of logits; give one label per row`);
  const bad = firstNonFinite(logits.data);
  if (bad >= 0) throw new Error(`${what}: logits hold a non-finite value (${logits.data[bad]}) at flat index ${bad}; clean the model outputs first`);
  const classes = k === 1 ? 2 : k;
  labels.forEach((y, i) => {
    if (!Number.isInteger(y) || y < 0 || y >= classes) throw new Error(`${what}: label ${y} at row ${i} is not a class index in 0..${classes - 1}`);
  });
  return classes;
}

/** Row i's logits as a float64 array with K ≥ 2 entries (K = 1 becomes [0, z]: softmax([0, z]) = [1 − σ(z), σ(z)]). */
function rowLogits(logits: Tensor, i: number, scale = 1): Float64Array {
  const k = logits.shape[1];
  if (k === 1) return Float64Array.of(0, logits.data[i] * scale);
  const z = new Float64Array(k);
  for (let j = 0; j < k; j++) z[j] = logits.data[i * k + j] * scale;
  return z;
}

/** Log-softmax in float64 (max-shifted). */
function logSoftmax(z: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  for (const v of z) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return z.map((v) => v - lse);
}

/** Class probabilities [N, K'] (K' = 2 for single-logit models) from logits divided by `temperature`. */
export function probabilitiesFromLogits(logits: Tensor, temperature = 1): Tensor {
  if (!(temperature > 0)) throw new Error(`probabilitiesFromLogits: temperature must be > 0 (got ${temperature})`);
  const [n, k] = logits.shape;
  const classes = k === 1 ? 2 : k;
  const out = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const lp = logSoftmax(rowLogits(logits, i, 1 / temperature));
    for (let j = 0; j < classes; j++) out[i * classes + j] = Math.exp(lp[j]);
  }
  return tensor([n, classes], out);
}

/** Mean negative log-likelihood of the labels under softmax(logits / T). */
export function negativeLogLikelihood(logits: Tensor, labels: readonly number[], temperature = 1): number {
  checkInputs(logits, labels, 'negativeLogLikelihood');
  let s = 0;
  for (let i = 0; i < labels.length; i++) s -= logSoftmax(rowLogits(logits, i, 1 / temperature))[labels[i]];
  return s / labels.length;
}

/** Reliability diagram, ECE, MCE, Brier score and NLL of logits [N, K] against labels. */
export function calibrationReport(logits: Tensor, labels: readonly number[], options: CalibrationOptions = {}): CalibrationReport {
  const classes = checkInputs(logits, labels, 'calibrationReport');
  const binCount = options.bins ?? 15;
  const binning = options.binning ?? 'uniform';
  if (!Number.isInteger(binCount) || binCount < 1) throw new Error(`calibrationReport: bins must be an integer ≥ 1 (got ${binCount})`);
  if (binning !== 'uniform' && binning !== 'quantile') throw new Error(`calibrationReport: binning must be 'uniform' or 'quantile' (got '${String(binning)}')`);
  const n = labels.length;
  if (n === 0) throw new Error('calibrationReport: no rows; give at least one example');
  const confidence = new Float64Array(n);
  const correct = new Uint8Array(n);
  let brier = 0;
  let nll = 0;
  for (let i = 0; i < n; i++) {
    const lp = logSoftmax(rowLogits(logits, i));
    let best = 0;
    for (let j = 0; j < classes; j++) {
      const p = Math.exp(lp[j]);
      brier += (p - (j === labels[i] ? 1 : 0)) ** 2;
      if (lp[j] > lp[best]) best = j;
    }
    confidence[i] = Math.exp(lp[best]);
    correct[i] = best === labels[i] ? 1 : 0;
    nll -= lp[labels[i]];
  }

  const members: number[][] = Array.from({ length: binCount }, () => []);
  if (binning === 'uniform') {
    for (let i = 0; i < n; i++) members[Math.min(binCount - 1, Math.max(0, Math.ceil(confidence[i] * binCount) - 1))].push(i);
  } else {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => confidence[a] - confidence[b] || a - b);
    // numpy.array_split: the first N mod B runs get one extra row.
    const base = Math.floor(n / binCount);
    const extra = n % binCount;
    let start = 0;
    for (let b = 0; b < binCount; b++) {
      const size = base + (b < extra ? 1 : 0);
      members[b] = order.slice(start, start + size);
      start += size;
    }
  }

  let ece = 0;
  let mce = 0;
  const bins: ReliabilityBin[] = members.map((idx, b) => {
    let conf = 0;
    let acc = 0;
    for (const i of idx) {
      conf += confidence[i];
      acc += correct[i];
    }
    const count = idx.length;
    const [lower, upper] =
      binning === 'uniform' ? [b / binCount, (b + 1) / binCount] : count > 0 ? [confidence[idx[0]], confidence[idx[count - 1]]] : [NaN, NaN];
    if (count === 0) return { lower, upper, confidence: NaN, accuracy: NaN, count };
    conf /= count;
    acc /= count;
    const gap = Math.abs(acc - conf);
    ece += (count / n) * gap;
    mce = Math.max(mce, gap);
    return { lower, upper, confidence: conf, accuracy: acc, count };
  });

  let accuracy = 0;
  let meanConfidence = 0;
  for (let i = 0; i < n; i++) {
    accuracy += correct[i] / n;
    meanConfidence += confidence[i] / n;
  }
  return { count: n, accuracy, meanConfidence, ece, mce, brier: brier / n, nll: nll / n, binning, bins };
}

export interface TemperatureFit {
  temperature: number;
  /** NLL on the fitting data at T = 1 and at the fitted T. */
  nllBefore: number;
  nllAfter: number;
  iterations: number;
}

const MIN_BETA = 1e-4;
const MAX_BETA = 1e4;

/** The temperature T > 0 minimising the NLL of softmax(logits / T) (see the file comment). */
export function fitTemperature(logits: Tensor, labels: readonly number[]): TemperatureFit {
  checkInputs(logits, labels, 'fitTemperature');
  const n = labels.length;
  if (n === 0) throw new Error('fitTemperature: no rows; give held-out logits and labels');
  const rows = Array.from({ length: n }, (_, i) => rowLogits(logits, i));
  // First and second derivative of Σ NLL w.r.t. β = 1/T: Σ (E_p[z] − z_y) and Σ Var_p[z].
  const derivatives = (beta: number): [number, number] => {
    let g = 0;
    let h = 0;
    rows.forEach((z, i) => {
      const lp = logSoftmax(z.map((v) => v * beta));
      let mean = 0;
      let second = 0;
      for (let j = 0; j < z.length; j++) {
        const p = Math.exp(lp[j]);
        mean += p * z[j];
        second += p * z[j] * z[j];
      }
      g += mean - z[labels[i]];
      h += Math.max(0, second - mean * mean);
    });
    return [g, h];
  };
  let lo = MIN_BETA;
  let hi = MAX_BETA;
  let beta = 1;
  let iterations = 0;
  // The derivative increases with β: g(lo) ≥ 0 means the optimum sits at the bracket's end.
  if (derivatives(lo)[0] >= 0) beta = lo;
  else if (derivatives(hi)[0] <= 0) beta = hi;
  else {
    for (; iterations < 100; iterations++) {
      const [g, h] = derivatives(beta);
      if (g > 0) hi = beta;
      else lo = beta;
      if (Math.abs(g) <= 1e-10 * n || hi - lo <= 1e-12 * beta) break;
      let next = h > 0 ? beta - g / h : NaN;
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      beta = next;
    }
  }
  const temperature = 1 / beta;
  return { temperature, nllBefore: negativeLogLikelihood(logits, labels), nllAfter: negativeLogLikelihood(logits, labels, temperature), iterations };
}

/** Logits divided by T (for handing scaled logits to other diagnostics). */
export function scaleLogits(logits: Tensor, temperature: number): Tensor {
  if (!(temperature > 0)) throw new Error(`scaleLogits: temperature must be > 0 (got ${temperature})`);
  return tensor(logits.shape, logits.data.map((v) => v / temperature));
}

export interface TemperatureScalingResult {
  temperature: number;
  fit: TemperatureFit;
  /** Rows used to fit T and rows used to judge it (disjoint). */
  fitRows: number[];
  evaluationRows: number[];
  /** Calibration of the evaluation rows before (T = 1) and after scaling. */
  before: CalibrationReport;
  after: CalibrationReport;
}

export interface TemperatureScalingOptions extends CalibrationOptions {
  /** Share of rows used to fit T (default 0.5); the rest judge it. */
  fitFraction?: number;
  seed?: number;
}

/** Splits the rows (seeded), fits T on one part and reports before/after calibration on the other. */
export function temperatureScaling(logits: Tensor, labels: readonly number[], options: TemperatureScalingOptions = {}): TemperatureScalingResult {
  checkInputs(logits, labels, 'temperatureScaling');
  const fraction = options.fitFraction ?? 0.5;
  const n = labels.length;
  const split = holdOutSplit(n, fraction, options.seed ?? 0);
  if (!split) throw new Error(`temperatureScaling: fitFraction ${fraction} of ${n} rows leaves no rows to fit or to judge; give a fraction in (0, 1) and at least 2 rows`);
  const fitRows = split.first.sort((a, b) => a - b);
  const evaluationRows = split.rest.sort((a, b) => a - b);
  const fit = fitTemperature(takeRows(logits, fitRows), fitRows.map((i) => labels[i]));
  const evalLogits = takeRows(logits, evaluationRows);
  const evalLabels = evaluationRows.map((i) => labels[i]);
  return {
    temperature: fit.temperature,
    fit,
    fitRows,
    evaluationRows,
    before: calibrationReport(evalLogits, evalLabels, options),
    after: calibrationReport(scaleLogits(evalLogits, fit.temperature), evalLabels, options),
  };
}
