/** The confounder probe: the softmax fit against scikit-learn, balanced accuracy by hand, and the verdict (closed-form probe) on features with and without a group signal. */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/tensor/random.js';
import { balancedAccuracy, confounderProbe, fitSoftmaxProbe, probeProbabilities } from '../../src/trust/confounder-probe.js';

/** Features [n, d] with seeded noise; rows of group g get `offset` added to feature 0 (a session offset). */
function features(groups: readonly number[], d: number, offset: number, seed: number) {
  const rng = new Random(seed);
  const data = new Float32Array(groups.length * d);
  groups.forEach((g, i) => {
    for (let j = 0; j < d; j++) data[i * d + j] = rng.normal() + (j === 0 ? offset * g : 0);
  });
  return tensor([groups.length, d], data);
}

describe('confounder probe', () => {
  it("fits the same multinomial L2 logistic regression as scikit-learn and scipy (bench/reference/make_confounder_probe_fixture.py)", () => {
    const n = 12;
    const d = 3;
    const x = Float64Array.from({ length: n * d }, (_, k) => {
      const i = Math.floor(k / d);
      const j = k % d;
      return Math.sin(1.3 * i + j) + (j === 0 ? 0.3 * (i % 3) : 0);
    });
    const y = Array.from({ length: n }, (_, i) => i % 3);
    const probe = fitSoftmaxProbe(x, n, d, y, 3, { ridge: 0.05, iterations: 3000 });
    expect(probe.gradientNorm).toBeLessThan(1e-7);
    const sklearn = [
      [0.52674875, 0.34711658, 0.12613467], [0.17996005, 0.40804805, 0.4119919], [0.10118983, 0.27031867, 0.6284915], [0.54546306, 0.25260161, 0.20193533],
      [0.55991164, 0.28867857, 0.15140978], [0.24985137, 0.43002136, 0.32012727], [0.25273052, 0.40683754, 0.34043194], [0.19325232, 0.30118539, 0.5055623],
      [0.3246082, 0.29046624, 0.38492556], [0.66274234, 0.24872302, 0.08853464], [0.31284366, 0.43030897, 0.25684738], [0.09072597, 0.32571137, 0.58356266],
    ].flat();
    // The same objective minimised by scipy's BFGS to gradient 1e-12 (sklearn's lbfgs stops ~5e-6 short of it).
    const scipy = [
      [0.52674923, 0.34711211, 0.12613865], [0.1799588, 0.40804691, 0.41199429], [0.10118799, 0.27032061, 0.6284914], [0.54545618, 0.25260259, 0.20194123],
      [0.55990884, 0.28867563, 0.15141553], [0.24985062, 0.43001575, 0.32013364], [0.25272856, 0.40683724, 0.3404342], [0.19324858, 0.30118712, 0.5055643],
      [0.32460174, 0.290465, 0.38493326], [0.66274137, 0.2487203, 0.08853833], [0.31284319, 0.43030425, 0.25685256], [0.09072502, 0.32571242, 0.58356256],
    ].flat();
    const ours = probeProbabilities(probe, x, n);
    scipy.forEach((p, i) => expect(ours[i]).toBeCloseTo(p, 6));
    sklearn.forEach((p, i) => expect(ours[i]).toBeCloseTo(p, 4));
  });

  it('balanced accuracy is the mean recall per group', () => {
    // group 0: 3/4 right, group 1: 1/2 right → (0.75 + 0.5) / 2.
    expect(balancedAccuracy([0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 0])).toBeCloseTo(0.625, 12);
  });

  it('predicts a group that the features encode (a session offset) far above the permutation null', () => {
    const groups = Array.from({ length: 120 }, (_, i) => i % 4);
    const r = confounderProbe(features(groups, 6, 1.5, 7), groups, { seed: 3 });
    expect(r.groups).toBe(4);
    expect(r.chance).toBe(0.25);
    expect(r.null).toHaveLength(20);
    expect(r.balancedAccuracy).toBeGreaterThan(0.5);
    expect(r.null95).toBeLessThan(0.4);
    expect(r.predictsGroup).toBe(true);
  });

  it('does not predict a group the features do not carry; the null centres on chance', () => {
    const groups = Array.from({ length: 120 }, (_, i) => i % 4);
    const r = confounderProbe(features(groups, 6, 0, 7), groups, { seed: 3 });
    expect(r.predictsGroup).toBe(false);
    const nullMean = r.null.reduce((a, b) => a + b, 0) / r.null.length;
    expect(Math.abs(nullMean - 0.25)).toBeLessThan(0.06);
    expect(r.balancedAccuracy).toBeLessThan(r.null95 + r.margin);
  });

  it('shuffling within classes keeps what the class explains in the null', () => {
    // Groups 0/1 hold class 0, groups 2/3 class 1; features carry the class only: a plain shuffle flags, a within-class one does not.
    // The probe knows the class and guesses between its two groups: balanced accuracy ≈ 0.5 against a plain null near 0.25
    // (240 images: at 120 the null's 95th percentile sits within noise of the margin).
    const groups = Array.from({ length: 240 }, (_, i) => i % 4);
    const labels = groups.map((g) => (g < 2 ? 0 : 1));
    const x = features(labels, 6, 3, 11);
    expect(confounderProbe(x, groups, { seed: 5 }).predictsGroup).toBe(true);
    expect(confounderProbe(x, groups, { seed: 5, strata: labels }).predictsGroup).toBe(false);
  });

  it('probes a seeded subset beyond maxImages, still finding the signal', () => {
    const groups = Array.from({ length: 300 }, (_, i) => i % 4);
    const x = features(groups, 6, 1.5, 7);
    const r = confounderProbe(x, groups, { seed: 3, maxImages: 120 });
    expect(r.images).toBe(120);
    expect(r.predictsGroup).toBe(true);
    expect(confounderProbe(x, groups, { seed: 3, maxImages: 120 })).toEqual(r);
    expect(confounderProbe(x, groups, { seed: 3 }).images).toBe(300);
  });

  it('is reproducible from its seed and refuses bad input with the fix', () => {
    const groups = Array.from({ length: 40 }, (_, i) => i % 2);
    const x = features(groups, 3, 1, 2);
    expect(confounderProbe(x, groups, { seed: 9 })).toEqual(confounderProbe(x, groups, { seed: 9 }));
    expect(() => confounderProbe(x, groups.slice(1), { seed: 1 })).toThrow(/give one group id per image/);
    expect(() => confounderProbe(x, groups, { seed: 1, permutations: 5 })).toThrow(/≥ 20/);
    expect(() => confounderProbe(x, groups.map(() => 0), { seed: 1 })).toThrow(/at least 2/);
  });
});
