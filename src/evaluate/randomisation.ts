/**
 * Model-parameter randomisation test (Adebayo et al. 2018, "Sanity checks for saliency maps"): an
 * explanation that barely changes when the model's weights are re-drawn shows the image, not the
 * model. Layers are re-initialised with the zoo's initialiser (Model.withParameters):
 * - cascading: top (output) layer first, then cumulatively down to the input layer;
 * - independent: one layer at a time, the rest trained.
 * Each step's maps are compared with the trained model's maps (Spearman of |a|, SSIM, HOG distance,
 * top-3 hotspot survival), against a trained-vs-trained baseline that says how similar two maps of
 * the *same* model are: two seeds for stochastic methods, two small input-noise draws otherwise.
 * The random-logit test (Sixt et al. 2020) explains a random other class; the map should change.
 * Any Explainer, any Model.
 */
import { resolveTarget } from '../attribution/common/target.js';
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows, sliceRows, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Model } from '../models/model.js';
import type { Explainer, Target } from '../attribution/explainer.js';
import { pixelMaps, meanOf } from './maps.js';
import type { PixelMaps } from './maps.js';
import { compareMaps } from './similarity.js';
import type { HotspotOptions } from './hotspots.js';
import { defaultHotspotRadius, findHotspots, survivingHotspots } from './hotspots.js';

export type RandomisationMode = 'cascading' | 'independent';

export interface RandomisationOptions {
  /** Method options passed on every call (window, steps, layer…); target and seed are set here. */
  explain?: Readonly<Record<string, unknown>>;
  /** Class per row to explain; default the *trained* model's prediction, kept for every step. */
  target?: Target;
  seed?: number;
  modes?: readonly RandomisationMode[];
  /** Layers (node names, as in model.parameters[].layer) from the top down; default all of them. */
  layers?: readonly string[];
  /** Deterministic methods: input-noise σ of the baseline as a fraction of the inputs' range (0.01). */
  baselineNoise?: number;
  /** Pass when the last cascade step's mean Spearman ≤ passRatio × the baseline's (0.5). */
  passRatio?: number;
  hotspots?: HotspotOptions;
  /** Keep the first `keepMaps` images' maps of every step (for the report; default 0). */
  keepMaps?: number;
  onProgress?: (fraction: number, what: string) => void;
}

export interface SimilaritySummary {
  /** Means over images. */
  spearman: number;
  ssim: number;
  hogDistance: number | null;
  spearmanPerImage: number[];
}

export interface RandomisationStep extends SimilaritySummary {
  /** The layer re-initialised at this step. */
  layer: string;
  /** Every layer that is random at this step (cascading: all layers so far). */
  randomised: string[];
  /** Mean fraction of the trained map's hotspots that survive. */
  hotspotSurvival: number;
  maps?: Tensor;
}

export interface RandomisationResult {
  method: string;
  images: number;
  layers: string[];
  baseline: SimilaritySummary & { kind: 'seeds' | 'input-noise'; noise?: number };
  cascading?: RandomisationStep[];
  independent?: RandomisationStep[];
  randomLogit?: { spearmanAbs: number; spearmanSigned: number; classes: number[]; changes: boolean };
  hotspots: { count: number; radius: number };
  verdict: { passes: boolean | null; passRatio: number; threshold: number; finalSpearman: number | null; rule: string; text: string };
  trainedMaps?: Tensor;
}

/** Parameter layers in graph order, top (output) first. */
export function parameterLayersTopDown(model: Model): string[] {
  const seen: string[] = [];
  for (const p of model.parameters) if (!seen.includes(p.layer)) seen.push(p.layer);
  return seen.reverse();
}

function summarise(a: PixelMaps, b: PixelMaps): SimilaritySummary {
  const per = a.maps.map((m, i) => compareMaps(m, b.maps[i], a.height, a.width));
  const hogs = per.map((s) => s.hogDistance);
  return {
    spearman: meanOf(per.map((s) => s.spearman)) ?? NaN,
    ssim: meanOf(per.map((s) => s.ssim)) ?? NaN,
    hogDistance: hogs.some((h) => h === null) ? null : meanOf(hogs),
    spearmanPerImage: per.map((s) => s.spearman),
  };
}

