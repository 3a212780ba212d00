/**
 * "Does the model use a shortcut outside the region of interest?": where does the model look, compared with where the evidence is? Needs a
 * region-of-interest mask per image (where the real evidence lies, e.g. the defect, an object).
 * Per class, four kinds of evidence (shortcut-rule.ts judges them):
 * - the explanation: saliency mean inside the ROI vs outside it, and how that ratio compares with
 *   the other classes' (a class whose ratio is a robust outlier looks elsewhere than its peers);
 * - sufficiency: paste the strongest outside-ROI window into images of other classes (the hotspot
 *   transplant, plus the probability shift it causes at several window sizes);
 * - necessity: erase that window by its surroundings in the class's own images;
 * - each with a random outside-ROI window of the same size as its control.
 */
import type { Tensor } from '../tensor/tensor.js';
import { takeRows } from '../tensor/tensor.js';
import { saliency } from '../attribution/saliency.js';
import { regionContrast } from '../evaluate/region.js';
import { hotspotTransplant, type TransplantResult } from '../trust/hotspot-transplant.js';
import { hotspotEvidence, type ScaleEvidence } from '../trust/hotspot-evidence.js';
import type { FigureData } from './figure-data.js';
import { probabilitiesFromLogits } from '../trust/calibration.js';
import { defineCheck, need, notRunResult, roiMask } from './check.js';
import { commonWindow, type ArtifactWindow } from './artifact-window.js';
import { judgeClasses, SHORTCUT_RULE, type ClassJudgement } from './shortcut-rule.js';

export { SHORTCUT_RULE } from './shortcut-rule.js';

/** Images per class shown as saliency overlays in the report. */
const EXAMPLES = 4;

export interface ClassShortcutEvidence {
  class: number;
  images: number;
  saliencyInside: number;
  saliencyOutside: number;
  saliencyRatio: number;
  transplant: Omit<TransplantResult, 'hotspots'>;
  /** Necessity and sufficiency per window size, with the window chosen in each image (top-left y, x). */
  scales: ScaleEvidence[];
  /** Where the hotspot sits at the quoted window size (remedy --from-audit masks it). */
  artifact?: ArtifactWindow;
  verdict: ClassJudgement['verdict'];
  fired: ClassJudgement['fired'];
  /** The window size whose numbers the summary quotes. */
  window?: number;
  robustZ: number;
  roiMayBeTooTight: boolean;
}

function nonEmpty(mask: Tensor, i: number): boolean {
  const plane = mask.shape[1] * mask.shape[2];
  for (let p = 0; p < plane; p++) if (mask.data[i * plane + p] > 0.5) return true;
  return false;
}

/** A share as a percentage, or a phrase saying why there is none: NaN never reaches a sentence. */
function pct(value: number, images: number): string {
  return images > 0 && Number.isFinite(value) ? `${(100 * value).toFixed(0)}%` : 'n/a (no pairs: the class has too few images)';
}

