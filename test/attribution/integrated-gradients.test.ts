/**
 * Integrated Gradients on models whose path integral is known in closed form: Captum's toy
 * ReLU(ReLU(x1) − 1 − ReLU(x2)), linear models (IG = (x − b) ⊙ w), x² and x³ sums (whose Riemann
 * errors have exact formulas); then convergence and batching on the tiny CNN.
 */
import { describe, expect, it } from 'vitest';
import { gaussLegendre, integratedGradients, integrationPoints, INTEGRATION_RULES } from '../../src/attribution/integrated-gradients.js';
import type { IntegrationRule } from '../../src/attribution/integrated-gradients.js';
import { OnnxModel } from '../../src/models/model.js';
import type { Model } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { floatTensorValue } from '../../src/onnx/graph.js';
import type { Graph } from '../../src/onnx/graph.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { oneHot, tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

/** Captum's toy model: y = ReLU(ReLU(x1) − 1 − ReLU(x2)) for x [N, 2], output [N, 1]. */
function toyModel(): Graph {
  const e = new GraphEditor('toy');
  const x = e.input('x', ['N', 2]);
  const r = e.op('Relu', [x]);
  const pick1 = e.initializer('pick1', floatTensorValue([2, 1], [1, 0]));
  const pick2 = e.initializer('pick2', floatTensorValue([2, 1], [0, 1]));
  const r1 = e.op('Gemm', [r, pick1]);
  const r2 = e.op('Gemm', [r, pick2]);
  const z = e.op('Sub', [e.op('Sub', [r1, e.constFloat([1])]), r2]);
  const y = e.op('Relu', [z]);
  e.output(y, ['N', 1]);
  return e.build();
}

