/**
 * The hallucination check's features as a segmenter's target reducers — a region, one pixel, the
 * whole image, over all channels or one — on a 1×1-conv image-to-image model with a known answer:
 * channel 0 = 2·x + 0.3 (grounded in the input), channel 1 = 0·x + 0.7 (painted by its bias alone).
 * Input × gradient of a feature is then 2·x at each of its pixels in channel 0 and 0 in channel 1.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { hallucinationCheck, regionFeatures, type OutputFeature } from '../../src/trust/hallucination.js';
import { tensor } from '../../src/tensor/tensor.js';
import { pointwiseSegmenter, randomTensor } from '../helpers/models.js';

const H = 5;
const W = 6;
const model = new OnnxModel(pointwiseSegmenter([1, H, W], [2, 0], [0.3, 0.7]));
const image = randomTensor([1, 1, H, W], 9, 0.1, 1);
const x = (y: number, c: number) => image.data[y * W + c];

describe('hallucinationCheck with reducers', () => {
  it('pixel, image and region features over all channels or one give the analytic supports', async () => {
    const mask = new Float32Array(H * W);
    for (const p of [0, 7, 8, 29]) mask[p] = 1;
    const features: OutputFeature[] = [
      { kind: 'pixel', y: 2, x: 3 },
      { kind: 'pixel', y: 2, x: 3, channel: 1 },
      { kind: 'image', channel: 0 },
      { kind: 'region', mask },
      { kind: 'image', channel: 1 },
    ];
    const r = await hallucinationCheck(model, image, features, { reference: 0 });
    let whole = 0;
    for (let p = 0; p < H * W; p++) whole += 2 * image.data[p];
    const region = (2 * (image.data[0] + image.data[7] + image.data[8] + image.data[29])) / 4;
    const expected = [2 * x(2, 3), 0, whole / (H * W), region, 0];
    r.features.forEach((f, i) => expect(f.support).toBeCloseTo(expected[i], 5));
    expect(r.features.map((f) => f.area)).toEqual([1, 1, H * W, 4, H * W]);
    expect(r.features.map((f) => f.flagged)).toEqual([false, true, false, false, true]);
    expect(r.features.map((f) => f.kind)).toEqual(['pixel (2, 3)', 'pixel (2, 3), channel 1', 'image, channel 0', 'region', 'image, channel 1']);
  });

  it('masks as a tensor are region features', async () => {
    const masks = tensor([2, H, W], Float32Array.from({ length: 2 * H * W }, (_, i) => (i % 3 === 0 ? 1 : 0)));
    const a = await hallucinationCheck(model, image, masks);
    const b = await hallucinationCheck(model, image, regionFeatures(masks));
    expect(b.features.map((f) => f.support)).toEqual(a.features.map((f) => f.support));
  });

  it('refuses a pixel outside the output and a channel it does not have', async () => {
    await expect(hallucinationCheck(model, image, [{ kind: 'image' }, { kind: 'pixel', y: H, x: 0 }])).rejects.toThrow(/feature 1 is pixel \(5, 0\), outside the 5×6 output image/);
    await expect(hallucinationCheck(model, image, [{ kind: 'image', channel: 2 }])).rejects.toThrow(/channel 2, but the output image has 2 \(0\.\.1\)/);
  });
});
