/**
 * The knobs demo's models, trained on the seeded SEM lots (data/synthetic/sem-particles.ts) with
 * trustscope's own training loop: lots split into train / validation / test groups (whole lots, so
 * no lot is on both sides), then
 * - R: peak stress from a tile, trained on z-scored stress and un-standardised in the graph (MPa);
 * - C: the five lot attributes from a tile (the critic of the generator's edits);
 * - E, G: the attribute-conditioned encoder–decoder (train-knob-generator.ts).
 * All on the training lots only; the explanations run on the test lots.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { takeRows, tensor } from '../../tensor/tensor.js';
import { Random } from '../../tensor/random.js';
import type { Graph } from '../../onnx/graph.js';
import { trainRegressor } from '../../models/train-regressor.js';
import { generateSemLots, SEM_ATTRIBUTES, type SemLots } from '../../data/synthetic/sem-particles.js';
import { knobDecoder, knobEncoder, propertyNet, withOutputScale, type DecoderOptions, type LatentStride, type PropertyNetOptions } from './knob-networks.js';
import { trainKnobGenerator, type KnobGeneratorEpoch } from './train-knob-generator.js';
import { runGraphRows } from './run-batched.js';
import { criticAugment, type CriticAugmentation } from './critic-augmentation.js';
import { regressionScores, type RegressionScores } from './regression-scores.js';

export interface ScenarioSizes {
  lots: number;
  tilesPerLot: number;
  /** Lots held out for validation and for test. */
  validationLots: number;
  testLots: number;
  regressorEpochs: number;
  criticEpochs: number;
  generatorEpochs: number;
  /** Channels of R's and C's first convolution (doubling per stage; default 8). */
  propertyWidth?: number;
  /** The critic's global pooling (default 'mean') and conv stages (default 3). */
  criticPooling?: PropertyNetOptions['pooling'];
  criticStages?: number;
  /** μ of the generator's critic term, one number or one per attribute (default 1). */
  generatorAttributeWeight?: number | readonly number[];
  /** knobDecoder's upsampling (default 'transpose', the first rounds'). */
  generatorUpsampling?: DecoderOptions['upsampling'];
  /** z's map is the tile's side over this (default 8; knob-networks.ts LatentStride). */
  generatorLatentStride?: LatentStride;
  /** Train C on shifted, blurred, re-noised tiles (critic-augmentation.ts; default none). */
  criticAugmentation?: CriticAugmentation;
  /** γ of the generator's adversarial term (knob-discriminator.ts; default 0, none). */
  generatorAdversarialWeight?: number;
  /** Blur G's edited tiles before C reads them (trainKnobGenerator's blurCriticInput; default false). */
  generatorBlurCriticInput?: boolean;
}

/**
 * The demo's sizes. R and C at 60 epochs: at 30 (and the earlier renderer) R on truly re-rendered
 * tiles used neither polydispersity nor facetness (slopes 0.0, +2.5 MPa; truth +16, +15) and read
 * crystal brightness (−4.1); at 60 (face-shaded renderer) +9.5, +6.4 and −0.4 (bench/knobs-links.ts).
 * C pools each channel's spatial std beside its mean: with the mean alone its test R² on
 * polydispersity and facetness was −0.88 and −0.41 (it could not read them, so G never learnt those
 * edits), with both 0.29 and 0.22 (bench/knobs-critic.ts). G at 60 epochs: at 30 the decoy's knob
 * slope was +12.9 MPa, at 60 +6.6 (R on real tiles: −0.4). G upsamples by ConvTranspose and a pixel
 * shuffle (checkerboard): with nearest Resize + 3×3 conv instead (seed 1) the decoy's knob fell to
 * −1.7 and the measured counterfactual direction rose from 72% to 85%, but polydispersity's knob
 * lost its sign (+9.5 → −0.6) and only 59% of the searches reached p′ — all misses because R reads
 * G's reconstructions 22 MPa below the real tiles, at the bottom of what any attribute setting
 * reaches. C trained on shifted, blurred, re-noised tiles (critic-augmentation.ts) makes G's edits
 * less of a texture only C reads: with it (seed 1) p′ is reached in 87.5%, the measured direction
 * is right in 91%, the decoy's knob is 4% of the largest, porosity's knob +12.9 (from +3.3) — but
 * polydispersity's knob stays wrong (−2.6): G still edits it as a stripe texture (README, knobs).
 * Round 6: an adversarial term (γ = 0.1, knob-discriminator.ts) with G's edits blurred before C
 * reads them: G alone against the round-5 C and R (seed 1) gives polydispersity +6.8, every real sign
 * right, decoy 3%, p′ in 100%, measured direction 90% — but the size knob only −11.0 (README, knobs;
 * the full demo with these settings was not yet run).
 */
