/**
 * Float64 reference implementations of the ops a transformer needs (LayerNormalization, Erf,
 * Split, Slice, Gather, ReduceMean/ReduceSum, Sqrt, Pow, Expand, Tile, Unsqueeze, Squeeze, Shape),
 * for the reference interpreter. Written from the ONNX operator specification with plain loops and,
 * like the interpreter, sharing no code with src/ (Slice's clamping rules are restated here).
 */
import type { Node } from '../../src/onnx/graph.js';
import { floatAttr, intAttr, intsAttr } from '../../src/onnx/graph.js';
import type { RefTensor } from './reference-interpreter.js';
import { axisOf, ravel, size, unravel } from './reference-index.js';

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/**
 * erf in float64: erf(x) = 2/√π · e^(−x²) · Σ_n 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) (Abramowitz & Stegun
 * 7.1.6). Every term is positive, so nothing cancels; beyond |x| = 6, erf is ±1 to double precision.
 */
export function erf(x: number): number {
  if (x === 0) return 0;
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  let term = ax;
  let sum = ax;
  for (let n = 1; n < 1000 && term > 1e-18 * sum; n++) {
    term *= (2 * ax * ax) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * Math.min(1, (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum);
}

function layerNormalization(node: Node, x: RefTensor, scale: RefTensor, bias?: RefTensor): RefTensor {
  const axis = axisOf(intAttr(node, 'axis', -1), x.shape.length);
  const eps = floatAttr(node, 'epsilon', 1e-5);
  const inner = size(x.shape.slice(axis));
  // Scale and bias have the normalised shape (or broadcast to it): index them modulo their size.
  const out = new Float64Array(x.data.length);
  for (let o = 0; o < x.data.length / inner; o++) {
    let mean = 0;
    for (let j = 0; j < inner; j++) mean += x.data[o * inner + j] / inner;
    let variance = 0;
    for (let j = 0; j < inner; j++) variance += (x.data[o * inner + j] - mean) ** 2 / inner;
    for (let j = 0; j < inner; j++) {
      const b = bias ? bias.data[j % bias.data.length] : 0;
      out[o * inner + j] = ((x.data[o * inner + j] - mean) / Math.sqrt(variance + eps)) * scale.data[j % scale.data.length] + b;
    }
  }
  return { shape: [...x.shape], data: out };
}

/** Copies the elements of `x` at `sources[axis][k]` along each axis into a new tensor. */
function select(x: RefTensor, sources: readonly (readonly number[])[]): RefTensor {
  const shape = sources.map((s) => s.length);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape).map((k, d) => sources[d][k]);
    out[i] = x.data[ravel(idx, x.shape)];
  }
  return { shape, data: out };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function split(node: Node, x: RefTensor, splitInput: RefTensor | undefined, opset: number): RefTensor[] {
  const axis = axisOf(intAttr(node, 'axis', 0), x.shape.length);
  const dim = x.shape[axis];
  const given = opset <= 12 ? intsAttr(node, 'split') : splitInput ? Array.from(splitInput.data) : undefined;
  let sizes: number[];
  if (given && given.length > 0) sizes = [...given];
  else if (node.attributes.num_outputs) {
    const n = intAttr(node, 'num_outputs', 1);
    const part = Math.ceil(dim / n);
    sizes = range(n).map((k) => Math.min(part, dim - k * part));
  } else sizes = node.outputs.map(() => dim / node.outputs.length);
  if (sizes.reduce((a, b) => a + b, 0) !== dim) throw new Error(`reference: Split '${node.name}' sizes ${sizes} do not add up to ${dim}`);
  let offset = 0;
  return sizes.map((s) => {
    const sources = x.shape.map((d, i) => (i === axis ? range(s).map((k) => offset + k) : range(d)));
    offset += s;
    return select(x, sources);
  });
}

function slice(node: Node, x: RefTensor, inputs: (RefTensor | undefined)[], opset: number): RefTensor {
  const rank = x.shape.length;
  const list = (t: RefTensor | undefined) => (t ? Array.from(t.data) : undefined);
  const starts = opset < 10 ? intsAttr(node, 'starts') : list(inputs[1]);
  const ends = opset < 10 ? intsAttr(node, 'ends') : list(inputs[2]);
  if (!starts || !ends) throw new Error(`reference: Slice '${node.name}' needs starts and ends`);
  const axes = (opset < 10 ? intsAttr(node, 'axes') : list(inputs[3])) ?? range(starts.length);
  const steps = (opset < 10 ? undefined : list(inputs[4])) ?? starts.map(() => 1);
  const sources = x.shape.map((d) => range(d));
  axes.forEach((rawAxis, k) => {
    const a = axisOf(rawAxis, rank);
    const dim = x.shape[a];
    const step = steps[k];
    let start = starts[k] < 0 ? starts[k] + dim : starts[k];
    let end = ends[k] < 0 ? ends[k] + dim : ends[k];
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    const picked: number[] = [];
    for (let i = start; step > 0 ? i < end : i > end; i += step) picked.push(i);
    sources[a] = picked;
  });
  return select(x, sources);
}

function gather(node: Node, x: RefTensor, indices: RefTensor): RefTensor {
  const axis = axisOf(intAttr(node, 'axis', 0), x.shape.length);
  const dim = x.shape[axis];
  const outer = size(x.shape.slice(0, axis));
  const inner = size(x.shape.slice(axis + 1));
  const out = new Float64Array(outer * indices.data.length * inner);
  let o = 0;
  for (let a = 0; a < outer; a++)
    for (const raw of indices.data) {
      const i = raw < 0 ? raw + dim : raw;
      if (i < 0 || i >= dim) throw new Error(`reference: Gather index ${raw} out of range`);
      for (let b = 0; b < inner; b++) out[o++] = x.data[(a * dim + i) * inner + b];
    }
  return { shape: [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], data: out };
}

function reduce(node: Node, x: RefTensor, axesInput: RefTensor | undefined, mean: boolean): RefTensor {
  const rank = x.shape.length;
  const given = intsAttr(node, 'axes') ?? (axesInput ? Array.from(axesInput.data) : []);
  if (given.length === 0 && intAttr(node, 'noop_with_empty_axes', 0) === 1) return { shape: [...x.shape], data: x.data.slice() };
  const axes = given.length === 0 ? range(rank) : given.map((a) => axisOf(a, rank));
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(size(keptShape));
  const count = size(axes.map((a) => x.shape[a]));
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape).map((v, d) => (axes.includes(d) ? 0 : v));
    out[ravel(idx, keptShape)] += mean ? x.data[i] / count : x.data[i];
  }
  const keep = intAttr(node, 'keepdims', 1) === 1;
  return { shape: keep ? keptShape : x.shape.filter((_, i) => !axes.includes(i)), data: out };
}

