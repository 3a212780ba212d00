/**
 * Guided backprop against Captum's published values (BasicModel_ConvNet_One_Conv), a two-ReLU MLP
 * whose guided gradient is computed by hand in loops, a ReLU → MaxPool net (the ReLU mask must not
 * be fused away), and the signed gradient on a net without ReLU.
 */
import { describe, expect, it } from 'vitest';
import { guidedBackprop } from '../../src/attribution/guided-backprop.js';
import { saliency } from '../../src/attribution/saliency.js';
import { getExplainer } from '../../src/attribution/registry.js';
import { OnnxModel } from '../../src/models/model.js';
import type { Model } from '../../src/models/model.js';
import { attr, floatTensorValue } from '../../src/onnx/graph.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { tensor } from '../../src/tensor/tensor.js';
import { captumOneConv } from '../helpers/captum-models.js';
import { maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

/** x [N, 3] → Gemm(W1 [4, 3]) → Relu → Gemm(W2 [3, 4]) → Relu → Gemm(W3 [2, 3]); weights stored [out, in]. */
function mlp(w1: Float32Array, w2: Float32Array, w3: Float32Array, act: 'Relu' | 'Tanh') {
  const e = new GraphEditor('mlp');
  const x = e.input('x', ['N', 3]);
  const dense = (v: string, name: string, w: Float32Array, out: number, inn: number) =>
    e.op('Gemm', [v, e.initializer(`${name}.weight`, floatTensorValue([out, inn], w))], { transB: attr.int(1) }, name);
  const h1 = e.op(act, [dense(x, 'fc1', w1, 4, 3)]);
  const h2 = e.op(act, [dense(h1, 'fc2', w2, 3, 4)]);
  e.output(dense(h2, 'fc3', w3, 2, 3), ['N', 2]);
  return e.build();
}

/** Guided gradient of output `t` by hand: forward in loops, then each ReLU passes max(g, 0) where its input is positive. */
function guidedByHand(x: ArrayLike<number>, w1: Float32Array, w2: Float32Array, w3: Float32Array, t: number): number[] {
  const matvec = (w: Float32Array, v: ArrayLike<number>, out: number) => Array.from({ length: out }, (_, o) => Array.from(v).reduce((s, vi, i) => s + w[o * v.length + i] * vi, 0));
  const z1 = matvec(w1, x, 4);
  const h1 = z1.map((z) => Math.max(0, z));
  const z2 = matvec(w2, h1, 3);
  const back = (w: Float32Array, g: number[], inn: number) => Array.from({ length: inn }, (_, i) => g.reduce((s, go, o) => s + w[o * inn + i] * go, 0));
  const g2 = [0, 1, 2].map((o) => w3[t * 3 + o]).map((g, o) => (z2[o] > 0 ? Math.max(0, g) : 0));
  const g1 = back(w2, g2, 4).map((g, o) => (z1[o] > 0 ? Math.max(0, g) : 0));
  return back(w1, g1, 3);
}

describe('guided backprop', () => {
  it("gives Captum's expected map on BasicModel_ConvNet_One_Conv at arange(16), target 0", async () => {
    const model = new OnnxModel(captumOneConv());
    const x = tensor([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i));
    const a = await guidedBackprop.attribute(model, x, { target: 0 });
    expect(Array.from(a.values.data)).toEqual([0, 1, 1, 1, 1, 3, 3, 2, 1, 3, 3, 2, 1, 2, 2, 1]);
    expect(a.values.shape).toEqual([1, 1, 4, 4]);
  });

  it('equals the guided gradient computed by hand on a two-ReLU MLP, and differs from the gradient', async () => {
    const [w1, w2, w3] = [uniformValues(12, 1), uniformValues(12, 2), uniformValues(6, 3)];
    const model = new OnnxModel(mlp(w1, w2, w3, 'Relu'));
    const x = randomTensor([6, 3], 4, -2, 2);
    const targets = [0, 1, 0, 1, 0, 1];
    const a = await guidedBackprop.attribute(model, x, { target: targets });
    const expected = targets.flatMap((t, i) => guidedByHand(x.data.subarray(i * 3, i * 3 + 3), w1, w2, w3, t));
    expect(maxAbsDiff(a.values.data, expected)).toBeLessThan(1e-5);
    const plain = await saliency.attribute(model, x, { target: targets, abs: false });
    expect(maxAbsDiff(a.values.data, plain.values.data)).toBeGreaterThan(1e-2);
  });

  it('equals the signed gradient on a net without ReLU', async () => {
    const model = new OnnxModel(mlp(uniformValues(12, 5), uniformValues(12, 6), uniformValues(6, 7), 'Tanh'));
    const x = randomTensor([4, 3], 8, -1, 1);
    const a = await guidedBackprop.attribute(model, x, { target: 1 });
    const s = await saliency.attribute(model, x, { target: 1, abs: false });
    expect(maxAbsDiff(a.values.data, s.values.data)).toBeLessThan(1e-7);
  });

  it('keeps the ReLU mask and clips negative gradients through ReLU → MaxPool (no fusion)', async () => {
    // x [1, 1, 4, 4] → Relu → MaxPool 2×2 → Flatten → Gemm(w = (2, −3, 0.5, 1)).
    const e = new GraphEditor('relu-pool');
    const x = e.input('x', ['N', 1, 4, 4]);
    const pooled = e.op('MaxPool', [e.op('Relu', [x])], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
    const flat = e.op('Flatten', [pooled], { axis: attr.int(1) });
    const w = [2, -3, 0.5, 1];
    e.output(e.op('Gemm', [flat, e.initializer('w', floatTensorValue([1, 4], w))], { transB: attr.int(1) }), ['N', 1]);
    const model = new OnnxModel(e.build());
    // Windows: TL max 5 at (1,1); TR max 4 at (0,3); BL all negative (ReLU zero → no gradient); BR max 7 at (3,2).
    const input = [1, 0.5, 2, 4, -1, 5, 3, -2, -1, -2, 6, 1, -3, -4, 7, 2];
    const a = await guidedBackprop.attribute(model, tensor([1, 1, 4, 4], input), { target: 0 });
    const expected = new Array(16).fill(0);
    expected[5] = 2; // w = 2
    expected[3] = 0; // w = −3 clipped by the guided ReLU
    expected[14] = 1; // BR window's maximum 7 → w = 1
    expect(Array.from(a.values.data)).toEqual(expected);
    const plain = await saliency.attribute(model, tensor([1, 1, 4, 4], input), { target: 0, abs: false });
    expect(plain.values.data[3]).toBe(-3);
  });

  it('is registered, and fails in one line on a model without backward rules', async () => {
    expect(getExplainer('guided-backprop')).toBe(guidedBackprop);
    const bare: Model = { ...new OnnxModel(captumOneConv()), withBackwardRules: undefined } as unknown as Model;
    await expect(guidedBackprop.attribute(bare, tensor([1, 1, 4, 4]), { target: 0 })).rejects.toThrow(/withBackwardRules/);
  });
});
