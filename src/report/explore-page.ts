/**
 * The `trustscope explore` page: what has the model learned, in the issue's order — where it errs
 * (confusion matrix, per-class accuracy, misclassified images with their saliency), which human
 * concepts it uses (TCAV table), and which concepts it found by itself (ICE top images per concept
 * with purity and fidelity vs c). One self-contained file: images are inline PNG data URIs.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { TcavResult } from '../concepts/tcav.js';
import type { FidelityPoint } from '../concepts/ice.js';
import { escapeHtml, formatNumber, grid, htmlPage, paragraph, section, table } from './html.js';
import { greyscalePng, heatmapPng, overlayPng, pngDataUri } from './png.js';
import { EXPLORE_GLOBAL_CSS, globalAttributionSection, pcaSection, spLimeSection, symmetric, type GlobalAttributionFigure, type PcaFigure, type SpLimeFigure } from './explore-global-section.js';
import { FLOW_CSS } from './flow-section.js';

export interface GalleryItem {
  readonly index: number;
  readonly trueClass: string;
  readonly predicted: string;
  readonly confidence: number;
  /** The image [C, H, W] and its saliency map [H, W]. */
  readonly image: Tensor;
  readonly saliency: Tensor;
  /** SHAP map [H, W] of the predicted class (signed), shown after the saliency. */
  readonly shap?: Tensor;
}

export interface IcePageConcept {
  readonly index: number;
  readonly purity: number;
  readonly importance: number;
  readonly topImages: readonly { readonly index: number; readonly label: string; readonly image: Tensor; readonly map: Tensor }[];
}

export interface IcePageClass {
  readonly className: string;
  readonly relativeError: number;
  readonly concepts: readonly IcePageConcept[];
  /** Concept-model purity (the class's concepts jointly, ice-concept-model.ts), the network's own purity under the same ranking, and the concept model's top images. */
  readonly conceptModel?: { readonly purity: number; readonly networkPurity: number; readonly topImages: readonly { readonly index: number; readonly label: string; readonly image: Tensor }[] };
}

export interface ExplorePageData {
  readonly modelName: string;
  readonly classNames: readonly string[];
  readonly confusion: readonly (readonly number[])[];
  readonly perClassAccuracy: readonly (number | null)[];
  readonly accuracy: number;
  readonly misclassified: readonly GalleryItem[];
  readonly correct: readonly GalleryItem[];
  readonly tcav?: readonly (TcavResult & { className: string })[];
  readonly pca?: PcaFigure;
  readonly globalAttribution?: GlobalAttributionFigure;
  readonly spLime?: SpLimeFigure;
  /** The instance-flow section, rendered (flow-section.ts): charts render asynchronously. */
  readonly flowHtml?: string;
  readonly ice?: { readonly layer: string; readonly classes: readonly IcePageClass[]; readonly fidelity?: { readonly baseline: number; readonly points: readonly FidelityPoint[] }; readonly fidelityProblem?: string };
}

const CSS = `
.confusion td.cell { text-align: right; }
.tile { display: inline-block; margin: 4px; text-align: center; font-size: 12px; }
.tile img { image-rendering: pixelated; display: block; }
.concept { margin: 0.5em 0 1em; }
`;

function shade(count: number, rowTotal: number, diagonal: boolean): string {
  const share = rowTotal > 0 ? count / rowTotal : 0;
  const hue = diagonal ? 130 : 0;
  return `background: hsla(${hue}, 70%, 50%, ${(share * 0.8).toFixed(3)})`;
}

function confusionTable(names: readonly string[], m: readonly (readonly number[])[]): string {
  const head = `<tr><th>true ↓ / predicted →</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr>`;
  const rows = m.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return `<tr><th>${escapeHtml(names[i])}</th>${row.map((c, j) => `<td class="cell" style="${shade(c, total, i === j)}">${c}</td>`).join('')}</tr>`;
  });
  return `<table class="confusion">${head}${rows.join('')}</table>`;
}

/** A grey image [C, H, W] as an <img> (channel mean), scaled up for tiny inputs. */
function imageTag(image: Tensor, alt: string, width = 96): string {
  return `<img src="${pngDataUri(greyscalePng(image))}" alt="${escapeHtml(alt)}" width="${width}">`;
}

function galleryTile(g: GalleryItem): string {
  const caption = `#${g.index} true: ${g.trueClass}, pred: ${g.predicted} (${formatNumber(g.confidence, 2)})`;
  const shap = g.shap ? `<img src="${pngDataUri(heatmapPng(g.shap, { colormap: 'blue-red', range: symmetric(g.shap) }))}" alt="SHAP of ${escapeHtml(caption)}" width="96">` : '';
  return `<div class="tile">${imageTag(g.image, caption)}<img src="${pngDataUri(overlayPng(g.image, g.saliency))}" alt="saliency of ${escapeHtml(caption)}" width="96">${shap}<br>${escapeHtml(caption)}</div>`;
}

