/**
 * Float64 reference ops for Cast, Reciprocal, the piecewise-constant Floor/Ceil/Round/Sign,
 * ReduceL2 and the Selu/Celu/Softsign activations, from the ONNX spec (Round: halves to even; Cast to an integer type truncates toward zero,
 * to bool is ≠ 0).
 */
import type { Node } from '../../src/onnx/graph.js';
import { floatAttr, intAttr, intsAttr } from '../../src/onnx/graph.js';
import type { RefTensor } from './reference-interpreter.js';

const map = (x: RefTensor, f: (v: number) => number): RefTensor => ({ shape: [...x.shape], data: x.data.map(f) });

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function reduceL2(node: Node, x: RefTensor, axesInput?: RefTensor): RefTensor {
  const rank = x.shape.length;
  const given = intsAttr(node, 'axes') ?? (axesInput ? Array.from(axesInput.data) : []);
  const axes = (given.length > 0 ? given : x.shape.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
  const keep = intAttr(node, 'keepdims', 1) === 1;
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const sums = new Float64Array(kept.reduce((a, b) => a * b, 1));
  const strides = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const keptStrides = kept.map((_, i) => kept.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let o = 0; o < x.data.length; o++) {
    let k = 0;
    for (let a = 0; a < rank; a++) k += (axes.includes(a) ? 0 : Math.floor(o / strides[a]) % x.shape[a]) * keptStrides[a];
    sums[k] += x.data[o] * x.data[o];
  }
  return { shape: keep ? kept : x.shape.filter((_, i) => !axes.includes(i)), data: sums.map(Math.sqrt) };
}

export function evaluatePointwiseOp(node: Node, inputs: (RefTensor | undefined)[]): RefTensor[] | undefined {
  const x = inputs[0];
  if (!x) return undefined;
  switch (node.opType) {
    case 'Cast': {
      const to = intAttr(node, 'to', 1);
      if (to === 9) return [map(x, (v) => (v !== 0 ? 1 : 0))];
      // FLOAT, DOUBLE, FLOAT16, BFLOAT16 keep the value (float64 here); the rest are integers.
      return [[1, 10, 11, 16].includes(to) ? map(x, (v) => v) : map(x, Math.trunc)];
    }
    case 'Reciprocal': return [map(x, (v) => 1 / v)];
    case 'Floor': return [map(x, Math.floor)];
    case 'Ceil': return [map(x, Math.ceil)];
    case 'Round': return [map(x, roundHalfEven)];
    case 'Sign': return [map(x, Math.sign)];
    case 'ReduceL2': return [reduceL2(node, x, inputs[1])];
    case 'Selu': {
      const alpha = floatAttr(node, 'alpha', 1.67326319217681884765625);
      const gamma = floatAttr(node, 'gamma', 1.05070102214813232421875);
      return [map(x, (v) => gamma * (v > 0 ? v : alpha * (Math.exp(v) - 1)))];
    }
    case 'Celu': {
      const alpha = floatAttr(node, 'alpha', 1);
      return [map(x, (v) => Math.max(0, v) + Math.min(0, alpha * (Math.exp(v / alpha) - 1)))];
    }
    case 'Softsign': return [map(x, (v) => v / (1 + Math.abs(v)))];
    default: return undefined;
  }
}
