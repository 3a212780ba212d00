/**
 * Float64 reference implementations of the comparison and logic ops that
 * trustscope's own backward graphs contain (ReLU masks, the first-maximum MaxPool backward; its SpaceToDepth is in reference-ops-rearrange.ts), so that
 * a backward graph can itself be run by the interpreter and differentiated by finite differences
 * (second-order checks). Booleans are 0/1. Written from the ONNX specification, sharing no code with src/.
 */
import type { Node } from '../../src/onnx/graph.js';
import type { RefTensor } from './reference-interpreter.js';

/** Elementwise over two operands of one shape, or one of them a single value. */
function pairwise(a: RefTensor, b: RefTensor, f: (x: number, y: number) => boolean): RefTensor {
  const n = Math.max(a.data.length, b.data.length);
  const sameShape = a.shape.join() === b.shape.join();
  if (!sameShape && a.data.length !== 1 && b.data.length !== 1) throw new Error(`reference: logic ops here take equal shapes or a scalar, not [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  const shape = a.data.length >= b.data.length ? a.shape : b.shape;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f(a.data[a.data.length === 1 ? 0 : i], b.data[b.data.length === 1 ? 0 : i]) ? 1 : 0;
  return { shape: [...shape], data: out };
}

export function evaluateLogicOp(node: Node, inputs: (RefTensor | undefined)[]): RefTensor[] | undefined {
  const need = (i: number): RefTensor => {
    const v = inputs[i];
    if (!v) throw new Error(`reference: ${node.opType} '${node.name}' is missing input ${i}`);
    return v;
  };
  switch (node.opType) {
    case 'Equal': return [pairwise(need(0), need(1), (a, b) => a === b)];
    case 'And': return [pairwise(need(0), need(1), (a, b) => a !== 0 && b !== 0)];
    case 'Or': return [pairwise(need(0), need(1), (a, b) => a !== 0 || b !== 0)];
    case 'Not': return [{ shape: [...need(0).shape], data: need(0).data.map((v) => (v === 0 ? 1 : 0)) }];
    default: return undefined;
  }
}
