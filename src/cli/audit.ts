/** `trustscope audit`: may I trust this model? Every check, one verdict page. */
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Dataset } from '../data/dataset.js';
import { readNpy } from '../data/formats/npy.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { loadOnnxModel, saveOnnxGraph } from '../models/import/onnx-file.js';
import { auditJson, auditModel, type ModelAudit } from '../audit/audit.js';
import { runDemoAudit } from '../audit/demo-audit.js';
import type { FindingId } from '../audit/findings.js';
import type { InterventionSpec } from '../audit/intervention-check.js';
import { renderAuditPage, type ModelAuditView } from '../report/audit-page.js';
import { UsageError, parseInteger, parseNumber } from './errors.js';
import { stageProgress } from './progress.js';
import { asBatch, asMasks, readIds } from './inputs.js';

interface AuditCliOptions {
  demo?: boolean;
  model?: string;
  data?: string;
  labels?: string;
  groups?: string;
  masks?: string;
  reference?: string;
  referenceLabels?: string;
  patch?: string;
  patchValue: number;
  patchClass?: number;
  out: string;
  seed: number;
  folds: number;
  skip?: string;
  progress: boolean;
}

const STAGES: readonly FindingId[] = ['leakage', 'calibration', 'shortcut', 'intervention', 'sanity', 'descriptors', 'ood', 'conformal'];

function parseSkip(value: string | undefined): FindingId[] {
  if (!value) return [];
  return value.split(',').map((s) => {
    const id = s.trim() as FindingId;
    if (!STAGES.includes(id)) throw new UsageError(`--skip takes a comma-separated list of ${STAGES.join(', ')} (got '${s.trim()}')`);
    return id;
  });
}

function view(a: ModelAudit): ModelAuditView {
  return { name: a.name, description: `${a.images} images audited · accuracy ${a.accuracy.toFixed(3)}`, findings: a.findings };
}

function verdictLines(audits: readonly ModelAudit[]): string {
  const lines: string[] = [];
  for (const a of audits) {
    lines.push(`${a.name} (accuracy ${a.accuracy.toFixed(3)} on ${a.images} images)`);
    for (const f of a.findings) lines.push(`  ${f.verdict.toUpperCase().padEnd(8)}${f.title}`);
  }
  return lines.join('\n');
}

async function userData(opts: AuditCliOptions, inputShape: readonly number[]): Promise<{ data: Dataset; reference?: Dataset }> {
  if (!opts.data) throw new UsageError('give --data X.npy (the images to audit) with --labels Y.npy, or use --demo');
  if (!opts.labels) throw new UsageError('give --labels Y.npy: one class index per image of --data');
  const images = asBatch(await readNpy(opts.data), inputShape, opts.data);
  const n = images.shape[0];
  const labels = await readIds(opts.labels, n, 'labels');
  const groups = opts.groups ? await readIds(opts.groups, n, 'group ids') : undefined;
  const [h, w] = images.shape.slice(-2);
  const masks = opts.masks ? { roi: asMasks(await readNpy(opts.masks), n, h, w, opts.masks) } : undefined;
  let reference: Dataset | undefined;
  if (opts.reference) {
    if (!opts.referenceLabels) throw new UsageError('--reference needs --reference-labels (class per reference image, for the Mahalanobis class means)');
    const refImages = asBatch(await readNpy(opts.reference), inputShape, opts.reference);
    reference = { images: refImages, labels: await readIds(opts.referenceLabels, refImages.shape[0], 'reference labels') };
  }
  return { data: { images, labels, groups, masks }, reference };
}

