/** `trustscope importance`: permutation importance of a tabular ONNX model, written as JSON into --out. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { shapeToString } from '../tensor/tensor.js';
import { SCORINGS, permutationImportance } from '../tabular/permutation-importance.js';
import type { Scoring } from '../tabular/permutation-importance.js';
import { UsageError, parseInteger } from './errors.js';
import { checkFinite, readValues } from './inputs.js';
import { addProgressOptions, addRunOptions, progressFor, runInFolder } from './run.js';
import { loadTabularModel, readTable } from './tabular-input.js';

export const IMPORTANCE = 'importance.json';

interface ImportanceCliOptions {
  model: string;
  input: string;
  labels: string;
  out: string;
  force?: boolean;
  repeats: number;
  seed: number;
  scoring: Scoring;
  names?: string;
  batchSize: number;
  progress: boolean;
}

function parseScoring(value: string): Scoring {
  if (!(SCORINGS as readonly string[]).includes(value)) throw new UsageError(`--scoring must be one of ${SCORINGS.join(', ')} (got '${value}')`);
  return value as Scoring;
}

export function registerImportance(program: Command): void {
  const command = program
    .command('importance')
    .description("permutation importance of each column of a tabular model (scikit-learn's permutation_importance semantics)")
    .requiredOption('--model <file.onnx>', 'ONNX model with input [N, F]')
    .requiredOption('--input <X.npy>', 'table [N, F]')
    .requiredOption('--labels <Y.npy>', 'class labels [N] (accuracy) or targets [N] / [N, K] (r2, neg-mse)')
    .option('--repeats <n>', 'shuffles per column', parseInteger('--repeats', 1), 50)
    .option('--scoring <name>', `${SCORINGS.join(' | ')}; accuracy takes the argmax of the output (or output > 0.5 for one column)`, parseScoring, 'accuracy')
    .option('--names <a,b,…>', 'feature names, one per column (default f0, f1, …)')
    .option('--batch-size <n>', 'rows per ONNX Runtime call (bounds memory)', parseInteger('--batch-size', 1), 4096)
;
  addRunOptions(command, { out: 'trustscope-importance', what: `${IMPORTANCE}: {features, mean, std, baselineScore}` });
  addProgressOptions(command);
  command
    .addHelpText(
      'after',
      '\n--out is always a folder.\nThe importance of a column is the score on the intact table minus the score with that column shuffled,\nper repeat; mean and population standard deviation over the repeats.\n\nExample:\n  trustscope importance --model model.onnx --input X.npy --labels y.npy --repeats 50 --names a,b,c --out importance',
    )
    .action(async (opts: ImportanceCliOptions) => {
      const names = opts.names?.split(',').map((s) => s.trim());
      await runInFolder('importance', opts, async (folder) => {
        const model = await loadTabularModel(opts.model, opts.batchSize);
        try {
          folder.input(opts.model);
          // Every input is read and checked before the shuffling starts.
          const x = await readTable(opts.input, model.inputShape[0], '--input');
          folder.input(opts.input);
          const labels = await readValues(opts.labels);
          if (labels.shape[0] !== x.shape[0] || labels.shape.length > 2) {
            throw new UsageError(`--labels ${opts.labels} has shape ${shapeToString(labels.shape)} but --input has ${x.shape[0]} rows; give [${x.shape[0]}] or [${x.shape[0]}, K]`);
          }
          checkFinite(labels, opts.labels);
          if (opts.scoring === 'accuracy') {
            // Class labels: whole numbers, each a class of the model (one output column: 0 or 1).
            if (labels.shape.length === 2 && labels.shape[1] !== 1) throw new UsageError(`--labels ${opts.labels} has shape ${shapeToString(labels.shape)}; --scoring accuracy takes one class label per row, [${x.shape[0]}]`);
            const classes = model.outputSize === 1 ? 2 : model.outputSize;
            const bad = labels.data.findIndex((v) => !Number.isInteger(v) || v < 0);
            if (bad >= 0) throw new UsageError(`${opts.labels} row ${bad}: ${labels.data[bad]} is not an integer class label; use --scoring r2 or neg-mse for regression targets`);
            const out = labels.data.findIndex((v) => v >= classes);
            if (out >= 0) throw new UsageError(`${opts.labels} row ${out}: label ${labels.data[out]}, but the model has ${classes} classes (0..${classes - 1})`);
          }
          folder.input(opts.labels);
          if (names && names.length !== x.shape[1]) throw new UsageError(`--names lists ${names.length} names for ${x.shape[1]} columns; give one per column`);
          const bar = progressFor(opts);
          const started = performance.now();
          let result;
          try {
            result = await permutationImportance(model, x, labels.data, {
              repeats: opts.repeats,
              seed: opts.seed,
              scoring: opts.scoring,
              names,
              onProgress: (f) => bar.update('permutation importance', f),
            });
          } finally {
            bar.stop();
          }
          const { features, mean, std, baselineScore } = result;
          await folder.write(IMPORTANCE, JSON.stringify({ features, mean, std, baselineScore }, null, 2) + '\n');
          const order = features.map((_, j) => j).sort((a, b) => mean[b] - mean[a]);
          console.log(`permutation importance (${opts.scoring}, ${opts.repeats} repeats, baseline ${baselineScore.toFixed(4)}) in ${((performance.now() - started) / 1000).toFixed(2)} s → ${join(opts.out, IMPORTANCE)}`);
          for (const j of order) console.log(`  ${features[j].padEnd(24)} ${mean[j].toFixed(4)} ± ${std[j].toFixed(4)}`);
        } finally {
          await model.dispose();
        }
      });
    });
}
