/**
 * ReduceMean, ReduceSum, ReduceMax and ReduceMin against finite differences, in the attribute (≤ 17)
 * and input (18) forms, ReduceMax/ReduceMin's tie rule, and a decomposed LayerNorm.
 */
import { describe, expect, it } from 'vitest';
import { attr, int64TensorValue } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { expectGradientsMatch, gradientsAt, opGraph, randomValue } from './fd-harness.js';

const axesInput = (axes: number[]) => ({ name: 'axes', value: int64TensorValue([axes.length], axes) });

describe('ReduceMean', () => {
  for (const keepdims of [1, 0]) {
    it(`axes attribute (opset 17), keepdims ${keepdims}: one axis, negative axes, two axes, all axes`, async () => {
      for (const axes of [[1], [-1], [0, 2], undefined]) {
        const attrs = { keepdims: attr.int(keepdims), ...(axes ? { axes: attr.ints(axes) } : {}) };
        await expectGradientsMatch(opGraph('ReduceMean', [{ name: 'x', shape: [2, 3, 4] }], attrs), { label: `ReduceMean axes=${axes ?? 'all'} keep=${keepdims}` });
      }
    });

    it(`axes input (opset 18), keepdims ${keepdims}`, async () => {
      for (const axes of [[2], [-2, 0]]) {
        const g = opGraph('ReduceMean', [{ name: 'x', shape: [2, 3, 4] }, axesInput(axes)], { keepdims: attr.int(keepdims) }, 18);
        await expectGradientsMatch(g, { label: `ReduceMean opset 18 axes=${axes} keep=${keepdims}` });
      }
    });
  }

  it('over the token axis with a run-time batch', async () => {
    await expectGradientsMatch(opGraph('ReduceMean', [{ name: 'x', shape: ['N', 5, 3] }], { axes: attr.ints([1]) }), { batch: 3, label: 'ReduceMean tokens' });
  });

  it('noop_with_empty_axes (opset 18) is the identity', async () => {
    const g = opGraph('ReduceMean', [{ name: 'x', shape: [2, 3] }], { noop_with_empty_axes: attr.int(1) }, 18);
    await expectGradientsMatch(g, { label: 'ReduceMean noop' });
  });
});

describe('ReduceSum', () => {
  it('axes input (opset 13+), keepdims 0 and 1', async () => {
    for (const keepdims of [0, 1]) {
      const g = opGraph('ReduceSum', [{ name: 'x', shape: [2, 3, 4] }, axesInput([0, -1])], { keepdims: attr.int(keepdims) });
      await expectGradientsMatch(g, { label: `ReduceSum keep=${keepdims}` });
    }
  });
});

describe('LayerNorm decomposed as torch exports it before opset 17', () => {
  it('ReduceMean → Sub → Pow(2) → ReduceMean → Add(ε) → Sqrt → Div → Mul → Add', async () => {
    const e = new GraphEditor('decomposed_layer_norm', 13);
    const x = e.input('x', ['N', 4, 6]);
    const axes = { axes: attr.ints([-1]) };
    const centred = e.op('Sub', [x, e.op('ReduceMean', [x], axes)]);
    const variance = e.op('ReduceMean', [e.op('Pow', [centred, e.constFloat([2])])], axes);
    const normalised = e.op('Div', [centred, e.op('Sqrt', [e.op('Add', [variance, e.constFloat([1e-5])])])]);
    e.initializer('gamma', randomValue([6], 8));
    e.initializer('beta', randomValue([6], 9));
    e.output(e.op('Add', [e.op('Mul', [normalised, 'gamma']), 'beta']));
    await expectGradientsMatch(e.build(), { batch: 2, wrtInitializers: ['gamma', 'beta'], label: 'decomposed LayerNorm' });
  });
});

describe('ReduceMax and ReduceMin', () => {
  for (const op of ['ReduceMax', 'ReduceMin']) {
    for (const keepdims of [1, 0]) {
      it(`${op} axes attribute (opset 13, 17), keepdims ${keepdims}: one axis, negative axes, two axes, all axes`, async () => {
        for (const opset of [13, 17]) {
          for (const axes of [[1], [-1], [0, 2], undefined]) {
            const attrs = { keepdims: attr.int(keepdims), ...(axes ? { axes: attr.ints(axes) } : {}) };
            await expectGradientsMatch(opGraph(op, [{ name: 'x', shape: [2, 3, 4] }], attrs, opset), { label: `${op} opset ${opset} axes=${axes ?? 'all'} keep=${keepdims}` });
          }
        }
      });

      it(`${op} axes input (opset 18), keepdims ${keepdims}`, async () => {
        for (const axes of [[2], [-2, 0]]) {
          const g = opGraph(op, [{ name: 'x', shape: [2, 3, 4] }, axesInput(axes)], { keepdims: attr.int(keepdims) }, 18);
          await expectGradientsMatch(g, { label: `${op} opset 18 axes=${axes} keep=${keepdims}` });
        }
      });
    }
  }

  it('over spatial axes with a run-time batch (a global max pool written as torch.amax), noop_with_empty_axes', async () => {
    await expectGradientsMatch(opGraph('ReduceMax', [{ name: 'x', shape: ['N', 3, 4, 5] }], { axes: attr.ints([2, 3]), keepdims: attr.int(0) }), { batch: 2, label: 'ReduceMax spatial' });
    await expectGradientsMatch(opGraph('ReduceMin', [{ name: 'x', shape: [2, 3] }], { noop_with_empty_axes: attr.int(1) }, 18), { label: 'ReduceMin noop' });
  });

  it('ties split the gradient evenly (PyTorch amax/amin and max() without dim)', async () => {
    const g = opGraph('ReduceMax', [{ name: 'x', shape: [2, 4] }], { axes: attr.ints([1]), keepdims: attr.int(0) });
    const r = await gradientsAt(g, { x: { shape: [2, 4], data: [1, 3, 3, 2, 7, 7, 7, 7] } }, [6, 8], ['x']);
    expect(r.x).toEqual([0, 3, 3, 0, 2, 2, 2, 2]);
    const h = opGraph('ReduceMin', [{ name: 'x', shape: [5] }], { keepdims: attr.int(1) }, 18);
    const t = await gradientsAt(h, { x: { shape: [5], data: [0, -1, 4, -1, -1] } }, [3], ['x']);
    expect(t.x).toEqual([0, 1, 0, 1, 1]);
  });
});
