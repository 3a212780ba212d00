/**
 * The dual VAE (Kalinin's lecture): an image encoder and a spectrum encoder map into ONE latent
 * space, from which an image decoder and a spectrum decoder read. Each encoder gives a Gaussian
 * posterior (μ, log σ²); the sample is drawn by reparameterisation, z = μ + exp(½ log σ²)·ε, with ε
 * fed as a graph input so that the graph stays deterministic and the seed lives in TS.
 *
 * Coupling (our choice, and why): cross-reconstruction plus posterior alignment. The two samples
 * z_img and z_spec are stacked along the batch and BOTH decoders decode both, so each encoder alone
 * must explain both modalities — at test time one has only an image (predict its spectrum) or only
 * a spectrum (predict a structure), never the pair, which a product-of-experts joint posterior would
 * assume. A term λ·‖μ_img − μ_spec‖² pulls the two posteriors of one object to the same point, so
 * that the latent is shared rather than two codes that happen to decode alike.
 *
 * Per example the loss is
 *   mse(image, D_img(z_img)) + mse(image, D_img(z_spec)) + w·[mse(spec, D_spec(z_img)) + mse(spec, D_spec(z_spec))]
 *   + β·[KL(q_img ‖ N(0, I)) + KL(q_spec ‖ N(0, I))] + λ·‖μ_img − μ_spec‖²,
 * with mse the mean over pixels or bins and KL = −½ Σ (1 + log σ² − μ² − σ²) in nats. The graph
 * outputs the SUM over the batch of each term (ReduceMean over the run-time batch has no static
 * count for autodiff); the trainer's cotangent 1/B makes it the batch mean.
 */
import type { Graph } from '../../onnx/graph.js';
import { attr } from '../../onnx/graph.js';
import { ModelBuilder } from '../../onnx/builder.js';
import { subgraph } from '../../onnx/subgraph.js';
import { IMAGE_INPUT, SPECTRUM_INPUT, checkShape, imageDecoder, imageEncoder, spectrumDecoder, spectrumEncoder, type StructurePropertyShape } from './architectures.js';

export interface DualVaeWeights {
  /** β on each KL term (default 0.002). */
  beta?: number;
  /** λ on the posterior-mean alignment (default 0.05). */
  align?: number;
  /** w on the spectrum reconstructions (default 1). */
  spectrum?: number;
}

/** Names of the dual VAE's values, for feeds, fetches and the cuts below. */
export const DUAL_VAE = {
  image: IMAGE_INPUT,
  spectrum: SPECTRUM_INPUT,
  epsilonImage: 'epsilon_image',
  epsilonSpectrum: 'epsilon_spectrum',
  muImage: 'mu_image_out',
  logVarImage: 'logvar_image_out',
  muSpectrum: 'mu_spectrum_out',
  logVarSpectrum: 'logvar_spectrum_out',
  /** Both samples interleaved [2N, latent] (row 2i from the image, 2i+1 from the spectrum): what the decoders read. */
  z: 'z_both_out',
  imageOut: 'image_decoder_image_out',
  spectrumOut: 'spectrum_decoder_fc3_out',
  loss: 'loss_out',
  terms: { imageReconstruction: 'image_reconstruction_out', spectrumReconstruction: 'spectrum_reconstruction_out', kl: 'kl_out', align: 'align_sum_out' },
} as const;

export interface DualVaeTraining {
  graph: Graph;
  shape: StructurePropertyShape;
}

