/**
 * Localisation metrics on maps with known answers: a perfect attribution (saliency of a linear model
 * whose weights live only inside the mask), a random one, an adversarially shuffled one, ties and
 * empty masks; AUC against brute-force pair counting.
 */
import { describe, expect, it } from 'vitest';
import { localisation, rocAuc, topKHits } from '../../src/evaluate/localisation.js';
import { OnnxModel } from '../../src/models/model.js';
import { saliency } from '../../src/attribution/saliency.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor } from '../helpers/models.js';

const H = 8;
const W = 8;
const P = H * W;
/** A 3×3 square at rows 2–4, columns 3–5. */
const square = Uint8Array.from({ length: P }, (_, p) => (Math.floor(p / W) >= 2 && Math.floor(p / W) <= 4 && p % W >= 3 && p % W <= 5 ? 1 : 0));

function maskTensor(planes: Uint8Array[]): ReturnType<typeof tensor> {
  const data = new Float32Array(planes.length * P);
  planes.forEach((m, i) => data.set(m, i * P));
  return tensor([planes.length, H, W], data);
}

describe('localisation on constructed attributions', () => {
  it('scores a perfect attribution (saliency of a model that only reads the mask) as perfect', async () => {
    const rng = new Random(1);
    const weights = Float32Array.from(square, (inside) => (inside ? rng.uniform(0.5, 1.5) * (rng.next() < 0.5 ? -1 : 1) : 0));
    const model = new OnnxModel(linearModel([1, H, W], weights, [0]));
    const x = randomTensor([2, 1, H, W], 2);
    const sal = await saliency.attribute(model, x, { target: 0, abs: true });
    const r = localisation(sal.values, maskTensor([square, square]));
    expect(r.scored).toBe(2);
    expect(r.attributionLocalisation.mean).toBeCloseTo(1, 12);
    expect(r.attributionLocalisationWeighted.mean).toBeCloseTo(P / 9, 10); // Kohlbrenner: μ·S_tot/S_in
    expect(r.relevanceMassAccuracy.mean).toBeCloseTo(1, 12);
    expect(r.relevanceRankAccuracy.mean).toBe(1);
    expect(r.pointingGame.mean).toBe(1);
    expect(r.auc.mean).toBe(1);
    expect(r.topKIntersection.k).toBe(3); // round(0.05 · 64)
    expect(r.topKIntersection.mean).toBe(1);
    expect(r.insideOutside!.outside).toBe(0);
    await model.dispose();
  });

  it('scores the same values shuffled adversarially (largest outside the mask) as zero', () => {
    // Nine values, all placed outside the square, and zeros inside.
    const map = new Float32Array(P);
    const outside = [...Array(P).keys()].filter((p) => !square[p]);
    for (let k = 0; k < 9; k++) map[outside[k * 5]] = k + 1;
    const r = localisation(tensor([1, 1, H, W], map), maskTensor([square]));
    expect(r.attributionLocalisation.mean).toBe(0);
    expect(r.relevanceMassAccuracy.mean).toBe(0);
    expect(r.relevanceRankAccuracy.mean).toBe(0);
    expect(r.pointingGame.mean).toBe(0);
    expect(r.topKIntersection.mean).toBe(0);
    // Inside pixels are 0 and tie with 46 outside zeros; AUC = ½·(46/55) exactly.
    expect(r.auc.mean).toBeCloseTo(0.5 * (46 / 55), 12);
  });

  it('scores a random attribution near chance', () => {
    const n = 200;
    const maps = randomTensor([n, 1, H, W], 3);
    const r = localisation(maps, maskTensor(Array.from({ length: n }, () => square)));
    // Chance: AUC ½, rank accuracy |M|/N, pointing game |M|/N, mass |M|/N, top-k |M|/N.
    const chance = 9 / P;
    expect(r.auc.mean!).toBeGreaterThan(0.45);
    expect(r.auc.mean!).toBeLessThan(0.55);
    for (const m of [r.relevanceRankAccuracy, r.pointingGame, r.relevanceMassAccuracy, r.topKIntersection, r.attributionLocalisation]) {
      expect(Math.abs(m.mean! - chance)).toBeLessThan(0.05);
    }
  });

  it('gives an empty mask no score (not a hit) and splits ties at chance', () => {
    const constant = new Float32Array(2 * P).fill(1);
    const r = localisation(tensor([2, 1, H, W], constant), maskTensor([square, new Uint8Array(P)]));
    expect(r.scored).toBe(1);
    expect(r.pointingGame.perImage).toEqual([9 / P, null]);
    expect(r.relevanceRankAccuracy.perImage[0]).toBeCloseTo(9 / P, 12);
    expect(r.auc.perImage).toEqual([0.5, null]);
    expect(r.pointingGame.mean).toBeCloseTo(9 / P, 12); // the empty-mask image is left out of the mean
    // Only empty masks: no inside/outside ratio, every mean null.
    const none = localisation(tensor([1, 1, H, W], constant.subarray(0, P)), maskTensor([new Uint8Array(P)]));
    expect(none.insideOutside).toBeNull();
    expect(none.pointingGame.mean).toBeNull();
  });

  it('uses positive mass for attribution localisation and magnitude for mass accuracy', () => {
    const map = new Float32Array(P);
    const inside = [...Array(P).keys()].filter((p) => square[p]);
    map[inside[0]] = 3;
    map[inside[1]] = -2;
    map[0] = 1;
    map[1] = -4;
    const r = localisation(tensor([1, 1, H, W], map), maskTensor([square]));
    expect(r.attributionLocalisation.mean).toBeCloseTo(3 / 4, 12);
    expect(r.relevanceMassAccuracy.mean).toBeCloseTo(5 / 10, 12);
    expect(r.pointingGame.mean).toBe(1); // the maximum of the signed map (3) is inside
    // Top-9 by |a|: the four non-zero pixels (2 inside) plus 5 of the 60 tied zeros, 7 of which are inside.
    expect(r.relevanceRankAccuracy.mean).toBeCloseTo((2 + (5 * 7) / 60) / 9, 12);
  });

  it('checks shapes and options', () => {
    const maps = randomTensor([1, 1, H, W], 4);
    expect(() => localisation(maps, tensor([1, H, W + 1]))).toThrow(/must be \[1, 8, 8\]/);
    expect(() => localisation(maps, maskTensor([square]), { topK: 0 })).toThrow(/topK must be an integer in 1..64/);
    expect(localisation(maps, tensor([1, 1, H, W], square)).scored).toBe(1);
  });
});

describe('rocAuc and topKHits', () => {
  it('rocAuc equals brute-force pair counting with ties', () => {
    const rng = new Random(5);
    const scores = Float64Array.from({ length: 300 }, () => Math.round(rng.next() * 10));
    const inside = Uint8Array.from({ length: 300 }, () => (rng.next() < 0.3 ? 1 : 0));
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < 300; i++) {
      if (!inside[i]) continue;
      for (let j = 0; j < 300; j++) {
        if (inside[j]) continue;
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    expect(rocAuc(scores, inside)).toBeCloseTo(wins / pairs, 12);
    expect(rocAuc(scores, new Uint8Array(300))).toBeNull();
  });

  it('topKHits shares the boundary ties in proportion', () => {
    // Values 5, 3, 3, 3, 1 with k = 2: the 5 counts fully, one of three tied 3s is taken.
    const inside = Uint8Array.from([0, 1, 1, 0, 1]);
    expect(topKHits([5, 3, 3, 3, 1], inside, 2)).toBeCloseTo(2 / 3, 12);
    expect(topKHits([5, 3, 3, 3, 1], inside, 5)).toBe(3);
  });
});
