/**
 * `evaluate`: runs the chosen explanation checks for one method on one model and one batch, and
 * states a one-line verdict per check with its threshold. This is the dispatch the CLI and the
 * library share; every metric stays usable on its own.
 */
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows } from '../tensor/tensor.js';
import type { Model } from '../models/model.js';
import type { Explainer } from '../attribution/explainer.js';
import type { RandomisationOptions, RandomisationResult } from './randomisation.js';
import { randomisationTest } from './randomisation.js';
import type { LocalisationOptions, LocalisationResult } from './localisation.js';
import { localisation } from './localisation.js';
import type { ComplexityOptions, ComplexityResult } from './complexity.js';
import { complexity } from './complexity.js';
import type { DeletionCurveOptions, DeletionCurveResult, FaithfulnessCorrelationOptions, FaithfulnessCorrelationResult } from './faithfulness.js';
import { deletionInsertionCurves, faithfulnessCorrelation } from './faithfulness.js';
import type { RobustnessOptions, RobustnessResult } from './robustness.js';
import { explanationRobustness } from './robustness.js';
import type { AdversarialFlipOptions, AdversarialFlipResult } from './adversarial.js';
import { adversarialFlip } from './adversarial.js';
import { shapeToString } from '../tensor/tensor.js';

export const METRIC_NAMES = ['randomisation', 'localisation', 'faithfulness', 'robustness', 'complexity'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface EvaluateOptions {
  metrics: readonly MetricName[];
  /** Region mask [N, H, W] (1 inside); needed by localisation. */
  mask?: Tensor;
  /** Method options (window, steps, layer…), passed on every explainer call. */
  explain?: Readonly<Record<string, unknown>>;
  /** Class per row or one class; default the model's prediction. */
  target?: number | readonly number[];
  seed?: number;
  randomisation?: Omit<RandomisationOptions, 'explain' | 'target' | 'seed' | 'onProgress'>;
  localisation?: LocalisationOptions;
  complexity?: ComplexityOptions;
  deletion?: Omit<DeletionCurveOptions, 'target' | 'onProgress'>;
  faithfulnessCorrelation?: Omit<FaithfulnessCorrelationOptions, 'target'>;
  robustness?: Omit<RobustnessOptions, 'target' | 'explainOptions' | 'seed' | 'onProgress'>;
  /** Part of 'robustness': the smallest FGSM/PGD ε that flips the prediction, and the map under it. */
  adversarial?: Omit<AdversarialFlipOptions, 'target' | 'explainOptions' | 'seed' | 'onProgress'>;
  /** Localisation verdict: the map is "in the region" when the mean ROC AUC ≥ this (0.75; 0.5 = chance). */
  localisationAuc?: number;
  onProgress?: (stage: string, fraction: number) => void;
}

export interface Verdict {
  check: MetricName;
  /** null for checks that describe rather than judge (complexity, robustness). */
  passes: boolean | null;
  text: string;
}

export interface EvaluationResult {
  method: string;
  images: number;
  targets: number[];
  metrics: MetricName[];
  /** The trained model's attributions (kept for the report; not written to JSON). */
  attributions: Tensor;
  randomisation?: RandomisationResult;
  localisation?: LocalisationResult;
  complexity?: ComplexityResult;
  faithfulness?: { deletionInsertion: DeletionCurveResult; correlation: FaithfulnessCorrelationResult };
  robustness?: RobustnessResult;
  /** Absent when the method's maps do not have the inputs' shape (Grad-CAM without upsampling). */
  adversarial?: AdversarialFlipResult;
  verdicts: Verdict[];
}

function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}

export function parseMetrics(list: string): MetricName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new Error(`no metrics given; choose from ${METRIC_NAMES.join(', ')}`);
  for (const n of names) if (!(METRIC_NAMES as readonly string[]).includes(n)) throw new Error(`unknown metric '${n}'; choose from ${METRIC_NAMES.join(', ')}`);
  return [...new Set(names)] as MetricName[];
}

