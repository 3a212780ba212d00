/** Charts render to standalone SVG whose marks follow the data. */
import { describe, expect, it } from 'vitest';
import { barChart, errorDomain, histogram, lineChart, reliabilityDiagram } from '../../src/report/charts.js';

const pathCount = (svg: string, cls: string) => (svg.match(new RegExp(`class="mark-${cls} role-mark[^"]*"`, 'g')) ?? []).length;

describe('charts', () => {
  it('a line chart is an SVG with one line mark group per series and the axis titles', async () => {
    const svg = await lineChart(
      [
        { name: 'deletion', x: [0, 0.5, 1], y: [1, 0.4, 0.1] },
        { name: 'insertion', x: [0, 0.5, 1], y: [0.1, 0.7, 1] },
      ],
      { x: 'fraction removed', y: 'probability' },
      { yDomain: [0, 1] },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('fraction removed');
    expect(svg).toContain('insertion');
    expect(pathCount(svg, 'line')).toBeGreaterThanOrEqual(1);
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });

  it('bars keep the given order and draw error rules only when errors are given', async () => {
    const plain = await barChart([{ label: 'corner', value: 0.4 }, { label: 'texture', value: 0.1 }], { x: 'importance', y: 'feature' });
    const withErr = await barChart([{ label: 'corner', value: 0.4, error: 0.05 }], { x: 'importance', y: 'feature' });
    expect(plain.indexOf('corner')).toBeLessThan(plain.indexOf('texture'));
    expect(pathCount(plain, 'rule')).toBe(0);
    expect(pathCount(withErr, 'rule')).toBe(1);
  });

  it('histogram and reliability diagram render; non-finite data is a one-line error', async () => {
    const h = await histogram([{ name: 'in', values: [0, 1, 1, 2] }, { name: 'shifted', values: [3, 4] }], { x: 'score', y: 'density' });
    expect(h).toContain('shifted');
    const r = await reliabilityDiagram([{ name: 'before', bins: [{ confidence: 0.6, accuracy: 0.5, count: 3 }, { confidence: 0.9, accuracy: 0.95, count: 5 }] }]);
    expect(r).toContain('confidence');
    await expect(lineChart([{ name: 's', x: [0, 1], y: [0, NaN] }], { x: 'a', y: 'b' })).rejects.toThrow(/s\.y\[1\] is NaN/);
    await expect(lineChart([{ name: 's', x: [0], y: [0, 1] }], { x: 'a', y: 'b' })).rejects.toThrow(/1 x values but 2 y values/);
  });

  it('errors invisible on the fixed axis zoom it and draw dots (0.992 ± 0.004 vs 0.989 ± 0.006 on [0, 1])', async () => {
    const bars = [
      { label: 'random k-fold', value: 0.992, error: 0.004 },
      { label: 'grouped k-fold', value: 0.989, error: 0.006 },
    ];
    const zoom = errorDomain(bars, [0, 1])!;
    expect(zoom.zoomed).toBe(true);
    // Data span 0.983–0.996, padded by 15% of it and kept inside [0, 1].
    expect(zoom.domain[0]).toBeCloseTo(0.983 - 0.15 * 0.013, 6);
    expect(zoom.domain[1]).toBeCloseTo(0.996 + 0.15 * 0.013, 6);
    const svg = await barChart(bars, { x: 'accuracy', y: 'split' }, { xDomain: [0, 1] });
    expect(svg).toContain('axis zoomed to');
    expect(pathCount(svg, 'rect')).toBe(0);
    // Wide errors keep the bars and the fixed axis; no errors, no zoom.
    expect(errorDomain([{ label: 'a', value: 0.5, error: 0.2 }], [0, 1])).toEqual({ domain: [0, 1], zoomed: false });
    expect(errorDomain([{ label: 'a', value: 0.5 }], [0, 1])).toBeUndefined();
    // An asymmetric interval is drawn as given.
    expect(errorDomain([{ label: 'a', value: 0.99, interval: [0.97, 1] }], [0, 1])!.domain[1]).toBe(1);
  });

  it('legends are not truncated and categorical colours are Okabe–Ito', async () => {
    const long = 'a legend entry long enough to have been cut at 160 pixels by the default label limit';
    const svg = await lineChart([{ name: long, x: [0, 1], y: [0, 1] }], { x: 'x', y: 'y' });
    expect(svg).toContain(long);
    expect(svg.toLowerCase()).toContain('#0072b2');
  });

  it('a histogram draws its markers (a threshold) as a labelled line', async () => {
    const svg = await histogram([{ name: 'in', values: [0, 1, 1, 2] }], { x: 'score', y: 'share' }, { markers: [{ label: 'threshold 1.5', value: 1.5 }] });
    expect(svg).toContain('threshold 1.5');
    expect(pathCount(svg, 'rule')).toBe(1);
    await expect(histogram([{ name: 'in', values: [0, 1] }], { x: 's', y: 'd' }, { markers: [{ label: 't', value: NaN }] })).rejects.toThrow(/marker value\[0\] is NaN/);
  });
});

