/**
 * `trustscope remedy`: after an audit flags a shortcut, retrain with a remedy that uses the marked
 * artifact (counterfactual augmentation; right for the right reasons), re-audit, and write the
 * before/after: remedy.json, index.html and the remedied models (.onnx). `--demo` runs on the demo's
 * shortcut model; `--model` on yours, with its training data, audited data, ROI and artifact mask.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { REMEDIES, REMEDY_DEFAULTS, REMEDY_OPTIONS, REMEDY_RECIPE_OPTIONS, remedyJson, runDemoRemedy, type RemedyName, type RemedyResult } from '../audit/remedy.js';
import { remedyModel } from '../audit/remedy-model.js';
import { CHECK_IDS } from '../audit/checks.js';
import { renderRemedyPage } from '../report/remedy-page.js';
import { saveOnnxGraph } from '../models/import/onnx-file.js';
import { loadModelForImages } from './model-for-images.js';
import { mergeOptionSpecs } from '../options/option-spec.js';
import { addDeclaredOptions, attributeOf, declaredValues } from './declared-options.js';
import { UsageError, parseInteger, parseNumber } from './errors.js';
import { addNormaliseOption, addProgressOptions, addRunOptions, progressFor, runInFolder } from './run.js';
import { checkRemedyFiles, readRemedyInput, type RemedyFiles } from './remedy-inputs.js';

export const REMEDY_JSON = 'remedy.json';

const OWNERS = [
  { owner: 'remedy', options: REMEDY_OPTIONS },
  { owner: 'remedy --model', options: REMEDY_RECIPE_OPTIONS },
];
const REMEDY_FLAGS = mergeOptionSpecs(OWNERS);

interface RemedyCliOptions extends RemedyFiles {
  demo?: boolean;
  model?: string;
  out: string;
  force?: boolean;
  seed: number;
  progress?: boolean;
  quiet?: boolean;
  jsonProgress?: boolean;
}

interface RemedyValues {
  remedies: RemedyName[];
  lambda: number;
  pasteShare: number;
  skip: string[];
}

interface RecipeValues {
  epochs: number;
  learningRate: number;
  weightDecay: number;
  start: 'scratch' | 'fine-tune';
}

function checked(values: RemedyValues): RemedyValues {
  const unknown = values.remedies.find((n) => !REMEDIES.includes(n));
  if (unknown !== undefined) throw new UsageError(`--remedies: there is no remedy '${unknown}'; remedies: ${REMEDIES.join(', ')}`);
  const bad = values.skip.find((id) => !CHECK_IDS.includes(id as (typeof CHECK_IDS)[number]));
  if (bad !== undefined) throw new UsageError(`--skip takes a comma-separated list of ${CHECK_IDS.join(', ')} (got '${bad}')`);
  for (const id of ['shortcut', 'intervention']) if (values.skip.includes(id)) throw new UsageError(`--skip ${id}: the remedy is judged by the shortcut and intervention checks; keep them`);
  return values;
}

/** The before/after table printed on the terminal. */
export function formatRemedyTable(r: RemedyResult): string {
  const lines = ['remedy                           λ       artifact-free accuracy   shortcut        intervention'];
  const verdicts = (m: RemedyResult['before']) => Object.fromEntries(m.audit.findings.map((f) => [f.id, f.verdict]));
  const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '—');
  const b = verdicts(r.before);
  const pad = (s: string, n: number) => s + ' '.repeat(Math.max(1, n - s.length));
  for (const m of r.remedies) {
    const a = verdicts(m);
    lines.push(
      pad(m.name, 33) + pad(m.lambda === null ? '—' : String(m.lambda), 8) + pad(`${f3(r.before.artifactFreeAccuracy)} → ${f3(m.artifactFreeAccuracy)}`, 25) +
        pad(`${b.shortcut ?? 'not run'} → ${a.shortcut ?? 'not run'}`, 16) + `${b.intervention ?? 'not run'} → ${a.intervention ?? 'not run'}`,
    );
  }
  return lines.join('\n');
}

