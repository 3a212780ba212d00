/**
 * Out-of-distribution detection: four detectors and their AUROC per distribution shift.
 * Every score is oriented the same way — higher means "less like the training data":
 *  - max-softmax (Hendrycks & Gimpel 2017): −max_k softmax(z)_k;
 *  - energy (Liu et al. 2020): E(z) = −T·logsumexp(z/T) (in-distribution inputs get low energy);
 *  - mahalanobis (Lee et al. 2018): distance of the penultimate features to the nearest class
 *    mean (see mahalanobis.ts);
 *  - reconstruction: an autoencoder's mean squared reconstruction error per image;
 *  - reconstruction-typicality: |log error − median log error on the training images|, the
 *    two-sided typicality test of Nalisnick et al. (2019) applied to the reconstruction error.
 *    Reconstruction error alone is one-sided: a blurred or low-contrast tile is *easier* to
 *    reconstruct than a training tile (AUROC near 0, see README); the typicality score flags both tails.
 * AUROC (auroc.ts) reads 1 for a detector that ranks every shifted input above every
 * in-distribution one, 0.5 for chance.
 */
import type { Tensor } from '../tensor/tensor.js';
import { firstNonFinite, shapeToString, sizeOf, tensor } from '../tensor/tensor.js';
import { DataType } from '../onnx/graph.js';
import type { Model } from '../models/model.js';
import { OnnxModel } from '../models/model.js';
import { auroc } from './auroc.js';
import { fitMahalanobis, mahalanobisScores } from './mahalanobis.js';

export const OOD_DETECTORS = ['max-softmax', 'energy', 'mahalanobis', 'reconstruction', 'reconstruction-typicality'] as const;
export type OodDetector = (typeof OOD_DETECTORS)[number];

function checkLogits(logits: Tensor): [number, number] {
  if (logits.shape.length !== 2 || logits.shape[1] < 1) throw new Error(`OOD scores need logits [N, K] (got ${shapeToString(logits.shape)})`);
  const bad = firstNonFinite(logits.data);
  if (bad >= 0) throw new Error(`OOD scores: logits hold a non-finite value at flat index ${bad}`);
  return [logits.shape[0], logits.shape[1]];
}

/** −max softmax probability per row. */
export function maxSoftmaxScores(logits: Tensor): Float64Array {
  const [n, k] = checkLogits(logits);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = logits.data.subarray(i * k, (i + 1) * k);
    const max = Math.max(...row);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    // max softmax = exp(max − max) / Σ exp(z − max) = 1 / sum.
    out[i] = -1 / sum;
  }
  return out;
}

/** Energy −T·logsumexp(z/T) per row. */
export function energyScores(logits: Tensor, temperature = 1): Float64Array {
  const [n, k] = checkLogits(logits);
  if (!(temperature > 0)) throw new Error(`energy temperature must be > 0 (got ${temperature})`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = Array.from(logits.data.subarray(i * k, (i + 1) * k), (v) => v / temperature);
    const max = Math.max(...row);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    out[i] = -temperature * (max + Math.log(sum));
  }
  return out;
}

/** Mean squared reconstruction error per image of a model whose output is the flattened input. */
export async function reconstructionErrors(autoencoder: Model, images: Tensor): Promise<Float64Array> {
  const pixels = sizeOf(images.shape.slice(1));
  if (autoencoder.outputSize !== pixels) {
    throw new Error(`reconstruction: the autoencoder outputs ${autoencoder.outputSize} values per image but the images have ${pixels} pixels; use an autoencoder trained on this image size`);
  }
  const recon = await autoencoder.forward(images);
  const n = images.shape[0];
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = i * pixels; j < (i + 1) * pixels; j++) sum += (recon.data[j] - images.data[j]) ** 2;
    out[i] = sum / pixels;
  }
  return out;
}

/** The median of log(error) over in-distribution images: the centre of the typicality score. */
export function typicalityCentre(inDistributionErrors: ArrayLike<number>): number {
  if (inDistributionErrors.length === 0) throw new Error('typicalityCentre: no in-distribution errors');
  const logs = Float64Array.from(inDistributionErrors, (e) => Math.log(Math.max(e, 1e-30))).sort();
  const mid = (logs.length - 1) / 2;
  return (logs[Math.floor(mid)] + logs[Math.ceil(mid)]) / 2;
}

/** |log(error) − centre|: atypically high and atypically low reconstruction errors both score high. */
export function typicalityScores(errors: ArrayLike<number>, centre: number): Float64Array {
  return Float64Array.from(errors, (e) => Math.abs(Math.log(Math.max(e, 1e-30)) - centre));
}

