/**
 * Attention views on a ViT built from nn.MultiheadAttention (test/fixtures/families/vit-mha-opset*,
 * make_family_fixtures.py): torch's export folds the heads into the batch, so the attention is a
 * Softmax of shape [N·heads, T, T]. The CLS maps must equal torch's own attention probabilities
 * (need_weights=True, average_attn_weights=False), and rollout the rollout of torch's probabilities.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { attention, attentionRollout, findAttentionValues, rolloutMatrix } from '../../src/attribution/attention.js';
import { readNpy } from '../../src/data/formats/npy.js';
import { OnnxModel } from '../../src/models/model.js';
import { decodeModel } from '../../src/onnx/proto.js';
import { relativeL2 } from '../../src/tensor/compare.js';

const ROOT = fileURLToPath(new URL('../fixtures/families/', import.meta.url));

describe.each([11, 17])('attention on the nn.MultiheadAttention ViT export, opset %i', (opset) => {
  const dir = join(ROOT, `vit-mha-opset${opset}`);
  const model = new OnnxModel(decodeModel(readFileSync(join(dir, 'model.onnx')), `vit-mha-opset${opset}`));

  it('finds one fused Softmax [N·heads, T, T] per block, in block order', () => {
    const found = findAttentionValues(model);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/blocks\.0\/attn\/Softmax/);
    expect(found[1]).toMatch(/blocks\.1\/attn\/Softmax/);
  });

  it("CLS attention per layer and head, and rollout, equal torch's attention probabilities", async () => {
    const x = await readNpy(join(dir, 'x.npy'));
    const torch = [await readNpy(join(dir, 'attention_0.npy')), await readNpy(join(dir, 'attention_1.npy'))];
    const [n, heads, t] = torch[0].shape;
    const patches = t - 1;
    const result = await attention.attribute(model, x, { upsample: 'none' });
    const cls = result.extras!.clsAttention as { shape: number[]; data: Float32Array };
    expect(cls.shape).toEqual([n, 2, heads, 4, 4]);
    const expected = new Float32Array(cls.data.length);
    for (let i = 0; i < n; i++)
      for (let l = 0; l < 2; l++)
        for (let h = 0; h < heads; h++)
          for (let p = 0; p < patches; p++) expected[((i * 2 + l) * heads + h) * patches + p] = torch[l].data[((i * heads + h) * t + 0) * t + 1 + p];
    expect(relativeL2(cls.data, expected)).toBeLessThan(1e-5);

    const rollout = await attentionRollout.attribute(model, x, { upsample: 'none' });
    const want = new Float32Array(n * patches);
    for (let i = 0; i < n; i++) {
      const r = rolloutMatrix(torch, i, 1);
      for (let p = 0; p < patches; p++) want[i * patches + p] = r[1 + p];
    }
    expect(relativeL2(rollout.values.data, want)).toBeLessThan(1e-5);
  });
});
