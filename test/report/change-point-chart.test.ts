/** The drift check's chart: the series line, one flat step per segment, one dashed rule per change point, and refusal of non-finite data. */
import { describe, expect, it } from 'vitest';
import { changePointChart } from '../../src/report/change-point-chart.js';
import { drawFigure } from '../../src/report/audit-figures.js';

const fig = {
  axes: { x: 'hours since the first image', y: 'accuracy' },
  x: [0, 1, 2, 3, 4, 5],
  y: [1, 1, 0.95, 0.8, 0.75, 0.76],
  segments: [
    { from: 0, to: 2, mean: 0.98 },
    { from: 3, to: 5, mean: 0.77 },
  ],
  changes: [2.5],
  valueDomain: [0, 1] as const,
};

describe('change-point chart', () => {
  it('draws the series, the segment means and the change point', async () => {
    const svg = await changePointChart(fig);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('hours since the first image');
    expect((svg.match(/stroke-dasharray="4,3"/g) ?? []).length).toBe(1);
    // Two segment rules in the segment colour.
    expect((svg.match(/stroke="#D55E00"/g) ?? []).length).toBe(2);
    const html = await drawFigure({ kind: 'change-point', caption: 'c', ...fig });
    expect(html).toContain('the mean of each segment between change points');
  });

  it('draws no rule without a change point and refuses non-finite values', async () => {
    const svg = await changePointChart({ ...fig, segments: [{ from: 0, to: 5, mean: 0.9 }], changes: [] });
    expect(svg).not.toContain('stroke-dasharray="4,3"');
    await expect(changePointChart({ ...fig, y: [1, NaN, 1, 1, 1, 1] })).rejects.toThrow(/y\[1\] is NaN/);
  });
});
