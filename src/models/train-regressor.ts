/**
 * Minibatch training of a regressor with the mean squared error over its K outputs: the same
 * construction as the reconstruction trainer (train-autoencoder.ts) with the targets given instead
 * of the input — the target becomes a graph input, the squared error d⊙d (d = output − target) the
 * value differentiated with the constant cotangent 1/(B·K), so one ORT call returns the errors and
 * every weight gradient of mean((output − target)²). Weights are graph inputs (one session), Adam in TS.
 */
import type { Tensor } from '../tensor/tensor.js';
import { firstNonFinite, shapeToString, takeRows, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { OnnxModel } from './model.js';
import { Adam, learningRateScale, type TrainOptions, type TrainResult } from './train.js';
import { squaredErrorTraining } from './squared-error-training.js';

export interface RegressionEpoch {
  epoch: number;
  /** Mean squared error per output over the epoch's minibatches. */
  loss: number;
}

export interface RegressionTrainResult extends Omit<TrainResult, 'history'> {
  history: RegressionEpoch[];
}

/** Trains `graph` ([N, K] outputs) towards `targets` [N, K]; returns the graph with trained weights. */
export async function trainRegressor(graph: TrainResult['graph'], images: Tensor, targets: Tensor, options: TrainOptions): Promise<RegressionTrainResult> {
  const { epochs, batchSize = 64, learningRate = 1e-3, weightDecay = 0, schedule = 'constant', seed, onProgress } = options;
  const model = new OnnxModel(graph);
  const k = model.outputSize;
  const n = images.shape[0];
  if (images.shape.slice(1).join() !== model.inputShape.join()) throw new Error(`training: images have shape ${shapeToString(images.shape)} but the model takes [N, ${model.inputShape.join(', ')}]`);
  if (targets.shape.length !== 2 || targets.shape[0] !== n || targets.shape[1] !== k) throw new Error(`training: targets have shape ${shapeToString(targets.shape)}; give [${n}, ${k}]: one real value per image and output`);
  if (n < 1) throw new Error('training: no images; give at least one');
  for (const [what, t] of [['images', images], ['targets', targets]] as const) {
    const bad = firstNonFinite(t.data);
    if (bad >= 0) throw new Error(`training: ${what} hold a non-finite value (${t.data[bad]}) at flat index ${bad}; clean the data first`);
  }

  const { weights, target, squared, grads, session } = await squaredErrorTraining(graph, model.outputName, k);
  const { values } = weights;

  const rng = new Random(seed);
  // Its own stream, so that a run without augmentation draws exactly the batches it always drew.
  const augmentRng = Random.forKey(seed, 'augment');
  const adam = new Adam(values, learningRate, weightDecay);
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const history: RegressionEpoch[] = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = rng.permutation(n);
      let lossSum = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        const idx = order.slice(step * batchSize, (step + 1) * batchSize);
        const b = idx.length;
        const batchImages = takeRows(images, idx);
        const out = await session.run({
          // `augment` gets each row's first target as its label.
          [model.inputName]: options.augment ? options.augment(batchImages, idx.map((i) => targets.data[i * k]), augmentRng) : batchImages,
          [target]: takeRows(targets, idx),
          [grads.cotangents[0]]: tensor([b, k], new Float32Array(b * k).fill(1 / (b * k))),
          ...weights.feeds(),
        });
        let batchLoss = 0;
        for (const v of out[squared].data) batchLoss += v;
        batchLoss /= b * k;
        lossSum += batchLoss * b;
        adam.step(
          grads.gradients.map((g) => out[g].data),
          learningRateScale(schedule, (epoch * stepsPerEpoch + step) / (epochs * stepsPerEpoch)),
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
