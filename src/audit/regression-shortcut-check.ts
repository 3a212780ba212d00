/**
 * "Do the regression outputs use a shortcut outside the region of interest?": where does each output look, compared with where the
 * evidence is (the ROI masks), and does a patch from outside the ROI move the output? The regression
 * form of the shortcut check: the same ROI saliency and the same paste/erase edits with random-window
 * controls (trust/regression-hotspot.ts), measured as the output's shift in units of its standard
 * deviation over the audited images instead of class flips.
 */
import type { Tensor } from '../tensor/tensor.js';
import { takeRows } from '../tensor/tensor.js';
import { saliency } from '../attribution/saliency.js';
import { regionContrast } from '../evaluate/region.js';
import { hotspotOutputShift, type ScaleShift } from '../trust/regression-hotspot.js';
import type { FigureData } from './figure-data.js';
import { defineCheck, need, notRunResult, roiMask } from './check.js';

export const REGRESSION_SHORTCUT_RULE = {
  /** |Δ output| (in output standard deviations) at or above which an edit counts… */
  shift: 0.5,
  /** …when it also exceeds its random-window control by this many standard deviations. */
  overControl: 0.3,
  /** A smaller excess over the control that still deserves a look (warn). */
  warnExcess: 0.15,
  /** Saliency inside/outside the ROI (mean per pixel) below which the explanation is not on the evidence (warn). */
  insideOutside: 2,
} as const;

/** Images shown as saliency overlays in the report. */
const EXAMPLES = 4;

interface OutputShortcut {
  name: string;
  output: number;
  outputStd: number;
  saliencyRatio: number;
  roiShare: number;
  scales: (Omit<ScaleShift, 'hotspots'> & { pasteExcess: number; eraseExcess: number })[];
  verdict: 'pass' | 'warn' | 'flag';
  fired: string[];
}

function nonEmpty(mask: Tensor, i: number): boolean {
  const plane = mask.shape[1] * mask.shape[2];
  for (let p = 0; p < plane; p++) if (mask.data[i * plane + p] > 0.5) return true;
  return false;
}

function judge(scales: OutputShortcut['scales'], ratio: number, std: number): Pick<OutputShortcut, 'verdict' | 'fired'> {
  const R = REGRESSION_SHORTCUT_RULE;
  const fired: string[] = [];
  const fires = (hot: number, excess: number) => hot / std >= R.shift && excess >= R.overControl;
  for (const s of scales) {
    if (s.images === 0) continue;
    if (fires(s.paste.hotspot, s.pasteExcess) && !fired.includes('transplant')) fired.push('transplant');
    if (fires(s.erase.hotspot, s.eraseExcess) && !fired.includes('erase')) fired.push('erase');
  }
  if (fired.length) return { verdict: 'flag', fired };
  const weak = scales.some((s) => s.images > 0 && Math.max(s.pasteExcess, s.eraseExcess) >= R.warnExcess);
  if (weak) fired.push('shift');
  if (ratio < R.insideOutside) fired.push('off-target');
  return { verdict: fired.length ? 'warn' : 'pass', fired };
}

function describe(o: OutputShortcut): string {
  const strongest = o.scales.filter((s) => s.images > 0).sort((a, b) => Math.max(b.pasteExcess, b.eraseExcess) - Math.max(a.pasteExcess, a.eraseExcess))[0];
  const sd = (v: number) => `${Number.isFinite(v) ? v.toFixed(2) : 'n/a'} SD`;
  const parts = [`${o.name}: saliency inside/outside the ROI ${o.saliencyRatio === Infinity ? '∞ (none outside)' : Number.isFinite(o.saliencyRatio) ? `${o.saliencyRatio.toFixed(1)}×` : 'n/a'} (${(100 * o.roiShare).toFixed(0)}% of it inside)`];
  if (strongest) {
    parts.push(
      `pasting the strongest outside ${strongest.window}×${strongest.window} window into another image moves the output by ${sd(strongest.paste.hotspot / o.outputStd)} (random window ${sd(strongest.paste.control / o.outputStd)}), ` +
        `erasing it by ${sd(strongest.erase.hotspot / o.outputStd)} (random window ${sd(strongest.erase.control / o.outputStd)})`,
    );
  }
  if (o.fired.length) parts.push(`fired: ${o.fired.join(', ')}`);
  return parts.join(', ');
}

