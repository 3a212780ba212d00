/**
 * Minibatch training of a classifier graph. The weights become graph inputs so that one ORT
 * session serves the whole run; a LogSoftmax is appended, and because the cross-entropy's
 * cotangent w.r.t. log-probabilities is simply −onehot/B, it is computed in TS before the run and a
 * single ORT call returns logits, log-probabilities and every weight gradient. Adam runs in TS.
 */
import type { Tensor } from '../tensor/tensor.js';
import { firstNonFinite, shapeToString, takeRows, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Graph, TensorValue } from '../onnx/graph.js';
import { DataType, attr, floatTensorValue } from '../onnx/graph.js';
import { GraphEditor } from '../onnx/editor.js';
import { buildGradientGraph } from '../onnx/autodiff/gradient.js';
import { createSession } from '../onnx/runtime.js';
import { OnnxModel } from './model.js';
import { modelParameters } from './model-parameters.js';
import { inputGradientPenaltyGraph } from './input-gradient-penalty.js';

export interface TrainOptions {
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  /** L2 penalty added to the gradient (Adam's classic weight decay). */
  weightDecay?: number;
  /** Learning-rate schedule over the run: constant, or cosine annealing to zero. */
  schedule?: 'constant' | 'cosine';
  seed: number;
  /**
   * Changes each minibatch before the step (counterfactual augmentation, training/): gets the
   * batch's images and labels and a seeded stream of its own, returns images of the same shape.
   */
  augment?: (images: Tensor, labels: readonly number[], random: Random) => Tensor;
  /**
   * Right for the right reasons (Ross et al. 2017): adds λ/B · Σ (mask ⊙ ∂ Σ_k log p_k/∂x)² to the loss
   * (and to the reported loss), differentiated w.r.t. the weights by second-order reverse mode
   * (input-gradient-penalty.ts).
   * `mask` is [H, W] (every channel) or [C, H, W]; 1 where the input gradient should vanish.
   * `explained`: whose log-probability's gradient is penalised — the sum over all classes (Ross et
   * al.'s choice, the default) or the label's alone. The label's alone fades as the model grows
   * confident (∂ log p_y/∂x = (1 − p_y)·… for two classes), so it stops constraining a model that
   * already fits its shortcut.
   */
  inputGradientPenalty?: { mask: Float32Array; lambda: number; explained?: 'all-classes' | 'label' };
  /** Called after every step; `fraction` runs from 0 to 1 over the whole run. */
  onProgress?: (p: { epoch: number; step: number; fraction: number; loss: number }) => void;
  /**
   * Called after every epoch with that epoch's weights (`trained()` builds the graph only when asked):
   * the hook for recording per-epoch predictions (training/instance-flow.ts) or checkpoints. Awaited
   * before the next epoch starts, so it sees exactly the weights of epoch `epoch` (0-based).
   */
  onEpochEnd?: (epoch: number, trained: () => Graph) => Promise<void> | void;
}

export interface EpochStats {
  epoch: number;
  loss: number;
  accuracy: number;
}

export interface TrainResult {
  graph: Graph;
  history: EpochStats[];
}

/** Adam with L2 weight decay added to the gradient; updates the parameter arrays in place. */
export class Adam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;

  constructor(
    private readonly params: Float32Array[],
    private readonly lr: number,
    private readonly weightDecay: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = params.map((p) => new Float32Array(p.length));
    this.v = params.map((p) => new Float32Array(p.length));
  }

  step(grads: Float32Array[], lrScale = 1): void {
    this.t++;
    const lr = this.lr * lrScale;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    this.params.forEach((p, k) => {
      const g = grads[k];
      const m = this.m[k];
      const v = this.v[k];
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] + this.weightDecay * p[i];
        m[i] = this.beta1 * m[i] + (1 - this.beta1) * gi;
        v[i] = this.beta2 * v[i] + (1 - this.beta2) * gi * gi;
        p[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + this.eps);
      }
    });
  }
}

