/**
 * Shapley value sampling (Captum's ShapleyValueSampling; Castro et al. 2009): for each of `samples`
 * random orderings of the features, start from the baseline, switch the features on one by one in that
 * order and credit each with the change of the explained output. The mean credit is an unbiased
 * estimate of the Shapley value; efficiency (Σφ = f(x) − f(baseline)) holds exactly for every
 * ordering, so for every estimate. `exact: true` (M ≤ 8) walks all M! orderings: the exact Shapley
 * values, the same numbers KernelSHAP's exact mode reaches by regression — an independent check.
 *
 * Features are KernelSHAP's (patches, SLIC superpixels, or the columns of a table); an ordering costs
 * M + 1 forwards per input, and all orderings of all inputs go to the model as whole batches.
 */
import { Random } from '../tensor/random.js';
import type { Explainer, ExplainOptions } from './explainer.js';
import { declareOptions, resolveTarget } from './explainer.js';
import { expandBaseline, type Baseline } from './common/baselines.js';
import { broadcastFeatures, evaluateCoalitions, featureTable } from './feature-mask.js';
import { imageFeatureMasks, SEGMENT_OPTIONS, type SegmentOptions } from './segmentation/feature-masks.js';

export interface ShapleySamplingOptions extends ExplainOptions, SegmentOptions {
  patch?: number;
  /** Random orderings per input (Captum's n_samples, default 25). */
  orderings?: number;
  /** Value of an absent feature (default 0). */
  baseline?: Baseline;
  /** All M! orderings (M ≤ 8). */
  exact?: boolean;
}

export const MAX_EXACT_ORDERINGS_FEATURES = 8;

export const SHAPLEY_SAMPLING_OPTIONS = declareOptions<ShapleySamplingOptions>([
  ...SEGMENT_OPTIONS,
  { key: 'orderings', flag: '--orderings', kind: 'integer', min: 1, default: 25, help: 'random feature orderings per image (Captum\'s n_samples)' },
  { key: 'exact', flag: '--exact', kind: 'boolean', default: false, help: 'walk all M! feature orderings (M ≤ 8 features) for exact Shapley values' },
  { key: 'baseline', flag: '--baseline', kind: 'number', default: 0, help: 'value of an absent feature' },
]);

/** All orderings of 0..m−1 (Heap's algorithm). */
function allOrderings(m: number): number[][] {
  const a = Array.from({ length: m }, (_, i) => i);
  const out: number[][] = [[...a]];
  const c = new Array<number>(m).fill(0);
  let i = 0;
  while (i < m) {
    if (c[i] < i) {
      const j = i % 2 === 0 ? 0 : c[i];
      [a[j], a[i]] = [a[i], a[j]];
      out.push([...a]);
      c[i]++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return out;
}

/** The M + 1 prefix coalitions of one ordering: ∅, {o₀}, {o₀, o₁}, …, all. */
function prefixes(order: readonly number[]): Uint8Array[] {
  const rows: Uint8Array[] = [new Uint8Array(order.length)];
  for (const f of order) {
    const next = rows[rows.length - 1].slice();
    next[f] = 1;
    rows.push(next);
  }
  return rows;
}

export const shapleyValueSampling: Explainer<ShapleySamplingOptions> = {
  name: 'shapley-sampling',
  description:
    "Shapley value sampling (Captum's ShapleyValueSampling): mean marginal credit of each patch feature over random orderings (25 orderings, patch 4, baseline 0; --exact walks all orderings for ≤ 8 features); extras.phi [N, features]",
  options: SHAPLEY_SAMPLING_OPTIONS,
  output: 'input',
  needs: {},
  usesTarget: true,
  usesSeed: true,
  async attribute(model, inputs, options = {}) {
    const masks = imageFeatureMasks(inputs, options, 'shapley-sampling');
    const counts = masks.map((k) => k.count);
    const exact = options.exact ?? false;
    const orderings = options.orderings ?? 25;
    if (!exact && (!Number.isInteger(orderings) || orderings < 1)) throw new Error(`shapley-sampling: orderings must be an integer ≥ 1 (got ${orderings})`);
    const widest = Math.max(0, ...counts);
    if (exact && widest > MAX_EXACT_ORDERINGS_FEATURES) throw new Error(`shapley-sampling: exact needs ≤ ${MAX_EXACT_ORDERINGS_FEATURES} features (got ${widest}, i.e. ${widest}! orderings); use a larger patch or sampling`);
    const baseline = expandBaseline(options.baseline, inputs, 'shapley-sampling');
    const { cotangent, classes } = await resolveTarget(model, inputs, options.target);
    const rng = new Random(options.seed ?? 0);
    const orders = counts.map((m) => (exact ? allOrderings(m) : Array.from({ length: orderings }, () => rng.permutation(m))));
    const coalitions = orders.map((list) => list.flatMap(prefixes));
    const scores = await evaluateCoalitions(model, inputs, baseline, masks, coalitions, cotangent);
    const phis = counts.map((m, i) => {
      const phi = new Float64Array(m);
      orders[i].forEach((order, o) => {
        const base = o * (m + 1);
        order.forEach((f, step) => (phi[f] += scores[i][base + step + 1] - scores[i][base + step]));
      });
      for (let f = 0; f < m; f++) phi[f] /= orders[i].length;
      return phi;
    });
    return {
      method: 'shapley-sampling',
      values: broadcastFeatures(inputs, masks, phis),
      targets: classes,
      extras: { phi: featureTable(phis, widest), features: counts.every((c) => c === widest) ? widest : counts, orderings: exact ? orders.map((o) => o.length) : orderings, exact },
    };
  },
};
