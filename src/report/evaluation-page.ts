/**
 * The `trustscope evaluate` page: one verdict line per check, then the evidence — randomisation
 * curves per layer and the randomised maps next to the trained ones, localisation and complexity
 * tables, deletion/insertion curves, robustness figures, and a table of headline numbers for every
 * other registered metric (road, infidelity, sufficiency…). Every sentence that states a finding is
 * built from the numbers in the result.
 */
import type { Tensor } from '../tensor/tensor.js';
import { row, tensor } from '../tensor/tensor.js';
import type { EvaluationResult } from '../evaluate/evaluate.js';
import { getMetric } from '../evaluate/registry.js';
import type { RandomisationStep } from '../evaluate/randomisation.js';
import type { MetricScores } from '../evaluate/localisation.js';
import { escapeHtml, grid, htmlPage, img, paragraph, raw, section, table } from './html.js';
import { greyscalePng, heatmapPng, pngDataUri } from './png.js';
import { lineChart } from './charts.js';
import { colourBarSvg, mapRange } from './colour-bar.js';
import type { Series } from './charts.js';
import type { SpatialCalibration } from '../data/spatial-calibration.js';
import { NO_PIXEL_SIZE, SCALE_BAR_CSS, scaleBarFor, withScaleBar } from './scale-bar.js';
import { manipulationResultFigureHtml } from './manipulation-figure.js';
import type { ManipulationResult } from '../evaluate/explanation-manipulation.js';

export interface EvaluationPageInput {
  result: EvaluationResult;
  inputs: Tensor;
  /** Shown in the header (e.g. the model file). */
  modelName?: string;
  /** Images shown with their randomised maps (default 3). */
  examples?: number;
  /** What was explained, in words, when the target names no class (a segmenter's mask). */
  explained?: string;
  /** The inputs' pixel size (all images share it): pictures get a scale bar. */
  calibration?: SpatialCalibration;
}

/** Σ|a| over channels of a [C, H, W] map as [1, H, W], so every picture shows magnitude. */
function magnitude(map: Tensor): Tensor {
  const [c, h, w] = map.shape;
  const out = new Float32Array(h * w);
  for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[p] += Math.abs(map.data[ch * h * w + p]);
  return tensor([1, h, w], out);
}

/**
 * One [C, H, W] image (grey) or map (inferno heatmap of |a|) as an inline PNG, with its scale bar
 * when calibrated; a map carries its colour bar (each map is scaled to its own maximum).
 */
function picture(t: Tensor, alt: string, heat: boolean, scale: number, calibration?: SpatialCalibration): string {
  const [h, w] = t.shape.slice(-2);
  if (!heat) return `<figure>${withScaleBar(img(pngDataUri(greyscalePng(t, { scale })), alt), scaleBarFor(calibration, w, h), w, h)}</figure>`;
  const m = magnitude(t);
  const range = mapRange(m.data, false);
  const bar = colourBarSvg({ colormap: 'inferno', range, unit: '|attribution| (Σ over channels)', width: w * scale });
  return `<figure>${withScaleBar(img(pngDataUri(heatmapPng(m, { scale, range })), alt), scaleBarFor(calibration, w, h), w, h)}${bar}</figure>`;
}

function verdictList(result: EvaluationResult): string {
  const items = result.verdicts.map((v) => {
    const mark = v.passes === null ? 'ℹ' : v.passes ? '✔' : '✘';
    return `<li><strong>${mark} ${escapeHtml(v.check)}</strong>: ${escapeHtml(v.text)}</li>`;
  });
  return `<ul class="verdicts">\n${items.join('\n')}\n</ul>`;
}

function finite(values: readonly (number | null)[]): boolean {
  return values.every((v) => v !== null && Number.isFinite(v));
}

