/**
 * Invertible Concept-based Explanations (ICE, Zhang et al. AAAI 2021). A layer's non-negative
 * activations over one class's images, as a matrix [N·h·w, C] (one row per image position), are
 * factorised by NMF into c concept directions P [c, C] and per-position concept scores S. Every
 * image (of any class) is then projected on P: its concept maps S [c, h, w] are upsampled to the
 * input. The top-k images per concept and their purity (the share of them from the class the concept
 * was learned on) say whether a concept is specific to the class or shared with others. Images are
 * ranked by the concept's share of the image's activation mass, Σ_p S_pj·ΣP_j / Σ_{p,c} A_pc (how
 * much of what the layer sees in the image this concept accounts for), not by the mean concept map:
 * a featureless class's concept (smooth background) has a larger mean map on busier tiles of other
 * classes, whose background is as bright, but a smaller share there, because their structures light
 * up other channels too. (With the mean-map ranking, amorphous, dislocations and inclusions got
 * purity 0 on the demo although they are learned perfectly; the old ranking is kept as
 * meanScorePurity.) Ties in the share are broken by the mean concept map; importance is the class score's gradient along each direction;
 * fidelity is the network's accuracy when the layer's activations are replaced by their NMF
 * reconstruction (model-tail.ts runs the network from the layer). Per class, the concept-model
 * purity (ice-concept-model.ts) judges the class's concepts jointly through the network: every
 * image rebuilt from them, ranked by the class probability. Per-concept purity cannot credit a class
 * recognised by the combination or the absence of structure (on the explore demo every per-concept
 * ranking gave the well-learned featureless classes 0); the concept-model purity does (1.00 for the 6
 * clear classes, 0.70 for the 4 in ambiguous pairs).
 */
import type { OnnxModel } from '../models/model.js';
import { argmaxRows, oneHot, takeRows, tensor, type Tensor } from '../tensor/tensor.js';
import { resizeMaps } from '../tensor/resize-maps.js';
import { nmf, nmfTransform } from './nmf.js';
import { modelTail } from './model-tail.js';
import { conceptModelPurity, type RankedImages } from './ice-concept-model.js';

export interface IceOptions {
  readonly layer: string;
  /** Concepts per class (default 5). */
  readonly components?: number;
  /** Images kept per concept (default 5). */
  readonly topK?: number;
  readonly seed?: number;
}

export interface IceConcept {
  readonly index: number;
  /** Unit direction in the layer's channel space, length C. */
  readonly direction: readonly number[];
  /** Indices (into the images given) of the images where the concept has the largest share of the activation. */
  readonly topImages: readonly number[];
  /** Share of topImages whose label is the class the concept was learned on. */
  readonly purity: number;
  /** The concept's share of each top image's activation mass. */
  readonly topShares: readonly number[];
  /**
   * Ranking by the concept's first-order contribution to the class score in each image,
   * Σ_p S_pj (P_j · ∇_p score_class): where the concept is evidence *for this class*. Its top images and purity.
   */
  readonly contributionTopImages: readonly number[];
  readonly contributionPurity: number;
  readonly topContributions: readonly number[];
  /** The previous ranking, by mean concept map (unnormalised): its top images and their purity. */
  readonly meanScoreTopImages: readonly number[];
  readonly meanScorePurity: number;
  /** Mean over the class's images of d(class score)/d(concept score), summed over positions. */
  readonly importance: number;
  /** Concept maps of the top images upsampled to the input, [k, H, W]. */
  readonly maps: Tensor;
}

export interface IceClassResult {
  readonly classIndex: number;
  readonly layer: string;
  /** ||V − SP||_F / ||V||_F of the class's factorisation. */
  readonly relativeError: number;
  readonly concepts: readonly IceConcept[];
  /**
   * The class's concepts jointly (ice-concept-model.ts): images ranked by the network's probability
   * of the class on their reconstruction from the class's concepts; purity of the top-k.
   */
  readonly conceptModel?: RankedImages;
  /** The same ranking on the unreconstructed layer (the network itself): the reference for conceptModel. */
  readonly network?: RankedImages;
  /** Why conceptModel is missing (the network cannot be run from the layer, e.g. a skip connection around it). */
  readonly conceptModelProblem?: string;
}

