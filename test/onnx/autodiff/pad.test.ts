/**
 * Pad in constant, reflect and edge modes (Conv2d(padding_mode='reflect' / 'replicate') exports)
 * against finite differences of the float64 reference interpreter, with pads as an attribute
 * (opset 10), as an input (11, 13) and with an axes input (18).
 */
import { describe, expect, it } from 'vitest';
import { attr } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { inferShapes } from '../../../src/onnx/shapes.js';
import { expectGradientsMatch, opGraph } from './fd-harness.js';

function padGraph(mode: string, pads: number[], opset: number, shape = [2, 3, 5, 6], axes?: number[]) {
  const e = new GraphEditor(`pad_${mode}`, opset);
  const x = e.input('x', shape);
  const inputs = opset >= 11 ? [x, e.constInt64(pads), ...(axes ? ['', e.constInt64(axes)] : [])] : [x];
  const attrs = opset >= 11 ? { mode: attr.string(mode) } : { mode: attr.string(mode), pads: attr.ints(pads) };
  e.output(e.op('Pad', inputs, attrs));
  return e.build();
}

describe('Pad', () => {
  for (const mode of ['constant', 'reflect', 'edge']) {
    for (const opset of [10, 11, 13]) {
      it(`${mode}, asymmetric pads on H and W, opset ${opset}`, async () => {
        await expectGradientsMatch(padGraph(mode, [0, 0, 1, 2, 0, 0, 3, 1], opset), { label: `Pad ${mode} opset ${opset}` });
      });
    }
    it(`${mode}, pads on the channel axis and one spatial side, opset 13`, async () => {
      await expectGradientsMatch(padGraph(mode, [0, 2, 0, 0, 0, 1, 0, 2], 13), { label: `Pad ${mode} channel` });
    });
  }

  it('reflect with an axes input (opset 18), pads up to n − 1', async () => {
    const g = padGraph('reflect', [4, 2, 3, 5], 18, [2, 3, 5, 6], [2, 3]);
    expect(inferShapes(g).shapes.get(g.outputs[0].name)).toEqual([2, 3, 12, 13]);
    await expectGradientsMatch(padGraph('reflect', [4, 2, 3, 5], 18, [2, 3, 5, 6], [2, 3]), { label: 'Pad reflect axes' });
  });

  it('reflect into a convolution, as Conv2d(padding_mode="reflect") exports', async () => {
    const e = new GraphEditor('reflect_conv', 13);
    const x = e.input('x', [2, 1, 6, 6]);
    const w = e.input('w', [3, 1, 3, 3]);
    const padded = e.op('Pad', [x, e.constInt64([0, 0, 1, 1, 0, 0, 1, 1])], { mode: attr.string('reflect') });
    e.output(e.op('Conv', [padded, w]));
    await expectGradientsMatch(e.build(), { label: 'reflect → Conv' });
  });

  it('wrap mode names what is supported', () => {
    const g = opGraph('Pad', [{ name: 'x', shape: [1, 1, 4, 4] }, { name: 'p', value: { dataType: 7, dims: [8], data: BigInt64Array.from([0, 0, 1, 1, 0, 0, 1, 1].map(BigInt)) } }], { mode: attr.string('wrap') }, 19);
    expect(() => buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] })).toThrow(/mode 'wrap' has no gradient rule \(constant, reflect and edge do\)/);
  });
});
