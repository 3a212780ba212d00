/**
 * Guided backprop and DeepLIFT against plain-torch references (custom autograd Functions written in
 * bench/reference/make_method_fixtures.py, following Captum's definitions) on the `cnn` fixture
 * model: every map must have Pearson r ≥ 0.999 and relative L2 ≤ 1e-4. deeplift_zero starts from a
 * zero baseline, where every MaxPool window of the baseline half ties: it checks that our DeepLIFT
 * MaxPool rule routes to the first maximum, as torch's max_unpool2d does.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { deepLift } from '../../src/attribution/deeplift.js';
import { guidedBackprop } from '../../src/attribution/guided-backprop.js';
import { readNpy } from '../../src/data/formats/npy.js';
import { OnnxModel } from '../../src/models/model.js';
import { decodeModel } from '../../src/onnx/proto.js';
import { pearson, relativeL2 } from '../../src/tensor/compare.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { sizeOf } from '../../src/tensor/tensor.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIR = join(ROOT, 'test', 'fixtures', 'methods');

interface Manifest {
  model: string;
  targets: number[];
  methods: Record<'guided_backprop' | 'deeplift' | 'deeplift_zero', { file: string; baselineFile?: string }>;
}

let manifest: Manifest;
let model: OnnxModel;
let x: Tensor;

beforeAll(async () => {
  manifest = JSON.parse(await readFile(join(DIR, 'manifest.json'), 'utf8')) as Manifest;
  model = new OnnxModel(decodeModel(await readFile(join(ROOT, manifest.model)), manifest.model));
  x = await readNpy(join(DIR, 'x.npy'));
});

function expectMapsAgree(actual: Tensor, expected: Tensor): void {
  expect(actual.shape).toEqual(expected.shape);
  const d = sizeOf(expected.shape.slice(1));
  for (let i = 0; i < expected.shape[0]; i++) {
    const a = actual.data.subarray(i * d, (i + 1) * d);
    const e = expected.data.subarray(i * d, (i + 1) * d);
    expect(pearson(a, e)).toBeGreaterThanOrEqual(0.999);
    expect(relativeL2(a, e)).toBeLessThanOrEqual(1e-4);
  }
}

describe('guided backprop and DeepLIFT vs plain-torch references', () => {
  it('guided backprop', async () => {
    const a = await guidedBackprop.attribute(model, x, { target: manifest.targets });
    expectMapsAgree(a.values, await readNpy(join(DIR, manifest.methods.guided_backprop.file)));
  });

  it('DeepLIFT from a random baseline, with a convergence delta near zero', async () => {
    const baseline = await readNpy(join(DIR, manifest.methods.deeplift.baselineFile!));
    const a = await deepLift.attribute(model, x, { target: manifest.targets, baseline });
    expectMapsAgree(a.values, await readNpy(join(DIR, manifest.methods.deeplift.file)));
    for (const delta of a.extras!.convergenceDelta as number[]) expect(Math.abs(delta)).toBeLessThan(1e-4);
  });

  it('DeepLIFT from a zero baseline (tied MaxPool windows in the baseline half)', async () => {
    const a = await deepLift.attribute(model, x, { target: manifest.targets });
    expectMapsAgree(a.values, await readNpy(join(DIR, manifest.methods.deeplift_zero.file)));
  });
});
