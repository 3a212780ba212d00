/** `trustscope audit`: may I trust this model? Every check, one verdict page. */
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Dataset } from '../data/dataset.js';
import type { Model } from '../models/model.js';
import { loadOnnxModel, saveOnnxGraph } from '../models/import/onnx-file.js';
import { auditJson, auditModel, type ModelAudit } from '../audit/audit.js';
import { runDemoAudit } from '../audit/demo-audit.js';
import { AUDIT_INPUTS, type AuditInputKind, type InterventionSpec } from '../audit/check.js';
import { CHECKS, CHECK_IDS } from '../audit/checks.js';
import { mergeOptionSpecs } from '../options/option-spec.js';
import { renderAuditPage, type ModelAuditView } from '../report/audit-page.js';
import { UsageError, parseInteger, parseNumber } from './errors.js';
import { addDeclaredOptions, attributeOf, declaredValues } from './declared-options.js';
import { addNormaliseOption, addProgressOptions, addRunOptions, progressFor, runInFolder } from './run.js';
import type { OutputFolder } from './output-folder.js';
import { asMasks, readIds, readImages, readValues } from './inputs.js';
import { describeNormalisation, type Normalisation } from '../data/normalise.js';
import type { TileOverlap } from '../data/tiling.js';
import { addTileOptions, parseTileFlags, type TileFlags } from './tile-options.js';
import { tiledAuditData, tilingIntro, type TilingSummary } from './audit-tiles.js';

