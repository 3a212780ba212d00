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
import { artifactFromAudit, meanInside } from './remedy-from-audit.js';
import { asMasks, readIds, readImages, readValues } from './inputs.js';
import type { OutputFolder } from './output-folder.js';

export interface RemedyFiles {
  trainInput?: string;
  trainLabels?: string;
  input?: string;
  labels?: string;
  roi?: string;
  artifactMask?: string;
  /** An audit.json whose flagged shortcut or intervention finding names the artifact (instead of --artifact-mask). */
  fromAudit?: string;
  artifactValue: number;
  /** Whether --artifact-value was typed (else, with --from-audit, the finding's or the measured intensity is used). */
  artifactValueGiven?: boolean;
  artifactClass?: number;
  normalise?: Normalisation;
}

const REQUIRED: [keyof RemedyFiles, string][] = [
  ['trainInput', '--train-input'],
  ['trainLabels', '--train-labels'],
  ['input', '--input'],
  ['labels', '--labels'],
  ['roi', '--roi'],
];

/** Every file of a --model run named, before anything is read. */
export function checkRemedyFiles(files: RemedyFiles): void {
  if (files.artifactMask !== undefined && files.fromAudit !== undefined) throw new UsageError('give --artifact-mask or --from-audit (the artifact from an audit.json finding), not both');
  const missing = REQUIRED.filter(([key]) => files[key] === undefined).map(([, flag]) => flag);
  if (files.artifactMask === undefined && files.fromAudit === undefined) missing.push('--artifact-mask (or --from-audit audit.json)');
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
  let artifact: { mask: Float32Array; value: number };
  let artifactClass = files.artifactClass;
  if (files.fromAudit !== undefined) {
    const found = await artifactFromAudit(files.fromAudit, h, w);
    folder.input(files.fromAudit);
    artifactClass ??= found.class;
    const value = files.artifactValueGiven ? files.artifactValue : (found.value ?? meanInside(audited, labels, found.class, found.mask));
    artifact = { mask: found.mask, value };
    console.log(`artifact from ${files.fromAudit}: ${found.source}; intensity ${Number(value.toPrecision(4))}${files.artifactValueGiven ? ' (--artifact-value)' : found.value === undefined ? ' (mean of the class\'s images inside it)' : ''}, class ${artifactClass}`);
  } else {
    const mask = await readValues(files.artifactMask!);
    if (mask.data.length !== h * w || !(mask.shape.length === 2 || (mask.shape.length === 3 && mask.shape[0] === 1))) {
      throw new UsageError(`${files.artifactMask} has shape ${shapeToString(mask.shape)}; the artifact mask must be (${h}, ${w}), 1 on the artifact`);
    }
    if (!mask.data.some((v) => v > 0.5)) throw new UsageError(`${files.artifactMask} marks no pixel; put 1 on the artifact's pixels`);
    folder.input(files.artifactMask!);
    artifact = { mask: mask.data, value: files.artifactValue };
  }
  if (artifactClass !== undefined && artifactClass >= classes) {
    throw new UsageError(`--artifact-class ${artifactClass} is not a class of the model (0..${classes - 1})`);
  }
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
      intervention: artifactClass !== undefined ? { patch: artifact, targetClass: artifactClass } : undefined,
    },
    // Without a copy of the data free of the artifact, the audited images with the marked region erased stand in.
    artifactFree: { images: eraseMasked(audited, artifact.mask), labels },
    recipe: trainOptions,
  };
}
