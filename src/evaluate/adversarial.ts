/**
 * Adversarial flips: how small an L∞ change of the input (in input units) changes the prediction,
 * and what the explanation does under it.
 *
 * Attacks (untargeted; they raise the cross-entropy of the original class, the outputs read as logits):
 *   FGSM (Goodfellow et al. 2015)  x' = clip(x + ε·sign(∇ₓ CE))
 *   PGD  (Madry et al. 2018)       x_{t+1} = clip(Π_{‖·−x‖∞≤ε}(x_t + α·sign(∇ₓ CE(x_t)))), `steps` steps of
 *                                  size α (default 2.5ε/steps), optionally from a seeded uniform start
 * ∇ₓ CE = Jᵀ(softmax(z) − onehot(t)) is one Model.vjp after one forward pass; clip is the valid input
 * range (default none). A linear two-class model flips under FGSM exactly at ε = margin / ‖w_t − w_o‖₁.
 *
 * Smallest flipping ε: every image is attacked at every ε of a grid (maxEpsilon·k/grid, k = 1..grid)
 * in one batch, then the first flipping grid interval is bisected `refine` times. Since an attack's
 * success need not be monotone in ε, the answer is "the smallest flipping ε on the grid, refined
 * within its interval". FGSM's direction is computed once per image and reused for every ε.
 */
import { classesPerRow } from '../attribution/common/target.js';
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows, oneHot, shapeToString, sizeOf, softmaxRows, takeRows, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Model } from '../models/model.js';
import type { Explainer, ExplainOptions } from '../attribution/explainer.js';
import { checkPositive, checkPositiveInt } from './perturbation.js';
import { pixelMaps } from './maps.js';
import { spearman } from './similarity.js';

export type AttackKind = 'fgsm' | 'pgd';

export interface AttackSettings {
  /** Class the attack moves away from, per row or for all (default: the predicted class). */
  target?: number | readonly number[];
  /** Default 'fgsm'. */
  attack?: AttackKind;
  /** PGD iterations (default 10). */
  steps?: number;
  /** PGD step size α as a fraction of ε (default 2.5 / steps, Madry et al.'s choice). */
  stepFraction?: number;
  /** Valid input range [low, high] (default: unbounded). */
  clip?: readonly [number, number];
  /** PGD starts from a uniform point in the ε-ball (default false: from x). */
  randomStart?: boolean;
  seed?: number;
}

export interface AttackOptions extends AttackSettings {
  /** L∞ budget in input units. */
  epsilon: number;
}

interface Resolved {
  attack: AttackKind;
  steps: number;
  stepFraction: number;
  clip?: readonly [number, number];
  randomStart: boolean;
  seed: number;
}

function resolveSettings(who: string, o: AttackSettings): Resolved {
  const attack = o.attack ?? 'fgsm';
  if (attack !== 'fgsm' && attack !== 'pgd') throw new Error(`${who}: attack must be 'fgsm' or 'pgd' (got '${String(attack)}')`);
  const steps = o.steps ?? 10;
  checkPositiveInt(who, 'steps', steps);
  const stepFraction = o.stepFraction ?? 2.5 / steps;
  checkPositive(who, 'stepFraction', stepFraction);
  if (o.clip && !(o.clip.length === 2 && o.clip[0] < o.clip[1])) throw new Error(`${who}: clip must be [low, high] with low < high (got ${JSON.stringify(o.clip)})`);
  const seed = o.seed ?? 0;
  checkPositiveInt(who, 'seed', seed, 0);
  return { attack, steps, stepFraction, clip: o.clip, randomStart: o.randomStart ?? false, seed };
}

async function attackedClasses(who: string, model: Model, inputs: Tensor, target: AttackSettings['target']): Promise<{ classes: number[]; clean: number[] }> {
  const clean = argmaxRows(await model.forward(inputs));
  if (target === undefined) return { classes: clean, clean };
  return { classes: await classesPerRow(model, inputs, target, who), clean };
}

