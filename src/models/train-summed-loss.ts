/**
 * Minibatch training of any graph whose loss is one scalar output holding the SUM over the batch of
 * a per-example loss (a VAE: reconstructions + KL; a dual VAE with several inputs and noise inputs).
 * The same construction as the other trainers: weights become graph inputs (one ORT session for the
 * run), the loss's gradient w.r.t. every weight comes from the ONNX autodiff with the cotangent 1/B
 * (so the step follows the batch mean), and Adam runs in TS. The caller supplies each batch's feeds;
 * `random` is a stream of the run's own (ε of a reparameterisation), so the same seed gives the
 * same batches, the same noise and the same weights.
 */
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Graph } from '../onnx/graph.js';
import { buildGradientGraph } from '../onnx/autodiff/gradient.js';
import { createSession } from '../onnx/runtime.js';
import { Adam, learningRateScale, weightsAsInputs, type TrainOptions } from './train.js';

export interface SummedLoss {
  /** The scalar output: the loss summed over the batch. */
  loss: string;
  /** Other scalar outputs (loss terms, also summed over the batch) whose epoch means are reported. */
  terms?: readonly string[];
  /** Number of training examples. */
  count: number;
  /** Feeds of every run-time input for the examples `rows`. */
  feeds(rows: readonly number[], random: Random): Record<string, Tensor>;
}

export interface SummedLossEpoch {
  epoch: number;
  /** Mean loss per example over the epoch. */
  loss: number;
  /** Mean of each term per example. */
  terms: Record<string, number>;
}

export interface SummedLossResult {
  graph: Graph;
  history: SummedLossEpoch[];
}

export async function trainSummedLoss(graph: Graph, spec: SummedLoss, options: Omit<TrainOptions, 'augment' | 'inputGradientPenalty'>): Promise<SummedLossResult> {
  const { epochs, batchSize = 64, learningRate = 1e-3, weightDecay = 0, schedule = 'constant', seed, onProgress } = options;
  if (!Number.isInteger(spec.count) || spec.count < 1) throw new Error('training: no examples; give at least one');
  if (!graph.outputs.some((o) => o.name === spec.loss)) throw new Error(`training: '${spec.loss}' is not an output of graph '${graph.name}'`);
  const terms = spec.terms ?? [];
  const weights = weightsAsInputs(graph);
  const grads = buildGradientGraph(weights.editor.build(), { outputs: [spec.loss], wrt: weights.names, keep: [spec.loss, ...terms] });
  const session = await createSession(grads.graph);
  const order = new Random(seed);
  const noise = Random.forKey(seed, 'noise');
  const adam = new Adam(weights.values, learningRate, weightDecay);
  const n = spec.count;
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const history: SummedLossEpoch[] = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const permutation = order.permutation(n);
      let lossSum = 0;
      const termSums = Object.fromEntries(terms.map((t) => [t, 0]));
      for (let step = 0; step < stepsPerEpoch; step++) {
        const rows = permutation.slice(step * batchSize, (step + 1) * batchSize);
        const out = await session.run({ ...spec.feeds(rows, noise), [grads.cotangents[0]]: tensor([], [1 / rows.length]), ...weights.feeds() });
        const batchLoss = out[spec.loss].data[0];
        if (!Number.isFinite(batchLoss)) throw new Error(`training: the loss became ${batchLoss} at epoch ${epoch + 1}, step ${step + 1}; lower the learning rate`);
        lossSum += batchLoss;
        for (const t of terms) termSums[t] += out[t].data[0];
        adam.step(
          grads.gradients.map((g) => out[g].data),
          learningRateScale(schedule, (epoch * stepsPerEpoch + step) / (epochs * stepsPerEpoch)),
        );
        onProgress?.({ epoch, step, fraction: (epoch * stepsPerEpoch + step + 1) / (epochs * stepsPerEpoch), loss: batchLoss / rows.length });
      }
      history.push({ epoch, loss: lossSum / n, terms: Object.fromEntries(terms.map((t) => [t, termSums[t] / n])) });
    }
  } finally {
    await session.release();
  }
  return { graph: weights.trainedGraph(), history };
}
