/** The conv autoencoder: shapes, both decoders, and the whole network's gradients against finite differences. */
import { describe, expect, it } from 'vitest';
import { convAutoencoder } from '../../../src/models/zoo/autoencoder.js';
import { OnnxModel } from '../../../src/models/model.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { expectGradientsMatch } from '../../onnx/autodiff/fd-harness.js';

describe('convAutoencoder', () => {
  for (const decoder of ['transpose', 'resize'] as const) {
    it(`${decoder} decoder: [N, 1, 32, 32] → [N, 1024] in (0, 1), a Model with the code layer`, async () => {
      const model = new OnnxModel(convAutoencoder({ decoder, seed: 1 }));
      expect(model.inputShape).toEqual([1, 32, 32]);
      expect(model.outputSize).toBe(1024);
      expect(model.layerShape('code_relu_out')).toEqual([-1, 16, 4, 4]);
      const y = await model.forward(tensor([3, 1, 32, 32], new Float32Array(3 * 1024).fill(0.3)));
      expect(y.shape).toEqual([3, 1024]);
      expect(y.data.every((v) => v > 0 && v < 1)).toBe(true);
      await model.dispose();
    });

    it(`${decoder} decoder, 8×8 tiles: gradients w.r.t. the input and every layer's weights match finite differences`, async () => {
      const graph = convAutoencoder({ decoder, size: 8, width: 2, code: 2, seed: 2 });
      const weights = [...graph.initializers.keys()].filter((n) => n.endsWith('.weight') || n.endsWith('.bias'));
      expect(weights.length).toBe(12);
      await expectGradientsMatch(graph, { wrtInitializers: weights, maxProbes: 24, batch: 2, label: `autoencoder ${decoder}` });
    });
  }

  it('refuses sizes that three 2× stages cannot undo', () => {
    expect(() => convAutoencoder({ size: 20 })).toThrow(/multiple of 8/);
  });
});
