/**
 * The drift check on generated scenarios: a model whose accuracy and confidence drop halfway
 * through acquisition (FLAG, change found at the middle), the same model without drift (PASS), and
 * inputs that drift while the answers hold (WARN, OOD score only). The logits are the images' two
 * pixels (a linear model), so each scenario sets exactly what the model says.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/tensor/random.js';
import { auditModel } from '../../src/audit/audit.js';
import { CHECK_IDS } from '../../src/audit/checks.js';
import { rollingMean, timeOrder } from '../../src/audit/drift-check.js';
import type { AuditInput } from '../../src/audit/check.js';
import { linearModel } from '../helpers/models.js';

const model = () => new OnnxModel(linearModel([1, 1, 2], [1, 0, 0, 1], [0, 0]));

/**
 * n images acquired at shuffled times 0..n−1; the image at time t is right with probability
 * `accuracy(t)` at logit margin `margin(t)`, both logits raised by `offset(t)` (moves the energy, not the softmax).
 */
function scenario(n: number, accuracy: (t: number) => number, margin: (t: number) => number, offset: (t: number) => number = () => 0): AuditInput {
  const rng = new Random(9);
  const times = rng.permutation(n);
  const labels: number[] = [];
  const pixels = new Float32Array(n * 2);
  times.forEach((t, i) => {
    const label = i % 2;
    const right = rng.next() < accuracy(t);
    const predicted = right ? label : 1 - label;
    pixels[i * 2 + predicted] = margin(t) + offset(t);
    pixels[i * 2 + (1 - predicted)] = offset(t);
    labels.push(label);
  });
  return { name: 'm', model: model(), data: { images: tensor([n, 1, 1, 2], pixels), labels }, acquisitionTime: { values: times, unit: 'acquisition order' } };
}

async function drift(input: AuditInput) {
  const a = await auditModel(input, { seed: 1, skip: CHECK_IDS.filter((id) => id !== 'drift') });
  return a.findings[0];
}

interface SeriesEvidence {
  name: string;
  changes: { index: number; pValue: number; before: number; after: number }[];
}

describe('drift check', () => {
  it('flags accuracy and confidence that drop halfway through acquisition, at the middle', async () => {
    const f = await drift(scenario(400, (t) => (t < 200 ? 0.97 : 0.75), (t) => (t < 200 ? 3 : 1)));
    expect(f.id).toBe('drift');
    expect(f.verdict).toBe('flag');
    const series = f.evidence.series as SeriesEvidence[];
    for (const name of ['accuracy', 'confidence']) {
      const s = series.find((e) => e.name === name)!;
      expect(s.changes.length, name).toBeGreaterThan(0);
      // A 0/1 series locates its change less sharply than the confidences (a deterministic step here).
      expect(Math.abs(s.changes[0].index - 200), name).toBeLessThanOrEqual(name === 'accuracy' ? 30 : 0);
      expect(s.changes[0].pValue).toBeLessThan(0.005);
    }
    const confidence = series.find((e) => e.name === 'confidence')!.changes[0];
    // Softmax of margins 3 and 1: 0.953 and 0.731.
    expect(confidence.before).toBeCloseTo(1 / (1 + Math.exp(-3)), 2);
    expect(confidence.after).toBeCloseTo(1 / (1 + Math.exp(-1)), 2);
    expect(f.summary).toMatch(/accuracy and confidence changed over acquisition time/);
    expect(f.headline).toMatch(/its accuracy changed over acquisition time/);
    const figures = f.figures!.filter((g) => g.kind === 'change-point');
    expect(figures).toHaveLength(3);
  });

  it('passes the same model without drift', async () => {
    const f = await drift(scenario(400, () => 0.9, () => 2));
    expect(f.verdict).toBe('pass');
    for (const s of f.evidence.series as SeriesEvidence[]) expect(s.changes, s.name).toEqual([]);
  });

  it('warns when only the inputs drift (OOD score) and the answers hold', async () => {
    const f = await drift(scenario(400, () => 0.9, () => 2, (t) => (t < 200 ? 0 : 3)));
    expect(f.verdict).toBe('warn');
    expect(f.summary).toMatch(/inputs changed/);
  });

  it('is NOT RUN without acquisition times, naming the flag', async () => {
    const input = scenario(40, () => 0.9, () => 2);
    const f = await drift({ ...input, acquisitionTime: undefined });
    expect(f.verdict).toBe('not-run');
    expect(f.summary).toMatch(/--acquisition-time/);
  });

  it('orders by time (stable on ties, splits only between distinct times) and smooths with a centred window', () => {
    expect(timeOrder([5, 1, 5, 1, 3])).toEqual({ order: [1, 3, 4, 0, 2], splits: [2, 3] });
    expect(rollingMean([0, 0, 1, 1], 3)).toEqual([0, 1 / 3, 2 / 3, 1]);
  });
});
