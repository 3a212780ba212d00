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

/** The temperatures fitTemperature searches between (1/β for β in [1e-4, 1e4]). */
const TEMPERATURE_BOUNDS = [1e-4, 1e4] as const;

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
    // A temperature at the search's bounds is not a calibration to apply; say what it means where it is shown.
    const atBound =
      ts.temperature <= TEMPERATURE_BOUNDS[0] * 1.001
        ? ` T = ${ts.temperature.toPrecision(2)} is the fit's lower bound, not a measured temperature: every image of the fitting half is classified correctly, so sharper confidences always lower its NLL. ` +
          'The half holds no errors to calibrate with; do not apply this temperature.'
        : ts.temperature >= TEMPERATURE_BOUNDS[1] * 0.999
          ? ` T = ${ts.temperature.toPrecision(2)} is the fit's upper bound: on the fitting half the confidences carry no information about which answers are right, so flattening them to 1/K lowers the NLL most.`
          : '';
    return {
      verdict,
      summary:
        `ECE ${ece.toFixed(3)} (${direction}: mean confidence ${ts.before.meanConfidence.toFixed(3)} vs accuracy ${ts.before.accuracy.toFixed(3)}); ` +
        `temperature scaling (T = ${ts.temperature.toPrecision(2)}, fitted on the other half) gives ECE ${ts.after.ece.toFixed(3)}, NLL ${ts.before.nll.toFixed(3)} → ${ts.after.nll.toFixed(3)}.${atBound}`,
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
