/**
 * Faithfulness correlation (Bhatt, Weller & Moura, IJCAI 2020), with Quantus's defaults:
 *     μ_F = Pearson over random subsets S (|S| = subsetSize) of ( Σ_{j∈S} a_j , f(x) − f(x with S set to the baseline) )
 * per image, `runs` subsets (default 100) of `subsetSize` features (default 224, capped at half the
 * features), baseline 0, raw output. Subsets are drawn without replacement from a seeded stream.
 * A map whose sums predict the output drop scores 1; an unrelated map scores about 0.
 *
 * All runs of all images go to model.forward together (scorePerturbedCopies, in MAX_BATCH_VALUES chunks).
 */
import type { Tensor } from '../tensor/tensor.js';
import { sizeOf } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { pearson } from '../tensor/compare.js';
import type { Model } from '../models/model.js';
import type { Target } from '../attribution/explainer.js';
import type { Replacement, ScoreKind } from './perturbation.js';
import {
  checkAttributions,
  checkPositive,
  checkPositiveInt,
  featureAttribution,
  featureMembers,
  mean,
  metricFeatures,
  replacementValues,
  scorePerturbedCopies,
  targetScorer,
} from './perturbation.js';

export interface FaithfulnessCorrelationOptions {
  target?: Target;
  /** Random subsets per image (default 100). */
  runs?: number;
  /** Features per subset (default min(224, ⌊features / 2⌋)). */
  subsetSize?: number;
  /** Default 'zero' (Quantus's "black"). */
  baseline?: Replacement;
  blurSigma?: number;
  /** Side of the square patches that form the features (default 1: pixels). */
  patch?: number;
  /** Default 'output' (Quantus: softmax=False). */
  score?: ScoreKind;
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface FaithfulnessCorrelationResult {
  metric: 'faithfulness-correlation';
  settings: { runs: number; subsetSize: number; features: number; baseline: string; patch: number; score: ScoreKind; seed: number; targets?: number[] };
  /** Pearson r per image (NaN → null in JSON when either side is constant). */
  perImage: number[];
  mean: number;
}

const METRIC = 'faithfulness correlation';

/** k distinct indices from 0..m-1 (partial Fisher–Yates). */
export function sampleSubset(rng: Random, m: number, k: number, scratch: Int32Array): Int32Array {
  for (let j = 0; j < m; j++) scratch[j] = j;
  for (let j = 0; j < k; j++) {
    const t = rng.int(j, m);
    [scratch[j], scratch[t]] = [scratch[t], scratch[j]];
  }
  return scratch.slice(0, k);
}

export async function faithfulnessCorrelation(model: Model, inputs: Tensor, attributions: Tensor, options: FaithfulnessCorrelationOptions = {}): Promise<FaithfulnessCorrelationResult> {
  checkAttributions(METRIC, inputs, attributions);
  const patch = options.patch ?? 1;
  checkPositiveInt(METRIC, 'patch', patch);
  const mask = metricFeatures(METRIC, inputs, patch);
  const m = mask.count;
  const runs = options.runs ?? 100;
  checkPositiveInt(METRIC, 'runs', runs, 2);
  const subsetSize = options.subsetSize ?? Math.max(1, Math.min(224, Math.floor(m / 2)));
  checkPositiveInt(METRIC, 'subsetSize', subsetSize);
  if (subsetSize > m) throw new Error(`${METRIC}: subsetSize ${subsetSize} exceeds the ${m} features; use a smaller subset`);
  const seed = options.seed ?? 0;
  checkPositiveInt(METRIC, 'seed', seed, 0);
  const blurSigma = options.blurSigma ?? 5;
  checkPositive(METRIC, 'blurSigma', blurSigma);
  const baseline = options.baseline ?? 'zero';
  const scorer = await targetScorer(METRIC, model, inputs, options.target, options.score ?? 'output');
  const replaced = replacementValues(METRIC, inputs, baseline, blurSigma);
  const original = scorer.score(await model.forward(inputs), (i) => i);

  const n = inputs.shape[0];
  const d = sizeOf(inputs.shape.slice(1));
  const featureSums = featureAttribution(attributions, mask);
  const { start, members } = featureMembers(mask);
  const rng = new Random(seed);
  const scratch = new Int32Array(m);
  const attributionSums = new Float64Array(n * runs);
  const scores = await scorePerturbedCopies(
    model,
    inputs,
    scorer,
    runs,
    (i, rows) => {
      for (let s = 0; s < runs; s++) {
        const row = s * d;
        rows.set(inputs.data.subarray(i * d, (i + 1) * d), row);
        let sum = 0;
        for (const f of sampleSubset(rng, m, subsetSize, scratch)) {
          sum += featureSums[i][f];
          for (let t = start[f]; t < start[f + 1]; t++) rows[row + members[t]] = replaced[i * d + members[t]];
        }
        attributionSums[i * runs + s] = sum;
      }
    },
    (_, first, count) => options.onProgress?.(first + count, n),
  );
  const drops = Float64Array.from(scores, (score, row) => original[Math.floor(row / runs)] - score);
  const perImage = Array.from({ length: n }, (_, i) => pearson(attributionSums.subarray(i * runs, (i + 1) * runs), drops.subarray(i * runs, (i + 1) * runs)));
  return {
    metric: 'faithfulness-correlation',
    settings: {
      runs,
      subsetSize,
      features: m,
      baseline: typeof baseline === 'object' ? 'tensor' : String(baseline),
      patch,
      score: scorer.kind,
      seed,
      ...(scorer.classes ? { targets: scorer.classes } : {}),
    },
    perImage,
    mean: mean(perImage),
  };
}
