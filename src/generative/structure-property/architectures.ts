/**
 * The structure–property networks of Kalinin's lecture, built with the zoo's builder:
 *  - im2spec: conv encoder → latent → dense 1-D decoder (image → spectrum);
 *  - spec2im: dense 1-D encoder → latent → transposed-conv decoder (spectrum → image);
 * both deterministic, trained by squared error (models/train-regressor.ts). The dual VAE is in
 * dual-vae.ts. Layer prefixes are shared between graphs (`image_encoder`, `spectrum_decoder`…), so
 * weights move between a training graph and its encoder or decoder cut (onnx/subgraph.ts).
 */
import type { Graph } from '../../onnx/graph.js';
import { ModelBuilder } from '../../onnx/builder.js';
import { subgraph } from '../../onnx/subgraph.js';
import { checkImageCodecShape, denseStack, imageDecoderHead, imageEncoderTrunk, type ImageCodecShape } from '../encoder-decoder-blocks.js';

export interface StructurePropertyShape extends ImageCodecShape {
  /** Spectral bins. */
  bins: number;
  /** Latent dimensions (the lecture compares 2 and 10). */
  latent: number;
  /** Width of the dense layers around the latent (default 64). */
  hidden?: number;
}

/** The value holding the latent code in im2spec and spec2im graphs. */
export const LATENT = 'latent_out';
export const IMAGE_INPUT = 'image';
export const SPECTRUM_INPUT = 'spectrum';

export function checkShape(shape: StructurePropertyShape, who: string): void {
  checkImageCodecShape(shape, who);
  if (!Number.isInteger(shape.bins) || shape.bins < 2) throw new Error(`${who}: bins must be an integer ≥ 2 (got ${shape.bins})`);
  if (!Number.isInteger(shape.latent) || shape.latent < 1) throw new Error(`${who}: the latent size must be a positive integer (got ${shape.latent})`);
}

/** Image encoder: the conv trunk, a hidden dense layer, then `heads` linear heads of size latent. */
export function imageEncoder(b: ModelBuilder, image: string, shape: StructurePropertyShape, heads: readonly string[]): string[] {
  const h = b.relu(b.linear(imageEncoderTrunk(b, image, 'image_encoder', shape), 'image_encoder_fc', shape.hidden ?? 64), 'image_encoder_fc_relu');
  return heads.map((head) => b.linear(h, head, shape.latent));
}

/** Spectrum encoder: dense, ReLU, then linear heads of size latent. */
export function spectrumEncoder(b: ModelBuilder, spectrum: string, shape: StructurePropertyShape, heads: readonly string[]): string[] {
  const h = b.relu(denseStack(b, spectrum, 'spectrum_encoder', [2 * (shape.hidden ?? 64), shape.hidden ?? 64]), 'spectrum_encoder_relu');
  return heads.map((head) => b.linear(h, head, shape.latent));
}

/** Spectrum decoder: latent → hidden → 2·hidden → bins (linear output: spectra are unbounded intensities). */
export function spectrumDecoder(b: ModelBuilder, z: string, shape: StructurePropertyShape): string {
  const hidden = shape.hidden ?? 64;
  return denseStack(b, z, 'spectrum_decoder', [hidden, 2 * hidden, shape.bins]);
}

export function imageDecoder(b: ModelBuilder, z: string, shape: StructurePropertyShape): string {
  return imageDecoderHead(b, z, 'image_decoder', shape);
}

/** im2spec: image [N, C, S, S] → spectrum [N, bins]. */
export function im2specGraph(shape: StructurePropertyShape, seed: number): Graph {
  checkShape(shape, 'im2spec');
  const b = new ModelBuilder('im2spec', seed);
  const image = b.input(IMAGE_INPUT, [shape.channels, shape.size, shape.size]);
  const [z] = imageEncoder(b, image, shape, ['latent']);
  return b.output(spectrumDecoder(b, z, shape));
}

/** spec2im: spectrum [N, bins] → image [N, C·S·S] (flattened, sigmoid intensities). */
export function spec2imGraph(shape: StructurePropertyShape, seed: number): Graph {
  checkShape(shape, 'spec2im');
  const b = new ModelBuilder('spec2im', seed);
  const spectrum = b.input(SPECTRUM_INPUT, [shape.bins]);
  const [z] = spectrumEncoder(b, spectrum, shape, ['latent']);
  return b.output(imageDecoder(b, z, shape));
}

/** The encoder half of an im2spec or spec2im graph: its input → the latent [N, latent]. */
export function encoderCut(graph: Graph, latent: number): Graph {
  const input = graph.inputs[0];
  return subgraph(graph, [{ name: input.name, shape: input.shape ?? [] }], [{ name: LATENT, shape: ['N', latent] }], `${graph.name}-encoder`);
}

/** The decoder half: latent [N, latent] → the graph's output. */
export function decoderCut(graph: Graph, latent: number): Graph {
  const output = graph.outputs[0];
  return subgraph(graph, [{ name: LATENT, shape: ['N', latent] }], [{ name: output.name, shape: output.shape ?? [] }], `${graph.name}-decoder`);
}
