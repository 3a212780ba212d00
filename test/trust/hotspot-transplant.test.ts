/** The hotspot transplant on linear models whose evidence is known: one reads the real region, one a corner. */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { hotspotTransplant } from '../../src/trust/hotspot-transplant.js';
import { tensor, zeros } from '../../src/tensor/tensor.js';
import { linearModel } from '../helpers/models.js';

const S = 8;
const at = (y: number, x: number) => y * S + x;
const CENTRE = [at(3, 3), at(3, 4), at(4, 3), at(4, 4)];
const CORNER = [at(0, 0), at(0, 1), at(1, 0), at(1, 1)];

/** Class 1 logit = 10·(sum of `pixels`) − 5, class 0 logit = 0. */
function model(pixels: number[]): { model: OnnxModel; weights: Float32Array } {
  const weights = new Float32Array(2 * S * S);
  for (const p of pixels) weights[S * S + p] = 10;
  return { model: new OnnxModel(linearModel([1, S, S], weights, [0, -5])), weights };
}

/** Source images: centre and corner both bright (the shortcut co-occurs with the evidence). */
function sources(n: number) {
  const data = new Float32Array(n * S * S);
  const roi = new Float32Array(n * S * S);
  for (let i = 0; i < n; i++) for (const p of [...CENTRE, ...CORNER]) data[i * S * S + p] = 1;
  for (let i = 0; i < n; i++) for (const p of CENTRE) roi[i * S * S + p] = 1;
  return { images: tensor([n, 1, S, S], data), roi: tensor([n, S, S], roi) };
}

/** Saliency of a linear model: |W_class1| for every image. */
function saliencyMaps(weights: Float32Array, n: number) {
  const data = new Float32Array(n * S * S);
  for (let i = 0; i < n; i++) for (let p = 0; p < S * S; p++) data[i * S * S + p] = Math.abs(weights[S * S + p]);
  return tensor([n, 1, S, S], data);
}

describe('hotspotTransplant', () => {
  it('a model reading the corner: its outside-ROI hotspot is the corner and pasting it flips every recipient', async () => {
    const { model: m, weights } = model(CORNER);
    const src = sources(6);
    const r = await hotspotTransplant(m, { sources: src.images, maps: saliencyMaps(weights, 6), roi: src.roi, recipients: zeros([6, 1, S, S]) }, { targetClass: 1, window: 2, seed: 3 });
    expect(r.hotspots.every((h) => h.y === 0 && h.x === 0)).toBe(true);
    expect(r.flipRate).toBe(1);
    expect(r.hotspotShare).toBeCloseTo(1, 6);
    expect(r.outsideShare).toBeCloseTo(1, 6);
    expect(r.controlFlipRate).toBeLessThan(0.5);
    expect(r.pairs).toBe(6);
    await m.dispose();
  });

  it('a model reading the real region: nothing outside the ROI flips a prediction', async () => {
    const { model: m, weights } = model(CENTRE);
    const src = sources(6);
    const r = await hotspotTransplant(m, { sources: src.images, maps: saliencyMaps(weights, 6), roi: src.roi, recipients: zeros([6, 1, S, S]) }, { targetClass: 1, window: 2, seed: 3 });
    expect(r.flipRate).toBe(0);
    expect(r.controlFlipRate).toBe(0);
    expect(r.outsideShare).toBeCloseTo(0, 6);
    await m.dispose();
  });

  it('recipients already predicted as the class are skipped; bad shapes are one-line errors', async () => {
    const { model: m, weights } = model(CORNER);
    const src = sources(2);
    const r = await hotspotTransplant(m, { sources: src.images, maps: saliencyMaps(weights, 2), roi: src.roi, recipients: src.images }, { targetClass: 1, window: 2 });
    expect(r.pairs).toBe(0);
    expect(r.flipRate).toBeNaN();
    await expect(hotspotTransplant(m, { sources: src.images, maps: saliencyMaps(weights, 2), roi: zeros([2, S]), recipients: src.images }, { targetClass: 1 })).rejects.toThrow(/ROI masks have shape \[2, 8\]/);
    await expect(hotspotTransplant(m, { sources: src.images, maps: saliencyMaps(weights, 2), roi: src.roi, recipients: src.images }, { targetClass: 1, window: 9 })).rejects.toThrow(/window must be an integer in 1..8/);
    await m.dispose();
  });
});
