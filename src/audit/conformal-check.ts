/**
 * "How sure can we be per image?": split-conformal prediction sets (APS) at 90% target coverage and
 * their empirical coverage on the held-out part, from the logits the audit computed once.
 */
import { probabilitiesFromLogits } from '../trust/calibration.js';
import { splitConformal } from '../trust/conformal.js';
import { defineCheck, need } from './check.js';

export const CONFORMAL_ALPHA = 0.1;

export const conformalCheck = defineCheck({
  id: 'conformal',
  title: 'Do the conformal prediction sets miss their 90% coverage?',
  needs: [need('classifier', 'prediction sets are over classes; a regressor gets conformal intervals (the conformal-intervals check)')],
  options: [],
  limits: 'Coverage is guaranteed on average over images exchangeable with the calibration split, not per image and not under distribution shift.',
  async run(context) {
    const probs = probabilitiesFromLogits(context.logits);
    const r = splitConformal(probs, context.data.labels, { alpha: CONFORMAL_ALPHA, score: 'aps', seed: context.random.fork('split').seed() });
    const target = 1 - CONFORMAL_ALPHA;
    // Coverage below 1 − α by more than three binomial standard errors means exchangeability is broken.
    const se = Math.sqrt((target * (1 - target)) / Math.max(1, r.testRows.length));
    const verdict = r.coverage < target - 3 * se ? 'flag' : 'pass';
    const singletons = r.sizeCounts[1] / Math.max(1, r.testRows.length);
    const empty = (r.sizeCounts[0] ?? 0) / Math.max(1, r.testRows.length);
    // A mean set size below 1 reads like a bug; it is how conformal sets meet a target below the accuracy.
    const emptyNote =
      empty > 0
        ? ` ${(100 * empty).toFixed(0)}% of the sets are empty (hence a mean size below 1): the model is right more often than the ${(100 * target).toFixed(0)}% asked for, ` +
          'so the sets reach exactly that coverage by naming no class for its least typical images. An empty set means "no class passes the bar", not a wrong prediction; ask for a higher coverage to get non-empty sets.'
        : '';
    return {
      verdict,
      summary:
        `APS prediction sets at ${(100 * target).toFixed(0)}% target coverage: empirical coverage ${r.coverage.toFixed(3)} on ${r.testRows.length} held-out images, ` +
        `mean set size ${r.meanSize.toFixed(2)}, ${(100 * singletons).toFixed(0)}% single-label sets.${emptyNote}`,
      headline: `its conformal sets cover ${(100 * r.coverage).toFixed(0)}% of images, not the promised ${(100 * target).toFixed(0)}%`,
      rule: `flag when coverage < ${target} − 3·SE (SE = ${se.toFixed(3)}): the calibration split does not represent the test split.`,
      evidence: { alpha: CONFORMAL_ALPHA, score: 'aps', coverage: r.coverage, meanSize: r.meanSize, sizeCounts: r.sizeCounts, threshold: r.classifier.threshold, calibrationRows: r.calibrationRows.length, testRows: r.testRows.length },
    };
  },
});
