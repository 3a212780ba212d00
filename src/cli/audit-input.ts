/**
 * Reading the inputs of `trustscope audit` on user files: the model, the images and labels (or a
 * manifest, or tiles), the optional inputs the checks declare, checked in one line each. The plain
 * run and every worker of a scaled run (audit-job.ts) read them through the same function, so a
 * worker audits exactly what the client read.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import type { Model, OnnxModel } from '../models/model.js';
import { loadModelForImages } from './model-for-images.js';
import { majorityClasses, readPixelLabels } from './pixel-labels.js';
import { PIXEL_LABELS } from '../audit/segmentation-summary.js';
import { checkQuantileLevels } from '../audit/regression-outputs.js';
import type { Task } from '../models/task.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import { resolveTask } from './task-option.js';
import { AUDIT_INPUTS, type AcquisitionTime, type AuditInput, type AuditInputKind, type InterventionSpec, type NamedGrouping } from '../audit/check.js';
import { parseGroupsFlag } from './groups-flag.js';
import { UsageError } from './errors.js';
import { attributeOf } from './declared-options.js';
import { asMasks, checkFinite, readIds, readImages, readValues } from './inputs.js';
import { readManifest, refuseManifestWith } from './manifest.js';
import type { Normalisation } from '../data/normalise.js';
import type { FileCalibration } from '../data/spatial-calibration.js';
import type { TileOverlap } from '../data/tiling.js';
import type { TileFlags } from './tile-options.js';
import { tiledAuditData, type TilingSummary } from './audit-tiles.js';
import { readExtraAuditInputs, type ExtraAuditFlags } from './audit-extra-inputs.js';

export interface AuditCliOptions extends TileFlags, ExtraAuditFlags {
  demo?: boolean;
  model?: string;
  input?: string;
  manifest?: string;
  labels?: string;
  referenceLabels?: string;
  patchValue: number;
  patchClass?: number;
  out: string;
  force?: boolean;
  seed: number;
  normalise?: Normalisation;
  dataset?: string;
  skip?: string;
  progress: boolean;
  task?: string;
  quantiles?: number[];
  /** The input files whose flags come from AUDIT_INPUTS, and the checks' declared options. */
  [flag: string]: unknown;
}

/** The path given for an optional input (--groups, --masks…): the flag is the one the NOT RUN reasons name. */
export function inputPath(opts: AuditCliOptions, kind: AuditInputKind): string | undefined {
  return opts[attributeOf(AUDIT_INPUTS[kind].flag)] as string | undefined;
}

/**
 * A regressor's --labels: real-valued targets, [N] or [N, K] (one column per output; one column when
 * the outputs are quantiles of one quantity). Returned as [N, K] with column 0 as the dataset labels.
 */
async function regressionLabels(file: string, n: number, columns: number): Promise<{ labels: number[]; targets: Tensor }> {
  const t = await readValues(file);
  const k = t.shape.length === 1 ? 1 : t.shape.length === 2 ? t.shape[1] : -1;
  if (t.shape[0] !== n || k < 1) throw new UsageError(`${file} has shape (${t.shape.join(', ')}); a regressor's --labels must be (${n},) or (${n}, K): one real-valued target per image (and output)`);
  if (k !== columns) throw new UsageError(`${file} has ${k} target column(s) but the audit needs ${columns} (${columns === 1 ? 'one target per image' : 'one per model output'})`);
  checkFinite(t, file);
  const targets = tensor([n, k], t.data);
  return { labels: Array.from({ length: n }, (_, i) => targets.data[i * k]), targets };
}