/** Layer activations as NCHW (a [N, C] layer counts as 1×1 maps). */
async function activations4d(model: OnnxModel, images: Tensor, layer: string): Promise<Tensor> {
  const [a] = await model.activations(images, [layer]);
  if (a.shape.length === 2) return tensor([a.shape[0], a.shape[1], 1, 1], a.data);
  if (a.shape.length !== 4) throw new Error(`ICE needs a convolutional layer [N, C, h, w] or a vector layer [N, C]; '${layer}' has shape [${a.shape.join(', ')}]`);
  return a;
}

/** NCHW activations of the chosen rows as the [rows·h·w, C] matrix NMF factorises. */
function positionsByChannels(a: Tensor, rows: readonly number[]): Float64Array {
  const [, c, h, w] = a.shape;
  const plane = h * w;
  const out = new Float64Array(rows.length * plane * c);
  rows.forEach((n, r) => {
    for (let ch = 0; ch < c; ch++) {
      for (let p = 0; p < plane; p++) {
        // ReLU layers are non-negative already; tiny negatives (a layer before its ReLU) are clipped.
        out[(r * plane + p) * c + ch] = Math.max(0, a.data[(n * c + ch) * plane + p]);
      }
    }
  });
  return out;
}

/** Back from [rows·h·w, C] to NCHW. */
function toNchw(m: Float64Array, rows: number, c: number, h: number, w: number): Tensor {
  const plane = h * w;
  const out = new Float32Array(rows * c * plane);
  for (let r = 0; r < rows; r++) for (let p = 0; p < plane; p++) for (let ch = 0; ch < c; ch++) out[(r * c + ch) * plane + p] = m[(r * plane + p) * c + ch];
  return tensor([rows, c, h, w], out);
}

