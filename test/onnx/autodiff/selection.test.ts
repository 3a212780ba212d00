/** Max, Min (variadic, broadcasting) and Where against finite differences, and Max/Min's tie rule. */
import { describe, expect, it } from 'vitest';
import { floatTensorValue } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { expectGradientsMatch, gradientsAt, opGraph, randomValue } from './fd-harness.js';

describe('Max and Min', () => {
  for (const op of ['Max', 'Min']) {
    it(`${op}: two operands of one shape, broadcast operands, three operands, one operand`, async () => {
      await expectGradientsMatch(opGraph(op, [{ name: 'a', shape: [2, 3, 4] }, { name: 'b', shape: [2, 3, 4] }]), { label: `${op} same shape` });
      await expectGradientsMatch(opGraph(op, [{ name: 'a', shape: [2, 3, 4] }, { name: 'b', shape: [4] }]), { label: `${op} [2,3,4] vs [4]` });
      // Values chosen so that each operand attains the result somewhere.
      const values = { a: [0.5, -1, 2.2], b: [1.1, -0.6, 0.2, 3], c: [0.8, -2] };
      await expectGradientsMatch(opGraph(op, [{ name: 'a', shape: [3, 1] }, { name: 'b', shape: [1, 4] }, { name: 'c', shape: [2, 1, 1] }]), { values, label: `${op} three broadcast operands` });
      await expectGradientsMatch(opGraph(op, [{ name: 'a', shape: [3, 4] }]), { label: `${op} one operand` });
    });
  }

  it('with a constant operand (torch.clamp with a tensor bound, maximum(x, 0))', async () => {
    const g = opGraph('Max', [{ name: 'x', shape: [2, 5] }, { name: 'floor', value: floatTensorValue([], [0]) }], {}, 13);
    await expectGradientsMatch(g, { label: 'Max(x, 0)' });
    const h = opGraph('Min', [{ name: 'x', shape: [2, 5] }, { name: 'cap', value: randomValue([5], 3) }], {}, 11);
    await expectGradientsMatch(h, { label: 'Min(x, cap) opset 11' });
  });

  it('ties split the gradient evenly among the operands that attain the result (PyTorch maximum/minimum: half each)', async () => {
    const g = opGraph('Max', [{ name: 'a', shape: [3] }, { name: 'b', shape: [3] }]);
    const r = await gradientsAt(g, { a: { shape: [3], data: [1, 2, 5] }, b: { shape: [3], data: [1, 3, 4] } }, [4, 4, 4], ['a', 'b']);
    expect(r.a).toEqual([2, 0, 4]);
    expect(r.b).toEqual([2, 4, 0]);
    const m = opGraph('Min', [{ name: 'a', shape: [2] }, { name: 'b', shape: [2] }, { name: 'c', shape: [] }]);
    const t = await gradientsAt(m, { a: { shape: [2], data: [0, 1] }, b: { shape: [2], data: [0, 2] }, c: { shape: [], data: [0] } }, [3, 6], ['a', 'b', 'c']);
    expect(t.a).toEqual([1, 0]);
    expect(t.b).toEqual([1, 0]);
    // c is broadcast: its share of the three-way tie (1) plus all of the second element's 6.
    expect(t.c).toEqual([7]);
  });
});

describe('Where', () => {
  it('condition from a comparison of another input; X and Y broadcast; the condition gets nothing', async () => {
    const e = new GraphEditor('where');
    const c = e.input('c', [2, 1, 4]);
    const x = e.input('x', [2, 3, 4]);
    const y = e.input('y', [4]);
    e.output(e.op('Where', [e.op('Greater', [c, e.constFloat([0])]), x, y]));
    await expectGradientsMatch(e.build(), { constantInputs: ['c'], label: 'Where broadcast' });
  });

  it('torch masked_fill: Where(mask of x, constant, x), the mask computed from the differentiated input', async () => {
    const e = new GraphEditor('masked_fill', 13);
    const x = e.input('x', ['N', 3, 4]);
    e.output(e.op('Where', [e.op('Less', [x, e.constFloat([-0.5])]), e.constFloat([0]), x]));
    await expectGradientsMatch(e.build(), { batch: 2, label: 'masked_fill' });
  });
});
