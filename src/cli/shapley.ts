/** `trustscope shapley`: interventional Shapley values of a tabular ONNX model, written as shapley.npy into --out. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { encodeNpy } from '../data/formats/npy.js';
import { shapeToString } from '../tensor/tensor.js';
import { MAX_EXACT_FEATURES, meanAbsoluteShapley, shapleyValues } from '../tabular/shapley.js';
import { UsageError, parseInteger } from './errors.js';
import { addProgressOptions, addRunOptions, progressFor, runInFolder } from './run.js';
import { loadTabularModel, readTable } from './tabular-input.js';

export const SHAPLEY = 'shapley.npy';

interface ShapleyCliOptions {
  model: string;
  input: string;
  background: string;
  out: string;
  force?: boolean;
  target?: number;
  exact?: boolean;
  coalitions?: number;
  seed: number;
  batchSize: number;
  progress: boolean;
}

export function registerShapley(program: Command): void {
  const command = program
    .command('shapley')
    .description('interventional Shapley values φ [N, F] of a tabular model (exact for ≤ 12 features, KernelSHAP otherwise)')
    .requiredOption('--model <file.onnx>', 'ONNX model with input [N, F]')
    .requiredOption('--input <X.npy>', 'rows to explain [N, F]')
    .requiredOption('--background <B.npy>', 'background rows [B, F]: absent features take their values')
    .option('--target <T>', "output column to explain (default: 0 for one output, else each row's predicted class)", parseInteger('--target', 0))
    .option('--exact', `enumerate all 2^F coalitions (F ≤ ${MAX_EXACT_FEATURES}; the default when F ≤ ${MAX_EXACT_FEATURES})`)
    .option('--coalitions <n>', `KernelSHAP: coalitions per row, end points included (default 2F + 2048; the default method when F > ${MAX_EXACT_FEATURES})`, parseInteger('--coalitions', 2))
    .option('--batch-size <n>', 'rows per ONNX Runtime call (bounds memory)', parseInteger('--batch-size', 1), 4096)
;
  addRunOptions(command, { out: 'trustscope-shapley', what: `${SHAPLEY}: φ [N, F] (float32)` });
  addProgressOptions(command);
  command
    .addHelpText(
      'after',
      '\n--out is always a folder.\nThe value of a coalition S is the mean model output (column T) over the background rows, with the features\nin S taken from x and the others from the background row. Efficiency: Σ_j φ_j = f(x) − mean f(background).\n\nExample:\n  trustscope shapley --model model.onnx --input X.npy --background X_train_sample.npy --target 1 --out phi',
    )
    .action(async (opts: ShapleyCliOptions) => {
      if (opts.exact && opts.coalitions !== undefined) throw new UsageError('give --exact or --coalitions, not both');
      await runInFolder('shapley', opts, async (folder) => {
        const model = await loadTabularModel(opts.model, opts.batchSize);
        try {
          folder.input(opts.model);
          const f = model.inputShape[0];
          if (opts.exact && f > MAX_EXACT_FEATURES) throw new UsageError(`--exact needs ≤ ${MAX_EXACT_FEATURES} features but the model has ${f}; drop --exact to use KernelSHAP`);
          if (opts.target !== undefined && opts.target >= model.outputSize) throw new UsageError(`--target ${opts.target} is not an output column of the model (it has ${model.outputSize})`);
          // Every input is read and checked (non-empty, finite, the model's width) before any coalition is scored.
          const x = await readTable(opts.input, f, '--input');
          folder.input(opts.input);
          const background = await readTable(opts.background, f, '--background');
          folder.input(opts.background);
          const bar = progressFor(opts);
          const started = performance.now();
          let r;
          try {
            r = await shapleyValues(model, x, background, {
              target: opts.target,
              exact: opts.exact ? true : opts.coalitions !== undefined ? false : undefined,
              samples: opts.coalitions,
              seed: opts.seed,
              maxRowsPerCall: Math.max(opts.batchSize, 1 << 16),
              onProgress: (fr) => bar.update(`Shapley values (${x.shape[0]} rows)`, fr),
            });
          } finally {
            bar.stop();
          }
          await folder.write(SHAPLEY, encodeNpy(r.phi));
          let worst = 0;
          for (let i = 0; i < x.shape[0]; i++) {
            let sum = 0;
            for (let j = 0; j < f; j++) sum += r.phi.data[i * f + j];
            worst = Math.max(worst, Math.abs(sum - (r.output[i] - r.expectedValue[i])));
          }
          const method = r.exact ? `exact, ${r.coalitions} coalitions` : `KernelSHAP, ${r.coalitions} coalitions`;
          console.log(`shapley (${method} × ${background.shape[0]} background rows) for ${x.shape[0]} row(s) in ${((performance.now() - started) / 1000).toFixed(2)} s → ${join(opts.out, SHAPLEY)} ${shapeToString(r.phi.shape)}; max |Σφ − (f(x) − E f(b))| ${worst.toExponential(2)}`);
          console.log(`  mean |φ|: ${meanAbsoluteShapley(r.phi).map((v, j) => `f${j} ${v.toPrecision(3)}`).join(', ')}`);
        } finally {
          await model.dispose();
        }
      });
    });
}
