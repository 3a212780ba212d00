/**
 * Sufficiency (Dasgupta et al. 2022, as in Quantus; sufficiency.ts) as a registered metric: do
 * inputs that get the same explanation get the same prediction? Describes, does not judge.
 */
import type { Metric } from '../metric.js';
import { fmt, requireNeeds } from '../metric.js';
import type { SufficiencyDistance, SufficiencyOptions, SufficiencyResult } from '../sufficiency.js';
import { sufficiency } from '../sufficiency.js';

const DISTANCES: readonly SufficiencyDistance[] = ['euclidean', 'seuclidean', 'cosine'];

export const sufficiencyMetric: Metric<'sufficiency', SufficiencyOptions, SufficiencyResult> = {
  name: 'sufficiency',
  description: 'sufficiency (Dasgupta et al.): share of same predictions among the images whose maps are close',
  needs: ['input-shaped-maps', 'two-or-more-inputs', 'class-scores'],
  runByDefault: false,
  options: [
    { key: 'threshold', flag: '--sufficiency-threshold', kind: 'number', min: 0, max: 1, default: 0.6, placeholder: '<f>', help: "an image's explanation applies to another when their distance ≤ this × the largest distance in the batch" },
    { key: 'distance', flag: '--sufficiency-distance', kind: 'choice', choices: DISTANCES, default: 'euclidean', help: 'distance between two maps' },
  ],
  async run(context, options) {
    requireNeeds(sufficiencyMetric, context);
    context.progress('sufficiency', 0);
    const r = await sufficiency(context.model, context.inputs, context.attributions, { threshold: options.threshold, distance: options.distance });
    context.progress('sufficiency', 1);
    const n = context.inputs.shape[0];
    const text =
      r.mean === null
        ? `no score: no image's explanation applies to another (${r.settings.distance} distance ≤ ${r.settings.threshold} × the largest)`
        : `mean local sufficiency ${fmt(r.mean)} (1 = images with close maps always share the prediction) over ${r.withNeighbours} of ${n} image(s) whose map is within ${r.settings.threshold} × the largest ${r.settings.distance} distance of another`;
    return { result: r, verdict: { passes: null, text } };
  },
  summarise(r) {
    return [
      { label: 'mean local sufficiency', value: r.mean, note: '0 … 1; 1 = close maps, same prediction' },
      { label: 'images with a close map', value: r.withNeighbours, note: `of ${r.perImage.length}` },
    ];
  },
};