function signed(v: number): string {
  return Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}` : 'n/a';
}

function describe(e: ClassShortcutEvidence, roiName: string): string {
  const s = e.scales.find((x) => x.window === e.window);
  const parts = [`class ${e.class}: saliency inside/outside the ${roiName === 'roi' ? 'ROI' : `${roiName} region`} ${Number.isFinite(e.saliencyRatio) ? `${e.saliencyRatio.toFixed(1)}×` : 'n/a'}${Number.isFinite(e.robustZ) ? ` (robust z ${e.robustZ.toFixed(1)} among the classes)` : ''}`];
  parts.push(`pasting the outside hotspot turns ${pct(e.transplant.flipRate, e.transplant.pairs)} of other images into class ${e.class} (random window: ${pct(e.transplant.controlFlipRate, e.transplant.pairs)})`);
  if (s) {
    parts.push(
      `erasing its ${s.window}×${s.window} hotspot makes ${pct(s.necessity.hotspot.flipRate, s.necessity.hotspot.images)} of its images stop being class ${e.class} ` +
        `(probability ${signed(s.necessity.hotspot.probabilityShift)}; random window ${pct(s.necessity.control.flipRate, s.necessity.control.images)}, ${signed(s.necessity.control.probabilityShift)})`,
    );
    parts.push(`pasting it shifts other images toward the class by ${signed(s.sufficiency.hotspot.probabilityShift)} (random window ${signed(s.sufficiency.control.probabilityShift)})`);
  }
  if (e.fired.length) parts.push(`fired: ${e.fired.join(', ')}${e.roiMayBeTooTight ? ' — next to the ROI and moving with it: the ROI may be too tight' : ''}`);
  return parts.join(', ');
}

function describeParts(flagged: readonly ClassShortcutEvidence[]): string {
  const needed = flagged.some((e) => e.fired.includes('necessity'));
  const fakes = flagged.some((e) => e.fired.includes('sufficiency'));
  return needed && fakes ? 'is needed for the class and, pasted elsewhere, fakes it' : needed ? 'is needed for the class (erasing it loses the class)' : 'fakes the class when pasted into other images';
}

function classTable(perClass: readonly ClassShortcutEvidence[]): FigureData {
  const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '—');
  const p = (v: number, n: number) => (n > 0 && Number.isFinite(v) ? `${(100 * v).toFixed(0)}%` : '—');
  return {
    kind: 'table',
    caption:
      'per class: saliency inside/outside the ROI and its robust z among the classes; transplant flips (control); at the quoted window: erase flips away from the class ' +
      '(control), probability shift on pasting into other classes (control) and into their lowest-margin quarter; distance of the hotspot from the ROI and how often it sits at one place',
    headers: ['class', 'images', 'in/out', 'z', 'transplant', 'window', 'erase flips', 'paste shift', 'low-margin shift', 'ROI distance', 'fixed place', 'verdict'],
    rows: perClass.map((e) => {
      const s = e.scales.find((x) => x.window === e.window);
      return [
        e.class,
        e.images,
        f2(e.saliencyRatio),
        f2(e.robustZ),
        `${p(e.transplant.flipRate, e.transplant.pairs)} (${p(e.transplant.controlFlipRate, e.transplant.pairs)})`,
        s ? `${s.window}×${s.window}` : '—',
        s ? `${p(s.necessity.hotspot.flipRate, s.necessity.hotspot.images)} (${p(s.necessity.control.flipRate, s.necessity.control.images)})` : '—',
        s ? `${f2(s.sufficiency.hotspot.probabilityShift)} (${f2(s.sufficiency.control.probabilityShift)})` : '—',
        s ? `${f2(s.sufficiency.lowMargin.hotspot.probabilityShift)} (${f2(s.sufficiency.lowMargin.control.probabilityShift)})` : '—',
        s && Number.isFinite(s.roiDistance) ? `${s.roiDistance} px` : '—',
        s ? p(s.fixedPlace, s.sources) : '—',
        `${e.verdict.toUpperCase()}${e.fired.length ? ` (${e.fired.join(', ')})` : ''}`,
      ];
    }),
  };
}

export const shortcutCheck = defineCheck({
  id: 'shortcut',
  title: 'Does the model use a shortcut outside the region of interest?',
  needs: [need('classifier', 'it counts class flips; a regressor gets the regression-shortcut check (output shifts)'), need('roi', 'the audit cannot tell where the real evidence is')],
  options: [
    { key: 'sources', flag: '--shortcut-sources', kind: 'integer', default: 100, min: 1, help: 'images explained per class by the shortcut check (correctly predicted, with a marked region)' },
    { key: 'recipients', flag: '--shortcut-recipients', kind: 'integer', default: 200, min: 1, help: 'images of other classes the shortcut check pastes each hotspot into' },
  ],
  limits:
    'The check only sees what the masks say is evidence: if the masks are wrong, so is the verdict. A pass means the model ' +
    'looks at the marked regions and no outside patch is needed for or fakes a class; whether what it sees there is the physics must still be judged by an expert.',
  async run(context, options: { sources: number; recipients: number }) {
    const { model, data, predicted } = context;
    const roi = roiMask(data)!;
    const classes = [...new Set(data.labels)].sort((a, b) => a - b);
    type Gathered = Omit<ClassShortcutEvidence, 'verdict' | 'fired' | 'window' | 'robustZ' | 'roiMayBeTooTight'> & { evidence: Awaited<ReturnType<typeof hotspotEvidence>> };
    const gathered: Gathered[] = [];
    const examples = new Map<number, FigureData>();
    const probabilities = probabilitiesFromLogits(context.logits);
    for (const c of classes) {
      // Sources: correctly predicted images of class c whose ROI is marked.
      const src = data.labels.map((l, i) => (l === c && predicted[i] === c && nonEmpty(roi.mask, i) ? i : -1)).filter((i) => i >= 0).slice(0, options.sources);
      const rec = data.labels.map((l, i) => (l !== c ? i : -1)).filter((i) => i >= 0).slice(0, options.recipients);
      if (src.length === 0 || rec.length === 0) continue;
      const images = takeRows(data.images, src);
      const masks = takeRows(roi.mask, src);
      const recipients = takeRows(data.images, rec);
      const sal = await saliency.attribute(model, images, { target: c });
      const region = regionContrast(sal.values, masks);
      // A stream per class and purpose: the controls do not depend on which other classes had sources.
      const seed = context.random.fork(`transplant class ${c}`).seed();
      const t = await hotspotTransplant(model, { sources: images, maps: sal.values, roi: masks, recipients }, { targetClass: c, seed });
      const evidence = await hotspotEvidence(model, { sources: images, maps: sal.values, roi: masks, recipients }, { targetClass: c, seed: context.random.fork(`hotspots class ${c}`).seed() });
      const { hotspots: _h, ...transplant } = t;
      gathered.push({
        class: c,
        images: src.length,
        saliencyInside: region.inside,
        saliencyOutside: region.outside,
        saliencyRatio: region.ratio,
        transplant,
        scales: evidence.scales,
        evidence,
      });
      const k = Math.min(EXAMPLES, src.length);
      const first = Array.from({ length: k }, (_, i) => i);
      examples.set(c, {
        kind: 'overlays',
        caption: `class ${c}: each image, then its saliency over it`,
        images: takeRows(images, first),
        maps: takeRows(sal.values, first),
        outlines: takeRows(masks, first),
        outlineMeaning: `region of interest (the '${roi.name}' mask): where the evidence for the class should be`,
        labels: first.map((i) => `image ${src[i]}`),
        details: first.map((i) => ({ truth: `class ${data.labels[src[i]]}`, predicted: `class ${predicted[src[i]]}`, confidence: probabilities.data[src[i] * probabilities.shape[1] + predicted[src[i]]] })),
        values: { unit: `saliency |∂ class-${c} logit / ∂ pixel|`, signed: false },
      });
      context.progress(gathered.length / classes.length);
    }
    if (gathered.length === 0) return notRunResult(`no correctly predicted image has a non-empty '${roi.name}' mask, so there is nothing to compare against.`);
    const judged = judgeClasses(gathered.map((g) => ({ class: g.class, saliencyRatio: g.saliencyRatio, transplant: g.transplant, evidence: g.evidence })));
    const perClass: ClassShortcutEvidence[] = gathered.map(({ evidence, ...g }, i) => ({
      ...g,
      verdict: judged[i].verdict,
      fired: judged[i].fired,
      window: judged[i].scale?.window,
      artifact: ((s) => s && commonWindow(s.hotspots, s.window, g.class))(g.scales.find((s) => s.window === judged[i].scale?.window) ?? evidence.best),
      robustZ: judged[i].robustZ,
      roiMayBeTooTight: judged[i].roiMayBeTooTight,
    }));
    const flagged = perClass.filter((e) => e.verdict === 'flag');
    const warned = perClass.filter((e) => e.verdict === 'warn');
    const verdict = flagged.length > 0 ? 'flag' : warned.length > 0 ? 'warn' : 'pass';
    const tooTight = perClass.filter((e) => e.roiMayBeTooTight);
    const named = (list: readonly ClassShortcutEvidence[]) => list.map((e) => e.class).join(', ');
    const lead =
      verdict === 'flag'
        ? `Shortcut in class ${named(flagged)}: a patch outside the evidence region ${describeParts(flagged)}.`
        : verdict === 'warn'
          ? tooTight.length > 0
            ? `The model needs evidence just outside the region of interest of class ${named(tooTight)}: the ROI may be too tight (or a shortcut hugs the object); check the masks.`
            : `Weaker evidence of a shortcut in class ${named(warned)}; no outside patch is necessary for or sufficient to fake a class.`
          : 'The model looks at the evidence region; no outside patch is necessary for or fakes a class.';
    // Every class with something to say; with many quiet classes, one line for the rest.
    const quiet = perClass.filter((e) => e.verdict === 'pass');
    const loud = perClass.filter((e) => e.verdict !== 'pass');
    const details = (perClass.length <= 3 ? perClass : loud).map((e) => describe(e, roi.name));
    if (perClass.length > 3 && quiet.length > 0) details.push(loud.length > 0 ? `${quiet.length} other class(es) pass (${named(quiet)})` : `all ${quiet.length} classes pass (no part fired)`);
    const figures: FigureData[] = [classTable(perClass)];
    const shown = loud.length > 0 ? loud : perClass.slice(0, 2);
    for (const e of shown) if (examples.has(e.class)) figures.push(examples.get(e.class)!);
    return {
      verdict,
      summary: `${lead} ${details.join('; ')}.`,
      headline:
        verdict === 'flag'
          ? `it predicts class ${named(flagged)} from a patch outside the region of interest`
          : tooTight.length > 0
            ? `it needs evidence just outside the region of interest of class ${named(tooTight)}`
            : `it may lean on evidence outside the region of interest of class ${named(warned)}`,
      rule:
        `per class, at window sizes 4, 8, 16 px and a quarter of the side: flag when erasing the strongest outside-ROI window makes ≥ ${100 * SHORTCUT_RULE.flipRate}% of the class's images ` +
        `stop being the class (necessity), or pasting it into other classes makes ≥ ${100 * SHORTCUT_RULE.flipRate}% of them the class (sufficiency), ` +
        `in both cases ≥ ${100 * SHORTCUT_RULE.overControl} points above a random outside window — unless the hotspot lies within ${SHORTCUT_RULE.hugDistance} px of the ROI and ` +
        `moves with it (fewer than ${100 * SHORTCUT_RULE.fixedPlace}% at one place), which caps the class at warn (the ROI may be too tight); ` +
        `warn on a probability shift ≥ ${SHORTCUT_RULE.shift} beyond the control (≥ ${SHORTCUT_RULE.lowMarginShift} on the lowest-margin quarter) at a window size where random windows move it by less than ${SHORTCUT_RULE.quietControl}, ` +
        `a saliency ratio with robust z ≤ ${SHORTCUT_RULE.outlierZ} among the classes, or a ratio below ${SHORTCUT_RULE.insideOutside}×.`,
      evidence: { mask: roi.name, perClass },
      figures,
    };
  },
});
