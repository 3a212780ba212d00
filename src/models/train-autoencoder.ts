/**
 * Minibatch training of a reconstruction model (the zoo's autoencoder, or any graph whose
 * flattened output should reproduce its input) with the mean squared error.
 *
 * As in train.ts the weights become graph inputs (one ORT session for the run) and Adam runs in
 * TS. The loss's cotangent depends on the output, so instead of computing it in TS the graph gets
 * the target as an extra input and the squared error d⊙d, d = output − target, as the value to
 * differentiate: its cotangent is the constant 1/(B·P), and one ORT call returns the squared errors
 * and every weight gradient of mean((output − target)²).
 */
import type { Tensor } from '../tensor/tensor.js';
import { firstNonFinite, reshape, shapeToString, sizeOf, takeRows, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { OnnxModel } from './model.js';
import { Adam, learningRateScale, type TrainOptions, type TrainResult } from './train.js';
import { squaredErrorTraining } from './squared-error-training.js';

export interface ReconstructionEpoch {
  epoch: number;
  /** Mean squared error per pixel over the epoch's minibatches. */
  loss: number;
}

export interface ReconstructionTrainResult extends Omit<TrainResult, 'history'> {
  history: ReconstructionEpoch[];
}

/** Trains `graph` to map each image to itself (flattened); returns the graph with trained weights. */
export async function trainReconstruction(graph: TrainResult['graph'], images: Tensor, options: TrainOptions): Promise<ReconstructionTrainResult> {
  const { epochs, batchSize = 64, learningRate = 1e-3, weightDecay = 0, schedule = 'constant', seed, onProgress } = options;
  const model = new OnnxModel(graph);
  const pixels = sizeOf(model.inputShape);
  if (images.shape.slice(1).join() !== model.inputShape.join()) {
    throw new Error(`training: images have shape ${shapeToString(images.shape)} but the model takes [N, ${model.inputShape.join(', ')}]`);
  }
  if (model.outputSize !== pixels) {
    throw new Error(`training: the model outputs ${model.outputSize} values per row but its input has ${pixels}; a reconstruction model must output the flattened input`);
  }
  if (images.shape[0] < 1) throw new Error('training: no images; give at least one');
  const nonFinite = firstNonFinite(images.data);
  if (nonFinite >= 0) throw new Error(`training: images hold a non-finite value (${images.data[nonFinite]}) at flat index ${nonFinite}; clean the data first`);

  const { weights, target, squared, grads, session } = await squaredErrorTraining(graph, model.outputName, pixels);
  const { values } = weights;

  const rng = new Random(seed);
  const adam = new Adam(values, learningRate, weightDecay);
  const n = images.shape[0];
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const history: ReconstructionEpoch[] = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = rng.permutation(n);
      let lossSum = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        const idx = order.slice(step * batchSize, (step + 1) * batchSize);
        const b = idx.length;
        const batch = takeRows(images, idx);
        const feeds: Record<string, Tensor> = {
          [model.inputName]: batch,
          [target]: reshape(batch, [b, pixels]),
          [grads.cotangents[0]]: tensor([b, pixels], new Float32Array(b * pixels).fill(1 / (b * pixels))),
          ...weights.feeds(),
        };
        const out = await session.run(feeds);
        let batchLoss = 0;
        for (const v of out[squared].data) batchLoss += v;
        batchLoss /= b * pixels;
        lossSum += batchLoss * b;
        const done = (epoch * stepsPerEpoch + step) / (epochs * stepsPerEpoch);
        adam.step(
          grads.gradients.map((g) => out[g].data),
          learningRateScale(schedule, done),
        );
        onProgress?.({ epoch, step, fraction: (epoch * stepsPerEpoch + step + 1) / (epochs * stepsPerEpoch), loss: batchLoss });
      }
      history.push({ epoch, loss: lossSum / n });
    }
  } finally {
    await session.release();
  }

  return { graph: weights.trainedGraph(), history };
}
