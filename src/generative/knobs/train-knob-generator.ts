/**
 * Trains the attribute-conditioned encoder–decoder the way attGAN trains its generator (its
 * adversarial term optional and off by default, see below): for a minibatch of tiles I with lot
 * attributes A and edited attributes A' (each attribute re-drawn in [0, 1] with probability
 * `editProbability`),
 *   loss = mean (G(E(I), A) − I)²  +  μ · mean (C(G(E(I), A')) − A')²
 * with C the frozen attribute regressor (trained on real tiles with the lot labels). The first term
 * makes G reproduce the tile; the second makes the edited tile show the requested attributes, so
 * G cannot ignore A (z alone already describes the tile).
 *
 * One ONNX graph computes both terms: E → G → C composed (onnx/compose.ts). E encodes the batch once
 * and its z is repeated, [z; z], so that G draws every tile twice — with A (the reconstruction) and
 * with A' (the edit) — and only the edited half goes through C: E and C each run on b rows, not 2b
 * (the reconstruction rows' C term had a zero cotangent, computed for nothing). Only E's and G's
 * weights are inputs (trained by Adam in TS); C stays constant initializers.
 *
 * With `adversarialWeight` γ > 0 (attGAN's adversarial term, round 6), a patch discriminator D
 * (knob-discriminator.ts) reads the edited half too and the loss gains γ · mean (D(G(E(I), A')) − 1)²;
 * D's weights are inputs of the same graph (fed each step, not differentiated). D is trained by its
 * own Adam, step by step with G: the G step's forward pass yields the edited tiles, and D then takes
 * one LSGAN step on [the batch's real tiles; those edited tiles] — one forward pass serves both.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { concatRows, takeRows, tensor } from '../../tensor/tensor.js';
import { Random } from '../../tensor/random.js';
import type { Graph, TensorValue } from '../../onnx/graph.js';
import { attr, DataType, floatTensorValue } from '../../onnx/graph.js';
import { GraphEditor } from '../../onnx/editor.js';
import { ModelBuilder } from '../../onnx/builder.js';
import { composeGraphs } from '../../onnx/compose.js';
import { buildGradientGraph, type GradientGraph } from '../../onnx/autodiff/gradient.js';
import { createSession } from '../../onnx/runtime.js';
import { modelParameters } from '../../models/model-parameters.js';
import { Adam, learningRateScale, trainableParameters, weightsAsInputs, type WeightsAsInputs } from '../../models/train.js';
import { ATTRIBUTES, LATENT } from './knob-networks.js';
import { discriminatorObjective, patchDiscriminator, realThenFakeTargets } from './knob-discriminator.js';

export interface KnobGeneratorTraining {
  encoder: Graph;
  decoder: Graph;
  /** Frozen attribute regressor C (tile → attributes). */
  critic: Graph;
  images: Tensor;
  /** [N, k] attributes of each tile (its lot's). */
  attributes: Tensor;
  epochs: number;
  seed: number;
  batchSize?: number;
  learningRate?: number;
  /** Weight μ of the attribute term (default 1): a number, or one per attribute. */
  attributeWeight?: number | readonly number[];
  /**
   * Blur G's edited tiles (3×3 binomial, edges replicated) before C reads them (default false): a
   * 2-pixel texture, which C reads and R and the physical measurement do not, then cannot move C.
   */
  blurCriticInput?: boolean;
  /** Probability that an attribute is re-drawn in an edited row (default 0.5; at least one always is). */
  editProbability?: number;
  /** γ, the weight of the adversarial term (default 0: no discriminator, the rounds 1–5 generator). */
  adversarialWeight?: number;
  /** D to train alongside G when γ > 0 (default: patchDiscriminator seeded from `seed`). */
  discriminator?: Graph;
  /** D's Adam learning rate (default: G's). */
  discriminatorLearningRate?: number;
  onProgress?: (p: { fraction: number; reconstruction: number; attribute: number; adversarial?: number; discriminator?: number }) => void;
}

