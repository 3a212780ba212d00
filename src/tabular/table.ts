/**
 * Tables [N, F] and the one thing the tabular methods need from a model: a forward pass. Any
 * trustscope Model with input [F] qualifies (an ONNX model with input [N, F] is a tabular model),
 * and so do the interpretable baselines here (logistic regression, decision tree).
 */
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows, firstNonFinite, shapeToString } from '../tensor/tensor.js';

export interface TabularModel {
  forward(x: Tensor): Promise<Tensor>;
}

/** Throws a one-line error unless `x` is a finite [N, F] table (F = `features` when given). */
export function checkTable(x: Tensor, what: string, features?: number): void {
  if (x.shape.length !== 2) throw new Error(`${what} has shape ${shapeToString(x.shape)}; give a table [N, F] (one row per example, one column per feature)`);
  if (features !== undefined && x.shape[1] !== features) throw new Error(`${what} has ${x.shape[1]} columns but ${features} are expected; give the same features in the same order`);
  const bad = firstNonFinite(x.data);
  if (bad >= 0) throw new Error(`${what} holds a non-finite value (${x.data[bad]}) at row ${Math.floor(bad / x.shape[1])}, column ${bad % x.shape[1]}; clean the data first`);
}

/**
 * Throws a one-line error unless there is one class label per row, each an integer ≥ 0; returns
 * the number of classes the baselines fit, max label + 1 and at least 2.
 */
export function checkClassLabels(labels: readonly number[], rows: number, who: string): number {
  if (labels.length !== rows) throw new Error(`${who}: ${labels.length} labels for ${rows} rows; give one label per row`);
  let classes = 2;
  labels.forEach((y, i) => {
    if (!Number.isInteger(y) || y < 0) throw new Error(`${who}: label ${y} at row ${i} is not a class index ≥ 0`);
    classes = Math.max(classes, y + 1);
  });
  return classes;
}

/** Checks an output table [N, K] from a model, naming the problem. */
export function checkOutput(y: Tensor, rows: number, what = 'model output'): number {
  if (y.shape.length !== 2 || y.shape[0] !== rows) throw new Error(`${what} has shape ${shapeToString(y.shape)} but should be [${rows}, K]`);
  return y.shape[1];
}

/**
 * Class predictions from classifier outputs: argmax of [N, K], or output > 0.5 for one column
 * (scikit-learn's predict on a probability; a logit column needs > 0, so give probabilities).
 */
export function predictedClasses(output: Tensor): number[] {
  if (output.shape[1] === 1) return Array.from(output.data, (v) => (v > 0.5 ? 1 : 0));
  return argmaxRows(output);
}

/** Column j of a [N, F] table as float64. */
export function column(x: Tensor, j: number): Float64Array {
  const [n, f] = x.shape;
  return Float64Array.from({ length: n }, (_, i) => x.data[i * f + j]);
}

/** Default feature names f0, f1, …, or the given ones after checking their count. */
export function featureNames(count: number, names?: readonly string[]): string[] {
  if (!names) return Array.from({ length: count }, (_, j) => `f${j}`);
  if (names.length !== count) throw new Error(`${names.length} feature names for ${count} columns; give one name per column`);
  return [...names];
}