async function userData(
  opts: AuditCliOptions,
  inputShape: readonly number[],
  outputShape: readonly number[],
  task: Task,
): Promise<{ data: Dataset; reference?: Dataset; targets?: Tensor; files: string[]; calibrations: FileCalibration[]; groupings?: NamedGrouping[]; acquisitionTime?: AcquisitionTime }> {
  const groupingFiles = parseGroupsFlag(inputPath(opts, 'groups'));
  const groupsFile = groupingFiles[0]?.file;
  let groupings: NamedGrouping[] | undefined;
  const roiFile = inputPath(opts, 'roi');
  let data: Dataset;
  let files: string[] = [];
  let calibrations: FileCalibration[];
  let targets: Tensor | undefined;
  let acquisitionTime: AcquisitionTime | undefined;
  const outputSize = outputShape.reduce((a, b) => a * b, 1);
  // A segmenter's labels are per pixel: its classes are the K of [K, H, W].
  const segmenter = task === 'segmentation' ? { classes: outputShape[0], h: outputShape[1], w: outputShape[2] } : undefined;
  if (opts.manifest !== undefined) {
    if (segmenter) throw new UsageError("--manifest labels are one class per image; give a segmenter's per-pixel class ids with --input and --labels L ((N, H, W), any readable format)");
    if (task === 'regression') throw new UsageError("--manifest labels are class indices; give a regressor's real-valued targets with --input and --labels Y.npy ((N,) or (N, K))");
    refuseManifestWith(opts.manifest, { '--input': opts.input, '--labels': opts.labels, [AUDIT_INPUTS.groups.flag]: groupsFile, [AUDIT_INPUTS.roi.flag]: roiFile });
    const m = await readManifest(opts.manifest, inputShape, opts.normalise, { dataset: opts.dataset }, outputSize);
    if (!m.labels) throw new UsageError(`${opts.manifest} has no 'label' column; audit needs the class of every image`);
    // group:<name> columns are further groupings after the specimen column 'group', as --groups name=… gives them.
    if (m.groupings) groupings = [...(m.groups ? [{ name: 'specimen', ids: m.groups }] : []), ...m.groupings];
    data = { images: m.images, labels: m.labels, groups: m.groups ?? groupings?.[0].ids, masks: m.roi ? { roi: m.roi } : undefined };
    acquisitionTime = m.acquisitionTime;
    files = m.files;
    calibrations = m.calibrations;
  } else {
    if (!opts.input) throw new UsageError('give --input X.npy (the images to audit) with --labels Y.npy, or --manifest FILE.csv, or use --demo');
    if (!opts.labels) throw new UsageError(`give --labels Y.npy: ${task === 'regression' ? 'the real-valued target per image' : task === 'segmentation' ? 'the class id of every pixel, (N, H, W),' : 'one class index per image'} of --input`);
    const read = await readImages(opts.input, inputShape, opts.normalise, { dataset: opts.dataset });
    const images = read.batch;
    calibrations = read.calibrations;
    const n = images.shape[0];
    const regression = task === 'regression' ? await regressionLabels(opts.labels, n, opts.quantiles ? 1 : outputSize) : undefined;
    const pixelLabels = segmenter ? await readPixelLabels(opts.labels, n, segmenter.h, segmenter.w, segmenter.classes) : undefined;
    const labels = regression ? regression.labels : pixelLabels ? majorityClasses(pixelLabels, segmenter!.classes) : await readIds(opts.labels, n, 'labels', outputSize);
    targets = regression?.targets;
    if (groupingFiles.length) groupings = await Promise.all(groupingFiles.map(async (g) => ({ name: g.name, ids: await readIds(g.file, n, `${g.name} group ids`) })));
    const groups = groupings?.[0].ids;
    const [h, w] = images.shape.slice(-2);
    const masks = { ...(roiFile ? { roi: asMasks(await readValues(roiFile), n, h, w, roiFile) } : {}), ...(pixelLabels ? { [PIXEL_LABELS]: pixelLabels } : {}) };
    data = { images, labels, groups, masks: Object.keys(masks).length ? masks : undefined };
  }
  let reference: Dataset | undefined;
  const referenceFile = inputPath(opts, 'reference');
  if (referenceFile && task === 'regression') {
    // A regressor's OOD detectors fit one distribution: its targets are not classes, so no reference labels.
    const refImages = (await readImages(referenceFile, inputShape, opts.normalise, { dataset: opts.dataset })).batch;
    reference = { images: refImages, labels: new Array<number>(refImages.shape[0]).fill(0) };
  } else if (referenceFile && segmenter) {
    // A segmenter's reference labels, when given, are per pixel too; its OOD class means use each image's majority class.
    const refImages = (await readImages(referenceFile, inputShape, opts.normalise, { dataset: opts.dataset })).batch;
    const m = refImages.shape[0];
    const refLabels = opts.referenceLabels ? majorityClasses(await readPixelLabels(opts.referenceLabels, m, segmenter.h, segmenter.w, segmenter.classes), segmenter.classes) : new Array<number>(m).fill(0);
    reference = { images: refImages, labels: refLabels };
  } else if (referenceFile) {
    if (!opts.referenceLabels) throw new UsageError(`${AUDIT_INPUTS.reference.flag} needs --reference-labels (class per reference image, for the Mahalanobis class means)`);
    // The reference is scaled like the audited images: the same model sees both.
    const refImages = (await readImages(referenceFile, inputShape, opts.normalise, { dataset: opts.dataset })).batch;
    reference = { images: refImages, labels: await readIds(opts.referenceLabels, refImages.shape[0], 'reference labels', outputSize) };
  }
  return { data, reference, targets, files, calibrations, groupings, acquisitionTime };
}

/** --tile: the drawn tiles of every image are the audited images (audit-tiles.ts). */
async function tiledUserData(opts: AuditCliOptions, model: Model, overlap: TileOverlap, onProgress: (stage: string, fraction: number) => void): Promise<{ data: Dataset; reference?: Dataset; tiling: TilingSummary }> {
  if (!opts.input) throw new UsageError('give --input X (the micrographs to audit) with --labels Y.npy');
  if (!opts.labels) throw new UsageError('give --labels Y.npy: one class index per image of --input (each tile inherits its image\'s)');
  const [groupsFlag, roi, reference] = (['groups', 'roi', 'reference'] as const).map((k) => inputPath(opts, k));
  const groupingFiles = parseGroupsFlag(groupsFlag);
  if (groupingFiles.length > 1) throw new UsageError(`--tile takes one grouping (the specimen ids); give --groups ${groupingFiles[0].file} alone`);
  const groups = groupingFiles[0]?.file;
  return tiledAuditData(model, { input: opts.input, labels: opts.labels, groups, roi, reference, referenceLabels: opts.referenceLabels, normalise: opts.normalise, overlap, maxTiles: opts.maxTiles!, seed: opts.seed, onProgress });
}

