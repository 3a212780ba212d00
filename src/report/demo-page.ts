/**
 * The `trustscope demo` report: two models with the same accuracy, and the explanations that tell
 * them apart. All prose that states a finding is generated from the numbers passed in, so the page
 * can never claim more than the run measured.
 */
import type { Tensor } from '../tensor/tensor.js';
import { finiteRange, type Range } from './colormap.js';
import { escapeHtml, figure, formatNumber, grid, htmlPage, img, paragraph, section, table } from './html.js';
import { greyscalePng, heatmapPng, overlayPng, pngDataUri, type Outline } from './png.js';
import type { SpatialCalibration } from '../data/spatial-calibration.js';
import { NO_PIXEL_SIZE, SCALE_BAR_CSS, scaleBarFor, withScaleBar } from './scale-bar.js';

export interface ModelExamples {
  label: string;                       // e.g. 'clean model' / 'shortcut model'
  images: Tensor[];                    // a few example test images, each [1, 32, 32] in ~[0,1]
  saliency: Tensor[];                  // matching |gradient| maps, each [1, 32, 32]
  occlusion: Tensor[];                 // matching occlusion maps, each [1, 32, 32]
  regionNote: string;                  // e.g. 'lime circle = defect region; red box = corner artifact'
  regions?: { defect?: Tensor; corner?: Tensor }[];  // optional per-example masks [32,32] (1 inside)
}

export interface DemoPageInput {
  summary: DemoSummary;
  clean: ModelExamples;
  shortcut: ModelExamples;
  timings?: Record<string, number>;    // seconds per stage
  /** The images' pixel size; the synthetic tiles have none, so by default the page says so once. */
  calibration?: SpatialCalibration;
}

export interface DemoSummary {
  seed: number;
  clean: {
    testAccuracy: number;
    saliency: { insideDefect: number; outsideDefect: number; ratio: number };
    occlusion: { insideDefect: number; outsideDefect: number; ratio: number };
    intervention: { injectedDefectRate: number; removedArtifactAccuracy: number };
  };
  shortcut: {
    testAccuracy: number;
    saliency: { corner: number; defectRegion: number; ratio: number };
    occlusion: { corner: number; defectRegion: number; ratio: number };
    intervention: { injectedDefectRate: number; removedArtifactAccuracy: number };
  };
}

export interface DemoPageOptions {
  /** Show `input.timings` (when given) as a small footer; default true. */
  showTimings?: boolean;
  /** Nearest-neighbour upscaling of the 32×32 pictures; default 6. */
  scale?: number;
}

const DEFECT_COLOR = '#00ff00'; // lime: stands out against every inferno shade
const CORNER_COLOR = '#ff0000';

export function renderDemoPage(input: DemoPageInput, options: DemoPageOptions = {}): string {
  const { showTimings = true, scale = 6 } = options;
  const { summary } = input;
  const body = [
    '<header>',
    '<h1>Same accuracy, different reasons: a clean model and a shortcut model</h1>',
    paragraph(`trustscope demo · seed ${summary.seed} · synthetic 32×32 EM-like images`, 'muted'),
    input.calibration ? '' : paragraph(NO_PIXEL_SIZE, 'muted'),
    '</header>',
    paragraph(
      'Two small CNNs were trained to find a centre-disk defect in synthetic micrographs. One learned the defect; ' +
        'the other learned a bright corner artifact that happened to co-occur with defects in its training data. ' +
        'Accuracy alone cannot tell a model that learned the physics from one that learned a shortcut — both score ' +
        'almost perfectly on test data drawn the same way. The explanations can: they show where each model looks, ' +
        'and an intervention shows whether it acts on what it looks at.',
      'lead',
    ),
    section('The numbers', numbersTable(summary, input.clean.label, input.shortcut.label) + paragraph(findings(summary))),
    modelSection(input.clean, scale, 'clean', input.calibration),
    modelSection(input.shortcut, scale, 'shortcut', input.calibration),
    section('What this demo cannot tell', limitations()),
    showTimings && input.timings ? timingsFooter(input.timings) : '',
  ].join('\n');
  return htmlPage({ title: 'trustscope demo — clean vs shortcut model', body, css: DEMO_CSS });
}

const DEMO_CSS = `${SCALE_BAR_CSS}
.grid .example figcaption { text-align: center; }
table.numbers td { min-width: 16rem; }
`;

// ---- numbers -------------------------------------------------------------------------------

function fixed3(v: number): string {
  if (!Number.isFinite(v)) return formatNumber(v);
  // Fixed decimals line up in the table; tiny values keep two significant digits instead of 0.000.
  return v !== 0 && Math.abs(v) < 0.0005 ? formatNumber(v, 2) : v.toFixed(3);
}

