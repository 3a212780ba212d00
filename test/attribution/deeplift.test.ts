/**
 * DeepLIFT (rescale rule) against values derived by hand from the rule's definition (Captum's toy
 * ReLU model, a sigmoid, Captum's maxpool rule on one window including its tie rule), against IG on
 * linear models, and summation-to-delta (Σ attribution = f(x) − f(b)) on a Conv/ReLU/MaxPool/
 * Sigmoid/AveragePool/Gemm/Tanh net, which only holds if every rule is right.
 */
import { describe, expect, it } from 'vitest';
import { deepLift } from '../../src/attribution/deeplift.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { OnnxModel } from '../../src/models/model.js';
import type { Graph } from '../../src/onnx/graph.js';
import { attr, floatTensorValue } from '../../src/onnx/graph.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

/** Captum's toy model: y = ReLU(ReLU(x1) − 1 − ReLU(x2)) for x [N, 2]. */
function toyModel(): Graph {
  const e = new GraphEditor('toy');
  const x = e.input('x', ['N', 2]);
  const r = e.op('Relu', [x]);
  const r1 = e.op('Gemm', [r, e.initializer('pick1', floatTensorValue([2, 1], [1, 0]))]);
  const r2 = e.op('Gemm', [r, e.initializer('pick2', floatTensorValue([2, 1], [0, 1]))]);
  e.output(e.op('Relu', [e.op('Sub', [e.op('Sub', [r1, e.constFloat([1])]), r2])]), ['N', 1]);
  return e.build();
}

/** x [N, 1, 2, 2] → MaxPool 2×2 → Flatten → Gemm(w = 3): one window. */
function onePool(): Graph {
  const e = new GraphEditor('one-pool');
  const x = e.input('x', ['N', 1, 2, 2]);
  const p = e.op('MaxPool', [x], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
  const flat = e.op('Flatten', [p], { axis: attr.int(1) });
  e.output(e.op('Gemm', [flat, e.initializer('w', floatTensorValue([1, 1], [3]))]), ['N', 1]);
  return e.build();
}

/**
 * x [N, 1, 8, 8] → Conv 4×3×3 pad 1 → Relu → MaxPool 2 → Conv 4×3×3 → Sigmoid → AveragePool 2 →
 * Flatten → Gemm 6 → Tanh → Gemm 6 → LeakyRelu(0.1) → Gemm 3. Seeded weights.
 */
function mixedNet(seed: number): Graph {
  const e = new GraphEditor('mixed');
  const x = e.input('x', ['N', 1, 8, 8]);
  let s = seed;
  const w = (name: string, dims: number[], scale: number) => e.initializer(name, floatTensorValue(dims, uniformValues(dims.reduce((a, b) => a * b, 1), s++, -scale, scale)));
  const c1 = e.op('Conv', [x, w('c1.w', [4, 1, 3, 3], 0.6), w('c1.b', [4], 0.3)], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) });
  const p1 = e.op('MaxPool', [e.op('Relu', [c1])], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
  const c2 = e.op('Conv', [p1, w('c2.w', [4, 4, 3, 3], 0.3), w('c2.b', [4], 0.3)], { kernel_shape: attr.ints([3, 3]) });
  const p2 = e.op('AveragePool', [e.op('Sigmoid', [c2])], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
  const flat = e.op('Flatten', [p2], { axis: attr.int(1) });
  const dense = (v: string, name: string, out: number, inn: number) => e.op('Gemm', [v, w(`${name}.w`, [out, inn], 1), w(`${name}.b`, [out], 0.5)], { transB: attr.int(1) });
  const h1 = e.op('Tanh', [dense(flat, 'd1', 6, 4)]);
  const h2 = e.op('LeakyRelu', [dense(h1, 'd2', 6, 6)], { alpha: attr.float(0.1) });
  e.output(dense(h2, 'd3', 3, 6), ['N', 3]);
  return e.build();
}

/** x [N, 1, 9, 9] → Conv 3×3×3 pad 1 → Relu → MaxPool 3×3/2 pad 1 (overlapping, ResNet's stem pool) → Flatten → Gemm 2. */
function overlappingPoolNet(opset: number): Graph {
  const e = new GraphEditor('overlapping-pool', opset);
  const x = e.input('x', ['N', 1, 9, 9]);
  const w = (name: string, dims: number[], seed: number) => e.initializer(name, floatTensorValue(dims, uniformValues(dims.reduce((a, b) => a * b, 1), seed, -0.6, 0.6)));
  const c = e.op('Conv', [x, w('c.w', [3, 1, 3, 3], 41), w('c.b', [3], 42)], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) });
  const p = e.op('MaxPool', [e.op('Relu', [c])], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]) });
  const flat = e.op('Flatten', [p], { axis: attr.int(1) });
  e.output(e.op('Gemm', [flat, w('d.w', [2, 75], 43), w('d.b', [2], 44)], { transB: attr.int(1) }), ['N', 2]);
  return e.build();
}

