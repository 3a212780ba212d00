/**
 * The remedy loop on a small version of the demo (fewer tiles and epochs, only the two checks the
 * remedy is judged by): the shortcut model is flagged, the augmented retraining is not, and its
 * accuracy on artifact-free tiles rises; remedy.json has the keys; the page shows both sides.
 * The full-size figures (3 seeds, both remedies) are in README "Remedy".
 */
import { CHECK_IDS } from '../../src/audit/checks.js';
import { describe, expect, it } from 'vitest';
import { remedyJson, runDemoRemedy, type RemedyResult } from '../../src/audit/remedy.js';
import { renderRemedyPage } from '../../src/report/remedy-page.js';

const SMALL = { trainImages: 1000, testImages: 300, epochs: 8 };
// Every check but the two that judge the remedy (derived from the registry, so new checks stay out too).
const ONLY_REMEDY_CHECKS = CHECK_IDS.filter((id) => id !== 'shortcut' && id !== 'intervention');

describe('runDemoRemedy (small demo, seed 1)', () => {
  let result: RemedyResult;

  it('retrains with counterfactual augmentation: the flags clear and artifact-free accuracy rises', async () => {
    const stages = new Set<string>();
    result = await runDemoRemedy({ seed: 1, settings: SMALL, remedies: ['counterfactual-augmentation'], skip: ONLY_REMEDY_CHECKS, onProgress: (s) => stages.add(s) });
    const json = remedyJson(result);
    expect(json.remedies).toHaveLength(1);
    const [r] = json.remedies;
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['name', 'lambda', 'before', 'after', 'artifactFreeAccuracy']));
    expect(r.name).toBe('counterfactual-augmentation');
    expect(r.lambda).toBeNull();
    expect(Object.keys(r.before.verdicts).sort()).toEqual(['intervention', 'shortcut']);
    expect(r.before.verdicts).toEqual({ shortcut: 'flag', intervention: 'flag' });
    expect(r.after.verdicts.shortcut).not.toBe('flag');
    expect(r.after.verdicts.intervention).toBe('pass');
    // The shortcut model guesses on tiles without the corner; the remedied one finds the defect.
    expect(r.artifactFreeAccuracy.before).toBeLessThan(0.7);
    expect(r.artifactFreeAccuracy.after).toBeGreaterThan(0.9);
    // Saliency moves from the corner to the defect.
    expect(r.saliency.after.artifactOverRoi).toBeLessThan(r.saliency.before.artifactOverRoi);
    expect([...stages].some((s) => s.startsWith('training the counterfactual-augmentation model'))).toBe(true);
  }, 600_000);

  it('the page shows the verdicts, accuracies and overlays before and after', () => {
    const html = renderRemedyPage(result);
    expect(html).toContain('counterfactual-augmentation');
    expect(html).toContain("verdict: shortcut");
    expect(html).toContain("shortcut model (before)");
    expect(html).toContain(result.remedies[0].artifactFreeAccuracy.toFixed(3));
    expect((html.match(/<img /g) ?? []).length).toBe(2 * result.examples.images.length);
  });

  it('bad options: one line naming the problem and the fix', async () => {
    await expect(runDemoRemedy({ remedies: ['retrain-harder' as never] })).rejects.toThrow(/there is no remedy 'retrain-harder'; remedies: counterfactual-augmentation, right-for-the-right-reasons/);
    await expect(runDemoRemedy({ lambda: -1 })).rejects.toThrow(/λ must be a finite number ≥ 0/);
    await expect(runDemoRemedy({ remedies: [] })).rejects.toThrow(/no remedy chosen/);
  });
});