interface AuditCliOptions extends TileFlags {
  demo?: boolean;
  model?: string;
  input?: string;
  labels?: string;
  referenceLabels?: string;
  patchValue: number;
  patchClass?: number;
  out: string;
  force?: boolean;
  seed: number;
  normalise?: Normalisation;
  skip?: string;
  progress: boolean;
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

function view(a: ModelAudit): ModelAuditView {
  return { name: a.name, description: `${a.images} images audited · ${Number.isFinite(a.accuracy) ? `accuracy ${a.accuracy.toFixed(3)}` : 'one output (a regressor): no accuracy'}`, findings: a.findings };
}

function verdictLines(audits: readonly ModelAudit[]): string {
  const lines: string[] = [];
  for (const a of audits) {
    lines.push(`${a.name} (${Number.isFinite(a.accuracy) ? `accuracy ${a.accuracy.toFixed(3)}` : 'one output: a regressor, no accuracy'} on ${a.images} images)`);
    for (const f of a.findings) lines.push(`  ${f.verdict.toUpperCase().padEnd(8)}${f.title}`);
  }
  return lines.join('\n');
}

async function userData(opts: AuditCliOptions, inputShape: readonly number[], outputSize: number): Promise<{ data: Dataset; reference?: Dataset }> {
  if (!opts.input) throw new UsageError('give --input X.npy (the images to audit) with --labels Y.npy, or use --demo');
  if (!opts.labels) throw new UsageError('give --labels Y.npy: one class index per image of --input');
  const images = (await readImages(opts.input, inputShape, opts.normalise)).batch;
  const n = images.shape[0];
  const labels = await readIds(opts.labels, n, 'labels', outputSize);
  const groupsFile = inputPath(opts, 'groups');
  const groups = groupsFile ? await readIds(groupsFile, n, 'group ids') : undefined;
  const [h, w] = images.shape.slice(-2);
  const roiFile = inputPath(opts, 'roi');
  const masks = roiFile ? { roi: asMasks(await readValues(roiFile), n, h, w, roiFile) } : undefined;
  let reference: Dataset | undefined;
  const referenceFile = inputPath(opts, 'reference');
  if (referenceFile) {
    if (!opts.referenceLabels) throw new UsageError(`${AUDIT_INPUTS.reference.flag} needs --reference-labels (class per reference image, for the Mahalanobis class means)`);
    // The reference is scaled like the audited images: the same model sees both.
    const refImages = (await readImages(referenceFile, inputShape, opts.normalise)).batch;
    reference = { images: refImages, labels: await readIds(opts.referenceLabels, refImages.shape[0], 'reference labels', outputSize) };
  }
  return { data: { images, labels, groups, masks }, reference };
}

/** --tile: the drawn tiles of every image are the audited images (audit-tiles.ts). */
async function tiledUserData(opts: AuditCliOptions, model: Model, overlap: TileOverlap, onProgress: (stage: string, fraction: number) => void): Promise<{ data: Dataset; reference?: Dataset; tiling: TilingSummary }> {
  if (!opts.input) throw new UsageError('give --input X (the micrographs to audit) with --labels Y.npy');
  if (!opts.labels) throw new UsageError('give --labels Y.npy: one class index per image of --input (each tile inherits its image\'s)');
  const [groups, roi, reference] = (['groups', 'roi', 'reference'] as const).map((k) => inputPath(opts, k));
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
    .option('--model <file.onnx>', 'the classifier to audit (one image input, logits out)')
    .option('--input <X.npy>', 'images to audit, (N, C, H, W) float32, e.g. a held-out test split')
    .option('--labels <Y.npy>', 'class index per image of --input')
    .option(`${AUDIT_INPUTS.groups.flag} <G.npy>`, 'specimen id per image: enables the leakage check (grouped k-fold retraining)')
    .option(`${AUDIT_INPUTS.roi.flag} <M.npy>`, 'region of interest per image (N, H, W), 1 where the real evidence is: enables the shortcut check')
    .option(`${AUDIT_INPUTS.reference.flag} <R.npy>`, 'training-distribution images: enables the out-of-distribution check')
    .option('--reference-labels <RY.npy>', 'class index per reference image')
    .option(`${AUDIT_INPUTS.patch.flag} <P.npy>`, 'a suspected nuisance patch: (H, W) mask, 1 where it is pasted (the inject test)')
    .option('--patch-value <v>', 'intensity written into the patch pixels', parseNumber('--patch-value'), 1)
    .option('--patch-class <c>', `the class the patch might fake (needed with ${AUDIT_INPUTS.patch.flag})`, parseInteger('--patch-class', 0))
    .option('--skip <list>', `checks to skip: ${CHECK_IDS.join(',')}`);
  addRunOptions(command, { out: 'trustscope-audit', what: 'audit.json, index.html; with --demo also the two models' });
  addProgressOptions(command);
  addNormaliseOption(command);
  addTileOptions(command, { maxTiles: true });
  addDeclaredOptions(command, CHECK_FLAGS)
    .addHelpText(
      'after',
      '\nEach check gives PASS, WARN, FLAG or NOT RUN (its inputs were not given), with its rule and what it cannot tell.\n' +
        'Examples:\n  trustscope audit --demo --out report\n' +
        '  trustscope audit --model m.onnx --input test.npy --labels test-labels.npy --groups specimens.npy --roi roi.npy \\\n' +
        '      --reference train.npy --reference-labels train-labels.npy --out report',
    )
    .action(async (opts: AuditCliOptions) => {
      const skip = parseSkip(opts.skip);
      const checkOptions = checkOptionsFrom(command, skip);
      if (opts.demo && (opts.model || opts.input)) throw new UsageError('--demo trains its own models and data; drop --model/--input, or drop --demo');
      if (!opts.demo && !opts.model) throw new UsageError('give --model M.onnx (and --input/--labels), or use --demo');
      const overlap = parseTileFlags(command, opts);
      if (opts.demo && opts.tile) throw new UsageError('--demo audits its own 32×32 tiles; drop --tile');
      await runInFolder('audit', opts, (folder) => audit(opts, folder, skip, checkOptions, opts.tile ? overlap : undefined), () => ({ normalise: opts.normalise ? describeNormalisation(opts.normalise) : 'none', ...(opts.tile ? { tile: { overlap: opts.tileOverlap, maxTiles: opts.maxTiles } } : {}) }));
    });
}

async function audit(opts: AuditCliOptions, folder: OutputFolder, skip: string[], checkOptions: Record<string, Record<string, unknown>>, overlap?: TileOverlap): Promise<void> {
  const bar = progressFor(opts);
  const started = performance.now();
  let audits: ModelAudit[];
  let title: string;
  let subtitle: string;
  let intro: string | undefined;
  let timings: Record<string, number>;
  let tiling: TilingSummary | undefined;
  try {
    if (opts.demo) {
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
    } else {
      const model = await loadOnnxModel(opts.model!, { internalBatchSize: 256 });
      try {
        const { data, reference, tiling: tiled } = overlap ? await tiledUserData(opts, model, overlap, (s, f) => bar.update(s, f)) : { ...(await userData(opts, model.inputShape, model.outputSize)), tiling: undefined };
        tiling = tiled;
        if (tiling) intro = tilingIntro(tiling, model.outputSize === 1);
        for (const file of [opts.model!, opts.input, opts.labels, opts.referenceLabels, ...(['groups', 'roi', 'reference', 'patch'] as const).map((k) => inputPath(opts, k))]) if (file) folder.input(file);
        const intervention = await patchSpec(opts, data.images.shape.slice(-2));
        const a = await auditModel({ name: opts.model!, model, data, reference, intervention }, { seed: opts.seed, checkOptions, skip, onProgress: (s, f) => bar.update(s, f) });
        audits = [a];
        timings = a.timings;
      } finally {
        await model.dispose();
      }
      title = `trustscope audit — ${opts.model}`;
      subtitle = tiling ? `${audits[0].images} tiles of ${tiling.images.length} image(s) from ${opts.input}` : `${audits[0].images} images from ${opts.input}`;
    }
  } finally {
    bar.stop();
  }
  const json = { tool: 'trustscope audit', seed: opts.seed, models: audits.map(auditJson), timings, ...(tiling ? { tiling } : {}) };
  await folder.write('audit.json', JSON.stringify(json, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  await folder.write('index.html', await renderAuditPage({ title, subtitle, intro, models: audits.map(view), timings }));
  console.log(verdictLines(audits));
  console.log(`\nwrote ${join(opts.out, 'audit.json')} and ${join(opts.out, 'index.html')} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
