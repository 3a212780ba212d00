/**
 * Draws an explanation-manipulation figure (audit/figure-data.ts's ManipulationFigure): one row per
 * attacked image — the image, its map, the target, the map after the attack, the perturbation. The
 * three maps share one colour range per row, so a map that moved is seen to move rather than to be
 * rescaled; the perturbation gets a diverging map centred on 0 (its sign matters, its size is ε).
 */
import type { ManipulationFigure } from '../audit/figure-data.js';
import { row, type Tensor } from '../tensor/tensor.js';
import { collapseMap, greyscalePng, heatmapPng, pngDataUri } from './png.js';
import { colourBarSvg, hasNegative, mapRange } from './colour-bar.js';
import { escapeHtml } from './html.js';
import { gradientMapUnit, type ManipulationResult } from '../evaluate/explanation-manipulation.js';

/** Pictures are drawn at least this many pixels on their long side: five fit side by side. */
const MIN_SIDE = 128;

function one(t: Tensor, i: number): Tensor {
  return { shape: t.shape.slice(1), data: row(t, i).data };
}

function cell(uri: string, alt: string, caption: string, h: number, w: number, scale: number, bar = ''): string {
  return `<figure style="margin:0"><img src="${uri}" alt="${escapeHtml(alt)}" width="${w * scale}" height="${h * scale}">${bar}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

/** The rows of pictures (without the figure's caption). */
export function manipulationFigureHtml(fig: ManipulationFigure): string {
  const k = fig.images.shape[0];
  for (const [what, t] of [['maps', fig.original], ['targets', fig.target], ['manipulated maps', fig.manipulated], ['perturbations', fig.perturbation]] as const) {
    if (t.shape[0] !== k) throw new Error(`figure: ${t.shape[0]} ${what} for ${k} images; give one per image`);
  }
  if (fig.labels.length !== k) throw new Error(`figure: ${fig.labels.length} labels for ${k} images; give one label per image`);
  const [h, w] = fig.images.shape.slice(-2);
  const scale = Math.max(1, Math.ceil(MIN_SIDE / Math.max(h, w)));
  const width = w * scale;
  const rows = fig.labels.map((label, i) => {
    const maps = [one(fig.original, i), one(fig.target, i), one(fig.manipulated, i)];
    const values = maps.map((m) => collapseMap(m).values);
    const signed = fig.values?.signed ?? values.some(hasNegative);
    const all = new Float32Array(values.reduce((n, v) => n + v.length, 0));
    values.reduce((at, v) => (all.set(v, at), at + v.length), 0);
    const range = mapRange(all, signed);
    const colormap = signed ? 'blue-red' : 'inferno';
    const unit = fig.values?.unit ?? 'attribution';
    const delta = one(fig.perturbation, i);
    const deltaRange = mapRange(collapseMap(delta).values, true);
    const heat = (m: Tensor, name: string) => cell(pngDataUri(heatmapPng(m, { scale, colormap, range })), `${label}: ${name}`, name, h, w, scale);
    const cells = [
      cell(pngDataUri(greyscalePng(one(fig.images, i), { scale })), `${label}: the image`, 'image', h, w, scale),
      heat(maps[0], 'map'),
      heat(maps[1], 'target'),
      cell(pngDataUri(heatmapPng(maps[2], { scale, colormap, range })), `${label}: map after the attack`, 'after the attack', h, w, scale, colourBarSvg({ colormap, range, unit, width })),
      cell(pngDataUri(heatmapPng(delta, { scale, colormap: 'blue-red', range: deltaRange })), `${label}: the perturbation`, 'perturbation δ', h, w, scale, colourBarSvg({ colormap: 'blue-red', range: deltaRange, unit: 'δ (input units)', width })),
    ];
    const detail = fig.details?.[i] ? ` · ${fig.details[i]}` : '';
    // Inline layout: the row is drawn on the audit page and the evaluation page, whose stylesheets differ.
    return `<div class="manipulation-row"><div class="pictures" style="display:flex;flex-wrap:wrap;gap:10px;align-items:flex-start">${cells.join('')}</div><p class="legend">${escapeHtml(label + detail)}</p></div>`;
  });
  return rows.join('');
}

/** The figure of an `evaluate --metrics manipulation` result (its kept maps), as the evaluation page shows it; '' without maps. */
export function manipulationResultFigureHtml(r: ManipulationResult): string {
  if (!r.maps) return '';
  const k = r.maps.images.shape[0];
  const fig: ManipulationFigure = {
    kind: 'manipulation',
    caption: '',
    ...r.maps,
    labels: Array.from({ length: k }, (_, i) => `image ${i}`),
    values: { unit: gradientMapUnit(r.map) },
    details: r.images.slice(0, k).map((i) => `map change ${i.mapChange.toFixed(2)} (random ±ε: ${i.randomMapChange.toFixed(2)}) · correlation with target ${i.targetCorrelationBefore.toFixed(2)} → ${i.targetCorrelationAfter.toFixed(2)} · |Δ score| ${i.scoreChange.toFixed(3)}${i.classKept ? '' : ' · class changed'}`),
  };
  const what = r.target === 'shifted' ? 'its own map shifted by half the image' : "another image's map";
  return `<figure class="evidence">${manipulationFigureHtml(fig)}<figcaption>${escapeHtml(`Per image: the image, its ${r.method} map, the target (${what}), the map after the attack on the model itself, and the perturbation δ (${r.norm === 'l2' ? '‖δ‖₂ ≤ √pixels ×' : '‖δ‖∞ ≤'} ${r.epsilon.toPrecision(2)}). The three maps share one colour range per row.`)}</figcaption></figure>`;
}
