/**
 * The scoring of perturbed copies that occlusion, RISE, KernelSHAP and LIME share (and that the
 * perturbation metrics can share): the method says how many copies there are, which input each
 * perturbs and how to write it; copies are built in order, in batches bounded by MAX_BATCH_VALUES,
 * handed whole to model.forward (which splits them by its own batch size and memory budget), and
 * scored by the explained output of their input.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { sizeOf, tensor } from '../../tensor/tensor.js';
import type { Model } from '../../models/model.js';
import { rowsPerBatch } from './batching.js';
import { weightedOutput } from './target.js';

/** Scores rows of a model output; row r is a copy of input inputOf(r). */
export interface CopyScorer {
  score(output: Tensor, inputOf: (row: number) => number): Float64Array;
}

/** The explained output Σ_k output·cotangent of each copy's input, the scorer every method uses. */
export function cotangentScorer(cotangent: Tensor): CopyScorer {
  return { score: (output, inputOf) => weightedOutput(output, cotangent, inputOf) };
}

export interface PerturbedCopies {
  /** Number of copies. */
  readonly count: number;
  /** Input that copy c perturbs. */
  inputOf(copy: number): number;
  /**
   * Writes copy c (one example's values) into `into`, which is zeroed. Called for c = 0, 1, … in
   * order, so a seeded stream drawn inside gives the same numbers however the copies are batched.
   */
  fill(copy: number, into: Float32Array): void;
}

/**
 * Scores every copy; returns the score of copy c at c. `afterBatch(first, scores, output)` sees each
 * batch as it is scored (copies first … first + scores.length − 1), for methods that accumulate as
 * they go instead of keeping what they built (RISE's masks).
 */
export async function scorePerturbedCopies(
  model: Model,
  inputs: Tensor,
  scorer: CopyScorer | Tensor,
  copies: PerturbedCopies,
  afterBatch?: (first: number, scores: Float64Array, output: Tensor) => void,
): Promise<Float64Array> {
  const tail = inputs.shape.slice(1);
  const d = sizeOf(tail);
  const score = 'score' in scorer ? scorer : cotangentScorer(scorer);
  const scores = new Float64Array(copies.count);
  const size = rowsPerBatch(d);
  for (let first = 0; first < copies.count; first += size) {
    const rows = Math.min(size, copies.count - first);
    const batch = new Float32Array(rows * d);
    for (let r = 0; r < rows; r++) copies.fill(first + r, batch.subarray(r * d, (r + 1) * d));
    const output = await model.forward(tensor([rows, ...tail], batch));
    const part = score.score(output, (r) => copies.inputOf(first + r));
    scores.set(part, first);
    afterBatch?.(first, part, output);
  }
  return scores;
}
