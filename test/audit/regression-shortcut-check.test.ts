/**
 * The regression shortcut check on the corner scenario (test/helpers/regression-scenario.ts): the
 * regressor that averages the ROI passes, the one that reads the bright corner instead is flagged by
 * the transplant and erase edits — both predict the target almost perfectly.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { auditModel } from '../../src/audit/audit.js';
import { getCheck } from '../../src/audit/checks.js';
import { inCorner, inRoi, meanOverRegion, regressionScenario } from '../helpers/regression-scenario.js';

const data = regressionScenario(60, 5);
const audit = (graph: ReturnType<typeof meanOverRegion>) =>
  auditModel({ name: 'r', model: new OnnxModel(graph), data: { images: data.images, labels: data.targets, masks: { roi: data.roi } } }, { seed: 2, checks: [getCheck('regression-shortcut')] });

describe('regression-shortcut check', () => {
  it('passes the ROI reader and flags the corner reader, with shifts in output SDs', async () => {
    const clean = await audit(meanOverRegion(inRoi));
    const shortcut = await audit(meanOverRegion(inCorner));
    expect(clean.fit![0].r2).toBeGreaterThan(0.99);
    expect(shortcut.fit![0].r2).toBeGreaterThan(0.99);
    const c = clean.findings[0];
    const s = shortcut.findings[0];
    expect(c.verdict, c.summary).toBe('pass');
    expect(s.verdict, s.summary).toBe('flag');
    expect(s.summary).toMatch(/Shortcut in output 0/);
    expect(s.summary).toMatch(/fired: transplant, erase/);
    const per = (s.evidence.perOutput as { roiShare: number; scales: { window: number; paste: { hotspot: number } }[]; outputStd: number }[])[0];
    expect(per.roiShare).toBeLessThan(0.01);
    // Pasting corner i into tile i + 1 moves the output by |y_i − y_{i+1}|: for y ~ U(0, 1) about 1/3 = 1.15 SD.
    const four = per.scales.find((x) => x.window === 4)!;
    expect(four.paste.hotspot / per.outputStd).toBeGreaterThan(0.5);
    expect(`${s.summary} ${s.rule}`).not.toMatch(/class|accuracy/);
  });
});