/** Σ_j x_j^power (output 0) and Σ_j c_j x_j^power (output 1) for x [N, D], built from Mul and a Gemm. */
function powerModel(d: number, power: 2 | 3, c: readonly number[]): Graph {
  const e = new GraphEditor(`power${power}`);
  const x = e.input('x', ['N', d]);
  let p = e.op('Mul', [x, x]);
  if (power === 3) p = e.op('Mul', [p, x]);
  const w = new Float32Array(d * 2);
  for (let j = 0; j < d; j++) [w[j * 2], w[j * 2 + 1]] = [1, c[j]];
  const y = e.op('Gemm', [p, e.initializer('sum', floatTensorValue([d, 2], w))]);
  e.output(y, ['N', 2]);
  return e.build();
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => expect(maxAbsDiff(a, b)).toBeLessThan(tol);

/** Counts model calls and rows, to check that the steps go out as one batch. */
function spy(model: Model): { model: Model; vjpRows: number[]; forwards: number } {
  const s = { vjpRows: [] as number[], forwards: 0, model };
  s.model = Object.assign(Object.create(Object.getPrototypeOf(model)) as Model, model, {
    vjp: (x: Tensor, c: Tensor) => (s.vjpRows.push(x.shape[0]), model.vjp(x, c)),
    forward: (x: Tensor) => (s.forwards++, model.forward(x)),
  });
  return s;
}

describe('integration points (Captum approximation_methods)', () => {
  it('Gauss–Legendre nodes and weights are the textbook ones', () => {
    const g2 = gaussLegendre(2);
    close(g2.nodes, [-1 / Math.sqrt(3), 1 / Math.sqrt(3)], 1e-15);
    close(g2.weights, [1, 1], 1e-15);
    const g3 = gaussLegendre(3);
    close(g3.nodes, [-Math.sqrt(0.6), 0, Math.sqrt(0.6)], 1e-15);
    close(g3.weights, [5 / 9, 8 / 9, 5 / 9], 1e-15);
    expect(gaussLegendre(1)).toEqual({ nodes: [0], weights: [2] });
    const g50 = gaussLegendre(50);
    expect(g50.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 13);
    // Exact for polynomials of degree ≤ 99: ∫_{-1}^{1} z^98 dz = 2/99.
    expect(g50.nodes.reduce((s, z, i) => s + g50.weights[i] * z ** 98, 0)).toBeCloseTo(2 / 99, 13);
    for (let i = 1; i < 50; i++) expect(g50.nodes[i]).toBeGreaterThan(g50.nodes[i - 1]);
  });

  it('Riemann alphas and step sizes as Captum defines them (trapezoid weights sum to (n − 1)/n)', () => {
    close(integrationPoints('riemann_left', 4).alphas, [0, 0.25, 0.5, 0.75], 1e-15);
    close(integrationPoints('riemann_right', 4).alphas, [0.25, 0.5, 0.75, 1], 1e-15);
    close(integrationPoints('riemann_middle', 4).alphas, [0.125, 0.375, 0.625, 0.875], 1e-15);
    close(integrationPoints('riemann_trapezoid', 4).alphas, [0, 1 / 3, 2 / 3, 1], 1e-15);
    expect(integrationPoints('riemann_left', 4).weights).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(integrationPoints('riemann_trapezoid', 4).weights).toEqual([0.125, 0.25, 0.25, 0.125]);
    const gl = integrationPoints('gausslegendre', 2);
    close(gl.alphas, [0.5 - 0.5 / Math.sqrt(3), 0.5 + 0.5 / Math.sqrt(3)], 1e-15);
    close(gl.weights, [0.5, 0.5], 1e-15);
  });

  it('refuses too few steps (Riemann needs 2, Gauss–Legendre 1) and unknown rules', () => {
    expect(() => integrationPoints('riemann_left', 1)).toThrow('integrated gradients with rule riemann_left needs an integer number of steps ≥ 2 (got 1)');
    expect(() => integrationPoints('gausslegendre', 0)).toThrow(/steps ≥ 1 \(got 0\)/);
    expect(() => integrationPoints('gausslegendre', 2.5)).toThrow(/got 2.5/);
    expect(() => integrationPoints('simpson' as IntegrationRule, 10)).toThrow("unknown integration rule 'simpson'; use one of gausslegendre, riemann_left, riemann_right, riemann_middle, riemann_trapezoid");
    expect(integrationPoints('gausslegendre', 1).alphas).toEqual([0.5]);
  });
});

describe('integrated gradients: Captum toy model ReLU(ReLU(x1) − 1 − ReLU(x2))', () => {
  const toy = new OnnxModel(toyModel());
  const x = tensor([1, 2], [3, 1]);

  it('at (3, 1) with a zero baseline gives (1.5, −0.5) and zero convergence delta', async () => {
    const a = await integratedGradients.attribute(toy, x, { target: 0 });
    expect(a.method).toBe('integrated-gradients');
    expect(a.targets).toEqual([0]);
    close(a.values.data, [1.5, -0.5], 1e-6);
    const delta = (a.extras as { convergenceDelta: number[] }).convergenceDelta;
    expect(Math.abs(delta[0])).toBeLessThan(1e-6);
    expect(a.extras).toMatchObject({ steps: 50, rule: 'gausslegendre' });
  });

  it('the midpoint rule with an even step count splits the kink at α = 0.5 exactly too', async () => {
    const a = await integratedGradients.attribute(toy, x, { target: 0, rule: 'riemann_middle', steps: 10 });
    close(a.values.data, [1.5, -0.5], 1e-6);
    // Left sums with n = 10 count α ∈ {0.6 … 0.9} (ReLU's gradient at 0 is 0): 4/10 of the path.
    const left = await integratedGradients.attribute(toy, x, { target: 0, rule: 'riemann_left', steps: 10 });
    close(left.values.data, [3 * 0.4, -1 * 0.4], 1e-6);
  });
});

describe('integrated gradients on a linear model: (x − b) ⊙ w', () => {
  const C = 2;
  const H = 3;
  const W_ = 3;
  const D = C * H * W_;
  const K = 3;
  const W = uniformValues(K * D, 11, -1, 1);
  const bias = uniformValues(K, 12);
  const model = new OnnxModel(linearModel([C, H, W_], W, bias));
  const x = randomTensor([3, C, H, W_], 13, -1, 1);
  const b = randomTensor([3, C, H, W_], 14, -1, 1);
  const f = (img: Float32Array, t: number) => bias[t] + img.reduce((s, v, j) => s + v * W[t * D + j], 0);

  function expected(targets: number[], base: (i: number, j: number) => number, scale = 1): number[] {
    const out: number[] = [];
    targets.forEach((t, i) => {
      for (let j = 0; j < D; j++) out.push(scale * (x.data[i * D + j] - base(i, j)) * W[t * D + j]);
    });
    return out;
  }

  for (const rule of INTEGRATION_RULES) {
    it(`${rule}: exact for every step count (trapezoid: Captum's (1 − 1/n) factor)`, async () => {
      for (const steps of [2, 7, 50]) {
        const scale = rule === 'riemann_trapezoid' ? 1 - 1 / steps : 1;
        const a = await integratedGradients.attribute(model, x, { target: [2, 0, 1], rule, steps, baseline: b });
        close(a.values.data, expected([2, 0, 1], (i, j) => b.data[i * D + j], scale), 1e-5);
        // Delta = Σ IG − (f(x) − f(b)): zero when the weights sum to 1, −(1/n)(f(x) − f(b)) for Captum's trapezoid.
        const delta = (a.extras as { convergenceDelta: number[] }).convergenceDelta;
        [2, 0, 1].forEach((t, i) => {
          const diff = f(x.data.subarray(i * D, (i + 1) * D), t) - f(b.data.subarray(i * D, (i + 1) * D), t);
          expect(delta[i]).toBeCloseTo((scale - 1) * diff, 5);
        });
      }
    });
  }

  it('takes a number, one image for all, or one image per input as the baseline (default 0)', async () => {
    const zero = await integratedGradients.attribute(model, x, { target: 1 });
    close(zero.values.data, expected([1, 1, 1], () => 0), 1e-5);
    const half = await integratedGradients.attribute(model, x, { target: 1, baseline: 0.5 });
    close(half.values.data, expected([1, 1, 1], () => 0.5), 1e-5);
    const one = tensor([C, H, W_], b.data.slice(0, D));
    const shared = await integratedGradients.attribute(model, x, { target: 1, baseline: one });
    close(shared.values.data, expected([1, 1, 1], (_, j) => b.data[j]), 1e-5);
    const shared4 = await integratedGradients.attribute(model, x, { target: 1, baseline: tensor([1, C, H, W_], one.data) });
    expect(Array.from(shared4.values.data)).toEqual(Array.from(shared.values.data));
  });

  it('with a cotangent target is linear in it: (x − b) ⊙ Σ_k cot_k W_k', async () => {
    const cot = tensor([3, K], [1, -1, 0, 0, 0, 2, 0.5, 0.5, 0.5]);
    const a = await integratedGradients.attribute(model, x, { target: { cotangent: cot } });
    expect(a.targets).toBeUndefined();
    const want: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < D; j++) want.push(x.data[i * D + j] * [0, 1, 2].reduce((s, k) => s + cot.data[i * K + k] * W[k * D + j], 0));
    close(a.values.data, want, 1e-5);
    const delta = (a.extras as { convergenceDelta: number[] }).convergenceDelta;
    for (const d of delta) expect(Math.abs(d)).toBeLessThan(1e-5);
  });

  it('explains the predicted class by default, and rejects bad baselines and targets', async () => {
    const logits = await model.forward(x);
    const predicted = [0, 1, 2].map((i) => {
      const z = Array.from(logits.data.subarray(i * K, (i + 1) * K));
      return z.indexOf(Math.max(...z));
    });
    expect((await integratedGradients.attribute(model, x)).targets).toEqual(predicted);
    await expect(integratedGradients.attribute(model, x, { baseline: tensor([2, C, H, W_]) })).rejects.toThrow(
      'integrated gradients baseline has shape [2, 2, 3, 3]; it must be a number, one example [2, 3, 3], or match the inputs [3, 2, 3, 3]',
    );
    await expect(integratedGradients.attribute(model, x, { baseline: NaN })).rejects.toThrow(/finite number/);
    await expect(integratedGradients.attribute(model, x, { target: 3 })).rejects.toThrow(/target 3 is not a class index/);
    await expect(integratedGradients.attribute(model, x, { rule: 'riemann_right', steps: 1 })).rejects.toThrow(/steps ≥ 2/);
  });

  it('returns an empty map for an empty batch', async () => {
    const a = await integratedGradients.attribute(model, tensor([0, C, H, W_]), { target: 0 });
    expect(a.values.shape).toEqual([0, C, H, W_]);
    expect(a.extras).toMatchObject({ convergenceDelta: [] });
  });
});