async function patchSpec(opts: AuditCliOptions, [h, w]: number[]): Promise<InterventionSpec | undefined> {
  if (!opts.patch) {
    if (opts.patchClass !== undefined) throw new UsageError('--patch-class needs --patch P.npy (the patch mask)');
    return undefined;
  }
  if (opts.patchClass === undefined) throw new UsageError('--patch needs --patch-class C: the class the patch might fake');
  const m = await readNpy(opts.patch);
  if (m.data.length !== h * w) throw new UsageError(`${opts.patch} has ${m.data.length} values; a patch mask must be (${h}, ${w}) like the images`);
  return { patch: { mask: m.data, value: opts.patchValue }, targetClass: opts.patchClass };
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('may I trust this model? leakage, calibration, shortcut (explain + intervention), explanation sanity, descriptors, OOD and conformal sets → one verdict report')
    .option('--demo', 'audit the built-in scenario: train a clean and a shortcut tiny CNN on synthetic EM tiles, then audit both')
    .option('--model <file.onnx>', 'the classifier to audit (one image input, logits out)')
    .option('--data <X.npy>', 'images to audit, (N, C, H, W) float32, e.g. a held-out test split')
    .option('--labels <Y.npy>', 'class index per image of --data')
    .option('--groups <G.npy>', 'specimen id per image: enables the leakage check (grouped k-fold retraining)')
    .option('--masks <M.npy>', 'region of interest per image (N, H, W), 1 where the real evidence is: enables the shortcut check')
    .option('--reference <R.npy>', 'training-distribution images: enables the out-of-distribution check')
    .option('--reference-labels <RY.npy>', 'class index per reference image')
    .option('--patch <P.npy>', 'a suspected nuisance patch: (H, W) mask, 1 where it is pasted (the inject test)')
    .option('--patch-value <v>', 'intensity written into the patch pixels', parseNumber('--patch-value'), 1)
    .option('--patch-class <c>', 'the class the patch might fake (needed with --patch)', parseInteger('--patch-class', 0))
    .option('--out <dir>', 'output folder for audit.json and index.html', 'trustscope-audit')
    .option('--seed <n>', 'seed of every random step', parseInteger('--seed', 0), 1)
    .option('--folds <k>', 'folds of the leakage check', parseInteger('--folds', 2), 5)
    .option('--skip <list>', `stages to skip: ${STAGES.join(',')}`)
    .option('--no-progress', 'no progress bars')
    .addHelpText(
      'after',
      '\nEach check gives PASS, WARN, FLAG or NOT RUN (its inputs were not given), with its rule and what it cannot tell.\n' +
        'Examples:\n  trustscope audit --demo --out report\n' +
        '  trustscope audit --model m.onnx --data test.npy --labels test-labels.npy --groups specimens.npy --masks roi.npy \\\n' +
        '      --reference train.npy --reference-labels train-labels.npy --out report',
    )
    .action(async (opts: AuditCliOptions) => {
      const skip = parseSkip(opts.skip);
      const bar = stageProgress(opts.progress && process.stderr.isTTY === true);
      const started = performance.now();
      let audits: ModelAudit[];
      let title: string;
      let subtitle: string;
      let intro: string | undefined;
      let timings: Record<string, number>;
      try {
        if (opts.demo) {
          if (opts.model || opts.data) throw new UsageError('--demo trains its own models and data; drop --model/--data, or drop --demo');
          const r = await runDemoAudit({ seed: opts.seed, onProgress: (s, f) => bar.update(s, f) });
          audits = [r.audits.clean, r.audits.shortcut];
          timings = r.timings;
          title = 'trustscope audit — the built-in scenario';
          subtitle = `seed ${r.seed} · two tiny CNNs trained on synthetic 32×32 EM tiles · ${r.audits.clean.images} test images each`;
          intro =
            'Both models find a centre-disk defect with near-perfect accuracy. The shortcut model was trained on tiles where a bright ' +
            'corner artifact accompanied every defect. The audit does not know this: it is given each model with its own test split, ' +
            'the defect masks as regions of interest, the specimen ids and the training images, and must find out.';
          await saveOnnxGraph(join(opts.out, 'clean-model.onnx'), r.graphs.clean);
          await saveOnnxGraph(join(opts.out, 'shortcut-model.onnx'), r.graphs.shortcut);
        } else {
          if (!opts.model) throw new UsageError('give --model M.onnx (and --data/--labels), or use --demo');
          const model = await loadOnnxModel(opts.model, { internalBatchSize: 256 });
          try {
            const { data, reference } = await userData(opts, model.inputShape);
            const intervention = await patchSpec(opts, data.images.shape.slice(-2));
            const a = await auditModel({ name: opts.model, model, data, reference, intervention }, { seed: opts.seed, folds: opts.folds, skip, onProgress: (s, f) => bar.update(s, f) });
            audits = [a];
            timings = a.timings;
          } finally {
            await model.dispose();
          }
          title = `trustscope audit — ${opts.model}`;
          subtitle = `${audits[0].images} images from ${opts.data}`;
        }
      } finally {
        bar.stop();
      }
      const json = { tool: 'trustscope audit', seed: opts.seed, models: audits.map(auditJson), timings };
      await writeFileAtomic(join(opts.out, 'audit.json'), JSON.stringify(json, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
      await writeFileAtomic(join(opts.out, 'index.html'), renderAuditPage({ title, subtitle, intro, models: audits.map(view), timings }));
      console.log(verdictLines(audits));
      console.log(`\nwrote ${join(opts.out, 'audit.json')} and ${join(opts.out, 'index.html')} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    });
}
