/**
 * trustscope against PyTorch on a real torch.onnx.export of a ViT (test/fixtures/torch/vit-small/,
 * made by bench/reference/make_vit_fixture.py): forward, input gradient and every parameter's
 * gradient through LayerNormalization, fused QKV + Split/Squeeze, batched MatMul, Softmax, Erf GELU,
 * the CLS token's Expand/Concat and the final Gather; and the attention maps against the CLS
 * attention and rollout numpy computed from torch's own softmax outputs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { attention, attentionRollout, findAttentionValues } from '../../src/attribution/attention.js';
import { readNpy } from '../../src/data/formats/npy.js';
import { OnnxModel } from '../../src/models/model.js';
import { buildGradientGraph } from '../../src/onnx/autodiff/gradient.js';
import { decodeModel } from '../../src/onnx/proto.js';
import { createSession } from '../../src/onnx/runtime.js';
import { relativeL2 } from '../../src/tensor/compare.js';

const DIR = fileURLToPath(new URL('../fixtures/torch/vit-small/', import.meta.url));
const npy = (name: string) => readNpy(join(DIR, name));
const gradFile = (init: string) => `grad_${init.replace(/[^A-Za-z0-9._-]/g, '_')}.npy`;

async function load() {
  const graph = decodeModel(await readFile(join(DIR, 'model.onnx')), 'vit-small/model.onnx');
  const map = JSON.parse(await readFile(join(DIR, 'weights_map.json'), 'utf8')) as Record<string, string>;
  return { graph, map, x: await npy('x.npy'), cotangent: await npy('cotangent.npy') };
}

describe('PyTorch ViT fixture', () => {
  it('forward and input gradient match torch autograd', async () => {
    const { graph, x, cotangent } = await load();
    const model = new OnnxModel(graph);
    const { output, inputGrad } = await model.vjp(x, cotangent);
    const errors = [relativeL2(output.data, (await npy('output.npy')).data), relativeL2(inputGrad.data, (await npy('input_grad.npy')).data)];
    if (process.env.TORCH_REPORT) console.log(`[torch-vit] forward ${errors[0].toExponential(2)} input gradient ${errors[1].toExponential(2)}`);
    expect(errors[0]).toBeLessThan(1e-5);
    expect(errors[1]).toBeLessThan(1e-4);
    await model.dispose();
  });

  it('every parameter gradient (CLS token, position embedding, LayerNorm, QKV, MLP, head) matches torch', async () => {
    const { graph, map, x, cotangent } = await load();
    const model = new OnnxModel(graph);
    const wrt = Object.values(map);
    const g = buildGradientGraph(graph, { outputs: [model.outputName], wrt });
    const session = await createSession(g.graph);
    const out = await session.run({ [model.inputName]: x, [g.cotangents[0]]: cotangent });
    const errors: Record<string, number> = {};
    for (const [i, w] of wrt.entries()) errors[w] = relativeL2(out[g.gradients[i]].data, (await npy(gradFile(w))).data);
    if (process.env.TORCH_REPORT) console.log(`[torch-vit] max weight-gradient relative L2 ${Math.max(...Object.values(errors)).toExponential(2)}`);
    expect(Object.entries(errors).filter(([, e]) => !(e < 2e-4))).toEqual([]);
    expect(wrt.length).toBe(4 + 2 * 12 + 2 + 2);
    await session.release();
  });

  it('finds torch\'s softmax outputs as the attention values; CLS attention and rollout match numpy on torch\'s probabilities', async () => {
    const { graph, x } = await load();
    const model = new OnnxModel(graph);
    const values = findAttentionValues(model);
    expect(values).toHaveLength(2);
    const probs = await model.activations(x, values);
    for (const [l, p] of probs.entries()) expect(relativeL2(p.data, (await npy(`attention_probs_${l}.npy`)).data)).toBeLessThan(1e-5);
    const last = await attention.attribute(model, x, { upsample: 'none' });
    const roll = await attentionRollout.attribute(model, x, { upsample: 'none' });
    expect(relativeL2(last.values.data, (await npy('cls_attention_last.npy')).data)).toBeLessThan(1e-5);
    expect(relativeL2(roll.values.data, (await npy('rollout.npy')).data)).toBeLessThan(1e-5);
    await model.dispose();
  });
});
