/** The class-recall check: Wilson intervals (statsmodels' values) and a weak class found by name. */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { auditModel } from '../../src/audit/audit.js';
import { CHECK_IDS } from '../../src/audit/checks.js';
import { wilson, type ClassRecall } from '../../src/audit/class-recall-check.js';
import { linearModel } from '../helpers/models.js';

// logits = the first three pixels of a 1×2×2 image: the prediction is whichever we make brightest.
const model = () => new OnnxModel(linearModel([1, 2, 2], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], [0, 0, 0]));

function data(predictions: number[], labels: number[]) {
  const images = new Float32Array(labels.length * 4);
  predictions.forEach((p, i) => (images[i * 4 + p] = 1));
  return { images: tensor([labels.length, 1, 2, 2], images), labels };
}

async function recall(predictions: number[], labels: number[]) {
  const a = await auditModel({ name: 'm', model: model(), data: data(predictions, labels) }, { seed: 1, skip: CHECK_IDS.filter((id) => id !== 'class-recall') });
  return a.findings[0];
}

describe('class-recall check', () => {
  it("Wilson intervals equal statsmodels' proportion_confint(method='wilson')", () => {
    const [lo, hi] = wilson(8, 10);
    expect(lo).toBeCloseTo(0.4901625, 6);
    expect(hi).toBeCloseTo(0.9433178, 6);
    expect(wilson(0, 20)[0]).toBe(0);
  });

  it('flags a class the accuracy hides, naming what it is mistaken for', async () => {
    const labels = [...Array(40).fill(0), ...Array(40).fill(1), ...Array(20).fill(2)];
    const predictions = labels.map((l, i) => (l === 2 && i % 5 !== 0 ? 0 : l));
    const f = await recall(predictions, labels);
    expect(f.id).toBe('class-recall');
    expect(f.verdict).toBe('flag');
    const weak = (f.evidence.perClass as ClassRecall[]).find((e) => e.class === 2)!;
    expect(weak.recall).toBeCloseTo(0.2, 6);
    expect(weak.confusedWith).toBe(0);
    expect(f.summary).toMatch(/class 2: recall 0\.200 .* mostly mistaken for class 0 \(80%\)/);
  });

  it('passes when every class is found about as often as the accuracy says', async () => {
    const labels = Array.from({ length: 60 }, (_, i) => i % 3);
    const predictions = labels.map((l, i) => (i === 7 ? (l + 1) % 3 : l));
    expect((await recall(predictions, labels)).verdict).toBe('pass');
  });
});
