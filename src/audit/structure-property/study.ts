/**
 * The structure–property study (Kalinin's lecture, measured): train im2spec, spec2im (per latent
 * size) and the dual VAE with trustscope's own training loop on the training rows of paired data;
 * score each on the held-out rows against the mean and nearest-neighbour baselines; probe the dual
 * VAE's latent for the label; read its latent space (factor table, traversals, predictive spread);
 * explain through the encoder–decoders (explanations.ts); measure error against distance from the
 * training region. Returns the numbers (JSON) and the figure data the report draws.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { reshape, sliceRows, takeRows, tensor } from '../../tensor/tensor.js';
import { Random } from '../../tensor/random.js';
import type { Graph } from '../../onnx/graph.js';
import { OnnxModel } from '../../models/model.js';
import { createSession } from '../../onnx/runtime.js';
import { trainRegressor } from '../../models/train-regressor.js';
import { trainSummedLoss } from '../../models/train-summed-loss.js';
import { im2specGraph, spec2imGraph, type StructurePropertyShape } from '../../generative/structure-property/architectures.js';
import { DUAL_VAE, dualVaeImageDecoder, dualVaeImageEncoder, dualVaeSpectrumDecoder, dualVaeSpectrumEncoder, dualVaeTrainingGraph, type DualVaeWeights } from '../../generative/structure-property/dual-vae.js';
import { meanBaseline, mse, nearestNeighbourBaseline, radialProfiles, rowMse } from '../../generative/structure-property/baselines.js';
import { latentFactorTable, latentTraversals, predictiveDistribution, type LatentFactorTable, type Traversal } from '../../generative/structure-property/latent-analysis.js';
import { checkPairedData, StudyInputError, type PairedData } from './paired-data.js';
import { linearProbeAccuracy } from './linear-probe.js';
import { errorVsDistance, type DistanceErrors } from './error-vs-distance.js';
import { explainThroughEncoderDecoders, type EncoderDecoderExplanations } from './explanations.js';

export interface StudyOptions {
  seed: number;
  epochs?: { im2spec?: number; spec2im?: number; dualVae?: number };
  im2specLatent?: number;
  spec2imLatents?: readonly number[];
  dualVaeLatent?: number;
  dualVaeWeights?: DualVaeWeights;
  /** First-stage channels of the conv encoders/decoders (default 8). */
  width?: number;
  hidden?: number;
  batchSize?: number;
  learningRate?: number;
  /** Share of the training rows kept aside as an in-distribution test (default 0.15). */
  inDistributionFraction?: number;
  /** Latent samples per example for the predictive spread (default 32). */
  samples?: number;
  /**
   * The user's own trained models, scored and explained instead of training ours: an im2spec graph
   * (image [C, S, S] → spectrum [bins]) and/or a spec2im graph (spectrum [bins] → image [C·S·S]).
   */
  userModels?: { im2spec?: Graph; spec2im?: Graph };
  onProgress?: (stage: string, fraction: number) => void;
}

export interface BaselineComparison {
  heldOutMse: number;
  meanBaselineMse: number;
  nnBaselineMse: number;
  /** The same model on in-distribution test rows (training region, unseen examples). */
  inDistributionMse: number;
  /** Latent size (null for a user's model). */
  latent: number | null;
  /** Null for a user's model (not trained here). */
  finalTrainingLoss: number | null;
  /** 'trained' here, or the user's 'given' model. */
  source: 'trained' | 'given';
  /** Held-out MSE and baselines per named held-out region (when the data name them). */
  byRegion?: Record<string, { rows: number; heldOutMse: number; meanBaselineMse: number; nnBaselineMse: number }>;
  /** spec2im only: the same three scores on radial intensity profiles (orientation removed; see radialProfiles). */
  radialProfile?: { heldOutMse: number; meanBaselineMse: number; nnBaselineMse: number };
}

export interface StructurePropertyResult {
  rows: { training: number; inDistributionTest: number; heldOut: number };
  im2spec: BaselineComparison;
  /** Keyed by latent size. */
  spec2im: Record<string, BaselineComparison>;
  dualVae: {
    latent: number;
    coupling: string;
    weights: Required<DualVaeWeights>;
    /** Linear probe (logistic regression) of the label from the image encoder's posterior mean, on the test rows. */
    latentProbeAccuracy: number | null;
    /** The same probe from the raw pixels (averaged over 2×2 blocks). */
    pixelProbeAccuracy: number | null;
    /** Image → spectrum through the shared latent: MSE of the mean over latent samples, on held-out rows. */
    imageToSpectrumHeldOutMse: number;
    /** Share of held-out spectral bins inside mean ± 2 std of the decoded samples. */
    uncertaintyBandCoverage: number;
    /** Mean decoded standard deviation per bin on held-out vs in-distribution rows. */
    meanPredictiveStd: { heldOut: number; inDistribution: number };
    spectrumToImageHeldOutMse: number;
    finalTrainingLoss: number;
    history: { epoch: number; loss: number; terms: Record<string, number> }[];
  };
  latentFactors: LatentFactorTable | null;
  errorVsDistance: DistanceErrors;
  explanations: EncoderDecoderExplanations;
  /** Wall-clock seconds per stage. */
  timings: Record<string, number>;
}