function ratioText(r: number): string {
  if (Number.isNaN(r)) return 'n/a';
  if (!Number.isFinite(r)) return '∞×';
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×`;
}

function percent(rate: number): string {
  if (!Number.isFinite(rate)) return formatNumber(rate);
  const p = 100 * rate;
  return `${p !== 0 && Math.abs(p) < 1 ? p.toFixed(1) : p.toFixed(0)}%`;
}

function numbersTable(s: DemoSummary, cleanLabel: string, shortcutLabel: string): string {
  const c = s.clean;
  const k = s.shortcut;
  const rows: string[][] = [
    ['Test accuracy', fixed3(c.testAccuracy), fixed3(k.testAccuracy)],
    [
      'Saliency ratio (mean |gradient|)',
      `${ratioText(c.saliency.ratio)} — inside defect ${fixed3(c.saliency.insideDefect)} vs outside ${fixed3(c.saliency.outsideDefect)}`,
      `${ratioText(k.saliency.ratio)} — corner ${fixed3(k.saliency.corner)} vs defect region ${fixed3(k.saliency.defectRegion)}`,
    ],
    [
      'Occlusion ratio (mean score drop)',
      `${ratioText(c.occlusion.ratio)} — inside defect ${fixed3(c.occlusion.insideDefect)} vs outside ${fixed3(c.occlusion.outsideDefect)}`,
      `${ratioText(k.occlusion.ratio)} — corner ${fixed3(k.occlusion.corner)} vs defect region ${fixed3(k.occlusion.defectRegion)}`,
    ],
    [
      'Called “defect” after injecting the artifact into defect-free images',
      percent(c.intervention.injectedDefectRate),
      percent(k.intervention.injectedDefectRate),
    ],
    [
      'Accuracy with the artifact removed',
      fixed3(c.intervention.removedArtifactAccuracy),
      fixed3(k.intervention.removedArtifactAccuracy),
    ],
  ];
  return table(['', cleanLabel, shortcutLabel], rows, {
    className: 'numbers',
    caption:
      'Ratios compare mean attribution in the region the model should use (clean: the defect disk) or is suspected ' +
      'of using (shortcut: the corner) with the rest. Higher intervention rates mean the artifact alone drives the decision.',
  });
}

/** "3.2× stronger" / "2.0× weaker", readable for any ratio the run may produce. */
function relation(r: number): string {
  if (Number.isNaN(r)) return 'not comparable (no attribution in either region)';
  if (r === Infinity) return 'present only';
  if (r >= 1) return `${ratioText(r)} stronger`;
  if (r > 0) return `${ratioText(1 / r)} weaker`;
  return 'absent';
}

function findings(s: DemoSummary): string {
  const c = s.clean;
  const k = s.shortcut;
  const gap = Math.abs(c.testAccuracy - k.testAccuracy);
  const opening =
    gap <= 0.02
      ? `Both models reach nearly the same test accuracy (${fixed3(c.testAccuracy)} clean, ${fixed3(k.testAccuracy)} shortcut), so accuracy cannot tell them apart.`
      : `The test accuracies differ (${fixed3(c.testAccuracy)} clean, ${fixed3(k.testAccuracy)} shortcut), but accuracy still does not say what either model looked at.`;
  const clean =
    `The clean model's saliency is ${relation(c.saliency.ratio)} inside the defect disk than outside it ` +
    `(${fixed3(c.saliency.insideDefect)} vs ${fixed3(c.saliency.outsideDefect)}), and its occlusion attribution is ` +
    `${relation(c.occlusion.ratio)} inside than outside.`;
  const shortcut =
    `The shortcut model's saliency is ${relation(k.saliency.ratio)} in the corner than in the defect region ` +
    `(${fixed3(k.saliency.corner)} vs ${fixed3(k.saliency.defectRegion)}); by occlusion, ${relation(k.occlusion.ratio)}.`;
  const intervention =
    `Injecting the corner artifact into defect-free images makes the shortcut model call ${percent(k.intervention.injectedDefectRate)} ` +
    `of them defective (clean model: ${percent(c.intervention.injectedDefectRate)}); with the artifact removed its accuracy is ` +
    `${fixed3(k.intervention.removedArtifactAccuracy)} (clean model: ${fixed3(c.intervention.removedArtifactAccuracy)}).`;
  const shortcutShown = k.saliency.ratio > 1 && k.intervention.injectedDefectRate >= 0.5;
  const cleanShown = c.saliency.ratio > 1 && c.intervention.injectedDefectRate < 0.5;
  const verdict =
    shortcutShown && cleanShown
      ? 'Together: the clean model bases its answer on the defect region, while the shortcut model looks at the corner and acts on it — a shortcut, invisible to accuracy.'
      : shortcutShown
        ? 'The shortcut model looks at the corner and acts on it; the clean model does not show the expected focus on the defect either, so inspect its maps before trusting it.'
        : 'These numbers do not show the expected contrast between the models; inspect the maps below before drawing conclusions.';
  return [opening, clean, shortcut, intervention, verdict].join(' ');
}

