/**
 * The audit of a regressor: the classification checks say NOT RUN (and why), the regression forms
 * give verdicts, and the summary reports MAE/RMSE/R², never accuracy. A linear regressor with
 * Gaussian target noise must get about 90% interval coverage; one whose targets are far noisier on
 * the held-out half cannot (exchangeability broken) and is flagged.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { auditModel, performanceLine } from '../../src/audit/audit.js';
import { getCheck } from '../../src/audit/checks.js';
import { Random } from '../../src/tensor/random.js';
import { holdOutSplit } from '../../src/trust/folds.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor, uniformValues } from '../helpers/models.js';

const N = 200;
const model = new OnnxModel(linearModel([1, 8, 8], uniformValues(64, 2), [0.5]));
const images = randomTensor([N, 1, 8, 8], 3);

async function noisyLabels(std: (i: number) => number): Promise<number[]> {
  const y = await model.forward(images);
  const rng = new Random(4);
  return Array.from(y.data, (v, i) => v + std(i) * rng.normal());
}

const CLASSIFICATION_ONLY = ['leakage', 'calibration', 'class-recall', 'shortcut', 'sanity', 'descriptors', 'conformal'];

describe('the audit of a regressor', () => {
  it('classification checks NOT RUN with the reason; conformal intervals cover ~90%; MAE/RMSE/R² instead of accuracy', async () => {
    const labels = await noisyLabels(() => 0.2);
    const a = await auditModel({ name: 'regressor', model, data: { images, labels } }, { seed: 1, checks: undefined });
    expect(a.task).toBe('regression');
    expect(Number.isNaN(a.accuracy)).toBe(true);
    for (const id of CLASSIFICATION_ONLY) {
      const f = a.findings.find((x) => x.id === id)!;
      expect(f.verdict, id).toBe('not-run');
      expect(f.summary).toMatch(/regressor \(real-valued outputs, not class scores\)/);
    }
    const c = a.findings.find((f) => f.id === 'conformal-intervals')!;
    expect(c.verdict).toBe('pass');
    const out = (c.evidence.outputs as { coverage: number; threshold: number; method: string }[])[0];
    expect(out.method).toBe('split');
    expect(Math.abs(out.coverage - 0.9)).toBeLessThan(0.09);
    // q̂ ≈ z₀.₉₅ · σ = 1.645 · 0.2 within sampling error of 100 calibration residuals.
    expect(out.threshold).toBeGreaterThan(0.25);
    expect(out.threshold).toBeLessThan(0.42);
    expect(a.fit![0].rmse).toBeGreaterThan(0.16);
    expect(a.fit![0].rmse).toBeLessThan(0.24);
    expect(performanceLine(a)).toMatch(/^MAE .*RMSE .*R² /);
    for (const f of a.findings) expect(`${f.summary} ${f.rule}`).not.toMatch(/accuracy|class \d/);
  });

  it('flags intervals whose coverage falls short: the calibration half is quiet, the held-out half noisy', async () => {
    // The check's own split (its seed stream is keyed by its id): noise only on the held-out rows.
    const split = holdOutSplit(N, 0.5, Random.forKey(1, 'conformal-intervals').fork('split').seed())!;
    const testRows = new Set(split.rest);
    const shifted = await noisyLabels((i) => (testRows.has(i) ? 1 : 0.05));
    const a = await auditModel({ name: 'regressor', model, data: { images, labels: shifted } }, { seed: 1 });
    const c = a.findings.find((f) => f.id === 'conformal-intervals')!;
    expect(c.verdict).toBe('flag');
    expect(c.summary).toMatch(/falls short for output 0/);
  });

  it('a classifier gets the regression checks NOT RUN, naming --task', async () => {
    const clf = new OnnxModel(linearModel([1, 8, 8], uniformValues(128, 5), [0, 0]));
    const logits = await clf.forward(images);
    const labels = Array.from({ length: N }, (_, i) => (logits.data[2 * i + 1] > logits.data[2 * i] ? 1 : 0));
    const a = await auditModel({ name: 'classifier', model: clf, data: { images, labels } }, { seed: 1, skip: ['leakage', 'sanity', 'shortcut', 'descriptors'] });
    const c = a.findings.find((f) => f.id === 'conformal-intervals')!;
    expect(c.verdict).toBe('not-run');
    expect(c.summary).toMatch(/class scores, not real-valued outputs \(declare --task regression/);
  });

  it('quantile outputs: CQR conformalises the model band; two outputs declared regression are two audited outputs', async () => {
    // Outputs 0 and 1 are ŷ − 0.1 and ŷ + 0.1: a band too narrow for noise σ = 0.2, which CQR widens.
    const w = uniformValues(64, 2);
    const band = new OnnxModel(linearModel([1, 8, 8], [...w, ...w], [0.4, 0.6]));
    const labels = await noisyLabels(() => 0.2);
    const a = await auditModel({ name: 'band', model: band, data: { images, labels }, task: 'regression', quantiles: [0.05, 0.95] }, { seed: 1, skip: ['ood'] });
    const c = a.findings.find((f) => f.id === 'conformal-intervals')!;
    const out = (c.evidence.outputs as { method: string; rawCoverage: number; coverage: number; threshold: number }[])[0];
    expect(out.method).toBe('cqr');
    expect(out.rawCoverage).toBeLessThan(0.5);
    expect(out.threshold).toBeGreaterThan(0);
    expect(Math.abs(out.coverage - 0.9)).toBeLessThan(0.09);
    const two = await auditModel({ name: 'two', model: band, data: { images, labels }, task: 'regression', targets: tensor([N, 2], Float32Array.from({ length: 2 * N }, (_, j) => labels[j >> 1] + (j % 2 ? 0.1 : -0.1))) }, { seed: 1, skip: ['ood'] });
    expect(two.fit!.map((f) => f.name)).toEqual(['output 0', 'output 1']);
    expect(two.findings.find((f) => f.id === 'conformal-intervals')!.summary).toMatch(/output 0: .*output 1: /);
  });

  it('interval calibration: residual intervals pass on exchangeable noise; a quantile band too narrow for the noise is flagged', async () => {
    const labels = await noisyLabels(() => 0.2);
    const point = await auditModel({ name: 'point', model, data: { images, labels } }, { seed: 1, checks: [getCheck('interval-calibration')] });
    expect(point.findings[0].verdict, point.findings[0].summary).toBe('pass');
    expect(point.findings[0].summary).toMatch(/output 0 \(residual intervals\): 50% interval \d+%, 80% interval/);
    // q0.05 and q0.95 outputs at ŷ ∓ 0.1 for σ = 0.2: P(y ≤ q0.05) = Φ(−0.5) ≈ 0.31, not 0.05.
    const w = uniformValues(64, 2);
    const band = new OnnxModel(linearModel([1, 8, 8], [...w, ...w], [0.4, 0.6]));
    const a = await auditModel({ name: 'band', model: band, data: { images, labels }, quantiles: [0.05, 0.95], task: 'regression' }, { seed: 1, checks: [getCheck('interval-calibration')] });
    expect(a.findings[0].verdict).toBe('flag');
    const pts = (a.findings[0].evidence.perOutput as { points: { nominal: number; observed: number }[] }[])[0].points;
    expect(Math.abs(pts[0].observed - 0.3085)).toBeLessThan(0.1);
    expect(Math.abs(pts[1].observed - 0.6915)).toBeLessThan(0.1);
  });
});

describe('the OOD check on a regressor', () => {
  it('runs without reference labels: real-valued targets are not Mahalanobis classes', async () => {
    const reference = { images: randomTensor([80, 1, 8, 8], 9), labels: new Array<number>(80).fill(0) };
    const labels = await noisyLabels(() => 0.2);
    const a = await auditModel({ name: 'regressor', model, data: { images, labels }, reference }, { seed: 1, checks: [getCheck('ood')] });
    expect(a.findings[0].verdict, a.findings[0].summary).not.toBe('not-run');
    expect(a.findings[0].summary).toMatch(/of the audited images are beyond/);
  }, 60_000);
});