/**
 * Trainable parameters: weights, biases, norm scale/shift and learned embeddings (running statistics
 * stay). Read from the graph itself, so training graphs with several inputs (a VAE's ε) qualify too.
 */
export function trainableParameters(graph: Graph): string[] {
  return modelParameters(graph).filter((p) => p.role === 'weight' || p.role === 'bias' || p.role === 'scale' || p.role === 'embedding').map((p) => p.name);
}

/**
 * The training form of `graph`: its trainable parameters become graph inputs, so one ORT session
 * serves every step while Adam updates `values` (copies; `graph` is not touched) in place.
 * `names` picks which parameters train (default: all); the others stay constant initializers (a
 * frozen critic inside a composed training graph).
 */
export interface WeightsAsInputs {
  readonly names: readonly string[];
  readonly values: Float32Array[];
  readonly shapes: (readonly number[])[];
  /** An editor over `graph` with those initializers turned into inputs; append the loss here. */
  readonly editor: GraphEditor;
  /** The current weights as feeds for the training session. */
  feeds(): Record<string, Tensor>;
  /** `graph` with the current weights as its initializers. */
  trainedGraph(): Graph;
}

export function weightsAsInputs(graph: Graph, names: readonly string[] = trainableParameters(graph)): WeightsAsInputs {
  const values = names.map((n) => Float32Array.from(graph.initializers.get(n)!.data as Float32Array));
  const shapes = names.map((n) => graph.initializers.get(n)!.dims);
  const editor = GraphEditor.from(graph);
  for (const n of names) editor.initializers.delete(n);
  names.forEach((n, k) => editor.inputs.push({ name: n, dataType: DataType.FLOAT, shape: [...shapes[k]] }));
  return {
    names,
    values,
    shapes,
    editor,
    feeds: () => Object.fromEntries(names.map((name, k) => [name, tensor(shapes[k], values[k])])),
    trainedGraph: () => {
      const initializers = new Map<string, TensorValue>(graph.initializers);
      names.forEach((name, k) => initializers.set(name, floatTensorValue(shapes[k], values[k])));
      return { ...graph, initializers };
    },
  };
}

/** `graph` with its own copy of every float initializer (a snapshot of weights that keep training). */
function withCopiedInitializers(graph: Graph): Graph {
  const initializers = new Map<string, TensorValue>();
  for (const [name, t] of graph.initializers) initializers.set(name, t.data instanceof Float32Array ? floatTensorValue(t.dims, Float32Array.from(t.data)) : t);
  return { ...graph, initializers };
}

/** The learning-rate multiplier after `done` (0..1) of the run; cosine annealing as in PyTorch: full rate on the first step, decaying towards zero. */
export function learningRateScale(schedule: NonNullable<TrainOptions['schedule']>, done: number): number {
  return schedule === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * done)) : 1;
}

