/**
 * The shortcut check on a ten-class problem (issue 22): one class carries a small watermark in train
 * and test, beside strong real evidence. Pasting the mark into other classes is not sufficient to fake
 * the class (the old transplant-only rule missed it), but erasing it is enough to lose the class: the
 * necessity test must FLAG that class. The same recipe without the mark must PASS; with a too-tight
 * ROI (only the objects' centres) the real evidence lies outside it, which must stay at most WARN and
 * say the ROI may be too tight.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateShapeClasses, type ShapeClassSet } from '../../src/data/synthetic/shape-classes.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { trainClassifier } from '../../src/models/train.js';
import { OnnxModel } from '../../src/models/model.js';
import { auditModel } from '../../src/audit/audit.js';
import { CHECK_IDS } from '../../src/audit/checks.js';
import type { ClassShortcutEvidence } from '../../src/audit/shortcut-check.js';

const WATERMARK = { class: 3, size: 4, intensity: 0.55 } as const;

async function trained(train: ShapeClassSet): Promise<OnnxModel> {
  const r = await trainClassifier(tinyCnn({ classes: 10, seed: 12, hidden: 64 }), train.images, train.labels, {
    epochs: 12,
    batchSize: 64,
    learningRate: 3e-3,
    weightDecay: 0,
    schedule: 'cosine',
    seed: 14,
  });
  return new OnnxModel(r.graph, { internalBatchSize: 256 });
}

async function shortcutFinding(model: OnnxModel, test: ShapeClassSet, name: string) {
  const audit = await auditModel({ name, model, data: test }, { seed: 1, skip: CHECK_IDS.filter((id) => id !== 'shortcut') });
  const f = audit.findings.find((x) => x.id === 'shortcut')!;
  return { audit, finding: f, perClass: (f.evidence as { perClass: ClassShortcutEvidence[] }).perClass };
}

describe('shortcut check on many classes', () => {
  let watermarked: OnnxModel;
  let clean: OnnxModel;
  const markedTest = generateShapeClasses({ count: 1000, seed: 1000, watermark: WATERMARK });
  const cleanTest = generateShapeClasses({ count: 1000, seed: 1000 });
  const tightTest = generateShapeClasses({ count: 1000, seed: 1000, roi: 'core' });

  beforeAll(async () => {
    watermarked = await trained(generateShapeClasses({ count: 5000, seed: 1, watermark: WATERMARK }));
    clean = await trained(generateShapeClasses({ count: 5000, seed: 1 }));
  });

  it('flags the watermarked class by necessity, though pasting the mark fakes it rarely', async () => {
    const { audit, finding, perClass } = await shortcutFinding(watermarked, markedTest, 'watermarked');
    expect(audit.accuracy).toBeGreaterThan(0.85);
    expect(finding.verdict).toBe('flag');
    expect(perClass.filter((e) => e.verdict === 'flag').map((e) => e.class)).toEqual([WATERMARK.class]);
    const marked = perClass.find((e) => e.class === WATERMARK.class)!;
    expect(marked.fired).toContain('necessity');
    // The old rule alone (transplant flips ≥ 50%) would not have fired: the mark is not sufficient.
    expect(marked.transplant.flipRate).toBeLessThan(0.5);
    expect(finding.summary).toMatch(/Shortcut in class 3/);
    expect(finding.summary).not.toMatch(/NaN/);
  });

  it('passes the same recipe without the watermark', async () => {
    const { finding, perClass } = await shortcutFinding(clean, cleanTest, 'clean');
    expect(perClass.map((e) => [e.class, e.verdict, e.fired.join('+'), JSON.stringify(e.scales.map((s) => [s.window, s.necessity.control.probabilityShift.toFixed(2), s.sufficiency.control.probabilityShift.toFixed(2), s.sufficiencyExcess.toFixed(2), s.necessityExcess.toFixed(2), s.roiDistance, (s.sufficiency.lowMargin.hotspot.probabilityShift - s.sufficiency.lowMargin.control.probabilityShift).toFixed(2)]))]).filter(([, v]) => v !== 'pass')).toEqual([]);
    expect(finding.verdict).toBe('pass');
  });

  it('stays at most WARN when the real evidence extends outside a too-tight ROI, and says so', async () => {
    const { finding } = await shortcutFinding(clean, tightTest, 'tight ROI');
    expect(finding.verdict).not.toBe('flag');
    if (finding.verdict === 'warn') expect(finding.summary).toMatch(/ROI may be too tight/);
  });
});
