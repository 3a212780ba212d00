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
import type { StageProgress } from './progress.js';
import type { OutputFolder } from './output-folder.js';
import { EXAMPLES, writeDemoExamples } from './demo-examples.js';
import { addDatasetOption, asMasks, checkFinite, readIds, readImages, readValues } from './inputs.js';
import { addManifestOption, readManifest, refuseManifestWith } from './manifest.js';
import { describeNormalisation, type Normalisation } from '../data/normalise.js';
import { pixelSizeRecord, sharedCalibration, type FileCalibration } from '../data/spatial-calibration.js';
import type { TileOverlap } from '../data/tiling.js';
import { addTileOptions, parseTileFlags } from './tile-options.js';
import { tilingIntro, type TilingSummary } from './audit-tiles.js';
import { inputPath, loadUserAudit, type AuditCliOptions, type LoadedAudit } from './audit-input.js';
import { addScaleOptions, scaledRun, type ScaleFlags } from './scale-options.js';
import { refuseUnscaledAuditFlags, runScaledAudit, type ScaledAudit } from './audit-scaled.js';
import { addExtraAuditOptions } from './audit-extra-inputs.js';
import type { AcquisitionTime } from '../audit/check.js';

/** Every check's declared options, merged: one flag means one thing across checks. */
const CHECK_FLAGS = mergeOptionSpecs(CHECKS.map((c) => ({ owner: c.id, options: c.options })));

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
  addScaleOptions(command, 'audit');
  addDeclaredOptions(command, CHECK_FLAGS)
    .addHelpText(
      'after',
      '\nEach check gives PASS, WARN, FLAG or NOT RUN (its inputs were not given), with its rule and what it cannot tell.\n' +
        'Examples:\n  trustscope audit --demo --out report\n' +
        '  trustscope audit --model m.onnx --input test.npy --labels test-labels.npy --groups specimens.npy --roi roi.npy \\\n' +
        '      --reference train.npy --reference-labels train-labels.npy --out report\n' +
        '  trustscope audit --model stress.onnx --input tiles.npy --labels peak-stress.npy --roi roi.npy --out report   (a one-output regressor)\n' +
        '  trustscope audit --model m.onnx --input test.npy --labels test-labels.npy --workers 2 --out report   (checks on 2 threads; --queue redis://… for `trustscope worker` processes)',
    )
    .action(async (opts: AuditCliOptions & ScaleFlags) => {
      const scale = scaledRun(opts);
      if (scale) refuseUnscaledAuditFlags(opts);
      const skip = parseSkip(opts.skip);
      const checkOptions = checkOptionsFrom(command, skip);
      if (opts.demo && (opts.model || opts.input || opts.manifest)) throw new UsageError('--demo trains its own models and data; drop --model/--input/--manifest, or drop --demo');
      if (!opts.demo && !opts.model) throw new UsageError('give --model M.onnx (and --input/--labels), or use --demo');
      if (opts.demo && (opts.task !== undefined || opts.quantiles)) throw new UsageError('--demo audits its own two classifiers; drop --task/--quantiles, or drop --demo');
      const overlap = parseTileFlags(command, opts);
      if (opts.demo && opts.tile) throw new UsageError('--demo audits its own 32×32 tiles; drop --tile');
      if ((opts.demo || opts.tile) && (opts.acquisitionTime || opts.descriptors || opts.nuisance)) throw new UsageError(`${opts.demo ? '--demo audits its own data' : '--tile audits tiles, not the given images'}: drop --acquisition-time, --descriptors and --nuisance`);
      let task: Task | undefined;
      let scaledBy: Omit<ScaledAudit, 'audit'> | undefined;
      const scaled = scale
        ? async (loaded: LoadedAudit, bar: StageProgress) => {
            const r = await runScaledAudit({ opts, loaded, skip, checkOptions, progress: bar, onNote: (line) => console.error(`trustscope: ${line}`) });
            scaledBy = { where: r.where, resumed: r.resumed, duplicatesDropped: r.duplicatesDropped };
            return r.audit;
          }
        : undefined;
      await runInFolder(
        'audit',
        opts,
        async (folder) => {
          const done = await audit(opts, folder, skip, checkOptions, (t) => refuseOtherTaskFlags(command, skip, t), opts.tile ? overlap : undefined, scaled);
          task = done.task;
          return done.calibrations;
        },
        (calibrations) => ({
          task: task ?? 'classification',
          ...(opts.quantiles ? { quantiles: opts.quantiles } : {}),
          normalise: opts.normalise ? describeNormalisation(opts.normalise) : 'none',
          pixelSizes: pixelSizeRecord(calibrations),
          ...(opts.tile ? { tile: { overlap: opts.tileOverlap, maxTiles: opts.maxTiles } } : {}),
          ...(scaledBy ? { scale: { mode: opts.queue !== undefined ? 'queue' : 'workers', ...scaledBy, seedStreams: 'per check: Random.forKey(seed, check id)' } } : {}),
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
  scaled?: (loaded: LoadedAudit, bar: StageProgress) => Promise<ModelAudit>,
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
      const loaded = await loadUserAudit(opts, checkFlagsFor, overlap, (s, f) => bar.update(s, f));
      try {
        calibrations = loaded.calibrations;
        tiling = loaded.tiling;
        if (tiling) intro = tilingIntro(tiling, loaded.input.model.outputSize === 1);
        for (const file of loaded.files) folder.input(file);
        const a = scaled ? await scaled(loaded, bar) : await auditModel(loaded.input, { seed: opts.seed, checkOptions, skip, onProgress: (s, f) => bar.update(s, f) });
        audits = [a];
        timings = a.timings;
      } finally {
        await loaded.input.model.dispose();
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
