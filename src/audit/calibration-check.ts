/**
 * "Miscalibrated?": expected calibration error on held-out rows before and after temperature
 * scaling (fitted on the other half). Works on the logits the audit computed once.
 */
import { temperatureScaling } from '../trust/calibration.js';
import { defineCheck, need } from './check.js';

export const CALIBRATION_RULE = {
  /** ECE (15 uniform bins) above which the model is called miscalibrated. */
  flagEce: 0.05,
  /** ECE above which the page warns. */
  warnEce: 0.02,
};

export const calibrationCheck = defineCheck({
  id: 'calibration',
  title: 'Are the confidences miscalibrated?',
  needs: [need('classifier', 'ECE is over class confidences; a regressor gets the interval-calibration check')],
  options: [],
  limits:
    'Calibration is measured on the data given; on shifted data (another microscope, dose or specimen) confidences can be wrong again. ' +
    'Near-perfect accuracy leaves few errors to measure calibration with.',
  async run(context) {
    const ts = temperatureScaling(context.logits, context.data.labels, { seed: context.random.fork('split').seed(), bins: 15, binning: 'uniform' });
    const ece = ts.before.ece;
    const verdict = ece > CALIBRATION_RULE.flagEce ? 'flag' : ece > CALIBRATION_RULE.warnEce ? 'warn' : 'pass';
    const direction = ts.before.meanConfidence > ts.before.accuracy ? 'over-confident' : 'under-confident';
    return {
      verdict,
      summary:
        `ECE ${ece.toFixed(3)} (${direction}: mean confidence ${ts.before.meanConfidence.toFixed(3)} vs accuracy ${ts.before.accuracy.toFixed(3)}); ` +
        `temperature scaling (T = ${ts.temperature.toPrecision(2)}, fitted on the other half) gives ECE ${ts.after.ece.toFixed(3)}, NLL ${ts.before.nll.toFixed(3)} → ${ts.after.nll.toFixed(3)}.`,
      headline: `its confidences are ${direction} (ECE ${ece.toFixed(3)})`,
      rule: `flag when ECE (15 uniform bins, on a held-out half) > ${CALIBRATION_RULE.flagEce}; warn when > ${CALIBRATION_RULE.warnEce}.`,
      evidence: {
        temperature: ts.temperature,
        before: { ece: ts.before.ece, mce: ts.before.mce, brier: ts.before.brier, nll: ts.before.nll, accuracy: ts.before.accuracy, meanConfidence: ts.before.meanConfidence },
        after: { ece: ts.after.ece, mce: ts.after.mce, brier: ts.after.brier, nll: ts.after.nll },
        fitRows: ts.fitRows.length,
        evaluationRows: ts.evaluationRows.length,
      },
      figures: [
        {
          kind: 'reliability',
          title: 'reliability (held-out half)',
          caption: 'reliability diagram: accuracy against confidence per bin; the dashed diagonal is perfect calibration',
          curves: [
            { name: 'as trained', bins: ts.before.bins },
            { name: `temperature ${ts.temperature.toPrecision(2)}`, bins: ts.after.bins },
          ],
        },
      ],
    };
  },
});
