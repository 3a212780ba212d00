/**
 * "Did the model's accuracy or confidence change over acquisition time?": images in acquisition
 * order (`--acquisition-time T.npy`, a manifest column `time`/`acquired`), three series per image —
 * correct or not, the confidence (max softmax) and an OOD score (Mahalanobis distance of the
 * penultimate features to the reference images when given, else the energy score of the logits) —
 * each tested for a shift in level by the CUSUM test with a permutation p-value and segmented by
 * binary segmentation (src/trust/change-point.ts).
 *
 * Why FLAG on accuracy and confidence only: a change in either means the model's answers (or its
 * certainty about them) depend on *when* the image was taken — detector ageing, a drifting stage,
 * dose creep, a session change — so a single accuracy figure over the whole set misdescribes it. A
 * change in the OOD score alone says the inputs moved while the answers held: WARN.
 */
import { softmaxRows } from '../tensor/tensor.js';
import { energyScores, layerFeatures } from '../trust/ood.js';
import { fitMahalanobis, mahalanobisScores } from '../trust/mahalanobis.js';
import { defaultMinSegment, segmentSeries, type Segmentation } from '../trust/change-point.js';
import type { FigureData } from './figure-data.js';
import { defineCheck, need, notRunResult, type AuditContext, type CheckResult } from './check.js';

/** 999 shuffles: the smallest p-value, 1/1000, is below alpha/2 = 0.005 (199 shuffles could never reach it). */
export const DRIFT_DEFAULTS = { alpha: 0.01, minShift: 0.05, permutations: 999 };

/** An OOD-score change warns when the segment means differ by at least this many sds of the whole series. */
export const OOD_SHIFT_SDS = 0.5;

interface SeriesResult {
  readonly name: string;
  readonly judged: boolean;
  readonly values: Float64Array;
  readonly segmentation: Segmentation;
  /** The largest |difference| between adjacent segment means (0 without a change). */
  readonly shift: number;
}

/** Images in acquisition order (stable for equal times) and the splits allowed between distinct times. */
export function timeOrder(times: readonly number[]): { order: number[]; splits: number[] } {
  const order = times.map((_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
  const splits: number[] = [];
  for (let k = 1; k < order.length; k++) if (times[order[k]] !== times[order[k - 1]]) splits.push(k);
  return { order, splits };
}

/** Centred rolling mean (window w, shrinking at the ends): what the figure draws of a noisy 0/1 series. */
export function rollingMean(x: ArrayLike<number>, w: number): number[] {
  const n = x.length;
  const half = Math.floor(w / 2);
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + x[i];
  return Array.from({ length: n }, (_, i) => {
    const from = Math.max(0, i - half);
    const to = Math.min(n, i + half + 1);
    return (prefix[to] - prefix[from]) / (to - from);
  });
}

async function oodScores(context: AuditContext): Promise<{ name: string; scores: Float64Array }> {
  if (context.reference && context.task === 'classification') {
    try {
      const fit = fitMahalanobis(await layerFeatures(context.model, context.reference.images), context.reference.labels, { seed: context.random.fork('projection').seed() });
      return { name: 'OOD score (Mahalanobis distance to the reference)', scores: mahalanobisScores(fit, await layerFeatures(context.model, context.data.images)) };
    } catch {
      // No penultimate layer to read (or a singular covariance): the logits' energy still scores OOD-ness.
    }
  }
  return { name: 'OOD score (energy of the logits)', scores: energyScores(context.logits) };
}

function sdOf(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i] / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i] - m) ** 2 / x.length;
  return Math.sqrt(v);
}

function largestShift(s: Segmentation): number {
  let best = 0;
  for (let i = 1; i < s.segments.length; i++) best = Math.max(best, Math.abs(s.segments[i].mean - s.segments[i - 1].mean));
  return best;
}

