import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../../src/models/model.js';
import { tinySegmenter } from '../../../src/models/zoo/tiny-segmenter.js';
import { randomTensor } from '../../helpers/models.js';

describe('tinySegmenter', () => {
  it('gives K per-pixel logits at full resolution, each depending only on its 5×5 neighbourhood', async () => {
    const model = new OnnxModel(tinySegmenter({ size: 12, classes: 2, seed: 1 }));
    expect(model.outputShape).toEqual([2, 12, 12]);
    const x = randomTensor([1, 1, 12, 12], 2);
    const cot = new Float32Array(2 * 144);
    cot[1 * 144 + 6 * 12 + 6] = 1; // class 1 at (6, 6)
    const { inputGrad } = await model.vjp(x, { shape: [1, 288], data: cot });
    for (let y = 0; y < 12; y++) for (let xx = 0; xx < 12; xx++) {
      if (Math.abs(y - 6) > 2 || Math.abs(xx - 6) > 2) expect(inputGrad.data[y * 12 + xx]).toBe(0);
    }
  });
});