export interface StructurePropertyFigures {
  wavelengths: Float32Array;
  imageSize: number;
  /** Held-out examples shown: their rows, true and predicted spectra with the dual VAE's band. */
  examples: { row: number; image: Tensor; spectrum: Float32Array; im2spec: Float32Array; vaeMean: Float32Array; vaeStd: Float32Array; spec2im: Float32Array }[];
  /** Dual VAE posterior means of every row [N, L], the labels, factors and split. */
  latents: Tensor;
  traversals: { image: Traversal[]; spectrum: Traversal[] };
  labels?: number[];
  factors?: PairedData['factors'];
  heldOut: boolean[];
  trainedGraphs: Record<string, Graph>;
}

const ms = () => performance.now();

export async function runStructurePropertyStudy(data: PairedData, options: StudyOptions): Promise<{ result: StructurePropertyResult; figures: StructurePropertyFigures }> {
  checkPairedData(data);
  const { seed, batchSize = 64, learningRate = 2e-3, inDistributionFraction = 0.15, samples = 32 } = options;
  const epochs = { im2spec: 40, spec2im: 40, dualVae: 60, ...options.epochs };
  const progress = options.onProgress ?? (() => {});
  const timings: Record<string, number> = {};
  const n = data.images.shape[0];
  const [, channels, size] = data.images.shape;
  const bins = data.spectra.shape[1];
  const pixels = channels * size * size;
  const base = { channels, size, bins, width: options.width ?? 8, hidden: options.hidden ?? 64 };

  // Split: held-out rows are the test of "never encountered"; a seeded share of the rest tests in distribution.
  const splitRng = Random.forKey(seed, 'split');
  const inside = data.heldOut.flatMap((h, i) => (h ? [] : [i]));
  splitRng.shuffle(inside);
  const inTestCount = Math.max(1, Math.round(inside.length * inDistributionFraction));
  const inTest = inside.slice(0, inTestCount).sort((a, b) => a - b);
  const train = inside.slice(inTestCount).sort((a, b) => a - b);
  const held = data.heldOut.flatMap((h, i) => (h ? [i] : []));
  const flatImages = reshape(data.images, [n, pixels]);
  const rows = (t: Tensor, r: readonly number[]) => takeRows(t, r);

  const trainOptions = (stage: string, e: number, s: number) => ({ epochs: e, batchSize, learningRate, seed: s, schedule: 'cosine' as const, onProgress: (p: { fraction: number }) => progress(stage, p.fraction) });
  const trainedGraphs: Record<string, Graph> = {};

  // im2spec
  let t0 = ms();
  const im2specShape: StructurePropertyShape = { ...base, latent: options.im2specLatent ?? 10 };
  const givenIm2spec = options.userModels?.im2spec;
  const im2spec = givenIm2spec
    ? { graph: checkedUserModel(givenIm2spec, 'im2spec', [channels, size, size], bins), history: [] as { loss: number }[] }
    : await trainRegressor(im2specGraph(im2specShape, Random.forKey(seed, 'im2spec-init').seed()), rows(data.images, train), rows(data.spectra, train), trainOptions('training im2spec', epochs.im2spec, Random.forKey(seed, 'im2spec').seed()));
  if (!givenIm2spec) trainedGraphs.im2spec = im2spec.graph;
  const im2specModel = new OnnxModel(im2spec.graph);

  const im2specHeld = await im2specModel.forward(rows(data.images, held));
  const im2specIn = await im2specModel.forward(rows(data.images, inTest));
  const im2specResult: BaselineComparison = {
    heldOutMse: mse(im2specHeld, rows(data.spectra, held)),
    meanBaselineMse: mse(meanBaseline(rows(data.spectra, train), held.length), rows(data.spectra, held)),
    nnBaselineMse: mse(nearestNeighbourBaseline(rows(flatImages, train), rows(data.spectra, train), rows(flatImages, held)), rows(data.spectra, held)),
    inDistributionMse: mse(im2specIn, rows(data.spectra, inTest)),
    latent: givenIm2spec ? null : im2specShape.latent,
    finalTrainingLoss: im2spec.history.at(-1)?.loss ?? null,
    source: givenIm2spec ? 'given' : 'trained',
  };
  if (data.heldOutRegions) {
    const meanPrediction = meanBaseline(rows(data.spectra, train), held.length);
    const nnPrediction = nearestNeighbourBaseline(rows(flatImages, train), rows(data.spectra, train), rows(flatImages, held));
    const truth = rows(data.spectra, held);
    const [model, meanRows, nnRows] = [rowMse(im2specHeld, truth), rowMse(meanPrediction, truth), rowMse(nnPrediction, truth)];
    const byRegion: NonNullable<BaselineComparison['byRegion']> = {};
    for (const name of new Set(held.map((i) => data.heldOutRegions![i] ?? 'unnamed'))) {
      const ks = held.flatMap((i, k) => ((data.heldOutRegions![i] ?? 'unnamed') === name ? [k] : []));
      const avg = (v: Float64Array) => ks.reduce((s, k) => s + v[k], 0) / ks.length;
      byRegion[name] = { rows: ks.length, heldOutMse: avg(model), meanBaselineMse: avg(meanRows), nnBaselineMse: avg(nnRows) };
    }
    im2specResult.byRegion = byRegion;
  }
  timings.im2spec = (ms() - t0) / 1000;

  // spec2im, per latent size
  const spec2im: Record<string, BaselineComparison> = {};
  let spec2imForExplanation: OnnxModel | undefined;
  const imageMeanBaseline = mse(meanBaseline(rows(flatImages, train), held.length), rows(flatImages, held));
  const imageNnBaseline = mse(nearestNeighbourBaseline(rows(data.spectra, train), rows(flatImages, train), rows(data.spectra, held)), rows(flatImages, held));
  const radial = (t: Tensor) => radialProfiles(t, size);
  const heldRadial = radial(rows(flatImages, held));
  const radialMeanBaseline = mse(radial(meanBaseline(rows(flatImages, train), held.length)), heldRadial);
  const radialNnBaseline = mse(radial(nearestNeighbourBaseline(rows(data.spectra, train), rows(flatImages, train), rows(data.spectra, held))), heldRadial);
  const spec2imHeldPredictions: Record<string, Tensor> = {};
  let lastSpec2im = '';
  const givenSpec2im = options.userModels?.spec2im;
  for (const latent of givenSpec2im ? ['given'] : (options.spec2imLatents ?? [2, 10])) {
    t0 = ms();
    const trained = typeof latent === 'number'
      ? await trainRegressor(spec2imGraph({ ...base, latent }, Random.forKey(seed, `spec2im-${latent}-init`).seed()), rows(data.spectra, train), rows(flatImages, train), trainOptions(`training spec2im (latent ${latent})`, epochs.spec2im, Random.forKey(seed, `spec2im-${latent}`).seed()))
      : { graph: checkedUserModel(givenSpec2im!, 'spec2im', [bins], pixels), history: [] as { loss: number }[] };
    if (typeof latent === 'number') trainedGraphs[`spec2im-latent${latent}`] = trained.graph;
    const model = new OnnxModel(trained.graph);
    const heldPrediction = await model.forward(rows(data.spectra, held));
    spec2imHeldPredictions[String(latent)] = heldPrediction;
    lastSpec2im = String(latent);
    spec2im[String(latent)] = {
      heldOutMse: mse(heldPrediction, rows(flatImages, held)),
      meanBaselineMse: imageMeanBaseline,
      nnBaselineMse: imageNnBaseline,
      inDistributionMse: mse(await model.forward(rows(data.spectra, inTest)), rows(flatImages, inTest)),
      latent: typeof latent === 'number' ? latent : null,
      finalTrainingLoss: trained.history.at(-1)?.loss ?? null,
      source: typeof latent === 'number' ? 'trained' : 'given',
      radialProfile: { heldOutMse: mse(radial(heldPrediction), heldRadial), meanBaselineMse: radialMeanBaseline, nnBaselineMse: radialNnBaseline },
    };
    if (spec2imForExplanation) await spec2imForExplanation.dispose();
    spec2imForExplanation = model;
    timings[`spec2im-latent${latent}`] = (ms() - t0) / 1000;
  }

  // Dual VAE
  t0 = ms();
  const weights: Required<DualVaeWeights> = { beta: 0.002, align: 0.05, spectrum: 1, ...options.dualVaeWeights };
  const vaeShape: StructurePropertyShape = { ...base, latent: options.dualVaeLatent ?? 6 };
  const L = vaeShape.latent;
  const vaeGraph = dualVaeTrainingGraph(vaeShape, Random.forKey(seed, 'dual-vae-init').seed(), weights);
  const epsilon = (count: number, random: Random) => {
    const e = new Float32Array(count * L);
    for (let i = 0; i < e.length; i++) e[i] = random.normal();
    return tensor([count, L], e);
  };
  const vae = await trainSummedLoss(
    vaeGraph.graph,
    {
      loss: DUAL_VAE.loss,
      terms: Object.values(DUAL_VAE.terms),
      count: train.length,
      feeds: (r, random) => {
        const picked = r.map((i) => train[i]);
        return { [DUAL_VAE.image]: rows(data.images, picked), [DUAL_VAE.spectrum]: rows(data.spectra, picked), [DUAL_VAE.epsilonImage]: epsilon(r.length, random), [DUAL_VAE.epsilonSpectrum]: epsilon(r.length, random) };
      },
    },
    trainOptions('training dual VAE', epochs.dualVae, Random.forKey(seed, 'dual-vae').seed()),
  );
  const trainedVae = { graph: vae.graph, shape: vaeShape };
  trainedGraphs['dual-vae'] = vae.graph;
  timings['dual-vae'] = (ms() - t0) / 1000;

  t0 = ms();
  progress('reading the latent space', 0);
  const encoded = await encodeBoth(dualVaeImageEncoder(trainedVae), data.images, L);
  const encodedSpectra = await encodeBoth(dualVaeSpectrumEncoder(trainedVae), data.spectra, L);
  const spectrumDecoder = new OnnxModel(dualVaeSpectrumDecoder(trainedVae));
  const imageDecoder = new OnnxModel(dualVaeImageDecoder(trainedVae));
  const sampleRng = Random.forKey(seed, 'predictive-samples');
  const predictHeld = await predictiveDistribution(spectrumDecoder, rows(encoded.mu, held), rows(encoded.logVar, held), samples, sampleRng);
  const predictIn = await predictiveDistribution(spectrumDecoder, rows(encoded.mu, inTest), rows(encoded.logVar, inTest), samples, sampleRng);
  const heldSpectra = rows(data.spectra, held);
  let covered = 0;
  for (let i = 0; i < heldSpectra.data.length; i++) if (Math.abs(heldSpectra.data[i] - predictHeld.mean.data[i]) <= 2 * predictHeld.std.data[i]) covered++;
  const meanOf = (t: Tensor) => t.data.reduce((a, b) => a + b, 0) / t.data.length;
  const spectrumToImage = await imageDecoder.forward(rows(encodedSpectra.mu, held));
  progress('reading the latent space', 0.3);

  const testRows = [...held, ...inTest];
  const labels = data.labels;
  const latentProbeAccuracy = labels ? linearProbeAccuracy(rows(encoded.mu, train), train.map((i) => labels[i]), rows(encoded.mu, testRows), testRows.map((i) => labels[i])) : null;
  progress('reading the latent space', 0.4);
  // Pixels binned 2×2 keep the probe's Newton solve at (S²/4 + 1)² instead of (S² + 1)² (minutes on a busy 2-core machine).
  const binnedPixels = binPixels(data.images);
  const pixelProbeAccuracy = labels ? linearProbeAccuracy(rows(binnedPixels, train), train.map((i) => labels[i]), rows(binnedPixels, testRows), testRows.map((i) => labels[i])) : null;
  progress('reading the latent space', 0.8);
  const latentFactors = data.factors ? latentFactorTable(encoded.mu, data.factors) : null;
  const trainLatents = rows(encoded.mu, train);
  const traversals = { image: await latentTraversals(imageDecoder, trainLatents), spectrum: await latentTraversals(spectrumDecoder, trainLatents) };
  timings['latent-space'] = (ms() - t0) / 1000;

  // Error against distance from the training region: in geometry when it is known, else in the dual VAE's latent space.
  t0 = ms();
  const im2specRowErrors = [...rowMse(im2specHeld, rows(data.spectra, held)), ...rowMse(im2specIn, rows(data.spectra, inTest))];
  const distance = errorVsDistance(data, encoded.mu, train, [...held, ...inTest], im2specRowErrors);
  progress('explaining through the encoder–decoders', 0);
  const explanations = await explainThroughEncoderDecoders({ im2spec: im2specModel, spec2im: spec2imForExplanation!, data, rows: held, seed, onProgress: (f) => progress('explaining through the encoder–decoders', f) });
  timings.explanations = (ms() - t0) / 1000;

  const shown = explanations.examples;
  const examples = shown.map((row) => {
    const k = held.indexOf(row);
    const slice = (t: Tensor, i: number) => t.data.slice(i * t.shape[1], (i + 1) * t.shape[1]);
    return {
      row,
      image: rows(data.images, [row]),
      spectrum: data.spectra.data.slice(row * bins, (row + 1) * bins),
      im2spec: slice(im2specHeld, k),
      vaeMean: slice(predictHeld.mean, k),
      vaeStd: slice(predictHeld.std, k),
      spec2im: slice(spec2imHeldPredictions[lastSpec2im], k),
    };
  });

  await Promise.all([im2specModel, spec2imForExplanation!, spectrumDecoder, imageDecoder].map((m) => m.dispose()));
  const result: StructurePropertyResult = {
    rows: { training: train.length, inDistributionTest: inTest.length, heldOut: held.length },
    im2spec: im2specResult,
    spec2im,
    dualVae: {
      latent: L,
      coupling: 'cross-reconstruction (each encoder alone must reconstruct both image and spectrum) plus posterior alignment λ‖μ_image − μ_spectrum‖²',
      weights,
      latentProbeAccuracy,
      pixelProbeAccuracy,
      imageToSpectrumHeldOutMse: mse(predictHeld.mean, heldSpectra),
      uncertaintyBandCoverage: covered / heldSpectra.data.length,
      meanPredictiveStd: { heldOut: meanOf(predictHeld.std), inDistribution: meanOf(predictIn.std) },
      spectrumToImageHeldOutMse: mse(spectrumToImage, rows(flatImages, held)),
      finalTrainingLoss: vae.history.at(-1)!.loss,
      history: vae.history,
    },
    latentFactors,
    errorVsDistance: distance,
    explanations,
    timings,
  };
  const figures: StructurePropertyFigures = { wavelengths: data.wavelengths, imageSize: size, examples, latents: encoded.mu, traversals, labels: data.labels, factors: data.factors, heldOut: data.heldOut, trainedGraphs };
  return { result, figures };
}

