/**
 * TCAV (Kim et al. 2018) with Captum's semantics. For each layer, a CAV separates a concept's
 * activations from a random set's (linear-cav.ts); the TCAV score of a class is the share of its
 * inputs whose directional derivative ∇_layer f_class · CAV is positive, and the magnitude is
 * Σ|positive derivatives| / Σ|derivatives|. One CAV per random set gives a distribution of scores.
 *
 * Significance. Captum's tutorial (and Kim et al.) t-test the concept's runs against random-vs-random
 * runs (`captumPValue` here). But the concept's runs all share one concept set, so they vary less
 * than runs whose positive set changes too: a set drawn from the random sets' own distribution came
 * out "significant" in 4 of 40 trials at Bonferroni 0.025 on the microstructure demo (seeds 1–5).
 * So the test that decides `significant` puts every random set j in the concept's role, against
 * the other random sets, and asks whether the concept is unusual among those random concepts
 * (a prediction-interval t-test, n − 1 degrees of freedom): a concept drawn like the random sets is
 * exchangeable with them and comes out significant at rate alpha, as a test should. The statistic
 * is the mean directional derivative along the unit CAV (`derivative`), not the sign count: random
 * concepts' sign counts spread over the whole of [0, 1] (a class's gradients point alike, so a
 * random direction gives nearly all-positive or all-negative counts), and a real concept's 1.0 is
 * not unusual among them (p 0.09–0.18 for every real concept on the demo); their derivatives stay
 * near 0 while real concepts' are 5–10 null standard deviations away (p 1e-8–1e-3, both signs: a
 * concept can lower a class's score significantly).
 * Bonferroni over layers × concepts.
 */
import type { Model } from '../models/model.js';
import { oneHot, sizeOf, tensor, type Tensor } from '../tensor/tensor.js';
import { fitCav, type CavOptions } from './linear-cav.js';
import { predictionTTest, twoSampleTTest } from './t-test.js';

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
  /** randomPairs[j][i]: random set j (in the concept's role) against random set i; null for i = j. */
  readonly randomPairs: (Float64Array | null)[][];
}

export interface TcavResult {
  readonly concept: string;
  readonly layer: string;
  readonly target: number;
  /** Mean over random runs of the share of positive directional derivatives. */
  readonly score: number;
  readonly scoreStd: number;
  readonly magnitude: number;
  /** Mean over runs of the mean directional derivative along the unit CAV: the significance statistic. */
  readonly derivative: number;
  /** One score per random set (concept vs random i). */
  readonly scores: readonly number[];
  /** Random-vs-random scores (random i vs random i+1): Captum's null runs. */
  readonly randomScores: readonly number[];
  /** Mean score of each random set in the concept's role (against the other random sets). */
  readonly randomConceptScores: readonly number[];
  /** Mean derivative of each random set in the concept's role: the null of `pValue`. */
  readonly randomConceptDerivatives: readonly number[];
  /** Two-sided p of `derivative` among randomConceptDerivatives (prediction t-test). */
  readonly pValue: number;
  /** Captum's tutorial test: ttest_ind(scores, randomScores); liberal (see above), reported for comparison. */
  readonly captumPValue: number;
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
  if (options.randoms.length < 3) throw new Error(`TCAV needs at least 3 random example sets for its significance test (got ${options.randoms.length}); give 10 or more`);
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
    // Every random set against every other (N(N−1) CAVs; cheap in the dual form). Random i against
    // random i+1 (cyclically) are Captum's null runs: as many as concept runs, no pair reused.
    const randomPairs = randomActs.map((r, j) => randomActs.map((q, i) => (i === j ? null : fitCav(r.data, q.data, f, options).direction)));
    const randomDirections = randomPairs.map((row, j) => row[(j + 1) % row.length]!);
    out.push({ layer, concepts, randomDirections, randomPairs });
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
    const randomConcept = l.randomPairs.map((row) => row.flatMap((d) => (d ? [directionalScores(grads, d)] : [])));
    const randomConceptScores = randomConcept.map((runs) => mean(runs.map((r) => r.score)));
    const randomConceptDerivatives = randomConcept.map((runs) => mean(runs.map((r) => r.meanDerivative)));
    for (const [concept, { directions, accuracy }] of l.concepts) {
      const runs = directions.map((d) => directionalScores(grads, d));
      const scores = runs.map((r) => r.score);
      const derivative = mean(runs.map((r) => r.meanDerivative));
      const { pValue } = predictionTTest(derivative, randomConceptDerivatives);
      const captumPValue = twoSampleTTest(scores, randomScores).pValue;
      results.push({
        concept,
        layer: l.layer,
        target,
        score: mean(scores),
        scoreStd: std(scores),
        magnitude: mean(runs.map((r) => r.magnitude)),
        scores,
        randomScores,
        derivative,
        randomConceptScores,
        randomConceptDerivatives,
        pValue,
        captumPValue,
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
