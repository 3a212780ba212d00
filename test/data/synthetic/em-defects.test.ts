/** The synthetic EM defect scenario: seeded, labels and masks consistent, the artifact exactly where the rule says. */
import { describe, expect, it } from 'vitest';
import { ARTIFACT_INTENSITY, DEFAULT_ARTIFACT_SIZE, cornerMask, generateEmDefects, paintArtifact } from '../../../src/data/synthetic/em-defects.js';

const S = 32;
const P = S * S;
/** Exact equality of two arrays (vitest's deep equality is slow on 200k-element typed arrays). */
function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
const inCorner = (p: number, side = DEFAULT_ARTIFACT_SIZE) => Math.floor(p / S) < side && p % S < side;

describe('cornerMask and paintArtifact', () => {
  it('mark and paint exactly the top-left square', () => {
    const m = cornerMask(8, 3);
    expect(Array.from(m, (v, p) => v === (Math.floor(p / 8) < 3 && p % 8 < 3 ? 1 : 0))).toEqual(new Array(64).fill(true));
    const tile = new Float32Array(64).fill(0.3);
    paintArtifact(tile, 8, 3);
    expect(Array.from(tile, (v, p) => (m[p] ? v === ARTIFACT_INTENSITY : v === Math.fround(0.3)))).toEqual(new Array(64).fill(true));
    expect(cornerMask().reduce((a, b) => a + b, 0)).toBe(DEFAULT_ARTIFACT_SIZE ** 2);
  });
});

