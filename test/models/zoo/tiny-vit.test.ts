/** The tiny ViT: layout, attention values, parameters, and forward/gradients against finite differences. */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../../src/models/model.js';
import { trainableParameters } from '../../../src/models/train.js';
import { tinyVit, tinyVitAttentionValues, VIT_TI_16 } from '../../../src/models/zoo/tiny-vit.js';
import { DataType } from '../../../src/onnx/graph.js';
import { expectGradientsMatch } from '../../onnx/autodiff/fd-harness.js';
import { randomTensor } from '../../helpers/models.js';

const small = { size: 8, patch: 4, dim: 8, depth: 2, heads: 2, mlpRatio: 2, classes: 3, seed: 5 };

describe('tinyVit', () => {
  it('has the documented defaults: 65 tokens of width 32, two blocks of two heads, 2 classes', async () => {
    const model = new OnnxModel(tinyVit());
    expect(model.inputShape).toEqual([1, 32, 32]);
    expect(model.outputSize).toBe(2);
    for (const v of tinyVitAttentionValues(2)) expect(model.layerShape(v)).toEqual([-1, 2, 65, 65]);
    expect(model.layers).not.toContain('block2/attention/probs_out');
  });

  it("scales to ViT-Ti/16 at 224²: DeiT-Ti's 5,717,416 parameters, 197 tokens, one image through ORT", async () => {
    const g = tinyVit(VIT_TI_16);
    const params = [...g.initializers.values()].filter((t) => t.dataType === DataType.FLOAT && t.dims.length > 0).reduce((a, t) => a + t.dims.reduce((x, y) => x * y, 1), 0);
    expect(params).toBe(5_717_416);
    const model = new OnnxModel(g);
    for (const v of tinyVitAttentionValues(12)) expect(model.layerShape(v)).toEqual([-1, 3, 197, 197]);
    const y = await model.forward(randomTensor([1, 3, 224, 224], 7));
    expect(y.shape).toEqual([1, 1000]);
    expect(y.data.every(Number.isFinite)).toBe(true);
    await model.dispose();
  });

  it('attention rows are probability distributions over the tokens', async () => {
    const model = new OnnxModel(tinyVit(small));
    const x = randomTensor([3, 1, 8, 8], 1);
    const { activation } = await model.layerVjp(x, 'block1/attention/probs', randomTensor([3, 3], 2));
    expect(activation.shape).toEqual([3, 2, 5, 5]);
    for (let r = 0; r < 3 * 2 * 5; r++) {
      const row = activation.data.slice(r * 5, r * 5 + 5);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(Math.min(...row)).toBeGreaterThan(0);
    }
    await model.dispose();
  });

  it('every float tensor with a role is a trainable parameter: CLS token, position embedding, LayerNorm, Linear biases', () => {
    const g = tinyVit(small);
    const model = new OnnxModel(g);
    const roles = Object.fromEntries(model.parameters.map((p) => [p.name, p.role]));
    expect(roles).toMatchObject({
      cls_token: 'embedding',
      pos_embed: 'embedding',
      'block0/norm1.weight': 'scale',
      'block0/norm1.bias': 'bias',
      'block1/attention/qkv.weight': 'weight',
      'block1/attention/qkv.bias': 'bias',
      'patch_embed.weight': 'weight',
      'head.bias': 'bias',
    });
    // Everything learnable (all float initializers except the graph's scalar constants) is trained.
    const learnable = [...g.initializers].filter(([, t]) => t.dataType === DataType.FLOAT && t.dims.length > 0).map(([k]) => k);
    expect(new Set(trainableParameters(g))).toEqual(new Set(learnable));
    expect(learnable.length).toBe(4 + 2 * 12 + 2 + 2);
  });

  it('refuses a patch that does not divide the image and heads that do not divide the width', () => {
    expect(() => tinyVit({ size: 30, patch: 4 })).toThrow(/patch 4 must divide the image size 30/);
    expect(() => tinyVit({ dim: 10, heads: 3 })).toThrow(/heads 3 must divide dim 10/);
  });

  it('forward matches the float64 interpreter; input and every weight gradient match finite differences', async () => {
    const g = tinyVit(small);
    const r = await expectGradientsMatch(g, { wrtInitializers: trainableParameters(g), batch: 2, maxProbes: 6, label: 'tiny ViT', seed: 3 }, 2e-3);
    expect(r.outputShape).toEqual([2, 3]);
  });
});
