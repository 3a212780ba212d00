/**
 * The explore page's global views: PCA of the data (how variable are the images?), the
 * dataset-average SHAP map of each class beside one image's own map (global vs local), and the
 * representative explanations SP-LIME picked. Figure data in, HTML out; images are inline PNGs.
 */
import type { Tensor } from '../tensor/tensor.js';
import { escapeHtml, formatNumber, paragraph, raw, section, table } from './html.js';
import { greyscalePng, heatmapPng, overlayPng, pngDataUri } from './png.js';

export interface PcaFigure {
  readonly explainedVarianceRatio: readonly number[];
  readonly mean: Tensor;
  readonly eigenimages: readonly Tensor[];
  readonly images: number;
}

export interface GlobalAttributionFigure {
  readonly method: string;
  readonly classes: readonly {
    readonly className: string;
    readonly images: number;
    readonly mean: Tensor;
    readonly centralShare: number;
    readonly example: { readonly index: number; readonly image: Tensor; readonly map: Tensor };
  }[];
}

export interface SpLimeFigure {
  readonly budget: number;
  readonly pool: number;
  readonly patch: number;
  readonly featuresPerExplanation: number;
  readonly coverage: readonly number[];
  readonly importance: Tensor;
  readonly picked: readonly { readonly index: number; readonly trueClass: string; readonly predicted: string; readonly image: Tensor; readonly map: Tensor }[];
}

export const EXPLORE_GLOBAL_CSS = `
.bar { display: inline-block; height: 10px; background: #0072B2; vertical-align: middle; }
.pair { display: inline-block; margin: 4px 10px 10px 0; text-align: center; font-size: 12px; vertical-align: top; }
.pair img { image-rendering: pixelated; }
.tile img { display: inline-block; }
`;

const tag = (png: Uint8Array, alt: string, width = 80) => `<img src="${pngDataUri(png)}" alt="${escapeHtml(alt)}" width="${width}">`;

export function pcaSection(p: PcaFigure): string {
  let cumulative = 0;
  const rows = p.explainedVarianceRatio.map((r, k) => {
    cumulative += r;
    return [`PC ${k + 1}`, r, cumulative, raw(`<span class="bar" style="width:${Math.round(300 * r)}px"></span>`)];
  });
  const eigen = p.eigenimages.map((e, k) => `<div class="pair">${tag(heatmapPng(e, { colormap: 'blue-red', range: symmetric(e) }), `eigenimage ${k + 1}`)}PC ${k + 1} (${(100 * p.explainedVarianceRatio[k]).toFixed(1)}%)</div>`);
  return section(
    'How variable are the images? (PCA of the data)',
    paragraph(`Principal components of the ${p.images} images (pixels as features, centred on the mean image). A few components explaining most of the variance mean the images vary in few ways; a flat spectrum means many independent sources of variation (texture, noise). Eigenimages: blue negative, red positive.`) +
      table(['component', 'explained variance', 'cumulative', ''], rows) +
      `<div class="pair">${tag(greyscalePng(p.mean), 'mean image')}mean image</div>${eigen.join('')}`,
    { id: 'pca' },
  );
}

/** A range symmetric about 0 for a signed map (white at 0 in the blue-red colormap). */
export function symmetric(t: Tensor): [number, number] {
  let peak = 0;
  for (const v of t.data) peak = Math.max(peak, Math.abs(v));
  return [-peak || -1, peak || 1];
}

export function globalAttributionSection(g: GlobalAttributionFigure): string {
  const cells = g.classes.map((c) => {
    const mean = tag(heatmapPng(c.mean, { colormap: 'blue-red', range: symmetric(c.mean) }), `mean ${g.method} map of ${c.className}`);
    const one = tag(overlayPng(c.example.image, c.example.map, { colormap: 'blue-red', signed: true }), `${g.method} map of image ${c.example.index}`);
    return `<div class="pair"><b>${escapeHtml(c.className)}</b><br>${mean}${one}<br>mean of ${c.images} · image #${c.example.index}<br>central share ${formatNumber(c.centralShare, 2)}</div>`;
  });
  return section(
    'Global vs local: what does each class rely on on average?',
    paragraph(`Left: the ${g.method} attribution for the true class averaged over all the class\u2019s images (red: pixels that raise the class score on average, blue: lower it). Right: one image\u2019s own map. A structured average (a blob, a band) means the class is recognised by something at a fixed place; a flat or noisy average with sharp single-image maps means the evidence moves from image to image (textures). Central share: the share of the average map\u2019s absolute mass in the central half of the image.`) +
      cells.join(''),
    { id: 'global-attribution' },
  );
}

export function spLimeSection(s: SpLimeFigure): string {
  const picked = s.picked.map((p, k) => `<div class="pair">${tag(overlayPng(p.image, p.map, { colormap: 'blue-red', signed: true }), `SP-LIME pick ${k + 1}`, 96)}<br>#${p.index} true: ${escapeHtml(p.trueClass)}, pred: ${escapeHtml(p.predicted)}<br>coverage ${Math.round(100 * s.coverage[k])}%</div>`);
  return section(
    'A representative set of explanations (SP-LIME)',
    paragraph(`LIME explained ${s.pool} images on a ${s.patch}×${s.patch}-pixel patch grid (each explanation keeps its ${s.featuresPerExplanation} strongest patches); the submodular pick (Ribeiro et al. 2016) then chose ${s.budget} explanations that together cover the globally important patches (importance √Σ|W| per patch, right). Coverage: the share of the total importance covered after each pick. Reading these few explanations shows the model\u2019s behaviour across the data with the least redundancy.`) +
      picked.join('') +
      `<div class="pair">${tag(heatmapPng(s.importance, { colormap: 'inferno' }), 'global patch importance', 96)}<br>patch importance</div>`,
    { id: 'sp-lime' },
  );
}
