/** withSoftmax: probabilities instead of logits, checked against softmax and its Jacobian written out here. */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { withSoftmax } from '../../src/models/transforms.js';
import { oneHot } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

describe('withSoftmax', () => {
  const D = 8;
  const K = 3;
  const W = uniformValues(K * D, 1, -2, 2);
  const b = uniformValues(K, 2);
  const graph = linearModel([2, 2, 2], W, b);
  const x = randomTensor([4, 2, 2, 2], 3, -1, 1);

  function logits(i: number): number[] {
    return Array.from({ length: K }, (_, c) => {
      let s = b[c];
      for (let j = 0; j < D; j++) s += W[c * D + j] * x.data[i * D + j];
      return s;
    });
  }
  function softmax(z: number[]): number[] {
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e.reduce((a, v) => a + v, 0);
    return e.map((v) => v / s);
  }

  it('outputs softmax(logits) as [N, K], leaving the original graph alone', async () => {
    const g = withSoftmax(graph);
    expect(graph.outputs.map((o) => o.name)).toEqual(['fc_out']);
    expect(graph.nodes).toHaveLength(2);
    expect(g.outputs).toHaveLength(1);
    expect(g.nodes.at(-1)!.opType).toBe('Softmax');
    const m = new OnnxModel(g);
    expect(m.outputSize).toBe(K);
    // The logits stay addressable as a layer.
    expect(m.layers).toContain('fc_out');
    const p = await m.forward(x);
    const expected = [0, 1, 2, 3].flatMap((i) => softmax(logits(i)));
    expect(maxAbsDiff(p.data, expected)).toBeLessThan(1e-6);
  });

  it('differentiates through the softmax: ∂p_t/∂x = p_t·(W_t − Σ_c p_c W_c)', async () => {
    const m = new OnnxModel(withSoftmax(graph));
    const targets = [0, 2, 1, 2];
    const { inputGrad } = await m.vjp(x, oneHot(targets, K));
    const expected: number[] = [];
    targets.forEach((t, i) => {
      const p = softmax(logits(i));
      for (let j = 0; j < D; j++) {
        let mean = 0;
        for (let c = 0; c < K; c++) mean += p[c] * W[c * D + j];
        expected.push(p[t] * (W[t * D + j] - mean));
      }
    });
    expect(maxAbsDiff(inputGrad.data, expected)).toBeLessThan(1e-6);
  });
});
