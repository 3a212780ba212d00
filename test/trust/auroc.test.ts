/** AUROC as Mann–Whitney U: hand values and a brute-force pair count. */
import { describe, expect, it } from 'vitest';
import { auroc } from '../../src/trust/auroc.js';
import { Random } from '../../src/tensor/random.js';

/** P(positive > negative) + ½ P(tie), over every pair. */
function pairCount(neg: number[], pos: number[]): number {
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (neg.length * pos.length);
}

describe('auroc', () => {
  it('perfect separation is 1, inverted is 0, identical scores are 0.5', () => {
    expect(auroc([0.1, 0.2, 0.3], [0.5, 0.9])).toBe(1);
    expect(auroc([0.5, 0.9], [0.1, 0.2, 0.3])).toBe(0);
    expect(auroc([1, 1, 1], [1, 1])).toBe(0.5);
  });

  it('ties count one half: a hand example', () => {
    // Pairs (pos, neg): 2>1 ✓, 2=2 ½, 2<3 ✗, 3>1 ✓, 3>2 ✓, 3=3 ½ → 4 / 6.
    expect(auroc([1, 2, 3], [2, 3])).toBeCloseTo(4 / 6, 12);
  });

  it('equals the brute-force pair count on rounded random scores (many ties)', () => {
    const rng = new Random(3);
    for (let trial = 0; trial < 20; trial++) {
      const neg = Array.from({ length: 1 + rng.int(0, 40) }, () => Math.round(rng.normal() * 3) / 3);
      const pos = Array.from({ length: 1 + rng.int(0, 40) }, () => Math.round((rng.normal() + 0.5) * 3) / 3);
      expect(auroc(neg, pos)).toBeCloseTo(pairCount(neg, pos), 12);
    }
  });

  it('refuses empty sides and NaN scores with a message', () => {
    expect(() => auroc([], [1])).toThrow(/at least one score/);
    expect(() => auroc([1, NaN], [1])).toThrow(/negatives\[1\] is NaN/);
  });
});
