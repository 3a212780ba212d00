/**
 * Trains the attribute-conditioned encoder–decoder the way attGAN trains its generator (without the
 * adversarial term): for a minibatch of tiles I with lot attributes A and edited attributes A'
 * (each attribute re-drawn in [0, 1] with probability `editProbability`),
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
 */
import type { Tensor } from '../../tensor/tensor.js';
import { concatRows, takeRows, tensor } from '../../tensor/tensor.js';
import { Random } from '../../tensor/random.js';
import type { Graph, TensorValue } from '../../onnx/graph.js';
import { attr, floatTensorValue } from '../../onnx/graph.js';
import { GraphEditor } from '../../onnx/editor.js';
import { ModelBuilder } from '../../onnx/builder.js';
import { composeGraphs } from '../../onnx/compose.js';
import { buildGradientGraph, type GradientGraph } from '../../onnx/autodiff/gradient.js';
import { createSession } from '../../onnx/runtime.js';
import { modelParameters } from '../../models/model-parameters.js';
import { Adam, learningRateScale, weightsAsInputs, type WeightsAsInputs } from '../../models/train.js';
import { ATTRIBUTES, LATENT } from './knob-networks.js';

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
  onProgress?: (p: { fraction: number; reconstruction: number; attribute: number }) => void;
}

export interface KnobGeneratorEpoch {
  epoch: number;
  /** Mean squared reconstruction error per pixel. */
  reconstruction: number;
  /** Mean squared error of C on the edited tiles, per attribute. */
  attribute: number;
}

export interface KnobGeneratorResult {
  encoder: Graph;
  decoder: Graph;
  history: KnobGeneratorEpoch[];
}

const DECODER_PREFIX = 'decoder/';
const CRITIC_PREFIX = 'critic/';

/** The encoder → decoder → critic graph of one training step (see the file's comment). */
export interface EncoderDecoderCritic {
  graph: Graph;
  /** The tiles, [N, C, H, W] (E's input). */
  input: string;
  /** G(E(I), A) for the first N attribute rows: [N, C, H, W]. */
  reconstruction: string;
  /** C(G(E(I), A')) for the last N attribute rows: [N, k]. */
  predicted: string;
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
  const graph = composeGraphs(g.build(), critic, { links: { [criticInput]: edited }, prefix: CRITIC_PREFIX, keep: [reconstruction] });
  return { graph, input: input.name, reconstruction, predicted: graph.outputs[0].name };
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
}

export function generatorObjective(encoder: Graph, decoder: Graph, critic: Graph, blurCriticInput = false): GeneratorObjective {
  const { graph, input, reconstruction: image, predicted } = encoderDecoderCritic(encoder, decoder, critic, blurCriticInput);
  const trainable = modelParameters(graph)
    .filter((p) => !p.name.startsWith(CRITIC_PREFIX) && (p.role === 'weight' || p.role === 'bias'))
    .map((p) => p.name);
  const weights = weightsAsInputs(graph, trainable);
  const { editor } = weights;
  const target = editor.input('attribute_target', ['N', critic.outputs[0].shape?.[1] ?? 'k']);
  const pixelError = editor.op('Sub', [image, input], {}, 'reconstruction_error');
  const reconstruction = editor.op('Mul', [pixelError, pixelError], {}, 'reconstruction_squared');
  const attributeError = editor.op('Sub', [predicted, target], {}, 'attribute_error');
  const attribute = editor.op('Mul', [attributeError, attributeError], {}, 'attribute_squared');
  editor.output(reconstruction);
  editor.output(attribute);
  const forward = editor.build();
  const grads = buildGradientGraph(forward, { outputs: [reconstruction, attribute], wrt: weights.names, keep: [reconstruction, attribute] });
  return { forward, grads, weights, input, target, reconstruction, attribute };
}

export async function trainKnobGenerator(options: KnobGeneratorTraining): Promise<KnobGeneratorResult> {
  const { encoder, decoder, critic, images, attributes, epochs, seed, batchSize = 32, learningRate = 2e-3, attributeWeight = 1, editProbability = 0.5, blurCriticInput = false, onProgress } = options;
  const [n, k] = attributes.shape;
  if (images.shape[0] !== n) throw new Error(`generator training: ${images.shape[0]} tiles but ${n} attribute rows`);
  const pixels = images.shape.slice(1).reduce((a, b) => a * b, 1);
  if (Array.isArray(attributeWeight) && attributeWeight.length !== k) throw new Error(`generator training: ${attributeWeight.length} attribute weights for ${k} attributes`);
  const weightOf = (j: number) => (typeof attributeWeight === 'number' ? attributeWeight : (attributeWeight as readonly number[])[j]);
  const objective = generatorObjective(encoder, decoder, critic, blurCriticInput);
  const { input: inputName, target, reconstruction, attribute, grads, weights } = objective;
  const session = await createSession(grads.graph);

  const rng = Random.forKey(seed, 'knob-generator');
  const adam = new Adam(weights.values, learningRate, 0);
  const steps = Math.ceil(n / batchSize);
  const history: KnobGeneratorEpoch[] = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = rng.permutation(n);
      let reconSum = 0;
      let attrSum = 0;
      for (let step = 0; step < steps; step++) {
        const idx = order.slice(step * batchSize, (step + 1) * batchSize);
        const b = idx.length;
        const tiles = takeRows(images, idx);
        const a = takeRows(attributes, idx);
        const edited = editAttributes(a, editProbability, rng);
        const attrCot = new Float32Array(b * k);
        for (let i = 0; i < b; i++) for (let j = 0; j < k; j++) attrCot[i * k + j] = weightOf(j) / (b * k);
        const out = await session.run({
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
        adam.step(grads.gradients.map((g) => out[g].data), learningRateScale('cosine', (epoch * steps + step) / (epochs * steps)));
        onProgress?.({ fraction: (epoch * steps + step + 1) / (epochs * steps), reconstruction: r, attribute: c });
      }
      history.push({ epoch, reconstruction: reconSum / n, attribute: attrSum / n });
    }
  } finally {
    await session.release();
  }
  const values = new Map(weights.names.map((name, i) => [name, weights.values[i]] as const));
  return { encoder: withValues(encoder, values, ''), decoder: withValues(decoder, values, DECODER_PREFIX), history };
}