export const regressionShortcutCheck = defineCheck({
  id: 'regression-shortcut',
  title: 'Do the regression outputs use a shortcut outside the region of interest?',
  needs: [need('regressor', 'it measures output shifts; a classifier gets the shortcut check (class flips)'), need('roi', 'the audit cannot tell where the real evidence is')],
  options: [{ key: 'images', flag: '--regression-shortcut-images', kind: 'integer', default: 100, min: 2, help: 'images with a marked ROI explained and edited by the regression shortcut check' }],
  limits:
    'The check only sees what the masks say is evidence: if the masks are wrong, so is the verdict. A pass means no outside patch moves the output ' +
    'beyond a random patch; whether what the model reads inside the ROI is the physics must still be judged by an expert.',
  async run(context, options: { images: number }) {
    const { model, data } = context;
    const roi = roiMask(data)!;
    const rows = data.labels.map((_, i) => (nonEmpty(roi.mask, i) ? i : -1)).filter((i) => i >= 0).slice(0, options.images);
    if (rows.length < 2) return notRunResult(`fewer than 2 images have a non-empty '${roi.name}' mask; the test pastes between images.`);
    const images = takeRows(data.images, rows);
    const masks = takeRows(roi.mask, rows);
    const judged: OutputShortcut[] = [];
    const figures: FigureData[] = [];
    const K = context.logits.shape[1];
    for (const [idx, o] of context.outputs!.entries()) {
      const k = o.output;
      // The output's spread over the audited images: the unit every shift is stated in.
      const column = Array.from({ length: context.logits.shape[0] }, (_, i) => context.logits.data[i * K + k]);
      const mean = column.reduce((a, b) => a + b, 0) / column.length;
      const std = Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / column.length);
      if (!(std > 0)) continue;
      const sal = await saliency.attribute(model, images, { target: k });
      const region = regionContrast(sal.values, masks);
      const r = await hotspotOutputShift(model, { sources: images, maps: sal.values, roi: masks }, { output: k, seed: context.random.fork(`output ${k}`).seed() });
      const scales = r.scales.map(({ hotspots: _h, ...s }) => ({ ...s, pasteExcess: (s.paste.hotspot - s.paste.control) / std, eraseExcess: (s.erase.hotspot - s.erase.control) / std }));
      judged.push({ name: o.name, output: k, outputStd: std, saliencyRatio: region.ratio, roiShare: r.roiShare, scales, ...judge(scales, region.ratio, std) });
      const shown = Array.from({ length: Math.min(EXAMPLES, rows.length) }, (_, i) => i);
      figures.push({
        kind: 'overlays',
        caption: `${o.name}: each image, then its saliency over it`,
        images: takeRows(images, shown),
        maps: takeRows(sal.values, shown),
        outlines: takeRows(masks, shown),
        outlineMeaning: 'region of interest: where the evidence for the output should be',
        labels: shown.map((i) => `image ${rows[i]}`),
        values: { unit: `saliency |∂ ${o.name} / ∂ pixel|`, signed: false },
      });
      context.progress((idx + 1) / context.outputs!.length);
    }
    if (judged.length === 0) return notRunResult('every audited output is constant over the audited images; there is no spread to measure shifts against.');
    const verdict = judged.some((o) => o.verdict === 'flag') ? 'flag' : judged.some((o) => o.verdict === 'warn') ? 'warn' : 'pass';
    const named = (v: string) => judged.filter((o) => o.verdict === v).map((o) => o.name).join(', ');
    const lead =
      verdict === 'flag'
        ? `Shortcut in ${named('flag')}: a patch outside the evidence region moves the output far more than a random patch does.`
        : verdict === 'warn'
          ? `Weaker evidence of a shortcut in ${named('warn')}.`
          : 'The outputs look at the evidence region; no outside patch moves them beyond a random patch.';
    const R = REGRESSION_SHORTCUT_RULE;
    figures.unshift({
      kind: 'table',
      caption: 'per output and window size: mean |Δ output| in output standard deviations when the strongest outside-ROI window is pasted into another image or erased (random outside window in brackets)',
      headers: ['output', 'SD', 'in/out', 'window', 'edits', 'paste shift', 'erase shift', 'verdict'],
      rows: judged.flatMap((o) =>
        o.scales.map((s) => [o.name, o.outputStd.toPrecision(3), Number.isFinite(o.saliencyRatio) ? o.saliencyRatio.toFixed(2) : '—', `${s.window}×${s.window}`, s.images, s.images ? `${(s.paste.hotspot / o.outputStd).toFixed(2)} (${(s.paste.control / o.outputStd).toFixed(2)})` : '—', s.images ? `${(s.erase.hotspot / o.outputStd).toFixed(2)} (${(s.erase.control / o.outputStd).toFixed(2)})` : '—', o.verdict.toUpperCase()]),
      ),
    });
    return {
      verdict,
      summary: `${lead} ${judged.map(describe).join('; ')}.`,
      headline: verdict === 'flag' ? `a patch outside the region of interest moves its ${named('flag')} far more than a random patch does` : `a patch outside the region of interest may move its ${named('warn')}`,
      rule:
        `per output, at window sizes 4, 8, 16 px and a quarter of the side (outside the ROI grown by 1 px), shifts in units of the output's standard deviation over the audited images: ` +
        `flag when pasting the strongest outside window into another image, or erasing it, moves the output by ≥ ${R.shift} SD on average and by ≥ ${R.overControl} SD more than a random outside window; ` +
        `warn when the excess over the random window is ≥ ${R.warnExcess} SD, or the saliency inside/outside the ROI is below ${R.insideOutside}×.`,
      evidence: { mask: roi.name, images: rows.length, perOutput: judged },
      figures,
    };
  },
});
