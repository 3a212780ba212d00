/**
 * Every kind of figure data a check can return is drawn: charts as inline SVG, pictures as PNG data
 * URIs (one per image), tables as HTML. The samples are keyed by kind, so a new kind fails to
 * compile here until it has a sample.
 */
import { describe, expect, it } from 'vitest';
import type { FigureData, FigureKind } from '../../src/audit/figure-data.js';
import { drawFigure, figureHtml } from '../../src/report/audit-figures.js';
import { tensor } from '../../src/tensor/tensor.js';

const ramp = (n: number, scale = 1) => Array.from({ length: n }, (_, i) => (scale * i) / n);
const images = tensor([2, 1, 8, 8], ramp(128));
const maps = tensor([2, 1, 8, 8], ramp(128).reverse());
const outline = tensor([2, 8, 8], ramp(128).map((v) => (v > 0.5 ? 1 : 0)));

const samples: { [K in FigureKind]: Extract<FigureData, { kind: K }> } = {
  reliability: {
    kind: 'reliability',
    caption: 'reliability',
    title: 'reliability (held-out half)',
    curves: [{ name: 'as trained', bins: [{ confidence: 0.6, accuracy: 0.5, count: 10 }, { confidence: 0.95, accuracy: 0.97, count: 90 }] }],
  },
  bars: { kind: 'bars', caption: 'bars', axes: { x: 'accuracy', y: 'split' }, valueDomain: [0, 1], bars: [{ label: 'random k-fold', value: 0.9, error: 0.02 }, { label: 'grouped k-fold', value: 0.7 }] },
  lines: { kind: 'lines', caption: 'lines', axes: { x: 'step', y: 'similarity' }, integerX: true, series: [{ name: 'Spearman |a|', x: [1, 2, 3], y: [0.9, 0.4, 0.1] }] },
  histogram: { kind: 'histogram', caption: 'histogram', axes: { x: 'score', y: 'share' }, groups: [{ name: 'reference (held out)', values: ramp(50) }, { name: 'audited data', values: ramp(40, 2) }] },
  table: { kind: 'table', caption: 'table', headers: ['shift', 'AUROC'], rows: [['blur', '0.912'], ['noise', 0.5]] },
  overlays: { kind: 'overlays', caption: 'overlays', images, maps, outlines: outline, labels: ['image 3', 'image 9'] },
  maps: { kind: 'maps', caption: 'maps', maps, labels: ['trained', '→ fc'] },
};

const pngCount = (html: string) => (html.match(/<img src="data:image\/png;base64,/g) ?? []).length;

describe('audit figures', () => {
  it.each(Object.values(samples).map((f) => [f.kind, f] as const))('draws %s', async (_kind, fig) => {
    const html = await drawFigure(fig);
    expect(html).not.toMatch(/(src|href)="https?:/);
    switch (fig.kind) {
      case 'reliability':
      case 'bars':
      case 'lines':
      case 'histogram':
        expect(html).toMatch(/^<div class="chart"><svg/);
        if (fig.kind === 'bars') expect(html).toContain('grouped k-fold');
        if (fig.kind === 'lines') expect(html).toContain('Spearman |a|');
        if (fig.kind === 'histogram') expect(html).toContain('audited data');
        if (fig.kind === 'reliability') expect(html).toContain('as trained');
        break;
      case 'table':
        expect(html).toContain('<table');
        expect(html).toContain('blur');
        expect(html).toContain('0.912');
        break;
      case 'overlays':
      case 'maps':
        expect(pngCount(html)).toBe(fig.labels.length);
        for (const label of fig.labels) expect(html).toContain(label);
        break;
    }
  });

  it('puts the caption under the figure, escaped', async () => {
    const html = await figureHtml({ ...samples.table, caption: 'AUROC < 0.5 means "blind"' });
    expect(html).toMatch(/^<figure class="evidence">/);
    expect(html).toContain('<figcaption>AUROC &lt; 0.5 means &quot;blind&quot;</figcaption>');
  });

  it('outlines change the overlay pictures', async () => {
    const { outlines: _o, ...plain } = samples.overlays;
    expect(await drawFigure(plain)).not.toBe(await drawFigure(samples.overlays));
  });

  it('refuses pictures whose labels do not match the images', async () => {
    await expect(drawFigure({ ...samples.maps, labels: ['only one'] })).rejects.toThrow(/1 labels for 2 maps/);
  });

  it('pictures of calibrated images carry a scale bar; a map of another grid does not borrow it', async () => {
    // 8 px × 0.5 µm = 4 µm; 15–25% = 0.6–1 µm → 1 µm = 2 px.
    const calibration = { pixelWidth: 0.5, pixelHeight: 0.5, unit: 'µm', width: 8, height: 8 };
    const html = await drawFigure(samples.overlays, calibration);
    expect(html.match(/<svg class="scalebar"/g)!.length).toBe(2);
    expect(html).toContain('>1 µm</text>');
    expect(await drawFigure(samples.maps, calibration)).toContain('class="scalebar"');
    expect(await drawFigure(samples.maps, { ...calibration, width: 16, height: 16 })).not.toContain('class="scalebar"');
    expect(await drawFigure(samples.overlays)).not.toContain('class="scalebar"');
  });
});
