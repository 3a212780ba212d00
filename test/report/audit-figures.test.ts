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
  manipulation: {
    kind: 'manipulation',
    caption: 'manipulation',
    images,
    original: maps,
    target: tensor([2, 1, 8, 8], ramp(128)),
    manipulated: maps,
    perturbation: tensor([2, 1, 8, 8], ramp(128).map((v) => v - 0.5)),
    labels: ['#3', '#9'],
    details: ['map change 0.66', 'map change 0.10'],
  },
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
        // Overlays show the raw image beside each overlay; every map has its colour bar.
        expect(pngCount(html)).toBe(fig.labels.length * (fig.kind === 'overlays' ? 2 : 1));
        expect((html.match(/<svg class="colourbar"/g) ?? []).length).toBe(fig.labels.length);
        for (const label of fig.labels) expect(html).toContain(label);
        break;
      case 'manipulation':
        // Image, map, target, map after the attack, perturbation; colour bars for the maps (shared range) and for δ.
        expect(pngCount(html)).toBe(fig.labels.length * 5);
        expect((html.match(/<svg class="colourbar"/g) ?? []).length).toBe(fig.labels.length * 2);
        for (const text of [...fig.labels, 'after the attack', 'perturbation δ', 'map change 0.66']) expect(html).toContain(text);
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
    // Two images, each shown raw and under its map.
    expect(html.match(/<svg class="scalebar"/g)!.length).toBe(4);
    expect(html).toContain('>1 µm</text>');
    expect(await drawFigure(samples.maps, calibration)).toContain('class="scalebar"');
    expect(await drawFigure(samples.maps, { ...calibration, width: 16, height: 16 })).not.toContain('class="scalebar"');
    expect(await drawFigure(samples.overlays)).not.toContain('class="scalebar"');
  });

  it('a signed map is drawn blue-red around 0 with a bar from −m to m; a magnitude map from 0 in inferno', async () => {
    // One negative and one positive pixel of equal size, the rest 0.
    const values = new Array<number>(64).fill(0);
    values[0] = -2;
    values[63] = 2;
    const signed = tensor([1, 1, 8, 8], values);
    const html = await drawFigure({ kind: 'maps', caption: 'm', maps: signed, labels: ['ixg'], values: { unit: 'input × gradient' } });
    expect(html).toContain('aria-label="colour scale: -2 to 2 input × gradient"');
    expect(html).toContain('>0</text>');
    const { decode } = await import('fast-png');
    const uri = /src="data:image\/png;base64,([^"]+)"/.exec(html)![1];
    const png = decode(Buffer.from(uri, 'base64'));
    const px = (i: number) => Array.from(png.data.slice(i * 4, i * 4 + 3));
    const [r0, , b0] = px(0); // top-left: −2 → blue end
    const last = png.width * png.height - 1;
    const [r1, , b1] = px(last); // bottom-right: +2 → red end
    const [rm, gm, bm] = px(png.width * Math.floor(png.height / 2) + Math.floor(png.width / 2)); // 0 → near white
    expect(b0).toBeGreaterThan(r0 + 60);
    expect(r1).toBeGreaterThan(b1 + 60);
    expect(Math.min(rm, gm, bm)).toBeGreaterThan(230);
    const magnitude = await drawFigure({ kind: 'maps', caption: 'm', maps: tensor([1, 1, 8, 8], values.map(Math.abs)), labels: ['saliency'], values: { unit: '|g|', signed: false } });
    expect(magnitude).toContain('aria-label="colour scale: 0 to 2 |g|"');
  });

  it('pictures are at least 224 px and labelled with truth, prediction and confidence; the outline has a legend', async () => {
    const html = await drawFigure({
      ...samples.overlays,
      details: [
        { truth: 'class 1', predicted: 'class 1', confidence: 0.987 },
        { truth: 'class 0', predicted: 'class 1', confidence: 0.61 },
      ],
      outlineMeaning: 'region of interest (defect mask)',
    });
    expect(html).toContain('width="224" height="224"');
    expect(html).toContain('image 9 · true class 0 · predicted class 1 (p = 0.61)');
    expect(html).toContain('outline: region of interest (defect mask)');
    expect(html).toContain('alt="image 3: the image"');
  });

  it('reliability diagrams count the images per bin and say which bins are sparse', async () => {
    const html = await drawFigure(samples.reliability);
    expect(html).toContain('images');
    expect(html).toContain('fewer than 10 images');
  });

  it('a line chart over layers names its x axis by layer, as the maps are named', async () => {
    const html = await drawFigure({ kind: 'lines', caption: 'c', axes: { x: 'randomised down to', y: 's' }, xCategories: ['→ fc2', '→ fc1', '→ conv1'], series: [{ name: 'SSIM', x: [0, 1, 2], y: [0.5, 0.2, 0.1] }] });
    for (const layer of ['→ fc2', '→ fc1', '→ conv1']) expect(html).toContain(`>${layer}</text>`);
  });
});

