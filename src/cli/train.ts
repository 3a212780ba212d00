/**
 * `trustscope train`: trains a zoo classifier (the CIFAR-style CNN or the tiny CNN) on the user's
 * images and records instance flow — every training (and, with --test-input, test) instance's
 * predicted class after each epoch — for `explore --epochs`. Writes into --out: model.onnx (the
 * final weights), checkpoints/epoch-<n>.onnx (each epoch's, unless --no-checkpoints),
 * predictions-per-epoch.json and train.json (loss and accuracy per epoch, per-class accuracy at the
 * end). Plain Adam with a cosine schedule, as the demos train; nothing is tuned behind the user's back.
 */
import type { Command } from 'commander';
import { encodeModel } from '../onnx/proto.js';
import type { Graph } from '../onnx/graph.js';
import { cifarCnn } from '../models/zoo/cifar-cnn.js';
import { tinyCnn } from '../models/zoo/tiny-cnn.js';
import { trainClassifier } from '../models/train.js';
import type { Normalisation } from '../data/normalise.js';
import { instanceFlowRecorder, type InstanceSet } from '../training/instance-flow.js';
import { predictionsJson } from '../training/predictions-file.js';
import { flowOfSet } from '../training/flow-table.js';
import { UsageError, parseInteger, parseNumber } from './errors.js';
import { imageFiles, readIds, readImages, readValues } from './inputs.js';
import { addNormaliseOption, addProgressOptions, addRunOptions, progressFor, runInFolder } from './run.js';

export const MODEL_ARCHITECTURES = ['cifar-cnn', 'tiny-cnn'] as const;
export type ModelArchitecture = (typeof MODEL_ARCHITECTURES)[number];

export const TRAIN_JSON = 'train.json';
export const PREDICTIONS_JSON = 'predictions-per-epoch.json';
export const CHECKPOINT_FOLDER = 'checkpoints';

interface TrainCliOptions {
  modelArch: ModelArchitecture;
  input?: string;
  labels?: string;
  testInput?: string;
  testLabels?: string;
  classNames?: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  checkpoints: boolean;
  normalise?: Normalisation;
  out: string;
  force?: boolean;
  seed: number;
  progress?: boolean;
  quiet?: boolean;
  jsonProgress?: boolean;
}

/** The zoo graph for images [C, S, S] and `classes` outputs; sizes the architecture cannot take are a usage error. */
export function zooClassifier(arch: ModelArchitecture, shape: readonly number[], classes: number, seed: number): Graph {
  const [channels, height, width] = shape;
  if (height !== width) throw new UsageError(`--model-arch ${arch} takes square images; these are ${height}×${width} (crop or tile them first)`);
  const multiple = arch === 'cifar-cnn' ? 8 : 4;
  if (height % multiple !== 0) throw new UsageError(`--model-arch ${arch} needs a side that is a multiple of ${multiple} (its 2×2 pools); these images are ${height}×${width}`);
  return arch === 'cifar-cnn' ? cifarCnn({ channels, size: height, classes, seed }) : tinyCnn({ channels, size: height, classes, hidden: 48, seed });
}

/**
 * [C, H, W] of the images a path holds, from its first file: [N, C, H, W] batches keep their
 * channels; [N, H, W] stacks (TIFF pages, .npy stacks) and single [H, W] images are one channel.
 */
async function imageShape(path: string): Promise<number[]> {
  const [first] = await imageFiles(path);
  const s = (await readValues(first)).shape;
  if (s.length === 4) return s.slice(1);
  if (s.length === 3 || s.length === 2) return [1, ...s.slice(-2)];
  throw new UsageError(`${first} has shape (${s.join(', ')}); train needs images [N, C, H, W], [N, H, W] or [H, W]`);
}

function parseArchitecture(value: string): ModelArchitecture {
  if (!(MODEL_ARCHITECTURES as readonly string[]).includes(value)) throw new UsageError(`--model-arch must be one of ${MODEL_ARCHITECTURES.join(', ')} (got '${value}')`);
  return value as ModelArchitecture;
}

