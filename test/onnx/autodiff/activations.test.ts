/** LeakyRelu, Sigmoid and Tanh against finite differences. */
import { describe, it } from 'vitest';
import { attr } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { expectGradientsMatch, opGraph } from './fd-harness.js';

describe('LeakyRelu', () => {
  it('default alpha (0.01), alpha 0.2, and a negative alpha (branch read from the input)', async () => {
    for (const alpha of [undefined, 0.2, -0.5]) {
      const g = opGraph('LeakyRelu', [{ name: 'x', shape: [2, 3, 4, 5] }], alpha === undefined ? {} : { alpha: attr.float(alpha) });
      await expectGradientsMatch(g, { label: `LeakyRelu alpha=${alpha ?? 'default'}` });
    }
  });

  it('after a Conv (the output-based mask keeps Conv+LeakyRelu fusable)', async () => {
    const e = new GraphEditor('conv_leaky');
    const x = e.input('x', [2, 2, 5, 5]);
    const w = e.input('w', [3, 2, 3, 3]);
    e.output(e.op('LeakyRelu', [e.op('Conv', [x, w], { pads: attr.ints([1, 1, 1, 1]) })], { alpha: attr.float(0.1) }));
    await expectGradientsMatch(e.build(), { label: 'Conv → LeakyRelu' });
  });
});

describe('Sigmoid and Tanh', () => {
  for (const op of ['Sigmoid', 'Tanh']) {
    it(`${op} on several shapes, including large inputs where the slope vanishes`, async () => {
      for (const shape of [[7], [2, 3, 4], [2, 3, 2, 5]]) {
        await expectGradientsMatch(opGraph(op, [{ name: 'x', shape }]), { label: `${op} [${shape}]`, seed: shape.length });
      }
      const wide = Float32Array.from([-9, -4, -1.5, -0.2, 0, 0.3, 2, 6]);
      await expectGradientsMatch(opGraph(op, [{ name: 'x', shape: [8] }]), { values: { x: wide }, label: `${op} wide range` });
    });
  }
});
