/**
 * Dynamic-H/W exports through the CLI's one model loader: the graph is sized to the images in hand
 * (no flag), checked against PyTorch at the export's size, against ONNX Runtime running the
 * unspecialised graph plus a finite difference at a second size, and end to end through `explain`.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/data/formats/npy.js';
import { decodeModel } from '../../src/onnx/proto.js';
import { createSession } from '../../src/onnx/runtime.js';
import { tensor, type Tensor } from '../../src/tensor/tensor.js';
import { imageSizeFor, isDynamicSpatial, loadModelForImages } from '../../src/cli/model-for-images.js';
import { UsageError } from '../../src/cli/errors.js';
import { randomTensor, relativeL2 } from '../helpers/models.js';
import { runCli } from './cli-harness.js';

const FAMILIES = join(import.meta.dirname, '..', 'fixtures', 'families');
const RESNET = join(FAMILIES, 'resnet-dynamic-opset17');
const SEGMENTER = join(FAMILIES, 'segmentation-head-dynamic-opset17');

/** The top-left h×w corner of every image of a batch [N, C, H, W]. */
function crop(x: Tensor, h: number, w: number): Tensor {
  const [n, c, H, W] = x.shape;
  const out = new Float32Array(n * c * h * w);
  for (let i = 0; i < n * c; i++) for (let y = 0; y < h; y++) out.set(x.data.subarray(i * H * W + y * W, i * H * W + y * W + w), (i * h + y) * w);
  return tensor([n, c, h, w], out);
}

describe('loadModelForImages', () => {
  let dir = '';
  const f = (name: string) => join(dir, name);
  let x: Tensor;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trustscope-dynamic-'));
    x = await readNpy(join(RESNET, 'x.npy'));
    await writeNpy(f('small.npy'), crop(x, 32, 24));
    const seg = await readNpy(join(SEGMENTER, 'x.npy'));
    await mkdir(f('mixed'));
    await writeNpy(f('mixed/a.npy'), seg);
    await writeNpy(f('mixed/b.npy'), crop(seg, 16, 16));
    await writeNpy(f('seg-small.npy'), crop(seg, 16, 16));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sizes a dynamic export to the images: at the export size its gradient is PyTorch\'s', async () => {
    const graph = decodeModel(readFileSync(join(RESNET, 'model.onnx')), 'resnet');
    expect(isDynamicSpatial(graph)).toBe(true);
    const model = await loadModelForImages(join(RESNET, 'model.onnx'), { files: [join(RESNET, 'x.npy')] });
    try {
      expect(model.inputShape).toEqual([3, 40, 48]);
      const { output, inputGrad } = await model.vjp(x, await readNpy(join(RESNET, 'cotangent.npy')));
      expect(relativeL2(output.data, (await readNpy(join(RESNET, 'output.npy'))).data)).toBeLessThan(1e-4);
      expect(relativeL2(inputGrad.data, (await readNpy(join(RESNET, 'input_grad.npy'))).data)).toBeLessThan(1e-4);
    } finally {
      await model.dispose();
    }
  });

  it('at a second size: forward equals ONNX Runtime on the unspecialised graph, the gradient a finite difference', async () => {
    const small = await readNpy(f('small.npy'));
    const model = await loadModelForImages(join(RESNET, 'model.onnx'), { files: [f('small.npy')] });
    try {
      expect(model.inputShape).toEqual([3, 32, 24]);
      const raw = await createSession(decodeModel(readFileSync(join(RESNET, 'model.onnx')), 'resnet'));
      const reference = await raw.run({ [raw.inputNames[0]]: small });
      await raw.release();
      const out = await model.forward(small);
      expect(relativeL2(out.data, reference[raw.outputNames[0]].data)).toBeLessThan(1e-5);
      // d/dt Σ cot ⊙ f(x + t·v) at t = 0 is ⟨∇, v⟩ (central difference in float32, so a loose bound).
      const cot = randomTensor([2, 5], 3, -1, 1);
      const v = randomTensor(small.shape, 4, -1, 1);
      const { inputGrad } = await model.vjp(small, cot);
      const eps = 1e-2;
      const shifted = async (t: number) => {
        const y = await model.forward(tensor(small.shape, small.data.map((s, i) => s + t * v.data[i])));
        return y.data.reduce((a, yi, i) => a + yi * cot.data[i], 0);
      };
      const fd = ((await shifted(eps)) - (await shifted(-eps))) / (2 * eps);
      const analytic = inputGrad.data.reduce((a, g, i) => a + g * v.data[i], 0);
      expect(Math.abs(fd - analytic)).toBeLessThan(2e-2 * Math.max(1, Math.abs(analytic)));
    } finally {
      await model.dispose();
    }
  });

  it('refuses images of different sizes in one run with both sizes named', async () => {
    const graph = decodeModel(readFileSync(join(SEGMENTER, 'model.onnx')), 'seg');
    await expect(imageSizeFor(graph, { files: [f('mixed')] })).rejects.toThrow(UsageError);
    await expect(imageSizeFor(graph, { files: [f('mixed')] })).rejects.toThrow(/16×16 images but .*a\.npy holds 24×40; a model with dynamic H\/W is sized once per run/);
  });

  it('explain runs a dynamic segmenter at two image sizes without a flag, and refuses mixed sizes in one line', async () => {
    for (const [input, shape] of [
      [join(SEGMENTER, 'x.npy'), [2, 1, 24, 40]],
      [f('seg-small.npy'), [2, 1, 16, 16]],
    ] as const) {
      const out = f(`explain-${shape[2]}`);
      const r = await runCli(['explain', '--model', join(SEGMENTER, 'model.onnx'), '--input', input, '--method', 'saliency', '--target-class', '1', '--out', out]);
      expect(r.stderr).toEqual([]);
      expect(r.code).toBe(0);
      expect((await readNpy(join(out, 'attributions.npy'))).shape).toEqual(shape);
    }
    const r = await runCli(['explain', '--model', join(SEGMENTER, 'model.onnx'), '--input', f('mixed'), '--method', 'saliency', '--out', f('explain-mixed')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/^trustscope: .*holds 16×16 images but .* holds 24×40/);
  });
});