// ---- pictures ------------------------------------------------------------------------------

/** Zero stays at the dark end for non-negative maps; signed maps use their full span. */
function mapRange(map: Tensor): Range {
  const [lo, hi] = finiteRange(map.data);
  return [Math.min(0, lo), Math.max(0, hi)];
}

function modelSection(examples: ModelExamples, scale: number, id: string, calibration?: SpatialCalibration): string {
  const { label, images, saliency, occlusion, regions } = examples;
  if (saliency.length !== images.length || occlusion.length !== images.length) {
    throw new Error(
      `renderDemoPage: ${label} has ${images.length} images but ${saliency.length} saliency and ${occlusion.length} occlusion maps`,
    );
  }
  const heads = ['Image', 'Saliency |∂y/∂x|', 'Saliency overlay', 'Occlusion', 'Occlusion overlay'];
  const cells = heads.map((h) => `<div class="head">${escapeHtml(h)}</div>`);
  images.forEach((image, i) => {
    const outlines: Outline[] = [];
    const r = regions?.[i];
    if (r?.defect) outlines.push({ mask: r.defect, color: DEFECT_COLOR });
    if (r?.corner) outlines.push({ mask: r.corner, color: CORNER_COLOR });
    const n = i + 1;
    const uri = pngDataUri;
    const [h, w] = image.shape.slice(-2);
    const bar = scaleBarFor(calibration, w, h);
    const scaled = (html: string) => withScaleBar(html, bar, w, h);
    cells.push(
      `<div class="example">${bar ? `<figure>${scaled(img(uri(greyscalePng(image, { scale })), `${label}, example ${n}: input image`))}<figcaption>example ${n}</figcaption></figure>` : figure(uri(greyscalePng(image, { scale })), `example ${n}`, { alt: `${label}, example ${n}: input image` })}</div>`,
      scaled(img(uri(heatmapPng(saliency[i], { range: mapRange(saliency[i]), scale })), `${label}, example ${n}: saliency map`)),
      scaled(img(uri(overlayPng(image, saliency[i], { scale, outlines })), `${label}, example ${n}: saliency over the image`)),
      scaled(img(uri(heatmapPng(occlusion[i], { range: mapRange(occlusion[i]), scale })), `${label}, example ${n}: occlusion map`)),
      scaled(img(uri(overlayPng(image, occlusion[i], { scale, outlines })), `${label}, example ${n}: occlusion over the image`)),
    );
  });
  const regionNote = examples.regionNote.trim();
  const sentence = regionNote === '' || /[.!?]$/.test(regionNote) ? regionNote : `${regionNote}.`;
  const note = paragraph(
    `${sentence} Maps use the inferno scale (dark = no attribution, bright = strongest), each scaled to its own ` +
      'maximum: compare the numbers above, not colours across images.',
    'muted',
  );
  const title = label.charAt(0).toUpperCase() + label.slice(1);
  return section(title, note + grid(cells, heads.length), { id });
}

// ---- prose ---------------------------------------------------------------------------------

function limitations(): string {
  return [
    paragraph(
      'The demo shows where each model finds its evidence and whether it acts on a suspected artifact. It cannot tell ' +
        'whether that evidence is the right physics: a bright disk may be a defect, contamination or a thickness change. ' +
        'An expert who knows the specimen must still judge the physics.',
    ),
    paragraph(
      'The images are synthetic, the region of interest is known by construction, and the test data come from the same ' +
        'generator as the training data. On real micrographs the region must come from the expert, and a model that is ' +
        'right for the right reasons here can still fail on other instruments, doses or specimens; the OOD, calibration ' +
        'and leakage checks of a full audit address those.',
      'note',
    ),
  ].join('\n');
}

function timingsFooter(timings: Record<string, number>): string {
  const entries = Object.entries(timings);
  if (entries.length === 0) return '';
  const total = entries.reduce((sum, [, s]) => sum + (Number.isFinite(s) ? s : 0), 0);
  const parts = entries.map(([stage, s]) => `${escapeHtml(stage)} ${seconds(s)}`);
  return `<footer>Timings: ${parts.join(' · ')} · total ${seconds(total)}</footer>`;
}

function seconds(s: number): string {
  if (!Number.isFinite(s)) return `${formatNumber(s)} s`;
  return `${s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2)} s`;
}