export const driftCheck = defineCheck({
  id: 'drift',
  title: "Did the model's accuracy or confidence change over acquisition time (drift)?",
  needs: [need('classifier', 'its series are whether each prediction is right and how confident it is; its regression form is not built yet'), need('acquisitionTime', 'the series are ordered by when each image was taken')],
  options: [
    { key: 'alpha', flag: '--drift-alpha', kind: 'number', default: DRIFT_DEFAULTS.alpha, min: 0.001, max: 0.2, help: 'significance of a change point (split in half between accuracy and confidence, Bonferroni)' },
    { key: 'minShift', flag: '--drift-min-shift', kind: 'number', default: DRIFT_DEFAULTS.minShift, min: 0, max: 1, help: 'flag only changes of accuracy or mean confidence at least this large' },
    { key: 'permutations', flag: '--drift-permutations', kind: 'integer', default: DRIFT_DEFAULTS.permutations, min: 19, help: "shuffles of the acquisition order in each change point's permutation p-value" },
  ],
  limits:
    'A change is found only along the time given, as a shift in level (a slow trend shows up as one or more steps); images acquired at the same time have no order among them. ' +
    'With few errors a change in accuracy needs many images to reach significance. The check says when the behaviour changed, not why: compare the sessions, doses and instrument logs around the change.',
  async run(context, options: { alpha: number; minShift: number; permutations: number }): Promise<CheckResult> {
    const time = context.acquisitionTime!;
    const n = context.predicted.length;
    if (time.values.length !== n) return notRunResult(`${time.values.length} acquisition times for ${n} images; give one time per image.`);
    if (n < 2 * defaultMinSegment(n)) return notRunResult(`${n} images are too few to place a change point (at least ${defaultMinSegment(n)} on each side); give at least ${2 * defaultMinSegment(n)}.`);
    const { order, splits } = timeOrder(time.values);
    if (splits.length === 0) return notRunResult('every image has the same acquisition time: there is no order to test.');
    if (1 / (options.permutations + 1) >= options.alpha / 2) {
      return notRunResult(`${options.permutations} shuffles cannot give a p-value below ${options.alpha}/2; raise --drift-permutations to at least ${Math.ceil(2 / options.alpha)}.`);
    }
    const probabilities = softmaxRows(context.logits);
    const k = context.logits.shape[1];
    const correct = Float64Array.from(order, (i) => (context.predicted[i] === context.data.labels[i] ? 1 : 0));
    const confidence = Float64Array.from(order, (i) => probabilities.data[i * k + context.predicted[i]]);
    const ood = await oodScores(context);
    const oodOrdered = Float64Array.from(order, (i) => ood.scores[i]);
    const series: SeriesResult[] = [];
    const inputs: [string, boolean, Float64Array][] = [['accuracy', true, correct], ['confidence', true, confidence], [ood.name, false, oodOrdered]];
    for (const [i, [name, judged, values]] of inputs.entries()) {
      // The two judged series share alpha (Bonferroni); the OOD series only warns, at alpha.
      const alpha = judged ? options.alpha / 2 : options.alpha;
      const segmentation = segmentSeries(values, { seed: context.random.fork(name).seed(), permutations: options.permutations, splits, alpha });
      series.push({ name, judged, values, segmentation, shift: largestShift(segmentation) });
      context.progress((i + 1) / inputs.length);
    }
    const flagged = series.filter((s) => s.judged && s.segmentation.changes.length > 0 && s.shift >= options.minShift);
    const oodSeries = series[2];
    const oodMoved = oodSeries.segmentation.changes.length > 0 && oodSeries.shift >= OOD_SHIFT_SDS * sdOf(oodSeries.values);
    const verdict = flagged.length ? 'flag' : oodMoved ? 'warn' : 'pass';
    const timeAt = (index: number) => (time.values[order[index - 1]] + time.values[order[index]]) / 2;
    const describe = (s: SeriesResult) => {
      const first = s.segmentation.changes.reduce((a, b) => (b.pValue < a.pValue || (b.pValue === a.pValue && b.statistic > a.statistic) ? b : a), s.segmentation.changes[0]);
      if (!first) {
        return `${s.name}: no change point (${s.segmentation.segments[0].mean.toFixed(3)} throughout)`;
      }
      return `${s.name}: ${first.before.toFixed(3)} → ${first.after.toFixed(3)} after image ${first.index} of ${n} (at ${time.unit} = ${formatTime(timeAt(first.index))}; p = ${first.pValue.toFixed(3)}${s.segmentation.changes.length > 1 ? `; ${s.segmentation.changes.length} changes in all` : ''})`;
    };
    const window = Math.max(10, Math.round(n / 20));
    const x = order.map((i) => time.values[i]);
    const figures: FigureData[] = series.map((s) => ({
      kind: 'change-point',
      caption: `${s.name} in acquisition order: rolling mean over ${window} images, the segment means between change points (binary segmentation, permutation p < ${(s.judged ? options.alpha / 2 : options.alpha).toPrecision(2)}) and the change points`,
      axes: { x: time.unit, y: s.name },
      x,
      y: rollingMean(s.values, window),
      segments: s.segmentation.segments.map((g) => ({ from: x[g.from], to: x[g.to - 1], mean: g.mean })),
      changes: s.segmentation.changes.map((c) => timeAt(c.index)),
      ...(s.name === 'accuracy' || s.name === 'confidence' ? { valueDomain: [0, 1] as const } : {}),
    }));
    const summary =
      (verdict === 'flag'
        ? `The model's ${flagged.map((s) => s.name).join(' and ')} changed over acquisition time. `
        : verdict === 'warn'
          ? "The inputs changed over acquisition time (OOD score), but the model's accuracy and confidence held. "
          : 'No change in accuracy, confidence or OOD score over acquisition time. ') +
      series.map(describe).join('; ') +
      '.';
    const worst = flagged[0];
    return {
      verdict,
      summary,
      headline: worst ? `its ${worst.name} changed over acquisition time (${describe(worst).split(': ')[1].split(' after')[0]})` : 'its inputs drift over acquisition time (OOD score)',
      rule:
        `CUSUM mean-shift test per series with a permutation p-value (${options.permutations} shuffles of the acquisition order), binary segmentation up to 3 changes; ` +
        `flag when accuracy or confidence has a change at p < ${options.alpha}/2 (Bonferroni over the two) whose segment means differ by ≥ ${options.minShift}; ` +
        `warn when only the OOD score has one (p < ${options.alpha}, ≥ ${OOD_SHIFT_SDS} sd).`,
      evidence: {
        images: n,
        timeUnit: time.unit,
        distinctTimes: splits.length + 1,
        series: series.map((s) => ({
          name: s.name,
          judged: s.judged,
          mean: s.segmentation.segments.reduce((a, g) => a + g.mean * (g.to - g.from), 0) / n,
          changes: s.segmentation.changes.map((c) => ({ index: c.index, time: timeAt(c.index), before: c.before, after: c.after, statistic: c.statistic, pValue: c.pValue })),
          segments: s.segmentation.segments.map((g) => ({ from: g.from, to: g.to, mean: g.mean })),
          largestShift: s.shift,
        })),
      },
      figures,
    };
  },
});

function formatTime(t: number): string {
  return Number.isInteger(t) ? String(t) : Math.abs(t) >= 100 ? t.toFixed(0) : t.toPrecision(3);
}
