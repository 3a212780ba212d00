/**
 * The shortcut verdict per class, from four kinds of evidence, and which part fired:
 * - necessity: erasing the strongest outside-ROI window makes the class's images stop being the
 *   class (beyond a random-window control) — catches a small mark beside strong real evidence;
 * - sufficiency: pasting it into other classes' images makes them the class (the transplant);
 * - shift: a sub-threshold but large push of the class probability, either way;
 * - class-relative saliency: the class's inside/outside-ROI saliency ratio is a robust outlier
 *   among the classes, or below an absolute floor.
 * A necessary or sufficient hotspot that hugs the ROI and wanders with it from image to image is
 * more likely real evidence the mask left out than a shortcut: that caps the class at WARN and the
 * report says the ROI may be too tight. Shortcuts people meet (watermarks, scale bars, labels,
 * burned-in text) sit away from the object, usually at one fixed place.
 */
import type { HotspotEvidence, ScaleEvidence } from '../trust/hotspot-evidence.js';

export const SHORTCUT_RULE = {
  /** Flip rate (erase or paste) at or above which a part fires… */
  flipRate: 0.5,
  /** …when it also beats its random-window control by this much. */
  overControl: 0.3,
  /** Probability shift beyond the control that counts as a sub-threshold effect (all recipients / erased sources). */
  shift: 0.2,
  /** The same on the lowest-margin quarter of recipients. */
  lowMarginShift: 0.3,
  /**
   * Shifts count only at window sizes where a random window barely moves the probability (|shift| below
   * this, erasing and pasting): a window so large that any paste carries or covers an object cannot
   * single out a patch (on the ten-class scenario, 16-px windows of a bar class moved it by 0.2–0.5).
   */
  quietControl: 0.1,
  /** Saliency inside/outside the ROI below which the explanation is "not on the evidence". */
  insideOutside: 2,
  /** Robust z-score (median/MAD of log ratios across classes) at or below which a class is an outlier. */
  outlierZ: -3,
  /** Hotspots at most this many pixels from the ROI, and not at a fixed place, "hug" it. */
  hugDistance: 2,
  /** Share of hotspots within ±1 px of one position that makes it a fixed place. */
  fixedPlace: 0.8,
} as const;

export interface ClassSignals {
  class: number;
  saliencyRatio: number;
  transplant: { flipRate: number; controlFlipRate: number; pairs: number };
  evidence: HotspotEvidence;
}

export type ShortcutPart = 'necessity' | 'sufficiency' | 'shift' | 'outlier' | 'off-target';

export interface ClassJudgement {
  class: number;
  verdict: 'pass' | 'warn' | 'flag';
  fired: ShortcutPart[];
  /** The scale whose numbers are reported (the firing one, else the most telling). */
  scale?: ScaleEvidence;
  robustZ: number;
  /** The hotspot hugs the ROI and moves with it: the ROI may be too tight. */
  roiMayBeTooTight: boolean;
}

const fires = (hot: number, control: number) => hot >= SHORTCUT_RULE.flipRate && hot - control >= SHORTCUT_RULE.overControl;

function necessary(s: ScaleEvidence): boolean {
  return s.necessity.hotspot.images > 0 && fires(s.necessity.hotspot.flipRate, s.necessity.control.flipRate);
}

function sufficient(s: ScaleEvidence): boolean {
  return s.sufficiency.hotspot.images > 0 && fires(s.sufficiency.hotspot.flipRate, s.sufficiency.control.flipRate);
}

/** The chosen windows lie next to the ROI and move with it (not one fixed place). */
function hugs(s: ScaleEvidence): boolean {
  return s.roiDistance <= SHORTCUT_RULE.hugDistance && !(s.fixedPlace >= SHORTCUT_RULE.fixedPlace);
}

/**
 * A sub-threshold effect. It counts only away from the ROI (or at a fixed place): right beside a
 * mask, erasing a window also erases the object's own fringe, which a dilated mask never fully
 * covers (on the ten-class scenario, erasing next to a bar's ends moved its probability by 0.2).
 */
function shifted(s: ScaleEvidence): boolean {
  if (hugs(s)) return false;
  const low = s.sufficiency.lowMargin;
  const quiet = Math.abs(s.necessity.control.probabilityShift) < SHORTCUT_RULE.quietControl && Math.abs(s.sufficiency.control.probabilityShift) < SHORTCUT_RULE.quietControl;
  return (
    quiet &&
    s.necessityExcess >= SHORTCUT_RULE.shift ||
    s.sufficiencyExcess >= SHORTCUT_RULE.shift ||
    (low.hotspot.images > 0 && low.hotspot.probabilityShift - low.control.probabilityShift >= SHORTCUT_RULE.lowMarginShift)
  );
}

/** Robust z-scores of log saliency ratios across classes (NaN with fewer than 5 finite ratios). */
export function robustZ(ratios: readonly number[]): number[] {
  const logs = ratios.map((r) => (r > 0 && Number.isFinite(r) ? Math.log(r) : NaN));
  const finite = logs.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length < 5) return ratios.map(() => NaN);
  const med = (v: number[]) => (v.length % 2 ? v[v.length >> 1] : (v[(v.length >> 1) - 1] + v[v.length >> 1]) / 2);
  const m = med(finite);
  const mad = med(finite.map((v) => Math.abs(v - m)).sort((a, b) => a - b));
  // 1.4826·MAD estimates σ for normal data; a floor keeps near-identical ratios from making noise an outlier.
  const scale = Math.max(1.4826 * mad, 0.05);
  return logs.map((v) => (Number.isFinite(v) ? (v - m) / scale : NaN));
}

export function judgeClasses(signals: readonly ClassSignals[]): ClassJudgement[] {
  const z = robustZ(signals.map((s) => s.saliencyRatio));
  return signals.map((s, i) => {
    const scales = s.evidence.scales.filter((e) => e.sources > 0);
    const firing = scales.find((e) => necessary(e)) ?? scales.find((e) => sufficient(e));
    const transplantFires = s.transplant.pairs > 0 && fires(s.transplant.flipRate, s.transplant.controlFlipRate);
    const fired: ShortcutPart[] = [];
    if (scales.some(necessary)) fired.push('necessity');
    if (transplantFires || scales.some(sufficient)) fired.push('sufficiency');
    if (scales.some(shifted)) fired.push('shift');
    if (z[i] <= SHORTCUT_RULE.outlierZ) fired.push('outlier');
    if (!(s.saliencyRatio >= SHORTCUT_RULE.insideOutside)) fired.push('off-target');
    const scale = firing ?? s.evidence.best;
    const hugging = scale !== undefined && hugs(scale);
    // The transplant at its fixed window has no scan of its own: trust it unless the scan says "hugging".
    const strong = fired.includes('necessity') || fired.includes('sufficiency');
    const verdict = strong && !hugging ? 'flag' : fired.length > 0 ? 'warn' : 'pass';
    return { class: s.class, verdict, fired, scale, robustZ: z[i], roiMayBeTooTight: strong && hugging };
  });
}
