/**
 * The reference scenario end to end, with the default settings and seed the README reports:
 * both models are accurate, and only the explanations and the intervention tell them apart.
 * The thresholds are the lecture notebook's figures (see SPEC.md).
 */
import { describe, expect, it } from 'vitest';
import { demoSummary, runDemo } from '../../src/audit/demo.js';

describe('trustscope demo scenario (seed 1)', () => {
  it('reproduces the lecture notebook\'s findings', async () => {
    const result = await runDemo({ seed: 1 });
    const s = demoSummary(result);
    // Accuracy cannot tell the two apart.
    expect(s.clean.testAccuracy).toBeGreaterThanOrEqual(0.99);
    expect(s.shortcut.testAccuracy).toBeGreaterThanOrEqual(0.99);
    // Explanations can.
    expect(s.clean.saliency.ratio).toBeGreaterThanOrEqual(3.2);
    expect(s.clean.occlusion.ratio).toBeGreaterThanOrEqual(100);
    // The lecture reports 9.3×. With PyTorch's MaxPool tie rule (first maximum) our shortcut model gives
    // 5.6–8.1× over seeds 1–5 (7.7× on seed 1); the earlier every-tied-maximum rule overcounted the
    // saturated corner up to 4× and read 10.4–15.1×. The corner still dominates by a wide margin.
    expect(s.shortcut.saliency.ratio).toBeGreaterThanOrEqual(5);
    expect(s.shortcut.occlusion.corner).toBeGreaterThan(s.shortcut.occlusion.defectRegion);
    // The intervention: the shortcut model acts on the artifact, the clean one does not.
    expect(s.shortcut.intervention.injectedDefectRate).toBeGreaterThan(0.5);
    expect(s.shortcut.intervention.removedArtifactAccuracy).toBeLessThan(0.75);
    expect(s.clean.intervention.injectedDefectRate).toBeLessThan(0.05);
    expect(s.clean.intervention.removedArtifactAccuracy).toBeGreaterThanOrEqual(0.98);
    // Region means are means of maps scaled to [−1, 1].
    for (const v of [s.clean.saliency.insideDefect, s.clean.saliency.outsideDefect, s.shortcut.saliency.corner, s.shortcut.saliency.defectRegion]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    // demo.json carries exactly the specified keys.
    expect(Object.keys(s)).toEqual(['seed', 'clean', 'shortcut']);
    expect(Object.keys(s.clean)).toEqual(['testAccuracy', 'saliency', 'occlusion', 'intervention']);
    expect(Object.keys(s.shortcut.saliency)).toEqual(['corner', 'defectRegion', 'ratio']);
    expect(Object.keys(s.clean.intervention)).toEqual(['injectedDefectRate', 'removedArtifactAccuracy']);
  }, 300_000);

  it('is deterministic for a seed', async () => {
    const settings = { trainImages: 400, testImages: 100, explainImages: 10, epochs: 2 };
    const a = demoSummary(await runDemo({ seed: 7, settings }));
    const b = demoSummary(await runDemo({ seed: 7, settings }));
    expect(a).toEqual(b);
  }, 300_000);
});
