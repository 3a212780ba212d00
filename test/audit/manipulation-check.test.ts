/**
 * The manipulation check on generated scenarios with known answers: a linear model's saliency is
 * its weight vector and cannot move (must PASS), a small ReLU CNN's gradient map moves far under a
 * 3% perturbation that keeps the prediction (must FLAG). By default the check is opt-in (NOT RUN,
 * saying how to run it).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { auditModel } from '../../src/audit/audit.js';
import type { AuditInput } from '../../src/audit/check.js';
import { manipulationCheck } from '../../src/audit/manipulation-check.js';
import { generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { linearModel, uniformValues } from '../helpers/models.js';

const S = 32;
const set = generateEmDefects({ count: 20, seed: 8 });
const data = { images: set.images, labels: set.labels };
const linear = new OnnxModel(linearModel([1, S, S], uniformValues(2 * S * S, 7), [0.1, -0.1]));
const cnn = new OnnxModel(tinyCnn({ size: S, width: 16, hidden: 128, seed: 5 }));
afterAll(async () => {
  await linear.dispose();
  await cnn.dispose();
});

const audit = (model: OnnxModel, options: Record<string, unknown> = { images: 4, steps: 30 }) => {
  const input: AuditInput = { name: 'generated', model, data };
  return auditModel(input, { seed: 1, checks: [manipulationCheck], checkOptions: { manipulation: options } });
};

describe('the manipulation check', () => {
  it('is opt-in: NOT RUN by default, naming the flag that runs it', async () => {
    const [f] = (await audit(linear, {})).findings;
    expect(f.verdict).toBe('not-run');
    expect(f.summary).toMatch(/^opt-in: give --manipulation-images N/);
  });

  it("does not fire on a linear model (its saliency is the weight vector wherever the input is)", async () => {
    const [f] = (await audit(linear)).findings;
    expect(f.verdict).toBe('pass');
    const perImage = f.evidence.perImage as { mapChange: number; classKept: boolean }[];
    expect(perImage).toHaveLength(4);
    for (const i of perImage) expect(i.mapChange).toBe(0);
    expect(f.figures?.map((g) => g.kind)).toEqual(['manipulation', 'table']);
  }, 60_000);

  it('fires on a small ReLU CNN: maps move with the prediction kept', async () => {
    const [f] = (await audit(cnn)).findings;
    expect(f.verdict).toBe('flag');
    expect(f.headline).toMatch(/^a perturbation of 3\.0% of the value range moves its saliency maps/);
    const perImage = f.evidence.perImage as { manipulated: boolean; classKept: boolean }[];
    expect(perImage.filter((i) => i.manipulated).length).toBeGreaterThanOrEqual(2);
    expect(perImage.every((i) => i.classKept)).toBe(true);
    // Evidence is plain numbers (audit.json), the pictures are figure data only.
    expect(JSON.stringify(f.evidence)).not.toMatch(/"data":/);
  }, 60_000);
});
