/**
 * Float64 reference ops that move elements without arithmetic, written from the ONNX spec by index
 * arithmetic (independent of the Reshape/Transpose forms the rules use): Pad in constant, reflect
 * and edge modes; DepthToSpace (DCR and CRD) and SpaceToDepth.
 */
import type { Node } from '../../src/onnx/graph.js';
import { floatAttr, intAttr, intsAttr, stringAttr } from '../../src/onnx/graph.js';
import type { RefTensor } from './reference-interpreter.js';

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Source index along an axis of size n for padded coordinate p (−1: outside, constant mode). */
function source(p: number, n: number, mode: string): number {
  if (p >= 0 && p < n) return p;
  if (mode === 'edge') return p < 0 ? 0 : n - 1;
  if (mode === 'reflect') {
    // Mirror without repeating the edge: …, 2, 1, [0, 1, …, n−1], n−2, …
    let q = p;
    while (q < 0 || q >= n) q = q < 0 ? -q : 2 * (n - 1) - q;
    return q;
  }
  return -1;
}

export function padReference(node: Node, opset: number, x: RefTensor, padsInput?: RefTensor, valueInput?: RefTensor, axesInput?: RefTensor): RefTensor {
  const rank = x.shape.length;
  const given = opset < 11 ? [...(intsAttr(node, 'pads') ?? [])] : Array.from(padsInput?.data ?? [], Number);
  // Opset 18's axes input: pads lists only those axes (all begins, then all ends).
  const axes = axesInput ? Array.from(axesInput.data, (a) => (a < 0 ? a + rank : a)) : Array.from({ length: rank }, (_, i) => i);
  const pads = new Array<number>(2 * rank).fill(0);
  axes.forEach((a, i) => {
    pads[a] = given[i];
    pads[a + rank] = given[i + axes.length];
  });
  const value = opset < 11 ? floatAttr(node, 'value', 0) : valueInput ? valueInput.data[0] : 0;
  const mode = stringAttr(node, 'mode', 'constant');
  const shape = x.shape.map((d, i) => d + pads[i] + pads[i + rank]);
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  const inStrides = strides(x.shape);
  const outStrides = strides(shape);
  for (let o = 0; o < out.length; o++) {
    let offset = 0;
    let outside = false;
    for (let a = 0; a < rank; a++) {
      const p = Math.floor(o / outStrides[a]) % shape[a];
      const s = source(p - pads[a], x.shape[a], mode);
      if (s < 0) outside = true;
      offset += s * inStrides[a];
    }
    out[o] = outside ? value : x.data[offset];
  }
  return { shape, data: out };
}

/** DepthToSpace: out[n, c, h·b + i, w·b + j] = x[n, depth(c, i, j), h, w]. */
export function depthToSpaceReference(node: Node, x: RefTensor): RefTensor {
  const b = intAttr(node, 'blocksize', 1);
  const crd = stringAttr(node, 'mode', 'DCR') === 'CRD';
  const [n, cIn, h, w] = x.shape;
  const c = cIn / (b * b);
  const shape = [n, c, h * b, w * b];
  const out = new Float64Array(x.data.length);
  for (let i0 = 0; i0 < n; i0++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h * b; y++)
        for (let z = 0; z < w * b; z++) {
          const [i, j] = [y % b, z % b];
          const depth = crd ? ch * b * b + i * b + j : (i * b + j) * c + ch;
          out[((i0 * c + ch) * h * b + y) * w * b + z] = x.data[((i0 * cIn + depth) * h + Math.floor(y / b)) * w + Math.floor(z / b)];
        }
  return { shape, data: out };
}

/** SpaceToDepth: the inverse of DepthToSpace in DCR mode. */
export function spaceToDepthReference(node: Node, x: RefTensor): RefTensor {
  const b = intAttr(node, 'blocksize', 1);
  const [n, c, hb, wb] = x.shape;
  const [h, w] = [hb / b, wb / b];
  const shape = [n, c * b * b, h, w];
  const out = new Float64Array(x.data.length);
  for (let i0 = 0; i0 < n; i0++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < hb; y++)
        for (let z = 0; z < wb; z++) {
          const depth = ((y % b) * b + (z % b)) * c + ch;
          out[((i0 * c * b * b + depth) * h + Math.floor(y / b)) * w + Math.floor(z / b)] = x.data[((i0 * c + ch) * hb + y) * wb + z];
        }
  return { shape, data: out };
}
