/** Reconstruction training: the reported loss is the MSE of a forward pass, and training lowers it. */
import { describe, expect, it } from 'vitest';
import { trainReconstruction } from '../../src/models/train-autoencoder.js';
import { convAutoencoder } from '../../src/models/zoo/autoencoder.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { OnnxModel } from '../../src/models/model.js';
import { generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import { tensor, type Tensor } from '../../src/tensor/tensor.js';

async function mse(graph: OnnxModel['graph'], x: Tensor): Promise<number> {
  const model = new OnnxModel(graph);
  const y = await model.forward(x);
  await model.dispose();
  return y.data.reduce((s, v, i) => s + (v - x.data[i]) ** 2, 0) / y.data.length;
}

describe('trainReconstruction', () => {
  const data = generateEmDefects({ count: 96, seed: 3 }).images;

  it('with learning rate 0 the loss is the forward pass MSE and the weights stay', async () => {
    const graph = convAutoencoder({ width: 4, code: 8, seed: 5 });
    const r = await trainReconstruction(graph, data, { epochs: 1, batchSize: 96, learningRate: 0, seed: 1 });
    expect(r.history[0].loss).toBeCloseTo(await mse(graph, data), 6);
    expect(Array.from(r.graph.initializers.get('enc1.weight')!.data as Float32Array)).toEqual(Array.from(graph.initializers.get('enc1.weight')!.data as Float32Array));
  });

  it('training lowers the reconstruction error of a forward pass to under half the untrained one', async () => {
    const graph = convAutoencoder({ width: 4, code: 8, seed: 5 });
    const r = await trainReconstruction(graph, data, { epochs: 6, batchSize: 16, learningRate: 3e-3, seed: 1 });
    const before = await mse(graph, data);
    const after = await mse(r.graph, data);
    expect(after).toBeLessThan(before / 2);
    expect(r.history.at(-1)!.loss).toBeLessThan(r.history[0].loss);
  });

  it('refuses a classifier and mismatched images', async () => {
    await expect(trainReconstruction(tinyCnn(), data, { epochs: 1, seed: 0 })).rejects.toThrow(/must output the flattened input/);
    await expect(trainReconstruction(convAutoencoder(), tensor([2, 1, 16, 16], new Float32Array(512)), { epochs: 1, seed: 0 })).rejects.toThrow(/\[2, 1, 16, 16\] but the model takes \[N, 1, 32, 32\]/);
  });
});