/** Posterior mean and log-variance [N, L] of every row, from an encoder cut with outputs (μ, log σ²), in one pass per batch. */
async function encodeBoth(encoder: Graph, inputs: Tensor, latent: number): Promise<{ mu: Tensor; logVar: Tensor }> {
  const n = inputs.shape[0];
  const session = await createSession(encoder);
  const [muName, logVarName] = encoder.outputs.map((o) => o.name);
  const mu = new Float32Array(n * latent);
  const logVar = new Float32Array(n * latent);
  try {
    for (let start = 0; start < n; start += 256) {
      const end = Math.min(n, start + 256);
      const out = await session.run({ [encoder.inputs[0].name]: sliceRows(inputs, start, end) });
      mu.set(out[muName].data, start * latent);
      logVar.set(out[logVarName].data, start * latent);
    }
  } finally {
    await session.release();
  }
  return { mu: tensor([n, latent], mu), logVar: tensor([n, latent], logVar) };
}

/** Images [N, C, S, S] averaged over 2×2 blocks and flattened [N, C·(S/2)²] (an odd last row/column dropped). */
export function binPixels(images: Tensor): Tensor {
  const [n, c, h, w] = images.shape;
  const bh = Math.floor(h / 2);
  const bw = Math.floor(w / 2);
  const out = new Float32Array(n * c * bh * bw);
  for (let i = 0; i < n * c; i++) for (let y = 0; y < bh; y++) for (let x = 0; x < bw; x++) {
    const src = i * h * w + 2 * y * w + 2 * x;
    out[i * bh * bw + y * bw + x] = (images.data[src] + images.data[src + 1] + images.data[src + w] + images.data[src + w + 1]) / 4;
  }
  return tensor([n, c * bh * bw], out);
}

/** A user's model, checked against the data it is to be scored on (one line naming the mismatch). */
function checkedUserModel(graph: Graph, kind: 'im2spec' | 'spec2im', input: readonly number[], outputs: number): Graph {
  const model = new OnnxModel(graph);
  if (model.inputShape.join() !== input.join()) throw new StudyInputError(`the ${kind} model takes [N, ${model.inputShape.join(', ')}] but the data give [N, ${input.join(', ')}]; give a model for these ${kind === 'im2spec' ? 'images' : 'spectra'}`);
  if (model.outputSize !== outputs) throw new StudyInputError(`the ${kind} model gives ${model.outputSize} outputs per example but the data have ${outputs} ${kind === 'im2spec' ? 'spectral bins' : 'pixels'}; give a model whose output matches`);
  return graph;
}
