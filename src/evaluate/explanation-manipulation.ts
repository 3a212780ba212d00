/**
 * The explanation-manipulation attack of Dombrowski et al. (2019, "Explanations can be manipulated
 * and geometry is to blame"): a small perturbation δ, ‖δ‖∞ ≤ ε, that keeps the network's output
 * while moving its explanation toward a target map h_t, found by gradient descent (Adam, projected
 * onto the ε-box and the data's value range) on
 *
 *     ‖ĥ(x + δ) − ĥ_t‖² + γ ‖g(x + δ) − g(x)‖²        (models/manipulation-loss.ts; ĥ = h / mean|h|)
 *
 * The gradient of the first term needs ∂h/∂x, second order; a ReLU network's is zero almost
 * everywhere, so the descent runs on the β-smoothed network (onnx/softplus-smoothing.ts). The δ it
 * finds is then judged where it matters, on the ORIGINAL network with the method's own code: how far
 * its map moved (toward the target, away from the original, per unit of perturbation) and whether the
 * output stayed. Gradient maps only (saliency, signed gradient, input × gradient): the methods whose
 * map the loss graph can express.
 */
import { OnnxModel, type Model } from '../models/model.js';
import type { Task } from '../models/task.js';
import { GRADIENT_MAPS, ManipulationLoss, normaliseMaps, type GradientMap } from '../models/manipulation-loss.js';
import { smoothRelus } from '../onnx/softplus-smoothing.js';
import type { Explainer, Target } from '../attribution/explainer.js';
import { resolveTarget } from '../attribution/explainer.js';
import { Random } from '../tensor/random.js';
import { argmaxRows, concatRows, sliceRows, softmaxRows, tensor, type Tensor } from '../tensor/tensor.js';
import { pearson } from '../tensor/compare.js';
import { manipulationTargets, type ManipulationTargetKind } from './manipulation-target.js';

export interface ManipulationOptions {
  /** The budget as a fraction of the images' value range (max − min over the batch): per pixel (L∞), or as the RMS per pixel (L2: ‖δ‖₂ ≤ ε·√pixels). */
  epsilon?: number;
  /** Which ball δ stays in. */
  norm?: BudgetNorm;
  /** Gradient steps on δ. */
  steps?: number;
  /** Adam's step as a fraction of ε. */
  stepSize?: number;
  /** Weight of the output term (keep g(x + δ) at g(x)) against the map term. */
  gamma?: number;
  /** Softplus β of the smoothed network the descent runs on. */
  beta?: number;
  target?: ManipulationTargetKind;
  /** A map counts as moved when its Pearson correlation with the target rises by at least this much… */
  minGain?: number;
  /** …or when it differs from the original map by at least this share of its norm, ‖ĥ(x + δ) − ĥ(x)‖ / ‖ĥ(x)‖ (normalised maps). */
  minChange?: number;
  /** The output counts as kept when the class is unchanged and the explained score changes by at most this (probability; a regressor's: relative). */
  outputTolerance?: number;
  /** Method options (as for the explainer) used when the map of x + δ is computed on the original network. */
  explain?: Readonly<Record<string, unknown>>;
  /** What the outputs are (default: class scores when the target names classes); a regressor's outputs are compared raw, never through a softmax. */
  task?: Task;
  /** Keep this many images' maps for a figure. */
  keepMaps?: number;
  seed?: number;
  onProgress?: (fraction: number) => void;
}

export type BudgetNorm = 'linf' | 'l2';

export const BUDGET_NORMS: readonly BudgetNorm[] = ['linf', 'l2'];

