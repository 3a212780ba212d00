/**
 * Input invariance (Kindermans et al. 2017) through the registry. The shift-absorbed network is
 * checked first: on a linear model its bias is b − c·ΣW (by hand), on the tiny CNN (a padded first
 * Conv, so a Pad with the shift) its outputs on x + c equal the model's on x. Then the paper's known
 * outcomes: gradients pass; input×gradient and integrated gradients with a zero baseline fail;
 * integrated gradients with the baseline shifted too passes. On the linear model the change of
 * input×gradient is known exactly: ‖W·c‖ / ‖W ⊙ x‖.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { inputXGradient } from '../../../src/attribution/input-x-gradient.js';
import { integratedGradients } from '../../../src/attribution/integrated-gradients.js';
import { saliency } from '../../../src/attribution/saliency.js';
import { evaluateExplanations } from '../../../src/evaluate/evaluate.js';
import { shiftAbsorbedModel } from '../../../src/evaluate/shift-absorbed-model.js';
import { OnnxModel } from '../../../src/models/model.js';
import { tinyCnn } from '../../../src/models/zoo/tiny-cnn.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../../helpers/models.js';

const S = 12;
const cnn = new OnnxModel(tinyCnn({ size: S, seed: 9 }));
const inputs = randomTensor([3, 1, S, S], 10);
const D = 2 * 3 * 3;
const W = uniformValues(2 * D, 5);
const B = [0.3, -0.2];
const linear = new OnnxModel(linearModel([2, 3, 3], W, B));
const linearInputs = randomTensor([2, 2, 3, 3], 6);
afterAll(async () => {
  await cnn.dispose();
  await linear.dispose();
});

const shifted = (x: typeof inputs, c: number) => tensor(x.shape, x.data.map((v) => v + c));

describe('the shift-absorbed network', () => {
  it('Gemm after Flatten: the bias becomes b − c·ΣW (by hand) and the outputs do not change', async () => {
    const c = -0.7;
    const m = shiftAbsorbedModel(linear, c);
    const bias = [...m.graph.initializers.entries()].find(([k]) => k.endsWith('_shift_absorbed_bias'))![1].data;
    for (let k = 0; k < 2; k++) expect(bias[k]).toBeCloseTo(B[k] - c * W.slice(k * D, (k + 1) * D).reduce((a, b) => a + b, 0), 5);
    expect(maxAbsDiff((await m.forward(shifted(linearInputs, c))).data, (await linear.forward(linearInputs)).data)).toBeLessThan(1e-5);
    await m.dispose();
  });

  it('padded first Conv: a Pad with the shift keeps the borders exact', async () => {
    for (const c of [1, -2.5]) {
      const m = shiftAbsorbedModel(cnn, c);
      expect(m.graph.nodes.some((n) => n.opType === 'Pad')).toBe(true);
      const a = (await m.forward(shifted(inputs, c))).data;
      const b = (await cnn.forward(inputs)).data;
      expect(maxAbsDiff(a, b) / Math.max(...[...b].map(Math.abs))).toBeLessThan(1e-5);
      await m.dispose();
    }
  });
});

describe('input-invariance as a registered metric', () => {
  const run = async (explainer: Parameters<typeof evaluateExplanations>[1], baseline: 'same' | 'shifted', model = cnn, x = inputs, shift = 1) =>
    evaluateExplanations(model, explainer, x, { metrics: ['input-invariance'], metricOptions: { 'input-invariance': { shift, baseline } } });

  it('saliency passes (a gradient does not see the offset)', async () => {
    const r = await run(saliency, 'same');
    expect(r.verdicts[0].passes).toBe(true);
    expect(r.verdicts[0].text).toMatch(/^input-invariant: /);
    expect(Math.max(...r.results['input-invariance']!.relativeChange)).toBeLessThan(1e-4);
  });

  it('input×gradient fails, and on a linear model by exactly ‖W·c‖ / ‖W ⊙ x‖', async () => {
    expect((await run(inputXGradient, 'same')).verdicts[0].passes).toBe(false);
    const c = 0.5;
    const r = await run(inputXGradient, 'same', linear, linearInputs, c);
    expect(r.verdicts[0].passes).toBe(false);
    expect(r.verdicts[0].text).toMatch(/^not input-invariant: 2 of 2 map\(s\) change/);
    r.targets.forEach((k, i) => {
      const w = W.slice(k * D, (k + 1) * D);
      const x = linearInputs.data.slice(i * D, (i + 1) * D);
      const expected = Math.sqrt(w.reduce((s, v) => s + (v * c) ** 2, 0) / w.reduce((s, v, j) => s + (v * x[j]) ** 2, 0));
      expect(r.results['input-invariance']!.relativeChange[i]).toBeCloseTo(expected, 4);
    });
  });

  it('integrated gradients fails with a zero baseline and passes with the baseline shifted too', async () => {
    expect((await run(integratedGradients, 'same')).verdicts[0].passes).toBe(false);
    const moved = await run(integratedGradients, 'shifted');
    expect(moved.verdicts[0].passes).toBe(true);
    expect(moved.verdicts[0].text).toContain('baseline shifted with it');
  });
});
