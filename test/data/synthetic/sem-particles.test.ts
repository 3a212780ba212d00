/**
 * The SEM lots: seeded (same seed, same bytes), lot-level labels from the hidden stress function,
 * attributes spread as a Latin hypercube, and — the independent check the knobs rely on — the
 * physical measurement recovers every attribute from the pixels alone (rank correlation with the
 * lot's true value over tiles of 30 lots).
 */
import { describe, expect, it } from 'vitest';
import { generateSemLots, peakStress, peakStressSlopes, renderSemTile, SEM_ATTRIBUTES } from '../../../src/data/synthetic/sem-particles.js';
import { calibrate, fitCalibration, measureSemTile, measureSemTiles, otsuThreshold } from '../../../src/data/synthetic/sem-particles-measure.js';
import { spearman } from '../../../src/evaluate/similarity.js';

describe('generateSemLots', () => {
  const data = generateSemLots({ seed: 3, lots: 30, tilesPerLot: 4 });

  it('is seeded, lot-labelled and spreads each attribute over its range (one lot per 1/30 of each range)', () => {
    const again = generateSemLots({ seed: 3, lots: 30, tilesPerLot: 4 });
    expect(Buffer.from(again.images.data.buffer).equals(Buffer.from(data.images.data.buffer))).toBe(true);
    expect(data.images.shape).toEqual([120, 1, 64, 64]);
    expect(data.lots.slice(0, 5)).toEqual([0, 0, 0, 0, 1]);
    for (let j = 0; j < SEM_ATTRIBUTES.length; j++) {
      const strata = data.lotAttributes.map((a) => Math.floor(a[j] * 30)).sort((a, b) => a - b);
      expect(strata).toEqual(Array.from({ length: 30 }, (_, i) => i));
    }
    // Labels: the hidden function plus lot noise (σ 1.5), the same for every tile of a lot.
    const residuals = data.lotAttributes.map((a, l) => data.lotStress[l] - peakStress(a));
    expect(Math.max(...residuals.map(Math.abs))).toBeLessThan(6);
    expect(data.stress[5]).toBe(data.lotStress[1]);
    expect(data.images.data.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('ignores the decoy in the stress, and the true slopes are the analytic partial derivatives', () => {
    const a = [0.3, 0.6, 0.2, 0.7, 0.1];
    expect(peakStress([...a.slice(0, 4), 0.9])).toBe(peakStress(a));
    const [size, porosity, poly, facet, decoy] = peakStressSlopes([a]);
    expect(size).toBeCloseTo(-28 - 8 * 0.7, 4);
    expect(porosity).toBeCloseTo(12 + 12 * 0.6, 4);
    expect(poly).toBeCloseTo(16, 4);
    expect(facet).toBeCloseTo(20 - 8 * 0.3, 4);
    expect(decoy).toBe(0);
  });

  it('measures every attribute physically: rank correlation with the lot value (size ≥ 0.8, porosity ≥ 0.85, polydispersity ≥ 0.6, facetness ≥ 0.45, decoy ≥ 0.95)', () => {
    const measured = measureSemTiles(data.images);
    // Size 0.8, facetness 0.45: with radii spread up to a coefficient of variation of 0.65, a tile's
    // few large crystals estimate its lot's mean radius less tightly, and more crystals are too small
    // for an outline harmonic (measured 0.85 and 0.47 on this data; polydispersity rose to 0.78).
    const floors = [0.8, 0.85, 0.6, 0.45, 0.95];
    SEM_ATTRIBUTES.forEach((_, j) => {
      const rows = measured.flatMap((m, i) => (Number.isFinite(m[j]) ? [[m[j], data.lotAttributes[data.lots[i]][j]]] : []));
      expect(rows.length).toBeGreaterThan(110);
      expect(spearman(rows.map((r) => r[0]), rows.map((r) => r[1]))).toBeGreaterThan(floors[j]);
    });
    // Calibrated to attribute units, size lands within 0.2 of the truth on average.
    const cal = calibrate(measured, fitCalibration(measured, data.lots.map((l) => data.lotAttributes[l])));
    const err = cal.reduce((s, m, i) => s + Math.abs(m[0] - data.lotAttributes[data.lots[i]][0]), 0) / cal.length;
    expect(err).toBeLessThan(0.2);
  });

  it('renders the same field of view with an edited attribute, and the measurement follows the edit', () => {
    const base = [0.5, 0.1, 0.2, 0.1, 0.5];
    const bigger = measureSemTile(renderSemTile([0.9, ...base.slice(1)], 77), 64);
    const smaller = measureSemTile(renderSemTile([0.1, ...base.slice(1)], 77), 64);
    expect(bigger.size).toBeGreaterThan(smaller.size + 2);
    const porous = measureSemTile(renderSemTile([0.5, 0.9, 0.2, 0.1, 0.5], 77), 64);
    const solid = measureSemTile(renderSemTile(base, 77), 64);
    expect(porous.porosity).toBeGreaterThan(solid.porosity + 0.02);
  });

  it('shades the flat faces of faceted crystals (planes of their own brightness) without moving the mean brightness', () => {
    // Crystal pixels (above the substrate's brightest value, 0.45): at full
    // facetness the faces differ by up to FACE_CONTRAST, so the spread of interior brightness grows;
    // the face cosines sum to zero, so the mean (the decoy's channel) stays put.
    const interior = (facet: number) => {
      const values: number[] = [];
      for (let seed = 1; seed <= 20; seed++) {
        const t = renderSemTile([0.9, 0, 0.1, facet, 0.5], seed);
        for (const v of t) if (v > 0.45) values.push(v);
      }
      const m = values.reduce((a, b) => a + b, 0) / values.length;
      return { mean: m, sd: Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / values.length) };
    };
    const round = interior(0);
    const faceted = interior(1);
    expect(faceted.sd).toBeGreaterThan(1.2 * round.sd);
    expect(Math.abs(faceted.mean - round.mean)).toBeLessThan(0.01);
  });

  it('spreads crystal radii more with polydispersity (coefficient of variation of measured radii)', () => {
    const spread = (poly: number) => {
      let sum = 0;
      for (let seed = 1; seed <= 20; seed++) sum += measureSemTile(renderSemTile([0.4, 0, poly, 0, 0.5], seed), 64).polydispersity;
      return sum / 20;
    };
    expect(spread(1)).toBeGreaterThan(spread(0) + 0.25);
  });

  it("Otsu's threshold splits two well-separated levels between them", () => {
    const v = new Float32Array(1000).map((_, i) => (i < 600 ? 0.2 : 0.7));
    const t = otsuThreshold(v);
    expect(t).toBeGreaterThan(0.2);
    expect(t).toBeLessThanOrEqual(0.7);
  });
});