export function registerRemedy(program: Command): void {
  const command = program
    .command('remedy')
    .description('retrain a model that an audit flagged for a shortcut so that it stops using the marked artifact (counterfactual augmentation; right for the right reasons), re-audit it, and report before/after')
    .option('--demo', "run on the demo's shortcut model, its training tiles and its corner artifact")
    .option('--model <file.onnx>', 'the flagged classifier (instead of --demo)')
    .option('--train-input <X.npy>', 'with --model: its training images')
    .option('--train-labels <Y.npy>', 'with --model: their labels (N)')
    .option('--input <X.npy>', 'with --model: the images every model is audited on (a held-out split)')
    .option('--labels <Y.npy>', 'with --model: their labels (N)')
    .option('--roi <ROI.npy>', 'with --model: where the real evidence is, (N,H,W) or (H,W) for all images')
    .option('--artifact-mask <A.npy>', 'with --model: the marked artifact, (H,W), 1 on its pixels')
    .option('--from-audit <audit.json>', "with --model, instead of --artifact-mask: take the artifact from the audit's flagged finding (the intervention's patch, else the shortcut check's hotspot window; its class and intensity unless --artifact-class/--artifact-value say otherwise)")
    .option('--artifact-value <x>', 'with --model: the intensity the artifact paints (pasted by the augmentation and the intervention check)', parseNumber('--artifact-value'), 1)
    .option('--artifact-class <c>', 'with --model: the class the artifact fakes (runs the intervention check)', parseInteger('--artifact-class', 0));
  addDeclaredOptions(command, REMEDY_FLAGS);
  addNormaliseOption(command);
  addRunOptions(command, { out: 'trustscope-remedy', what: `${REMEDY_JSON}, index.html and the flagged and remedied models (.onnx)` });
  addProgressOptions(command);
  command
    .addHelpText('after', `\n--out is always a folder. Each remedy retrains the model, then runs the audit on it (without ${REMEDY_DEFAULTS.skip.join(', ')} unless --skip says otherwise).`)
    .action(async (opts: RemedyCliOptions) => {
      if (Boolean(opts.demo) === (opts.model !== undefined)) throw new UsageError('give --demo (the demo\'s shortcut model) or --model with its data, not both or neither');
      const [values, recipeValues] = declaredValues(command, REMEDY_FLAGS, OWNERS) as unknown as [RemedyValues, RecipeValues];
      const v = checked(values);
      if (opts.demo) {
        const recipeFlag = REMEDY_RECIPE_OPTIONS.find((s) => command.getOptionValueSource(attributeOf(s.flag)) === 'cli');
        if (recipeFlag) throw new UsageError(`${recipeFlag.flag} applies to --model runs; the demo retrains with its own recipe`);
      } else checkRemedyFiles(opts);
      await runInFolder(
        'remedy',
        opts,
        async (folder) => {
          const bar = progressFor(opts);
          const started = performance.now();
          const settings = { remedies: v.remedies, lambda: v.lambda, pasteShare: v.pasteShare, skip: v.skip, seed: opts.seed, onProgress: (stage: string, fraction: number) => bar.update(stage, fraction) };
          let result: RemedyResult;
          try {
            if (opts.demo) result = await runDemoRemedy(settings);
            else {
              const model = await loadModelForImages(opts.model!, { files: [opts.trainInput, opts.input] });
              try {
                folder.input(opts.model!);
                const r = recipeValues;
                const files = { ...opts, artifactValueGiven: command.getOptionValueSource('artifactValue') === 'cli' };
                const input = await readRemedyInput(model, files, { epochs: r.epochs, batchSize: 64, learningRate: r.learningRate, weightDecay: r.weightDecay, schedule: 'cosine', seed: opts.seed, start: r.start }, folder);
                result = await remedyModel(input, { ...settings, explainImages: REMEDY_DEFAULTS.explainImages, examples: REMEDY_DEFAULTS.examples });
              } finally {
                await model.dispose();
              }
            }
          } finally {
            bar.stop();
          }
          await folder.write(REMEDY_JSON, JSON.stringify(remedyJson(result), null, 2) + '\n');
          await folder.write('index.html', renderRemedyPage(result));
          await saveOnnxGraph(folder.record(opts.demo ? 'shortcut-model.onnx' : 'flagged-model.onnx'), result.before.graph);
          for (const m of result.remedies) await saveOnnxGraph(folder.record(`${m.name}-model.onnx`), m.graph);
          console.log(formatRemedyTable(result));
          console.log(`\nwrote ${join(opts.out, REMEDY_JSON)}, ${join(opts.out, 'index.html')} and the models (.onnx) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
          return result;
        },
        (r) => ({ lambda: v.lambda, remedies: r.remedies.map((m) => m.name) }),
      );
    });
}