export const DEMO_SIZES: ScenarioSizes = { lots: 30, tilesPerLot: 40, validationLots: 5, testLots: 6, regressorEpochs: 60, criticEpochs: 60, generatorEpochs: 60, criticPooling: 'mean-std', criticStages: 3, generatorUpsampling: 'resize-conv', criticAugmentation: { shift: 2, blur: 0.5, noise: 0.03 }, generatorAdversarialWeight: 0.1, generatorBlurCriticInput: true };

export type SplitName = 'train' | 'validation' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'validation', 'test'];

export interface KnobsScenario {
  data: SemLots;
  /** Tile indices per split. */
  split: Record<SplitName, number[]>;
  /** Lots per split. */
  splitLots: Record<SplitName, number[]>;
  regressor: Graph;
  critic: Graph;
  encoder: Graph;
  decoder: Graph;
  regressorScores: Record<SplitName, RegressionScores>;
  criticScores: Record<SplitName, RegressionScores[]>;
  generatorHistory: KnobGeneratorEpoch[];
}

export interface ScenarioProgress {
  stage: 'data' | 'regressor' | 'critic' | 'generator';
  fraction: number;
}

export interface ScenarioOptions {
  seed: number;
  sizes?: ScenarioSizes;
  onProgress?: (p: ScenarioProgress) => void;
}

/** Tile attributes as [N, k] (each tile carries its lot's). */
export function tileAttributes(data: SemLots, indices: readonly number[]): Tensor {
  const k = SEM_ATTRIBUTES.length;
  const out = new Float32Array(indices.length * k);
  indices.forEach((i, r) => out.set(data.lotAttributes[data.lots[i]], r * k));
  return tensor([indices.length, k], out);
}

function standardise(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) || 1;
  return { mean, std };
}

export interface PropertyTraining {
  epochs: number;
  width: number;
  pooling?: PropertyNetOptions['pooling'];
  stages?: number;
  /** Augment every training batch (see critic-augmentation.ts). */
  augmentation?: CriticAugmentation;
  seed: number;
  onProgress?: (fraction: number) => void;
}

/** Trains a propertyNet on z-scored targets [N, K] and returns it speaking the targets' units. */
export async function trainProperty(name: string, images: Tensor, targets: number[][], options: PropertyTraining): Promise<Graph> {
  const { epochs, width, pooling, stages, augmentation, seed, onProgress } = options;
  const k = targets[0].length;
  const stats = Array.from({ length: k }, (_, j) => standardise(targets.map((t) => t[j])));
  const z = tensor([targets.length, k], targets.flatMap((t) => t.map((v, j) => (v - stats[j].mean) / stats[j].std)));
  const graph = propertyNet({ outputs: k, width, hidden: 4 * width, pooling, stages, seed: Random.forKey(seed, name).uint32(), name, size: images.shape[2] });
  const trained = await trainRegressor(graph, images, z, { epochs, seed: Random.forKey(seed, `${name}-batches`).uint32(), learningRate: 3e-3, schedule: 'cosine', batchSize: 32, ...(augmentation ? { augment: criticAugment(augmentation) } : {}), onProgress: (p) => onProgress?.(p.fraction) });
  return withOutputScale(trained.graph, stats.map((s) => s.std), stats.map((s) => s.mean));
}