function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

async function disposeIfPossible(model: Model): Promise<void> {
  await (model as { dispose?: () => Promise<void> }).dispose?.();
}

export async function randomisationTest(model: Model, explainer: Explainer, inputs: Tensor, options: RandomisationOptions = {}): Promise<RandomisationResult> {
  const n = inputs.shape[0];
  if (n === 0) throw new Error('randomisationTest: no input images; pass at least one');
  const seed = options.seed ?? 0;
  const modes = options.modes ?? ['cascading', 'independent'];
  const passRatio = options.passRatio ?? 0.5;
  const noiseFraction = options.baselineNoise ?? 0.01;
  const allLayers = parameterLayersTopDown(model);
  if (allLayers.length === 0) throw new Error('randomisationTest: the model has no parameters to re-initialise (Conv, Gemm, MatMul or BatchNormalization initializers)');
  const layers = options.layers ? [...options.layers] : allLayers;
  for (const l of layers) if (!allLayers.includes(l)) throw new Error(`randomisationTest: '${l}' is not a parameter layer; choose from ${allLayers.join(', ')}`);
  if (!(passRatio > 0 && passRatio <= 1)) throw new Error(`randomisationTest: passRatio must be in (0, 1] (got ${passRatio})`);

  // The class explained stays the trained model's answer at every step: a randomised model predicts
  // something else, and following it would compare explanations of different questions.
  // A segmenter's target (a class over the trained model's predicted mask) is frozen as its cotangent.
  const resolved = await resolveTarget(model, inputs, options.target);
  const classes = resolved.classes;
  const target: Target = classes ?? { cotangent: resolved.cotangent };
  // Explainer calls: trained, a second seed, the steps, the random logit (+2 if input noise is needed).
  let totalCalls = 2 + layers.length * modes.length + (classes && model.outputSize > 1 ? 1 : 0);
  let calls = 0;
  const explain = async (m: Model, x: Tensor, what: string, s = seed, t: Target = target) => {
    options.onProgress?.(calls / totalCalls, what);
    const r = await explainer.attribute(m, x, { ...options.explain, target: t, seed: s });
    calls++;
    options.onProgress?.(calls / totalCalls, what);
    return r.values;
  };
  const keep = Math.min(n, Math.max(0, options.keepMaps ?? 0));
  const kept = (v: Tensor) => (keep > 0 ? sliceRows(v, 0, keep) : undefined);

  const trainedValues = await explain(model, inputs, 'explaining the trained model');
  const trained = pixelMaps(trainedValues, 'magnitude');
  const hotspotOptions = { ...options.hotspots, radius: options.hotspots?.radius ?? defaultHotspotRadius(trained.height, trained.width) };
  const radius = hotspotOptions.radius;
  const trainedHotspots = trained.maps.map((m) => findHotspots(m, trained.height, trained.width, hotspotOptions));

  // Baseline: the same model explained twice. A method that ignores the seed gives identical maps;
  // then two small input-noise draws stand in for the run-to-run variation.
  let baseline: RandomisationResult['baseline'];
  const again = await explain(model, inputs, 'trained-vs-trained baseline', seed + 1);
  if (!sameValues(again, trainedValues)) {
    baseline = { kind: 'seeds', ...summarise(trained, pixelMaps(again, 'magnitude')) };
  } else {
    totalCalls += 2;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of inputs.data) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    const sigma = noiseFraction * (hi - lo || 1);
    const rng = new Random(seed + 7919);
    const noisy = () => tensor(inputs.shape, inputs.data.map((v) => v + rng.normal(0, sigma)));
    const a = await explain(model, noisy(), 'trained-vs-trained baseline (input noise)');
    const b = await explain(model, noisy(), 'trained-vs-trained baseline (input noise)');
    baseline = { kind: 'input-noise', noise: sigma, ...summarise(pixelMaps(a, 'magnitude'), pixelMaps(b, 'magnitude')) };
  }

  const runSteps = async (mode: RandomisationMode): Promise<RandomisationStep[]> => {
    const steps: RandomisationStep[] = [];
    for (let k = 0; k < layers.length; k++) {
      const randomised = mode === 'cascading' ? layers.slice(0, k + 1) : [layers[k]];
      // Parameters listed top layer first and one seed per mode: a cascade step re-draws the layers
      // of the previous step with the same values and adds the next layer.
      const names = randomised.flatMap((l) => model.parameters.filter((p) => p.layer === l).map((p) => p.name));
      const randomModel = model.withParameters({ kind: 'reinitialise', parameters: names, seed: seed + (mode === 'cascading' ? 101 : 211 + k) });
      try {
        const values = await explain(randomModel, inputs, `${mode} randomisation: ${layers[k]}`);
        const maps = pixelMaps(values, 'magnitude');
        const survival = maps.maps.map((m, i) => {
          const own = findHotspots(m, maps.height, maps.width, hotspotOptions);
          const total = trainedHotspots[i].length;
          return total === 0 ? null : survivingHotspots(trainedHotspots[i], own, radius) / total;
        });
        steps.push({ layer: layers[k], randomised, ...summarise(trained, maps), hotspotSurvival: meanOf(survival) ?? NaN, maps: kept(values) });
      } finally {
        await disposeIfPossible(randomModel);
      }
    }
    return steps;
  };
  const result: RandomisationResult = {
    method: explainer.name,
    images: n,
    layers,
    baseline,
    hotspots: { count: hotspotOptions.count ?? 3, radius },
    verdict: { passes: null, passRatio, threshold: NaN, finalSpearman: null, rule: '', text: '' },
    trainedMaps: kept(trainedValues),
  };
  for (const mode of modes) result[mode] = await runSteps(mode);

  // The random-logit test swaps the class; a target without classes (a mask) has no other logit to take.
  if (classes && model.outputSize > 1) {
    const rng = new Random(seed + 4099);
    const others = classes.map((c) => {
      const o = rng.int(0, model.outputSize - 1);
      return o >= c ? o + 1 : o;
    });
    const values = await explain(model, inputs, 'random-logit test', seed, others);
    const abs = summarise(trained, pixelMaps(values, 'magnitude')).spearman;
    const signedA = pixelMaps(trainedValues, 'signed');
    const signedB = pixelMaps(values, 'signed');
    const signed = summarise(signedA, signedB).spearman;
    result.randomLogit = { spearmanAbs: abs, spearmanSigned: signed, classes: others, changes: signed <= passRatio * baseline.spearman };
  }

  const threshold = passRatio * baseline.spearman;
  const last = result.cascading?.[result.cascading.length - 1];
  const finalSpearman = last ? last.spearman : null;
  const passes = finalSpearman === null ? null : finalSpearman <= threshold;
  const rule = `passes when the mean Spearman ρ (|a|) after the last cascading step ≤ ${passRatio} × the trained-vs-trained baseline ρ (${baseline.kind})`;
  const count = result.hotspots.count;
  const hotspotNote = last ? `; ${(last.hotspotSurvival * count).toFixed(1)} of ${count} hotspots survive on average` : '';
  const text =
    passes === null
      ? `no cascading run, so no verdict (baseline ρ = ${baseline.spearman.toFixed(3)})`
      : passes
        ? `passes: ρ falls to ${finalSpearman!.toFixed(3)} with every layer random (threshold ${threshold.toFixed(3)} = ${passRatio} × baseline ${baseline.spearman.toFixed(3)})${hotspotNote}`
        : `fails: ρ is still ${finalSpearman!.toFixed(3)} with every layer random (threshold ${threshold.toFixed(3)} = ${passRatio} × baseline ${baseline.spearman.toFixed(3)}): the map shows the input, not the model${hotspotNote}`;
  result.verdict = { passes, passRatio, threshold, finalSpearman, rule, text };
  options.onProgress?.(1, 'randomisation done');
  return result;
}
