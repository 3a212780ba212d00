/** Specimen-tied sets: labels per specimen, hot-pixel fingerprints, and the untied counterpart. */
import { describe, expect, it } from 'vitest';
import { generateSpecimenSet } from '../../../src/data/synthetic/specimens.js';
import { ARTIFACT_INTENSITY, generateEmDefects } from '../../../src/data/synthetic/em-defects.js';

const S = 16;
const P = S * S;

/** Pixel positions equal to the hot-pixel intensity in every tile of the specimen (brute force). */
function alwaysSaturated(set: ReturnType<typeof generateSpecimenSet>, specimen: number): number[] {
  const tiles = set.groups!.flatMap((g, i) => (g === specimen ? [i] : []));
  const out: number[] = [];
  for (let p = 0; p < P; p++) if (tiles.every((i) => set.images.data[i * P + p] === ARTIFACT_INTENSITY)) out.push(p);
  return out;
}

describe('generateSpecimenSet', () => {
  const tied = generateSpecimenSet({ count: 300, seed: 4, tiedLabels: true, specimens: 10, hotPixels: 3, size: S });
  const untied = generateSpecimenSet({ count: 300, seed: 4, tiedLabels: false, specimens: 10, hotPixels: 3, size: S });

  it('tied: every tile carries its specimen label, half the specimens are defective, masks agree', () => {
    expect(tied.specimenLabels.filter((l) => l === 1)).toHaveLength(5);
    expect(tied.specimenLabels.filter((l) => l === 0)).toHaveLength(5);
    tied.labels.forEach((l, i) => expect(l).toBe(tied.specimenLabels[tied.groups![i]]));
    const defect = tied.masks!.defect.data;
    tied.labels.forEach((l, i) => {
      let area = 0;
      for (let p = 0; p < P; p++) area += defect[i * P + p];
      expect(area > 0).toBe(l === 1);
    });
  });

  it('untied: labels vary within specimens (no specimen tells the label)', () => {
    expect(untied.specimenLabels.every((l) => l === null)).toBe(true);
    let mixed = 0;
    for (let s = 0; s < 10; s++) {
      const labels = new Set(untied.labels.filter((_, i) => untied.groups![i] === s));
      if (labels.size === 2) mixed++;
    }
    // ~30 tiles per specimen with p = 0.5: a single-label specimen has probability ~2⁻²⁹.
    expect(mixed).toBe(10);
    const positives = untied.labels.filter((l) => l === 1).length;
    expect(positives).toBeGreaterThan(120);
    expect(positives).toBeLessThan(180);
  });

  it('every specimen has its own hot pixels, saturated in all its tiles and shared by both sets', () => {
    const fingerprints = Array.from({ length: 10 }, (_, s) => alwaysSaturated(tied, s));
    for (const f of fingerprints) {
      expect(f.length).toBeGreaterThanOrEqual(1);
      expect(f.length).toBeLessThanOrEqual(3);
    }
    // Distinct fingerprints: no two specimens share the same set of hot pixels.
    expect(new Set(fingerprints.map((f) => f.join())).size).toBe(10);
    for (let s = 0; s < 10; s++) expect(alwaysSaturated(untied, s)).toEqual(fingerprints[s]);
  });

  it('adds hot pixels without disturbing anything else the generator draws', () => {
    const common = { count: 60, seed: 9, size: S, specimens: 6 };
    const plain = generateEmDefects(common);
    const hot = generateEmDefects({ ...common, hotPixels: 2 });
    expect(hot.labels).toEqual(plain.labels);
    expect(hot.groups).toEqual(plain.groups);
    let changed = 0;
    for (let k = 0; k < plain.images.data.length; k++) {
      if (hot.images.data[k] !== plain.images.data[k]) {
        expect(hot.images.data[k]).toBe(ARTIFACT_INTENSITY);
        changed++;
      }
    }
    // At most 2 hot pixels per tile differ (fewer where the tile was already saturated there).
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(2 * 60);
  });

  it('is deterministic for a seed', () => {
    const again = generateSpecimenSet({ count: 300, seed: 4, tiedLabels: true, specimens: 10, hotPixels: 3, size: S });
    expect(again.labels).toEqual(tied.labels);
    expect(Buffer.from(again.images.data.buffer).equals(Buffer.from(tied.images.data.buffer))).toBe(true);
  });

  it('rejects bad options with a one-line message', () => {
    expect(() => generateSpecimenSet({ count: 10, seed: 1, tiedLabels: true, specimens: 1 })).toThrow(/specimens must be an integer ≥ 2/);
    expect(() => generateEmDefects({ count: 10, seed: 1, specimens: 3, specimenDefectRates: [1, 0] })).toThrow(/one rate per specimen/);
  });
});