/** sign(∇ₓ CE(x, class)) per row. */
async function lossGradientSign(model: Model, x: Tensor, classes: readonly number[]): Promise<Float32Array> {
  const p = softmaxRows(await model.forward(x));
  const y = oneHot(classes, model.outputSize);
  const cot = tensor(p.shape, p.data.map((v, j) => v - y.data[j]));
  const { inputGrad } = await model.vjp(x, cot);
  return inputGrad.data.map(Math.sign);
}

const clamp = (v: number, clip?: readonly [number, number]) => (clip ? Math.min(clip[1], Math.max(clip[0], v)) : v);

/**
 * Attacks rows of `x` (row r: class classes[r], budget eps[r]). FGSM may pass the sign of the
 * gradient at x (`direction`) to skip recomputing it.
 */
async function attackRows(model: Model, x: Tensor, classes: readonly number[], eps: ArrayLike<number>, s: Resolved, direction?: Float32Array): Promise<Tensor> {
  const rows = x.shape[0];
  const d = sizeOf(x.shape.slice(1));
  const out = new Float32Array(rows * d);
  if (s.attack === 'fgsm') {
    const dir = direction ?? (await lossGradientSign(model, x, classes));
    for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) out[r * d + j] = clamp(x.data[r * d + j] + eps[r] * dir[r * d + j], s.clip);
    return tensor(x.shape, out);
  }
  const rng = new Random(s.seed);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) out[r * d + j] = clamp(x.data[r * d + j] + (s.randomStart ? rng.uniform(-eps[r], eps[r]) : 0), s.clip);
  let current = tensor(x.shape, out);
  for (let t = 0; t < s.steps; t++) {
    const dir = await lossGradientSign(model, current, classes);
    const next = new Float32Array(rows * d);
    for (let r = 0; r < rows; r++) {
      const alpha = s.stepFraction * eps[r];
      for (let j = 0; j < d; j++) {
        const o = x.data[r * d + j];
        const v = current.data[r * d + j] + alpha * dir[r * d + j];
        next[r * d + j] = clamp(Math.min(o + eps[r], Math.max(o - eps[r], v)), s.clip);
      }
    }
    current = tensor(x.shape, next);
  }
  return current;
}

/** FGSM or PGD adversarial examples at one budget ε for every input. */
export async function adversarialExamples(model: Model, inputs: Tensor, options: AttackOptions): Promise<Tensor> {
  const who = 'adversarial attack';
  checkPositive(who, 'epsilon', options.epsilon);
  const s = resolveSettings(who, options);
  const { classes } = await attackedClasses(who, model, inputs, options.target);
  return attackRows(model, inputs, classes, new Array<number>(inputs.shape[0]).fill(options.epsilon), s);
}

