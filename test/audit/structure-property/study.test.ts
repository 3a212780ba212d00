/** The study on a tiny scenario: its split, its per-region scores add up, its probe and tables have the data's shape. */
import { describe, expect, it } from 'vitest';
import { plasmonicClusters } from '../../../src/data/synthetic/plasmonic-clusters.js';
import { pairedFromClusters } from '../../../src/audit/structure-property/paired-data.js';
import { runStructurePropertyStudy, binPixels } from '../../../src/audit/structure-property/study.js';
import { linearProbeAccuracy } from '../../../src/audit/structure-property/linear-probe.js';
import { tensor } from '../../../src/tensor/tensor.js';

describe('runStructurePropertyStudy', () => {
  it('splits, scores per held-out region consistently, and reads the latent', async () => {
    const clusters = plasmonicClusters({ count: 90, seed: 4, size: 16, bins: 16, particleCounts: [1, 2], radiusRange: [1.5, 2.5], gapRange: [0.5, 1.5], heldOut: [{ radius: [1.9, 2.1], gap: [0.5, 1.5] }, { radius: [1.5, 2.5], gap: [0.5, 0.7], particles: [2] }] });
    const data = pairedFromClusters(clusters);
    const { result, figures } = await runStructurePropertyStudy(data, { seed: 3, epochs: { im2spec: 1, spec2im: 1, dualVae: 1 }, spec2imLatents: [2], dualVaeLatent: 2 });
    const held = clusters.heldOut.filter(Boolean).length;
    expect(result.rows.heldOut).toBe(held);
    expect(result.rows.training + result.rows.inDistributionTest + held).toBe(90);
    const regions = Object.values(result.im2spec.byRegion!);
    expect(regions.reduce((s, r) => s + r.rows, 0)).toBe(held);
    expect(regions.reduce((s, r) => s + r.rows * r.heldOutMse, 0) / held).toBeCloseTo(result.im2spec.heldOutMse, 10);
    expect(regions.reduce((s, r) => s + r.rows * r.meanBaselineMse, 0) / held).toBeCloseTo(result.im2spec.meanBaselineMse, 10);
    expect(figures.latents.shape).toEqual([90, 2]);
    expect(result.latentFactors!.correlation.length).toBe(2);
    expect(figures.traversals.image.length).toBe(2);
    expect(result.errorVsDistance.space).toBe('geometry');
    expect(result.errorVsDistance.points.length).toBe(held + result.rows.inDistributionTest);
  });
});

describe('linearProbeAccuracy and binPixels', () => {
  it('separate linearly separable labels perfectly and keep their label values', () => {
    const x = tensor([6, 1], [0, 0.1, 0.2, 1, 1.1, 1.2]);
    expect(linearProbeAccuracy(x, [5, 5, 5, 7, 7, 7], tensor([2, 1], [0.05, 1.15]), [5, 7])).toBe(1);
  });

  it('average 2×2 blocks', () => {
    const img = tensor([1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(binPixels(img).data)).toEqual([3.5, 5.5]);
  });
});
