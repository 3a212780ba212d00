/** GlobalMaxPool against finite differences, with static and run-time sizes, and its first-maximum tie rule. */
import { describe, expect, it } from 'vitest';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { attr } from '../../../src/onnx/graph.js';
import { expectGradientsMatch, gradientsAt, opGraph } from './fd-harness.js';

describe('GlobalMaxPool', () => {
  it('NCHW and NCL inputs, static sizes (opsets 10, 13, 17)', async () => {
    for (const opset of [10, 13, 17]) {
      await expectGradientsMatch(opGraph('GlobalMaxPool', [{ name: 'x', shape: [2, 3, 4, 5] }], {}, opset), { label: `GlobalMaxPool opset ${opset}` });
    }
    await expectGradientsMatch(opGraph('GlobalMaxPool', [{ name: 'x', shape: [2, 3, 7] }]), { label: 'GlobalMaxPool 1-D' });
  });

  it('run-time batch and spatial sizes (how torch exports AdaptiveMaxPool2d(1) for dynamic inputs)', async () => {
    const e = new GraphEditor('dynamic_gmp', 13);
    const x = e.input('x', ['N', 3, 'H', 'W']);
    e.output(e.op('Flatten', [e.op('GlobalMaxPool', [x])], { axis: attr.int(1) }));
    await expectGradientsMatch(e.build(), { batch: 4, label: 'GlobalMaxPool dynamic' });
  });

  it('ties: the first maximum in row-major order takes the gradient (PyTorch adaptive max pooling, MaxPool here)', async () => {
    const g = opGraph('GlobalMaxPool', [{ name: 'x', shape: [1, 2, 2, 2] }]);
    const r = await gradientsAt(g, { x: { shape: [1, 2, 2, 2], data: [1, 3, 3, 0, 5, 5, 5, 5] } }, [7, 9], ['x']);
    expect(r.x).toEqual([0, 7, 0, 0, 9, 0, 0, 0]);
  });
});