export interface FlipSearchOptions extends AttackSettings {
  /** Largest ε tried (default a quarter of the inputs' value range, max − min). */
  maxEpsilon?: number;
  /** Grid points in (0, maxEpsilon] (default 16). */
  grid?: number;
  /** Bisection steps inside the first flipping interval (default 10). */
  refine?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface FlipSearchResult {
  /** Smallest flipping ε found per image (0 when the clean input is already not the target class; null: no flip up to maxEpsilon). */
  epsilon: (number | null)[];
  /** Largest ε known not to flip (the bisection's lower end). */
  lowerBound: number[];
  classes: number[];
  adversarialClass: (number | null)[];
  /** Adversarial example at `epsilon` (the input itself where nothing flipped). */
  adversarial: Tensor;
  settings: { attack: AttackKind; maxEpsilon: number; grid: number; refine: number; steps?: number; stepFraction?: number; clip?: [number, number]; randomStart?: boolean; seed?: number };
}

/** The smallest L∞ budget at which FGSM/PGD changes each input's predicted class. */
export async function minimalFlipEpsilon(model: Model, inputs: Tensor, options: FlipSearchOptions = {}): Promise<FlipSearchResult> {
  const who = 'adversarial flip';
  const s = resolveSettings(who, options);
  const n = inputs.shape[0];
  if (n < 1) throw new Error(`${who}: no inputs; pass at least one example`);
  const d = sizeOf(inputs.shape.slice(1));
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of inputs.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const maxEpsilon = options.maxEpsilon ?? (hi > lo ? 0.25 * (hi - lo) : 1);
  checkPositive(who, 'maxEpsilon', maxEpsilon);
  const grid = options.grid ?? 16;
  checkPositiveInt(who, 'grid', grid);
  const refine = options.refine ?? 10;
  checkPositiveInt(who, 'refine', refine, 0);
  const { classes, clean } = await attackedClasses(who, model, inputs, options.target);
  const direction = s.attack === 'fgsm' ? await lossGradientSign(model, inputs, classes) : undefined;
  const totalPasses = 1 + refine;
  let passes = 0;

  // Runs the attack for (image, ε) jobs in one batch; returns the predicted classes and the examples.
  const run = async (images: number[], eps: number[]) => {
    const x = takeRows(inputs, images);
    const dir = direction ? takeRows(tensor(inputs.shape, direction), images).data : undefined;
    const adv = await attackRows(model, x, images.map((i) => classes[i]), eps, s, dir);
    return { adv, predicted: argmaxRows(await model.forward(adv)) };
  };

  const epsilon: (number | null)[] = new Array(n).fill(null);
  const lower = new Array<number>(n).fill(0);
  const upper = new Array<number>(n).fill(NaN);
  const adversarial = Float32Array.from(inputs.data);
  const adversarialClass: (number | null)[] = new Array(n).fill(null);
  const keep = (i: number, eps: number, adv: Tensor, row: number, k: number) => {
    epsilon[i] = eps;
    adversarialClass[i] = k;
    adversarial.set(adv.data.subarray(row * d, (row + 1) * d), i * d);
  };
  const open: number[] = [];
  for (let i = 0; i < n; i++) {
    if (clean[i] !== classes[i]) {
      epsilon[i] = 0;
      adversarialClass[i] = clean[i];
    } else open.push(i);
  }

  if (open.length > 0) {
    const jobs = open.flatMap((i) => Array.from({ length: grid }, (_, k) => [i, (maxEpsilon * (k + 1)) / grid] as const));
    const { adv, predicted } = await run(jobs.map((j) => j[0]), jobs.map((j) => j[1]));
    open.forEach((i, oi) => {
      for (let k = 0; k < grid; k++) {
        const row = oi * grid + k;
        if (predicted[row] !== classes[i]) {
          keep(i, jobs[row][1], adv, row, predicted[row]);
          upper[i] = jobs[row][1];
          lower[i] = (maxEpsilon * k) / grid;
          break;
        }
      }
    });
  }
  options.onProgress?.(++passes, totalPasses);

  for (let step = 0; step < refine; step++) {
    const active = open.filter((i) => Number.isFinite(upper[i]));
    if (active.length > 0) {
      const mids = active.map((i) => 0.5 * (lower[i] + upper[i]));
      const { adv, predicted } = await run(active, mids);
      active.forEach((i, r) => {
        if (predicted[r] !== classes[i]) {
          upper[i] = mids[r];
          keep(i, mids[r], adv, r, predicted[r]);
        } else lower[i] = mids[r];
      });
    }
    options.onProgress?.(++passes, totalPasses);
  }

  return {
    epsilon,
    lowerBound: lower,
    classes,
    adversarialClass,
    adversarial: tensor(inputs.shape, adversarial),
    settings: {
      attack: s.attack,
      maxEpsilon,
      grid,
      refine,
      ...(s.attack === 'pgd' ? { steps: s.steps, stepFraction: s.stepFraction, randomStart: s.randomStart, seed: s.seed } : {}),
      ...(s.clip ? { clip: [s.clip[0], s.clip[1]] as [number, number] } : {}),
    },
  };
}

export interface AdversarialFlipOptions extends FlipSearchOptions {
  /** Options for the explainer (its target is set to the attacked class). */
  explainOptions?: ExplainOptions & Record<string, unknown>;
}

export interface AdversarialFlipResult {
  metric: 'adversarial-flip';
  settings: FlipSearchResult['settings'] & { method: string; similarity: string };
  epsilon: (number | null)[];
  lowerBound: number[];
  classes: number[];
  adversarialClass: (number | null)[];
  /** Spearman ρ between the clean and adversarial maps (channel-summed, signed), null where nothing flipped. */
  spearman: (number | null)[];
  /** The same on channel-summed |a|. */
  spearmanMagnitude: (number | null)[];
  /** ‖a_adv − a‖₂ / ‖a‖₂ (divided by 1 for an all-zero map). */
  relativeChange: (number | null)[];
  flipped: number;
  /** Median smallest ε over the images that flipped (null when none did). */
  medianEpsilon: number | null;
}

/** Per image: one flat map per reduction (images: channel-summed; other inputs: the values). */
function flatMaps(values: Tensor, magnitude: boolean): Float64Array[] {
  if (values.shape.length === 4) return pixelMaps(values, magnitude ? 'magnitude' : 'signed').maps;
  const d = sizeOf(values.shape.slice(1));
  return Array.from({ length: values.shape[0] }, (_, i) => Float64Array.from(values.data.subarray(i * d, (i + 1) * d), (v) => (magnitude ? Math.abs(v) : v)));
}

/** The smallest flipping ε per image, and how the explanation of the attacked class changes at it. */
export async function adversarialFlip(model: Model, explainer: Explainer, inputs: Tensor, options: AdversarialFlipOptions = {}): Promise<AdversarialFlipResult> {
  const search = await minimalFlipEpsilon(model, inputs, options);
  const n = inputs.shape[0];
  const d = sizeOf(inputs.shape.slice(1));
  const flippedRows = search.epsilon.flatMap((e, i) => (e !== null && e > 0 ? [i] : []));
  const spearmanSigned: (number | null)[] = new Array(n).fill(null);
  const spearmanMagnitude: (number | null)[] = new Array(n).fill(null);
  const relativeChange: (number | null)[] = new Array(n).fill(null);
  if (flippedRows.length > 0) {
    // Clean and adversarial copies in one explainer call.
    const both = tensor([2 * flippedRows.length, ...inputs.shape.slice(1)], new Float32Array(2 * flippedRows.length * d));
    flippedRows.forEach((i, r) => {
      both.data.set(inputs.data.subarray(i * d, (i + 1) * d), r * d);
      both.data.set(search.adversarial.data.subarray(i * d, (i + 1) * d), (flippedRows.length + r) * d);
    });
    const target = [...flippedRows, ...flippedRows].map((i) => search.classes[i]);
    const maps = (await explainer.attribute(model, both, { ...options.explainOptions, target } as ExplainOptions)).values;
    if (shapeToString(maps.shape) !== shapeToString(both.shape)) throw new Error(`adversarial flip: ${explainer.name} returned maps of shape ${shapeToString(maps.shape)} for inputs ${shapeToString(both.shape)}`);
    const signed = flatMaps(maps, false);
    const magnitude = flatMaps(maps, true);
    const m = flippedRows.length;
    flippedRows.forEach((i, r) => {
      spearmanSigned[i] = spearman(signed[r], signed[m + r]);
      spearmanMagnitude[i] = spearman(magnitude[r], magnitude[m + r]);
      let diff = 0;
      let norm = 0;
      for (let j = 0; j < d; j++) {
        diff += (maps.data[(m + r) * d + j] - maps.data[r * d + j]) ** 2;
        norm += maps.data[r * d + j] ** 2;
      }
      relativeChange[i] = Math.sqrt(diff) / (norm === 0 ? 1 : Math.sqrt(norm));
    });
  }
  const eps = flippedRows.map((i) => search.epsilon[i]!).sort((a, b) => a - b);
  const medianEpsilon = eps.length === 0 ? null : eps.length % 2 ? eps[eps.length >> 1] : 0.5 * (eps[eps.length / 2 - 1] + eps[eps.length / 2]);
  return {
    metric: 'adversarial-flip',
    settings: { ...search.settings, method: explainer.name, similarity: 'spearman (src/evaluate/similarity.ts) of channel-summed maps, explaining the attacked class on both inputs' },
    epsilon: search.epsilon,
    lowerBound: search.lowerBound,
    classes: search.classes,
    adversarialClass: search.adversarialClass,
    spearman: spearmanSigned,
    spearmanMagnitude,
    relativeChange,
    flipped: flippedRows.length,
    medianEpsilon,
  };
}
