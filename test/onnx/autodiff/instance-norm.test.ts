/**
 * InstanceNormalization and GroupNormalization (opset 18 per-group and opset 21 per-channel
 * parameters) against finite differences, and torch's GroupNorm export below opset 18
 * (Reshape → InstanceNormalization → Reshape → Mul → Add).
 */
import { describe, it } from 'vitest';
import { attr, floatTensorValue } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { expectGradientsMatch, opGraph, randomValue } from './fd-harness.js';

const positiveScale = (n: number, seed: number) => randomValue([n], seed, 0.3).data as Float32Array;

describe('InstanceNormalization', () => {
  it('NCHW with scale and bias as inputs; epsilon 0.01; NCL', async () => {
    await expectGradientsMatch(opGraph('InstanceNormalization', [{ name: 'x', shape: [2, 3, 4, 5] }, { name: 'scale', shape: [3] }, { name: 'b', shape: [3] }]), { label: 'InstanceNorm NCHW' });
    const eps = opGraph('InstanceNormalization', [{ name: 'x', shape: [2, 3, 6] }, { name: 'scale', shape: [3] }, { name: 'b', shape: [3] }], { epsilon: attr.float(0.01) });
    await expectGradientsMatch(eps, { label: 'InstanceNorm NCL eps 0.01' });
  });

  it('frozen scale and bias (initializers, differentiated too), run-time batch, opsets 11 and 18', async () => {
    for (const opset of [11, 18]) {
      const g = opGraph('InstanceNormalization', [{ name: 'x', shape: ['N', 4, 3, 3] }, { name: 'scale', value: randomValue([4], 2) }, { name: 'b', value: randomValue([4], 3) }], {}, opset);
      await expectGradientsMatch(g, { batch: 3, wrtInitializers: ['scale', 'b'], label: `InstanceNorm frozen opset ${opset}` });
    }
  });
});

describe('GroupNormalization', () => {
  it('opset 18: scale and bias per group; 2 and 1 groups, NCHW and NCL', async () => {
    for (const [groups, shape] of [[2, [2, 4, 3, 3]], [1, [2, 3, 5]], [3, [1, 6, 2, 2]]] as const) {
      const g = opGraph('GroupNormalization', [{ name: 'x', shape: [...shape] }, { name: 'scale', shape: [groups] }, { name: 'bias', shape: [groups] }], { num_groups: attr.int(groups) }, 18);
      await expectGradientsMatch(g, { label: `GroupNorm opset 18 G=${groups} [${shape}]` });
    }
  });

  it('opset 21: scale and bias per channel, frozen, run-time batch', async () => {
    const g = opGraph('GroupNormalization', [{ name: 'x', shape: ['N', 6, 3, 3] }, { name: 'scale', value: randomValue([6], 4) }, { name: 'bias', value: randomValue([6], 5) }], { num_groups: attr.int(3), epsilon: attr.float(1e-3) }, 21);
    await expectGradientsMatch(g, { batch: 2, wrtInitializers: ['scale', 'bias'], label: 'GroupNorm opset 21' });
  });

  it('torch\'s export below opset 18: Reshape [0, G, −1] → InstanceNormalization → Reshape(Shape(x)) → Mul → Add (opsets 13 and 17)', async () => {
    for (const opset of [13, 17]) {
      const [C, G] = [6, 2];
      const e = new GraphEditor('torch_group_norm', opset);
      const x = e.input('x', ['N', C, 4, 4]);
      const grouped = e.op('Reshape', [x, e.constInt64([0, G, -1])]);
      const normed = e.op('InstanceNormalization', [grouped, e.constFloat(Array(G).fill(1), [G]), e.constFloat(Array(G).fill(0), [G])], { epsilon: attr.float(1e-5) });
      const back = e.op('Reshape', [normed, e.op('Shape', [x])]);
      e.initializers.set('weight', floatTensorValue([C, 1, 1], positiveScale(C, 6)));
      e.initializers.set('bias', randomValue([C, 1, 1], 7));
      e.names.reserve('weight');
      e.names.reserve('bias');
      e.output(e.op('Add', [e.op('Mul', [back, 'weight']), 'bias']));
      await expectGradientsMatch(e.build(), { batch: 2, wrtInitializers: ['weight', 'bias'], label: `torch GroupNorm export opset ${opset}` });
    }
  });
});
