/**
 * The ResNet-18 as torch.onnx.export writes it (BN folded): torchvision's structure and names, the
 * padded 3×3/2 stem pool, and an input gradient that matches central finite differences (a small
 * net at 32², along one random direction, with a step small enough to stay between ReLU/max-pool kinks).
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../../src/models/model.js';
import { resNet } from '../../../src/models/zoo/resnet.js';
import { intsAttr } from '../../../src/onnx/graph.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { randomTensor } from '../../helpers/models.js';

describe('resNet', () => {
  it("has ResNet-18's layers: 7×7/2 stem, padded 3×3/2 max-pool, 8 basic blocks, 3 downsamples, GAP, fc", () => {
    const g = resNet();
    const convs = g.nodes.filter((n) => n.opType === 'Conv').map((n) => n.name);
    expect(convs.length).toBe(1 + 8 * 2 + 3);
    expect(convs.filter((c) => c.endsWith('downsample'))).toEqual(['layer2.0.downsample', 'layer3.0.downsample', 'layer4.0.downsample']);
    const pool = g.nodes.find((n) => n.opType === 'MaxPool')!;
    expect([intsAttr(pool, 'kernel_shape'), intsAttr(pool, 'strides'), intsAttr(pool, 'pads')]).toEqual([[3, 3], [2, 2], [1, 1, 1, 1]]);
    expect(g.nodes.filter((n) => n.opType === 'Add').length).toBe(8);
    expect(g.initializers.get('fc.weight')?.dims).toEqual([1000, 512]);
    const params = [...g.initializers.values()].reduce((a, t) => a + t.dims.reduce((x, y) => x * y, 1), 0);
    // torchvision's resnet18 has 11,689,512 parameters; folding its BatchNorms leaves a bias per conv
    // instead of BN's weight and bias (and stats): 11,689,512 − 2·4,800 (BN channels) + 4,800 (conv biases).
    expect(params).toBe(11_689_512 - 4_800);
    expect(() => resNet({ size: 16 })).toThrow(/too small/);
  });

  it('input gradient equals central finite differences along a direction', async () => {
    const model = new OnnxModel(resNet({ size: 32, widths: [4, 8], classes: 3, seed: 2 }));
    expect(model.layers).toContain('layer2.1_out');
    const x = randomTensor([1, 3, 32, 32], 3);
    const v = randomTensor([1, 3, 32, 32], 4, -1, 1);
    const cot = tensor([1, 3], Float32Array.of(1, -0.5, 0.25));
    const { inputGrad } = await model.vjp(x, cot);
    const analytic = inputGrad.data.reduce((s, g, i) => s + g * v.data[i], 0);
    const f = async (t: number) => {
      const y = await model.forward(tensor(x.shape, x.data.map((xi, i) => xi + t * v.data[i])));
      return y.data[0] - 0.5 * y.data[1] + 0.25 * y.data[2];
    };
    // Larger steps cross ReLU/max-pool kinks (h = 1e-2 is off by 20%); 3e-4 stays within one linear piece here.
    const h = 3e-4;
    const numeric = ((await f(h)) - (await f(-h))) / (2 * h);
    expect(Math.abs(numeric - analytic)).toBeLessThan(2e-4 * Math.max(1, Math.abs(analytic)));
    await model.dispose();
  });
});
