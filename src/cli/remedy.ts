/**
 * `trustscope remedy`: after an audit flags a shortcut, retrain with a remedy that uses the marked
 * artifact (counterfactual augmentation; right for the right reasons), re-audit, and write the
 * before/after: remedy.json, index.html and the remedied models (.onnx).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { REMEDIES, REMEDY_OPTIONS, remedyJson, runDemoRemedy, type RemedyName, type RemedyResult } from '../audit/remedy.js';
import { CHECK_IDS } from '../audit/checks.js';
import { renderRemedyPage } from '../report/remedy-page.js';
import { saveOnnxGraph } from '../models/import/onnx-file.js';
import { mergeOptionSpecs } from '../options/option-spec.js';
import { addDeclaredOptions, declaredValues } from './declared-options.js';
import { UsageError } from './errors.js';
import { addProgressOptions, addRunOptions, progressFor, runInFolder } from './run.js';

export const REMEDY_JSON = 'remedy.json';

const REMEDY_FLAGS = mergeOptionSpecs([{ owner: 'remedy', options: REMEDY_OPTIONS }]);

interface RemedyCliOptions {
  demo?: boolean;
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
  const b = verdicts(r.before);
  for (const m of r.remedies) {
    const a = verdicts(m);
    const pad = (s: string, n: number) => s + ' '.repeat(Math.max(1, n - s.length));
    lines.push(
      pad(m.name, 33) + pad(m.lambda === null ? '—' : String(m.lambda), 8) +
        pad(`${r.before.artifactFreeAccuracy.toFixed(3)} → ${m.artifactFreeAccuracy.toFixed(3)}`, 25) +
        pad(`${b.shortcut} → ${a.shortcut}`, 16) + `${b.intervention} → ${a.intervention}`,
    );
  }
  return lines.join('\n');
}

export function registerRemedy(program: Command): void {
  const command = program
    .command('remedy')
    .description('retrain a model that an audit flagged for a shortcut so that it stops using the marked artifact (counterfactual augmentation; right for the right reasons), re-audit it, and report before/after')
    .option('--demo', "run on the demo's shortcut model, its training tiles and its corner artifact");
  addDeclaredOptions(command, REMEDY_FLAGS);
  addRunOptions(command, { out: 'trustscope-remedy', what: `${REMEDY_JSON}, index.html and the remedied models (.onnx)` });
  addProgressOptions(command);
  command
    .addHelpText('after', "\n--out is always a folder. Each remedy retrains the model's architecture from scratch with the demo recipe (12 epochs), then runs the audit on it.")
    .action(async (opts: RemedyCliOptions) => {
      if (!opts.demo) throw new UsageError('remedy runs on the demo only so far: give --demo (your own model, training data and artifact mask are not wired yet)');
      const [values] = declaredValues(command, REMEDY_FLAGS, [{ owner: 'remedy', options: REMEDY_OPTIONS }]) as unknown as RemedyValues[];
      const v = checked(values);
      await runInFolder(
        'remedy',
        opts,
        async (folder) => {
          const bar = progressFor(opts);
          const started = performance.now();
          let result: RemedyResult;
          try {
            result = await runDemoRemedy({ seed: opts.seed, remedies: v.remedies, lambda: v.lambda, pasteShare: v.pasteShare, skip: v.skip, onProgress: (stage, fraction) => bar.update(stage, fraction) });
          } finally {
            bar.stop();
          }
          await folder.write(REMEDY_JSON, JSON.stringify(remedyJson(result), null, 2) + '\n');
          await folder.write('index.html', renderRemedyPage(result));
          await saveOnnxGraph(folder.record('shortcut-model.onnx'), result.before.graph);
          for (const m of result.remedies) await saveOnnxGraph(folder.record(`${m.name}-model.onnx`), m.graph);
          console.log(formatRemedyTable(result));
          console.log(`\nwrote ${join(opts.out, REMEDY_JSON)}, ${join(opts.out, 'index.html')} and the models (.onnx) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
          return result;
        },
        (r) => ({ lambda: v.lambda, remedies: r.remedies.map((m) => m.name) }),
      );
    });
}
