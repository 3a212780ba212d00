/**
 * Sufficiency through the registry: `evaluateExplanations` with metrics ['sufficiency'] gives
 * exactly what sufficiency.ts gives when called directly on the same maps with the same settings
 * (the independent reference), and refuses a single image before explaining it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { inputXGradient } from '../../../src/attribution/input-x-gradient.js';
import { evaluateExplanations } from '../../../src/evaluate/evaluate.js';
import { sufficiency } from '../../../src/evaluate/sufficiency.js';
import { OnnxModel } from '../../../src/models/model.js';
import { tinyCnn } from '../../../src/models/zoo/tiny-cnn.js';
import { argmaxRows, sliceRows, tensor } from '../../../src/tensor/tensor.js';
import { randomTensor } from '../../helpers/models.js';

const S = 12;
const model = new OnnxModel(tinyCnn({ size: S, seed: 13, classes: 3 }));
// Two groups of four near-copies: maps within a group are close, so explanations apply to neighbours.
const bases = randomTensor([2, 1, S, S], 14);
const jitter = randomTensor([8, 1, S, S], 15, -0.02, 0.02);
const inputs = tensor([8, 1, S, S], jitter.data.map((v, i) => v + bases.data[(Math.floor(i / (4 * S * S)) * S * S) + (i % (S * S))]));
afterAll(() => model.dispose());

async function maps() {
  const targets = argmaxRows(await model.forward(inputs));
  return (await inputXGradient.attribute(model, inputs, { target: targets, seed: 0 })).values;
}

describe('sufficiency as a registered metric', () => {
  it("equals sufficiency.ts at the declared defaults (threshold 0.6, euclidean) and with each option changed", async () => {
    const values = await maps();
    const byDefault = await evaluateExplanations(model, inputXGradient, inputs, { metrics: ['sufficiency'] });
    expect(byDefault.results.sufficiency).toEqual(await sufficiency(model, inputs, values));
    expect(byDefault.results.sufficiency!.withNeighbours).toBeGreaterThan(0);
    for (const settings of [{ threshold: 0.9, distance: 'cosine' }, { threshold: 0.3, distance: 'seuclidean' }] as const) {
      const r = await evaluateExplanations(model, inputXGradient, inputs, { metrics: ['sufficiency'], metricOptions: { sufficiency: settings } });
      const reference = await sufficiency(model, inputs, values, settings);
      expect(r.results.sufficiency).toEqual(reference);
      const text = reference.mean === null ? /^no score/ : new RegExp(`^mean local sufficiency ${reference.mean.toFixed(3)} .* over ${reference.withNeighbours} of 8 image`);
      expect(r.verdicts[0].passes).toBeNull();
      expect(r.verdicts[0].text).toMatch(text);
    }
  });

  it('refuses one image in one line, before explaining', async () => {
    let explained = false;
    const watched = { ...inputXGradient, attribute: (...a: Parameters<typeof inputXGradient.attribute>) => ((explained = true), inputXGradient.attribute(...a)) };
    await expect(evaluateExplanations(model, watched, sliceRows(inputs, 0, 1), { metrics: ['sufficiency'] })).rejects.toThrow('evaluate: sufficiency compares explanations across inputs and needs at least 2 images (got 1)');
    expect(explained).toBe(false);
  });
});
