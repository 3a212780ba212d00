import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/tensor/tensor.js';
import { globalAttributionSection, pcaSection, spLimeSection } from '../../src/report/explore-global-section.js';

const img = tensor([1, 4, 4], Array.from({ length: 16 }, (_, i) => i / 16));
const map = tensor([4, 4], Array.from({ length: 16 }, (_, i) => Math.sin(i)));

describe('explore global sections', () => {
  it('render PCA, class averages and SP-LIME picks with their numbers', () => {
    const p = pcaSection({ explainedVarianceRatio: [0.5, 0.25], mean: map, eigenimages: [map, map], images: 9 });
    expect(p).toContain('PC 2 (25.0%)');
    expect(p).toContain('0.75');
    const g = globalAttributionSection({ method: 'gradient-shap', classes: [{ className: 'voids & co', images: 3, mean: map, centralShare: 0.4, example: { index: 2, image: img, map } }] });
    expect(g).toContain('voids &amp; co');
    expect(g).toContain('mean of 3 · image #2');
    const s = spLimeSection({ budget: 2, pool: 7, patch: 2, featuresPerExplanation: 2, coverage: [0.4137, 0.8], importance: tensor([2, 2], [1, 2, 3, 4]), picked: [{ index: 3, trueClass: 'a', predicted: 'b', image: img, map }, { index: 5, trueClass: 'a', predicted: 'a', image: img, map }] });
    expect(s).toContain('coverage 41%');
    expect(s).toContain('#3 true: a, pred: b');
    expect(s.match(/data:image\/png;base64/g)).toHaveLength(3);
  });
});
