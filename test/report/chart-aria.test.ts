import { describe, expect, it } from 'vitest';
import { accessibleSvg, barSummary, histogramSummary, lineSummary, reliabilitySummary } from '../../src/report/chart-aria.js';
import { barChart, histogram, lineChart, reliabilityDiagram } from '../../src/report/charts.js';

/** The root <svg …> tag of a chart. */
function rootTag(svg: string): string {
  return svg.slice(svg.indexOf('<svg'), svg.indexOf('>', svg.indexOf('<svg')) + 1);
}

describe('chart summaries for screen readers', () => {
  it('say what each chart shows, from its own numbers', () => {
    expect(barSummary([{ label: 'clean', value: 0.991, interval: [0.98, 0.996] }, { label: 'shortcut', value: 0.5, error: 0.25 }], { x: 'accuracy', y: 'model' })).toEqual({
      label: 'Bar chart: accuracy by model',
      description: 'clean 0.991 (0.98 to 0.996); shortcut 0.5 ± 0.25',
    });
    expect(lineSummary([{ name: 'trained', x: [0, 1, 2], y: [1, 0.5, 0.25] }], { x: 'layer', y: 'similarity' }, ['fc2', 'fc1', 'conv1']).description).toBe('trained: 3 points, layer fc2 to conv1, similarity 0.25 to 1 (last 0.25)');
    expect(histogramSummary([{ name: 'test', values: [1, 2, 3] }], { x: 'score', y: 'count' }, [{ label: 'threshold', value: 2.5 }])).toEqual({ label: 'Histogram of score', description: 'test: 3 values, 1 to 3; marked: threshold at 2.5' });
    // Weighted gap: (10·|0.9−0.8| + 30·|0.6−0.7|) / 40 = 0.1; the empty bin is not a bin.
    expect(reliabilitySummary([{ name: 'raw', bins: [{ confidence: 0.8, accuracy: 0.9, count: 10 }, { confidence: 0.7, accuracy: 0.6, count: 30 }, { confidence: 0.5, accuracy: 0, count: 0 }] }]).description).toBe('raw: 2 non-empty bins, 40 images, mean |accuracy − confidence| 0.1');
  });

  it('long lists are cut with a count of the rest', () => {
    const bars = Array.from({ length: 15 }, (_, i) => ({ label: `c${i}`, value: i }));
    expect(barSummary(bars, { x: 'recall', y: 'class' }).description).toMatch(/c11 11; and 3 more$/);
  });

  it('accessibleSvg puts role, label, title and desc on the root, escaping text, replacing earlier ones', () => {
    const out = accessibleSvg('<svg width="1" role="graphics-document"><g/></svg>', { label: 'A < B', description: '"x" & y' });
    expect(out).toBe('<svg width="1" role="img" aria-label="A &lt; B. &quot;x&quot; &amp; y"><title>A &lt; B</title><desc>&quot;x&quot; &amp; y</desc><g/></svg>');
  });

  it('every chart helper returns an SVG image with its summary', async () => {
    const charts = [
      await lineChart([{ name: 's', x: [0, 1], y: [0, 1] }], { x: 'step', y: 'score' }),
      await barChart([{ label: 'a', value: 0.5 }], { x: 'accuracy', y: 'class' }),
      await histogram([{ name: 'g', values: [0, 1, 2] }], { x: 'score', y: 'count' }),
      await reliabilityDiagram([{ name: 'raw', bins: [{ confidence: 0.9, accuracy: 0.8, count: 20 }] }]),
    ];
    for (const svg of charts) {
      expect(rootTag(svg)).toMatch(/ role="img" aria-label="[^"]+"/);
      expect(svg).toMatch(/^<svg[^>]*><title>[^<]+<\/title><desc>[^<]+<\/desc>/);
    }
    expect(charts[3]).toContain('<title>Reliability diagram: accuracy against confidence, with images per bin</title>');
  });
});