/** Whole lots to train / validation / test (seeded), and the tiles of each. */
export function splitLotsOf(data: SemLots, sizes: ScenarioSizes, seed: number): { split: Record<SplitName, number[]>; splitLots: Record<SplitName, number[]> } {
  const order = Random.forKey(seed, 'lot-split').permutation(sizes.lots);
  const splitLots: Record<SplitName, number[]> = {
    test: order.slice(0, sizes.testLots).sort((a, b) => a - b),
    validation: order.slice(sizes.testLots, sizes.testLots + sizes.validationLots).sort((a, b) => a - b),
    train: order.slice(sizes.testLots + sizes.validationLots).sort((a, b) => a - b),
  };
  const split = Object.fromEntries(SPLITS.map((s) => [s, data.lots.flatMap((l, i) => (splitLots[s].includes(l) ? [i] : []))])) as Record<SplitName, number[]>;
  return { split, splitLots };
}

export async function trainKnobsScenario(options: ScenarioOptions): Promise<KnobsScenario> {
  const { seed, sizes = DEMO_SIZES, onProgress } = options;
  onProgress?.({ stage: 'data', fraction: 0 });
  const data = generateSemLots({ seed, lots: sizes.lots, tilesPerLot: sizes.tilesPerLot });
  onProgress?.({ stage: 'data', fraction: 1 });
  const { split, splitLots } = splitLotsOf(data, sizes, seed);
  const trainImages = takeRows(data.images, split.train);

  const width = sizes.propertyWidth ?? 8;
  const regressor = await trainProperty('stress-regressor', trainImages, split.train.map((i) => [data.stress[i]]), { epochs: sizes.regressorEpochs, width, seed, onProgress: (fraction) => onProgress?.({ stage: 'regressor', fraction }) });
  const critic = await trainProperty('attribute-critic', trainImages, split.train.map((i) => [...data.lotAttributes[data.lots[i]]]), { epochs: sizes.criticEpochs, width, pooling: sizes.criticPooling, stages: sizes.criticStages, augmentation: sizes.criticAugmentation, seed, onProgress: (fraction) => onProgress?.({ stage: 'critic', fraction }) });

  const regressorScores = {} as Record<SplitName, RegressionScores>;
  const criticScores = {} as Record<SplitName, RegressionScores[]>;
  for (const s of SPLITS) {
    const images = takeRows(data.images, split[s]);
    const predicted = await runGraphRows(regressor, { input: images });
    regressorScores[s] = regressionScores(predicted.data, split[s].map((i) => data.stress[i]));
    const attributes = await runGraphRows(critic, { input: images });
    const k = SEM_ATTRIBUTES.length;
    criticScores[s] = SEM_ATTRIBUTES.map((_, j) => regressionScores(split[s].map((_, r) => attributes.data[r * k + j]), split[s].map((i) => data.lotAttributes[data.lots[i]][j])));
  }

  const generator = await trainKnobGenerator({
    encoder: knobEncoder({ seed: Random.forKey(seed, 'encoder').uint32(), size: data.images.shape[2], latentStride: sizes.generatorLatentStride }),
    decoder: knobDecoder({ seed: Random.forKey(seed, 'decoder').uint32(), attributes: SEM_ATTRIBUTES.length, size: data.images.shape[2], upsampling: sizes.generatorUpsampling, latentStride: sizes.generatorLatentStride }),
    critic,
    images: trainImages,
    attributes: tileAttributes(data, split.train),
    epochs: sizes.generatorEpochs,
    attributeWeight: sizes.generatorAttributeWeight,
    adversarialWeight: sizes.generatorAdversarialWeight,
    blurCriticInput: sizes.generatorBlurCriticInput,
    seed,
    onProgress: (p) => onProgress?.({ stage: 'generator', fraction: p.fraction }),
  });
  return { data, split, splitLots, regressor, critic, encoder: generator.encoder, decoder: generator.decoder, regressorScores, criticScores, generatorHistory: generator.history };
}