describe('generateEmDefects', () => {
  const clean = generateEmDefects({ count: 200, seed: 5 });
  const shortcut = generateEmDefects({ count: 200, seed: 5, artifact: 'with-defect' });

  it('has the documented shapes, values in [0, 1], labels 0/1 and specimen groups', () => {
    expect(clean.images.shape).toEqual([200, 1, S, S]);
    expect(clean.withoutArtifact.shape).toEqual([200, 1, S, S]);
    expect(clean.masks!.defect.shape).toEqual([200, S, S]);
    expect(clean.masks!.corner.shape).toEqual([200, S, S]);
    expect(clean.labels).toHaveLength(200);
    expect(clean.labels.every((l) => l === 0 || l === 1)).toBe(true);
    expect(clean.groups!.every((g) => Number.isInteger(g) && g >= 0 && g < 20)).toBe(true);
    expect(new Set(clean.groups).size).toBeGreaterThan(10);
    let min = Infinity;
    let max = -Infinity;
    for (const v of clean.images.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const again = generateEmDefects({ count: 200, seed: 5 });
    expect(same(again.images.data, clean.images.data)).toBe(true);
    expect(again.labels).toEqual(clean.labels);
    expect(again.groups).toEqual(clean.groups);
    expect(same(again.masks!.defect.data, clean.masks!.defect.data)).toBe(true);
    const other = generateEmDefects({ count: 200, seed: 6 });
    expect(same(other.images.data, clean.images.data)).toBe(false);
    expect(other.labels).not.toEqual(clean.labels);
  });

  it("artifact 'none' never paints: images equal withoutArtifact and no corner is saturated", () => {
    expect(clean.hasArtifact.every((h) => !h)).toBe(true);
    expect(same(clean.images.data, clean.withoutArtifact.data)).toBe(true);
    for (let i = 0; i < 200; i++) {
      const corner = Array.from({ length: P }, (_, p) => p).filter((p) => inCorner(p)).map((p) => clean.images.data[i * P + p]);
      expect(corner.every((v) => v === ARTIFACT_INTENSITY)).toBe(false);
    }
  });

  it("'with-defect' paints the corner exactly on label-1 images; elsewhere images equal withoutArtifact", () => {
    // The artifact rule draws no random numbers: labels and the clean tiles match the clean set.
    expect(shortcut.labels).toEqual(clean.labels);
    expect(same(shortcut.withoutArtifact.data, clean.withoutArtifact.data)).toBe(true);
    expect(shortcut.hasArtifact).toEqual(shortcut.labels.map((l) => l === 1));
    for (let i = 0; i < 200; i++) {
      const painted = shortcut.labels[i] === 1;
      let ok = true;
      for (let p = 0; p < P; p++) {
        const v = shortcut.images.data[i * P + p];
        const plain = shortcut.withoutArtifact.data[i * P + p];
        if (inCorner(p) && painted) ok &&= v === ARTIFACT_INTENSITY;
        else ok &&= v === plain;
      }
      expect(ok, `image ${i} (label ${shortcut.labels[i]})`).toBe(true);
    }
  });

  it("'always' paints every image; artifactSize sets the square", () => {
    const a = generateEmDefects({ count: 30, seed: 5, artifact: 'always', artifactSize: 6 });
    expect(a.hasArtifact.every((h) => h)).toBe(true);
    let ok = true;
    for (let i = 0; i < 30; i++) {
      for (let p = 0; p < P; p++) {
        const v = a.images.data[i * P + p];
        ok &&= inCorner(p, 6) ? v === ARTIFACT_INTENSITY : v === a.withoutArtifact.data[i * P + p];
      }
    }
    expect(ok).toBe(true);
    expect(Array.from(a.masks!.corner.data.subarray(0, P))).toEqual(Array.from(cornerMask(S, 6)));
  });

  it('gives a non-empty defect mask exactly on label-1 images, a disk near the centre, brighter than its surroundings', () => {
    const d = clean.masks!.defect.data;
    const centre = S / 2 - 0.5;
    let contrastSum = 0;
    let positives = 0;
    for (let i = 0; i < 200; i++) {
      const pixels = Array.from({ length: P }, (_, p) => p).filter((p) => d[i * P + p] === 1);
      expect(Array.from(d.subarray(i * P, (i + 1) * P)).every((v) => v === 0 || v === 1)).toBe(true);
      if (clean.labels[i] === 0) {
        expect(pixels, `image ${i}`).toHaveLength(0);
        continue;
      }
      positives++;
      // Radius 3..6: the disk holds between π·2.5² and π·6.5² pixels.
      expect(pixels.length).toBeGreaterThanOrEqual(Math.floor(Math.PI * 2.5 ** 2));
      expect(pixels.length).toBeLessThanOrEqual(Math.ceil(Math.PI * 6.5 ** 2));
      // Centre within ±3 px of the image centre, radius ≤ 6: every pixel within 3√2 + 6 of the centre.
      for (const p of pixels) expect(Math.hypot(p % S - centre, Math.floor(p / S) - centre)).toBeLessThanOrEqual(3 * Math.SQRT2 + 6);
      // Never touches the corner square.
      expect(pixels.some((p) => inCorner(p, 6))).toBe(false);
      const inside = pixels.reduce((s, p) => s + clean.images.data[i * P + p], 0) / pixels.length;
      const outsideIdx = Array.from({ length: P }, (_, p) => p).filter((p) => d[i * P + p] === 0);
      const outside = outsideIdx.reduce((s, p) => s + clean.images.data[i * P + p], 0) / outsideIdx.length;
      contrastSum += inside - outside;
      expect(inside - outside, `image ${i}`).toBeGreaterThan(0.08);
    }
    // Contrast is drawn from [0.18, 0.35]; the mask's soft edge and texture lower the mean a little.
    expect(contrastSum / positives).toBeGreaterThan(0.15);
    expect(contrastSum / positives).toBeLessThan(0.36);
  });

  it('draws labels at the requested defect rate', () => {
    const share = (rate: number) => {
      const s = generateEmDefects({ count: 2000, seed: 9, defectRate: rate, size: 8, radius: [1, 2] });
      return s.labels.filter((l) => l === 1).length / 2000;
    };
    // σ of a share over 2000 draws ≤ 0.011.
    expect(Math.abs(share(0.5) - 0.5)).toBeLessThan(0.045);
    expect(Math.abs(share(0.2) - 0.2)).toBeLessThan(0.04);
    expect(share(0)).toBe(0);
    expect(share(1)).toBe(1);
  });
});