async function randomisationSection(result: EvaluationResult, inputs: Tensor, examples: number, calibration?: SpatialCalibration): Promise<string> {
  const r = result.randomisation!;
  const parts: string[] = [paragraph(r.verdict.text, 'note'), paragraph(`Rule: ${r.verdict.rule}.`, 'muted')];
  const curve = (name: string, steps: readonly RandomisationStep[], pick: (s: RandomisationStep) => number | null): Series | null => {
    const y = [1, ...steps.map(pick)];
    return finite(y) ? { name, x: y.map((_, i) => i), y: y as number[] } : null;
  };
  const series: Series[] = [];
  if (r.cascading) series.push(...[curve('cascade ρ', r.cascading, (s) => s.spearman), curve('cascade SSIM', r.cascading, (s) => s.ssim)].filter((s): s is Series => s !== null));
  if (r.independent) series.push(...[curve('independent ρ', r.independent, (s) => s.spearman)].filter((s): s is Series => s !== null));
  const steps = r.layers.length;
  if (Number.isFinite(r.baseline.spearman)) series.push({ name: 'baseline ρ', x: [0, steps], y: [r.baseline.spearman, r.baseline.spearman] });
  if (Number.isFinite(r.verdict.threshold)) series.push({ name: 'threshold', x: [0, steps], y: [r.verdict.threshold, r.verdict.threshold] });
  if (series.length > 0) {
    // The axis names the layers, as the maps below are named.
    const xCategories = ['trained', ...r.layers.map((l) => `→ ${l}`)];
    parts.push(await lineChart(series, { x: 'randomised from the top down to layer', y: 'similarity to the trained map' }, { width: 520, height: 240, yDomain: [-0.2, 1], xCategories }));
  }
  const rows = (mode: string, list: readonly RandomisationStep[] | undefined) =>
    (list ?? []).map((s, i) => [`${mode} ${i + 1}: ${s.layer}`, s.spearman, s.ssim, s.hogDistance, s.hotspotSurvival * r.hotspots.count]);
  parts.push(
    table(['step', 'Spearman ρ (|a|)', 'SSIM', 'HOG distance (0…√2)', `hotspots surviving (of ${r.hotspots.count})`], [...rows('cascading', r.cascading), ...rows('independent', r.independent)], {
      caption: `Means over ${r.images} image(s). Baseline (${r.baseline.kind}${r.baseline.noise !== undefined ? `, σ = ${r.baseline.noise.toPrecision(3)}` : ''}): ρ ${r.baseline.spearman.toFixed(3)}, SSIM ${r.baseline.ssim.toFixed(3)}. Hotspots: top ${r.hotspots.count} peaks of the smoothed map, matched within ${r.hotspots.radius} px.`,
    }),
  );
  if (r.randomLogit) {
    const noun = result.task === 'regression' ? 'output' : 'class';
    parts.push(paragraph(`Random-${noun === 'output' ? 'output' : 'logit'} test: explaining a random other ${noun} gives ρ ${r.randomLogit.spearmanSigned.toFixed(3)} on the signed maps and ${r.randomLogit.spearmanAbs.toFixed(3)} on |a| — ${r.randomLogit.changes ? `the map changes with the ${noun}.` : noun === 'output' ? 'the map does not change with the output.' : 'the map does not change with the class (on a two-class model a method that takes |gradient| cannot tell the classes apart).'}`));
  }
  const cascade = r.cascading ?? [];
  const shown = Math.min(examples, r.trainedMaps?.shape[0] ?? 0, ...cascade.map((s) => s.maps?.shape[0] ?? 0));
  if (shown > 0 && cascade.length > 0) {
    const [h, w] = inputs.shape.slice(-2);
    const scale = Math.max(1, Math.floor(96 / Math.max(h, w)));
    const head = ['image', 'trained', ...cascade.map((s) => `+ ${s.layer} random`)].map((t) => `<div class="head">${escapeHtml(t)}</div>`);
    const cells: string[] = [...head];
    for (let i = 0; i < shown; i++) {
      cells.push(picture(sliceMap(inputs, i), `image ${i}`, false, scale, calibration));
      cells.push(picture(sliceMap(r.trainedMaps!, i), `trained map ${i}`, true, scale, calibration));
      for (const s of cascade) cells.push(picture(sliceMap(s.maps!, i), `map ${i} with ${s.layer} and above random`, true, scale, calibration));
    }
    const note = `Each map is |a| summed over channels and scaled to its own maximum: a randomised model's gradients may be far smaller, and the question is where the map points.${calibration ? '' : ` ${NO_PIXEL_SIZE}`}`;
    parts.push('<h3>Cascading randomisation, map by map</h3>', grid(cells, 2 + cascade.length), paragraph(note, 'muted'));
  }
  return section('Model-parameter randomisation', parts.join('\n'), { id: 'randomisation' });
}