/** Numpy broadcasting of x to `target` (Expand's rule: the result has the broadcast of both shapes). */
function expand(x: RefTensor, target: RefTensor): RefTensor {
  const want = Array.from(target.data);
  const rank = Math.max(want.length, x.shape.length);
  const xs = [...new Array<number>(rank - x.shape.length).fill(1), ...x.shape];
  const ws = [...new Array<number>(rank - want.length).fill(1), ...want];
  const shape = xs.map((d, i) => (d === 1 ? ws[i] : d));
  const xStrides = strides(xs);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = x.data[idx.reduce((p, v, d) => p + (xs[d] === 1 ? 0 : v * xStrides[d]), 0)];
  }
  return { shape, data: out };
}

function tile(x: RefTensor, repeats: RefTensor): RefTensor {
  const shape = x.shape.map((d, i) => d * repeats.data[i]);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = x.data[ravel(unravel(i, shape).map((v, d) => v % x.shape[d]), x.shape)];
  return { shape, data: out };
}

function unsqueeze(node: Node, x: RefTensor, axesInput: RefTensor | undefined): RefTensor {
  const given = intsAttr(node, 'axes') ?? Array.from(axesInput?.data ?? []);
  const rank = x.shape.length + given.length;
  const axes = given.map((a) => axisOf(a, rank));
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) shape.push(axes.includes(i) ? 1 : x.shape[k++]);
  return { shape, data: x.data.slice() };
}

function squeeze(node: Node, x: RefTensor, axesInput: RefTensor | undefined): RefTensor {
  const given = intsAttr(node, 'axes') ?? (axesInput ? Array.from(axesInput.data) : undefined);
  const axes = given ? given.map((a) => axisOf(a, x.shape.length)) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  if (axes.some((a) => x.shape[a] !== 1)) throw new Error(`reference: Squeeze '${node.name}' on an axis of size ≠ 1`);
  return { shape: x.shape.filter((_, i) => !axes.includes(i)), data: x.data.slice() };
}

function shapeTensor(shape: readonly number[]): RefTensor {
  return { shape: [shape.length], data: Float64Array.from(shape) };
}

function pointwise(x: RefTensor, f: (v: number) => number): RefTensor {
  return { shape: [...x.shape], data: x.data.map(f) };
}

/** Evaluates one of this file's ops, or returns undefined when the op is not one of them. */
export function evaluateTransformerOp(node: Node, inputs: (RefTensor | undefined)[], opset: number): RefTensor[] | undefined {
  const need = (i: number): RefTensor => {
    const v = inputs[i];
    if (!v) throw new Error(`reference: ${node.opType} '${node.name}' is missing input ${i}`);
    return v;
  };
  switch (node.opType) {
    case 'LayerNormalization': return [layerNormalization(node, need(0), need(1), inputs[2])];
    case 'Erf': return [pointwise(need(0), erf)];
    case 'Sqrt': return [pointwise(need(0), Math.sqrt)];
    case 'Exp': return [pointwise(need(0), Math.exp)];
    case 'Pow': {
      const [a, b] = [need(0), need(1)];
      // Expanding each operand to the other's shape yields the common broadcast shape.
      const shape = expand(expand(a, shapeTensor(b.shape)), shapeTensor(a.shape)).shape;
      const ab = expand(a, shapeTensor(shape));
      const bb = expand(b, shapeTensor(shape));
      return [{ shape, data: ab.data.map((v, i) => Math.pow(v, bb.data[i])) }];
    }
    case 'Split': return split(node, need(0), inputs[1], opset);
    case 'Slice': return [slice(node, need(0), inputs, opset)];
    case 'Gather': return [gather(node, need(0), need(1))];
    case 'ReduceMean': return [reduce(node, need(0), inputs[1], true)];
    case 'ReduceSum': return [reduce(node, need(0), inputs[1], false)];
    case 'Expand': return [expand(need(0), need(1))];
    case 'Tile': return [tile(need(0), need(1))];
    case 'Unsqueeze': return [unsqueeze(node, need(0), inputs[1])];
    case 'Squeeze': return [squeeze(node, need(0), inputs[1])];
    case 'Shape': return [{ shape: [need(0).shape.length], data: Float64Array.from(need(0).shape) }];
    default: return undefined;
  }
}
