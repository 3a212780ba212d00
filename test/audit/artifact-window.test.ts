/** The artifact's box from the hotspot windows: the common place (±1 px) and the box covering it. */
import { describe, expect, it } from 'vitest';
import { commonWindow, windowMask } from '../../src/audit/artifact-window.js';

describe('commonWindow', () => {
  it('boxes the windows within ±1 px of the most common position and counts their share', () => {
    const windows = [{ y: 0, x: 0 }, { y: 1, x: 0 }, { y: 0, x: 1 }, { y: 9, x: 9 }];
    expect(commonWindow(windows, 4, 2)).toEqual({ y: 0, x: 0, height: 5, width: 5, size: 4, class: 2, share: 0.75 });
    expect(commonWindow([], 4, 0)).toBeUndefined();
  });

  it('masks the box, clipped to the image', () => {
    const m = windowMask({ y: 2, x: 3, height: 2, width: 3 }, 5, 5);
    const ones = [...m.keys()].filter((p) => m[p] === 1);
    // Columns 3..5 of a 5-wide image: column 5 is clipped.
    expect(ones).toEqual([13, 14, 18, 19]);
    expect(windowMask({ y: 4, x: 4, height: 3, width: 3 }, 5, 5).reduce((a, b) => a + b, 0)).toBe(1);
  });
});
