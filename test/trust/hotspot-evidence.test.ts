/**
 * Necessity and sufficiency of an outside-ROI hotspot on a linear model whose class-1 logit reads
 * only a 4×4 corner window: erasing that window (by its dark surroundings) must lose class 1 for every
 * image and a random outside window must not; pasting it into dark images must make them class 1.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { hotspotEvidence } from '../../src/trust/hotspot-evidence.js';
import { eraseWindow, allowedWindows } from '../../src/trust/hotspot-windows.js';
import { judgeClasses, robustZ } from '../../src/audit/shortcut-rule.js';
import { linearModel } from '../helpers/models.js';

const S = 32;
const corner = (y: number, x: number) => y >= 27 && y < 31 && x >= 27 && x < 31;

function model(): OnnxModel {
  // logit0 = 0; logit1 = Σ_corner x − 4 (bright corner: 16·1 − 4 > 0, dark corner: −4).
  const w = new Float32Array(2 * S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) if (corner(y, x)) w[S * S + y * S + x] = 1;
  return new OnnxModel(linearModel([1, S, S], w, [0, -4]));
}

function images(n: number, bright: boolean): Float32Array {
  const out = new Float32Array(n * S * S);
  for (let i = 0; i < n; i++) for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) out[i * S * S + y * S + x] = bright && corner(y, x) ? 1 : 0.05 * ((x + y + i) % 3);
  return out;
}

describe('hotspot evidence', () => {
  it('erases a window by the median of its surroundings', () => {
    const img = new Float32Array(S * S).fill(0.2);
    for (let y = 4; y < 8; y++) for (let x = 4; x < 8; x++) img[y * S + x] = 1;
    eraseWindow(img, 0, 1, S, S, { y: 4, x: 4 }, 4);
    expect(img[5 * S + 5]).toBeCloseTo(0.2, 6);
  });

  it('excludes windows touching the grown ROI', () => {
    const roi = new Float32Array(S * S);
    roi[8 * S + 8] = 1;
    const windows = allowedWindows(roi, S, S, 4, 1);
    expect(windows.some((w) => w.y <= 9 && w.y + 4 > 7 && w.x <= 9 && w.x + 4 > 7)).toBe(false);
    expect(windows.length).toBe(29 * 29 - 6 * 6);
  });

  it('finds the corner necessary and sufficient, and a random window neither', async () => {
    const m = model();
    const n = 12;
    const sources = tensor([n, 1, S, S], images(n, true));
    // The map is the model's own weight pattern (saliency of a linear model), so the corner is the hotspot.
    const maps = tensor([n, 1, S, S], images(n, true).map((v, k) => (corner(Math.floor((k % (S * S)) / S), k % S) ? 1 : 0)));
    const roi = tensor([n, S, S], new Float32Array(n * S * S).map((_, k) => (Math.abs(Math.floor((k % (S * S)) / S) - 6) < 3 && Math.abs((k % S) - 6) < 3 ? 1 : 0)));
    const recipients = tensor([20, 1, S, S], images(20, false));
    const e = await hotspotEvidence(m, { sources, maps, roi, recipients }, { targetClass: 1, sizes: [4], seed: 3 });
    const s = e.scales[0];
    expect(s.hotspots.every((w) => w.y === 27 && w.x === 27)).toBe(true);
    expect(s.fixedPlace).toBe(1);
    expect(s.necessity.hotspot.flipRate).toBe(1);
    expect(s.necessity.control.flipRate).toBeLessThan(0.3);
    expect(s.sufficiency.hotspot.flipRate).toBe(1);
    expect(s.sufficiency.control.flipRate).toBeLessThan(0.3);
    const [j] = judgeClasses([{ class: 1, saliencyRatio: 0.1, transplant: { flipRate: 1, controlFlipRate: 0, pairs: n }, evidence: e }]);
    expect(j.verdict).toBe('flag');
    expect(j.fired).toEqual(expect.arrayContaining(['necessity', 'sufficiency']));
    expect(j.roiMayBeTooTight).toBe(false);
  });

  it('robust z marks a class whose ratio sits far below its peers', () => {
    const z = robustZ([3.1, 2.9, 3.0, 3.2, 2.8, 1.0]);
    expect(z[5]).toBeLessThan(-3);
    expect(Math.max(...z.slice(0, 5).map(Math.abs))).toBeLessThan(2);
    expect(robustZ([3, 1, 2]).every(Number.isNaN)).toBe(true);
  });
});