export interface KnobGeneratorEpoch {
  epoch: number;
  /** Mean squared reconstruction error per pixel. */
  reconstruction: number;
  /** Mean squared error of C on the edited tiles, per attribute. */
  attribute: number;
  /** With γ > 0: G's mean (D(edited) − 1)² and D's LSGAN loss (real and edited halves averaged). */
  adversarial?: number;
  discriminator?: number;
}

export interface KnobGeneratorResult {
  encoder: Graph;
  decoder: Graph;
  /** The trained D, when γ > 0. */
  discriminator?: Graph;
  history: KnobGeneratorEpoch[];
}

const DECODER_PREFIX = 'decoder/';
const CRITIC_PREFIX = 'critic/';
const DISCRIMINATOR_PREFIX = 'discriminator/';

/** The encoder → decoder → critic graph of one training step (see the file's comment). */
export interface EncoderDecoderCritic {
  graph: Graph;
  /** The tiles, [N, C, H, W] (E's input). */
  input: string;
  /** G(E(I), A) for the first N attribute rows: [N, C, H, W]. */
  reconstruction: string;
  /** C(G(E(I), A')) for the last N attribute rows: [N, k]. */
  predicted: string;
  /** G(E(I), A') for the last N attribute rows: [N, C, H, W]. */
  edited: string;
}

/**
 * E → G → C as one graph: inputs `input` [N, …] and `attributes` [2N, k] (A then A'); outputs C's
 * reading of the edited half, then the reconstructed half. The batch doubling is Unsqueeze → Expand
 * → Reshape and the halving Reshape → Gather, whose gradients the autodiff has for a run-time batch.
 */
export function encoderDecoderCritic(encoder: Graph, decoder: Graph, critic: Graph, blurCriticInput = false): EncoderDecoderCritic {
  const input = encoder.inputs.find((i) => !encoder.initializers.has(i.name))!;
  const latentShape = decoder.inputs.find((i) => i.name === LATENT)?.shape?.slice(1);
  const tileShape = input.shape?.slice(1);
  const isStatic = (s: readonly (number | string)[] | undefined): s is number[] => !!s && s.every((d) => typeof d === 'number' && d > 0);
  if (!isStatic(latentShape) || !isStatic(tileShape)) throw new Error(`generator training: the encoder's input and the generator's '${LATENT}' need static shapes except for the batch`);
  const e = GraphEditor.from(encoder);
  const unsqueezed = e.op('Unsqueeze', [LATENT, e.constInt64([0])], {}, 'latent_unsqueezed');
  const both = e.op('Expand', [unsqueezed, e.constInt64([2, 1, ...latentShape.map(() => 1)])], {}, 'latent_both');
  const twice = e.op('Reshape', [both, e.constInt64([-1, ...latentShape])], {}, 'latent_twice');
  const eg = composeGraphs(e.build(), decoder, { links: { [LATENT]: twice }, prefix: DECODER_PREFIX });
  const image = eg.outputs[0].name;
  const g = GraphEditor.from(eg);
  const halves = g.op('Reshape', [image, g.constInt64([2, -1, ...tileShape])], {}, 'image_halves');
  const reconstruction = g.op('Gather', [halves, g.constInt64([0], [])], { axis: attr.int(0) }, 'reconstruction');
  const edited = g.op('Gather', [halves, g.constInt64([1], [])], { axis: attr.int(0) }, 'edited');
  if (blurCriticInput) critic = withBlurredInput(critic, tileShape);
  const criticInput = critic.inputs.find((i) => !critic.initializers.has(i.name))!.name;
  const graph = composeGraphs(g.build(), critic, { links: { [criticInput]: edited }, prefix: CRITIC_PREFIX, keep: [reconstruction, edited] });
  return { graph, input: input.name, reconstruction, predicted: graph.outputs[0].name, edited };
}

