/**
 * ModelBuilder: the shapes it records must be the shapes ONNX Runtime computes, layers are named
 * `<layer>` / `<layer>_out`, and the initialiser is PyTorch's U(−1/√fan_in, 1/√fan_in).
 */
import { describe, expect, it } from 'vitest';
import { ModelBuilder, defaultInitialValues } from '../../src/onnx/builder.js';
import { createSession } from '../../src/onnx/runtime.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { randomTensor } from '../helpers/models.js';

describe('defaultInitialValues', () => {
  it('draws n values in [−1/√fan_in, 1/√fan_in) from the given stream', () => {
    const v = defaultInitialValues([4, 5, 3, 3], 45, new Random(1));
    expect(v).toHaveLength(180);
    const bound = 1 / Math.sqrt(45);
    expect(Math.max(...Array.from(v, Math.abs))).toBeLessThanOrEqual(bound);
    const r = new Random(1);
    expect(Array.from(v)).toEqual(Array.from({ length: 180 }, () => Math.fround(r.uniform(-bound, bound))));
  });
});

describe('ModelBuilder', () => {
  it('records the output shapes ONNX Runtime computes, for strided, padded, dilated and grouped convs and pools', async () => {
    const b = new ModelBuilder('shapes', 3);
    let x = b.input('img', [4, 13, 11]);
    const layers: string[] = [];
    x = b.conv(x, 'c1', 6, { kernel: 3, stride: 2, pad: 1 });
    layers.push(x);
    x = b.conv(x, 'c2', 6, { kernel: 3, dilation: 2, pad: 2, groups: 3, bias: false });
    layers.push(x);
    x = b.relu(x, 'r');
    layers.push(x);
    x = b.maxPool(x, 'p', 3, 2);
    layers.push(x);
    const gap = b.globalAveragePool(x, 'gap');
    layers.push(gap);
    x = b.flatten(x, 'f');
    layers.push(x);
    x = b.linear(x, 'fc', 5);
    const graph = b.output(x);
    expect(layers).toEqual(['c1_out', 'c2_out', 'r_out', 'p_out', 'gap_out', 'f_out']);
    expect(graph.initializers.has('c2.bias')).toBe(false);
    expect(graph.initializers.get('c2.weight')!.dims).toEqual([6, 2, 3, 3]);
    expect(graph.outputs).toEqual([{ name: 'fc_out', dataType: 1, shape: ['N', 5] }]);

    // Ask ORT for every recorded value and compare shapes.
    const session = await createSession({ ...graph, outputs: [...graph.outputs, ...layers.map((name) => ({ name, dataType: 1 }))] });
    const out = await session.run({ img: randomTensor([2, 4, 13, 11], 1) });
    for (const name of [...layers, 'fc_out']) expect(out[name].shape, name).toEqual(b.shape(name).map((d) => (d < 0 ? 2 : d)));
    // Hand-computed: 13×11 → conv s2 p1 k3 → 7×6 → dilated conv keeps 7×6 → pool 3/2 → 3×2.
    expect(b.shape('p_out')).toEqual([-1, 6, 3, 2]);
    expect(b.shape('f_out')).toEqual([-1, 36]);
    expect(() => b.shape('nope')).toThrow(/no shape recorded for 'nope'/);
  });

  it('linear({ centred: true }) subtracts the mean over outputs from the same draws', () => {
    const plain = new ModelBuilder('a', 9);
    const centred = new ModelBuilder('b', 9);
    const gp = plain.output(plain.linear(plain.input('x', [4]), 'fc', 3));
    const gc = centred.output(centred.linear(centred.input('x', [4]), 'fc', 3, { centred: true }));
    const wp = gp.initializers.get('fc.weight')!.data as Float32Array;
    const wc = gc.initializers.get('fc.weight')!.data as Float32Array;
    for (let j = 0; j < 4; j++) {
      const mean = (wp[j] + wp[4 + j] + wp[8 + j]) / 3;
      for (let c = 0; c < 3; c++) expect(wc[c * 4 + j]).toBeCloseTo(wp[c * 4 + j] - mean, 6);
    }
    const bp = gp.initializers.get('fc.bias')!.data as Float32Array;
    const bc = gc.initializers.get('fc.bias')!.data as Float32Array;
    const bm = (bp[0] + bp[1] + bp[2]) / 3;
    expect(Array.from(bc, (v, c) => Math.abs(v - (bp[c] - bm)) < 1e-6)).toEqual([true, true, true]);
  });

  it('linear is x·Wᵀ + b with W stored [out, in] like torch.nn.Linear', async () => {
    const b = new ModelBuilder('lin', 1);
    const graph = b.output(b.linear(b.input('x', [3]), 'fc', 2));
    const W = graph.initializers.get('fc.weight')!;
    const bias = graph.initializers.get('fc.bias')!.data as Float32Array;
    expect(W.dims).toEqual([2, 3]);
    const w = W.data as Float32Array;
    const session = await createSession(graph);
    const y = (await session.run({ x: tensor([1, 3], [1, -2, 0.5]) })).fc_out.data;
    expect(y[0]).toBeCloseTo(w[0] - 2 * w[1] + 0.5 * w[2] + bias[0], 6);
    expect(y[1]).toBeCloseTo(w[3] - 2 * w[4] + 0.5 * w[5] + bias[1], 6);
  });
});
