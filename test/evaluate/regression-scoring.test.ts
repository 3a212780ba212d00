/**
 * evaluate on a regressor: a one-output linear model f(x) = w·x + b. Input×gradient gives exactly
 * w ⊙ x, and with a zero baseline removing a subset S drops the output by exactly Σ_{j∈S} w_j x_j, so
 * the faithfulness correlation is 1 (analytic). The deletion curve must follow the raw output (from
 * f(x) down to b when every pixel is zero), not the softmax of one output (always 1).
 */
import { describe, expect, it } from 'vitest';
import { evaluateExplanations } from '../../src/evaluate/evaluate.js';
import { getExplainer } from '../../src/attribution/registry.js';
import { OnnxModel } from '../../src/models/model.js';
import { linearModel, randomTensor, uniformValues } from '../helpers/models.js';

const H = 6;
const W = 6;
const D = H * W;
const w = uniformValues(D, 41, -1, 1);
const b = 0.3;
const model = new OnnxModel(linearModel([1, H, W], w, [b]));
const x = randomTensor([3, 1, H, W], 42, 0, 1);
const f = (i: number) => b + Array.from({ length: D }, (_, j) => w[j] * x.data[i * D + j]).reduce((s, v) => s + v, 0);

describe('evaluate on a regressor', () => {
  it('scores faithfulness on the raw output: correlation 1 with the exact map w ⊙ x, deletion from f(x) to b', async () => {
    const r = await evaluateExplanations(model, getExplainer('input-x-gradient'), x, { metrics: ['faithfulness'], task: 'regression', metricOptions: { faithfulness: { runs: 30, subsetSize: 8 } } });
    expect(r.task).toBe('regression');
    expect(r.targets).toEqual([0, 0, 0]);
    for (const v of r.faithfulness!.correlation.perImage) expect(v).toBeCloseTo(1, 5);
    const del = r.faithfulness!.deletionInsertion;
    expect(del.settings.score).toBe('output');
    del.deletion!.curves.forEach((curve, i) => {
      expect(curve[0]).toBeCloseTo(f(i), 4);
      expect(curve[curve.length - 1]).toBeCloseTo(b, 4);
    });
    expect(r.verdicts[0].text).toMatch(/raw output/);
  });

  it('the same model read as class scores is the old bug: a softmax over one output is flat at 1', async () => {
    const r = await evaluateExplanations(model, getExplainer('input-x-gradient'), x, { metrics: ['faithfulness'], metricOptions: { faithfulness: { runs: 30, subsetSize: 8 } } });
    for (const curve of r.faithfulness!.deletionInsertion.deletion!.curves) for (const v of curve) expect(v).toBeCloseTo(1, 6);
  });

  it('refuses a metric that compares predicted classes, and a vector regressor without a target', async () => {
    await expect(evaluateExplanations(model, getExplainer('saliency'), x, { metrics: ['sufficiency'], task: 'regression' })).rejects.toThrow(/not class scores/);
    const two = new OnnxModel(linearModel([1, H, W], [...w, ...w], [0, 1]));
    await expect(evaluateExplanations(two, getExplainer('saliency'), x, { metrics: ['complexity'], task: 'regression' })).rejects.toThrow(/--target k/);
    const r = await evaluateExplanations(two, getExplainer('saliency'), x, { metrics: ['complexity', 'randomisation'], task: 'regression', target: 1 });
    expect(r.targets).toEqual([1, 1, 1]);
    // The random-other-target test of a vector regressor speaks of outputs.
    expect(r.verdicts.find((v) => v.check === 'randomisation')!.text).toMatch(/random-output ρ .* with the output\)/);
  });
});
