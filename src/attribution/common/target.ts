/**
 * What is explained — the `Target` every method (and, through this file, every metric) takes — and
 * its one translation into an output weighting [N, K] and, when it names classes, a class per row.
 * Kept apart from explainer.ts so that evaluate/ can share the same rules without the contract.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { argmaxRows, oneHot, shapeToString, tensor } from '../../tensor/tensor.js';
import type { Model } from '../../models/model.js';
import { isDenseModel } from '../../models/dense-output.js';
import { segmentationTarget } from './segmentation-targets.js';

export type Target =
  /** the same class for every row */
  | number
  /** one class per row */
  | readonly number[]
  /**
   * an explicit output weighting [N, K] (regression, several classes at once, dense outputs; for
   * segmenters see segmentation-targets.ts, whose default — undefined — is the predicted mask of the
   * most frequent non-background class per image)
   */
  | { readonly cotangent: Tensor };

export interface ResolvedTarget {
  /** [N, K] weighting of the outputs whose weighted sum is explained. */
  cotangent: Tensor;
  /** Class per row when the target was given as classes (or defaulted to the prediction). */
  classes?: number[];
}

/** Turns any Target into an output weighting; the predicted class needs one forward pass. */
export async function resolveTarget(model: Model, inputs: Tensor, target: Target | undefined): Promise<ResolvedTarget> {
  const n = inputs.shape[0];
  const k = model.outputSize;
  const checkClass = (c: number) => {
    if (!Number.isInteger(c) || c < 0 || c >= k) throw new Error(`target ${c} is not a class index of this model (it has ${k} outputs: 0..${k - 1})`);
  };
  if (isDenseModel(model) && (target === undefined || typeof target === 'number' || Array.isArray(target))) {
    // The argmax over K·H·W flat outputs means nothing, nor does one flat index as a "class".
    if (target !== undefined) {
      throw new Error(`target ${JSON.stringify(target)} is a class index, but this segmenter gives per-pixel outputs [${model.outputShape.join(', ')}]; explain a class over pixels with segmentationTarget (a pixel, a region, the predicted mask, the whole image)`);
    }
    return { cotangent: (await segmentationTarget(model, inputs, { kind: 'dominant' })).target.cotangent };
  }
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

/**
 * The default target of a regressor: its single output. A vector regressor has no natural default
 * (the argmax of unrelated quantities means nothing), so it is refused with a line naming the fix.
 */
export function defaultRegressionTarget(outputSize: number): number {
  if (outputSize === 1) return 0;
  throw new Error(`the model has ${outputSize} regression outputs and no default among them; choose the output to explain with --target k (0..${outputSize - 1})`);
}

/**
 * One class per row, for whatever needs classes rather than a weighting (a check comparing the
 * prediction, a per-class report): the predicted class by default. A cotangent target names no
 * class, so it is refused with a line saying who refused it.
 */
export async function classesPerRow(model: Model, inputs: Tensor, target: Target | undefined, who: string): Promise<number[]> {
  const { classes } = await resolveTarget(model, inputs, target);
  if (!classes) throw new Error(`${who} needs class targets (a class, or one per input); a cotangent target names no class`);
  return classes;
}

/** Weighted output per row: Σ_k output[i,k]·cotangent[rowOfOutput(i),k]. */
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

/**
 * The cotangent of a batch a method built from its inputs (IG steps, noisy copies, input/baseline
 * pairs): row r weights the outputs as input rowOf(r) does.
 */
export function cotangentRows(cotangent: Tensor, rows: number, rowOf: (row: number) => number): Tensor {
  const k = cotangent.shape[1];
  const out = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    const src = rowOf(r) * k;
    out.set(cotangent.data.subarray(src, src + k), r * k);
  }
  return tensor([rows, k], out);
}

/**
 * The target of a batch built from the inputs (noisy copies, perturbations handed to a method):
 * row r asks what input rowOf(r) asks — its class when the target named classes (so the method
 * still reports classes), else its cotangent row.
 */
export function targetRows(resolved: ResolvedTarget, rows: number, rowOf: (row: number) => number): Target {
  const { classes, cotangent } = resolved;
  if (classes) return Array.from({ length: rows }, (_, r) => classes[rowOf(r)]);
  return { cotangent: cotangentRows(cotangent, rows, rowOf) };
}
