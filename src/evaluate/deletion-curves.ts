/**
 * Deletion and insertion curves (Petsiuk et al. 2018, RISE; "pixel flipping" in Quantus).
 *
 * Features (pixels, or patches of side `patch`, all channels together) are ordered by their summed
 * attribution, most relevant first. Deletion starts from the input and replaces the first
 * count_s features by the baseline; insertion starts from the baseline and puts the first count_s
 * features of the input back; count_s = round(s·M/steps) for s = 0..steps. The curve is the target's
 * score (softmax probability by default, or the raw output) after each step, against the fraction
 * count_s / M ∈ [0, 1]; its area is the trapezoid rule over that axis. A faithful map makes
 * deletion fall fast (small area) and insertion rise fast (large area).
 *
 * Speed: every perturbed copy of every image (both curves) is built up front and sent to
 * model.forward in as few calls as memory allows (MAX_BATCH_VALUES values each); the model splits
 * them by its internalBatchSize. Quantus evaluates one perturbed image per call, which is what
 * makes its pixel flipping take tens of minutes.
 */
import type { Tensor } from '../tensor/tensor.js';
import { sizeOf } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import type { Target } from '../attribution/explainer.js';
import type { Replacement, ScoreKind } from './perturbation.js';
import {
  checkAttributions,
  checkPositive,
  checkPositiveInt,
  featureAttribution,
  featureMembers,
  featureOrder,
  mean,
  metricFeatures,
  replacementValues,
  scorePerturbedCopies,
  targetScorer,
  trapezoid,
} from './perturbation.js';

export type CurveKind = 'deletion' | 'insertion';

export interface DeletionCurveOptions {
  /** Explained class per row, one class, or a cotangent (default: the predicted class). */
  target?: Target;
  /** Which curves (default both). */
  curves?: readonly CurveKind[];
  /** What removed features become (default 'zero'; 'mean' = per-image channel mean; 'blur' = Gaussian blur). */
  baseline?: Replacement;
  /** σ in pixels for baseline 'blur' (default 5, as RISE's insertion metric). */
  blurSigma?: number;
  /** Side of the square patches removed together (default 1: pixels). */
  patch?: number;
  /** Removal steps; the curve has steps + 1 points (default min(features, 50)). */
  steps?: number;
  /** Score of the target after each step (default 'softmax'). */
  score?: ScoreKind;
  /** Called after each model call with (rows done, rows in all). */
  onProgress?: (done: number, total: number) => void;
}

export interface PerturbationCurve {
  /** Fraction of features removed (deletion) or inserted (insertion) at each point. */
  fractions: number[];
  /** Score per image per point: curves[i][s]. */
  curves: number[][];
  /** Mean over images of each point. */
  meanCurve: number[];
  /** Trapezoid area per image over fractions ∈ [0, 1]. */
  areas: number[];
  meanArea: number;
}

export interface DeletionCurveResult {
  metric: 'deletion-insertion';
  settings: { baseline: string; blurSigma?: number; patch: number; steps: number; features: number; score: ScoreKind; targets?: number[] };
  deletion?: PerturbationCurve;
  insertion?: PerturbationCurve;
  /** Mean insertion area − mean deletion area (higher is better), when both curves were asked for. */
  areaDifference?: number;
}

const METRIC = 'deletion/insertion curves';

export async function deletionInsertionCurves(model: Model, inputs: Tensor, attributions: Tensor, options: DeletionCurveOptions = {}): Promise<DeletionCurveResult> {
  checkAttributions(METRIC, inputs, attributions);
  const kinds = [...new Set(options.curves ?? (['deletion', 'insertion'] as const))];
  if (kinds.length === 0 || kinds.some((k) => k !== 'deletion' && k !== 'insertion')) throw new Error(`${METRIC}: curves must list 'deletion' and/or 'insertion' (got ${JSON.stringify(options.curves)})`);
  const patch = options.patch ?? 1;
  checkPositiveInt(METRIC, 'patch', patch);
  const blurSigma = options.blurSigma ?? 5;
  checkPositive(METRIC, 'blurSigma', blurSigma);
  const mask = metricFeatures(METRIC, inputs, patch);
  const m = mask.count;
  const steps = options.steps ?? Math.min(m, 50);
  checkPositiveInt(METRIC, 'steps', steps);
  if (steps > m) throw new Error(`${METRIC}: ${steps} steps but only ${m} features; use steps ≤ ${m}`);
  const baseline = options.baseline ?? 'zero';
  const scorer = await targetScorer(METRIC, model, inputs, options.target, options.score ?? 'softmax');
  const replaced = replacementValues(METRIC, inputs, baseline, blurSigma);

  const n = inputs.shape[0];
  const d = sizeOf(inputs.shape.slice(1));
  const counts = Array.from({ length: steps + 1 }, (_, s) => Math.round((s * m) / steps));
  const orders = featureAttribution(attributions, mask).map((a) => featureOrder(a, 'most'));
  const { start, members } = featureMembers(mask);

  // Rows: for each image, for each curve kind, steps + 1 copies.
  const perImage = kinds.length * (steps + 1);
  const total = n * perImage;
  const scores = await scorePerturbedCopies(
    model,
    inputs,
    scorer,
    perImage,
    (i, rows) => {
      const x = inputs.data.subarray(i * d, (i + 1) * d);
      const b = replaced.subarray(i * d, (i + 1) * d);
      kinds.forEach((kind, ki) => {
        // Deletion moves features from x to b; insertion from b to x.
        const [from, to] = kind === 'deletion' ? [x, b] : [b, x];
        const row0 = ki * (steps + 1) * d;
        const current = Float32Array.from(from);
        rows.set(current, row0);
        for (let s = 1; s <= steps; s++) {
          for (let q = counts[s - 1]; q < counts[s]; q++) {
            const f = orders[i][q];
            for (let t = start[f]; t < start[f + 1]; t++) current[members[t]] = to[members[t]];
          }
          rows.set(current, row0 + s * d);
        }
      });
    },
    (_, first, count) => options.onProgress?.((first + count) * perImage, total),
  );

  const fractions = counts.map((c) => c / m);
  const result: DeletionCurveResult = {
    metric: 'deletion-insertion',
    settings: {
      baseline: typeof baseline === 'object' ? 'tensor' : String(baseline),
      ...(baseline === 'blur' ? { blurSigma } : {}),
      patch,
      steps,
      features: m,
      score: scorer.kind,
      ...(scorer.classes ? { targets: scorer.classes } : {}),
    },
  };
  kinds.forEach((kind, ki) => {
    const curves = Array.from({ length: n }, (_, i) => Array.from(scores.subarray(i * perImage + ki * (steps + 1), i * perImage + (ki + 1) * (steps + 1))));
    const areas = curves.map((c) => trapezoid(fractions, c));
    result[kind] = {
      fractions,
      curves,
      meanCurve: fractions.map((_, s) => mean(curves.map((c) => c[s]))),
      areas,
      meanArea: mean(areas),
    };
  });
  if (result.deletion && result.insertion) result.areaDifference = result.insertion.meanArea - result.deletion.meanArea;
  return result;
}
