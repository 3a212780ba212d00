/**
 * The `trustscope remedy` report: the shortcut model and each remedied model side by side — the
 * audit's verdicts, where the saliency sits (defect vs the marked artifact), the accuracy on
 * artifact-free tiles, the λ used — and saliency overlays of the same tiles before and after.
 * Every sentence that states a finding is generated from the numbers.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { RemedyResult, RemediedModel } from '../audit/remedy.js';
import { auditJson } from '../audit/audit.js';
import { escapeHtml, formatNumber, grid, htmlPage, img, paragraph, section, table } from './html.js';
import { overlayPng, pngDataUri, type Outline } from './png.js';
import { colourBarSvg, mapRange } from './colour-bar.js';

// Cyan and blue, not lime and red: told apart with any colour vision, neither is a colour of the inferno heatmap,
// and blue shows on the saturated (white) artifact it outlines.
const ROI_COLOR = '#00e5ff';
const ARTIFACT_COLOR = '#2f6bff';

function verdictOf(m: RemediedModel, id: string): string {
  return (auditJson(m.audit).verdicts as Record<string, string>)[id] ?? '—';
}

function fixed3(v: number): string {
  return Number.isFinite(v) ? v.toFixed(3) : '—';
}

function ratio(v: number): string {
  return Number.isFinite(v) ? `${v >= 10 ? v.toFixed(0) : v.toFixed(2)}×` : formatNumber(v);
}

function numbers(r: RemedyResult): string {
  const models: [string, RemediedModel][] = [[`${r.before.audit.name} (before)`, r.before], ...r.remedies.map((m) => [`after ${m.name}`, m] as [string, RemediedModel])];
  const ids = Object.keys(auditJson(r.before.audit).verdicts);
  const rows = [
    ['λ', '—', ...r.remedies.map((m) => (m.lambda === null ? 'none' : String(m.lambda)))],
    ['accuracy on artifact-free data', ...models.map(([, m]) => fixed3(m.artifactFreeAccuracy))],
    ['accuracy on the audited data', ...models.map(([, m]) => fixed3(m.audit.accuracy))],
    ['saliency inside / outside the region of interest', ...models.map(([, m]) => ratio(m.saliency.roi.ratio))],
    ['saliency marked artifact / region of interest', ...models.map(([, m]) => ratio(m.saliency.artifactOverRoi))],
    ...ids.map((id) => [`verdict: ${id}`, ...models.map(([, m]) => verdictOf(m, id).toUpperCase())]),
  ];
  return table(['', ...models.map(([name]) => name)], rows, {
    caption: `Audit checks run on each model with the same inputs and seed${r.skipped.length ? `; not run: ${r.skipped.join(', ')} (it judges the data split, which no remedy changes)` : ''}.`,
  });
}

function findings(r: RemedyResult): string {
  return r.remedies
    .map((m) => {
      const cleared = ['shortcut', 'intervention'].filter((id) => verdictOf(r.before, id) === 'flag' && verdictOf(m, id) !== 'flag');
      const still = ['shortcut', 'intervention'].filter((id) => verdictOf(m, id) === 'flag');
      return (
        `${m.name}${m.lambda === null ? '' : ` (λ = ${m.lambda})`}: ` +
        (Number.isFinite(m.artifactFreeAccuracy) ? `accuracy on artifact-free data ${fixed3(r.before.artifactFreeAccuracy)} → ${fixed3(m.artifactFreeAccuracy)}; ` : '') +
        `saliency marked artifact / region of interest ${ratio(r.before.saliency.artifactOverRoi)} → ${ratio(m.saliency.artifactOverRoi)}; ` +
        (cleared.length ? `cleared: ${cleared.join(', ')}` : 'no flag cleared') +
        (still.length ? `; still flagged: ${still.join(', ')}` : '') + '.'
      );
    })
    .map((s) => paragraph(s))
    .join('\n');
}

function overlays(r: RemedyResult, scale: number): string {
  const columns: [string, Tensor[]][] = [['before', r.before.maps], ...r.remedies.map((m) => [m.name, m.maps] as [string, Tensor[]])];
  const artifact: Tensor = { shape: [1, ...r.examples.roi[0].shape.slice(-2)], data: r.artifact.mask };
  const cells = columns.map(([name]) => `<div class="head">${escapeHtml(name)}</div>`);
  r.examples.images.forEach((image, i) => {
    const outlines: Outline[] = [{ mask: r.examples.roi[i], color: ROI_COLOR }, { mask: artifact, color: ARTIFACT_COLOR }];
    const [h, w] = image.shape.slice(-2);
    for (const [name, maps] of columns) {
      // Each map is scaled to its own maximum: its colour bar says how strong that maximum is.
      const bar = colourBarSvg({ colormap: 'inferno', range: mapRange(maps[i].data, false), unit: 'saliency |∂ logit_y / ∂x|', width: w * scale });
      cells.push(`<figure>${img(pngDataUri(overlayPng(image, maps[i], { scale, outlines })), `example ${i + 1}, ${name}: saliency over the image`)}${bar}</figure>`);
    }
  });
  return grid(cells, columns.length) + paragraph('Saliency |∂ logit_y/∂x| (y = the label) of the same images; cyan outline = region of interest, blue = the marked artifact. Each map is scaled to its own maximum (its colour bar gives it).', 'muted');
}

export function renderRemedyPage(r: RemedyResult, options: { scale?: number } = {}): string {
  const body = [
    '<header>',
    '<h1>From verdict to remedy: the shortcut model retrained</h1>',
    paragraph(`trustscope remedy · seed ${r.seed} · ${r.before.audit.name} and its marked artifact`, 'muted'),
    '</header>',
    paragraph('The audit flagged a shortcut: the model reads a marked artifact instead of the evidence in the region of interest. Each remedy below retrained it, and each retrained model was audited again with the same inputs and seed.', 'lead'),
    `<ul>${r.remedies.map((m) => `<li><strong>${escapeHtml(m.name)}</strong>: ${escapeHtml(m.training)}.</li>`).join('')}</ul>`,
    section('Before and after', numbers(r) + findings(r)),
    section('Where the model looks', overlays(r, options.scale ?? 5)),
    section(
      'What this cannot tell',
      paragraph('The remedies remove the dependence on the artifact the expert marked; another shortcut the mark does not cover would survive. Whether the defect evidence the model now uses is the physics still needs an expert.'),
    ),
  ].join('\n');
  return htmlPage({ title: 'trustscope remedy — before and after', body });
}
