/**
 * Ledoit–Wolf against scikit-learn (test/fixtures/covariance/sklearn-ledoit-wolf.json, made by
 * bench/reference/make_ledoit_wolf_fixture.py), and the bounded-dimension Mahalanobis fit: the sparse
 * random projection's structure, and that projecting first is the same as fitting projected features.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ledoitWolf } from '../../src/trust/ledoit-wolf.js';
import { fitMahalanobis, mahalanobisScores } from '../../src/trust/mahalanobis.js';
import { projectRows, sparseProjection } from '../../src/trust/random-projection.js';
import { auroc } from '../../src/trust/auroc.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';

interface PlainCase {
  name: string;
  n: number;
  p: number;
  x: number[];
  covariance: number[];
  shrinkage: number;
}
interface PooledCase extends PlainCase {
  labels: number[];
  probes: number[];
  distances: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/covariance/sklearn-ledoit-wolf.json', import.meta.url), 'utf8')) as { plain: PlainCase[]; pooled: PooledCase[] };

function expectAllClose(got: ArrayLike<number>, want: readonly number[], tol: number): void {
  expect(got.length).toBe(want.length);
  const scale = Math.max(...want.map(Math.abs));
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(tol * scale);
}

describe('Ledoit–Wolf against scikit-learn', () => {
  for (const c of fixture.plain) {
    it(`LedoitWolf().fit(X): ${c.name}`, () => {
      const lw = ledoitWolf(Float32Array.from(c.x), c.n, c.p);
      expect(lw.shrinkage).toBeCloseTo(c.shrinkage, 10);
      expectAllClose(lw.covariance, c.covariance, 1e-10);
    });
  }

  for (const c of fixture.pooled) {
    it(`the Mahalanobis fit is LedoitWolf on class-centred features: ${c.name}`, () => {
      const fit = fitMahalanobis(tensor([c.n, c.p], c.x), c.labels, { ridge: 0 });
      expect(fit.projection).toBeUndefined();
      expect(fit.shrinkage).toBeCloseTo(c.shrinkage, 10);
      expectAllClose(fit.covariance, c.covariance, 1e-10);
      expectAllClose(mahalanobisScores(fit, tensor([c.probes.length / c.p, c.p], c.probes)), c.distances, 1e-9);
    });
  }

  it('analytic cases: S already a multiple of I gives no shrinkage; one feature gives 0 as scikit-learn does', () => {
    // Rows ±e_j: S = (2/8)·I exactly, so ‖S − μI‖ = 0.
    const p = 4;
    const rows: number[] = [];
    for (let j = 0; j < p; j++) for (const s of [1, -1]) rows.push(...Array.from({ length: p }, (_, i) => (i === j ? s : 0)));
    const lw = ledoitWolf(Float64Array.from(rows), 2 * p, p, { assumeCentred: true });
    expect(lw.shrinkage).toBe(0);
    expect(lw.mu).toBeCloseTo(0.25, 15);
    expect(ledoitWolf(Float64Array.from([1, 2, 4]), 3, 1).shrinkage).toBe(0);
  });
});

describe('sparse random projection', () => {
  it('every feature lands in s distinct coordinates with weights ±1/√s; the same seed gives the same map', () => {
    const p = sparseProjection(300, 64, 5);
    expect(p.perFeature).toBe(8);
    for (let j = 0; j < 300; j++) {
      const t = Array.from(p.targets.subarray(j * 8, j * 8 + 8));
      expect(new Set(t).size).toBe(8);
      t.forEach((v) => expect(v >= 0 && v < 64).toBe(true));
      p.weights.subarray(j * 8, j * 8 + 8).forEach((w) => expect(Math.abs(Math.abs(w) - 1 / Math.sqrt(8))).toBeLessThan(1e-7));
    }
    expect(Array.from(sparseProjection(300, 64, 5).targets)).toEqual(Array.from(p.targets));
    expect(Array.from(sparseProjection(300, 64, 6).targets)).not.toEqual(Array.from(p.targets));
  });

  it('projectRows is the dense product with the map, and keeps squared norms on average', () => {
    const p = sparseProjection(200, 32, 1);
    const rng = new Random(2);
    const n = 50;
    const x = Float32Array.from({ length: n * 200 }, () => (rng.next() < 0.5 ? 0 : rng.normal()));
    const y = projectRows(p, x, n);
    const dense = new Float64Array(200 * 32);
    for (let j = 0; j < 200; j++) for (let t = 0; t < 8; t++) dense[j * 32 + p.targets[j * 8 + t]] += p.weights[j * 8 + t];
    let ratio = 0;
    for (let i = 0; i < n; i++) {
      let nx = 0;
      let ny = 0;
      for (let k = 0; k < 32; k++) {
        let v = 0;
        for (let j = 0; j < 200; j++) v += x[i * 200 + j] * dense[j * 32 + k];
        expect(y[i * 32 + k]).toBeCloseTo(v, 4);
        ny += y[i * 32 + k] ** 2;
      }
      for (let j = 0; j < 200; j++) nx += x[i * 200 + j] ** 2;
      ratio += ny / nx / n;
    }
    expect(Math.abs(ratio - 1)).toBeLessThan(0.1);
  });
});

describe('Mahalanobis above the dimension limit', () => {
  const d = 600;
  const rng = new Random(9);
  // ReLU-like features of two classes with a shared low-rank structure; a third of the units are dead.
  const basis = Float32Array.from({ length: 20 * d }, () => rng.normal() / Math.sqrt(20));
  function rows(n: number, shift: number, labels: number[]): Float32Array {
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: 20 }, () => rng.normal());
      for (let j = d / 3; j < d; j++) {
        let v = 0.2 * labels[i] + shift * (j % 7 === 0 ? 1 : 0) + 0.1 * rng.normal();
        for (let k = 0; k < 20; k++) v += z[k] * basis[k * d + j];
        out[i * d + j] = Math.max(0, v);
      }
    }
    return out;
  }
  const labels = Array.from({ length: 400 }, (_, i) => i % 2);
  const train = rows(400, 0, labels);

  it('projects to maxDim and equals fitting the projected features directly', () => {
    const fit = fitMahalanobis(tensor([400, d], train), labels, { maxDim: 64, seed: 3 });
    expect(fit.dim).toBe(d);
    expect(fit.projectedDim).toBe(64);
    expect(fit.covariance.length).toBe(64 * 64);
    expect(fit.shrinkage).toBeGreaterThan(0);
    const projection = sparseProjection(d, 64, 3);
    const direct = fitMahalanobis(tensor([400, 64], projectRows(projection, train, 400)), labels, { maxDim: Infinity });
    const probes = rows(10, 0.5, new Array<number>(10).fill(0));
    const a = mahalanobisScores(fit, tensor([10, d], probes));
    const b = mahalanobisScores(direct, tensor([10, 64], projectRows(projection, probes, 10)));
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 9));
  });

  // A sanity check, not a quality claim: shrinkage and projection trade some sensitivity for scale
  // (bench/mahalanobis.ts measures the audit's synthetic shifts before and after).
  it('still separates clearly shifted features from held-out in-distribution ones', () => {
    const fit = fitMahalanobis(tensor([400, d], train), labels);
    expect(fit.projectedDim).toBe(256);
    const heldLabels = Array.from({ length: 100 }, (_, i) => i % 2);
    const held = mahalanobisScores(fit, tensor([100, d], rows(100, 0, heldLabels)));
    const shifted = mahalanobisScores(fit, tensor([100, d], rows(100, 1, heldLabels)));
    expect(auroc(held, shifted)).toBeGreaterThan(0.95);
  });
});
