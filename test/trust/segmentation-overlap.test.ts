import { describe, expect, it } from 'vitest';
import { segmentationOverlap } from '../../src/trust/segmentation-overlap.js';

describe('segmentationOverlap', () => {
  it('IoU and Dice per class by hand, absent classes left out of the means', () => {
    // truth:     0 0 1 1 1 0 ; predicted: 0 1 1 1 0 0 ; class 2 in neither
    const r = segmentationOverlap([0, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 0], 3);
    // class 0: P={0,4,5} T={0,1,5} ∩=2 ∪=4; class 1: P={1,2,3} T={2,3,4} ∩=2 ∪=4
    expect(r.iou[0]).toBeCloseTo(0.5, 12);
    expect(r.iou[1]).toBeCloseTo(0.5, 12);
    expect(r.dice[0]).toBeCloseTo(4 / 6, 12);
    expect(Number.isNaN(r.iou[2])).toBe(true);
    expect(r.meanIou).toBeCloseTo(0.5, 12);
    expect(r.meanDice).toBeCloseTo(4 / 6, 12);
    expect(r.pixelAccuracy).toBeCloseTo(4 / 6, 12);
    expect(r.support).toEqual([3, 3, 0]);
    // Dice = 2·IoU / (1 + IoU) for every class (an identity, a second route to the same number)
    expect(r.dice[1]).toBeCloseTo((2 * r.iou[1]) / (1 + r.iou[1]), 12);
  });
  it('refuses mismatched sizes and foreign classes', () => {
    expect(() => segmentationOverlap([0], [0, 1], 2)).toThrow(/give masks of one size/);
    expect(() => segmentationOverlap([0, 1], [0, 5], 2)).toThrow(/true class 5 at pixel 1/);
  });
});
