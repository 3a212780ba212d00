/**
 * Cast (float32 passes the gradient, to integer cuts it), Floor/Ceil/Round/Sign (zero
 * gradient), Reciprocal and ReduceL2 against finite differences of the float64 reference interpreter.
 */
import { describe, expect, it } from 'vitest';
import { DataType, attr } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { expectGradientsMatch, gradientsAt, opGraph } from './fd-harness.js';

describe('Cast and piecewise-constant ops', () => {
  it('Cast to float32 (x.float()) inside a product: the gradient passes', async () => {
    const e = new GraphEditor('cast_float', 13);
    const x = e.input('x', [2, 3, 4]);
    const f = e.op('Cast', [x], { to: attr.int(DataType.FLOAT) });
    e.output(e.op('Mul', [e.op('Mul', [f, f]), x]));
    await expectGradientsMatch(e.build(), { label: 'Cast float' });
  });

  it('a float64 region is refused with the fix', () => {
    const e = new GraphEditor('cast_double', 13);
    const x = e.input('x', [2, 3]);
    const d = e.op('Cast', [x], { to: attr.int(DataType.DOUBLE) });
    e.output(e.op('Cast', [e.op('Mul', [d, d])], { to: attr.int(DataType.FLOAT) }));
    const g = e.build();
    expect(() => buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] })).toThrow(/export the model in float32/);
  });

  it('a Cast to int64 and Floor/Ceil/Round/Sign cut the gradient (zero, as PyTorch)', async () => {
    for (const op of ['Floor', 'Ceil', 'Round', 'Sign']) {
      const e = new GraphEditor(`flat_${op}`, 13);
      const x = e.input('x', [2, 5]);
      // x·3 + step(x): the gradient is 3 everywhere away from the steps.
      e.output(e.op('Add', [e.op('Mul', [x, e.constFloat([3])]), e.op(op, [x])]));
      const grads = await gradientsAt(e.build(), { x: { shape: [2, 5], data: [0.2, -1.3, 2.7, 0.6, -0.4, 1.1, 3.3, -2.2, 0.9, -0.1] } }, new Array(10).fill(1), ['x']);
      expect(grads.x, op).toEqual(new Array(10).fill(3));
    }
    const e = new GraphEditor('cast_int', 13);
    const x = e.input('x', [3]);
    const asInt = e.op('Cast', [x], { to: attr.int(DataType.INT64) });
    e.output(e.op('Add', [x, e.op('Cast', [asInt], { to: attr.int(DataType.FLOAT) })]));
    const grads = await gradientsAt(e.build(), { x: { shape: [3], data: [1.5, -2.5, 0.3] } }, [1, 2, 3], ['x']);
    expect(grads.x).toEqual([1, 2, 3]);
  });

  it('Reciprocal', async () => {
    await expectGradientsMatch(opGraph('Reciprocal', [{ name: 'x', shape: [2, 3] }]), { label: 'Reciprocal', values: { x: [0.5, -1.2, 2, 1.5, -0.7, 3] } });
  });

  for (const [axes, keep] of [[[1], 1], [[2, 3], 0], [undefined, 1]] as const) {
    it(`ReduceL2 axes ${JSON.stringify(axes)} keepdims ${keep} (F.normalize)`, async () => {
      const attrs = { keepdims: attr.int(keep), ...(axes ? { axes: attr.ints([...axes]) } : {}) };
      await expectGradientsMatch(opGraph('ReduceL2', [{ name: 'x', shape: [2, 3, 2, 2] }], attrs, 13), { label: `ReduceL2 ${JSON.stringify(axes)}` });
    });
  }
});