describe('integrated gradients on Σ x² and Σ x³: exact quadrature errors', () => {
  const D = 4;
  const c = [1, -2, 0.5, 3];
  const x = tensor([2, D], [1, -2, 0.5, 3, -1.5, 2, 1, 0.25]);
  const b = tensor([2, D], [0.5, 1, -1, 0, 0, 0.5, 2, -1]);
  const at = (i: number, j: number) => [x.data[i * D + j], b.data[i * D + j]];

  /** Σ x²: the integrand 2(b + αd) is linear in α, so Gauss–Legendre and the midpoint rule are exact;
   * left/right sums miss by ∓d²/n; Captum's trapezoid is exact up to its (1 − 1/n) factor. */
  function quadratic(rule: IntegrationRule, n: number, i: number, j: number, weight = 1): number {
    const [xv, bv] = at(i, j);
    const d = xv - bv;
    const exact = xv * xv - bv * bv;
    const err = { gausslegendre: 0, riemann_middle: 0, riemann_left: -d * d / n, riemann_right: d * d / n, riemann_trapezoid: -exact / n }[rule];
    return weight * (exact + err);
  }

  it('Σ x²: Gauss–Legendre and midpoint exact, left/right first order with error ∓d²/n', async () => {
    const model = new OnnxModel(powerModel(D, 2, c));
    for (const rule of INTEGRATION_RULES)
      for (const n of rule === 'gausslegendre' ? [1, 2, 5] : [2, 4, 8, 16]) {
        const a = await integratedGradients.attribute(model, x, { target: [0, 1], rule, steps: n, baseline: b });
        const want = [0, 1].flatMap((i) => Array.from({ length: D }, (_, j) => quadratic(rule, n, i, j, i === 0 ? 1 : c[j])));
        close(a.values.data, want, 2e-5);
      }
  });

  it('Σ x³: Gauss–Legendre exact from 2 nodes, midpoint second order (−d³/(4n²)), left/right first order', async () => {
    const model = new OnnxModel(powerModel(D, 3, c));
    const exact = [0, 1].flatMap((i) => Array.from({ length: D }, (_, j) => at(i, j)[0] ** 3 - at(i, j)[1] ** 3));
    const d3 = [0, 1].flatMap((i) => Array.from({ length: D }, (_, j) => (at(i, j)[0] - at(i, j)[1]) ** 3));
    const run = async (rule: IntegrationRule, steps: number) =>
      Array.from((await integratedGradients.attribute(model, x, { target: 0, rule, steps, baseline: b })).values.data);
    close(await run('gausslegendre', 2), exact, 1e-4);
    close(await run('gausslegendre', 50), exact, 1e-4);
    // One Gauss–Legendre node is the midpoint rule with n = 1.
    close(await run('gausslegendre', 1), exact.map((e, k) => e - d3[k] / 4), 1e-4);
    for (const n of [2, 4, 8]) close(await run('riemann_middle', n), exact.map((e, k) => e - d3[k] / (4 * n * n)), 1e-4);
    // Left and right errors halve when n doubles (first order); the midpoint's quarter (second order).
    const errors = async (rule: IntegrationRule, n: number) => maxAbsDiff(await run(rule, n), exact);
    for (const rule of ['riemann_left', 'riemann_right'] as const) {
      const ratio = (await errors(rule, 64)) / (await errors(rule, 32));
      expect(ratio).toBeGreaterThan(0.45);
      expect(ratio).toBeLessThan(0.55);
    }
    expect((await errors('riemann_middle', 16)) / (await errors('riemann_middle', 8))).toBeCloseTo(0.25, 2);
  });
});

