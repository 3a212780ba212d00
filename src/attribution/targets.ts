/**
 * Targets beyond one class per row:
 * - several classes in one call: `explainClasses` repeats every input once per class (class-major
 *   rows: row c·N + i is input i for class c), gives the method ONE batch with a class per row —
 *   so a gradient method makes one pass, a perturbation method one set of ORT calls — and splits
 *   the result back per class (seeded methods draw their noise, masks or coalitions per row, so
 *   each class gets its own draws: same distribution, not the same numbers as one call per class);
 * - regression and dense (per-pixel, flattened) outputs: `outputSum` explains the sum of chosen
 *   outputs (a region of a dense map, a subset of regression targets), `outputWeights` any fixed
 *   weighting; both become the cotangent Target every method already accepts.
 */
import type { Tensor } from '../tensor/tensor.js';
import { shapeToString, sizeOf, sliceRows, tensor } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import type { Attribution, Explainer, ExplainOptions, Target } from './explainer.js';

/** The same weighting of the K outputs for every row: explains Σ_k weights[k]·output[k]. */
export function outputWeights(weights: ArrayLike<number>, rows: number, outputSize: number): Target {
  if (weights.length !== outputSize) throw new Error(`output weights have ${weights.length} entries but the model has ${outputSize} outputs; give one weight per output`);
  for (let k = 0; k < weights.length; k++) {
    if (!Number.isFinite(weights[k])) throw new Error(`output weight ${k} is ${weights[k]}; weights must be finite numbers`);
  }
  const data = new Float32Array(rows * outputSize);
  for (let i = 0; i < rows; i++) for (let k = 0; k < outputSize; k++) data[i * outputSize + k] = weights[k];
  return { cotangent: tensor([rows, outputSize], data) };
}

/** Explains the sum of the listed outputs (e.g. the pixels of a region of a flattened dense output). */
export function outputSum(outputs: readonly number[], rows: number, outputSize: number): Target {
  if (outputs.length === 0) throw new Error('outputSum needs at least one output index');
  const weights = new Float32Array(outputSize);
  for (const o of outputs) {
    if (!Number.isInteger(o) || o < 0 || o >= outputSize) throw new Error(`output index ${o} is out of range; the model has ${outputSize} outputs (0..${outputSize - 1})`);
    weights[o] = 1;
  }
  return outputWeights(weights, rows, outputSize);
}

/** Repeats the rows of x `times` times, block after block. */
function repeatRows(x: Tensor, times: number): Tensor {
  const out = new Float32Array(x.data.length * times);
  for (let t = 0; t < times; t++) out.set(x.data, t * x.data.length);
  return tensor([x.shape[0] * times, ...x.shape.slice(1)], out);
}

/** Block c of a per-row extra (an array or tensor with one entry per batch row); anything else is shared. */
function splitExtra(value: unknown, rows: number, blocks: number, c: number): unknown {
  if (Array.isArray(value) && value.length === rows * blocks) return value.slice(c * rows, (c + 1) * rows);
  const t = value as Partial<Tensor> | undefined;
  if (t && Array.isArray(t.shape) && t.data instanceof Float32Array && t.shape[0] === rows * blocks) return sliceRows(t as Tensor, c * rows, (c + 1) * rows);
  return value;
}

/**
 * Attributions of every input for each of `classes`, from one attribute() call on the inputs
 * repeated once per class. Returns one Attribution per class, in the order given.
 */
export async function explainClasses<O extends ExplainOptions>(
  explainer: Explainer<O>,
  model: Model,
  inputs: Tensor,
  classes: readonly number[],
  options: Omit<O, 'target'> = {} as O,
): Promise<Attribution[]> {
  if (classes.length === 0) throw new Error('explainClasses needs at least one class');
  const n = inputs.shape[0];
  const per = sizeOf(inputs.shape.slice(1));
  if (inputs.data.length !== n * per) throw new Error(`inputs of shape ${shapeToString(inputs.shape)} hold ${inputs.data.length} values`);
  const rowTargets = classes.flatMap((c) => new Array<number>(n).fill(c));
  const all = await explainer.attribute(model, repeatRows(inputs, classes.length), { ...options, target: rowTargets } as unknown as O);
  return classes.map((_, c) => ({
    method: all.method,
    values: sliceRows(all.values, c * n, (c + 1) * n),
    targets: all.targets?.slice(c * n, (c + 1) * n),
    extras: all.extras && Object.fromEntries(Object.entries(all.extras).map(([k, v]) => [k, splitExtra(v, n, classes.length, c)])),
  }));
}
