/** Band and region targets: the cotangents they build, and IG through them on a linear model (known exactly). */
import { describe, expect, it } from 'vitest';
import { binsInRange, outputRegionTarget, spectralBandTarget } from '../../../src/attribution/common/output-band-target.js';
import { integratedGradients } from '../../../src/attribution/integrated-gradients.js';
import { OnnxModel } from '../../../src/models/model.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { linearModel } from '../../helpers/models.js';

describe('spectralBandTarget / outputRegionTarget', () => {
  it('put ones on the chosen outputs of every row, zeros elsewhere', () => {
    expect(Array.from(spectralBandTarget(2, 5, 1, 3).cotangent.data)).toEqual([0, 1, 1, 1, 0, 0, 1, 1, 1, 0]);
    expect(Array.from(outputRegionTarget(2, 3, Float32Array.from([1, 0, 1])).cotangent.data)).toEqual([1, 0, 1, 1, 0, 1]);
    expect(Array.from(outputRegionTarget(2, 2, Float32Array.from([1, 0, 0, 1])).cotangent.data)).toEqual([1, 0, 0, 1]);
    expect(binsInRange([400, 450, 500, 550], 440, 510)).toEqual([1, 2]);
  });

  it('refuse empty or out-of-range selections with the fix', () => {
    expect(() => spectralBandTarget(1, 5, 3, 5)).toThrow(/not a range of output bins 0\.\.4/);
    expect(() => outputRegionTarget(1, 3, new Float32Array(3))).toThrow(/empty; mark at least one output/);
    expect(() => binsInRange([400, 450], 600, 700)).toThrow(/widen the band/);
  });

  it('make IG on a linear model give x ⊙ Σ_band W (baseline 0), exactly', async () => {
    // 4 inputs → 3 outputs, y = W x.
    const w = [1, 2, 0, -1, 0.5, 0, 3, 1, -2, 1, 1, 0];
    const model = new OnnxModel(linearModel([1, 1, 4], w, [0, 0, 0]));
    const x = tensor([1, 1, 1, 4], [0.5, -1, 2, 1]);
    const a = await integratedGradients.attribute(model, x, { target: spectralBandTarget(1, 3, 1, 2), steps: 8 });
    const expected = [0, 1, 2, 3].map((j) => x.data[j] * (w[4 + j] + w[8 + j]));
    Array.from(a.values.data).forEach((v, j) => expect(v).toBeCloseTo(expected[j], 5));
    await model.dispose();
  });
});