function sliceMap(maps: Tensor, i: number): Tensor {
  const r = row(maps, i);
  return { shape: r.shape.slice(1), data: r.data };
}

function scoreRow(name: string, s: MetricScores, note: string): (string | number | null)[] {
  return [name, s.mean, s.perImage.filter((v) => v !== null).length, note];
}

function localisationSection(result: EvaluationResult): string {
  const l = result.localisation!;
  const io = l.insideOutside;
  const rows = [
    ['inside/outside mean ratio', io ? io.ratio : null, l.scored, io ? `inside ${io.inside.toFixed(3)} vs outside ${io.outside.toFixed(3)} (maps scaled to max 1)` : 'no image with pixels inside and outside'],
    scoreRow('attribution localisation', l.attributionLocalisation, 'positive mass inside / all positive mass'),
    scoreRow('… size-weighted', l.attributionLocalisationWeighted, '× pixels / mask pixels (Kohlbrenner); > 1 = denser inside'),
    scoreRow('relevance mass accuracy', l.relevanceMassAccuracy, '|a| inside / all |a|'),
    scoreRow('relevance rank accuracy', l.relevanceRankAccuracy, 'top-|M| pixels inside / |M|'),
    scoreRow('pointing game', l.pointingGame, 'maximum inside (ties shared)'),
    scoreRow(`top-${l.topKIntersection.k} intersection`, l.topKIntersection, `top-${l.topKIntersection.k} pixels by |a| inside / k`),
    scoreRow('ROC AUC', l.auc, '|a| as a score for the mask; 0.5 = chance'),
  ];
  return section('Localisation', table(['metric', 'mean', 'images scored', 'definition'], rows, { caption: `${l.scored} of ${l.images} image(s) have a non-empty mask; an empty mask gives no score.` }), { id: 'localisation' });
}

async function faithfulnessSection(result: EvaluationResult): Promise<string> {
  const f = result.faithfulness!;
  const d = f.deletionInsertion;
  const series: Series[] = [];
  if (d.deletion) series.push({ name: 'deletion', x: d.deletion.fractions, y: d.deletion.meanCurve });
  if (d.insertion) series.push({ name: 'insertion', x: d.insertion.fractions, y: d.insertion.meanCurve });
  const chart = series.length && series.every((s) => finite(s.y)) ? await lineChart(series, { x: 'fraction of features removed / inserted', y: `target ${d.settings.score}` }, { width: 520, height: 240 }) : '';
  const areas = [d.deletion ? `deletion area ${d.deletion.meanArea.toFixed(3)}` : '', d.insertion ? `insertion area ${d.insertion.meanArea.toFixed(3)}` : ''].filter(Boolean).join(', ');
  const text = `${areas ? `Mean curves over ${result.images} image(s); ${areas}. ` : ''}Baseline '${d.settings.baseline}', ${d.settings.features} features of ${d.settings.patch}×${d.settings.patch} px, ${d.settings.steps} steps. Faithfulness correlation (Bhatt et al.): mean Pearson r ${Number.isFinite(f.correlation.mean) ? f.correlation.mean.toFixed(3) : 'n/a'} over ${f.correlation.settings.runs} random subsets of ${f.correlation.settings.subsetSize} features.`;
  return section('Faithfulness', [chart, paragraph(text, 'muted')].join('\n'), { id: 'faithfulness' });
}

