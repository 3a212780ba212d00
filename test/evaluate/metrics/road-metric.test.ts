/**
 * ROAD through the registry: `evaluateExplanations` with metrics ['road'] gives exactly what road.ts
 * gives when called directly on the same maps with the same settings (the independent reference),
 * at the declared defaults and with every declared option changed; the verdict states the gap.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { saliency } from '../../../src/attribution/saliency.js';
import { evaluateExplanations, evaluationJson } from '../../../src/evaluate/evaluate.js';
import { road } from '../../../src/evaluate/road.js';
import { OnnxModel } from '../../../src/models/model.js';
import { tinyCnn } from '../../../src/models/zoo/tiny-cnn.js';
import { argmaxRows } from '../../../src/tensor/tensor.js';
import { randomTensor } from '../../helpers/models.js';

const S = 12;
const model = new OnnxModel(tinyCnn({ size: S, seed: 7 }));
const inputs = randomTensor([4, 1, S, S], 8);
afterAll(() => model.dispose());

/** The reference: the method's maps for the predicted classes, computed here, not by evaluate. */
async function maps(seed: number) {
  const targets = argmaxRows(await model.forward(inputs));
  return { targets, values: (await saliency.attribute(model, inputs, { target: targets, seed })).values };
}

describe('road as a registered metric', () => {
  it('equals road.ts at the declared defaults (seed 0, 10…90 %, both orders, noise 0.01, softmax)', async () => {
    const r = await evaluateExplanations(model, saliency, inputs, { metrics: ['road'] });
    const { targets, values } = await maps(0);
    const reference = await road(model, inputs, values, { target: targets, seed: 0 });
    expect(r.results.road).toEqual(reference);
    expect(r.metrics).toEqual(['road']);
    expect(r.randomisation).toBeUndefined();
    const gap = reference.gap!;
    expect(r.verdicts).toEqual([{ check: 'road', passes: gap > 0, text: expect.stringContaining(`= ${gap.toFixed(3)} (passes when > 0`) }]);
    expect((evaluationJson(r) as { results: { road: { gap: number } } }).results.road.gap).toBe(gap);
  });

  it('passes every declared option and the run seed to road.ts', async () => {
    const settings = { percentages: [20, 60], orders: ['lerf', 'morf'] as const, noise: 0.05, score: 'output' as const };
    const r = await evaluateExplanations(model, saliency, inputs, { metrics: ['road'], seed: 3, metricOptions: { road: settings } });
    const { targets, values } = await maps(3);
    expect(r.results.road).toEqual(await road(model, inputs, values, { ...settings, target: targets, seed: 3 }));
    expect(r.results.road!.settings).toMatchObject({ percentages: [20, 60], noise: 0.05, score: 'output', seed: 3 });
  });

  it('gives no verdict with one order, and refuses a percentage its declaration refuses', async () => {
    const r = await evaluateExplanations(model, saliency, inputs, { metrics: ['road'], metricOptions: { road: { orders: ['morf'], percentages: [50] } } });
    expect(r.verdicts[0].passes).toBeNull();
    expect(r.verdicts[0].text).toMatch(/^no verdict \(needs both orders\): MoRF average \d/);
    await expect(evaluateExplanations(model, saliency, inputs, { metrics: ['road'], metricOptions: { road: { noise: -1 } } })).rejects.toThrow(/^road: noise must be a number ≥ 0/);
  });
});
