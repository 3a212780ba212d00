/** The evaluate page: sections only for the checks that ran, verdict marks, escaped text, inline pictures. */
import { describe, expect, it } from 'vitest';
import { renderEvaluationPage } from '../../src/report/evaluation-page.js';
import { evaluateExplanations } from '../../src/evaluate/evaluate.js';
import { OnnxModel } from '../../src/models/model.js';
import { saliency } from '../../src/attribution/saliency.js';
import type { Explainer } from '../../src/attribution/explainer.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { randomTensor } from '../helpers/models.js';
import { NO_PIXEL_SIZE } from '../../src/report/scale-bar.js';

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
    // Every map (not the images) carries its colour bar, and the randomisation axis names the layers as the maps do.
    expect(html.match(/<svg class="colourbar"/g)!.length).toBe(2 * (1 + 4));
    for (const layer of ['fc2', 'fc1', 'conv2', 'conv1']) expect(html).toContain(`>→ ${layer}</text>`);
    // Each verdict line carries ✔/✘ (a judgement) or ℹ (a description).
    const marks = [...html.matchAll(/<li><strong>([✔✘ℹ]) (\w+)<\/strong>/g)].map((m) => [m[1], m[2]]);
    expect(marks).toEqual([[result.verdicts[0].passes ? '✔' : '✘', 'randomisation'], ['ℹ', 'complexity']]);
    expect(html).toContain('<svg');
    await model.dispose();
  });

  it('draws a scale bar over every picture of calibrated inputs, and says once when there is no pixel size', async () => {
    const model = new OnnxModel(tinyCnn({ size: 12, seed: 2 }));
    const x = randomTensor([2, 1, 12, 12], 3);
    const result = await evaluateExplanations(model, saliency, x, { metrics: ['randomisation'], metricOptions: { randomisation: { modes: ['cascading'], keepMaps: 1 } } });
    // 12 px × 2.5 nm = 30 nm; 15–25% = 4.5–7.5 nm → 5 nm = 2 px.
    const calibrated = await renderEvaluationPage({ result, inputs: x, examples: 1, calibration: { pixelWidth: 2.5, pixelHeight: 2.5, unit: 'nm', width: 12, height: 12 } });
    const pictures = calibrated.match(/<img src="data:image\/png;base64,/g)!.length;
    expect(calibrated.match(/<svg class="scalebar" viewBox="0 0 12 12"/g)!.length).toBe(pictures);
    expect(calibrated.match(/<rect class="bar" [^>]*width="2" /g)!.length).toBe(pictures);
    expect(calibrated).toContain('>5 nm</text>');
    expect(calibrated).not.toContain(NO_PIXEL_SIZE);
    const plain = await renderEvaluationPage({ result, inputs: x, examples: 1 });
    expect(plain).not.toContain('class="scalebar"');
    expect(plain.split(NO_PIXEL_SIZE).length).toBe(2);
    await model.dispose();
  });
});