export interface ManipulatedImage {
  /** Pearson correlation of the map with its target: the original map's, and the manipulated map's (original network). */
  targetCorrelationBefore: number;
  targetCorrelationAfter: number;
  /** Mean squared distance to the target of the normalised maps (mean |ĥ| = 1), before and after. */
  targetMseBefore: number;
  targetMseAfter: number;
  /** Pearson correlation of the manipulated map with the original map (1: unchanged). */
  originalCorrelation: number;
  /** ‖ĥ(x + δ) − ĥ(x)‖₂ / ‖ĥ(x)‖₂ on normalised maps. */
  mapChange: number;
  /** max |δ| (input units). */
  perturbationLinf: number;
  /** ‖δ‖₂ / ‖x‖₂. */
  perturbationRelative: number;
  /** mapChange / perturbationRelative: how far the map moves per unit of relative perturbation. */
  mapChangePerPerturbation: number;
  /** ‖g(x + δ) − g(x)‖₂ / ‖g(x)‖₂ over all outputs (original network). */
  outputChange: number;
  /** |Δ| of the explained score: its softmax probability for class scores, else relative to |score|. */
  scoreChange: number;
  classKept: boolean;
  /** Moved (≥ minGain toward the target, or mapChange ≥ minChange) with the output kept. */
  manipulated: boolean;
  /** Control: mapChange under a random ±ε perturbation (same budget, no attack). */
  randomMapChange: number;
  /** The smoothed network's map term ‖ĥ − ĥ_t‖² / pixels at δ = 0 and after the descent (its own objective: did the descent itself get anywhere?). */
  smoothedMapLossStart: number;
  smoothedMapLoss: number;
}

export interface ManipulationMaps {
  images: Tensor;
  original: Tensor;
  target: Tensor;
  manipulated: Tensor;
  perturbation: Tensor;
}

export interface ManipulationResult {
  method: string;
  map: GradientMap;
  target: ManipulationTargetKind;
  epsilonFraction: number;
  /** ε in input units (the fraction times the value range); for L2 the radius is ε·√pixels. */
  epsilon: number;
  norm: BudgetNorm;
  steps: number;
  gamma: number;
  beta: number;
  minGain: number;
  minChange: number;
  outputTolerance: number;
  /** ReLUs replaced by softplus_β for the descent (0: smoothing changed nothing). */
  smoothedRelus: number;
  /** 'other-image' target: the row whose map each image was pushed toward (-1 for 'shifted'). */
  targetSources: number[];
  images: ManipulatedImage[];
  manipulated: number;
  /** The first keepMaps images' pictures (figure data; left out of JSON). */
  maps?: ManipulationMaps;
}

export const MANIPULATION_DEFAULTS = { epsilon: 0.03, norm: 'linf', steps: 50, stepSize: 0.1, gamma: 1, beta: 10, target: 'shifted', minGain: 0.3, minChange: 0.5, outputTolerance: 0.05 } as const;

/** The map the loss graph computes for a method, or why the method cannot be attacked this way. */
export function gradientMapOf(method: string, explain: Readonly<Record<string, unknown>> = {}): GradientMap | string {
  if (method === 'saliency') return explain.abs === false ? 'gradient' : 'abs-gradient';
  if (method === 'input-x-gradient') return 'gradient-x-input';
  return `${method} is not a plain gradient map; the manipulation attack differentiates saliency and input-x-gradient maps (their gradient is second order in the model; other methods would need the attack through their sampling or baselines)`;
}

/** The colour bar's unit of an attacked map. */
export function gradientMapUnit(map: GradientMap): string {
  return map === 'gradient-x-input' ? 'input × gradient' : map === 'gradient' ? '∂ score / ∂ pixel' : '|∂ score / ∂ pixel|';
}

const GRADIENT_MAP_SET: ReadonlySet<string> = new Set<GradientMap>(GRADIENT_MAPS);

/** True for the methods the attack can differentiate (saliency, input × gradient). */
export function isManipulable(method: string): boolean {
  return GRADIENT_MAP_SET.has(gradientMapOf(method));
}

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

