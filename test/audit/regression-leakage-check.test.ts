/**
 * The regression-leakage check inside the audit: the audited architecture retrained per fold (MSE).
 * On a leaky data set (the target is a per-specimen offset, each image carries its specimen's
 * fingerprint) it is flagged; quantile outputs and a single specimen are NOT RUN with the reason.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { auditModel } from '../../src/audit/audit.js';
import { getCheck } from '../../src/audit/checks.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, uniformValues } from '../helpers/models.js';

const D = 16;
const GROUPS = 8;
const N = 80;

function leaky() {
  const rng = new Random(1);
  const fingerprints = Array.from({ length: GROUPS }, () => Array.from({ length: D }, () => rng.normal()));
  const offsets = Array.from({ length: GROUPS }, () => rng.normal());
  const groups = Array.from({ length: N }, (_, i) => i % GROUPS);
  const images = tensor([N, 1, 4, 4], Array.from({ length: N * D }, (_, j) => fingerprints[groups[Math.floor(j / D)]][j % D] + 0.1 * rng.normal()));
  return { images, labels: groups.map((g) => offsets[g]), groups };
}

const check = [getCheck('regression-leakage')];

describe('regression-leakage check', () => {
  it('flags specimen recognition, speaking of R² and MAE', async () => {
    const model = new OnnxModel(linearModel([1, 4, 4], uniformValues(D, 2), [0]));
    const a = await auditModel({ name: 'leaky', model, data: leaky() }, { seed: 1, checks: check, checkOptions: { 'regression-leakage': { folds: 4 } } });
    const f = a.findings[0];
    expect(f.verdict, f.summary).toBe('flag');
    expect(f.summary).toMatch(/^Leakage suspected: random k-fold R² [\d.]+ vs grouped -?[\d.]+/);
    expect(f.evidence.folds).toBe(4);
    expect(`${f.summary} ${f.rule}`).not.toMatch(/accuracy|class/);
  }, 60_000);

  it('passes a regressor that learned one law for every specimen', async () => {
    const rng = new Random(2);
    const w = Array.from({ length: D }, () => rng.uniform(-1, 1));
    const images = tensor([N, 1, 4, 4], Array.from({ length: N * D }, () => rng.normal()));
    const labels = Array.from({ length: N }, (_, i) => w.reduce((s, wf, f) => s + wf * images.data[i * D + f], 0));
    const model = new OnnxModel(linearModel([1, 4, 4], w, [0]));
    const a = await auditModel({ name: 'physical', model, data: { images, labels, groups: labels.map((_, i) => i % GROUPS) } }, { seed: 1, checks: check, checkOptions: { 'regression-leakage': { folds: 4 } } });
    expect(a.findings[0].verdict, a.findings[0].summary).toBe('pass');
    expect((a.findings[0].evidence.groupKFold as { r2: { mean: number } }).r2.mean).toBeGreaterThan(0.8);
  }, 60_000);

  it('NOT RUN for quantile outputs and for a single specimen, with the reason', async () => {
    const d = leaky();
    const w = uniformValues(D, 2);
    const band = new OnnxModel(linearModel([1, 4, 4], [...w, ...w], [-0.1, 0.1]));
    const q = await auditModel({ name: 'band', model: band, data: d, quantiles: [0.1, 0.9] }, { seed: 1, checks: check });
    expect(q.findings[0].verdict).toBe('not-run');
    expect(q.findings[0].summary).toMatch(/pinball/);
    const model = new OnnxModel(linearModel([1, 4, 4], w, [0]));
    const one = await auditModel({ name: 'one', model, data: { ...d, groups: new Array(N).fill(3) } }, { seed: 1, checks: check });
    expect(one.findings[0].summary).toMatch(/1 specimen group/);
  });
});