function frobenius(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/** ICE concepts of one class, with top images drawn from all `images` (labels say their classes). */
export async function iceForClass(model: OnnxModel, images: Tensor, labels: readonly number[], classIndex: number, options: IceOptions): Promise<IceClassResult> {
  const a = await activations4d(model, images, options.layer);
  const [n, c, h, w] = a.shape;
  const plane = h * w;
  const own = labels.flatMap((y, i) => (y === classIndex ? [i] : []));
  if (own.length === 0) throw new Error(`ICE: no images of class ${classIndex} to learn concepts from`);
  const k = Math.min(options.components ?? 5, c, own.length * plane);
  const v = positionsByChannels(a, own);
  const fit = nmf(v, own.length * plane, c, { components: k, seed: options.seed ?? 0 });
  const all = positionsByChannels(a, labels.map((_, i) => i));
  const s = nmfTransform(all, n * plane, fit.h, k, c);
  // Concept score of an image: the mean of its concept map.
  const imageScore = (i: number, j: number) => {
    let t = 0;
    for (let p = 0; p < plane; p++) t += s[(i * plane + p) * k + j];
    return t / plane;
  };
  // Each image's activation mass (after clipping, as NMF saw it) and each concept's mass ΣP_j.
  const imageMass = new Float64Array(n);
  for (let i = 0; i < n * plane * c; i++) imageMass[Math.floor(i / (plane * c))] += all[i];
  const conceptMass = Array.from({ length: k }, (_, j) => fit.h.subarray(j * c, (j + 1) * c).reduce((t, x) => t + x, 0));
  const share = (i: number, j: number) => (imageMass[i] > 0 ? (imageScore(i, j) * plane * conceptMass[j]) / imageMass[i] : 0);
  // The class score's gradient at the layer for every image: importance uses the class's own rows,
  // the contribution ranking all of them.
  const grads = (await model.layerVjp(images, options.layer, oneHot(labels.map(() => classIndex), model.outputSize))).grad;
  // First-order contribution of concept j to the class score in image i: Σ_p S_ipj (P_j · ∇_p score).
  const contribution = (i: number, j: number) => {
    let t = 0;
    for (let p = 0; p < plane; p++) {
      const sp = s[(i * plane + p) * k + j];
      if (sp === 0) continue;
      let d = 0;
      for (let ch = 0; ch < c; ch++) d += fit.h[j * c + ch] * grads.data[(i * c + ch) * plane + p];
      t += sp * d;
    }
    return t;
  };
  const topK = Math.min(options.topK ?? 5, n);
  const concepts: IceConcept[] = [];
  for (let j = 0; j < k; j++) {
    const row = Array.from(fit.h.subarray(j * c, (j + 1) * c));
    const norm = Math.sqrt(row.reduce((t, x) => t + x * x, 0)) || 1;
    const byMean = labels.map((_, i) => i).sort((x, y) => imageScore(y, j) - imageScore(x, j) || x - y);
    const meanScoreTop = byMean.slice(0, topK);
    const shares = labels.map((_, i) => share(i, j));
    // Shares equal to 6 decimals are ties (NMF's projection is iterative): the mean map decides.
    const rounded = shares.map((v) => Math.round(v * 1e6));
    const top = labels.map((_, i) => i).sort((x, y) => rounded[y] - rounded[x] || imageScore(y, j) - imageScore(x, j) || x - y).slice(0, topK);
    const purityOf = (ids: readonly number[]) => ids.filter((i) => labels[i] === classIndex).length / ids.length;
    const contributions = labels.map((_, i) => contribution(i, j));
    const byContribution = labels.map((_, i) => i).sort((x, y) => contributions[y] - contributions[x] || x - y).slice(0, topK);
    let importance = 0;
    for (const r of own) {
      for (let p = 0; p < plane; p++) for (let ch = 0; ch < c; ch++) importance += (grads.data[(r * c + ch) * plane + p] * row[ch]) / norm;
    }
    const maps = new Float32Array(top.length * plane);
    top.forEach((i, t) => {
      for (let p = 0; p < plane; p++) maps[t * plane + p] = s[(i * plane + p) * k + j];
    });
    const [height, width] = images.shape.length === 4 ? [images.shape[2], images.shape[3]] : [h, w];
    const up = resizeMaps(tensor([top.length, 1, h, w], maps), height, width, 'bilinear');
    concepts.push({
      index: j,
      direction: row.map((x) => x / norm),
      topImages: top,
      purity: purityOf(top),
      topShares: top.map((i) => shares[i]),
      contributionTopImages: byContribution,
      contributionPurity: purityOf(byContribution),
      topContributions: byContribution.map((i) => contributions[i]),
      meanScoreTopImages: meanScoreTop,
      meanScorePurity: purityOf(meanScoreTop),
      importance: importance / own.length,
      maps: tensor([top.length, height, width], up.data),
    });
  }
  let joint: Pick<IceClassResult, 'conceptModel' | 'network' | 'conceptModelProblem'>;
  try {
    const tail = modelTail(model, options.layer);
    try {
      const { conceptModel, network } = await conceptModelPurity(tail, a, s, fit.h, k, labels, classIndex, topK);
      joint = { conceptModel, network };
    } finally {
      await tail.dispose();
    }
  } catch (e) {
    joint = { conceptModelProblem: (e as Error).message };
  }
  return { classIndex, layer: options.layer, relativeError: fit.error / frobenius(v), concepts, ...joint };
}

export interface FidelityPoint {
  readonly components: number;
  /** Accuracy against the labels with the layer replaced by its rank-c NMF reconstruction. */
  readonly accuracy: number;
  /** Share of images whose prediction is unchanged by the replacement. */
  readonly agreement: number;
}

/**
 * Fidelity of the concept model vs c: NMF of the layer's activations over all images, the network
 * run from the layer on the reconstruction, compared with the labels and the original predictions.
 */
export async function iceFidelity(model: OnnxModel, images: Tensor, labels: readonly number[], layer: string, components: readonly number[], seed = 0): Promise<{ baseline: number; points: FidelityPoint[] }> {
  const tail = modelTail(model, layer);
  const a = await activations4d(model, images, layer);
  const [n, c, h, w] = a.shape;
  const rows = n * h * w;
  const v = positionsByChannels(a, labels.map((_, i) => i));
  const original = argmaxRows(await tail.forward(tensor([n, ...tail.inputShape], a.data)));
  const accuracy = (pred: number[]) => pred.filter((p, i) => p === labels[i]).length / n;
  const points: FidelityPoint[] = [];
  for (const k of components) {
    const fit = nmf(v, rows, c, { components: Math.min(k, c), seed });
    const recon = new Float64Array(rows * c);
    for (let r = 0; r < rows; r++) for (let j = 0; j < fit.components; j++) {
      const wr = fit.w[r * fit.components + j];
      if (wr !== 0) for (let ch = 0; ch < c; ch++) recon[r * c + ch] += wr * fit.h[j * c + ch];
    }
    const x = toNchw(recon, n, c, h, w);
    const pred = argmaxRows(await tail.forward(tensor([n, ...tail.inputShape], x.data)));
    points.push({ components: fit.components, accuracy: accuracy(pred), agreement: pred.filter((p, i) => p === original[i]).length / n });
  }
  await tail.dispose();
  return { baseline: accuracy(original), points };
}
