/**
 * Einsum (einsum.ts) against finite differences of the float64 reference interpreter: the
 * patterns exporters emit (attention's 'bhid,bhjd->bhij' and 'bhij,bhjd->bhid', batched matmul,
 * a Linear written as einsum, ellipsis with broadcasting, implicit output), plus an index summed
 * within one operand and a three-operand contraction; and the refusal of diagonals.
 * ONNX Runtime rejects operands whose ellipses span different ranks or sizes ('Ellipsis represents
 * incompatible dimensions'), so the ellipsis case has equal ones.
 */
import { describe, expect, it } from 'vitest';
import { attr } from '../../../src/onnx/graph.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { parseEinsum } from '../../../src/onnx/einsum-equation.js';
import { inferShapes } from '../../../src/onnx/shapes.js';
import { expectGradientsMatch, opGraph, randomValue } from './fd-harness.js';

const CASES: { equation: string; shapes: number[][]; out: number[] }[] = [
  { equation: 'bhid,bhjd->bhij', shapes: [[2, 2, 3, 4], [2, 2, 5, 4]], out: [2, 2, 3, 5] },
  { equation: 'bhij,bhjd->bhid', shapes: [[2, 2, 3, 5], [2, 2, 5, 4]], out: [2, 2, 3, 4] },
  { equation: 'bij,bjk->bik', shapes: [[2, 3, 4], [2, 4, 2]], out: [2, 3, 2] },
  { equation: 'bnd,od->bno', shapes: [[2, 3, 4], [5, 4]], out: [2, 3, 5] },
  { equation: '...ij,...jk->...ik', shapes: [[2, 3, 3, 4], [2, 3, 4, 2]], out: [2, 3, 3, 2] },
  { equation: 'ij,jk', shapes: [[3, 4], [4, 2]], out: [3, 2] },
  { equation: 'bchw,c->bhw', shapes: [[2, 3, 4, 2], [3]], out: [2, 4, 2] },
  { equation: 'ij->i', shapes: [[3, 4]], out: [3] },
  { equation: 'bi,bj->bij', shapes: [[2, 3], [2, 4]], out: [2, 3, 4] },
  { equation: 'ab,bc,cd->ad', shapes: [[2, 3], [3, 4], [4, 2]], out: [2, 2] },
];

describe('Einsum', () => {
  for (const c of CASES) {
    it(`${c.equation} ${c.shapes.map((s) => `[${s}]`).join(' ')}`, async () => {
      const names = c.shapes.map((_, i) => `x${i}`);
      const g = opGraph('Einsum', c.shapes.map((shape, i) => ({ name: names[i], shape })), { equation: attr.string(c.equation) }, 13);
      expect(inferShapes(g).shapes.get(g.outputs[0].name)).toEqual(c.out);
      const result = await expectGradientsMatch(g, { label: `Einsum ${c.equation}` });
      names.forEach((n, i) => expect(result.gradients[n].shape).toEqual(c.shapes[i]));
    });
  }

  it('a frozen operand (initializer) and a dynamic batch', async () => {
    const g = opGraph('Einsum', [{ name: 'x', shape: ['N', 3, 4] }, { name: 'w', value: randomValue([5, 4], 9) }], { equation: attr.string('bnd,od->bno') }, 12);
    await expectGradientsMatch(g, { wrtInitializers: ['w'], batch: 3, label: 'Einsum frozen' });
  });

  it('implicit output follows the numpy rule (ellipsis first, then single letters in order)', () => {
    expect(parseEinsum('ji,jk', [2, 2]).output).toEqual(['i', 'k']);
    expect(parseEinsum('...ba', [3]).output.slice(1)).toEqual(['a', 'b']);
  });

  it('refuses a diagonal with a one-line reason', () => {
    const g = opGraph('Einsum', [{ name: 'x', shape: [3, 3] }], { equation: attr.string('ii->i') }, 13);
    expect(() => buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] })).toThrow(/repeats an index within operand 0/);
  });
});