export async function evaluateExplanations(model: Model, explainer: Explainer, inputs: Tensor, options: EvaluateOptions): Promise<EvaluationResult> {
  const metrics = [...new Set(options.metrics)];
  if (metrics.length === 0) throw new Error(`evaluate: no metrics given; choose from ${METRIC_NAMES.join(', ')}`);
  if (metrics.includes('localisation') && !options.mask) throw new Error('evaluate: localisation needs a region mask [N, H, W] (CLI: --mask MASK.npy)');
  const n = inputs.shape[0];
  if (n === 0) throw new Error('evaluate: no input images');
  const seed = options.seed ?? 0;
  const progress = (stage: string, f: number) => options.onProgress?.(stage, Math.min(1, Math.max(0, f)));

  // One class per row for every check, so all of them explain the same question.
  const targets =
    options.target === undefined
      ? argmaxRows(await model.forward(inputs))
      : typeof options.target === 'number'
        ? new Array<number>(n).fill(options.target)
        : [...options.target];
  progress('explaining', 0);
  const attribution = await explainer.attribute(model, inputs, { ...options.explain, target: targets, seed });
  progress('explaining', 1);
  const result: EvaluationResult = { method: explainer.name, images: n, targets, metrics, attributions: attribution.values, verdicts: [] };

  for (const metric of metrics) {
    if (metric === 'randomisation') {
      const r = await randomisationTest(model, explainer, inputs, {
        ...options.randomisation,
        explain: options.explain,
        target: targets,
        seed,
        onProgress: (f, what) => progress(`randomisation: ${what}`, f),
      });
      result.randomisation = r;
      const logit = r.randomLogit ? `; random-logit ρ (signed) ${fmt(r.randomLogit.spearmanSigned)} (${r.randomLogit.changes ? 'the map changes with the class' : 'the map does not change with the class'})` : '';
      result.verdicts.push({ check: 'randomisation', passes: r.verdict.passes, text: `${r.verdict.text}${logit}` });
    } else if (metric === 'localisation') {
      progress('localisation', 0);
      const l = localisation(attribution.values, options.mask!, options.localisation);
      result.localisation = l;
      const threshold = options.localisationAuc ?? 0.75;
      const auc = l.auc.mean;
      const passes = auc === null ? null : auc >= threshold;
      const text =
        auc === null
          ? 'no image has a non-empty mask: no localisation score'
          : `${passes ? 'in the region' : 'not in the region'}: mean ROC AUC ${fmt(auc)} (threshold ${threshold}; 0.5 = chance), positive mass inside ${fmt(l.attributionLocalisation.mean)}, pointing game ${fmt(l.pointingGame.mean)} over ${l.scored} image(s) with a mask`;
      result.verdicts.push({ check: 'localisation', passes, text });
      progress('localisation', 1);
    } else if (metric === 'complexity') {
      const c = complexity(attribution.values, options.complexity);
      result.complexity = c;
      result.verdicts.push({
        check: 'complexity',
        passes: null,
        text: `sparseness (Gini) ${fmt(c.sparseness.mean)} (0 = flat, 1 = one pixel), entropy ${fmt(c.complexity.mean)} of at most ln ${c.pixels} = ${fmt(Math.log(c.pixels))}, ${fmt(c.effectiveComplexity.mean, 1)} of ${c.pixels} pixels above ${c.effectiveComplexity.epsilon} × max`,
      });
    } else if (metric === 'faithfulness') {
      const deletionInsertion = await deletionInsertionCurves(model, inputs, attribution.values, {
        ...options.deletion,
        target: targets,
        onProgress: (done, total) => progress('faithfulness: deletion and insertion', done / total),
      });
      progress('faithfulness: correlation', 0);
      const correlation = await faithfulnessCorrelation(model, inputs, attribution.values, { seed, ...options.faithfulnessCorrelation, target: targets });
      result.faithfulness = { deletionInsertion, correlation };
      const diff = deletionInsertion.areaDifference;
      const passes = diff === undefined ? null : diff > 0;
      result.verdicts.push({
        check: 'faithfulness',
        passes,
        text: `${passes === null ? 'no verdict' : passes ? 'faithful' : 'not faithful'}: insertion area ${fmt(deletionInsertion.insertion?.meanArea)} − deletion area ${fmt(deletionInsertion.deletion?.meanArea)} = ${fmt(diff)} (passes when > 0: the top-ranked pixels carry the score), faithfulness correlation ${fmt(correlation.mean)}`,
      });
    } else if (metric === 'robustness') {
      const r = await explanationRobustness(model, explainer, inputs, {
        ...options.robustness,
        target: targets,
        seed,
        explainOptions: { ...options.explain },
        onProgress: (done, total) => progress('robustness', done / total),
      });
      result.robustness = r;
      let adversarialText = '';
      if (shapeToString(attribution.values.shape) === shapeToString(inputs.shape)) {
        progress('robustness: adversarial flip', 0);
        const a = await adversarialFlip(model, explainer, inputs, {
          ...options.adversarial,
          target: targets,
          seed,
          explainOptions: { ...options.explain },
          onProgress: (done, total) => progress('robustness: adversarial flip', done / total),
        });
        result.adversarial = a;
        const rho = a.spearman.filter((v): v is number => v !== null && Number.isFinite(v));
        adversarialText =
          a.flipped === 0
            ? `; ${a.settings.attack.toUpperCase()} flips no prediction up to ε = ${fmt(a.settings.maxEpsilon)}`
            : `; ${a.settings.attack.toUpperCase()} flips ${a.flipped} of ${n} prediction(s) at median ε ${fmt(a.medianEpsilon, 4)} (input units), where the map keeps Spearman ρ ${fmt(rho.length ? rho.reduce((x, y) => x + y, 0) / rho.length : null)} with the clean one`;
      } else {
        adversarialText = `; no adversarial flip: ${explainer.name}'s maps ${shapeToString(attribution.values.shape)} do not have the inputs' shape`;
      }
      result.verdicts.push({
        check: 'robustness',
        passes: null,
        text: `max-sensitivity ${fmt(r.mean.maxSensitivity)}, average sensitivity ${fmt(r.mean.averageSensitivity)} (relative L2 change of the map) and local Lipschitz ${fmt(r.mean.localLipschitz)} for ${r.settings.distribution} perturbations of radius ${r.settings.radius}${adversarialText}`,
      });
    }
  }
  return result;
}

/** evaluation.json: everything except the maps (tensors), with NaN and ±∞ as null. */
export function evaluationJson(result: EvaluationResult): unknown {
  return JSON.parse(
    JSON.stringify(result, (key, value) => {
      if (key === 'attributions' || key === 'maps' || key === 'trainedMaps') return undefined;
      if (typeof value === 'number' && !Number.isFinite(value)) return null;
      return value;
    }),
  );
}
