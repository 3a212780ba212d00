/**
 * Does the map sit inside the region an expert marked? Wraps localisation.ts (the Quantus
 * localisation family) and judges by the mean ROC AUC of |a| as a score for the mask.
 */
import type { Metric } from '../metric.js';
import { fmt, requireNeeds } from '../metric.js';
import type { LocalisationOptions, LocalisationResult } from '../localisation.js';
import { localisation } from '../localisation.js';

export interface LocalisationMetricOptions extends LocalisationOptions {
  /** The map is "in the region" when the mean ROC AUC ≥ this (default 0.75; 0.5 = chance). */
  aucThreshold?: number;
}

export const localisationMetric: Metric<'localisation', LocalisationMetricOptions, LocalisationResult> = {
  name: 'localisation',
  description: 'inside/outside ratio, attribution localisation, relevance mass and rank accuracy, pointing game, top-k, ROC AUC',
  needs: ['mask'],
  runByDefault: true,
  options: [
    { key: 'topK', flag: '--top-k', kind: 'integer', min: 1, help: 'pixels in the top-k intersection (default 5% of the pixels)' },
    { key: 'aucThreshold', flag: '--localisation-auc', kind: 'number', min: 0, max: 1, default: 0.75, placeholder: '<auc>', help: 'the map is in the region when the mean ROC AUC ≥ this (0.5 = chance)' },
  ],
  async run(context, options) {
    requireNeeds(localisationMetric, context);
    context.progress('localisation', 0);
    const l = localisation(context.attributions, context.mask!, { topK: options.topK });
    const threshold = options.aucThreshold ?? 0.75;
    const auc = l.auc.mean;
    const passes = auc === null ? null : auc >= threshold;
    const text =
      auc === null
        ? 'no image has a non-empty mask: no localisation score'
        : `${passes ? 'in the region' : 'not in the region'}: mean ROC AUC ${fmt(auc)} (threshold ${threshold}; 0.5 = chance), positive mass inside ${fmt(l.attributionLocalisation.mean)}, pointing game ${fmt(l.pointingGame.mean)} over ${l.scored} image(s) with a mask`;
    context.progress('localisation', 1);
    return { result: l, verdict: { passes, text } };
  },
  summarise(l) {
    return [
      { label: 'ROC AUC', value: l.auc.mean, note: '0.5 = chance' },
      { label: 'attribution localisation', value: l.attributionLocalisation.mean, note: 'positive mass inside' },
      { label: 'relevance mass accuracy', value: l.relevanceMassAccuracy.mean, note: '|a| inside / all |a|' },
      { label: 'pointing game', value: l.pointingGame.mean, note: 'maximum inside' },
    ];
  },
};
