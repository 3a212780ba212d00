import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { saliency } from '../../src/attribution/saliency.js';
import { countModelRows } from '../../src/web/row-counter.js';
import { randomTensor } from '../helpers/models.js';

describe('countModelRows', () => {
  it('counts every row the model runs, and leaves the results unchanged', async () => {
    const plain = new OnnxModel(tinyCnn({ size: 16, seed: 2 }), { internalBatchSize: 7 });
    const counted = new OnnxModel(tinyCnn({ size: 16, seed: 2 }), { internalBatchSize: 7 });
    const reports: number[] = [];
    const rows = countModelRows(counted, (r) => reports.push(r), 0);
    const x = randomTensor([3, 1, 16, 16], 4);
    try {
      const a = await saliency.attribute(plain, x, { target: [0, 1, 0] });
      const b = await saliency.attribute(counted, x, { target: [0, 1, 0] });
      expect(b.values.data).toEqual(a.values.data);
      // saliency: one vjp over the 3 images.
      expect(rows()).toBe(3);
      // IG, 10 steps, explicit targets: one vjp over (steps + 2 end points) rows per image.
      await integratedGradients.attribute(counted, x, { target: [0, 1, 0], steps: 10 });
      expect(rows()).toBe(3 + (10 + 2) * 3);
      expect(reports[reports.length - 1]).toBe(rows());
    } finally {
      await plain.dispose();
      await counted.dispose();
    }
  });
});
