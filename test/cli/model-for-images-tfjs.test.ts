/**
 * A TF.js layers model declared with unknown height and width (`inputShape: [null, null, 1]`, a
 * fully convolutional Keras model) goes through the CLI's one loader like an ONNX dynamic export:
 * converted at the size of the images in hand, at two sizes, its signed saliency equal to TF.js's
 * own tf.grad.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { tensor } from '../../src/tensor/tensor.js';
import { loadModelForImages } from '../../src/cli/model-for-images.js';
import { relativeL2, randomTensor, tempDir } from '../helpers/models.js';
import { nhwcToNchw, saveTfjsModel, seedWeights, tfjs, tfjsReference } from '../models/import/tfjs-reference.js';
import { runCli } from './cli-harness.js';

const dirP = tempDir('trustscope-tfjs-dynamic-');
afterAll(async () => (await dirP).cleanup());

/** NCHW [N, 1, H, W] → NHWC (one channel: the same order). */
const asNhwc = (x: Float32Array) => x;

describe('a dynamic-size TF.js model through loadModelForImages', () => {
  it('converts at each image size and explains with TF.js\'s gradient', async () => {
    const { path } = await dirP;
    const tf = await tfjs();
    const net = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [null, null, 1], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: 2 }),
      ],
    });
    seedWeights(net, 7);
    const file = await saveTfjsModel(net, path('tfjs'));
    for (const [h, w] of [
      [12, 10],
      [20, 16],
    ]) {
      const x = randomTensor([1, 1, h, w], h, -1, 1);
      await writeNpy(path(`x-${h}.npy`), x);
      const model = await loadModelForImages(file, { files: [path(`x-${h}.npy`)] });
      expect(model.inputShape).toEqual([1, h, w]);
      await model.dispose();
      const r = await runCli(['explain', '--model', file, '--input', path(`x-${h}.npy`), '--method', 'saliency', '--signed', '--target', '1', '--out', path(`sal-${h}`)]);
      expect(r.stderr).toEqual([]);
      expect(r.code).toBe(0);
      const ours = await readNpy(join(path(`sal-${h}`), 'attributions.npy'));
      expect(ours.shape).toEqual([1, 1, h, w]);
      const ref = await tfjsReference((v) => net.predict(v) as ReturnType<typeof tf.zeros>, asNhwc(x.data), [1, h, w, 1], Float32Array.from([0, 1]));
      const theirs = tensor([1, h, w], nhwcToNchw(ref.grad!, [1, h, w, 1]));
      expect(relativeL2(ours.data, theirs.data)).toBeLessThan(1e-5);
    }
  });
});
