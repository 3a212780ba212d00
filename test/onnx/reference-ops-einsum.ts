/**
 * Float64 reference Einsum for the interpreter: brute force over every assignment of the index
 * letters (tests use tiny operands). Written independently of src/onnx/einsum-equation.ts: the
 * ellipsis becomes upper-case-free placeholder digits here, broadcasting is by size-1 dimensions.
 */
import type { Node } from '../../src/onnx/graph.js';
import type { RefTensor } from './reference-interpreter.js';

export function einsumReference(node: Node, operands: readonly RefTensor[]): RefTensor {
  const equation = node.attributes.equation?.type === 'string' ? node.attributes.equation.value.replace(/\s/g, '') : '';
  const [lhs, rhs] = equation.split('->');
  const terms = lhs.split(',');
  // Ellipsis dimensions as the digits '0'…'9', right-aligned across operands.
  const ellipsisRank = Math.max(0, ...terms.map((t, k) => (t.includes('...') ? operands[k].shape.length - (t.length - 3) : 0)));
  const digits = Array.from({ length: ellipsisRank }, (_, i) => String(i));
  const expand = (t: string, rank: number) => (t.includes('...') ? t.replace('...', digits.slice(ellipsisRank - rank).join('')) : t);
  const letters = terms.map((t, k) => [...expand(t, t.includes('...') ? operands[k].shape.length - (t.length - 3) : 0)]);
  let out: string[];
  if (rhs !== undefined) out = [...expand(rhs, ellipsisRank)];
  else {
    const all = terms.join('').replace(/\./g, '');
    out = [...digits, ...[...new Set(all)].filter((l) => all.split(l).length === 2).sort()];
  }
  const size = new Map<string, number>();
  letters.forEach((ls, k) => ls.forEach((l, i) => size.set(l, Math.max(size.get(l) ?? 1, operands[k].shape[i]))));
  const every = [...size.keys()];
  const outShape = out.map((l) => size.get(l)!);
  const data = new Float64Array(outShape.reduce((a, b) => a * b, 1));
  const value: Record<string, number> = {};
  const visit = (d: number) => {
    if (d === every.length) {
      let p = 1;
      letters.forEach((ls, k) => {
        const shape = operands[k].shape;
        let offset = 0;
        ls.forEach((l, i) => {
          offset = offset * shape[i] + (shape[i] === 1 ? 0 : value[l]);
        });
        p *= operands[k].data[offset];
      });
      let o = 0;
      out.forEach((l, i) => {
        o = o * outShape[i] + value[l];
      });
      data[o] += p;
      return;
    }
    for (let v = 0; v < size.get(every[d])!; v++) {
      value[every[d]] = v;
      visit(d + 1);
    }
  };
  visit(0);
  return { shape: outShape, data };
}
