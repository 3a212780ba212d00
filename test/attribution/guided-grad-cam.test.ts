/**
 * Guided Grad-CAM against Captum's published map (BasicModel_ConvNet_One_Conv at arange(16),
 * layer relu1) and against its definition, guided backprop × ReLU(Grad-CAM) resized, on the tiny CNN.
 */
import { describe, expect, it } from 'vitest';
import { gradCam, resizeMaps } from '../../src/attribution/grad-cam.js';
import { guidedBackprop } from '../../src/attribution/guided-backprop.js';
import { guidedGradCam } from '../../src/attribution/guided-grad-cam.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { tensor } from '../../src/tensor/tensor.js';
import { captumOneConv } from '../helpers/captum-models.js';
import { maxAbsDiff, randomTensor } from '../helpers/models.js';

describe('guided Grad-CAM', () => {
  it("gives Captum's expected map on BasicModel_ConvNet_One_Conv, layer relu1, target 0", async () => {
    const model = new OnnxModel(captumOneConv());
    const x = tensor([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i));
    const a = await guidedGradCam.attribute(model, x, { target: 0, layer: 'relu1_out' });
    const expected = [0, 0, 4, 4, 0, 0, 12, 8, 28, 84, 97.5, 65, 28, 56, 65, 32.5];
    expect(maxAbsDiff(a.values.data, expected)).toBeLessThan(1e-4);
  });

  it('is guided backprop × ReLU(Grad-CAM map) resized to the input (bilinear too), per channel', async () => {
    const model = new OnnxModel(tinyCnn({ seed: 3 }));
    const x = randomTensor([3, ...model.inputShape], 9);
    const layer = model.layers.find((l) => l.startsWith('relu'))!;
    for (const upsample of ['nearest', 'bilinear'] as const) {
      const a = await guidedGradCam.attribute(model, x, { layer, upsample, target: [0, 1, 0] });
      const cam = await gradCam.attribute(model, x, { layer, upsample: 'none', target: [0, 1, 0] });
      const relu = tensor(cam.values.shape, cam.values.data.map((v) => Math.max(0, v)));
      const [n, c, h, w] = x.shape;
      const resized = resizeMaps(relu, h, w, upsample);
      const guided = await guidedBackprop.attribute(model, x, { target: [0, 1, 0] });
      const expected = Float32Array.from(guided.values.data, (g, i) => g * resized.data[Math.floor(i / (c * h * w)) * h * w + (i % (h * w))]);
      expect(maxAbsDiff(a.values.data, expected)).toBeLessThan(1e-6);
      expect(a.values.shape).toEqual([n, c, h, w]);
      expect(a.values.data.some((v) => v !== 0)).toBe(true);
    }
  });

  it('fails in one line without a layer', async () => {
    const model = new OnnxModel(captumOneConv());
    await expect(guidedGradCam.attribute(model, tensor([1, 1, 4, 4]), { target: 0 })).rejects.toThrow(/needs options.layer/);
  });
});
