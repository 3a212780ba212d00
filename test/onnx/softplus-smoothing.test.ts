/**
 * β-smoothing: every ReLU becomes softplus(β·x)/β, checked against that formula evaluated in
 * float64 by the reference interpreter on the original graph's pre-activations, and against the
 * bound 0 ≤ softplus_β(x) − relu(x) ≤ ln 2 / β that makes the smoothed network tend to the original.
 */
import { describe, expect, it } from 'vitest';
import { smoothRelus } from '../../src/onnx/softplus-smoothing.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { OnnxModel } from '../../src/models/model.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { topologicalOrder } from '../../src/onnx/graph.js';
import { opGraph } from './autodiff/fd-harness.js';

describe('softplus smoothing of ReLU networks', () => {
  it('replaces every ReLU, keeps value names and topological order', () => {
    const graph = tinyCnn({ size: 8, width: 2, hidden: 4, seed: 3 });
    const { graph: smooth, replaced } = smoothRelus(graph, 5);
    expect(replaced).toBe(3);
    expect(smooth.nodes.some((n) => n.opType === 'Relu')).toBe(false);
    expect(smooth.nodes.filter((n) => n.opType === 'Softplus')).toHaveLength(3);
    expect(() => topologicalOrder(smooth)).not.toThrow();
    expect(smooth.outputs).toEqual(graph.outputs);
  });

  it('one ReLU becomes softplus(βx)/β, within ln 2/β of the ReLU', async () => {
    const beta = 4;
    const { graph } = smoothRelus(opGraph('Relu', [{ name: 'x', shape: [1, 9] }]), beta);
    const xs = [-3, -1, -0.25, -0.01, 0, 0.01, 0.25, 1, 3];
    const model = new OnnxModel(graph);
    const y = await model.forward(tensor([1, 9], xs));
    await model.dispose();
    xs.forEach((x, i) => {
      const expected = Math.log1p(Math.exp(beta * x)) / beta;
      expect(y.data[i]).toBeCloseTo(expected, 5);
      expect(y.data[i] - Math.max(x, 0)).toBeGreaterThanOrEqual(-1e-6);
      expect(y.data[i] - Math.max(x, 0)).toBeLessThanOrEqual(Math.log(2) / beta + 1e-6);
    });
  });

  it('the smoothed CNN tends to the ReLU CNN as β grows', async () => {
    const graph = tinyCnn({ size: 8, width: 2, hidden: 4, seed: 3 });
    const rng = new Random(2);
    const x = tensor([4, 1, 8, 8], Float32Array.from({ length: 256 }, () => rng.normal()));
    const original = new OnnxModel(graph);
    const reference = await original.forward(x);
    await original.dispose();
    const gaps: number[] = [];
    for (const beta of [1, 10, 100]) {
      const m = new OnnxModel(smoothRelus(graph, beta).graph);
      const y = await m.forward(x);
      await m.dispose();
      gaps.push(Math.max(...Array.from(y.data, (v, i) => Math.abs(v - reference.data[i]))));
    }
    expect(gaps[1]).toBeLessThan(gaps[0]);
    expect(gaps[2]).toBeLessThan(gaps[1]);
    expect(gaps[2]).toBeLessThan(0.05);
  });

  it('refuses β ≤ 0 with a one-line reason', () => {
    expect(() => smoothRelus(tinyCnn({ size: 8 }), 0)).toThrow(/β must be a positive number/);
  });
});
