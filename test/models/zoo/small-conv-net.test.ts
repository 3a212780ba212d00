/** The memory-budget reference net: its layout, its weight shapes (independent of the image size) and its output. */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../../src/models/model.js';
import { smallConvNet } from '../../../src/models/zoo/small-conv-net.js';
import { randomTensor } from '../../helpers/models.js';

describe('smallConvNet', () => {
  it('is conv–relu–pool 4, conv–relu, GAP, flatten, fc with weights that do not grow with the image', () => {
    for (const size of [16, 1024]) {
      const g = smallConvNet(size);
      expect(g.nodes.map((n) => `${n.name}:${n.opType}`)).toEqual(['conv1:Conv', 'relu1:Relu', 'pool1:MaxPool', 'conv2:Conv', 'relu2:Relu', 'gap:GlobalAveragePool', 'flatten:Flatten', 'fc:Gemm']);
      expect(Object.fromEntries([...g.initializers].map(([k, t]) => [k, t.dims]))).toEqual({
        'conv1.weight': [8, 1, 3, 3],
        'conv1.bias': [8],
        'conv2.weight': [8, 8, 3, 3],
        'conv2.bias': [8],
        'fc.weight': [2, 8],
        'fc.bias': [2],
      });
      expect(g.inputs.map((i) => i.shape)).toEqual([['N', 1, size, size]]);
    }
  });

  it('gives two outputs per image; the seed picks the weights', async () => {
    const model = new OnnxModel(smallConvNet(16));
    const y = await model.forward(randomTensor([3, 1, 16, 16], 2));
    expect(y.shape).toEqual([3, 2]);
    expect(y.data.every(Number.isFinite)).toBe(true);
    await model.dispose();
    const weights = (seed?: number) => Array.from(smallConvNet(16, seed).initializers.get('conv1.weight')!.data as Float32Array);
    expect(weights()).toEqual(weights(1));
    expect(weights(2)).not.toEqual(weights(1));
  });
});
