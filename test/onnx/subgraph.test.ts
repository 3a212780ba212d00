/** Cutting a graph at inner values: the cut computes exactly what the whole graph computed there. */
import { describe, expect, it } from 'vitest';
import { subgraph } from '../../src/onnx/subgraph.js';
import { ModelBuilder } from '../../src/onnx/builder.js';
import { createSession } from '../../src/onnx/runtime.js';
import { tensor } from '../../src/tensor/tensor.js';

function twoStage() {
  const b = new ModelBuilder('two-stage', 3);
  const x = b.input('x', [4]);
  const h = b.relu(b.linear(x, 'enc', 3), 'enc_relu');
  const z = b.linear(h, 'latent', 2);
  return b.output(b.linear(z, 'dec', 5));
}

describe('subgraph', () => {
  it('splits into an encoder and a decoder whose composition is the whole graph', async () => {
    const g = twoStage();
    const encoder = subgraph(g, [{ name: 'x', shape: ['N', 4] }], [{ name: 'latent_out', shape: ['N', 2] }]);
    const decoder = subgraph(g, [{ name: 'latent_out', shape: ['N', 2] }], [{ name: 'dec_out', shape: ['N', 5] }]);
    expect(decoder.nodes.map((n) => n.opType)).toEqual(['Gemm']);
    expect([...decoder.initializers.keys()].sort()).toEqual(['dec.bias', 'dec.weight']);
    const x = tensor([2, 4], [0.1, -0.4, 1, 2, -1, 0.5, 0.3, 0]);
    const [whole, enc, dec] = await Promise.all([createSession(g), createSession(encoder), createSession(decoder)]);
    const z = (await enc.run({ x }))['latent_out'];
    const y = (await dec.run({ latent_out: z }))['dec_out'];
    const direct = (await whole.run({ x }))['dec_out'];
    Array.from(y.data).forEach((v, i) => expect(v).toBeCloseTo(direct.data[i], 6));
    await Promise.all([whole.release(), enc.release(), dec.release()]);
  });

  it('refuses a cut that needs a graph input it is not fed', () => {
    expect(() => subgraph(twoStage(), [{ name: 'latent_out', shape: ['N', 2] }], [{ name: 'dec_out', shape: ['N', 5] }, { name: 'enc_relu_out', shape: ['N', 3] }])).toThrow(/need the graph input 'x'/);
  });
});
