/**
 * TCAV (Kim et al. 2018) with Captum's semantics. For each layer, a CAV separates a concept's
 * activations from a random set's (linear-cav.ts); the TCAV score of a class is the share of its
 * inputs whose directional derivative ∇_layer f_class · CAV is positive, and the magnitude is
 * Σ|positive derivatives| / Σ|derivatives|. One CAV per random set gives a distribution of scores;
 * random-vs-random CAVs give the null distribution; a two-sided t-test between them, Bonferroni-
 * corrected over layers × concepts, says whether the concept matters or the score is chance.
 */
import type { Model } from '../models/model.js';
import { oneHot, sizeOf, tensor, type Tensor } from '../tensor/tensor.js';
import { fitCav, type CavOptions } from './linear-cav.js';
import { twoSampleTTest } from './t-test.js';

export interface ConceptSet {
  readonly name: string;
  readonly images: Tensor;
}

export interface TcavOptions extends CavOptions {
  readonly layers: readonly string[];
  readonly concepts: readonly ConceptSet[];
  /** Random example sets; at least 2, Kim et al. recommend ≥ 10. */
  readonly randoms: readonly Tensor[];
  /** Family-wise significance level before Bonferroni (default 0.05). */
  readonly alpha?: number;
}

/** One layer's CAVs: per concept, one per random set; and the random-vs-random CAVs. */
export interface LayerCavs {
  readonly layer: string;
  readonly concepts: ReadonlyMap<string, { directions: Float64Array[]; accuracy: number }>;
  readonly randomDirections: Float64Array[];
}

export interface TcavResult {
  readonly concept: string;
  readonly layer: string;
  readonly target: number;
  /** Mean over random runs of the share of positive directional derivatives. */
  readonly score: number;
  readonly scoreStd: number;
  readonly magnitude: number;
  /** One score per random set (concept vs random i). */
  readonly scores: readonly number[];
  /** Random-vs-random scores: the null distribution. */
  readonly randomScores: readonly number[];
  readonly pValue: number;
  /** p below alpha / (layers × concepts). */
  readonly significant: boolean;
  /** Mean training accuracy of the concept-vs-random classifiers (near 0.5: the layer cannot tell them apart). */
  readonly cavAccuracy: number;
}

/** Activations of a named layer, flattened per example: [N, F]. Uses a forward-only pass when the model has one. */
export async function layerActivations(model: Model, x: Tensor, layer: string): Promise<Tensor> {
  const withActivations = model as Model & { activations?: (x: Tensor, layers: readonly string[]) => Promise<Tensor[]> };
  const a = withActivations.activations
    ? (await withActivations.activations(x, [layer]))[0]
    : (await model.layerVjp(x, layer, tensor([x.shape[0], model.outputSize]))).activation;
  return tensor([x.shape[0], sizeOf(a.shape.slice(1))], a.data);
}

/** ∂ score_target / ∂ layer per input, flattened: [N, F] (Captum's layer gradient, not × activation). */
export async function layerGradients(model: Model, inputs: Tensor, layer: string, target: number): Promise<Tensor> {
  const g = (await model.layerVjp(inputs, layer, oneHot(new Array(inputs.shape[0]).fill(target), model.outputSize))).grad;
  return tensor([inputs.shape[0], sizeOf(g.shape.slice(1))], g.data);
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function std(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, v) => s + (v - m) ** 2, 0) / xs.length);
}

/** Trains every CAV of every layer. */
export async function trainCavs(model: Model, options: TcavOptions): Promise<LayerCavs[]> {
  if (options.randoms.length < 2) throw new Error(`TCAV needs at least 2 random example sets for its significance test (got ${options.randoms.length}); give 10 or more`);
  if (options.concepts.length === 0) throw new Error('TCAV needs at least one concept example set');
  const out: LayerCavs[] = [];
  for (const layer of options.layers) {
    const randomActs = await Promise.all(options.randoms.map((r) => layerActivations(model, r, layer)));
    const f = randomActs[0].shape[1];
    const concepts = new Map<string, { directions: Float64Array[]; accuracy: number }>();
    for (const c of options.concepts) {
      const acts = await layerActivations(model, c.images, layer);
      const fits = randomActs.map((r) => fitCav(acts.data, r.data, f, options));
      concepts.set(c.name, { directions: fits.map((fit) => fit.direction), accuracy: mean(fits.map((fit) => fit.accuracy)) });
    }
    // Random i against random i+1 (cyclically): as many null runs as concept runs, no pair reused.
    const randomDirections = randomActs.map((r, i) => fitCav(r.data, randomActs[(i + 1) % randomActs.length].data, f, options).direction);
    out.push({ layer, concepts, randomDirections });
  }
  return out;
}

/**
 * Share of positive directional derivatives and the magnitude Σ positive / Σ |derivatives| (Captum's
 * documented formula; scale-free) for one CAV; meanDerivative is what Captum's code returns as
 * "magnitude" (the plain mean, which scales with the CAV's norm: with an unnormalised classifier
 * weight it is not comparable across classifiers).
 */
export function directionalScores(grads: Tensor, direction: ArrayLike<number>): { score: number; magnitude: number; meanDerivative: number } {
  const [n, f] = grads.shape;
  let positive = 0;
  let positiveMass = 0;
  let totalMass = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let j = 0; j < f; j++) d += grads.data[i * f + j] * direction[j];
    if (d > 0) {
      positive++;
      positiveMass += d;
    }
    totalMass += Math.abs(d);
    sum += d;
  }
  return { score: positive / n, magnitude: totalMass > 0 ? positiveMass / totalMass : 0, meanDerivative: sum / n };
}

/** TCAV scores of `inputs` (examples of class `target`) for every trained concept and layer. */
export async function tcavScores(model: Model, cavs: readonly LayerCavs[], inputs: Tensor, target: number, alpha = 0.05): Promise<TcavResult[]> {
  if (inputs.shape[0] === 0) throw new Error(`TCAV: no inputs of class ${target} to score`);
  const tests = cavs.reduce((s, l) => s + l.concepts.size, 0);
  const results: TcavResult[] = [];
  for (const l of cavs) {
    const grads = await layerGradients(model, inputs, l.layer, target);
    const randomScores = l.randomDirections.map((d) => directionalScores(grads, d).score);
    for (const [concept, { directions, accuracy }] of l.concepts) {
      const runs = directions.map((d) => directionalScores(grads, d));
      const scores = runs.map((r) => r.score);
      const { pValue } = twoSampleTTest(scores, randomScores);
      results.push({
        concept,
        layer: l.layer,
        target,
        score: mean(scores),
        scoreStd: std(scores),
        magnitude: mean(runs.map((r) => r.magnitude)),
        scores,
        randomScores,
        pValue,
        // A NaN p (both distributions constant and equal) is not significant.
        significant: pValue < alpha / tests,
        cavAccuracy: accuracy,
      });
    }
  }
  return results;
}

/** trainCavs then tcavScores for one class. */
export async function tcav(model: Model, inputs: Tensor, target: number, options: TcavOptions): Promise<TcavResult[]> {
  return tcavScores(model, await trainCavs(model, options), inputs, target, options.alpha);
}
