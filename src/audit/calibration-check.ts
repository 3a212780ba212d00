/**
 * "Miscalibrated?" and "How sure can we be per image?": expected calibration error on held-out rows
 * before and after temperature scaling (fitted on the other half), and split-conformal prediction
 * sets (APS) with their empirical coverage.
 */
import type { Tensor } from '../tensor/tensor.js';
import { temperatureScaling } from '../trust/calibration.js';
import { splitConformal } from '../trust/conformal.js';
import { probabilitiesFromLogits } from '../trust/calibration.js';
import { reliabilityDiagram } from '../report/charts.js';
import type { Finding } from './findings.js';

export const CALIBRATION_RULE = {
  /** ECE (15 uniform bins) above which the model is called miscalibrated. */
  flagEce: 0.05,
  /** ECE above which the page warns. */
  warnEce: 0.02,
};

export const CONFORMAL_ALPHA = 0.1;

export async function calibrationCheck(logits: Tensor, labels: readonly number[], seed = 0): Promise<Finding> {
  const ts = temperatureScaling(logits, labels, { seed, bins: 15, binning: 'uniform' });
  const ece = ts.before.ece;
  const verdict = ece > CALIBRATION_RULE.flagEce ? 'flag' : ece > CALIBRATION_RULE.warnEce ? 'warn' : 'pass';
  const direction = ts.before.meanConfidence > ts.before.accuracy ? 'over-confident' : 'under-confident';
  const svg = await reliabilityDiagram(
    [
      { name: 'as trained', bins: ts.before.bins },
      { name: `temperature ${ts.temperature.toPrecision(2)}`, bins: ts.after.bins },
    ],
    { title: 'reliability (held-out half)' },
  );
  return {
    id: 'calibration',
    title: 'Miscalibrated?',
    verdict,
    summary:
      `ECE ${ece.toFixed(3)} (${direction}: mean confidence ${ts.before.meanConfidence.toFixed(3)} vs accuracy ${ts.before.accuracy.toFixed(3)}); ` +
      `temperature scaling (T = ${ts.temperature.toPrecision(2)}, fitted on the other half) gives ECE ${ts.after.ece.toFixed(3)}, NLL ${ts.before.nll.toFixed(3)} → ${ts.after.nll.toFixed(3)}.`,
    rule: `flag when ECE (15 uniform bins, on a held-out half) > ${CALIBRATION_RULE.flagEce}; warn when > ${CALIBRATION_RULE.warnEce}.`,
    evidence: {
      temperature: ts.temperature,
      before: { ece: ts.before.ece, mce: ts.before.mce, brier: ts.before.brier, nll: ts.before.nll, accuracy: ts.before.accuracy, meanConfidence: ts.before.meanConfidence },
      after: { ece: ts.after.ece, mce: ts.after.mce, brier: ts.after.brier, nll: ts.after.nll },
      fitRows: ts.fitRows.length,
      evaluationRows: ts.evaluationRows.length,
    },
    limits:
      'Calibration is measured on the data given; on shifted data (another microscope, dose or specimen) confidences can be wrong again. ' +
      'Near-perfect accuracy leaves few errors to measure calibration with.',
    figures: [{ caption: 'reliability diagram: accuracy against confidence per bin; the dashed diagonal is perfect calibration', svg }],
  };
}

export function conformalCheck(logits: Tensor, labels: readonly number[], seed = 0): Finding {
  const probs = probabilitiesFromLogits(logits);
  const r = splitConformal(probs, labels, { alpha: CONFORMAL_ALPHA, score: 'aps', seed });
  const target = 1 - CONFORMAL_ALPHA;
  // Coverage below 1 − α by more than three binomial standard errors means exchangeability is broken.
  const se = Math.sqrt((target * (1 - target)) / Math.max(1, r.testRows.length));
  const verdict = r.coverage < target - 3 * se ? 'flag' : 'pass';
  const singletons = r.sizeCounts[1] / Math.max(1, r.testRows.length);
  return {
    id: 'conformal',
    title: 'Per-image uncertainty (conformal sets)',
    verdict,
    summary:
      `APS prediction sets at ${(100 * target).toFixed(0)}% target coverage: empirical coverage ${r.coverage.toFixed(3)} on ${r.testRows.length} held-out images, ` +
      `mean set size ${r.meanSize.toFixed(2)}, ${(100 * singletons).toFixed(0)}% single-label sets.`,
    rule: `flag when coverage < ${target} − 3·SE (SE = ${se.toFixed(3)}): the calibration split does not represent the test split.`,
    evidence: { alpha: CONFORMAL_ALPHA, score: 'aps', coverage: r.coverage, meanSize: r.meanSize, sizeCounts: r.sizeCounts, threshold: r.classifier.threshold, calibrationRows: r.calibrationRows.length, testRows: r.testRows.length },
    limits: 'Coverage is guaranteed on average over images exchangeable with the calibration split, not per image and not under distribution shift.',
  };
}