function norm2(a: ArrayLike<number>, from = 0, to = a.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** The attack on one batch of rows; returns δ per row and the final smoothed map term. */
interface Budget {
  epsilon: number;
  norm: BudgetNorm;
  lo: number;
  hi: number;
}

/**
 * δ back into the budget: the L∞ box (clip per value) or the L2 ball of radius ε·√pixels (scale per
 * image), then into the data range (which only shrinks |δ|, so δ stays in the ball).
 */
function project(delta: Float32Array, x: Float32Array, d: number, b: Budget): void {
  if (b.norm === 'linf') {
    for (let i = 0; i < delta.length; i++) delta[i] = Math.min(b.epsilon, Math.max(-b.epsilon, delta[i]));
  } else {
    const radius = b.epsilon * Math.sqrt(d);
    for (let s = 0; s < delta.length; s += d) {
      const norm = norm2(delta, s, s + d);
      if (norm > radius) for (let i = s; i < s + d; i++) delta[i] *= radius / norm;
    }
  }
  for (let i = 0; i < delta.length; i++) delta[i] = Math.min(b.hi - x[i], Math.max(b.lo - x[i], delta[i]));
}

async function descend(loss: ManipulationLoss, x: Tensor, selector: Tensor, target: Tensor, box: Budget, o: Required<Pick<ManipulationOptions, 'steps' | 'stepSize'>>, random: Random, progress: (f: number) => void) {
  const n = x.shape[0];
  const d = x.data.length / n;
  // δ = 0: the smoothed network's outputs (the output term's reference) and its map term before the attack.
  const start = await loss.run(x, selector, target, tensor([n, selector.shape[1]]));
  const reference = start.output;
  const { epsilon } = box;
  // A random start inside the budget (seeded), as projected gradient attacks do: δ = 0 can sit on a flat spot.
  const delta = Float32Array.from({ length: x.data.length }, () => random.uniform(-0.5, 0.5) * epsilon);
  project(delta, x.data, d, box);
  const m = new Float32Array(delta.length);
  const v = new Float32Array(delta.length);
  const best = delta.slice();
  const bestLoss = new Float64Array(n).fill(Infinity);
  const bestMapLoss = new Float64Array(n).fill(NaN);
  const lr = o.stepSize * epsilon;
  for (let step = 0; step <= o.steps; step++) {
    const moved = tensor(x.shape, x.data.map((xi, i) => xi + delta[i]));
    const r = await loss.run(moved, selector, target, reference);
    for (let k = 0; k < n; k++) {
      const total = r.mapLoss.data[k] + loss.gamma * r.outputLoss.data[k];
      if (total < bestLoss[k]) {
        bestLoss[k] = total;
        bestMapLoss[k] = r.mapLoss.data[k];
        best.set(delta.subarray(k * d, (k + 1) * d), k * d);
      }
    }
    if (step === o.steps) break;
    const t = step + 1;
    const c1 = 1 - ADAM.beta1 ** t;
    const c2 = 1 - ADAM.beta2 ** t;
    for (let i = 0; i < delta.length; i++) {
      const g = r.gradient.data[i];
      m[i] = ADAM.beta1 * m[i] + (1 - ADAM.beta1) * g;
      v[i] = ADAM.beta2 * v[i] + (1 - ADAM.beta2) * g * g;
      delta[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + ADAM.eps);
    }
    project(delta, x.data, d, box);
    progress(t / o.steps);
  }
  return { delta: tensor(x.shape, best), smoothedMapLoss: Array.from(bestMapLoss), smoothedMapLossStart: Array.from(start.mapLoss.data) };
}

/**
 * Attacks `explainer`'s maps of `inputs` on `model` (explaining `target`), and measures the result
 * on the original network. `maps`: the explainer's maps of the unperturbed inputs, when already computed.
 */
export async function manipulateExplanations(model: Model, explainer: Explainer, inputs: Tensor, target: Target | undefined, options: ManipulationOptions = {}, maps?: Tensor): Promise<ManipulationResult> {
  if (!(model instanceof OnnxModel)) throw new Error('manipulation: the attack differentiates the model graph twice; the model must be an ONNX model');
  const o = { ...MANIPULATION_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<Omit<ManipulationOptions, 'explain' | 'onProgress' | 'keepMaps' | 'seed' | 'task'>> & ManipulationOptions;
  if (!(o.epsilon > 0)) throw new Error(`manipulation: ε must be a positive fraction of the value range (got ${o.epsilon})`);
  const map = gradientMapOf(explainer.name, o.explain);
  if (!GRADIENT_MAP_SET.has(map)) throw new Error(`manipulation: ${map}`);
  const gradientMap = map as GradientMap;
  const n = inputs.shape[0];
  const random = new Random(o.seed ?? 0);
  const explain = { ...(o.explain ?? {}), target, seed: o.seed };
  const original = maps ?? (await explainer.attribute(model, inputs, explain)).values;
  if (original.data.length !== inputs.data.length) throw new Error(`manipulation: the ${explainer.name} maps do not have the inputs' shape; the attack compares maps value by value`);
  const { cotangent, classes } = await resolveTarget(model, inputs, target);
  const { targets, sources } = manipulationTargets(o.target, original, classes ?? argmaxRows(cotangent), random.fork('target'));
  const normalisedTargets = normaliseMaps(targets);

  let lo = Infinity;
  let hi = -Infinity;
  for (const v of inputs.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const range = hi - lo;
  if (!(range > 0)) throw new Error('manipulation: the images are constant (no value range); ε is a fraction of the range');
  const epsilon = o.epsilon * range;

  const smoothed = smoothRelus(model.graph, o.beta);
  const loss = await ManipulationLoss.create(smoothed.graph, model.inputName, model.outputName, gradientMap, o.gamma);
  const deltas: Tensor[] = [];
  const smoothedMapLoss: number[] = [];
  const smoothedMapLossStart: number[] = [];
  const chunk = model.internalBatchSize;
  try {
    for (let s = 0; s < n; s += chunk) {
      const e = Math.min(n, s + chunk);
      const r = await descend(loss, sliceRows(inputs, s, e), sliceRows(cotangent, s, e), sliceRows(normalisedTargets, s, e), { epsilon, norm: o.norm, lo, hi }, o, random.fork(`start-${s}`), (f) => o.onProgress?.((s + f * (e - s)) / n));
      deltas.push(r.delta);
      smoothedMapLoss.push(...r.smoothedMapLoss);
      smoothedMapLossStart.push(...r.smoothedMapLossStart);
    }
  } finally {
    await loss.dispose();
  }
  const delta = concatRows(deltas);
  const attacked = tensor(inputs.shape, inputs.data.map((v, i) => v + delta.data[i]));
  const after = (await explainer.attribute(model, attacked, explain)).values;
  // The control: a random perturbation of the same budget (how fragile the map is without an attack);
  // ±ε on every value is a corner of the L∞ box and lies on the L2 sphere of radius ε·√pixels.
  const noise = random.fork('control');
  const control = tensor(inputs.shape, inputs.data.map((v) => Math.min(hi, Math.max(lo, v + (noise.uniform(0, 1) < 0.5 ? -epsilon : epsilon)))));
  const controlMaps = (await explainer.attribute(model, control, explain)).values;
  const [before, afterOut] = [await model.forward(inputs), await model.forward(attacked)];
  const images = measure({ inputs, delta, original, after, controlMaps, targets, before, afterOut, cotangent, smoothedMapLoss, smoothedMapLossStart, classScores: classes !== undefined && (o.task ?? 'classification') === 'classification', minGain: o.minGain, minChange: o.minChange, outputTolerance: o.outputTolerance });
  const keep = Math.min(o.keepMaps ?? 0, n);
  const result: ManipulationResult = {
    method: explainer.name,
    map: gradientMap,
    target: o.target,
    epsilonFraction: o.epsilon,
    epsilon,
    norm: o.norm,
    steps: o.steps,
    gamma: o.gamma,
    beta: o.beta,
    minGain: o.minGain,
    minChange: o.minChange,
    outputTolerance: o.outputTolerance,
    smoothedRelus: smoothed.replaced,
    targetSources: sources,
    images,
    manipulated: images.filter((i) => i.manipulated).length,
  };
  if (keep > 0) result.maps = { images: sliceRows(inputs, 0, keep), original: sliceRows(original, 0, keep), target: sliceRows(targets, 0, keep), manipulated: sliceRows(after, 0, keep), perturbation: sliceRows(delta, 0, keep) };
  return result;
}


interface MeasureInput {
  inputs: Tensor;
  delta: Tensor;
  original: Tensor;
  after: Tensor;
  controlMaps: Tensor;
  targets: Tensor;
  before: Tensor;
  afterOut: Tensor;
  cotangent: Tensor;
  smoothedMapLoss: readonly number[];
  smoothedMapLossStart: readonly number[];
  classScores: boolean;
  minGain: number;
  minChange: number;
  outputTolerance: number;
}

/** The per-image numbers, all on the original network. */
function measure(m: MeasureInput): ManipulatedImage[] {
  const n = m.inputs.shape[0];
  const d = m.inputs.data.length / n;
  const k = m.before.shape[1];
  const [o, a, t, c] = [normaliseMaps(m.original), normaliseMaps(m.after), normaliseMaps(m.targets), normaliseMaps(m.controlMaps)];
  const pBefore = softmaxRows(m.before);
  const pAfter = softmaxRows(m.afterOut);
  const classBefore = argmaxRows(m.before);
  const classAfter = argmaxRows(m.afterOut);
  return Array.from({ length: n }, (_, i) => {
    const [s, e] = [i * d, (i + 1) * d];
    const sub = (x: Tensor) => x.data.subarray(s, e);
    let mseBefore = 0;
    let mseAfter = 0;
    let change = 0;
    let controlChange = 0;
    let linf = 0;
    for (let j = s; j < e; j++) {
      mseBefore += (o.data[j] - t.data[j]) ** 2;
      mseAfter += (a.data[j] - t.data[j]) ** 2;
      change += (a.data[j] - o.data[j]) ** 2;
      controlChange += (c.data[j] - o.data[j]) ** 2;
      linf = Math.max(linf, Math.abs(m.delta.data[j]));
    }
    const mapChange = Math.sqrt(change) / Math.max(norm2(o.data, s, e), 1e-12);
    const perturbationRelative = norm2(m.delta.data, s, e) / Math.max(norm2(m.inputs.data, s, e), 1e-12);
    let outDiff = 0;
    let scoreBefore = 0;
    let scoreAfter = 0;
    for (let c = i * k; c < (i + 1) * k; c++) {
      outDiff += (m.afterOut.data[c] - m.before.data[c]) ** 2;
      const probabilities = m.classScores;
      scoreBefore += m.cotangent.data[c] * (probabilities ? pBefore.data[c] : m.before.data[c]);
      scoreAfter += m.cotangent.data[c] * (probabilities ? pAfter.data[c] : m.afterOut.data[c]);
    }
    const outputChange = Math.sqrt(outDiff) / Math.max(norm2(m.before.data, i * k, (i + 1) * k), 1e-12);
    const scoreChange = m.classScores ? Math.abs(scoreAfter - scoreBefore) : Math.abs(scoreAfter - scoreBefore) / Math.max(Math.abs(scoreBefore), 1e-12);
    const classKept = !m.classScores || classBefore[i] === classAfter[i];
    const before = pearson(sub(m.original), sub(m.targets));
    const after = pearson(sub(m.after), sub(m.targets));
    // A flat map (a linear model's constant saliency is not flat, but a dead unit's is) has no correlation: it did not move.
    const gain = Number.isFinite(after) && Number.isFinite(before) ? after - before : 0;
    const similarity = pearson(sub(m.after), sub(m.original));
    const moved = gain >= m.minGain || mapChange >= m.minChange;
    return {
      targetCorrelationBefore: before,
      targetCorrelationAfter: after,
      targetMseBefore: mseBefore / d,
      targetMseAfter: mseAfter / d,
      originalCorrelation: similarity,
      mapChange,
      perturbationLinf: linf,
      perturbationRelative,
      mapChangePerPerturbation: perturbationRelative > 0 ? mapChange / perturbationRelative : 0,
      outputChange,
      scoreChange,
      classKept,
      manipulated: moved && classKept && scoreChange <= m.outputTolerance,
      randomMapChange: Math.sqrt(controlChange) / Math.max(norm2(o.data, s, e), 1e-12),
      smoothedMapLossStart: m.smoothedMapLossStart[i],
      smoothedMapLoss: m.smoothedMapLoss[i],
    };
  });
}