describe('integrated gradients on the tiny CNN', () => {
  const graph = tinyCnn({ size: 8, seed: 3 });
  const cnn = new OnnxModel(graph);
  const xs = randomTensor([3, 1, 8, 8], 21);

  it('completeness: Σ IG − (f(x) − f(b)) is the reported delta, and it shrinks as steps grow', async () => {
    const outX = await cnn.forward(xs);
    const outB = await cnn.forward(tensor([3, 1, 8, 8]));
    const maxDelta: Record<string, number[]> = {};
    for (const rule of ['gausslegendre', 'riemann_middle', 'riemann_trapezoid'] as const) {
      maxDelta[rule] = [];
      for (const steps of [4, 16, 64, 256]) {
        const a = await integratedGradients.attribute(cnn, xs, { target: [0, 1, 0], rule, steps });
        const delta = (a.extras as { convergenceDelta: number[] }).convergenceDelta;
        [0, 1, 0].forEach((t, i) => {
          let sum = 0;
          for (let j = 0; j < 64; j++) sum += a.values.data[i * 64 + j];
          expect(delta[i]).toBeCloseTo(sum - (outX.data[i * 2 + t] - outB.data[i * 2 + t]), 5);
        });
        maxDelta[rule].push(Math.max(...delta.map(Math.abs)));
      }
    }
    for (const rule of Object.keys(maxDelta)) {
      const d = maxDelta[rule];
      expect(d[3]).toBeLessThan(d[0]);
      expect(d[3]).toBeLessThan(0.02);
    }
  });

  it('sends all steps of all images to model.vjp in one batch, and internalBatchSize does not change the result', async () => {
    const s = spy(cnn);
    const a = await integratedGradients.attribute(s.model, xs, { target: 1, steps: 20 });
    expect(s.vjpRows).toEqual([(20 + 2) * 3]);
    expect(s.forwards).toBe(0);
    const small = await integratedGradients.attribute(new OnnxModel(graph, { internalBatchSize: 7 }), xs, { target: 1, steps: 20 });
    close(small.values.data, a.values.data, 1e-6);
    close((small.extras as { convergenceDelta: number[] }).convergenceDelta, (a.extras as { convergenceDelta: number[] }).convergenceDelta, 1e-6);
  });

  it('equals a per-step reference: (x − b) ⊙ Σ_s w_s ∇f(b + α_s (x − b))', async () => {
    const x1 = randomTensor([1, 1, 8, 8], 22);
    const b1 = randomTensor([1, 1, 8, 8], 23, 0, 0.2);
    const { alphas, weights } = integrationPoints('riemann_right', 5);
    const total = new Float64Array(64);
    for (let s = 0; s < 5; s++) {
      const p = tensor([1, 1, 8, 8], x1.data.map((v, j) => b1.data[j] + alphas[s] * (v - b1.data[j])));
      const { inputGrad } = await cnn.vjp(p, oneHot([1], 2));
      for (let j = 0; j < 64; j++) total[j] += weights[s] * inputGrad.data[j];
    }
    const a = await integratedGradients.attribute(cnn, x1, { target: 1, rule: 'riemann_right', steps: 5, baseline: b1 });
    close(a.values.data, Array.from(total, (t, j) => (x1.data[j] - b1.data[j]) * t), 1e-6);
  });
});
