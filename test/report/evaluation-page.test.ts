/** The evaluate page: sections only for the checks that ran, verdict marks, escaped text, inline pictures. */
import { describe, expect, it } from 'vitest';
import { renderEvaluationPage } from '../../src/report/evaluation-page.js';
import { evaluateExplanations } from '../../src/evaluate/evaluate.js';
import { OnnxModel } from '../../src/models/model.js';
import { saliency } from '../../src/attribution/saliency.js';
import type { Explainer } from '../../src/attribution/explainer.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { randomTensor } from '../helpers/models.js';

const oddlyNamed: Explainer = { ...saliency, name: 'sal<script>' };

describe('renderEvaluationPage', () => {
  it('shows the checks that ran, with one picture row per example and escaped names', async () => {
    const model = new OnnxModel(tinyCnn({ size: 12, seed: 2 }));
    const x = randomTensor([4, 1, 12, 12], 3);
    const result = await evaluateExplanations(model, oddlyNamed, x, { metrics: ['randomisation', 'complexity'], metricOptions: { randomisation: { modes: ['cascading'], keepMaps: 2 } } });
    const html = await renderEvaluationPage({ result, inputs: x, modelName: 'tiny & small.onnx', examples: 2 });
    expect(html).toContain('sal&lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('tiny &amp; small.onnx');
    for (const id of ['verdicts', 'randomisation', 'complexity']) expect(html).toContain(`id="${id}"`);
    for (const id of ['localisation', 'faithfulness', 'robustness']) expect(html).not.toContain(`id="${id}"`);
    // Two examples × (image + trained map + one map per cascade step over fc2, fc1, conv2, conv1).
    expect(html.match(/<img src="data:image\/png;base64,/g)!.length).toBe(2 * (2 + 4));
    // Each verdict line carries ✔/✘ (a judgement) or ℹ (a description).
    const marks = [...html.matchAll(/<li><strong>([✔✘ℹ]) (\w+)<\/strong>/g)].map((m) => [m[1], m[2]]);
    expect(marks).toEqual([[result.verdicts[0].passes ? '✔' : '✘', 'randomisation'], ['ℹ', 'complexity']]);
    expect(html).toContain('<svg');
    await model.dispose();
  });
});
