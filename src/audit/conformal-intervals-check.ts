/**
 * "How sure can we be per image?" for a regressor: conformal prediction intervals at 90% target
 * coverage for every audited output, and their empirical coverage and mean width on the held-out
 * half. Split conformal (ŷ ± q̂ from absolute residuals) always; CQR (the model's own quantile band,
 * conformalised) when the outputs are declared quantiles (--quantiles). The regression form of the
 * conformal-sets check, with the same verdict rule.
 */
import { conformalisedQuantileIntervals, coverageShortfall, splitConformalIntervals, type ConformalIntervals } from '../trust/regression-intervals.js';
import { defineCheck, need } from './check.js';
import { CONFORMAL_ALPHA } from './conformal-check.js';
import type { FigureData } from './figure-data.js';

function line(name: string, r: ConformalIntervals, target: number): string {
  const what = r.method === 'cqr' ? `CQR band (the model's own ${(100 * r.rawCoverage!).toFixed(0)}%-covering band of mean width ${r.rawMeanWidth!.toPrecision(3)}, ${r.threshold >= 0 ? 'widened' : 'narrowed'} by ${Math.abs(r.threshold).toPrecision(3)})` : `ŷ ± ${r.threshold.toPrecision(3)}`;
  return `${name}: ${what} covers ${(100 * r.coverage).toFixed(1)}% of ${r.testRows.length} held-out images (target ${(100 * target).toFixed(0)}%), mean width ${r.meanWidth.toPrecision(3)}`;
}

export const conformalIntervalsCheck = defineCheck({
  id: 'conformal-intervals',
  title: 'Do the conformal intervals miss their 90% coverage?',
  needs: [need('regressor', 'prediction intervals are for real-valued outputs; a classifier gets conformal sets')],
  options: [],
  limits:
    'Coverage is guaranteed on average over images exchangeable with the calibration half, not per image and not under distribution shift; ' +
    'split-conformal intervals have one width for every image (only CQR, from quantile outputs, adapts the width to the image).',
  async run(context) {
    const target = 1 - CONFORMAL_ALPHA;
    const rows: { name: string; r: ConformalIntervals; se: number; below: boolean }[] = [];
    for (const [k, o] of context.outputs!.entries()) {
      // One split for every output: the same held-out images judge them all.
      const options = { alpha: CONFORMAL_ALPHA, seed: context.random.fork('split').seed() };
      const r = o.band ? conformalisedQuantileIntervals(o.band.lower, o.band.upper, o.target, options) : splitConformalIntervals(o.predicted, o.target, options);
      const { standardError, belowTarget } = coverageShortfall(r.coverage, CONFORMAL_ALPHA, r.testRows.length, r.calibrationRows.length);
      rows.push({ name: o.name, r, se: standardError, below: belowTarget });
      context.progress((k + 1) / context.outputs!.length);
    }
    const short = rows.filter((x) => x.below);
    const figures: FigureData[] = [
      {
        kind: 'table',
        caption: `conformal intervals at ${(100 * target).toFixed(0)}% target coverage, measured on the held-out half`,
        headers: ['output', 'method', 'q̂', 'coverage', 'mean width', 'model band coverage'],
        rows: rows.map(({ name, r }) => [name, r.method === 'cqr' ? 'CQR' : 'split conformal', r.threshold.toPrecision(3), r.coverage.toFixed(3), r.meanWidth.toPrecision(3), r.rawCoverage === undefined ? '—' : r.rawCoverage.toFixed(3)]),
      },
    ];
    return {
      verdict: short.length > 0 ? 'flag' : 'pass',
      summary: `${short.length > 0 ? `Coverage falls short for ${short.map((x) => x.name).join(', ')}. ` : ''}${rows.map((x) => line(x.name, x.r, target)).join('; ')}.`,
      headline: `its conformal intervals for ${short.map((x) => x.name).join(', ')} cover less than the promised ${(100 * target).toFixed(0)}%`,
      rule:
        `flag when an output's coverage < ${target} − 3·SE, SE = √(${target}·${(1 - target).toFixed(1)}·(1/n_test + 1/(n_calibration + 2))) (${rows.map((x) => x.se.toFixed(3)).join(', ')}; ` +
        'the test count and the calibration quantile both vary): the calibration half does not represent the test half.',
      evidence: {
        alpha: CONFORMAL_ALPHA,
        outputs: rows.map(({ name, r, se }) => ({ name, method: r.method, threshold: r.threshold, coverage: r.coverage, meanWidth: r.meanWidth, rawCoverage: r.rawCoverage, rawMeanWidth: r.rawMeanWidth, standardError: se, calibrationRows: r.calibrationRows.length, testRows: r.testRows.length })),
      },
      figures,
    };
  },
});