/** C reading its input through a 3×3 binomial blur ([1 2 1]ᵀ[1 2 1]/16 per channel, edges replicated). */
function withBlurredInput(critic: Graph, [c, h, w]: number[]): Graph {
  const b = new ModelBuilder('critic-input-blur', 0);
  const x = b.input('input', [c, h, w]);
  const padded = b.op('Pad', 'blur_pad', [x, b.editor.constInt64([0, 0, 1, 1, 0, 0, 1, 1])], [-1, c, h + 2, w + 2], { mode: attr.string('edge') });
  const kernel = [1, 2, 1].flatMap((u) => [1, 2, 1].map((v) => (u * v) / 16));
  const weight = b.editor.constFloat(Array.from({ length: c }, () => kernel).flat(), [c, 1, 3, 3]);
  const blurred = b.op('Conv', 'blur', [padded, weight], [-1, c, h, w], { kernel_shape: attr.ints([3, 3]), group: attr.int(c) });
  const blur = b.output(blurred);
  const criticInput = critic.inputs.find((i) => !critic.initializers.has(i.name))!.name;
  return composeGraphs({ ...blur, opsetVersion: critic.opsetVersion }, critic, { links: { [criticInput]: blur.outputs[0].name }, prefix: 'read/' });
}

/** Draws A' from A: each attribute re-drawn uniformly in [0, 1] with probability p, at least one per row. */
export function editAttributes(a: Tensor, p: number, rng: Random): Tensor {
  const [n, k] = a.shape;
  const out = Float32Array.from(a.data);
  for (let i = 0; i < n; i++) {
    const forced = rng.int(0, k);
    for (let j = 0; j < k; j++) if (j === forced || rng.next() < p) out[i * k + j] = rng.next();
  }
  return tensor([n, k], out);
}

function withValues(graph: Graph, values: ReadonlyMap<string, Float32Array>, prefix: string): Graph {
  const initializers = new Map<string, TensorValue>(graph.initializers);
  for (const [name, t] of graph.initializers) {
    const v = values.get(prefix + name);
    if (v) initializers.set(name, floatTensorValue(t.dims, v));
  }
  return { ...graph, initializers };
}

/** The training step's graph: both squared-error terms and their gradients w.r.t. E's and G's weights (graph inputs). */
export interface GeneratorObjective {
  /** The forward graph (weights as inputs) with the two squared-error outputs. */
  forward: Graph;
  grads: GradientGraph;
  weights: WeightsAsInputs;
  input: string;
  /** A' of the edited rows, [N, k]. */
  target: string;
  /** (G(E(I), A) − I)², [N, C, H, W], and (C(G(E(I), A')) − A')², [N, k]. */
  reconstruction: string;
  attribute: string;
  /** G(E(I), A'), kept as an output (D's fake rows). */
  edited: string;
  /** With a discriminator: (D(G(E(I), A')) − 1)², [N, 1, h, w], and D's weight inputs (D's own names, prefixed). */
  adversarial?: string;
  discriminatorInputs?: string[];
}