async function patchSpec(opts: AuditCliOptions, [h, w]: number[]): Promise<InterventionSpec | undefined> {
  const flag = AUDIT_INPUTS.patch.flag;
  const file = inputPath(opts, 'patch');
  if (!file) {
    if (opts.patchClass !== undefined) throw new UsageError(`--patch-class needs ${flag} P.npy (the patch mask)`);
    return undefined;
  }
  if (opts.patchClass === undefined) throw new UsageError(`${flag} needs --patch-class C: the class the patch might fake`);
  const m = await readValues(file);
  if (m.data.length !== h * w) throw new UsageError(`${file} has ${m.data.length} values; a patch mask must be (${h}, ${w}) like the images`);
  return { patch: { mask: m.data, value: opts.patchValue }, targetClass: opts.patchClass };
}


/** A user audit's inputs as read: the audit input (its model open: the caller disposes it) and what run.json records. */
export interface LoadedAudit {
  input: AuditInput & { model: OnnxModel };
  /** Every file read (images, labels, masks, manifest rows…), for run.json and the workers' hash checks. */
  files: string[];
  calibrations: FileCalibration[];
  tiling?: TilingSummary;
}

/** Opens the model and reads every input the flags name; `checkFlagsFor` refuses check flags that do not apply to the model's task. */
export async function loadUserAudit(opts: AuditCliOptions, checkFlagsFor: (task: Task) => void, overlap: TileOverlap | undefined, onProgress: (stage: string, fraction: number) => void): Promise<LoadedAudit> {
  const model = await loadModelForImages(opts.model!, { files: [opts.input, inputPath(opts, 'reference')], manifest: opts.manifest, dataset: opts.dataset }, { internalBatchSize: 256 });
  try {
    const task = resolveTask(opts.task ?? (opts.quantiles ? 'regression' : undefined), model.outputShape);
    checkFlagsFor(task);
    if (opts.quantiles) {
      if (task !== 'regression') throw new UsageError(`--quantiles describes a regressor's outputs; drop --task ${task} or --quantiles`);
      try {
        checkQuantileLevels(opts.quantiles, model.outputSize);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    if (overlap && task !== 'classification') throw new UsageError(`--tile audits a classifier's tiles (each inherits its image's class); a ${task} model is audited on whole images: drop --tile`);
    const { data, reference, targets, files, calibrations, tiling, groupings, acquisitionTime } = overlap
      ? { ...(await tiledUserData(opts, model, overlap, onProgress)), targets: undefined, files: [], calibrations: [], groupings: undefined, acquisitionTime: undefined }
      : { ...(await userData(opts, model.inputShape, model.outputShape, task)), tiling: undefined };
    const { files: extraFiles, ...extra } = await readExtraAuditInputs(opts, data.labels.length, acquisitionTime);
    const read = [...files, ...extraFiles, opts.model!, opts.input, opts.labels, opts.referenceLabels, ...parseGroupsFlag(inputPath(opts, 'groups')).map((g) => g.file), ...(['roi', 'reference', 'patch'] as const).map((k) => inputPath(opts, k))].filter((f): f is string => typeof f === 'string');
    const intervention = await patchSpec(opts, data.images.shape.slice(-2));
    const input = { name: opts.model!, model, data, groupings, reference, intervention, task, targets, quantiles: opts.quantiles, ...extra };
    return { input, files: read, calibrations, ...(tiling ? { tiling } : {}) };
  } catch (e) {
    await model.dispose();
    throw e;
  }
}

/** The file flags of an audit, for making them absolute (queue workers run in other folders). */
const FILE_FLAGS = ['model', 'input', 'labels', 'manifest', 'referenceLabels', 'descriptors', 'acquisitionTime', ...(['roi', 'reference', 'patch'] as const).map((k) => attributeOf(AUDIT_INPUTS[k].flag))];

/** The options with every file path made absolute (against this process's folder). */
export function withAbsolutePaths(opts: AuditCliOptions): AuditCliOptions {
  const out: AuditCliOptions = { ...opts };
  for (const key of FILE_FLAGS) if (typeof out[key] === 'string') out[key] = resolve(out[key] as string);
  const groupsKey = attributeOf(AUDIT_INPUTS.groups.flag);
  const groups = parseGroupsFlag(opts[groupsKey] as string | undefined);
  if (groups.length === 1 && !String(opts[groupsKey]).includes('=')) out[groupsKey] = resolve(groups[0].file);
  else if (groups.length) out[groupsKey] = groups.map((g) => `${g.name}=${isAbsolute(g.file) ? g.file : resolve(g.file)}`).join(',');
  return out;
}
