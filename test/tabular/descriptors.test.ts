/**
 * EM descriptors on images whose values follow from the definitions by hand (constant, corner
 * square, centre disk, checkerboard, step edge), and on the synthetic EM set: the defect and the
 * corner artifact each move their own descriptor.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/tensor/tensor.js';
import { DESCRIPTOR_NAMES, extractDescriptors } from '../../src/tabular/descriptors.js';
import { generateEmDefects } from '../../src/data/synthetic/em-defects.js';

function image(h: number, w: number, f: (y: number, x: number) => number) {
  return Float32Array.from({ length: h * w }, (_, i) => f(Math.floor(i / w), i % w));
}

function describeOne(h: number, w: number, f: (y: number, x: number) => number): Record<string, number> {
  const r = extractDescriptors(tensor([1, 1, h, w], image(h, w, f)));
  return Object.fromEntries(r.names.map((n, j) => [n, r.table.data[j]]));
}

describe('extractDescriptors', () => {
  it('a constant image has only brightness', () => {
    const d = describeOne(16, 16, () => 0.4);
    expect(d.mean_brightness).toBeCloseTo(0.4, 6);
    expect(d.corner_brightness).toBeCloseTo(0.4, 6);
    for (const k of ['local_contrast', 'texture_score', 'defect_intensity', 'edge_density']) expect(d[k]).toBeCloseTo(0, 6);
  });

  it('a bright corner square sets corner brightness to its value (k = 32/8 = 4)', () => {
    const d = describeOne(32, 32, (y, x) => (y >= 28 && x < 4 ? 1 : 0));
    expect(d.corner_brightness).toBeCloseTo(1, 6);
    expect(d.mean_brightness).toBeCloseTo(16 / 1024, 6);
    expect(d.defect_intensity).toBeCloseTo(0, 6);
    // A 2×2 square in the corner covers a quarter of the 4×4 corner window.
    expect(describeOne(32, 32, (y, x) => (y < 2 && x < 2 ? 1 : 0)).corner_brightness).toBeCloseTo(0.25, 6);
  });

  it('a centred disk (radius ≤ R = 8) of +0.3 gives defect intensity 0.3', () => {
    const d = describeOne(32, 32, (y, x) => 0.2 + (Math.hypot(y - 15.5, x - 15.5) <= 8 ? 0.3 : 0));
    expect(d.defect_intensity).toBeCloseTo(0.3, 6);
    // The ring subtracts a uniform background, so the same disk on a brighter specimen reads the same.
    expect(describeOne(32, 32, (y, x) => 0.5 + (Math.hypot(y - 15.5, x - 15.5) <= 8 ? 0.3 : 0)).defect_intensity).toBeCloseTo(0.3, 6);
  });

  it('a checkerboard: 3×3 std √(20/81), |Laplacian| 4, and no Sobel edges (its kernels cancel)', () => {
    const d = describeOne(10, 10, (y, x) => (y + x) % 2);
    expect(d.local_contrast).toBeCloseTo(Math.sqrt(20 / 81), 6);
    expect(d.texture_score).toBeCloseTo(4, 6);
    expect(d.edge_density).toBe(0);
  });

  it('a vertical step: Sobel magnitude 4 in the two columns beside it → density 2/(W − 2)', () => {
    const d = describeOne(8, 8, (_y, x) => (x >= 4 ? 1 : 0));
    expect(d.edge_density).toBeCloseTo(2 / 6, 6);
    // Two of the six interior columns have |∇²| = 1.
    expect(d.texture_score).toBeCloseTo(2 / 6, 6);
    const r = extractDescriptors(tensor([1, 1, 8, 8], image(8, 8, (_y, x) => (x >= 4 ? 0.1 : 0))));
    expect(r.table.data[4]).toBe(0); // a step of 0.1 → Sobel 0.4 < 0.5
    expect(extractDescriptors(tensor([1, 1, 8, 8], image(8, 8, (_y, x) => (x >= 4 ? 0.1 : 0))), { edgeThreshold: 0.3 }).table.data[4]).toBeCloseTo(2 / 6, 6);
  });

  it('averages channels, accepts [N, H, W], and names its columns', () => {
    const a = image(8, 8, (y, x) => (x * y) / 64);
    const b = image(8, 8, (y) => y / 8);
    const two = extractDescriptors(tensor([1, 2, 8, 8], Float32Array.from([...a, ...b])));
    const mean = extractDescriptors(tensor([1, 8, 8], a.map((v, i) => (v + b[i]) / 2)));
    Array.from(two.table.data).forEach((v, j) => expect(v).toBeCloseTo(mean.table.data[j], 6));
    expect(two.names).toEqual([...DESCRIPTOR_NAMES]);
    expect(() => extractDescriptors(tensor([2, 4], new Float32Array(8)))).toThrow(/\[N, C, H, W\]/);
    expect(() => extractDescriptors(tensor([1, 1, 2, 2], new Float32Array(4)))).toThrow(/too small/);
  });

  it('on synthetic EM tiles the defect raises defect intensity and the artifact corner brightness', () => {
    const set = generateEmDefects({ count: 200, seed: 3, artifact: 'with-defect', radius: [2, 4], contrast: [0.2, 0.4], artifactSize: 6 });
    const { table } = extractDescriptors(set.images);
    const col = (j: number, keep: (i: number) => boolean) => Array.from({ length: 200 }, (_, i) => i).filter(keep).map((i) => table.data[i * 6 + j]);
    const defect = col(3, (i) => set.labels[i] === 1);
    const plain = col(3, (i) => set.labels[i] === 0);
    const mean = (v: number[]) => v.reduce((a, b) => a + b) / v.length;
    // A disk of radius ~3 and contrast ~0.3 inside the R = 8 disk: 0.3 · 9/64 ≈ 0.04 on average.
    expect(mean(defect) - mean(plain)).toBeGreaterThan(0.03);
    // And it separates the classes: AUROC (share of defect/plain pairs ordered correctly) > 0.95.
    const pairs = defect.reduce((a, d) => a + plain.filter((p) => d > p).length, 0);
    expect(pairs / (defect.length * plain.length)).toBeGreaterThan(0.95);
    expect(Math.min(...col(5, (i) => set.hasArtifact[i]))).toBeGreaterThan(Math.max(...col(5, (i) => !set.hasArtifact[i])));
  });
});
