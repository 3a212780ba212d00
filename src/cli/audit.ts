/** `trustscope audit`: may I trust this model? Every check, one verdict page. */
import { bottomLine } from '../report/bottom-line.js';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Dataset } from '../data/dataset.js';
import type { Model } from '../models/model.js';
import { saveOnnxGraph } from '../models/import/onnx-file.js';
import { loadModelForImages } from './model-for-images.js';
import { majorityClasses, readPixelLabels } from './pixel-labels.js';
import { PIXEL_LABELS } from '../audit/segmentation-summary.js';
import { auditJson, auditModel, performanceLine, type ModelAudit } from '../audit/audit.js';
import { checkQuantileLevels } from '../audit/regression-outputs.js';
import type { Task } from '../models/task.js';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import { addTaskOption, resolveTask } from './task-option.js';
import { runDemoAudit } from '../audit/demo-audit.js';
import { AUDIT_INPUTS, type AuditInputKind, type InterventionSpec, type NamedGrouping } from '../audit/check.js';
import { parseGroupsFlag } from './groups-flag.js';
import { CHECKS, CHECK_IDS } from '../audit/checks.js';
import { mergeOptionSpecs } from '../options/option-spec.js';
import { renderAuditPage, type ModelAuditView } from '../report/audit-page.js';
import { UsageError, parseInteger, parseNumber } from './errors.js';
import { addDeclaredOptions, attributeOf, declaredValues } from './declared-options.js';
import { addNormaliseOption, addProgressOptions, addRunOptions, progressFor, runInFolder } from './run.js';
import type { OutputFolder } from './output-folder.js';
import { EXAMPLES, writeDemoExamples } from './demo-examples.js';
import { addDatasetOption, asMasks, checkFinite, readIds, readImages, readValues } from './inputs.js';
import { addManifestOption, readManifest, refuseManifestWith } from './manifest.js';
import { describeNormalisation, type Normalisation } from '../data/normalise.js';
import { pixelSizeRecord, sharedCalibration, type FileCalibration } from '../data/spatial-calibration.js';
import type { TileOverlap } from '../data/tiling.js';
import { addTileOptions, parseTileFlags, type TileFlags } from './tile-options.js';
import { tiledAuditData, tilingIntro, type TilingSummary } from './audit-tiles.js';
import { addExtraAuditOptions, readExtraAuditInputs, type ExtraAuditFlags } from './audit-extra-inputs.js';
import type { AcquisitionTime } from '../audit/check.js';