export function generatorObjective(encoder: Graph, decoder: Graph, critic: Graph, blurCriticInput = false, discriminator?: Graph): GeneratorObjective {
  const parts = encoderDecoderCritic(encoder, decoder, critic, blurCriticInput);
  const { input, reconstruction: image, predicted, edited } = parts;
  let graph = parts.graph;
  if (discriminator) {
    const dInput = discriminator.inputs.find((i) => !discriminator.initializers.has(i.name))!.name;
    graph = composeGraphs(graph, discriminator, { links: { [dInput]: edited }, prefix: DISCRIMINATOR_PREFIX, keep: graph.outputs.map((o) => o.name) });
  }
  const frozen = (name: string) => name.startsWith(CRITIC_PREFIX) || name.startsWith(DISCRIMINATOR_PREFIX);
  const trainable = modelParameters(graph)
    .filter((p) => !frozen(p.name) && (p.role === 'weight' || p.role === 'bias'))
    .map((p) => p.name);
  const weights = weightsAsInputs(graph, trainable);
  const { editor } = weights;
  // D's weights change every step, so they are inputs too — fed, never differentiated.
  const discriminatorInputs = discriminator ? trainableParameters(discriminator).map((n) => DISCRIMINATOR_PREFIX + n) : undefined;
  for (const name of discriminatorInputs ?? []) {
    const t = graph.initializers.get(name)!;
    editor.initializers.delete(name);
    editor.inputs.push({ name, dataType: DataType.FLOAT, shape: [...t.dims] });
  }
  const target = editor.input('attribute_target', ['N', critic.outputs[0].shape?.[1] ?? 'k']);
  const pixelError = editor.op('Sub', [image, input], {}, 'reconstruction_error');
  const reconstruction = editor.op('Mul', [pixelError, pixelError], {}, 'reconstruction_squared');
  const attributeError = editor.op('Sub', [predicted, target], {}, 'attribute_error');
  const attribute = editor.op('Mul', [attributeError, attributeError], {}, 'attribute_squared');
  editor.outputs.length = 0;
  editor.output(reconstruction);
  editor.output(attribute);
  editor.output(edited);
  let adversarial: string | undefined;
  if (discriminator) {
    const scores = DISCRIMINATOR_PREFIX + discriminator.outputs[0].name;
    const fooled = editor.op('Sub', [scores, editor.constFloat([1], [1])], {}, 'adversarial_error');
    adversarial = editor.op('Mul', [fooled, fooled], {}, 'adversarial_squared');
    editor.output(adversarial);
  }
  const forward = editor.build();
  const losses = adversarial ? [reconstruction, attribute, adversarial] : [reconstruction, attribute];
  const grads = buildGradientGraph(forward, { outputs: losses, wrt: weights.names, keep: [...losses, edited] });
  return { forward, grads, weights, input, target, reconstruction, attribute, edited, adversarial, discriminatorInputs };
}

