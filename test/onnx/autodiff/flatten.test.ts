/** Flatten and Reshape backward: the constant batch-copying target where the batch provably carries over, Shape(x) elsewhere. */
import { describe, expect, it } from 'vitest';
import { attr, type Graph } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { expectGradientsMatch, opGraph } from './fd-harness.js';

function gradientOps(g: Graph): string[] {
  return buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] }).graph.nodes.map((n) => n.opType);
}

describe('Flatten / Reshape backward', () => {
  it('run-time batch kept by Flatten: a constant target, no Shape', async () => {
    const g = opGraph('Flatten', [{ name: 'x', shape: ['N', 4, 2, 3] }], { axis: attr.int(1) });
    expect(gradientOps(g)).not.toContain('Shape');
    await expectGradientsMatch(g, { batch: 3, label: 'Flatten run-time batch' });
  });

  it('a Reshape that folds the batch into another axis reshapes by Shape(x)', async () => {
    const e = new GraphEditor('reshape_merge');
    const x = e.input('x', ['N', 2, 3]);
    e.output(e.op('Reshape', [x, e.constInt64([-1, 3])]));
    const g = e.build();
    expect(gradientOps(g)).toContain('Shape');
    await expectGradientsMatch(g, { batch: 2, label: 'Reshape folding the batch' });
  });
});
