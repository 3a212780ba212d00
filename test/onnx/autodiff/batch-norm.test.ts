/** BatchNormalization (inference mode) against finite differences. */
import { describe, expect, it } from 'vitest';
import { attr, floatTensorValue } from '../../../src/onnx/graph.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { Random } from '../../../src/tensor/random.js';
import { expectGradientsMatch, opGraph, randomValue } from './fd-harness.js';

function positive(n: number, seed: number): number[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => rng.uniform(0.3, 2));
}

/** BatchNormalization on x with frozen statistics; scale and bias frozen too unless `liveAffine`. */
function bnGraph(xShape: (number | string)[], channels: number, liveAffine: boolean, attributes = {}) {
  const affine = liveAffine
    ? [{ name: 'scale', shape: [channels] }, { name: 'bias', shape: [channels] }]
    : [{ name: 'scale', value: randomValue([channels], 1) }, { name: 'bias', value: randomValue([channels], 2) }];
  return opGraph('BatchNormalization', [
    { name: 'x', shape: xShape },
    ...affine,
    { name: 'mean', value: randomValue([channels], 3) },
    { name: 'var', value: floatTensorValue([channels], positive(channels, 4)) },
  ], attributes);
}

describe('BatchNormalization', () => {
  it('NCHW with frozen parameters: gradients w.r.t. x, scale and bias', async () => {
    await expectGradientsMatch(bnGraph([2, 3, 4, 5], 3, false), { wrtInitializers: ['scale', 'bias'], label: 'BN NCHW' });
  });

  it('epsilon 0.1, [N, C] and [N, C, L] inputs, dynamic batch', async () => {
    await expectGradientsMatch(bnGraph([4, 3], 3, false, { epsilon: attr.float(0.1) }), { wrtInitializers: ['scale', 'bias'], label: 'BN [N,C] eps 0.1' });
    await expectGradientsMatch(bnGraph(['N', 2, 6], 2, false), { wrtInitializers: ['scale', 'bias'], batch: 3, label: 'BN [N,C,L]' });
  });

  it('scale and bias as graph inputs (training graphs feed weights)', async () => {
    await expectGradientsMatch(bnGraph([2, 4, 3, 3], 4, true), { label: 'BN live affine' });
  });

  it('running mean and variance get no gradient (zeros), x still does', async () => {
    const g = bnGraph([2, 3, 2, 2], 3, false);
    const grad = buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x', 'mean', 'var'] }).graph;
    expect(grad.nodes.filter((n) => n.opType === 'ConstantOfShape')).toHaveLength(2);
  });

  it('training mode is refused, naming the node', () => {
    const g = bnGraph([2, 3, 2, 2], 3, false, { training_mode: attr.int(1) });
    expect(() => buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] })).toThrow(/node 'BatchNormalization' \(BatchNormalization\): training-mode/);
  });
});