describe('deeplift', () => {
  it("gives (1.5, −0.5) on Captum's toy ReLU model at (3, 1) with a zero baseline", async () => {
    // ReLUs on the inputs pass Δ unchanged (multiplier 1); the output ReLU maps Δz = 1 − (−1) = 2 to Δy = 1: multiplier ½.
    const a = await deepLift.attribute(new OnnxModel(toyModel()), tensor([1, 2], [3, 1]), { target: 0 });
    expect(maxAbsDiff(a.values.data, [1.5, -0.5])).toBeLessThan(1e-6);
    expect(Math.abs((a.extras!.convergenceDelta as number[])[0])).toBeLessThan(1e-6);
  });

  it('gives σ(x) − σ(b) for a single sigmoid, and its derivative where x = b', async () => {
    const e = new GraphEditor('sig');
    e.output(e.op('Sigmoid', [e.input('x', ['N', 1])]), ['N', 1]);
    const model = new OnnxModel(e.build());
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const a = await deepLift.attribute(model, tensor([3, 1], [2, -1, 0.5]), { target: 0, baseline: tensor([3, 1], [0, 1, 0.5]) });
    expect(maxAbsDiff(a.values.data, [sig(2) - sig(0), sig(-1) - sig(1), 0])).toBeLessThan(1e-6);
  });

  it("follows Captum's maxpool rule on one window, including the first-maximum tie rule", async () => {
    const model = new OnnxModel(onePool());
    // x's max 3 at 0, b's max 4 at 2: m = 4; x's row sends 3·(4 − 4) = 0 to 0, b's row 3·(3 − 4) = −3 to 2;
    // divided by Δx = −4 and multiplied back: attribution −3 at 2, 0 elsewhere (Σ = 3·(3 − 4)).
    const x = tensor([2, 1, 2, 2], [3, 1, 0, 2, 2, 2, 0, 0]);
    const b = tensor([2, 1, 2, 2], [0, 0, 4, 0, 0, 0, 0, 0]);
    const a = await deepLift.attribute(model, x, { target: 0, baseline: b });
    // Second image: x = (2, 2, 0, 0) ties; the first maximum alone carries 3·2 = 6 (all-maxima would give 12).
    expect(Array.from(a.values.data)).toEqual([0, 0, -3, 0, 6, 0, 0, 0]);
  });

  it('equals integrated gradients on a linear model (both are (x − b) ⊙ w)', async () => {
    const model = new OnnxModel(linearModel([2, 3, 3], uniformValues(4 * 18, 11), uniformValues(4, 12)));
    const x = randomTensor([3, 2, 3, 3], 13, -1, 1);
    const b = randomTensor([1, 2, 3, 3], 14, -1, 1);
    const dl = await deepLift.attribute(model, x, { target: [0, 3, 2], baseline: b });
    const ig = await integratedGradients.attribute(model, x, { target: [0, 3, 2], baseline: b });
    expect(maxAbsDiff(dl.values.data, ig.values.data)).toBeLessThan(1e-6);
  });

  it('sums to f(x) − f(b) on a Conv/ReLU/MaxPool/Sigmoid/AveragePool/Gemm/Tanh/LeakyRelu net', async () => {
    const model = new OnnxModel(mixedNet(21), { internalBatchSize: 3 });
    const x = randomTensor([5, 1, 8, 8], 22, -1, 1);
    const b = randomTensor([5, 1, 8, 8], 23, -0.5, 0.5);
    for (const baseline of [b, 0] as const) {
      const a = await deepLift.attribute(model, x, { target: [0, 1, 2, 0, 1], baseline });
      const delta = a.extras!.convergenceDelta as number[];
      const fx = await model.forward(x);
      const fb = await model.forward(typeof baseline === 'number' ? tensor(x.shape) : baseline);
      const targets = [0, 1, 2, 0, 1];
      targets.forEach((t, i) => {
        const sum = a.values.data.subarray(i * 64, (i + 1) * 64).reduce((s, v) => s + v, 0);
        const diff = fx.data[i * 3 + t] - fb.data[i * 3 + t];
        expect(Math.abs(sum - diff)).toBeLessThan(1e-5);
        expect(Math.abs(delta[i])).toBeLessThan(1e-5);
      });
      // A non-trivial attribution: not merely the gradient × (x − b).
      expect(a.values.data.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    }
  });

  // Below opset 16 there is no ScatterElements reduction='add': the MaxPool rule places by window
  // offsets instead of through Indices. Both must add where windows overlap, and agree.
  it('handles an overlapping, padded MaxPool at opset 13 exactly as at opset 17 (sums to f(x) − f(b))', async () => {
    const x = randomTensor([3, 1, 9, 9], 45, -1, 1);
    const [old, current] = await Promise.all([13, 17].map((opset) => deepLift.attribute(new OnnxModel(overlappingPoolNet(opset)), x, { target: [0, 1, 0] })));
    expect(maxAbsDiff(old.values.data, current.values.data)).toBeLessThan(1e-6);
    for (const delta of old.extras!.convergenceDelta as number[]) expect(Math.abs(delta)).toBeLessThan(1e-5);
    expect(old.values.data.some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });

  it('gives the same values whatever the batch size (pairs stay in one ONNX Runtime call)', async () => {
    const x = randomTensor([5, 1, 8, 8], 31, -1, 1);
    const small = await deepLift.attribute(new OnnxModel(mixedNet(21), { internalBatchSize: 1 }), x, { target: 1 });
    const large = await deepLift.attribute(new OnnxModel(mixedNet(21), { internalBatchSize: 64 }), x, { target: 1 });
    expect(maxAbsDiff(small.values.data, large.values.data)).toBeLessThan(1e-6);
  });

  it('rejects an odd number of rows on the paired model in one line', async () => {
    const paired = new OnnxModel(toyModel()).withBackwardRules('deeplift');
    await expect(paired.vjp(tensor([3, 2]), tensor([3, 1]))).rejects.toThrow(/groups of 2/);
  });
});
