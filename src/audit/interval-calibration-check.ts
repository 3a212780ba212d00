/**
 * "Are its intervals calibrated?" for a regressor: observed against nominal coverage across levels
 * (trust/interval-calibration.ts) — of the model's own quantiles when its outputs are declared
 * quantiles (`--quantiles`), else of residual intervals ŷ ± q̂ at 50/80/90/95% calibrated on one half
 * and measured on the other. The regression form of the calibration check.
 */
import { CALIBRATION_FLOOR, miscalibrated, quantileCalibration, residualIntervalCalibration, type CalibrationPoint } from '../trust/interval-calibration.js';
import { defineCheck, need } from './check.js';
import type { FigureData } from './figure-data.js';

const pct = (v: number) => `${(100 * v).toFixed(0)}%`;

export const intervalCalibrationCheck = defineCheck({
  id: 'interval-calibration',
  title: 'Do the intervals miss their nominal coverage at some level?',
  needs: [need('regressor', 'it compares interval coverage with nominal levels; a classifier gets the calibration check (ECE)')],
  options: [],
  limits:
    "Without quantile outputs the model states no uncertainty of its own: the residual intervals then only show whether one half's residuals " +
    'describe the other half at every level (they are calibrated by construction when the halves are exchangeable). Calibration on average is not per-image calibration.',
  async run(context) {
    const judged: { name: string; source: 'quantile outputs' | 'residual intervals'; points: CalibrationPoint[]; missed: CalibrationPoint[] }[] = [];
    for (const o of context.outputs!) {
      const points = o.quantiles ? quantileCalibration(o.quantiles, o.target) : residualIntervalCalibration(o.predicted, o.target, { seed: context.random.fork('split').seed() });
      judged.push({ name: o.name, source: o.quantiles ? 'quantile outputs' : 'residual intervals', points, missed: miscalibrated(points) });
    }
    const bad = judged.filter((j) => j.missed.length > 0);
    const describe = (j: (typeof judged)[number]) =>
      `${j.name} (${j.source}): ${j.points.map((p) => `${j.source === 'quantile outputs' ? `P(y ≤ q${p.nominal})` : `${pct(p.nominal)} interval`} ${pct(p.observed)}`).join(', ')}`;
    const figures: FigureData[] = judged.map((j) => ({
      kind: 'lines',
      caption: `${j.name}: observed against nominal ${j.source === 'quantile outputs' ? 'quantile level' : 'interval coverage'} (the diagonal is perfect calibration)`,
      axes: { x: 'nominal', y: 'observed' },
      series: [
        { name: 'perfect', x: [0, 1], y: [0, 1] },
        { name: 'observed', x: j.points.map((p) => p.nominal), y: j.points.map((p) => p.observed) },
      ],
    }));
    return {
      verdict: bad.length > 0 ? 'flag' : 'pass',
      summary: `${bad.length > 0 ? `Miscalibrated intervals for ${bad.map((j) => j.name).join(', ')}. ` : 'Observed coverage matches every nominal level. '}${judged.map(describe).join('; ')}.`,
      headline: `its intervals for ${bad.map((j) => j.name).join(', ')} miss their nominal coverage`,
      rule:
        `flag when at any level |observed − nominal| > max(${CALIBRATION_FLOOR}, 3·SE): SE² = p(1 − p)/n over all images for quantile outputs, ` +
        `p(1 − p)·(1/n_test + 1/(n_calibration + 2)) for residual intervals (the calibration half's quantile varies too). ` +
        `On exchangeable data this flags 1–3% of audits by chance (seeded simulation, n = 40…1000).`,
      evidence: { perOutput: judged.map(({ name, source, points }) => ({ name, source, points })) },
      figures,
    };
  },
});
