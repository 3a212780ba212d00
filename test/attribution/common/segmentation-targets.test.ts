/**
 * Segmentation targets: exact cotangents for every form, the default target, the refusals, and
 * attributions of a linear 1×1-conv segmenter against their closed form.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../../src/models/model.js';
import { segmentationTarget, classOverMasks } from '../../../src/attribution/common/segmentation-targets.js';
import { resolveTarget } from '../../../src/attribution/common/target.js';
import { inputXGradient } from '../../../src/attribution/input-x-gradient.js';
import { integratedGradients } from '../../../src/attribution/integrated-gradients.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { pointwiseSegmenter } from '../../helpers/models.js';

// K = 2 classes from C = 1 channel on a 2×3 image: logit0 = 0.5 − x, logit1 = x − 0.5, so a pixel
// is predicted class 1 exactly where x > 0.5.
const model = new OnnxModel(pointwiseSegmenter([1, 2, 3], [-1, 1], [0.5, -0.5]));
const images = tensor([2, 1, 2, 3], [
  0.9, 0.1, 0.8, //
  0.2, 0.7, 0.3,
  0.1, 0.2, 0.3, //
  0.4, 0.6, 0.0,
]);
const rows = (t: { shape: readonly number[]; data: Float32Array }) => Array.from({ length: t.shape[0] }, (_, i) => Array.from(t.data.subarray(i * t.shape[1], (i + 1) * t.shape[1])));

describe('segmentation targets', () => {
  it('one pixel: a single 1 at class·H·W + y·W + x in every row', async () => {
    const t = await segmentationTarget(model, images, { kind: 'pixel', classIndex: 1, y: 1, x: 2 });
    expect(t.target.cotangent.shape).toEqual([2, 12]);
    const want = new Array(12).fill(0);
    want[6 + 1 * 3 + 2] = 1;
    expect(rows(t.target.cotangent)).toEqual([want, want]);
    expect(t.descriptions[0]).toBe('class 1 logit at pixel (y 1, x 2)');
  });

  it('the predicted mask of a class, per image, from the model\'s own argmax', async () => {
    const t = await segmentationTarget(model, images, { kind: 'predicted', classIndex: 1 });
    expect(rows(t.target.cotangent)).toEqual([
      [0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
    ]);
    expect(t.rows).toEqual([{ classIndex: 1, pixels: 3 }, { classIndex: 1, pixels: 1 }]);
    expect(t.descriptions[0]).toBe('class 1 logits summed over its predicted mask (3 px)');
  });

  it('a region: one [H, W] mask for all images, or one per image; the whole image', async () => {
    const shared = await segmentationTarget(model, images, { kind: 'region', classIndex: 0, mask: tensor([2, 3], [1, 1, 0, 0, 0, 0]) });
    expect(rows(shared.target.cotangent)[1]).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const perImage = await segmentationTarget(model, images, { kind: 'region', classIndex: 1, mask: tensor([2, 1, 2, 3], [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]) });
    expect(rows(perImage.target.cotangent)).toEqual([
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0],
    ]);
    const whole = await segmentationTarget(model, images, { kind: 'image', classIndex: 0 });
    expect(rows(whole.target.cotangent)[0]).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(whole.descriptions[1]).toBe('class 0 logits summed over the whole image (6 px)');
  });

  it('the default: the predicted mask of the most frequent non-background class, background when nothing else is predicted', async () => {
    const allBackground = tensor([1, 1, 2, 3], [0, 0, 0, 0, 0, 0]);
    const both = tensor([2, 1, 2, 3], [...images.data.subarray(0, 6), ...allBackground.data]);
    const t = await segmentationTarget(model, both, { kind: 'dominant' });
    expect(t.rows).toEqual([{ classIndex: 1, pixels: 3 }, { classIndex: 0, pixels: 6 }]);
    expect(t.descriptions[1]).toMatch(/^class 0 \(background: nothing else predicted\)/);
    // resolveTarget uses it when no target is given
    const resolved = await resolveTarget(model, both, undefined);
    expect(Array.from(resolved.cotangent.data)).toEqual(Array.from(t.target.cotangent.data));
  });

  it('refuses a class index target on a segmenter, bad pixels, classes and masks, each in one line', async () => {
    await expect(resolveTarget(model, images, 1)).rejects.toThrow(/target 1 is a class index, but this segmenter gives per-pixel outputs \[2, 2, 3\]/);
    await expect(segmentationTarget(model, images, { kind: 'pixel', classIndex: 0, y: 2, x: 0 })).rejects.toThrow('pixel (2, 0) is outside the model\'s 2×3 output');
    await expect(segmentationTarget(model, images, { kind: 'predicted', classIndex: 2 })).rejects.toThrow('class 2 is not a class of this segmenter (it has 2 classes per pixel: 0..1)');
    await expect(segmentationTarget(model, images, { kind: 'region', classIndex: 0, mask: tensor([3, 3]) })).rejects.toThrow(/region mask has shape \[3, 3\]; it must be \[2, 3\]/);
    expect(() => classOverMasks({ classes: 2, height: 2, width: 3 }, [0], new Uint8Array(5))).toThrow(/need 6/);
  });

  it('a 1×1-conv segmenter: input×gradient and IG of "class 1 over its predicted mask" equal x·W[1] inside the mask, 0 outside', async () => {
    const t = await segmentationTarget(model, images, { kind: 'predicted', classIndex: 1 });
    const mask = [1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0];
    const expected = Array.from(images.data, (x, i) => mask[i] * x * 1); // W[1, 0] = 1
    const ixg = await inputXGradient.attribute(model, images, { target: t.target });
    ixg.values.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    // IG from a zero baseline on a linear map is exactly (x − 0)·W, whatever the steps.
    const ig = await integratedGradients.attribute(model, images, { target: t.target, steps: 8 });
    ig.values.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });
});