function robustnessSection(result: EvaluationResult): string {
  const r = result.robustness!;
  const s = r.settings;
  const parts = [
    table(['measure', 'mean'], [['max-sensitivity', r.mean.maxSensitivity], ['average sensitivity', r.mean.averageSensitivity], ['local Lipschitz estimate', r.mean.localLipschitz]], {
      caption: `${s.samples} ${s.distribution} perturbations of radius ${s.radius} per image (seed ${s.seed}); sensitivity = ‖a(x+δ) − a(x)‖ / ‖a(x)‖.`,
    }),
  ];
  const a = result.adversarial;
  if (a) {
    const mean = (v: readonly (number | null)[]) => {
      const ok = v.filter((x): x is number => x !== null && Number.isFinite(x));
      return ok.length ? ok.reduce((x, y) => x + y, 0) / ok.length : null;
    };
    parts.push(
      table(['adversarial flip', 'value'], [
        ['images flipped', `${a.flipped} of ${a.epsilon.length}`],
        ['median smallest flipping ε (input units)', a.medianEpsilon],
        ['Spearman ρ, clean vs adversarial map (signed)', mean(a.spearman)],
        ['Spearman ρ on |a|', mean(a.spearmanMagnitude)],
        ['relative L2 change of the map', mean(a.relativeChange)],
      ], { caption: `${a.settings.attack.toUpperCase()}, L∞, ε searched up to ${a.settings.maxEpsilon.toPrecision(3)} on a grid of ${a.settings.grid} then bisected ${a.settings.refine} times.` }),
    );
  }
  return section('Robustness', parts.join('\n'), { id: 'robustness' });
}

function complexitySection(result: EvaluationResult): string {
  const c = result.complexity!;
  return section(
    'Complexity',
    table(['measure', 'mean', 'range'], [
      ['sparseness (Gini of |a|)', c.sparseness.mean, '0 flat … 1 one pixel'],
      ['complexity (entropy of |a| fractions)', c.complexity.mean, `0 … ln ${c.pixels} = ${Math.log(c.pixels).toFixed(2)}`],
      [`effective complexity (|a| > ${c.effectiveComplexity.epsilon} × max)`, c.effectiveComplexity.mean, `0 … ${c.pixels} pixels`],
    ]),
    { id: 'complexity' },
  );
}

/**
 * Metrics without a section of their own (every metric registered after the first five): their
 * verdict line and a table of the headline numbers each metric's `summarise` picks.
 */
function registeredMetricSections(result: EvaluationResult): string[] {
  return Object.entries(result.results).map(([name, value]) => {
    const metric = getMetric(name);
    const verdict = result.verdicts.find((v) => v.check === name);
    const rows = metric.summarise(value).map((n) => [n.label, n.value, n.note ?? '']);
    const parts = [verdict ? paragraph(verdict.text, 'note') : '', table(['measure', 'value', 'note'], rows, { caption: metric.description })];
    if (name === 'manipulation') parts.push(manipulationResultFigureHtml(value as ManipulationResult));
    return section(name, parts.filter(Boolean).join('\n'), { id: name });
  });
}

export async function renderEvaluationPage(input: EvaluationPageInput): Promise<string> {
  const { result, inputs } = input;
  const examples = input.examples ?? 3;
  const parts = [
    '<header>',
    `<h1>Is the explanation real? ${escapeHtml(result.method)}</h1>`,
    paragraph(`trustscope evaluate · ${input.modelName ? `${input.modelName} · ` : ''}${result.images} image(s) · ${input.explained ? `explained: ${escapeHtml(input.explained)}` : `${result.task === 'regression' ? 'outputs' : 'classes'} explained: ${[...new Set(result.targets)].join(', ')}`}`, 'muted'),
    '</header>',
    section('Verdicts', verdictList(result), { id: 'verdicts' }),
  ];
  if (result.randomisation) parts.push(await randomisationSection(result, inputs, examples, input.calibration));
  if (result.localisation) parts.push(localisationSection(result));
  if (result.faithfulness) parts.push(await faithfulnessSection(result));
  if (result.robustness) parts.push(robustnessSection(result));
  if (result.complexity) parts.push(complexitySection(result));
  parts.push(...registeredMetricSections(result));
  parts.push(raw('<footer>Thresholds and definitions are stated next to each number; evaluation.json holds every per-image value.</footer>').html);
  return htmlPage({ title: `trustscope evaluate: ${result.method}`, body: parts.join('\n'), css: `.verdicts { padding-left: 1.2rem; } .verdicts li { margin: 0.3rem 0; }${SCALE_BAR_CSS}` });
}
