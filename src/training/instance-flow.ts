/**
 * Instance flow, recorded: every training and test instance's predicted class after every epoch
 * (issue 14; the CIFAR assignment's "cats drift to dogs after epoch 4"). Three sources give the
 * same record, `PredictionsPerEpoch`:
 *  - training itself, through trainClassifier's `onEpochEnd` hook (`instanceFlowRecorder`), as
 *    `trustscope train` and `explore --demo` do;
 *  - a folder of per-epoch checkpoints, each run on the same images (`predictionsOfCheckpoints`);
 *  - a user's file (predictions-file.ts reads and writes it).
 * Predictions are taken at the end of each epoch with that epoch's weights (not the running
 * per-batch argmax during the epoch, which mixes weights from every step of it).
 */
import type { Graph } from '../onnx/graph.js';
import type { Tensor } from '../tensor/tensor.js';
import { argmaxRows } from '../tensor/tensor.js';
import { OnnxModel } from '../models/model.js';

/** Images whose predictions are recorded, with their true classes; `name` tells sets apart ('train', 'test'). */
export interface InstanceSet {
  readonly name: string;
  readonly images: Tensor;
  readonly labels: readonly number[];
  /** Instance ids (default `<name>-<row>`). */
  readonly ids?: readonly string[];
}

export interface RecordedInstance {
  readonly id: string;
  readonly set: string;
  /** True class index. */
  readonly label: number;
  /** Predicted class index per recorded epoch, in the order of `epochs`. */
  readonly predicted: readonly number[];
}

export interface PredictionsPerEpoch {
  readonly classNames: readonly string[];
  /** The epochs recorded, 1-based (epoch 1 = after the first pass over the training data). */
  readonly epochs: readonly number[];
  readonly instances: readonly RecordedInstance[];
}

/** Rows a forward pass takes at once while recording (a memory bound, not a nicety). */
const RECORD_BATCH = 256;

function checkSet(set: InstanceSet, classes: number): void {
  if (set.images.shape[0] !== set.labels.length) throw new Error(`instance flow: set '${set.name}' has ${set.images.shape[0]} images but ${set.labels.length} labels`);
  if (set.ids && set.ids.length !== set.labels.length) throw new Error(`instance flow: set '${set.name}' has ${set.ids.length} ids for ${set.labels.length} images`);
  const bad = set.labels.findIndex((l) => !Number.isInteger(l) || l < 0 || l >= classes);
  if (bad >= 0) throw new Error(`instance flow: set '${set.name}' label ${set.labels[bad]} at row ${bad} is not a class index in [0, ${classes})`);
}

/** Predicted class of every image of every set under one model. */
async function predictSets(model: OnnxModel, sets: readonly InstanceSet[]): Promise<number[][]> {
  const out: number[][] = [];
  for (const set of sets) out.push(set.labels.length === 0 ? [] : argmaxRows(await model.forward(set.images)));
  return out;
}

function assemble(sets: readonly InstanceSet[], classNames: readonly string[], epochs: number[], perEpoch: number[][][]): PredictionsPerEpoch {
  const instances: RecordedInstance[] = [];
  sets.forEach((set, s) => {
    set.labels.forEach((label, i) => {
      instances.push({ id: set.ids?.[i] ?? `${set.name}-${i}`, set: set.name, label, predicted: perEpoch.map((e) => e[s][i]) });
    });
  });
  return { classNames: [...classNames], epochs, instances };
}

export interface InstanceFlowRecorder {
  /** Pass as trainClassifier's `onEpochEnd`. */
  readonly onEpochEnd: (epoch: number, trained: () => Graph) => Promise<void>;
  /** What was recorded so far. */
  result(): PredictionsPerEpoch;
}

/**
 * Records the predicted class of every instance of `sets` after each epoch of a trainClassifier
 * run. `afterEpoch` (optional) also gets each epoch's graph, e.g. to save a checkpoint.
 */
export function instanceFlowRecorder(sets: readonly InstanceSet[], classNames: readonly string[], afterEpoch?: (epoch: number, graph: Graph) => Promise<void>): InstanceFlowRecorder {
  for (const set of sets) checkSet(set, classNames.length);
  const epochs: number[] = [];
  const perEpoch: number[][][] = [];
  return {
    async onEpochEnd(epoch, trained) {
      const graph = trained();
      const model = new OnnxModel(graph, { internalBatchSize: RECORD_BATCH });
      try {
        if (model.outputSize !== classNames.length) throw new Error(`instance flow: the model has ${model.outputSize} outputs but ${classNames.length} class names`);
        perEpoch.push(await predictSets(model, sets));
      } finally {
        await model.dispose();
      }
      epochs.push(epoch + 1);
      await afterEpoch?.(epoch, graph);
    },
    result: () => assemble(sets, classNames, [...epochs], perEpoch),
  };
}

/** The same record from saved checkpoints: each (epoch, model) run on the sets, in epoch order. */
export async function predictionsOfCheckpoints(checkpoints: readonly { epoch: number; model: OnnxModel }[], sets: readonly InstanceSet[], classNames: readonly string[], onCheckpoint?: (done: number) => void): Promise<PredictionsPerEpoch> {
  for (const set of sets) checkSet(set, classNames.length);
  const ordered = [...checkpoints].sort((a, b) => a.epoch - b.epoch);
  const perEpoch: number[][][] = [];
  for (const [k, { epoch, model }] of ordered.entries()) {
    if (model.outputSize !== classNames.length) throw new Error(`instance flow: the checkpoint of epoch ${epoch} has ${model.outputSize} outputs but ${classNames.length} classes are named`);
    perEpoch.push(await predictSets(model, sets));
    onCheckpoint?.(k + 1);
  }
  return assemble(sets, classNames, ordered.map((c) => c.epoch), perEpoch);
}
