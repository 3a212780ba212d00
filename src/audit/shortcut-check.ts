/**
 * "Shortcut suspected?": where does the model look, compared with where the evidence is? Needs a
 * region-of-interest mask per image (where the real evidence lies, e.g. the defect). Two kinds of
 * evidence, in the lecture's order: the explanation (saliency mean inside the ROI vs outside it) and
 * an intervention (the hotspot transplant: paste the strongest outside-ROI window into images of
 * other classes; a random outside-ROI window is the control).
 */
import type { Tensor } from '../tensor/tensor.js';
import { takeRows } from '../tensor/tensor.js';
import { saliency } from '../attribution/saliency.js';
import { regionContrast } from '../evaluate/region.js';
import { hotspotTransplant, type TransplantResult } from '../trust/hotspot-transplant.js';
import type { FigureData } from './figure-data.js';
import { defineCheck, need, notRunResult, roiMask } from './check.js';

export const SHORTCUT_RULE = {
  /** Transplant flip rate at or above which a shortcut is confirmed… */
  flipRate: 0.5,
  /** …when it also exceeds the random-window control by this much. */
  overControl: 0.3,
  /** Saliency mean inside the ROI / outside it below which the explanation is "not on the evidence". */
  insideOutside: 2,
};

/** Images per class shown as saliency overlays in the report. */
const EXAMPLES = 4;

export interface ClassShortcutEvidence {
  class: number;
  images: number;
  saliencyInside: number;
  saliencyOutside: number;
  saliencyRatio: number;
  transplant: Omit<TransplantResult, 'hotspots'>;
}

function nonEmpty(mask: Tensor, i: number): boolean {
  const plane = mask.shape[1] * mask.shape[2];
  for (let p = 0; p < plane; p++) if (mask.data[i * plane + p] > 0.5) return true;
  return false;
}

export const shortcutCheck = defineCheck({
  id: 'shortcut',
  title: 'Shortcut suspected?',
  needs: [need('roi', 'the audit cannot tell where the real evidence is')],
  options: [
    { key: 'sources', flag: '--shortcut-sources', kind: 'integer', default: 100, min: 1, help: 'images explained per class by the shortcut check (correctly predicted, with a marked region)' },
    { key: 'recipients', flag: '--shortcut-recipients', kind: 'integer', default: 200, min: 1, help: 'images of other classes the shortcut check pastes each hotspot into' },
  ],
  limits:
    'The check only sees what the masks say is evidence: if the masks are wrong, so is the verdict. A pass means the model ' +
    'looks at the marked regions and no outside patch fakes the class; whether what it sees there is the physics must still be judged by an expert.',
  async run(context, options: { sources: number; recipients: number }) {
    const { model, data, predicted } = context;
    const roi = roiMask(data)!;
    const classes = [...new Set(data.labels)].sort((a, b) => a - b);
    const perClass: ClassShortcutEvidence[] = [];
    const figures: FigureData[] = [];
    for (const c of classes) {
      // Sources: correctly predicted images of class c whose ROI is marked.
      const src = data.labels.map((l, i) => (l === c && predicted[i] === c && nonEmpty(roi.mask, i) ? i : -1)).filter((i) => i >= 0).slice(0, options.sources);
      const rec = data.labels.map((l, i) => (l !== c ? i : -1)).filter((i) => i >= 0).slice(0, options.recipients);
      if (src.length === 0 || rec.length === 0) continue;
      const images = takeRows(data.images, src);
      const masks = takeRows(roi.mask, src);
      const sal = await saliency.attribute(model, images, { target: c });
      const region = regionContrast(sal.values, masks);
      // A stream per class: the classes' control windows do not depend on which other classes had sources.
      const seed = context.random.fork(`transplant class ${c}`).seed();
      const t = await hotspotTransplant(model, { sources: images, maps: sal.values, roi: masks, recipients: takeRows(data.images, rec) }, { targetClass: c, seed });
      const { hotspots: _h, ...transplant } = t;
      perClass.push({ class: c, images: src.length, saliencyInside: region.inside, saliencyOutside: region.outside, saliencyRatio: region.ratio, transplant });
      const k = Math.min(EXAMPLES, src.length);
      const first = Array.from({ length: k }, (_, i) => i);
      figures.push({
        kind: 'overlays',
        caption: `class ${c}: saliency overlays (outline = region of interest); the transplanted window of each is its strongest outside-ROI ${t.window}×${t.window} window`,
        images: takeRows(images, first),
        maps: takeRows(sal.values, first),
        outlines: takeRows(masks, first),
        labels: first.map((i) => `image ${src[i]}`),
      });
    }
    if (perClass.length === 0) return notRunResult(`no correctly predicted image has a non-empty '${roi.name}' mask, so there is nothing to compare against.`);
    const confirmed = perClass.filter((e) => e.transplant.flipRate >= SHORTCUT_RULE.flipRate && e.transplant.flipRate - e.transplant.controlFlipRate >= SHORTCUT_RULE.overControl);
    const offTarget = perClass.filter((e) => !(e.saliencyRatio >= SHORTCUT_RULE.insideOutside));
    const verdict = confirmed.length > 0 ? 'flag' : offTarget.length > 0 ? 'warn' : 'pass';
    const describe = (e: ClassShortcutEvidence) =>
      `class ${e.class}: saliency inside/outside the ${roi.name} region ${e.saliencyRatio.toFixed(1)}×, ` +
      `pasting the outside hotspot turns ${(100 * e.transplant.flipRate).toFixed(0)}% of other images into class ${e.class} (random window: ${(100 * e.transplant.controlFlipRate).toFixed(0)}%)`;
    const lead =
      verdict === 'flag'
        ? 'Shortcut: a patch from outside the evidence region makes the model predict the class.'
        : verdict === 'warn'
          ? 'The explanation is not concentrated on the evidence region, but no outside patch fakes the class.'
          : 'The model looks at the evidence region; no outside patch fakes the class.';
    return {
      verdict,
      summary: `${lead} ${perClass.map(describe).join('; ')}.`,
      rule:
        `flag when pasting the strongest outside-ROI window flips ≥ ${100 * SHORTCUT_RULE.flipRate}% of other images and beats the random-window control by ≥ ${100 * SHORTCUT_RULE.overControl} points; ` +
        `warn when saliency inside/outside the ROI is below ${SHORTCUT_RULE.insideOutside}×.`,
      evidence: { mask: roi.name, perClass },
      figures,
    };
  },
});
