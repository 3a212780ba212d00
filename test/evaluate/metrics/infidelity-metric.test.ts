/**
 * Infidelity through the registry: `evaluateExplanations` with metrics ['infidelity'] gives exactly
 * what infidelity.ts gives when called directly on the same maps with the same settings (the
 * independent reference), for each perturbation kind.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { integratedGradients } from '../../../src/attribution/integrated-gradients.js';
import { evaluateExplanations } from '../../../src/evaluate/evaluate.js';
import { infidelity } from '../../../src/evaluate/infidelity.js';
import { OnnxModel } from '../../../src/models/model.js';
import { tinyCnn } from '../../../src/models/zoo/tiny-cnn.js';
import { argmaxRows } from '../../../src/tensor/tensor.js';
import { randomTensor } from '../../helpers/models.js';

const S = 12;
const model = new OnnxModel(tinyCnn({ size: S, seed: 9 }));
const inputs = randomTensor([3, 1, S, S], 10);
const explain = { steps: 8 };
afterAll(() => model.dispose());

async function maps(seed: number) {
  const targets = argmaxRows(await model.forward(inputs));
  return { targets, values: (await integratedGradients.attribute(model, inputs, { ...explain, target: targets, seed })).values };
}

describe('infidelity as a registered metric', () => {
  it("equals infidelity.ts at the declared defaults (Captum's: 10 Gaussian perturbations of std 0.003, the logit)", async () => {
    const r = await evaluateExplanations(model, integratedGradients, inputs, { metrics: ['infidelity'], explain });
    const { targets, values } = await maps(0);
    const reference = await infidelity(model, inputs, values, { target: targets, seed: 0 });
    const got = r.results.infidelity!;
    expect(got.perImage).toEqual(reference.perImage);
    expect(got.mean).toBe(reference.mean);
    // The declared baseline 'zero' is the library's default 0, named.
    expect({ ...got.settings, baseline: '0' }).toEqual(reference.settings);
    expect(r.verdicts[0]).toEqual({ check: 'infidelity', passes: null, text: expect.stringContaining(`mean infidelity ${reference.mean.toPrecision(3)} `) });
  });

  it('passes the subset perturbation, multiplyByInputs, normalize and the run seed to infidelity.ts', async () => {
    const settings = { perturbation: 'subset', probability: 0.3, patch: 3, samples: 5, baseline: 'mean', multiplyByInputs: true, normalize: true, score: 'softmax' } as const;
    const r = await evaluateExplanations(model, integratedGradients, inputs, { metrics: ['infidelity'], explain, seed: 4, metricOptions: { infidelity: settings } });
    const { targets, values } = await maps(4);
    const reference = await infidelity(model, inputs, values, {
      perturbation: { kind: 'subset', probability: 0.3, patch: 3 },
      samples: 5,
      baseline: 'mean',
      multiplyByInputs: true,
      normalize: true,
      score: 'softmax',
      target: targets,
      seed: 4,
    });
    expect(r.results.infidelity).toEqual(reference);
    expect(reference.beta).toHaveLength(3);
  });

  it("the 'baseline' perturbation is deterministic: one sample, whatever --infidelity-samples says", async () => {
    const r = await evaluateExplanations(model, integratedGradients, inputs, { metrics: ['infidelity'], explain, metricOptions: { infidelity: { perturbation: 'baseline', multiplyByInputs: true } } });
    const { targets, values } = await maps(0);
    expect(r.results.infidelity).toEqual(await infidelity(model, inputs, values, { perturbation: { kind: 'baseline' }, baseline: 'zero', multiplyByInputs: true, target: targets }));
    expect(r.results.infidelity!.settings.samples).toBe(1);
  });
});
