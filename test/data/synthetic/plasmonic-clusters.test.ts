/** The structure–property scenario: seeded, its spectra follow the stated physics, the held-out box is exact. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_HELD_OUT, clusterSpectrum, inHeldOutRegion, particleCentres, plasmonicClusters, type ClusterGeometry } from '../../../src/data/synthetic/plasmonic-clusters.js';

/** Exact equality (vitest's deep equality is slow on long typed arrays). */
function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const wavelengths = Float32Array.from({ length: 2001 }, (_, i) => 400 + i * 0.25);
function peak(g: ClusterGeometry): number {
  const s = new Float32Array(wavelengths.length);
  clusterSpectrum(g, wavelengths, s);
  let best = 0;
  for (let i = 1; i < s.length; i++) if (s[i] > s[best]) best = i;
  return wavelengths[best];
}

describe('clusterSpectrum', () => {
  it('puts a monomer peak at 520 + 12(r − 2) nm', () => {
    expect(peak({ particles: 1, radius: 2, gap: 0, orientation: 0 })).toBeCloseTo(520, 0);
    expect(peak({ particles: 1, radius: 3.5, gap: 0, orientation: 0 })).toBeCloseTo(538, 0);
  });

  it('red-shifts a dimer by the plasmon-ruler law and a trimer further; orientation changes nothing', () => {
    const r = 3;
    const gap = 1.2;
    const lambda1 = 520 + 12 * (r - 2);
    const expected = lambda1 * (1 + 0.18 * Math.exp(-(gap / (2 * r)) / 0.23));
    // The weaker transverse mode on its blue side pulls the maximum a few nanometres towards it.
    const dimer = peak({ particles: 2, radius: r, gap, orientation: 0 });
    expect(dimer).toBeLessThan(expected);
    expect(dimer).toBeGreaterThan(expected - 5);
    expect(peak({ particles: 3, radius: r, gap, orientation: 0 })).toBeGreaterThan(expected + 10);
    const a = new Float32Array(16);
    const b = new Float32Array(16);
    clusterSpectrum({ particles: 2, radius: r, gap, orientation: 0.1 }, wavelengths.subarray(0, 16), a);
    clusterSpectrum({ particles: 2, radius: r, gap, orientation: 2.5 }, wavelengths.subarray(0, 16), b);
    expect(Array.from(a)).toEqual(Array.from(b));
    // Closer particles couple more strongly.
    expect(peak({ particles: 2, radius: r, gap: 0.5, orientation: 0 })).toBeGreaterThan(peak({ particles: 2, radius: r, gap: 3, orientation: 0 }));
  });
});

describe('particleCentres', () => {
  it('spaces a chain by 2r + gap along its orientation', () => {
    const c = particleCentres({ particles: 3, radius: 2, gap: 1, orientation: Math.PI / 2 }, 32);
    expect(c[1][0]).toBeCloseTo(15.5, 6);
    expect(c[1][1]).toBeCloseTo(15.5, 6);
    expect(c[2][1] - c[1][1]).toBeCloseTo(5, 6);
    expect(c[2][0] - c[1][0]).toBeCloseTo(0, 6);
  });
});

describe('plasmonicClusters', () => {
  const data = plasmonicClusters({ count: 300, seed: 3 });

  it('is seeded: the same seed gives the same numbers, another seed others', () => {
    const again = plasmonicClusters({ count: 300, seed: 3 });
    expect(same(again.images.data, data.images.data)).toBe(true);
    expect(same(again.spectra.data, data.spectra.data)).toBe(true);
    expect(same(plasmonicClusters({ count: 300, seed: 4 }).spectra.data, data.spectra.data)).toBe(false);
  });

  it('has the documented shapes and flags exactly the examples inside the held-out box', () => {
    expect(data.images.shape).toEqual([300, 1, 32, 32]);
    expect(data.spectra.shape).toEqual([300, 128]);
    expect(data.heldOut).toEqual(data.geometry.map((g) => inHeldOutRegion(g, DEFAULT_HELD_OUT)));
    const held = data.heldOut.filter(Boolean).length;
    expect(held).toBeGreaterThan(15);
    expect(held).toBeLessThan(120);
    expect(new Set(data.geometry.map((g) => g.particles))).toEqual(new Set([1, 2, 3]));
  });

  it('renders brighter images for bigger clusters (total intensity grows with n·r²)', () => {
    const total = (i: number) => data.images.data.subarray(i * 1024, (i + 1) * 1024).reduce((a, b) => a + b, 0);
    const byCount = [1, 2, 3].map((n) => {
      const rows = data.geometry.flatMap((g, i) => (g.particles === n ? [i] : []));
      return rows.reduce((s, i) => s + total(i), 0) / rows.length;
    });
    expect(byCount[1]).toBeGreaterThan(byCount[0]);
    expect(byCount[2]).toBeGreaterThan(byCount[1]);
  });

  it('refuses clusters that do not fit the image, in one line naming the fix', () => {
    expect(() => plasmonicClusters({ count: 2, seed: 1, size: 16 })).toThrow(/does not fit a 16-pixel image; use a larger size/);
  });
});
