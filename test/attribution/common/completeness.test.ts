/**
 * Completeness warnings: the pure rule (gap relative to |f(x) − f(baseline)|, floor for a zero
 * change, NaN fails), the methods' own reports (IG exact on a linear model; DeepLIFT on the torch
 * ViT, where the rescale rules do not cover Softmax·MatMul and the sums fall far short), and the
 * CLI's warning line.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkCompleteness, completenessFromDelta, completenessWarning, type CompletenessCheck } from '../../../src/attribution/common/completeness.js';
import { integratedGradients } from '../../../src/attribution/integrated-gradients.js';
import { deepLift } from '../../../src/attribution/deeplift.js';
import { OnnxModel } from '../../../src/models/model.js';
import { decodeModel } from '../../../src/onnx/proto.js';
import { readNpy } from '../../../src/data/formats/npy.js';
import { linearModel, randomTensor } from '../../helpers/models.js';

const VIT = fileURLToPath(new URL('../../fixtures/torch/vit-small/', import.meta.url));

describe('checkCompleteness', () => {
  it('measures the gap relative to the output change, with a floor for tiny changes', () => {
    const c = checkCompleteness([1.0, 2.2, 5e-4], [1.02, 2.0, 0]);
    expect(c.relativeGap[0]).toBeCloseTo(0.02 / 1.02, 12);
    expect(c.relativeGap[1]).toBeCloseTo(0.1, 12);
    // |Δf| = 0 < 1e-3: the gap is taken of the floor, 5e-4 / 1e-3.
    expect(c.relativeGap[2]).toBeCloseTo(0.5, 12);
    expect(c.failing).toBe(2);
    expect(c.worst).toBe(2);
    expect(c.holds).toBe(false);
  });

  it('holds within the tolerance and fails on NaN', () => {
    expect(checkCompleteness([1, -2], [1.01, -2.05]).holds).toBe(true);
    expect(checkCompleteness([Number.NaN], [1]).holds).toBe(false);
    expect(checkCompleteness([1, 2], [1, 2], 0).holds).toBe(true);
  });

  it('rebuilds f(x) − f(b) from a convergence delta δ = Σφ − Δf', () => {
    const c = completenessFromDelta([0.04], [0.04 - 1.35]);
    expect(c.outputChange[0]).toBeCloseTo(1.35, 12);
    expect(completenessWarning('deeplift', c)).toMatch(/deeplift is incomplete on 1 of 1 image\(s\): the attributions of image 0 sum to 0\.0400 where f\(x\) − f\(baseline\) = 1\.35 \(gap 97% > 5%\)/);
    expect(completenessWarning('deeplift', checkCompleteness([1], [1]))).toBeUndefined();
  });
});

describe('methods report completeness', () => {
  it('integrated gradients is complete on a linear model', async () => {
    const model = new OnnxModel(linearModel([1, 4, 4], randomTensor([3, 16], 5, -1, 1).data, [0.1, -0.2, 0.3]));
    const x = randomTensor([2, 1, 4, 4], 6);
    const r = await integratedGradients.attribute(model, x, { target: 1, steps: 8 });
    const c = r.extras!.completeness as CompletenessCheck;
    expect(c.holds).toBe(true);
    expect(Math.max(...c.relativeGap)).toBeLessThan(1e-5);
  });

  it('DeepLIFT on the torch ViT is flagged incomplete (its rescale rules do not cover attention)', async () => {
    const model = new OnnxModel(decodeModel(await readFile(join(VIT, 'model.onnx')), 'vit'));
    const x = await readNpy(join(VIT, 'x.npy'));
    const r = await deepLift.attribute(model, x, { target: 0 });
    const c = r.extras!.completeness as CompletenessCheck;
    // Its own bookkeeping agrees with Σφ and a fresh forward pass at x and at 0.
    const out = await model.forward(x);
    const zero = await model.forward({ shape: x.shape, data: new Float32Array(x.data.length) });
    const k = model.outputSize;
    const d = x.data.length / x.shape[0];
    for (let i = 0; i < x.shape[0]; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += r.values.data[i * d + j];
      expect(c.attributionSum[i]).toBeCloseTo(s, 4);
      expect(c.outputChange[i]).toBeCloseTo(out.data[i * k] - zero.data[i * k], 4);
    }
    expect(c.holds).toBe(false);
    expect(completenessWarning('deeplift', c)).toMatch(/^deeplift is incomplete/);
  });
});

describe('trustscope explain warns when completeness fails', () => {
  it('prints one warning line on stderr for DeepLIFT on the ViT and still writes the map; none for IG on a linear model', async () => {
    const { runCli } = await import('../../cli/cli-harness.js');
    const { tempDir } = await import('../../helpers/models.js');
    const { saveOnnxGraph } = await import('../../../src/models/import/onnx-file.js');
    const { writeNpy } = await import('../../../src/data/formats/npy.js');
    const { path, cleanup } = await tempDir();
    try {
      const r = await runCli(['explain', '--model', join(VIT, 'model.onnx'), '--input', join(VIT, 'x.npy'), '--method', 'deeplift', '--out', path('dl')]);
      expect(r.stderr.join('\n')).toMatch(/warning/);
      expect(r.code).toBe(0);
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).toMatch(/^trustscope: warning: deeplift is incomplete on \d of 3 image\(s\)/);
      expect((await readNpy(path('dl/attributions.npy'))).shape).toEqual([3, 1, 16, 16]);

      await saveOnnxGraph(path('lin.onnx'), linearModel([1, 4, 4], randomTensor([3, 16], 5, -1, 1).data, [0.1, -0.2, 0.3]));
      await writeNpy(path('x.npy'), randomTensor([2, 1, 4, 4], 6));
      const ig = await runCli(['explain', '--model', path('lin.onnx'), '--input', path('x.npy'), '--method', 'integrated-gradients', '--out', path('ig')]);
      expect(ig.code).toBe(0);
      expect(ig.stderr).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