interface AuditCliOptions extends TileFlags, ExtraAuditFlags {
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

/** Every check's declared options, merged: one flag means one thing across checks. */
const CHECK_FLAGS = mergeOptionSpecs(CHECKS.map((c) => ({ owner: c.id, options: c.options })));

/** The path given for an optional input (--groups, --masks…): the flag is the one the NOT RUN reasons name. */
function inputPath(opts: AuditCliOptions, kind: AuditInputKind): string | undefined {
  return opts[attributeOf(AUDIT_INPUTS[kind].flag)] as string | undefined;
}

function parseSkip(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(',').map((s) => {
    const id = s.trim();
    if (!CHECK_IDS.includes(id as (typeof CHECK_IDS)[number])) throw new UsageError(`--skip takes a comma-separated list of ${CHECK_IDS.join(', ')} (got '${id}')`);
    return id;
  });
}

/**
 * The check options given on the command line, per check id. Only given values are passed: each
 * check applies its own declared defaults (and the demo its own, e.g. 3 leakage folds). A flag of a
 * skipped check is refused rather than silently ignored.
 */
function checkOptionsFrom(command: Command, skip: readonly string[]): Record<string, Record<string, unknown>> {
  const chosen = CHECKS.filter((c) => !skip.includes(c.id));
  const values = declaredValues(command, CHECK_FLAGS, chosen.map((c) => ({ owner: c.id, options: c.options })));
  const out: Record<string, Record<string, unknown>> = {};
  chosen.forEach((c, i) => {
    const given = c.options.filter((s) => command.getOptionValueSource(attributeOf(s.flag)) === 'cli');
    if (given.length) out[c.id] = Object.fromEntries(given.map((s) => [s.key, values[i][s.key]]));
  });
  return out;
}

/**
 * Checks built for another task (a classifier's checks on a regressor and the reverse) are NOT RUN
 * with their reason in audit.json; the page and the terminal list them by id on one line, so a
 * regressor's report speaks of outputs and intervals, not of classes it does not have.
 */
function otherTask(a: ModelAudit): { shown: ModelAudit['findings']; skipped: string[] } {
  const isOther = (f: ModelAudit['findings'][number]) => f.verdict === 'not-run' && ['classifier', 'regressor', 'segmenter'].includes(f.evidence.missing as string);
  return { shown: a.findings.filter((f) => !isOther(f)), skipped: a.findings.filter(isOther).map((f) => f.id) };
}

function notApplicable(a: ModelAudit, skipped: readonly string[]): string {
  return skipped.length ? `not applicable to a ${a.task} model (NOT RUN, reasons in audit.json): ${skipped.join(', ')}` : '';
}

/**
 * A check flag that no check run on this task declares (e.g. --folds on a classifier with leakage
 * skipped: only the regression-leakage check, NOT RUN on a classifier, still takes it) is refused
 * once the task is known, as a flag of a skipped check is: never silently ignored.
 */
function refuseOtherTaskFlags(command: Command, skip: readonly string[], task: Task): void {
  const applies = (c: (typeof CHECKS)[number]) => !skip.includes(c.id) && !c.needs.some((n) => (n.input === 'classifier' && task !== 'classification') || (n.input === 'regressor' && task !== 'regression') || (n.input === 'segmenter' && task !== 'segmentation'));
  for (const m of CHECK_FLAGS) {
    if (command.getOptionValueSource(attributeOf(m.spec.flag)) !== 'cli') continue;
    if (!CHECKS.some((c) => applies(c) && c.options.some((s) => s.flag === m.spec.flag))) {
      throw new UsageError(`${m.spec.flag} does not apply to the checks run on a ${task} model; it is an option of ${m.owners.map((o) => o.owner).join(', ')}`);
    }
  }
}

function view(a: ModelAudit, calibrations: readonly FileCalibration[] = []): ModelAuditView {
  const { shown, skipped } = otherTask(a);
  const calibration = sharedCalibration(calibrations);
  return {
    name: a.name,
    description: [`${a.images} images audited · ${performanceLine(a)}`, notApplicable(a, skipped)].filter(Boolean).join(' · '),
    findings: shown,
    ...(calibration ? { calibration } : {}),
  };
}

function verdictLines(audits: readonly ModelAudit[]): string {
  const lines: string[] = [];
  for (const a of audits) {
    lines.push(`${a.name} (${a.task === 'regression' ? 'regressor: ' : a.task === 'segmentation' ? 'segmenter: ' : ''}${performanceLine(a)} on ${a.images} images)`);
    const { shown, skipped } = otherTask(a);
    for (const f of shown) lines.push(`  ${f.verdict.toUpperCase().padEnd(8)}${f.title}`);
    if (skipped.length) lines.push(`  ${notApplicable(a, skipped)}`);
    // The report's first sentence, so a terminal user gets the conclusion, not only the table.
    lines.push(`  → ${bottomLine(a.name, a.findings, () => '').text}`);
  }
  return lines.join('\n');
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

export function registerAudit(program: Command): void {
  const command = program
    .command('audit')
    .description('may I trust this model? leakage, calibration, shortcut (explain + intervention), explanation sanity, descriptors, OOD and conformal sets → one verdict report')
    .option('--demo', 'audit the built-in scenario: train a clean and a shortcut tiny CNN on synthetic EM tiles, then audit both')
    .option('--model <file.onnx>', 'the classifier to audit (one image input, logits out); .onnx or a TF.js model.json')
    .option('--input <X.npy>', 'images to audit, (N, C, H, W) float32, e.g. a held-out test split')
    .option('--labels <Y.npy>', 'class index per image of --input; a regressor: real-valued target per image, (N,) or (N, K) for K outputs; a segmenter: class id per pixel, (N, H, W) in any readable format (enables pixel calibration and IoU/Dice)')
    .option(`${AUDIT_INPUTS.groups.flag} <G.npy|name=G.npy,…>`, 'group id per image: specimen ids (G.npy), or several named groupings (specimen=G.npy,session=S.npy,…); enables the leakage check per grouping and the confounder probe')
    .option(`${AUDIT_INPUTS.roi.flag} <M.npy>`, 'region of interest per image (N, H, W), 1 where the real evidence is: enables the shortcut check')
    .option(`${AUDIT_INPUTS.reference.flag} <R.npy>`, 'training-distribution images: enables the out-of-distribution check')
    .option('--reference-labels <RY.npy>', 'class index per reference image (not for a regressor; a segmenter: class id per pixel, optional)')
    .option('--quantiles <levels>', 'a regressor whose outputs are quantiles of one quantity: the level of each output in output order, e.g. 0.05,0.95 (conformalised by CQR)', parseLevels)
    .option(`${AUDIT_INPUTS.patch.flag} <P.npy>`, 'a suspected nuisance patch: (H, W) mask, 1 where it is pasted (the inject test)')
    .option('--patch-value <v>', 'intensity written into the patch pixels', parseNumber('--patch-value'), 1)
    .option('--patch-class <c>', `the class the patch might fake (needed with ${AUDIT_INPUTS.patch.flag})`, parseInteger('--patch-class', 0))
    .option('--skip <list>', `checks to skip: ${CHECK_IDS.join(',')}`);
  addRunOptions(command, { out: 'trustscope-audit', what: `audit.json, index.html; with --demo also the two models and ${EXAMPLES}/ (test tiles as .npy, TIFF and 16-bit PNGs, labels, groups, roi)` });
  addProgressOptions(command);
  addNormaliseOption(command);
  addDatasetOption(command);
  addManifestOption(command, ',label[,group,roi,group:<name>…,time] (replacing --input, --labels, --groups, --roi; group:<name> columns are further groupings, time or acquired the acquisition time)');
  addExtraAuditOptions(command);
  addTaskOption(command);
  addTileOptions(command, { maxTiles: true });
  addDeclaredOptions(command, CHECK_FLAGS)
    .addHelpText(
      'after',
      '\nEach check gives PASS, WARN, FLAG or NOT RUN (its inputs were not given), with its rule and what it cannot tell.\n' +
        'Examples:\n  trustscope audit --demo --out report\n' +
        '  trustscope audit --model m.onnx --input test.npy --labels test-labels.npy --groups specimens.npy --roi roi.npy \\\n' +
        '      --reference train.npy --reference-labels train-labels.npy --out report\n' +
        '  trustscope audit --model stress.onnx --input tiles.npy --labels peak-stress.npy --roi roi.npy --out report   (a one-output regressor)',
    )
    .action(async (opts: AuditCliOptions) => {
      const skip = parseSkip(opts.skip);
      const checkOptions = checkOptionsFrom(command, skip);
      if (opts.demo && (opts.model || opts.input || opts.manifest)) throw new UsageError('--demo trains its own models and data; drop --model/--input/--manifest, or drop --demo');
      if (!opts.demo && !opts.model) throw new UsageError('give --model M.onnx (and --input/--labels), or use --demo');
      if (opts.demo && (opts.task !== undefined || opts.quantiles)) throw new UsageError('--demo audits its own two classifiers; drop --task/--quantiles, or drop --demo');
      const overlap = parseTileFlags(command, opts);
      if (opts.demo && opts.tile) throw new UsageError('--demo audits its own 32×32 tiles; drop --tile');
      if ((opts.demo || opts.tile) && (opts.acquisitionTime || opts.descriptors || opts.nuisance)) throw new UsageError(`${opts.demo ? '--demo audits its own data' : '--tile audits tiles, not the given images'}: drop --acquisition-time, --descriptors and --nuisance`);
      let task: Task | undefined;
      await runInFolder(
        'audit',
        opts,
        async (folder) => {
          const done = await audit(opts, folder, skip, checkOptions, (t) => refuseOtherTaskFlags(command, skip, t), opts.tile ? overlap : undefined);
          task = done.task;
          return done.calibrations;
        },
        (calibrations) => ({
          task: task ?? 'classification',
          ...(opts.quantiles ? { quantiles: opts.quantiles } : {}),
          normalise: opts.normalise ? describeNormalisation(opts.normalise) : 'none',
          pixelSizes: pixelSizeRecord(calibrations),
          ...(opts.tile ? { tile: { overlap: opts.tileOverlap, maxTiles: opts.maxTiles } } : {}),
        }),
      );
    });
}

/** Runs the audit and writes its files; returns the task audited and the images' per-file pixel sizes (none for --demo), for run.json. */
async function audit(
  opts: AuditCliOptions,
  folder: OutputFolder,
  skip: string[],
  checkOptions: Record<string, Record<string, unknown>>,
  checkFlagsFor: (task: Task) => void,
  overlap?: TileOverlap,
): Promise<{ task: Task; calibrations: FileCalibration[] }> {
  const bar = progressFor(opts);
  const started = performance.now();
  let audits: ModelAudit[];
  let title: string;
  let subtitle: string;
  let intro: string | undefined;
  let timings: Record<string, number>;
  let calibrations: FileCalibration[] = [];
  let tiling: TilingSummary | undefined;
  try {
    if (opts.demo) {
      checkFlagsFor('classification');
      const r = await runDemoAudit({ seed: opts.seed, checkOptions, skip, onProgress: (s, f) => bar.update(s, f) });
      audits = [r.audits.clean, r.audits.shortcut];
      timings = r.timings;
      title = 'trustscope audit — the built-in scenario';
      subtitle = `seed ${r.seed} · two tiny CNNs trained on synthetic 32×32 EM tiles · ${r.audits.clean.images} test images each`;
      intro =
        'Both models find a centre-disk defect with near-perfect accuracy. The shortcut model was trained on tiles where a bright ' +
        'corner artifact accompanied every defect. The audit does not know this: it is given each model with its own test split, ' +
        'the defect masks as regions of interest, the specimen ids and the training images, and must find out.';
      await saveOnnxGraph(folder.record('clean-model.onnx'), r.graphs.clean);
      await saveOnnxGraph(folder.record('shortcut-model.onnx'), r.graphs.shortcut);
      // The shortcut model's first test tiles as .npy, TIFF and 16-bit PNGs: the README's examples run on them.
      await writeDemoExamples(folder, r.examples);
    } else {
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
        const { data, reference, targets, files, calibrations: read, tiling: tiled, groupings, acquisitionTime } = overlap
          ? { ...(await tiledUserData(opts, model, overlap, (s, f) => bar.update(s, f))), targets: undefined, files: [], calibrations: [], groupings: undefined, acquisitionTime: undefined }
          : { ...(await userData(opts, model.inputShape, model.outputShape, task)), tiling: undefined };
        const { files: extraFiles, ...extra } = await readExtraAuditInputs(opts, data.labels.length, acquisitionTime);
        calibrations = read;
        tiling = tiled;
        if (tiling) intro = tilingIntro(tiling, model.outputSize === 1);
        for (const file of [...files, ...extraFiles, opts.model!, opts.input, opts.labels, opts.referenceLabels, ...parseGroupsFlag(inputPath(opts, 'groups')).map((g) => g.file), ...(['roi', 'reference', 'patch'] as const).map((k) => inputPath(opts, k))]) if (file) folder.input(file);
        const intervention = await patchSpec(opts, data.images.shape.slice(-2));
        const a = await auditModel({ name: opts.model!, model, data, groupings, reference, intervention, task, targets, quantiles: opts.quantiles, ...extra }, { seed: opts.seed, checkOptions, skip, onProgress: (s, f) => bar.update(s, f) });
        audits = [a];
        timings = a.timings;
      } finally {
        await model.dispose();
      }
      title = `trustscope audit — ${opts.model}`;
      subtitle = tiling ? `${audits[0].images} tiles of ${tiling.images.length} image(s) from ${opts.input}` : `${audits[0].images} images from ${opts.input ?? opts.manifest}`;
    }
  } finally {
    bar.stop();
  }
  const json = { tool: 'trustscope audit', seed: opts.seed, models: audits.map(auditJson), timings, ...(tiling ? { tiling } : {}) };
  await folder.write('audit.json', JSON.stringify(json, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  await folder.write('index.html', await renderAuditPage({ title, subtitle, intro, models: audits.map((a) => view(a, calibrations)), timings }));
  console.log(verdictLines(audits));
  console.log(`\nwrote ${join(opts.out, 'audit.json')} and ${join(opts.out, 'index.html')} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { task: audits[0].task ?? 'classification', calibrations };
}

/** `--quantiles 0.05,0.95`: one level in (0, 1) per output. */
function parseLevels(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const levels = parts.map(Number);
  if (parts.some((p) => p === '') || levels.some((l) => !(l > 0 && l < 1))) throw new UsageError(`--quantiles takes comma-separated levels strictly between 0 and 1, one per output (got '${value}')`);
  return levels;
}
