/**
 * The regression shortcut edits on linear models, where every shift is arithmetic: a model reading
 * the mean of the top-left 4×4 corner (outside the ROI) moves by exactly the difference of the two
 * corners' means when a corner is pasted; a model reading only the ROI does not move at all.
 */
import { describe, expect, it } from 'vitest';
import { hotspotOutputShift } from '../../src/trust/regression-hotspot.js';
import { saliency } from '../../src/attribution/saliency.js';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor } from '../helpers/models.js';

const S = 16;
const N = 12;
const inRoi = (y: number, x: number) => y >= 5 && y < 11 && x >= 5 && x < 11;
const inCorner = (y: number, x: number) => y < 4 && x < 4;
const weights = (where: (y: number, x: number) => boolean, count: number) => Array.from({ length: S * S }, (_, p) => (where(Math.floor(p / S), p % S) ? 1 / count : 0));
const images = randomTensor([N, 1, S, S], 7);
const roi = tensor([N, S, S], Array.from({ length: N * S * S }, (_, j) => (inRoi(Math.floor((j % (S * S)) / S), j % S) ? 1 : 0)));
const cornerMean = (i: number) => {
  let s = 0;
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) s += images.data[i * S * S + y * S + x];
  return s / 16;
};

describe('hotspotOutputShift', () => {
  it('a corner reader: the hotspot is the corner, pasting it moves the output by the corner difference', async () => {
    const model = new OnnxModel(linearModel([1, S, S], weights(inCorner, 16), [0]));
    const maps = (await saliency.attribute(model, images, { target: 0 })).values;
    const r = await hotspotOutputShift(model, { sources: images, maps, roi }, { output: 0, sizes: [4], seed: 3 });
    expect(r.roiShare).toBe(0);
    const s = r.scales[0];
    expect(s.images).toBe(N);
    for (const h of s.hotspots) expect(h).toEqual({ y: 0, x: 0 });
    expect(s.hotspotShare).toBeCloseTo(1, 6);
    const expected = Array.from({ length: N }, (_, i) => Math.abs(cornerMean(i) - cornerMean((i + 1) % N))).reduce((a, b) => a + b, 0) / N;
    expect(s.paste.hotspot).toBeCloseTo(expected, 5);
    expect(s.paste.hotspot).toBeGreaterThan(s.paste.control);
    expect(s.erase.hotspot).toBeGreaterThan(0);
  });

  it('an ROI reader: no outside edit moves the output, and all its attribution is inside the ROI', async () => {
    const model = new OnnxModel(linearModel([1, S, S], weights(inRoi, 36), [0.1]));
    const maps = (await saliency.attribute(model, images, { target: 0 })).values;
    const r = await hotspotOutputShift(model, { sources: images, maps, roi }, { output: 0, seed: 3 });
    expect(r.roiShare).toBeCloseTo(1, 6);
    expect(r.scales.map((s) => s.window)).toEqual([4, 8]);
    // No 8×8 window fits outside the (grown) ROI of a 16×16 image: no edit, no number (never a fake 0).
    expect(r.scales[1].images).toBe(0);
    expect(Number.isNaN(r.scales[1].paste.hotspot)).toBe(true);
    for (const s of r.scales.slice(0, 1)) for (const v of [s.paste.hotspot, s.paste.control, s.erase.hotspot, s.erase.control]) expect(v).toBeLessThan(1e-6);
  });

  it('refuses a single source and mismatched masks with one line', async () => {
    const model = new OnnxModel(linearModel([1, S, S], weights(inRoi, 36), [0]));
    await expect(hotspotOutputShift(model, { sources: images, maps: images, roi: tensor([1, S, S]) }, { output: 0 })).rejects.toThrow(/ROI masks have shape \[1, 16, 16\]/);
    const one = tensor([1, 1, S, S]);
    await expect(hotspotOutputShift(model, { sources: one, maps: one, roi: tensor([1, S, S]) }, { output: 0 })).rejects.toThrow(/at least 2 sources/);
  });
});