export function dualVaeTrainingGraph(shape: StructurePropertyShape, seed: number, weights: DualVaeWeights = {}): DualVaeTraining {
  checkShape(shape, 'dual VAE');
  const { beta = 0.002, align = 0.05, spectrum: spectrumWeight = 1 } = weights;
  for (const [k, v] of Object.entries({ beta, align, spectrum: spectrumWeight })) if (!(v >= 0 && Number.isFinite(v))) throw new Error(`dual VAE: the ${k} weight must be a finite number ≥ 0 (got ${v})`);
  const L = shape.latent;
  const pixels = shape.channels * shape.size * shape.size;
  const b = new ModelBuilder('dual-vae', seed);
  const e = b.editor;
  const image = b.input(DUAL_VAE.image, [shape.channels, shape.size, shape.size]);
  const spectrum = b.input(DUAL_VAE.spectrum, [shape.bins]);
  const epsImage = b.input(DUAL_VAE.epsilonImage, [L]);
  const epsSpectrum = b.input(DUAL_VAE.epsilonSpectrum, [L]);
  const [muI, lvI] = imageEncoder(b, image, shape, ['mu_image', 'logvar_image']);
  const [muS, lvS] = spectrumEncoder(b, spectrum, shape, ['mu_spectrum', 'logvar_spectrum']);
  const half = e.constFloat([0.5]);
  const sample = (mu: string, lv: string, eps: string, tag: string) => {
    const sigma = b.op('Exp', `sigma_${tag}`, [b.op('Mul', `half_logvar_${tag}`, [lv, half], [-1, L])], [-1, L]);
    return b.op('Add', `z_${tag}`, [mu, b.op('Mul', `noise_${tag}`, [sigma, eps], [-1, L])], [-1, L]);
  };
  const zI = sample(muI, lvI, epsImage, 'image');
  const zS = sample(muS, lvS, epsSpectrum, 'spectrum');
  // Interleaved rows (2i from the image, 2i+1 from the spectrum): a Concat on a static axis, then a
  // Reshape, because a Concat along the run-time batch axis has no static split for its gradient.
  const interleave = (a: string, c: string, width: number, tag: string) => {
    const rows = (v: string, side: string) => b.op('Reshape', `${tag}_${side}_row`, [v, e.constInt64([-1, 1, width])], [-1, 1, width]);
    const pair = b.op('Concat', `${tag}_pairs`, [rows(a, 'first'), rows(c, 'second')], [-1, 2, width], { axis: attr.int(1) });
    return b.op('Reshape', tag, [pair, e.constInt64([-1, width])], [-1, width]);
  };
  const z = interleave(zI, zS, L, 'z_both');
  const imageHat = imageDecoder(b, z, shape);
  const spectrumHat = spectrumDecoder(b, z, shape);

  const sumOfSquares = (a: string, t: string, tag: string, width: number) => {
    const d = b.op('Sub', `${tag}_error`, [a, t], [-1, width]);
    return b.op('ReduceSum', `${tag}_sse`, [b.op('Mul', `${tag}_squared`, [d, d], [-1, width])], [], { keepdims: attr.int(0) });
  };
  const flatImage = b.flatten(image, 'image_flat');
  const imageTwice = interleave(flatImage, flatImage, pixels, 'image_twice');
  const spectrumTwice = interleave(spectrum, spectrum, shape.bins, 'spectrum_twice');
  const scalar = (name: string, inputs: string[], op = 'Mul') => b.op(op, name, inputs, []);
  const reconImage = scalar('image_reconstruction', [sumOfSquares(imageHat, imageTwice, 'image_fit', pixels), e.constFloat([1 / pixels])]);
  const reconSpectrum = scalar('spectrum_reconstruction', [sumOfSquares(spectrumHat, spectrumTwice, 'spectrum_fit', shape.bins), e.constFloat([1 / shape.bins])]);

  // KL(N(μ, σ²) ‖ N(0, 1)) summed over latent dimensions and the batch: −½ Σ (1 + log σ² − μ² − σ²).
  const klSum = (mu: string, lv: string, tag: string) => {
    const one = e.constFloat([1]);
    const inner = b.op('Sub', `kl_${tag}_c`, [b.op('Sub', `kl_${tag}_b`, [b.op('Add', `kl_${tag}_a`, [lv, one], [-1, L]), b.op('Mul', `kl_${tag}_mu2`, [mu, mu], [-1, L])], [-1, L]), b.op('Exp', `kl_${tag}_var`, [lv], [-1, L])], [-1, L]);
    return scalar(`kl_${tag}`, [b.op('ReduceSum', `kl_${tag}_sum`, [inner], [], { keepdims: attr.int(0) }), e.constFloat([-0.5])]);
  };
  const kl = scalar('kl', [klSum(muI, lvI, 'image'), klSum(muS, lvS, 'spectrum')], 'Add');
  const gap = b.op('Sub', 'align_difference', [muI, muS], [-1, L]);
  const alignSum = b.op('ReduceSum', 'align_sum', [b.op('Mul', 'align_squared', [gap, gap], [-1, L])], [], { keepdims: attr.int(0) });

  let loss = scalar('loss_reconstruction', [reconImage, scalar('weighted_spectrum', [reconSpectrum, e.constFloat([spectrumWeight])])], 'Add');
  loss = scalar('loss_kl', [loss, scalar('weighted_kl', [kl, e.constFloat([beta])])], 'Add');
  loss = scalar('loss', [loss, scalar('weighted_align', [alignSum, e.constFloat([align])])], 'Add');
  b.output(loss);
  for (const t of Object.values(DUAL_VAE.terms)) e.output(t, []);
  return { graph: e.build(), shape };
}

/** image → (μ, log σ²) of the image encoder. */
export function dualVaeImageEncoder(training: DualVaeTraining): Graph {
  const { shape } = training;
  return subgraph(training.graph, [{ name: DUAL_VAE.image, shape: ['N', shape.channels, shape.size, shape.size] }], [{ name: DUAL_VAE.muImage, shape: ['N', shape.latent] }, { name: DUAL_VAE.logVarImage, shape: ['N', shape.latent] }], 'dual-vae-image-encoder');
}

/** spectrum → (μ, log σ²) of the spectrum encoder. */
export function dualVaeSpectrumEncoder(training: DualVaeTraining): Graph {
  const { shape } = training;
  return subgraph(training.graph, [{ name: DUAL_VAE.spectrum, shape: ['N', shape.bins] }], [{ name: DUAL_VAE.muSpectrum, shape: ['N', shape.latent] }, { name: DUAL_VAE.logVarSpectrum, shape: ['N', shape.latent] }], 'dual-vae-spectrum-encoder');
}

/** latent [N, latent] → image [N, C·S·S]. */
export function dualVaeImageDecoder(training: DualVaeTraining): Graph {
  const { shape } = training;
  return subgraph(training.graph, [{ name: DUAL_VAE.z, shape: ['N', shape.latent] }], [{ name: DUAL_VAE.imageOut, shape: ['N', shape.channels * shape.size * shape.size] }], 'dual-vae-image-decoder');
}

/** latent [N, latent] → spectrum [N, bins]. */
export function dualVaeSpectrumDecoder(training: DualVaeTraining): Graph {
  const { shape } = training;
  return subgraph(training.graph, [{ name: DUAL_VAE.z, shape: ['N', shape.latent] }], [{ name: DUAL_VAE.spectrumOut, shape: ['N', shape.bins] }], 'dual-vae-spectrum-decoder');
}
