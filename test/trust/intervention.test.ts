/** The intervention test on a hand-made model whose decision depends only on the top-left pixel. */
import { describe, expect, it } from 'vitest';
import { accuracyOn, interventionTest, pastePatch, predictedRate } from '../../src/trust/intervention.js';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor } from '../helpers/models.js';

const S = 4;
const P = S * S;
/** logits = [0, 10·x[0,0] − 5]: class 1 exactly when the corner pixel exceeds 0.5. */
const cornerWeights = new Float32Array(2 * P);
cornerWeights[P] = 10;
const cornerModel = new OnnxModel(linearModel([1, S, S], cornerWeights, [0, -5]));

/** Images with the given corner values and random pixels elsewhere. */
function withCorners(corners: number[], seed: number) {
  const x = randomTensor([corners.length, 1, S, S], seed);
  corners.forEach((v, i) => (x.data[i * P] = v));
  return x;
}
const cornerMask = (side: number) => Float32Array.from({ length: P }, (_, p) => (Math.floor(p / S) < side && p % S < side ? 1 : 0));

describe('pastePatch', () => {
  it('writes the value into masked pixels of every channel and image, and nowhere else', () => {
    const x = randomTensor([2, 3, S, S], 1);
    const mask = new Float32Array(P);
    mask[5] = 1;
    mask[6] = 0.7;
    mask[7] = 0.5; // not > 0.5: left alone
    const y = pastePatch(x, { mask, value: 9 });
    expect(y.shape).toEqual([2, 3, S, S]);
    for (let k = 0; k < x.data.length; k++) {
      const p = k % P;
      expect(y.data[k]).toBe(p === 5 || p === 6 ? 9 : x.data[k]);
    }
    // The input is not modified.
    expect(Array.from(x.data)).not.toContain(9);
  });

  it('rejects a mask that is not [H, W]', () => {
    expect(() => pastePatch(randomTensor([1, 1, S, S], 1), { mask: new Float32Array(P + 1), value: 1 })).toThrow(/patch mask has 17 pixels but the images are \[1, 1, 4, 4\]/);
  });
});

describe('predictedRate and accuracyOn', () => {
  it('count predictions of the corner model by hand', async () => {
    const x = withCorners([0.9, 0.1, 0.7, 0.3, 0.6], 2);
    // Predictions: 1, 0, 1, 0, 1.
    expect(await predictedRate(cornerModel, x, 1)).toBeCloseTo(3 / 5, 12);
    expect(await predictedRate(cornerModel, x, 0)).toBeCloseTo(2 / 5, 12);
    expect(await accuracyOn(cornerModel, x, [1, 1, 0, 0, 1])).toBeCloseTo(3 / 5, 12);
    expect(await predictedRate(cornerModel, tensor([0, 1, S, S]), 1)).toBeNaN();
    expect(await accuracyOn(cornerModel, tensor([0, 1, S, S]), [])).toBeNaN();
  });
});

describe('interventionTest', () => {
  it('a corner-only model: pasting a bright corner makes every image "positive"; removing it leaves chance', async () => {
    const featureFree = withCorners([0.1, 0.2, 0.3, 0.4, 0.05, 0.15], 3);
    // Artifact removed (corner dark) from images whose true labels are half 1, half 0.
    const removed = withCorners([0.2, 0.1, 0.3, 0.2], 4);
    const r = await interventionTest(cornerModel, {
      featureFree,
      patch: { mask: cornerMask(2), value: 1 },
      positiveClass: 1,
      artifactRemoved: removed,
      labels: [1, 1, 0, 0],
    });
    expect(r.injectedDefectRate).toBe(1);
    expect(r.removedArtifactAccuracy).toBe(0.5);
  });

  it('a patch that misses the corner pixel, or is too dark, changes nothing', async () => {
    const featureFree = withCorners([0.1, 0.2, 0.3], 5);
    const away = new Float32Array(P);
    away[P - 1] = 1;
    away[5] = 1;
    const common = { featureFree, positiveClass: 1, artifactRemoved: withCorners([0.9], 6), labels: [1] };
    expect((await interventionTest(cornerModel, { ...common, patch: { mask: away, value: 1 } })).injectedDefectRate).toBe(0);
    expect((await interventionTest(cornerModel, { ...common, patch: { mask: cornerMask(1), value: 0.4 } })).injectedDefectRate).toBe(0);
    // Corner 0.9 → class 1 = label: accuracy 1.
    expect((await interventionTest(cornerModel, { ...common, patch: { mask: cornerMask(1), value: 0.6 } })).removedArtifactAccuracy).toBe(1);
  });
});
