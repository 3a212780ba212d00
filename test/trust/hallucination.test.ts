/** Hallucination flag on a linear image-to-image model whose features are grounded (or not) by construction. */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { hallucinationCheck } from '../../src/trust/hallucination.js';
import { filled, tensor } from '../../src/tensor/tensor.js';
import { linearModel } from '../helpers/models.js';

const S = 8;
const at = (y: number, x: number) => y * S + x;

/** Output pixel = input pixel on the left half (x < 4); on the right half only a bias: a painted blob at rows 2–3, cols 5–6. */
function imageToImage(): OnnxModel {
  const weights = new Float32Array(S * S * S * S);
  const bias = new Float32Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < 4; x++) weights[at(y, x) * S * S + at(y, x)] = 1;
  for (const p of [at(2, 5), at(2, 6), at(3, 5), at(3, 6)]) bias[p] = 0.8;
  return new OnnxModel(linearModel([1, S, S], weights, bias));
}

function masks(regions: number[][]): ReturnType<typeof tensor> {
  const data = new Float32Array(regions.length * S * S);
  regions.forEach((r, i) => r.forEach((p) => (data[i * S * S + p] = 1)));
  return tensor([regions.length, S, S], data);
}

describe('hallucinationCheck', () => {
  it('flags the painted blob (support 0) and keeps grounded features, with the analytic supports', async () => {
    const m = imageToImage();
    const image = filled([1, 1, S, S], 0.5);
    const r = await hallucinationCheck(m, image, masks([
      [at(2, 1), at(2, 2), at(3, 1), at(3, 2)], // reference: copied from the input
      [at(2, 5), at(2, 6), at(3, 5), at(3, 6)], // the painted blob
      [at(5, 3), at(5, 4), at(6, 3), at(6, 4)], // half copied, half empty
    ]));
    // Each copied output pixel has gradient 1 on its own input pixel, x = 0.5: support 4·0.5/4 = 0.5.
    expect(r.features.map((f) => f.support)).toEqual([0.5, 0, 0.25]);
    expect(r.features.map((f) => f.ratio)).toEqual([1, 0, 0.5]);
    expect(r.features.map((f) => f.flagged)).toEqual([false, true, false]);
    await m.dispose();
  });

  it('bad input is a one-line error', async () => {
    const m = imageToImage();
    const image = filled([1, 1, S, S], 0.5);
    await expect(hallucinationCheck(m, filled([2, 1, S, S], 0.5), masks([[0]]))).rejects.toThrow(/give one image \[1, 1, 8, 8\]/);
    await expect(hallucinationCheck(m, image, masks([[0], []]))).rejects.toThrow(/feature 1 has an empty mask/);
    await expect(hallucinationCheck(m, tensor([1, 1, S, S], new Float32Array(S * S).fill(NaN)), masks([[0]]))).rejects.toThrow(/non-finite value/);
    await expect(hallucinationCheck(m, image, masks([[at(2, 5)]]))).rejects.toThrow(/reference feature 0 has no support/);
    await expect(hallucinationCheck(m, image, tensor([1, 3, 3], new Float32Array(9).fill(1)))).rejects.toThrow(/not a whole number of 3×3 planes/);
    await m.dispose();
  });
});