/** The input of the classifier's final layer (the penultimate features), found by walking up from the output. */
export function defaultFeatureLayer(model: OnnxModel): string {
  const byOutput = new Map(model.graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  let value = model.outputName;
  // Skip trailing shape-preserving ops (a Softmax head, Identity) to reach the last Gemm/MatMul.
  for (let node = byOutput.get(value); node; node = byOutput.get(value)) {
    if (node.opType === 'Gemm' || node.opType === 'MatMul') return node.inputs[0];
    if (!['Softmax', 'LogSoftmax', 'Identity', 'Flatten', 'Reshape', 'Sigmoid'].includes(node.opType)) break;
    value = node.inputs[0];
  }
  throw new Error(`cannot find the penultimate layer of '${model.graph.name}' (no Gemm/MatMul feeds its output); pass featureLayer (see 'trustscope layers')`);
}

/**
 * Activations of `layer` per image, flattened to [N, D]. For an ONNX model whose layer is already
 * [N, D] this is one forward pass of the graph cut at the layer; otherwise it reads the layer's
 * activation from layerVjp with a zero cotangent.
 */
export async function layerFeatures(model: Model, images: Tensor, layer?: string): Promise<Tensor> {
  if (model instanceof OnnxModel) {
    const value = model.resolveLayer(layer ?? defaultFeatureLayer(model));
    const shape = model.layerShape(value);
    if (shape && shape.length === 2 && shape[1] > 0) {
      const cut = new OnnxModel({ ...model.graph, outputs: [{ name: value, dataType: DataType.FLOAT, shape: ['N', shape[1]] }] }, { internalBatchSize: model.internalBatchSize });
      try {
        return await cut.forward(images);
      } finally {
        await cut.dispose();
      }
    }
    layer = value;
  }
  if (!layer) throw new Error('layerFeatures: name the feature layer (featureLayer) for a model that is not an ONNX model');
  const zero = tensor([images.shape[0], model.outputSize]);
  const { activation } = await model.layerVjp(images, layer, zero);
  const n = images.shape[0];
  return tensor([n, n === 0 ? 0 : activation.data.length / n], activation.data);
}

export interface OodTableOptions {
  classifier: Model;
  /** Training data of the classifier: Mahalanobis class means and covariance come from it. */
  train: { images: Tensor; labels: readonly number[] };
  /** In-distribution test images (the negatives of every AUROC). */
  inDistribution: Tensor;
  shifted: readonly { name: string; images: Tensor }[];
  /** A reconstruction model trained on in-distribution images (train.images); without it those detectors are skipped. */
  autoencoder?: Model;
  /** Penultimate layer for Mahalanobis (default: the input of the classifier's last Gemm/MatMul). */
  featureLayer?: string;
  /** Energy temperature (default 1). */
  temperature?: number;
  /** Relative covariance ridge for Mahalanobis (default 1e-3). */
  ridge?: number;
  onProgress?: (p: { stage: string; fraction: number }) => void;
}

export type DetectorScores = Partial<Record<OodDetector, Float64Array>>;

export interface OodTable {
  detectors: OodDetector[];
  inDistribution: DetectorScores;
  shifts: { name: string; auroc: Partial<Record<OodDetector, number>>; scores: DetectorScores }[];
}

/** Scores every image set with every detector, then the AUROC of each detector per shift. */
export async function oodTable(options: OodTableOptions): Promise<OodTable> {
  const { classifier, autoencoder, temperature = 1, onProgress } = options;
  if (options.shifted.length === 0) throw new Error('oodTable: give at least one shifted set');
  const detectors: OodDetector[] = ['max-softmax', 'energy', 'mahalanobis', ...(autoencoder ? (['reconstruction', 'reconstruction-typicality'] as const) : [])];
  const layer = options.featureLayer ?? (classifier instanceof OnnxModel ? defaultFeatureLayer(classifier) : undefined);
  onProgress?.({ stage: 'fitting Mahalanobis', fraction: 0 });
  const fit = fitMahalanobis(await layerFeatures(classifier, options.train.images, layer), options.train.labels, { ridge: options.ridge });
  const centre = autoencoder ? typicalityCentre(await reconstructionErrors(autoencoder, options.train.images)) : 0;

  const sets = [{ name: 'in-distribution', images: options.inDistribution }, ...options.shifted];
  const scored: DetectorScores[] = [];
  for (const [i, set] of sets.entries()) {
    onProgress?.({ stage: 'scoring', fraction: i / sets.length });
    const logits = await classifier.forward(set.images);
    const scores: DetectorScores = {
      'max-softmax': maxSoftmaxScores(logits),
      energy: energyScores(logits, temperature),
      mahalanobis: mahalanobisScores(fit, await layerFeatures(classifier, set.images, layer)),
    };
    if (autoencoder) {
      scores.reconstruction = await reconstructionErrors(autoencoder, set.images);
      scores['reconstruction-typicality'] = typicalityScores(scores.reconstruction, centre);
    }
    scored.push(scores);
  }
  onProgress?.({ stage: 'scoring', fraction: 1 });
  const [inScores, ...shiftScores] = scored;
  return {
    detectors,
    inDistribution: inScores,
    shifts: shiftScores.map((scores, i) => ({
      name: options.shifted[i].name,
      auroc: Object.fromEntries(detectors.map((d) => [d, auroc(inScores[d]!, scores[d]!)])),
      scores,
    })),
  };
}

/**
 * Share of `scores` above the in-distribution scores' `quantile` (default 0.95, i.e. the threshold
 * that keeps 95% of in-distribution inputs): the "OOD share" of a data set under one detector.
 */
export function oodShare(inDistribution: ArrayLike<number>, scores: ArrayLike<number>, quantile = 0.95): { threshold: number; share: number } {
  if (inDistribution.length === 0) throw new Error('oodShare: no in-distribution scores to set the threshold from');
  if (!(quantile > 0 && quantile < 1)) throw new Error(`oodShare: quantile must be in (0, 1) (got ${quantile})`);
  const sorted = Float64Array.from(inDistribution).sort();
  // Linear interpolation between order statistics (numpy.quantile's default).
  const pos = quantile * (sorted.length - 1);
  const lo = Math.floor(pos);
  const threshold = sorted[lo] + (pos - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
  let above = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] > threshold) above++;
  return { threshold, share: scores.length === 0 ? 0 : above / scores.length };
}

/** The AUROC table as aligned text, one row per shift (for logs and the CLI). */
export function formatOodTable(table: OodTable): string {
  const head = ['shift', ...table.detectors];
  const rows = table.shifts.map((s) => [s.name, ...table.detectors.map((d) => (s.auroc[d] ?? NaN).toFixed(3))]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  return [head, ...rows].map((r) => r.map((v, c) => v.padEnd(widths[c])).join('  ')).join('\n');
}
