/**
 * The knobs explanation on an analytic pipeline whose every answer is known in closed form:
 * tiles are 1×1×k "images" equal to their attributes, E is the identity, G(z, A) = A (the tile shows
 * exactly the requested attributes) and R is linear, R(I) = w·I + b. Then
 * - the forward-sensitivity slope of attribute j is w_j, and so is the true slope of f(a) = w·a + b;
 * - Eq. 2, min λ(w·A' + b − p')² + (1/k)‖A' − A‖², has the minimiser A' = A + λΔ w / (λ‖w‖² + 1/k),
 *   Δ = p' − R(A) (no clamping for small Δ);
 * - the edit matrix, read by C = identity and by any instrument that reads the pixels, is the identity;
 * - a lot's share of attribute j is w_j · (a_j − mean over lots).
 */
import { describe, expect, it } from 'vitest';
import { explainKnobs, spreadTiles } from '../../../src/generative/knobs/explain-knobs.js';
import { counterfactualSearch } from '../../../src/generative/knobs/counterfactual.js';
import { B, K, W, toyKnobModels } from '../../helpers/toy-knob-models.js';
import { perLotAttribution } from '../../../src/generative/knobs/per-lot.js';
import { slope } from '../../../src/generative/knobs/sensitivity.js';
import { tensor } from '../../../src/tensor/tensor.js';

const models = toyKnobModels;
const rows = [
  [0.2, 0.5, 0.4],
  [0.6, 0.3, 0.5],
  [0.4, 0.7, 0.6],
  [0.5, 0.5, 0.5],
];
const attributes = tensor([4, K], rows.flat());
const images = tensor([4, 1, 1, K], rows.flat());
const truth = (a: readonly number[]) => W.reduce((s, w, j) => s + w * a[j], B);

describe('explainKnobs on an analytic pipeline', () => {
  it('forward sensitivity = w, edit matrix = identity, per-lot shares = w·(a − mean)', async () => {
    const r = await explainKnobs(models, { images, attributes, names: ['a', 'b', 'c'], lots: [0, 0, 1, 1] }, { truth, iterations: 5, counterfactualTiles: 4, measurement: (x) => Array.from({ length: x.shape[0] }, (_, i) => Array.from(x.data.subarray(i * K, (i + 1) * K))) });
    ['a', 'b', 'c'].forEach((n, j) => {
      expect(r.sensitivity[n].estimated).toBeCloseTo(W[j], 4);
      expect(r.sensitivity[n].truth).toBeCloseTo(W[j], 9);
    });
    expect(r.generator.reconstructionError).toBeLessThan(1e-12);
    for (const m of [r.entanglement.byCritic!, r.entanglement.byMeasurement!]) {
      m.matrix.forEach((row, j) => row.forEach((v, i) => expect(v).toBeCloseTo(i === j ? 1 : 0, 4)));
      expect(m.entangled).toEqual([false, false, false]);
      expect(m.signAgreement).toEqual([1, 1, 1]);
    }
    const lotMeans = [[0.4, 0.4, 0.45], [0.45, 0.6, 0.55]];
    const centre = [0.425, 0.5, 0.5];
    r.perLot.forEach((l, li) => l.contributions.forEach((c, j) => expect(c).toBeCloseTo(W[j] * (lotMeans[li][j] - centre[j]), 4)));
    expect(r.perLot.map((l) => l.driver)).toEqual(r.perLot.map((l) => l.trueDriver));
  });

  it("the counterfactual search finds Eq. 2's closed-form minimiser, and reports R at the attributes it found", async () => {
    const lambda = 0.5;
    const targetChange = 0.05;
    const z = images;
    const cf = await counterfactualSearch(models, images, z, attributes, { lambda, targetChange, iterations: 300, learningRate: 0.02 });
    const w2 = W.reduce((s, w) => s + w * w, 0);
    rows.forEach((a, i) => {
      const p0 = truth(a);
      expect(cf.initial[i]).toBeCloseTo(p0, 4);
      const delta = cf.target[i] - p0;
      const step = (lambda * delta) / (lambda * w2 + 1 / K);
      W.forEach((w, j) => expect(cf.found.data[i * K + j]).toBeCloseTo(a[j] + step * w, 3));
    });
    // The image term keeps A' near A, so p' is approached but not met: the success rule is measured, not assumed.
    expect(cf.final.every((f, i) => Math.abs(f - truth(Array.from(cf.found.data.subarray(i * K, (i + 1) * K)))) < 1e-4)).toBe(true);
    expect(cf.direction).toEqual([1, -1, 1, -1]);
    expect(Math.sign(cf.meanDeltas.up[0])).toBe(1);
    expect(Math.sign(cf.meanDeltas.down[0])).toBe(-1);
    expect(cf.meanDeltas.up[2]).toBeCloseTo(0, 6);
  });

  it('helpers: least-squares slope, tiles spread round-robin over lots, per-lot drivers', () => {
    expect(slope([0, 0.5, 1], [1, 2, 3])).toBeCloseTo(2, 12);
    expect(spreadTiles(6, 3, [0, 0, 0, 1, 1, 2])).toEqual([0, 3, 5]);
    expect(spreadTiles(4, 10)).toEqual([0, 1, 2, 3]);
    const lots = perLotAttribution([[1, 1], [-2, -2]], [[1, 0], [0, 1]], [0, 1]);
    expect(lots[0].contributions).toEqual([0.5, 1]);
    expect(lots[0].driver).toBe(1);
  });

  it('refuses attributes that do not match the names, naming the fix', async () => {
    await expect(explainKnobs(models, { images, attributes, names: ['a', 'b'] })).rejects.toThrow(/3 attribute values per tile but 2 names/);
  });
});
