import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/tensor/tensor.js';
import { classAverages, dataPca } from '../../src/cli/explore-global.js';
import { pca } from '../../src/concepts/pca.js';

describe('classAverages', () => {
  it('averages each class\u2019s maps and measures the central share of the mean', () => {
    // 4×4 maps: class 0 has two maps (one central pixel each, 2 and 4), class 1 one corner map.
    const at = (p: number, v: number) => tensor([4, 4], Array.from({ length: 16 }, (_, i) => (i === p ? v : 0)));
    const maps = [at(5, 2), at(15, 3), at(5, 4)];
    const [c0, c1] = classAverages(maps, [0, 1, 0], [0, 1, 2]);
    expect(c0.images).toBe(2);
    expect(c0.mean.data[5]).toBeCloseTo(3, 12);
    expect(c0.centralShare).toBe(1);
    expect(c0.example.index).toBe(0);
    expect(c1.mean.data[15]).toBe(3);
    expect(c1.centralShare).toBe(0);
  });
});

describe('dataPca', () => {
  it('shows the components of pca() as [H, W] planes (channel mean)', () => {
    const x = tensor([5, 2, 2, 2], Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.7) + (i % 3)));
    const p = dataPca(x, 3);
    const r = pca(x, 3);
    expect(p.explainedVarianceRatio).toEqual(r.explainedVarianceRatio);
    expect(p.eigenimages).toHaveLength(3);
    expect(p.eigenimages[1].shape).toEqual([2, 2]);
    for (let q = 0; q < 4; q++) expect(p.eigenimages[1].data[q]).toBeCloseTo((r.components.data[8 + q] + r.components.data[12 + q]) / 2, 6);
  });
});