async function run(opts: TrainCliOptions): Promise<void> {
  const missing = (['input', 'labels'] as const).filter((f) => opts[f] === undefined);
  if (missing.length > 0) throw new UsageError(`train needs ${missing.map((f) => '--' + f).join(' and ')}`);
  if (!(opts.learningRate > 0)) throw new UsageError(`--learning-rate must be > 0 (got ${opts.learningRate})`);
  if ((opts.testInput === undefined) !== (opts.testLabels === undefined)) throw new UsageError('--test-input and --test-labels go together; give both or neither');
  await runInFolder('train', opts, async (folder) => {
    // The images decide the model's input.
    const shape = await imageShape(opts.input!);
    const { batch: x } = await readImages(opts.input!, shape, opts.normalise);
    folder.input(opts.input!);
    const names = opts.classNames?.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const labels = await readIds(opts.labels!, x.shape[0], 'labels', names?.length);
    folder.input(opts.labels!);
    const classes = names?.length ?? Math.max(...labels) + 1;
    if (classes < 2) throw new UsageError(`--labels ${opts.labels} holds a single class; a classifier needs at least two (or name them with --class-names)`);
    const classNames = names ?? Array.from({ length: classes }, (_, k) => String(k));
    const sets: InstanceSet[] = [{ name: 'train', images: x, labels }];
    if (opts.testInput) {
      const { batch: tx } = await readImages(opts.testInput, shape, opts.normalise);
      folder.input(opts.testInput);
      sets.push({ name: 'test', images: tx, labels: await readIds(opts.testLabels!, tx.shape[0], 'test labels', classes) });
      folder.input(opts.testLabels!);
    }
    const graph = zooClassifier(opts.modelArch, shape, classes, opts.seed + 11);
    const saveCheckpoint = opts.checkpoints ? async (epoch: number, g: Graph) => void (await folder.write(`${CHECKPOINT_FOLDER}/epoch-${epoch + 1}.onnx`, encodeModel(g))) : undefined;
    const recorder = instanceFlowRecorder(sets, classNames, saveCheckpoint);
    const bar = progressFor(opts);
    let result;
    try {
      result = await trainClassifier(graph, x, labels, {
        epochs: opts.epochs,
        batchSize: opts.batchSize,
        learningRate: opts.learningRate,
        weightDecay: 1e-3,
        schedule: 'cosine',
        seed: opts.seed + 13,
        onProgress: (p) => bar.update(`training ${opts.modelArch} (epoch ${p.epoch + 1}/${opts.epochs})`, p.fraction),
        onEpochEnd: recorder.onEpochEnd,
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    } finally {
      bar.stop();
    }
    await folder.write('model.onnx', encodeModel(result.graph));
    const record = recorder.result();
    await folder.write(PREDICTIONS_JSON, predictionsJson(record));
    // Accuracy per class after the last epoch, from the recorded predictions of each set.
    const perClass = Object.fromEntries(
      sets.map((s) => {
        const flow = flowOfSet(record, s.name);
        return [s.name, Object.fromEntries(flow.classes.map((c) => [c.className, c.counts.at(-1)![c.classIndex] / c.size]))];
      }),
    );
    const accuracy = Object.fromEntries(sets.map((s) => [s.name, record.instances.filter((i) => i.set === s.name && i.predicted.at(-1) === i.label).length / s.labels.length]));
    await folder.write(TRAIN_JSON, JSON.stringify({ architecture: opts.modelArch, inputShape: shape, classNames, images: Object.fromEntries(sets.map((s) => [s.name, s.labels.length])), history: result.history, accuracy, perClassAccuracy: perClass }, null, 2) + '\n');
    console.log(`${opts.modelArch}: ${opts.epochs} epochs; accuracy ${sets.map((s) => `${s.name} ${accuracy[s.name].toFixed(3)}`).join(', ')} → ${opts.out}/model.onnx, ${opts.out}/${PREDICTIONS_JSON}`);
    // Per-class accuracy of the held-out set when there is one (else of the training set).
    const shown = sets.at(-1)!.name;
    for (const [name, value] of Object.entries(perClass[shown])) console.log(`  ${shown} accuracy of ${name}: ${value.toFixed(3)}`);
  });
}

export function registerTrain(program: Command): void {
  const command = program
    .command('train')
    .description('train a zoo classifier (CIFAR-style CNN or tiny CNN) on your images, recording every instance\u2019s prediction per epoch for explore --epochs')
    .option('--model-arch <name>', 'architecture: cifar-cnn (6 conv + 3 linear, the CIFAR-10 course network) or tiny-cnn (2 conv + 2 linear)', parseArchitecture, 'cifar-cnn')
    .option('--input <X>', 'training images: a file (.npy, .tif, .png, …) or a folder of them; square, side a multiple of 8 (cifar-cnn) or 4 (tiny-cnn)')
    .option('--labels <Y.npy>', 'class index per training image [N]')
    .option('--test-input <X>', 'test images whose predictions are recorded too (never trained on)')
    .option('--test-labels <Y.npy>', 'class index per test image')
    .option('--class-names <a,b,…>', 'class names in output order (default 0, 1, …; also sets the number of classes)')
    .option('--epochs <n>', 'passes over the training images', parseInteger('--epochs', 1), 12)
    .option('--batch-size <n>', 'images per Adam step', parseInteger('--batch-size', 1), 64)
    .option('--learning-rate <lr>', 'Adam learning rate at the start of the cosine schedule', parseNumber('--learning-rate'), 3e-3)
    .option('--no-checkpoints', `do not write ${CHECKPOINT_FOLDER}/epoch-<n>.onnx per epoch (model.onnx and the predictions are written anyway)`);
  addNormaliseOption(command);
  addRunOptions(command, { out: 'trustscope-train', what: `model.onnx, ${CHECKPOINT_FOLDER}/, ${PREDICTIONS_JSON}, ${TRAIN_JSON}` });
  addProgressOptions(command);
  command
    .addHelpText('after', `\nExample:\n  trustscope train --model-arch cifar-cnn --input train.npy --labels y.npy --test-input test.npy --test-labels ty.npy --epochs 12 --out run\n  trustscope explore --model run/model.onnx --input test.npy --labels ty.npy --epochs run/${PREDICTIONS_JSON} --out explore`)
    .action(async (opts: TrainCliOptions) => run(opts));
}
