/**
 * Completeness through the registry: its own sums and forward passes agree with the method's
 * convergence delta (an independent bookkeeping of the same quantity); IG with few steps on a ReLU
 * net misses by more than with many; DeepLIFT on the torch ViT fails; methods without the property
 * are refused by name.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { integratedGradients } from '../../../src/attribution/integrated-gradients.js';
import { deepLift } from '../../../src/attribution/deeplift.js';
import { saliency } from '../../../src/attribution/saliency.js';
import { evaluateExplanations } from '../../../src/evaluate/evaluate.js';
import { OnnxModel } from '../../../src/models/model.js';
import { tinyCnn } from '../../../src/models/zoo/tiny-cnn.js';
import { decodeModel } from '../../../src/onnx/proto.js';
import { readNpy } from '../../../src/data/formats/npy.js';
import type { CompletenessCheck } from '../../../src/attribution/common/completeness.js';
import { randomTensor } from '../../helpers/models.js';

const S = 12;
const model = new OnnxModel(tinyCnn({ size: S, seed: 9 }));
const inputs = randomTensor([3, 1, S, S], 10);
afterAll(() => model.dispose());

describe('completeness as a registered metric', () => {
  it("agrees with integrated gradients' own convergence delta", async () => {
    for (const steps of [4, 64]) {
      const r = await evaluateExplanations(model, integratedGradients, inputs, { metrics: ['completeness'], explain: { steps } });
      const own = (await integratedGradients.attribute(model, inputs, { steps, target: r.targets })).extras!.completeness as CompletenessCheck;
      const got = r.results.completeness!;
      for (let i = 0; i < 3; i++) {
        expect(got.attributionSum[i]).toBeCloseTo(own.attributionSum[i], 4);
        expect(got.outputChange[i]).toBeCloseTo(own.outputChange[i], 4);
      }
      expect(r.verdicts[0].passes).toBe(got.holds);
    }
  });

  it('flags DeepLIFT on the torch ViT and names the worst image', async () => {
    const dir = fileURLToPath(new URL('../../fixtures/torch/vit-small/', import.meta.url));
    const vit = new OnnxModel(decodeModel(await readFile(join(dir, 'model.onnx')), 'vit'));
    const r = await evaluateExplanations(vit, deepLift, await readNpy(join(dir, 'x.npy')), { metrics: ['completeness'] });
    expect(r.verdicts[0].passes).toBe(false);
    expect(r.verdicts[0].text).toMatch(/^incomplete on \d+ of \d+ image\(s\) \(gap > 5% of f\(x\) − f\(baseline\)\); worst image \d+: Σ /);
    await vit.dispose();
  });

  it('refuses a method without the property', async () => {
    await expect(evaluateExplanations(model, saliency, inputs, { metrics: ['completeness'] })).rejects.toThrow(/completeness does not support the method saliency/);
  });
});
