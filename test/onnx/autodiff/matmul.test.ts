/** MatMul with batch broadcasting and 1-D operands, against finite differences. */
import { describe, expect, it } from 'vitest';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { expectGradientsMatch, opGraph, randomValue } from './fd-harness.js';

const shapes: [number[], number[]][] = [
  [[3, 4], [4, 5]],
  [[2, 3, 4, 5], [5, 6]],
  [[4, 5], [2, 5, 6]],
  [[2, 3, 4], [2, 4, 5]],
  [[2, 1, 3, 4], [3, 4, 2]],
  [[1, 3, 4], [2, 4, 2]],
  [[5], [5, 6]],
  [[5], [2, 5, 3]],
  [[2, 4, 5], [5]],
  [[5], [5]],
];

describe('MatMul', () => {
  for (const [sa, sb] of shapes) {
    it(`[${sa}] @ [${sb}]`, async () => {
      const g = opGraph('MatMul', [{ name: 'a', shape: sa }, { name: 'b', shape: sb }]);
      const result = await expectGradientsMatch(g, { label: `MatMul [${sa}]@[${sb}]` });
      expect(result.gradients.a.shape).toEqual(sa);
      expect(result.gradients.b.shape).toEqual(sb);
    });
  }

  it('a Linear layer on a token batch: frozen [in, out] weight, dynamic batch, one Gemm per gradient', async () => {
    const g = opGraph('MatMul', [{ name: 'x', shape: ['N', 7, 5] }, { name: 'w', value: randomValue([5, 3], 21) }]);
    const grad = buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x', 'w'] }).graph;
    expect(grad.nodes.filter((n) => n.opType === 'Gemm')).toHaveLength(2);
    await expectGradientsMatch(g, { wrtInitializers: ['w'], batch: 3, label: 'MatMul linear' });
  });
});