export async function trainKnobGenerator(options: KnobGeneratorTraining): Promise<KnobGeneratorResult> {
  const { encoder, decoder, critic, images, attributes, epochs, seed, batchSize = 32, learningRate = 2e-3, attributeWeight = 1, editProbability = 0.5, blurCriticInput = false, adversarialWeight = 0, onProgress } = options;
  const [n, k] = attributes.shape;
  if (images.shape[0] !== n) throw new Error(`generator training: ${images.shape[0]} tiles but ${n} attribute rows`);
  const pixels = images.shape.slice(1).reduce((a, b) => a * b, 1);
  if (Array.isArray(attributeWeight) && attributeWeight.length !== k) throw new Error(`generator training: ${attributeWeight.length} attribute weights for ${k} attributes`);
  const weightOf = (j: number) => (typeof attributeWeight === 'number' ? attributeWeight : (attributeWeight as readonly number[])[j]);
  if (!(adversarialWeight >= 0)) throw new Error(`generator training: adversarialWeight is ${adversarialWeight}; give γ ≥ 0 (0 turns the discriminator off)`);
  const adversarialOn = adversarialWeight > 0;
  const discriminator = adversarialOn ? (options.discriminator ?? patchDiscriminator({ size: images.shape[2], channels: images.shape[1], seed: Random.forKey(seed, 'knob-discriminator').uint32() })) : undefined;
  const objective = generatorObjective(encoder, decoder, critic, blurCriticInput, discriminator);
  const { input: inputName, target, reconstruction, attribute, grads, weights } = objective;
  const session = await createSession(grads.graph);
  const d = discriminator ? discriminatorObjective(discriminator) : undefined;
  const dSession = d ? await createSession(d.grads.graph) : undefined;
  const dAdam = d ? new Adam(d.weights.values, options.discriminatorLearningRate ?? learningRate, 0) : undefined;
  const cells = d ? d.scoreShape.reduce((x, y) => x * y, 1) : 0;

  const rng = Random.forKey(seed, 'knob-generator');
  const adam = new Adam(weights.values, learningRate, 0);
  const steps = Math.ceil(n / batchSize);
  const history: KnobGeneratorEpoch[] = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = rng.permutation(n);
      let reconSum = 0;
      let attrSum = 0;
      let advSum = 0;
      let discSum = 0;
      for (let step = 0; step < steps; step++) {
        const idx = order.slice(step * batchSize, (step + 1) * batchSize);
        const b = idx.length;
        const tiles = takeRows(images, idx);
        const a = takeRows(attributes, idx);
        const edited = editAttributes(a, editProbability, rng);
        const attrCot = new Float32Array(b * k);
        for (let i = 0; i < b; i++) for (let j = 0; j < k; j++) attrCot[i * k + j] = weightOf(j) / (b * k);
        const adversarialFeeds = d
          ? {
              [grads.cotangents[2]]: tensor([b, ...d.scoreShape], new Float32Array(b * cells).fill(adversarialWeight / (b * cells))),
              ...Object.fromEntries(objective.discriminatorInputs!.map((name, i) => [name, tensor(d.weights.shapes[i], d.weights.values[i])])),
            }
          : {};
        const out = await session.run({
          ...adversarialFeeds,
          [inputName]: tiles,
          [ATTRIBUTES]: concatRows([a, edited]),
          [target]: edited,
          [grads.cotangents[0]]: tensor([b, ...images.shape.slice(1)], new Float32Array(b * pixels).fill(1 / (b * pixels))),
          [grads.cotangents[1]]: tensor([b, k], attrCot),
          ...weights.feeds(),
        });
        let r = 0;
        const rs = out[reconstruction].data;
        for (let i = 0; i < b * pixels; i++) r += rs[i];
        let c = 0;
        const cs = out[attribute].data;
        for (let i = 0; i < b * k; i++) c += cs[i];
        r /= b * pixels;
        c /= b * k;
        reconSum += r * b;
        attrSum += c * b;
        const schedule = learningRateScale('cosine', (epoch * steps + step) / (epochs * steps));
        adam.step(grads.gradients.map((g) => out[g].data), schedule);
        let adv: number | undefined;
        let disc: number | undefined;
        if (d && dSession && dAdam) {
          adv = mean(out[objective.adversarial!].data);
          // D's step on this batch's real tiles and the edited tiles G just drew (before its update).
          const dOut = await dSession.run({
            [d.input]: concatRows([tiles, out[objective.edited]]),
            [d.target]: tensor([2 * b, ...d.scoreShape], realThenFakeTargets(b, cells)),
            [d.grads.cotangents[0]]: tensor([2 * b, ...d.scoreShape], new Float32Array(2 * b * cells).fill(1 / (2 * b * cells))),
            ...d.weights.feeds(),
          });
          disc = mean(dOut[d.squared].data);
          dAdam.step(d.grads.gradients.map((g) => dOut[g].data), schedule);
          advSum += adv * b;
          discSum += disc * b;
        }
        onProgress?.({ fraction: (epoch * steps + step + 1) / (epochs * steps), reconstruction: r, attribute: c, ...(d ? { adversarial: adv, discriminator: disc } : {}) });
      }
      history.push({ epoch, reconstruction: reconSum / n, attribute: attrSum / n, ...(d ? { adversarial: advSum / n, discriminator: discSum / n } : {}) });
    }
  } finally {
    await session.release();
    await dSession?.release();
  }
  const values = new Map(weights.names.map((name, i) => [name, weights.values[i]] as const));
  const trained = { encoder: withValues(encoder, values, ''), decoder: withValues(decoder, values, DECODER_PREFIX), history };
  return d ? { ...trained, discriminator: d.weights.trainedGraph() } : trained;
}

function mean(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
