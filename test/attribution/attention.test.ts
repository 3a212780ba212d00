/** CLS attention maps and attention rollout against brute-force arithmetic on tiny ViTs. */
import { describe, expect, it } from 'vitest';
import { attention, attentionRollout, findAttentionValues } from '../../src/attribution/attention.js';
import type { Model } from '../../src/models/model.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { tinyVit, tinyVitAttentionValues } from '../../src/models/zoo/tiny-vit.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { zeros } from '../../src/tensor/tensor.js';
import { randomTensor } from '../helpers/models.js';

/** A 3-block, 2-head ViT on 12×12 inputs with patch 4: a 3×3 patch grid, T = 10 tokens. */
function vit(): OnnxModel {
  return new OnnxModel(tinyVit({ size: 12, patch: 4, dim: 8, depth: 3, heads: 2, classes: 2, seed: 11 }));
}

/** Attention probabilities straight from layerVjp (the path that does not use OnnxModel.activations). */
async function probs(model: OnnxModel, x: Tensor): Promise<Tensor[]> {
  const out: Tensor[] = [];
  for (const v of tinyVitAttentionValues(3)) out.push((await model.layerVjp(x, v, zeros([x.shape[0], 2]))).activation);
  return out;
}

/** Plain T×T matrix product, the test's own. */
function matmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

describe('attention (CLS attention maps)', () => {
  it('finds the Softmax attention values of the tiny ViT in block order', () => {
    expect(findAttentionValues(vit())).toEqual(tinyVitAttentionValues(3));
  });

  it('equals the CLS row of the chosen layer, mean over heads or one head, nearest-upsampled by patch', async () => {
    const model = vit();
    const x = randomTensor([2, 1, 12, 12], 4);
    const a = await probs(model, x);
    const T = 10;
    const mean = await attention.attribute(model, x);
    const head1 = await attention.attribute(model, x, { attentionLayer: 1, head: 1 });
    expect(mean.values.shape).toEqual([2, 1, 12, 12]);
    for (let i = 0; i < 2; i++)
      for (let y = 0; y < 12; y++)
        for (let xx = 0; xx < 12; xx++) {
          const patch = Math.floor(y / 4) * 3 + Math.floor(xx / 4);
          const at = (l: number, h: number) => a[l].data[((i * 2 + h) * T + 0) * T + 1 + patch];
          expect(mean.values.data[(i * 12 + y) * 12 + xx]).toBeCloseTo((at(2, 0) + at(2, 1)) / 2, 6);
          expect(head1.values.data[(i * 12 + y) * 12 + xx]).toBeCloseTo(at(1, 1), 6);
        }
    const cls = mean.extras!.clsAttention as Tensor;
    expect(cls.shape).toEqual([2, 3, 2, 3, 3]);
    expect(mean.extras!.layer).toBe(2);
    await model.dispose();
  });

  it('errors name the fix: no attention in a CNN, head or layer out of range, rollout with a head', async () => {
    const cnn = new OnnxModel(tinyCnn());
    await expect(attention.attribute(cnn, randomTensor([1, 1, 32, 32], 1))).rejects.toThrow(/has no attention values .*attentionValues/);
    const model = vit();
    const x = randomTensor([1, 1, 12, 12], 2);
    await expect(attention.attribute(model, x, { head: 2 })).rejects.toThrow(/head 2 is out of range; the attention has 2 heads/);
    await expect(attention.attribute(model, x, { attentionLayer: 3 })).rejects.toThrow(/attentionLayer 3 is out of range; the model has 3 attention layer/);
    await expect(attentionRollout.attribute(model, x, { head: 0 })).rejects.toThrow(/averages the heads/);
    await expect(attention.attribute(model, x, { prefixTokens: 2 })).rejects.toThrow(/cannot lay 8 patch tokens/);
  });
});

