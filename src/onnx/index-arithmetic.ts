/**
 * Index arithmetic shared by shape inference and the rules: which elements a Slice takes, how a
 * Split divides an axis, and the folding of small constant tensors (Slice and Transpose of the pads
 * table torch's F.pad export builds).
 */
import type { Node } from './graph.js';
import { intAttr, intsAttr } from './graph.js';

/**
 * The indices a Slice takes along one axis of size `dim` (ONNX semantics: negative bounds count from
 * the end; bounds clamp to [0, dim] for positive steps and to [-1, dim - 1] for negative ones).
 */
export function sliceIndices(dim: number, start: number, end: number, step: number): number[] {
  if (step === 0) throw new Error('Slice: a step of 0 is not allowed');
  const s0 = start < 0 ? start + dim : start;
  const e0 = end < 0 ? end + dim : end;
  const [lo, hi] = step > 0 ? [0, dim] : [-1, dim - 1];
  const s = Math.max(0, Math.min(step > 0 ? dim : dim - 1, s0));
  const e = Math.max(lo, Math.min(hi, e0));
  const out: number[] = [];
  for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(i);
  return out;
}

/**
 * Output sizes of a Split along an axis of size `dim`: the `split` attribute (opset ≤ 12) or input
 * (≥ 13), else `num_outputs` (opset 18: ceil(dim / n) each, the last one smaller), else equal parts.
 */
export function splitSizes(node: Node, dim: number, splitInput: (number | null)[] | undefined, opset: number): number[] | undefined {
  const explicit = opset <= 12 ? intsAttr(node, 'split') : splitInput;
  if (explicit && explicit.length > 0) return explicit.some((v) => v === null) ? undefined : (explicit as number[]);
  if (opset >= 13 && node.inputs[1] && !splitInput) return undefined;
  if (dim < 0) return undefined;
  const numOutputs = node.attributes.num_outputs ? intAttr(node, 'num_outputs', 0) : node.outputs.length;
  if (node.attributes.num_outputs) {
    const part = Math.ceil(dim / numOutputs);
    return Array.from({ length: numOutputs }, (_, k) => Math.max(0, Math.min(part, dim - k * part)));
  }
  return Array.from({ length: numOutputs }, () => dim / numOutputs);
}

/** Row-major strides of a shape. */
function stridesOf(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1] * shape[i + 1];
  return out;
}

/** The elements of a folded constant at the cross product of per-axis index lists (row-major). */
export function gatherConstant(data: readonly (number | null)[], shape: readonly number[], picks: readonly number[][]): (number | null)[] {
  const strides = stridesOf(shape);
  let offsets = [0];
  picks.forEach((axis, a) => {
    offsets = offsets.flatMap((o) => axis.map((i) => o + i * strides[a]));
  });
  return offsets.map((o) => data[o]);
}

/** A folded constant transposed by `perm`. */
export function transposeConstant(data: readonly (number | null)[], shape: readonly number[], perm: readonly number[]): (number | null)[] {
  const strides = stridesOf(shape);
  let offsets = [0];
  for (const p of perm) offsets = offsets.flatMap((o) => Array.from({ length: shape[p] }, (_, i) => o + i * strides[p]));
  return offsets.map((o) => data[o]);
}
