/**
 * Float64 reference implementations of the comparison and logic ops that
 * trustscope's own backward graphs contain (ReLU masks, the first-maximum MaxPool backward; its SpaceToDepth is in reference-ops-rearrange.ts;
 * ArgMax and broadcast Equal of the predicted-class cotangent, models/predicted-cotangent.ts), so that
 * a backward graph can itself be run by the interpreter and differentiated by finite differences
 * (second-order checks). Booleans are 0/1. Written from the ONNX specification, sharing no code with src/.
 */
import type { Node } from '../../src/onnx/graph.js';
import type { RefTensor } from './reference-interpreter.js';

/** Elementwise over two operands with numpy / ONNX multidirectional broadcasting. */
function pairwise(a: RefTensor, b: RefTensor, f: (x: number, y: number) => boolean): RefTensor {
  const rank = Math.max(a.shape.length, b.shape.length);
  const padded = (s: readonly number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const sa = padded(a.shape);
  const sb = padded(b.shape);
  const shape = sa.map((d, i) => {
    if (d !== sb[i] && d !== 1 && sb[i] !== 1) throw new Error(`reference: cannot broadcast [${a.shape.join(', ')}] with [${b.shape.join(', ')}]`);
    return d === 1 ? sb[i] : d;
  });
  const n = shape.reduce((p, d) => p * d, 1);
  const out = new Float64Array(n);
  // Flat index of the element an operand of shape `s` (rank-padded) reads for the output position `at`.
  const source = (s: number[], at: number[]) => s.reduce((flat, d, i) => flat * d + (d === 1 ? 0 : at[i]), 0);
  const at = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    out[i] = f(a.data[source(sa, at)], b.data[source(sb, at)]) ? 1 : 0;
    for (let d = rank - 1; d >= 0 && ++at[d] === shape[d]; d--) at[d] = 0;
  }
  return { shape, data: out };
}

/** ArgMax along one axis: the first index of the largest value (the last with select_last_index = 1). */
function argMax(node: Node, x: RefTensor): RefTensor {
  const attrs = node.attributes;
  const rank = x.shape.length;
  const axisAttr = attrs.axis?.type === 'int' ? attrs.axis.value : 0;
  const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  const keep = (attrs.keepdims?.type === 'int' ? attrs.keepdims.value : 1) === 1;
  const last = (attrs.select_last_index?.type === 'int' ? attrs.select_last_index.value : 0) === 1;
  const outer = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const size = x.shape[axis];
  const inner = x.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      for (let k = 1; k < size; k++) {
        const v = x.data[(o * size + k) * inner + i];
        const b = x.data[(o * size + best) * inner + i];
        if (v > b || (last && v === b)) best = k;
      }
      out[o * inner + i] = best;
    }
  }
  const shape = keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
  return { shape, data: out };
}

export function evaluateLogicOp(node: Node, inputs: (RefTensor | undefined)[]): RefTensor[] | undefined {
  const need = (i: number): RefTensor => {
    const v = inputs[i];
    if (!v) throw new Error(`reference: ${node.opType} '${node.name}' is missing input ${i}`);
    return v;
  };
  switch (node.opType) {
    case 'Equal': return [pairwise(need(0), need(1), (a, b) => a === b)];
    case 'ArgMax': return [argMax(node, need(0))];
    case 'And': return [pairwise(need(0), need(1), (a, b) => a !== 0 && b !== 0)];
    case 'Or': return [pairwise(need(0), need(1), (a, b) => a !== 0 || b !== 0)];
    case 'Not': return [{ shape: [...need(0).shape], data: need(0).data.map((v) => (v === 0 ? 1 : 0)) }];
    default: return undefined;
  }
}
