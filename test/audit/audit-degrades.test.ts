/**
 * A check whose assumptions do not hold says NOT RUN and why — never a verdict: a regressor gets no
 * classification verdicts (and no "accuracy"), and a model with an op that has no gradient rule gets
 * its gradient-based checks NOT RUN while the forward-only checks still run.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { auditModel } from '../../src/audit/audit.js';
import { CHECKS } from '../../src/audit/checks.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { attr, floatTensorValue } from '../../src/onnx/graph.js';
import { linearModel, randomTensor, uniformValues } from '../helpers/models.js';

function sineModel(): OnnxModel {
  // Sin has no gradient rule (yet): the forward pass works, every gradient method cannot.
  const e = new GraphEditor('sine');
  const x = e.input('x', ['N', 1, 8, 8]);
  const r = e.node('Sin', [x], {}, 1, 'sin')[0];
  e.initializer('fc.weight', floatTensorValue([2, 64], uniformValues(128, 4)));
  e.initializer('fc.bias', floatTensorValue([2], [0, 0]));
  const flat = e.node('Flatten', [r], { axis: attr.int(1) }, 1, 'flatten')[0];
  const y = e.node('Gemm', [flat, 'fc.weight', 'fc.bias'], { transB: attr.int(1) }, 1, 'fc')[0];
  e.output(y, ['N', 2]);
  return new OnnxModel(e.build());
}

describe('the audit degrades instead of judging what it cannot', () => {
  it('a one-output regressor: every classification check is NOT RUN and says why; no accuracy', async () => {
    const regressionForms = new Set(CHECKS.filter((c) => c.needs.some((n) => n.input === 'regressor')).map((c) => c.id));
    const model = new OnnxModel(linearModel([1, 8, 8], uniformValues(64, 2), [0.5]));
    const images = randomTensor([30, 1, 8, 8], 3);
    const a = await auditModel({ name: 'regressor', model, data: { images, labels: new Array(30).fill(0) } }, { seed: 1 });
    expect(Number.isNaN(a.accuracy)).toBe(true);
    for (const f of a.findings) {
      if (regressionForms.has(f.id)) continue;
      expect(f.verdict, f.id).toBe('not-run');
      // ood and confounder-probe serve any task (features, not class scores): they are NOT RUN here for want of inputs.
      if (f.id !== 'ood' && f.id !== 'confounder-probe') expect(f.summary).toMatch(/a regressor \(real-valued outputs, not class scores\)/);
    }
  });

  it('an op without a gradient rule: gradient-based checks NOT RUN with the op named, the others run', async () => {
    const model = sineModel();
    const images = randomTensor([40, 1, 8, 8], 5, 0, 3);
    const logits = await model.forward(images);
    const labels = Array.from({ length: 40 }, (_, i) => (logits.data[2 * i + 1] > logits.data[2 * i] ? 1 : 0));
    const a = await auditModel({ name: 'sine', model, data: { images, labels } }, { seed: 1 });
    const sanity = a.findings.find((f) => f.id === 'sanity')!;
    expect(sanity.verdict).toBe('not-run');
    expect(sanity.summary).toMatch(/needs the model's gradient.*no gradient rule for op 'Sin'/);
    expect(a.findings.find((f) => f.id === 'calibration')!.verdict).not.toBe('not-run');
  });
});