describe('attention-rollout', () => {
  it('equals the brute-force product of (0.5·Ā + 0.5·I) over the layers, read through a plain Model (layerVjp path)', async () => {
    const model = vit();
    const x = randomTensor([2, 1, 12, 12], 9);
    const a = await probs(model, x);
    // A Model without OnnxModel's extras: the explainer must fall back to layerVjp.
    const plain: Model = {
      inputShape: model.inputShape,
      outputShape: model.outputShape,
      outputSize: model.outputSize,
      layers: model.layers,
      parameters: model.parameters,
      forward: (t) => model.forward(t),
      vjp: (t, c) => model.vjp(t, c),
      layerVjp: (t, l, c) => model.layerVjp(t, l, c),
      withParameters: (c) => model.withParameters(c),
    };
    const viaPlain = await attentionRollout.attribute(plain, x);
    const viaOnnx = await attentionRollout.attribute(model, x, { upsample: 'none' });
    const upTo1 = await attentionRollout.attribute(model, x, { attentionLayer: 1, upsample: 'none' });
    const T = 10;
    for (let i = 0; i < 2; i++) {
      const mixed = a.map((layer) =>
        Array.from({ length: T }, (_, q) => {
          const row = Array.from({ length: T }, (_, k) => 0.5 * ((layer.data[((i * 2) * T + q) * T + k] + layer.data[((i * 2 + 1) * T + q) * T + k]) / 2) + (q === k ? 0.5 : 0));
          const s = row.reduce((p, v) => p + v, 0);
          return row.map((v) => v / s);
        }),
      );
      const r2 = matmul(mixed[2], matmul(mixed[1], mixed[0]));
      const r1 = matmul(mixed[1], mixed[0]);
      for (let p = 0; p < 9; p++) {
        expect(viaOnnx.values.data[i * 9 + p]).toBeCloseTo(r2[0][1 + p], 6);
        expect(upTo1.values.data[i * 9 + p]).toBeCloseTo(r1[0][1 + p], 6);
      }
      const full = viaOnnx.extras!.rollout as Tensor;
      for (let q = 0; q < T; q++) for (let k = 0; k < T; k++) expect(full.data[(i * T + q) * T + k]).toBeCloseTo(r2[q][k], 6);
    }
    expect(viaPlain.values.shape).toEqual([2, 1, 12, 12]);
    expect(viaPlain.values.data[0]).toBeCloseTo(viaOnnx.values.data[0], 6);
    await model.dispose();
  });

  it('zero query and key weights give uniform attention, so both maps are flat at the analytic value', async () => {
    const model = vit();
    const dim = 8;
    const values = new Map<string, Float32Array>();
    for (let b = 0; b < 3; b++) {
      const w = Float32Array.from(model.graph.initializers.get(`block${b}/attention/qkv.weight`)!.data as Float32Array);
      const bias = Float32Array.from(model.graph.initializers.get(`block${b}/attention/qkv.bias`)!.data as Float32Array);
      // W is [in, 3·dim] with Q, K, V side by side: zero the first 2·dim columns.
      for (let r = 0; r < dim; r++) for (let c = 0; c < 2 * dim; c++) w[r * 3 * dim + c] = 0;
      bias.fill(0, 0, 2 * dim);
      values.set(`block${b}/attention/qkv.weight`, w);
      values.set(`block${b}/attention/qkv.bias`, bias);
    }
    const flat = model.withParameters({ kind: 'replace', values });
    const x = randomTensor([1, 1, 12, 12], 5);
    const att = await attention.attribute(flat, x);
    for (const v of att.values.data) expect(v).toBeCloseTo(1 / 10, 6);
    // Uniform U = 11ᵀ/T: A' = 0.5·U + 0.5·I, and the product of L such matrices is
    // I·0.5^L + U·(1 − 0.5^L), so every patch gets (1 − 0.5^L)/T from the CLS row.
    const roll = await attentionRollout.attribute(flat, x);
    for (const v of roll.values.data) expect(v).toBeCloseTo((1 - 0.5 ** 3) / 10, 6);
    await model.dispose();
  });
});
