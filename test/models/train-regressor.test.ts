/**
 * trainRegressor against a closed form: a linear model trained by MSE on noiseless linear targets
 * must recover the least-squares fit (loss → 0, weights → the generating ones), and its first step's
 * gradient matches the analytic 2/(B·K)·Xᵀ(Xw + b − y) through Adam's first update (sign step of lr).
 */
import { describe, expect, it } from 'vitest';
import { trainRegressor } from '../../src/models/train-regressor.js';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor, uniformValues } from '../helpers/models.js';

describe('trainRegressor', () => {
  const d = 8;
  const wTrue = uniformValues(2 * d, 3);
  const x = randomTensor([200, 1, 2, 4], 4, -1, 1);
  const y = tensor([200, 2], Array.from({ length: 400 }, (_, j) => {
    const i = j >> 1;
    const k = j % 2;
    let s = 0.25 * (k + 1);
    for (let f = 0; f < d; f++) s += wTrue[k * d + f] * x.data[i * d + f];
    return s;
  }));

  it('fits noiseless linear targets: loss → 0 and the generating weights are recovered', async () => {
    const r = await trainRegressor(linearModel([1, 2, 4], new Array(2 * d).fill(0), [0, 0]), x, y, { epochs: 60, batchSize: 20, learningRate: 0.05, schedule: 'cosine', seed: 1 });
    expect(r.history[r.history.length - 1].loss).toBeLessThan(1e-4);
    expect(r.history[r.history.length - 1].loss).toBeLessThan(r.history[0].loss / 100);
    const w = r.graph.initializers.get('fc.weight')!.data as Float32Array;
    for (let j = 0; j < 2 * d; j++) expect(w[j]).toBeCloseTo(wTrue[j], 2);
    const pred = await new OnnxModel(r.graph).forward(x);
    for (let j = 0; j < 400; j++) expect(pred.data[j]).toBeCloseTo(y.data[j], 2);
  });

  it("Adam's first step moves each weight by −lr·sign(analytic MSE gradient)", async () => {
    const w0 = uniformValues(2 * d, 9);
    const batch = 200;
    const r = await trainRegressor(linearModel([1, 2, 4], w0, [0, 0]), x, y, { epochs: 1, batchSize: batch, learningRate: 0.01, seed: 2 });
    const w = r.graph.initializers.get('fc.weight')!.data as Float32Array;
    for (let k = 0; k < 2; k++) {
      for (let f = 0; f < d; f++) {
        let g = 0;
        for (let i = 0; i < batch; i++) {
          let p = 0;
          for (let h = 0; h < d; h++) p += w0[k * d + h] * x.data[i * d + h];
          g += (2 / (batch * 2)) * (p - y.data[i * 2 + k]) * x.data[i * d + f];
        }
        expect(w[k * d + f] - w0[k * d + f]).toBeCloseTo(-0.01 * Math.sign(g), 5);
      }
    }
  });

  it('refuses targets of the wrong shape with one line', async () => {
    await expect(trainRegressor(linearModel([1, 2, 4], new Array(2 * d).fill(0), [0, 0]), x, tensor([200, 1]), { epochs: 1, seed: 1 })).rejects.toThrow(/targets have shape \[200, 1\]; give \[200, 2\]/);
  });

  it('augments every batch: the hook sees the batch and its first targets, and a negated input is what it trains on', async () => {
    const seen: number[] = [];
    const r = await trainRegressor(linearModel([1, 2, 4], new Array(2 * d).fill(0), [0, 0]), x, y, {
      epochs: 2,
      batchSize: 50,
      learningRate: 0.01,
      seed: 1,
      augment: (images, labels) => {
        seen.push(images.shape[0]);
        expect(labels).toHaveLength(images.shape[0]);
        return tensor(images.shape, images.data.map((v) => -v));
      },
    });
    expect(seen).toEqual(new Array(8).fill(50));
    // Trained on −x towards y, so on x it predicts what the plain fit predicts on −x: the weights flip sign.
    const plain = await trainRegressor(linearModel([1, 2, 4], new Array(2 * d).fill(0), [0, 0]), tensor(x.shape, x.data.map((v) => -v)), y, { epochs: 2, batchSize: 50, learningRate: 0.01, seed: 1 });
    expect(Array.from(r.graph.initializers.get('fc.weight')!.data as Float32Array)).toEqual(Array.from(plain.graph.initializers.get('fc.weight')!.data as Float32Array));
  });
});
