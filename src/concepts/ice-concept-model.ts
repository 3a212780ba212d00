/**
 * ICE's concept model as a classifier (Zhang et al. 2021: the NMF is *invertible*, so the network run
 * from the layer on the concepts' reconstruction S·P is a stand-in for the network). Concept-model
 * purity of a class: every image's layer activation is projected on the class's concepts P and
 * reconstructed (S_i·P, whatever the image holds outside the class's concepts is dropped), the
 * network's tail turns the reconstruction into class probabilities, and the images are ranked by the
 * probability of the class; purity is the share of the top-k from the class.
 *
 * Why the class's concepts jointly and not one at a time: a class can be recognised by the
 * combination or the absence of structure (a smooth amorphous tile, a network of the same line
 * segments a crack has): none of its single concepts is its own, and a per-concept top-k (by
 * share, mean map or contribution) ranks other classes' images first. What the issue asks ("the
 * concepts are fine-grained for a well-learned class, too coarse for a confused one") is whether
 * the class's concepts keep what tells it apart: if the reconstruction of another class's image
 * from them still looks like the class to the network, they are too coarse (purity drops);
 * otherwise the top images are the class's own. The network's own ranking (the same top-k on the
 * unreconstructed activation) is the reference: concept-model purity below it is class information
 * the concepts lose. Outputs are taken as logits (softmax over the classes).
 */
import type { OnnxModel } from '../models/model.js';
import { softmaxRows, tensor, type Tensor } from '../tensor/tensor.js';

export interface RankedImages {
  /** Image indices, largest class probability first (ties: lower index first). */
  readonly topImages: readonly number[];
  /** Share of topImages from the class. */
  readonly purity: number;
  /** The class probability of each top image. */
  readonly topProbabilities: readonly number[];
}

/** The top-k images by the probability of `classIndex` in the [n, K] outputs, and their purity. */
export function rankByClassProbability(outputs: Tensor, labels: readonly number[], classIndex: number, topK: number): RankedImages {
  const [n, k] = outputs.shape;
  const p = k === 1 ? outputs.data : softmaxRows(outputs).data;
  const column = k === 1 ? (i: number) => p[i] : (i: number) => p[i * k + classIndex];
  const top = Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => column(b) - column(a) || a - b)
    .slice(0, Math.min(topK, n));
  return { topImages: top, purity: top.filter((i) => labels[i] === classIndex).length / Math.max(1, top.length), topProbabilities: top.map(column) };
}

/**
 * Reconstruction of every image's activation from the concepts, NCHW [n, c, h, w]: scores `s`
 * [n·h·w, k] (row = image·position) times directions `h` [k, c].
 */
export function reconstructFromConcepts(s: Float64Array, directions: Float64Array, n: number, c: number, plane: number, k: number): Float32Array {
  const out = new Float32Array(n * c * plane);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < plane; p++) {
      const row = (i * plane + p) * k;
      for (let j = 0; j < k; j++) {
        const sj = s[row + j];
        if (sj === 0) continue;
        for (let ch = 0; ch < c; ch++) out[(i * c + ch) * plane + p] += sj * directions[j * c + ch];
      }
    }
  }
  return out;
}

/**
 * Concept-model purity and the network's own purity of one class. `tail` runs the network from the
 * layer (model-tail.ts); `activation` is the layer's NCHW value for all images, `s` their concept
 * scores on the class's `directions`.
 */
export async function conceptModelPurity(
  tail: OnnxModel,
  activation: Tensor,
  s: Float64Array,
  directions: Float64Array,
  k: number,
  labels: readonly number[],
  classIndex: number,
  topK: number,
): Promise<{ conceptModel: RankedImages; network: RankedImages }> {
  const [n, c, h, w] = activation.shape;
  const shape = [n, ...tail.inputShape];
  const recon = reconstructFromConcepts(s, directions, n, c, h * w, k);
  const [fromConcepts, fromLayer] = [await tail.forward(tensor(shape, recon)), await tail.forward(tensor(shape, activation.data))];
  return { conceptModel: rankByClassProbability(fromConcepts, labels, classIndex, topK), network: rankByClassProbability(fromLayer, labels, classIndex, topK) };
}
