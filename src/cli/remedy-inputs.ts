/**
 * `trustscope remedy --model …`: the flagged model, its training data, the audited data with its
 * regions of interest and the expert's mark of the artifact, read from files into a remedy input.
 */
import type { OnnxModel } from '../models/model.js';
import { trainableParameters } from '../models/train.js';
import type { RemedyModelInput } from '../audit/remedy-model.js';
import { eraseMasked } from '../training/counterfactual-augmentation.js';
import { shapeToString } from '../tensor/tensor.js';
import type { Normalisation } from '../data/normalise.js';
import { UsageError } from './errors.js';
import { asMasks, readIds, readImages, readValues } from './inputs.js';
import type { OutputFolder } from './output-folder.js';

export interface RemedyFiles {
  trainInput?: string;
  trainLabels?: string;
  input?: string;
  labels?: string;
  roi?: string;
  artifactMask?: string;
  artifactValue: number;
  artifactClass?: number;
  normalise?: Normalisation;
}

const REQUIRED: [keyof RemedyFiles, string][] = [
  ['trainInput', '--train-input'],
  ['trainLabels', '--train-labels'],
  ['input', '--input'],
  ['labels', '--labels'],
  ['roi', '--roi'],
  ['artifactMask', '--artifact-mask'],
];

/** Every file of a --model run named, before anything is read. */
export function checkRemedyFiles(files: RemedyFiles): void {
  const missing = REQUIRED.filter(([key]) => files[key] === undefined).map(([, flag]) => flag);
  if (missing.length) throw new UsageError(`remedy --model also needs ${missing.join(', ')} (the training data, the audited data with its regions of interest, and the artifact's mask)`);
}

export async function readRemedyInput(
  model: OnnxModel,
  files: RemedyFiles,
  recipe: RemedyModelInput['recipe'] & { start: 'scratch' | 'fine-tune' },
  folder: OutputFolder,
): Promise<RemedyModelInput> {
  const [, h, w] = model.inputShape;
  const classes = model.outputSize;
  const train = (await readImages(files.trainInput!, model.inputShape, files.normalise)).batch;
  folder.input(files.trainInput!);
  const trainLabels = await readIds(files.trainLabels!, train.shape[0], 'training labels', classes);
  folder.input(files.trainLabels!);
  const audited = (await readImages(files.input!, model.inputShape, files.normalise)).batch;
  folder.input(files.input!);
  const n = audited.shape[0];
  const labels = await readIds(files.labels!, n, 'labels', classes);
  folder.input(files.labels!);
  const roi = asMasks(await readValues(files.roi!), n, h, w, files.roi!);
  folder.input(files.roi!);
  const mask = await readValues(files.artifactMask!);
  if (mask.data.length !== h * w || !(mask.shape.length === 2 || (mask.shape.length === 3 && mask.shape[0] === 1))) {
    throw new UsageError(`${files.artifactMask} has shape ${shapeToString(mask.shape)}; the artifact mask must be (${h}, ${w}), 1 on the artifact`);
  }
  if (!mask.data.some((v) => v > 0.5)) throw new UsageError(`${files.artifactMask} marks no pixel; put 1 on the artifact's pixels`);
  folder.input(files.artifactMask!);
  if (files.artifactClass !== undefined && files.artifactClass >= classes) {
    throw new UsageError(`--artifact-class ${files.artifactClass} is not a class of the model (0..${classes - 1})`);
  }
  const artifact = { mask: mask.data, value: files.artifactValue };
  const { start, ...trainOptions } = recipe;
  return {
    name: 'flagged model',
    graph: model.graph,
    fresh: start === 'scratch' ? () => model.withParameters({ kind: 'reinitialise', parameters: trainableParameters(model.graph), seed: recipe.seed }).graph : undefined,
    train: { images: train, labels: trainLabels },
    artifact,
    audit: {
      data: { images: audited, labels, masks: { roi } },
      reference: { images: train, labels: trainLabels },
      intervention: files.artifactClass !== undefined ? { patch: artifact, targetClass: files.artifactClass } : undefined,
    },
    // Without a copy of the data free of the artifact, the audited images with the marked region erased stand in.
    artifactFree: { images: eraseMasked(audited, artifact.mask), labels },
    recipe: trainOptions,
  };
}
