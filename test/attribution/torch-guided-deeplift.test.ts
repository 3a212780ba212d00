/**
 * Guided backprop and DeepLIFT against plain-torch references (custom autograd Functions written in
 * bench/reference/make_method_fixtures.py, following Captum's definitions) on the `cnn` fixture
 * model: every map must have Pearson r ≥ 0.999 and relative L2 ≤ 1e-4. deeplift_zero starts from a
 * zero baseline, where every MaxPool window of the baseline half ties: it checks that our DeepLIFT
 * MaxPool rule routes to the first maximum, as torch's max_unpool2d does.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { deepLift } from '../../src/attribution/deeplift.js';
import { guidedBackprop } from '../../src/attribution/guided-backprop.js';
import type { OnnxModel } from '../../src/models/model.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { loadMethodFixtures, perMapAgreement, readMethodFixture, type MethodManifest } from '../helpers/torch-method-fixtures.js';

interface Manifest extends MethodManifest {
  methods: Record<'guided_backprop' | 'deeplift' | 'deeplift_zero', { file: string; baselineFile?: string }>;
}

let manifest: Manifest;
let model: OnnxModel;
let x: Tensor;

beforeAll(async () => {
  ({ manifest, model, x } = await loadMethodFixtures<Manifest>());
});

function expectMapsAgree(actual: Tensor, expected: Tensor): void {
  for (const { r, relL2 } of perMapAgreement(actual, expected)) {
    expect(r).toBeGreaterThanOrEqual(0.999);
    expect(relL2).toBeLessThanOrEqual(1e-4);
  }
}

describe('guided backprop and DeepLIFT vs plain-torch references', () => {
  it('guided backprop', async () => {
    const a = await guidedBackprop.attribute(model, x, { target: manifest.targets });
    expectMapsAgree(a.values, await readMethodFixture(manifest.methods.guided_backprop.file));
  });

  it('DeepLIFT from a random baseline, with a convergence delta near zero', async () => {
    const baseline = await readMethodFixture(manifest.methods.deeplift.baselineFile!);
    const a = await deepLift.attribute(model, x, { target: manifest.targets, baseline });
    expectMapsAgree(a.values, await readMethodFixture(manifest.methods.deeplift.file));
    for (const delta of a.extras!.convergenceDelta as number[]) expect(Math.abs(delta)).toBeLessThan(1e-4);
  });

  it('DeepLIFT from a zero baseline (tied MaxPool windows in the baseline half)', async () => {
    const a = await deepLift.attribute(model, x, { target: manifest.targets });
    expectMapsAgree(a.values, await readMethodFixture(manifest.methods.deeplift_zero.file));
  });
});
