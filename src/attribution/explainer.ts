/**
 * The one contract every attribution method implements (Captum's `attribute()`), and the target
 * handling they share: a class per row, one class for all rows, the predicted class, or an explicit
 * cotangent for regression and dense outputs.
 */
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows, oneHot, shapeToString } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';

export type Target =
  /** the same class for every row */
  | number
  /** one class per row */
  | readonly number[]
  /** an explicit output weighting [N, K] (regression, several classes at once, dense outputs) */
  | { readonly cotangent: Tensor };

export interface ExplainOptions {
  /** Default: the model's predicted class per row. */
  target?: Target;
  /** Rows per ONNX Runtime call for the batches a method builds (perturbations, steps…). */
  internalBatchSize?: number;
  seed?: number;
}

export interface Attribution {
  readonly method: string;
  /** Same shape as the inputs. */
  readonly values: Tensor;
  /** Class explained per row (when the target was a class), for reports. */
  readonly targets?: readonly number[];
  /** Method-specific results (IG's convergence delta, a surrogate model…). */
  readonly extras?: Readonly<Record<string, unknown>>;
}

export interface Explainer<O extends ExplainOptions = ExplainOptions> {
  readonly name: string;
  /** One line for `--help`, stating the defaults. */
  readonly description: string;
  attribute(model: Model, inputs: Tensor, options?: O): Promise<Attribution>;
}

export interface ResolvedTarget {
  /** [N, K] weighting of the outputs whose weighted sum is explained. */
  cotangent: Tensor;
  /** Class per row when the target was given as classes. */
  classes?: number[];
}

/** Turns any Target into an output weighting; the predicted class needs one forward pass. */
export async function resolveTarget(model: Model, inputs: Tensor, target: Target | undefined): Promise<ResolvedTarget> {
  const n = inputs.shape[0];
  const k = model.outputSize;
  const checkClass = (c: number) => {
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new Error(`target ${c} is not a class index of this model (it has ${k} outputs: 0..${k - 1})`);
  };
  if (target === undefined) {
    const classes = argmaxRows(await model.forward(inputs));
    return { cotangent: oneHot(classes, k), classes };
  }
  if (typeof target === 'number') {
    checkClass(target);
    const classes = new Array<number>(n).fill(target);
    return { cotangent: oneHot(classes, k), classes };
  }
  if (Array.isArray(target)) {
    const classes = target as number[];
    if (classes.length !== n) throw new Error(`got ${classes.length} targets for ${n} inputs; give one per input or a single class`);
    classes.forEach(checkClass);
    return { cotangent: oneHot(classes, k), classes: [...classes] };
  }
  const { cotangent } = target as { cotangent: Tensor };
  if (cotangent.shape.length !== 2 || cotangent.shape[0] !== n || cotangent.shape[1] !== k) {
    throw new Error(`target cotangent has shape ${shapeToString(cotangent.shape)}; it must be [${n}, ${k}]`);
  }
  return { cotangent };
}

/** Weighted output per row: Σ_k output[i,k]·cotangent[i,k]. */
export function weightedOutput(output: Tensor, cotangent: Tensor, rowOfOutput: (i: number) => number = (i) => i): Float64Array {
  const [n, k] = output.shape;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rowOfOutput(i);
    let s = 0;
    for (let j = 0; j < k; j++) s += output.data[i * k + j] * cotangent.data[r * k + j];
    out[i] = s;
  }
  return out;
}