export async function trainClassifier(graph: Graph, images: Tensor, labels: readonly number[], options: TrainOptions): Promise<TrainResult> {
  const { epochs, batchSize = 64, learningRate = 1e-3, weightDecay = 0, schedule = 'constant', seed, onProgress } = options;
  const model = new OnnxModel(graph);
  if (images.shape[0] !== labels.length) throw new Error(`training: ${images.shape[0]} images but ${labels.length} labels`);
  if (images.shape.slice(1).join() !== model.inputShape.join()) {
    throw new Error(`training: images have shape ${shapeToString(images.shape)} but the model takes [N, ${model.inputShape.join(', ')}]`);
  }
  const nonFinite = firstNonFinite(images.data);
  if (nonFinite >= 0) throw new Error(`training: images hold a non-finite value (${images.data[nonFinite]}) at flat index ${nonFinite}; clean the data first`);
  const classes = model.outputSize;
  const bad = labels.findIndex((l) => !Number.isInteger(l) || l < 0 || l >= classes);
  if (bad >= 0) throw new Error(`training: label ${labels[bad]} at index ${bad} is not a class index in [0, ${classes})`);

  const lambda = options.inputGradientPenalty?.lambda;
  if (lambda !== undefined && !(lambda >= 0 && Number.isFinite(lambda))) throw new Error(`training: the input-gradient penalty's λ must be a finite number ≥ 0 (got ${lambda})`);

  // The training graph: weights as inputs, plus log-probabilities to differentiate.
  const weights = weightsAsInputs(graph);
  const { names, values, editor } = weights;
  const logits = model.outputName;
  const logProbs = editor.op('LogSoftmax', [logits], { axis: attr.int(1) }, 'train_log_softmax');
  const penalty = options.inputGradientPenalty ? inputGradientPenaltyGraph(editor.build(), model.inputName, logProbs, options.inputGradientPenalty.mask, names) : undefined;
  const grads = penalty?.gradients ?? buildGradientGraph(editor.build(), { outputs: [logProbs], wrt: names, keep: [logits, logProbs] });
  const session = await createSession(grads.graph);

  const rng = new Random(seed);
  // Their own streams, so that a run without them draws exactly the batches it always drew.
  const augmentRng = Random.forKey(seed, 'augment');
  const adam = new Adam(values, learningRate, weightDecay);
  const n = labels.length;
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const history: EpochStats[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.permutation(n);
    let lossSum = 0;
    let correct = 0;
    for (let step = 0; step < stepsPerEpoch; step++) {
      const idx = order.slice(step * batchSize, (step + 1) * batchSize);
      const b = idx.length;
      const cot = new Float32Array(b * classes);
      idx.forEach((i, r) => (cot[r * classes + labels[i]] = -1 / b));
      const batchImages = takeRows(images, idx);
      const feeds: Record<string, Tensor> = {
        [model.inputName]: options.augment ? options.augment(batchImages, idx.map((i) => labels[i]), augmentRng) : batchImages,
        [grads.cotangents[0]]: tensor([b, classes], cot),
        ...weights.feeds(),
      };
      if (penalty) {
        // ∂ log p_y/∂x is the input gradient for a one-hot cotangent (∂ Σ_k log p_k/∂x for all ones); the penalty's own cotangent is λ/B.
        const allClasses = (options.inputGradientPenalty!.explained ?? 'all-classes') === 'all-classes';
        feeds[penalty.selector] = tensor([b, classes], cot.map((v) => (allClasses || v !== 0 ? 1 : 0)));
        feeds[grads.cotangents[1]] = tensor([], [options.inputGradientPenalty!.lambda / b]);
      }
      const out = await session.run(feeds);
      const lp = out[logProbs].data;
      let batchLoss = penalty ? (options.inputGradientPenalty!.lambda * out[penalty.value].data[0]) : 0;
      idx.forEach((i, r) => {
        batchLoss -= lp[r * classes + labels[i]];
        let best = 0;
        for (let c = 1; c < classes; c++) if (lp[r * classes + c] > lp[r * classes + best]) best = c;
        if (best === labels[i]) correct++;
      });
      lossSum += batchLoss;
      const done = (epoch * stepsPerEpoch + step) / (epochs * stepsPerEpoch);
      const fraction = (epoch * stepsPerEpoch + step + 1) / (epochs * stepsPerEpoch);
      adam.step(
        grads.gradients.map((g) => out[g].data),
        learningRateScale(schedule, done),
      );
      onProgress?.({ epoch, step, fraction, loss: batchLoss / b });
    }
    history.push({ epoch, loss: lossSum / n, accuracy: correct / n });
    // A copy: the trained graph shares the weight arrays Adam keeps updating after the hook returns.
    await options.onEpochEnd?.(epoch, () => withCopiedInitializers(weights.trainedGraph()));
  }

  await session.release();
  return { graph: weights.trainedGraph(), history };
}

/** Fraction of rows whose argmax matches the label. */
export function accuracy(logits: Tensor, labels: readonly number[]): number {
  const [n, k] = logits.shape;
  if (n === 0) return NaN;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (logits.data[i * k + c] > logits.data[i * k + best]) best = c;
    if (best === labels[i]) correct++;
  }
  return correct / n;
}

