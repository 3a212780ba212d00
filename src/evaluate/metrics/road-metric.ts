/**
 * ROAD (Rong, Leemann et al. 2022) as a registered metric: removes the most (MoRF) and least (LeRF)
 * relevant pixels with noisy linear imputation (road.ts) and judges by LeRF average − MoRF average.
 */
import type { Metric } from '../metric.js';
import { fmt, requireNeeds, scoreKindFor } from '../metric.js';
import type { RoadOrder, RoadResult } from '../road.js';
import { road } from '../road.js';
import type { ScoreKind } from '../perturbation.js';

const ORDERS: readonly RoadOrder[] = ['morf', 'lerf'];
const SCORES: readonly ScoreKind[] = ['output', 'softmax'];

export interface RoadMetricOptions {
  /** Percentages of pixels removed, each in (0, 100) (default 10, 20, …, 90). */
  percentages?: readonly number[];
  /** Most relevant first and/or least relevant first (default both). */
  orders?: readonly RoadOrder[];
  /** Std of the imputation noise (default 0.01). */
  noise?: number;
  /** Watched output of the target (default 'softmax'). */
  score?: ScoreKind;
}

export const roadMetric: Metric<'road', RoadMetricOptions, RoadResult> = {
  name: 'road',
  description: 'ROAD: remove the most (MoRF) and least (LeRF) relevant pixels with noisy linear imputation (no removal-shape leak); LeRF − MoRF average score',
  needs: ['input-shaped-maps'],
  runByDefault: false,
  options: [
    { key: 'percentages', flag: '--road-percentages', kind: 'integer-list', min: 1, max: 99, default: [10, 20, 30, 40, 50, 60, 70, 80, 90], placeholder: '<p,q,…>', help: 'percentages of pixels removed' },
    { key: 'orders', flag: '--road-orders', kind: 'string-list', choices: ORDERS, default: ORDERS, placeholder: '<morf,lerf>', help: 'morf (most relevant first) and/or lerf (least relevant first)' },
    { key: 'noise', flag: '--road-noise', kind: 'number', min: 0, default: 0.01, placeholder: '<sigma>', help: 'std of the noise added to imputed pixels' },
    { key: 'score', flag: '--road-score', kind: 'choice', choices: SCORES, default: 'softmax', help: "the target's output (logit) or softmax probability" },
  ],
  async run(context, options) {
    requireNeeds(roadMetric, context);
    const r = await road(context.model, context.inputs, context.attributions, {
      percentages: options.percentages,
      orders: options.orders,
      noise: options.noise,
      score: scoreKindFor(context, options.score),
      target: context.target,
      seed: context.seed,
      onProgress: (done, total) => context.progress('road', done / total),
    });
    const passes = r.gap === undefined ? null : r.gap > 0;
    const curves = [r.morf ? `MoRF average ${fmt(r.morf.average)}` : '', r.lerf ? `LeRF average ${fmt(r.lerf.average)}` : ''].filter(Boolean).join(', ');
    const text =
      passes === null
        ? `no verdict (needs both orders): ${curves} ${r.settings.score} over ${r.settings.percentages.length} removal percentage(s)`
        : `${passes ? 'faithful' : 'not faithful'}: LeRF average ${fmt(r.lerf!.average)} − MoRF average ${fmt(r.morf!.average)} = ${fmt(r.gap)} (passes when > 0: removing the most relevant pixels hurts more than removing the least relevant; ${r.settings.score}, noisy linear imputation, ${r.settings.percentages.join('/')} % removed)`;
    return { result: r, verdict: { passes, text } };
  },
  summarise(r) {
    const curve = (name: string, c: RoadResult['morf']) => (c ? c.percentages.map((p, i) => ({ label: `${name} ${p}% removed`, value: c.meanScore[i] })) : []);
    return [
      ...(r.morf ? [{ label: 'MoRF average', value: r.morf.average, note: 'low = faithful' }] : []),
      ...(r.lerf ? [{ label: 'LeRF average', value: r.lerf.average, note: 'high = faithful' }] : []),
      ...(r.gap !== undefined ? [{ label: 'LeRF − MoRF', value: r.gap, note: '> 0: faithful' }] : []),
      ...curve('MoRF', r.morf),
      ...curve('LeRF', r.lerf),
    ];
  },
};
