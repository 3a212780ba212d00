/**
 * `explore --epochs DIR|FILE`: the instance-flow record explore shows, from
 *  - a predictions-per-epoch file (JSON or CSV, training/predictions-file.ts; what `trustscope
 *    train` writes), or
 *  - a folder of per-epoch ONNX checkpoints (`epoch-1.onnx`, `model_epoch_02.onnx`, …: the last
 *    number in the name is the epoch), each run on explore's images;
 * and explore.json's `flow` field built from it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import { loadModel } from '../models/import/load-model.js';
import type { OnnxModel } from '../models/model.js';
import { predictionsOfCheckpoints, type PredictionsPerEpoch } from '../training/instance-flow.js';
import { parsePredictionsFile } from '../training/predictions-file.js';
import { flowOfSet, flowTotalsByPair, largestFlows, recordedSets, type SetFlow } from '../training/flow-table.js';
import { flowSection, flowSentences } from '../report/flow-section.js';
import { UsageError } from './errors.js';
import type { StageProgress } from './progress.js';

/** Where the record came from, as the page says it. */
export interface FlowRecord {
  readonly record: PredictionsPerEpoch;
  readonly source: string;
}

/** The epoch a checkpoint file holds: the last number in its name. */
export function checkpointEpoch(file: string): number | undefined {
  const numbers = basename(file).replace(/\.onnx$/i, '').match(/\d+/g);
  return numbers ? Number(numbers.at(-1)) : undefined;
}

async function checkpointRecord(dir: string, x: Tensor, labels: readonly number[], names: readonly string[], inputShape: readonly number[], bar: StageProgress): Promise<PredictionsPerEpoch> {
  const files = (await readdir(dir)).filter((f) => f.toLowerCase().endsWith('.onnx')).sort();
  if (files.length === 0) throw new UsageError(`--epochs ${dir} holds no .onnx checkpoints; give a folder of per-epoch models (epoch-1.onnx, epoch-2.onnx, …) or a predictions-per-epoch file`);
  const epochs = new Map<number, string>();
  for (const f of files) {
    const epoch = checkpointEpoch(f);
    if (epoch === undefined) throw new UsageError(`--epochs ${dir}: '${f}' has no epoch number in its name; name checkpoints like epoch-3.onnx`);
    if (epochs.has(epoch)) throw new UsageError(`--epochs ${dir}: '${epochs.get(epoch)}' and '${f}' both claim epoch ${epoch}`);
    epochs.set(epoch, f);
  }
  const checkpoints: { epoch: number; model: OnnxModel }[] = [];
  try {
    for (const [epoch, f] of [...epochs].sort((a, b) => a[0] - b[0])) {
      const model = await loadModel(join(dir, f), { internalBatchSize: 256 });
      checkpoints.push({ epoch, model });
      if (model.inputShape.join() !== inputShape.join()) throw new UsageError(`--epochs ${join(dir, f)} takes [N, ${model.inputShape.join(', ')}] but the images are [N, ${inputShape.join(', ')}]; checkpoints must share the model's input`);
    }
    return await predictionsOfCheckpoints(checkpoints, [{ name: 'input', images: x, labels }], names, (done) => bar.update(`instance flow: checkpoint ${done}/${checkpoints.length}`, done / checkpoints.length));
  } finally {
    for (const c of checkpoints) await c.model.dispose();
  }
}

/** Reads --epochs (a file or a checkpoint folder) into a record over explore's images and class names. */
export async function readFlowRecord(path: string, data: { x: Tensor; labels: readonly number[]; names: readonly string[]; inputShape: readonly number[] }, bar: StageProgress): Promise<FlowRecord> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    throw new UsageError(`--epochs ${path} does not exist; give a predictions-per-epoch file (.json or .csv) or a folder of per-epoch .onnx checkpoints`);
  }
  if (isDirectory) return { record: await checkpointRecord(path, data.x, data.labels, data.names, data.inputShape, bar), source: `checkpoints in ${basename(path)}/ run on the explored images` };
  let record: PredictionsPerEpoch;
  try {
    record = parsePredictionsFile(await readFile(path, 'utf8'), path, { classNames: data.names, labels: data.labels });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return { record, source: `read from ${basename(path)}` };
}

/** Every set's flow, in the record's order. */
export function setFlows(record: PredictionsPerEpoch): SetFlow[] {
  return recordedSets(record).map((s) => flowOfSet(record, s));
}

/** explore.json's `flow`: per set, per class and epoch the counts of predicted classes (each row sums to the class size), and the largest flows. */
export function flowJson({ record, source }: FlowRecord) {
  const sets = setFlows(record);
  return {
    source,
    epochs: record.epochs,
    classNames: record.classNames,
    sets: Object.fromEntries(
      sets.map((f) => {
        const sentences = flowSentences(f);
        const content = {
          classes: Object.fromEntries(f.classes.map((c) => [c.className, { size: c.size, counts: c.counts }])),
          largestFlows: largestFlows(f).map((l, i) => ({ class: l.className, afterEpoch: l.afterEpoch, to: l.toName, count: l.count, share: l.share, sentence: sentences[i] })),
          pairTotals: flowTotalsByPair(f).map(([a, b, n]) => ({ class: record.classNames[a], to: record.classNames[b], moves: n })),
        };
        return [f.set, content];
      }),
    ),
  };
}

/** The page's section for the record. */
export function flowHtml({ record, source }: FlowRecord): Promise<string> {
  return flowSection(setFlows(record), source);
}
