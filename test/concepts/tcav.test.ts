import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../src/onnx/builder.js';
import { OnnxModel } from '../../src/models/model.js';
import { Random } from '../../src/tensor/random.js';
import { tensor, type Tensor } from '../../src/tensor/tensor.js';
import { fitCav } from '../../src/concepts/linear-cav.js';
import { directionalScores, tcav, trainCavs, tcavScores } from '../../src/concepts/tcav.js';

/**
 * logits = W2·relu(h) + W3·h with h = fc1(x) = x (identity weights). At layer h the gradient of
 * class 0 along e1 is W2[0,0]·[h0 > 0] + W3[0,0] = 2·[h0 > 0] − 0.5: +1.5 or −0.5.
 */
function analyticModel(): OnnxModel {
  const b = new ModelBuilder('analytic', 1);
  const x = b.input('x', [3]);
  const h = b.linear(x, 'fc1', 3);
  const r = b.relu(h, 'relu1');
  const a = b.linear(r, 'fc2', 2);
  const c = b.linear(h, 'fc3', 2);
  const y = b.op('Add', 'sum', [a, c], [-1, 2]);
  const set = (name: string, values: number[]) => (b.editor.initializers.get(name)!.data as Float32Array).set(values);
  set('fc1.weight', [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  set('fc1.bias', [0, 0, 0]);
  set('fc2.weight', [2, 5, -3, 1, 1, 1]);
  set('fc2.bias', [0, 0]);
  set('fc3.weight', [-0.5, 1, 1, 0, 0, 0]);
  set('fc3.bias', [0, 0]);
  return new OnnxModel(b.output(y));
}

/**
 * Rows (first(j), ±z_j): every row comes with its mirror in the last two coordinates, so the
 * logistic loss is symmetric under w_rest → −w_rest and its unique optimum has w_rest = 0:
 * the CAV between two such sets is exactly ±e1.
 */
function mirroredSet(rng: Random, pairs: number, first: () => number): Tensor {
  const rows: number[] = [];
  for (let j = 0; j < pairs; j++) {
    const u = first();
    const z = [rng.normal(), rng.normal()];
    rows.push(u, z[0], z[1], u, -z[0], -z[1]);
  }
  return tensor([2 * pairs, 3], rows);
}

describe('fitCav', () => {
  it('finds the exact separating direction of mirrored sets', () => {
    const rng = new Random(3);
    const concept = mirroredSet(rng, 10, () => 2);
    const random = mirroredSet(rng, 10, () => rng.normal(-1, 1));
    const fit = fitCav(concept.data, random.data, 3);
    expect(fit.direction[0]).toBeCloseTo(1, 6);
    expect(Math.abs(fit.direction[1])).toBeLessThan(1e-6);
    expect(Math.abs(fit.direction[2])).toBeLessThan(1e-6);
  });
});

describe('fitCav in dual form', () => {
  it('gives the primal solution (w = Xᵀa) when features outnumber rows', () => {
    const rng = new Random(5);
    const f = 50;
    const pos = Float32Array.from({ length: 12 * f }, () => rng.normal(0.3, 1));
    const neg = Float32Array.from({ length: 9 * f }, () => rng.normal(0, 1));
    const a = fitCav(pos, neg, f, { form: 'primal', tolerance: 1e-12 });
    const b = fitCav(pos, neg, f, { form: 'dual', tolerance: 1e-12 });
    let cos = 0;
    for (let j = 0; j < f; j++) cos += a.direction[j] * b.direction[j];
    expect(cos).toBeGreaterThan(1 - 1e-9);
    expect(b.accuracy).toBe(a.accuracy);
  });
});

describe('tcav on an analytic model', () => {
  const rng = new Random(7);
  const model = analyticModel();
  const concept = { name: 'positive-h0', images: mirroredSet(rng, 8, () => 2 + rng.next()) };
  const randoms = Array.from({ length: 10 }, () => mirroredSet(rng, 8, () => rng.normal(-1, 1)));
  // 7 of 10 inputs have h0 > 0: the directional derivative is +1.5 for them and −0.5 for the rest.
  const firsts = [0.3, 1.2, 2, 0.1, 0.8, 3, 0.5, -0.4, -1, -2.5];
  const inputs = tensor([10, 3], firsts.flatMap((u) => [u, rng.normal(), rng.normal()]));

  it('gives the known score and magnitude for every random run', async () => {
    const [r] = await tcav(model, inputs, 0, { layers: ['fc1_out'], concepts: [concept], randoms });
    expect(r.scores).toEqual(new Array(10).fill(0.7));
    expect(r.score).toBeCloseTo(0.7, 12);
    expect(r.magnitude).toBeCloseTo((1.5 * 7) / (1.5 * 7 + 0.5 * 3), 5);
    // Random-vs-random CAVs are ±e1 too (mirrored sets): their scores are 0.7 or 0.3.
    for (const s of r.randomScores) expect([0.3, 0.7].some((v) => Math.abs(v - s) < 1e-12)).toBe(true);
    expect(r.cavAccuracy).toBe(1);
  });

  it('tests concept scores against random-vs-random scores with Bonferroni over layers × concepts', async () => {
    const fake = { name: 'fake', images: mirroredSet(rng, 8, () => rng.normal(-1, 1)) };
    const cavs = await trainCavs(model, { layers: ['fc1_out', 'relu1_out'], concepts: [concept, fake], randoms });
    const results = await tcavScores(model, cavs, inputs, 0);
    const at = (c: string, l: string) => results.find((r) => r.concept === c && r.layer === l)!;
    // At fc1_out the null scores are six 0.7s and four 0.3s (seeded sets) against ten 0.7s:
    // Captum's test gives t = √6 with 18 degrees of freedom, p = 0.02477 (scipy.stats.ttest_ind).
    expect(at('positive-h0', 'fc1_out').randomScores.filter((s) => s > 0.5)).toHaveLength(6);
    expect(at('positive-h0', 'fc1_out').captumPValue).toBeCloseTo(0.024769558804109557, 10);
    // The decisive test: 0.7 among the random sets' own mean scores (each ±e1 against the others).
    const rc = at('positive-h0', 'fc1_out').randomConceptScores;
    expect(rc).toHaveLength(10);
    for (const m of rc) expect(m).toBeGreaterThanOrEqual(0.3 - 1e-12);
    expect(at('positive-h0', 'fc1_out').significant).toBe(false);
    // After the ReLU every input's derivative along the concept is positive: score 1 every run.
    expect(at('positive-h0', 'relu1_out').score).toBe(1);
    expect(at('fake', 'relu1_out').significant).toBe(false);
    expect(at('fake', 'fc1_out').pValue).toBeGreaterThan(0.05);
    for (const r of results) expect(r.captumPValue).toBeGreaterThanOrEqual(0);

  });

  it('refuses fewer than three random sets', async () => {
    await expect(tcav(model, inputs, 0, { layers: ['fc1_out'], concepts: [concept], randoms: randoms.slice(0, 2) })).rejects.toThrow(/at least 3 random/);
  });
});

/**
 * logits = W·relu(fc1(x)), x ∈ R^64, fc1 = identity: at fc1_out the gradient of class 0 is W[0]·[h > 0].
 * 64 dimensions, as a conv layer has many: random CAVs are then nearly orthogonal to the gradient.
 */
function denseModel(): OnnxModel {
  const b = new ModelBuilder('dense', 1);
  const x = b.input('x', [64]);
  const h = b.linear(x, 'fc1', 64);
  const r = b.relu(h, 'relu1');
  const y = b.linear(r, 'fc2', 2);
  const w = new Float32Array(64 * 64);
  for (let i = 0; i < 64; i++) w[i * 65] = 1;
  (b.editor.initializers.get('fc1.weight')!.data as Float32Array).set(w);
  (b.editor.initializers.get('fc1.bias')!.data as Float32Array).fill(0);
  // Class 0 rises with h0 and h1, falls with h2; the other units matter little.
  (b.editor.initializers.get('fc2.weight')!.data as Float32Array).set(Array.from({ length: 128 }, (_, i) => (i === 0 ? 2 : i === 1 ? 1 : i === 2 ? -1.5 : i < 64 ? 0.1 * Math.sin(i) : 0)));
  (b.editor.initializers.get('fc2.bias')!.data as Float32Array).fill(0);
  return new OnnxModel(b.output(y));
}

describe('TCAV significance against random concepts', () => {
  const model = denseModel();
  const draw = (rng: Random, rows: number, shift: (j: number) => number) => tensor([rows, 64], Array.from({ length: rows * 64 }, (_, i) => rng.normal(shift(i % 64) + 0.5, 1)));

  it('never calls a concept drawn like the random sets significant (8 seeds), but finds a real one', async () => {
    const significantRandom: number[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const rng = new Random(seed);
      const randoms = Array.from({ length: 10 }, () => draw(rng, 20, () => 0));
      const concepts = [
        { name: 'high-h0', images: draw(rng, 20, (j) => (j === 0 ? 3 : 0)) },
        { name: 'random-like', images: draw(rng, 20, () => 0) },
      ];
      const inputs = draw(rng, 30, () => 0.5);
      const results = await tcav(model, inputs, 0, { layers: ['fc1_out'], concepts, randoms });
      const at = (c: string) => results.find((r) => r.concept === c)!;
      expect(at('high-h0').significant, `seed ${seed}: p ${at('high-h0').pValue}`).toBe(true);
      expect(at('high-h0').derivative).toBeGreaterThan(0);
      if (at('random-like').significant) significantRandom.push(seed);
      expect(at('random-like').randomConceptDerivatives).toHaveLength(10);
    }
    expect(significantRandom).toEqual([]);
  });
});

describe('directionalScores', () => {
  it('counts positive derivatives and their share of the total mass', () => {
    const grads = tensor([4, 2], [1, 0, -2, 0, 3, 1, 0, -1]);
    const s = directionalScores(grads, Float64Array.from([1, 0]));
    expect(s.score).toBe(0.5);
    expect(s.magnitude).toBeCloseTo(4 / 6, 12);
  });
});
