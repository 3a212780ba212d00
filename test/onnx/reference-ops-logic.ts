/**
 * Float64 reference implementations of the comparison, logic and block-rearranging ops that
 * trustscope's own backward graphs contain (ReLU masks, the first-maximum MaxPool backward), so that
 * a backward graph can itself be run by the interpreter and differentiated by finite differences
 * (second-order checks). Booleans are 0/1. Written from the ONNX specification, sharing no code with src/.
 */
import type { Node } from '../../src/onnx/graph.js';
import { intAttr, stringAttr } from '../../src/onnx/graph.js';
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

/**
 * SpaceToDepth and DepthToSpace by their index definitions. SpaceToDepth: out[n, (by·b + bx)·C + c, h, w]
 * = x[n, c, h·b + by, w·b + bx]. DepthToSpace DCR is its inverse; CRD reads channel c·b² + by·b + bx.
 */
function blocks(node: Node, x: RefTensor): RefTensor {
  const b = intAttr(node, 'blocksize', 1);
  const [n, c0, h0, w0] = x.shape;
  const toDepth = node.opType === 'SpaceToDepth';
  const crd = !toDepth && stringAttr(node, 'mode', 'DCR') === 'CRD';
  // The space side's sizes: [n, C, H, W] with H, W the large ones.
  const [C, H, W] = toDepth ? [c0, h0, w0] : [c0 / (b * b), h0 * b, w0 * b];
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++) {
          const [by, bx, h, w] = [y % b, xx % b, Math.floor(y / b), Math.floor(xx / b)];
          const depthChannel = crd ? c * b * b + by * b + bx : (by * b + bx) * C + c;
          const space = ((i * C + c) * H + y) * W + xx;
          const depth = ((i * C * b * b + depthChannel) * (H / b) + h) * (W / b) + w;
          if (toDepth) out[depth] = x.data[space];
          else out[space] = x.data[depth];
        }
  return { shape: toDepth ? [n, C * b * b, H / b, W / b] : [n, C, H, W], data: out };
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
    case 'SpaceToDepth': case 'DepthToSpace': return [blocks(node, need(0))];
    default: return undefined;
  }
}