function tcavSection(rows: NonNullable<ExplorePageData['tcav']>): string {
  const body = table(
    ['concept', 'layer', 'class', 'TCAV score', '± std', 'magnitude', 'mean derivative', 'p-value', 'significant', "Captum's p", 'CAV accuracy'],
    rows.map((r) => [r.concept, r.layer, r.className, r.score, r.scoreStd, r.magnitude, r.derivative, r.pValue, r.significant ? (r.derivative > 0 ? 'yes (raises)' : 'yes (lowers)') : 'no', r.captumPValue, r.cavAccuracy]),
  );
  return section(
    'Which human concepts does it use? (TCAV)',
    paragraph('Score: share of the class\u2019s images whose class score rises along the concept direction, averaged over concept-vs-random CAVs. Significant: the concept\u2019s mean directional derivative (unit CAV) is unusual among those of the random sets put in the concept\u2019s role (prediction t-test, Bonferroni-corrected over layers × concepts, at 0.05); a concept that lowers the class score can be significant too. Captum\u2019s p (concept runs vs random-vs-random runs) is shown for comparison: it calls random concepts significant too often.') + body,
    { id: 'tcav' },
  );
}

function iceSection(ice: NonNullable<ExplorePageData['ice']>): string {
  const parts: string[] = [paragraph(`Concepts found by non-negative matrix factorisation of layer '${ice.layer}' per class. Concept purity: share of a concept\u2019s top images (by the concept\u2019s share of the image\u2019s activation) from the class it was learned on (low: the concept is shared with other classes). Concept-model purity: every image\u2019s activation is rebuilt from the class\u2019s concepts alone and the network run on it; share of the class among the images it then calls most surely the class (low: the class\u2019s concepts are too coarse to keep it apart, e.g. a confused pair). The network\u2019s own purity (same ranking, activation not rebuilt) is the reference.`)];
  const joint = ice.classes.filter((c) => c.conceptModel);
  if (joint.length > 0) {
    const mean = (xs: readonly IcePageConcept[]) => xs.reduce((t, k) => t + k.purity, 0) / Math.max(1, xs.length);
    parts.push(table(['class', 'concept-model purity', 'network\u2019s own purity', 'mean concept purity'], joint.map((c) => [c.className, c.conceptModel!.purity, c.conceptModel!.networkPurity, mean(c.concepts)])));
  }
  for (const c of ice.classes) {
    parts.push(`<h3>${escapeHtml(c.className)} <small>(relative reconstruction error ${formatNumber(c.relativeError, 3)})</small></h3>`);
    if (c.conceptModel) {
      const tiles = c.conceptModel.topImages.map((t) => `<div class="tile">${imageTag(t.image, `image ${t.index}`, 80)}#${t.index} ${escapeHtml(t.label)}</div>`);
      parts.push(`<div class="concept"><b>concept model</b> (all ${c.concepts.length} concepts): purity ${formatNumber(c.conceptModel.purity, 2)} (network\u2019s own ${formatNumber(c.conceptModel.networkPurity, 2)})<br>${tiles.join('')}</div>`);
    }
    for (const k of c.concepts) {
      const tiles = k.topImages.map((t) => `<div class="tile"><img src="${pngDataUri(overlayPng(t.image, t.map))}" alt="concept ${k.index} on image ${t.index}" width="80">#${t.index} ${escapeHtml(t.label)}</div>`);
      parts.push(`<div class="concept"><b>concept ${k.index}</b>: purity ${formatNumber(k.purity, 2)}, importance ${formatNumber(k.importance, 3)}<br>${tiles.join('')}</div>`);
    }
  }
  if (ice.fidelity) {
    parts.push('<h3>Fidelity vs number of concepts</h3>');
    parts.push(paragraph(`Accuracy of the network with '${ice.layer}' replaced by its NMF reconstruction (unchanged network: ${formatNumber(ice.fidelity.baseline, 3)}).`));
    parts.push(table(['concepts c', 'accuracy', 'agreement with the network'], ice.fidelity.points.map((p) => [p.components, p.accuracy, p.agreement])));
  } else if (ice.fidelityProblem) {
    parts.push(paragraph(`Fidelity not measured: ${ice.fidelityProblem}`));
  }
  return section('Which patterns has it learned by itself? (ICE)', parts.join('\n'), { id: 'ice' });
}

export function explorePage(d: ExplorePageData): string {
  const body: string[] = [`<h1>What has ${escapeHtml(d.modelName)} learned?</h1>`];
  if (d.pca) body.push(pcaSection(d.pca));
  body.push(
    section(
      'Where does it err?',
      paragraph(`Overall accuracy ${formatNumber(d.accuracy, 3)} on ${d.confusion.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0)} images.`) +
        confusionTable(d.classNames, d.confusion) +
        table(['class', 'accuracy'], d.classNames.map((n, k) => [n, d.perClassAccuracy[k]])) +
        `<h3>Misclassified images (image, saliency of the predicted class, GradientSHAP map of the predicted class: red raises it, blue lowers it)</h3>` +
        (d.misclassified.length ? grid(d.misclassified.map(galleryTile), 3) : paragraph('None: every image is classified correctly.')) +
        `<h3>A correctly classified image of each class</h3>` +
        grid(d.correct.map(galleryTile), 3),
      { id: 'errors' },
    ),
  );
  if (d.globalAttribution) body.push(globalAttributionSection(d.globalAttribution));
  if (d.spLime) body.push(spLimeSection(d.spLime));
  if (d.flowHtml) body.push(d.flowHtml);
  if (d.tcav) body.push(tcavSection(d.tcav));
  if (d.ice) body.push(iceSection(d.ice));
  return htmlPage({ title: `trustscope explore: ${d.modelName}`, body: body.join('\n'), css: CSS + EXPLORE_GLOBAL_CSS + FLOW_CSS });
}

