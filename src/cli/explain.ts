/** `trustscope explain`: attributions for any ONNX image classifier, written as .npy. */
import type { Command } from 'commander';
import type { Tensor } from '../tensor/tensor.js';
import { reshape, shapeToString } from '../tensor/tensor.js';
import { readNpy, writeNpy } from '../data/formats/npy.js';
import { loadOnnxModel } from '../models/import/onnx-file.js';
import { explainers, getExplainer } from '../attribution/registry.js';
import type { Target } from '../attribution/explainer.js';
import { UsageError, parseInteger, parseNumber } from './errors.js';

interface ExplainCliOptions {
  model: string;
  input: string;
  method: string;
  out: string;
  target?: string;
  window: number;
  stride: number;
  baseline: number;
  batchSize: number;
}

function parseTarget(value: string | undefined, rows: number): Target | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((s) => s.trim());
  const classes = parts.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--target must be a class index or a comma-separated list of them (got '${value}')`);
    return n;
  });
  if (classes.length === 1) return classes[0];
  if (classes.length !== rows) throw new UsageError(`--target lists ${classes.length} classes for ${rows} images; give one class, or one per image`);
  return classes;
}

/** Accepts one image (C,H,W) or a batch (N,C,H,W); returns the batch and how to shape the result. */
function asBatch(x: Tensor, modelShape: readonly number[], path: string): { batch: Tensor; single: boolean } {
  const want = `(${modelShape.join(', ')}) or (N, ${modelShape.join(', ')})`;
  if (x.shape.length === modelShape.length && x.shape.every((d, i) => d === modelShape[i])) return { batch: reshape(x, [1, ...x.shape]), single: true };
  if (x.shape.length === modelShape.length + 1 && x.shape.slice(1).every((d, i) => d === modelShape[i])) return { batch: x, single: false };
  throw new UsageError(`${path} has shape ${shapeToString(x.shape)} but the model takes ${want}`);
}

export function registerExplain(program: Command): void {
  const methods = [...explainers.values()].map((e) => `  ${e.name}: ${e.description}`).join('\n');
  program
    .command('explain')
    .description('attribute a model\'s outputs to its input pixels and write the maps as float32 .npy')
    .requiredOption('--model <file.onnx>', 'ONNX image model with NCHW float input')
    .requiredOption('--input <file.npy>', 'one image (C,H,W) or a batch (N,C,H,W)')
    .requiredOption('--method <name>', `attribution method: ${[...explainers.keys()].join(' | ')}`)
    .requiredOption('--out <file.npy>', 'where to write the attributions (same shape as the input)')
    .option('--target <class[,class…]>', 'class to explain: one for all images or one per image (default: the predicted class)')
    .option('--window <n>', 'occlusion: window side in pixels', parseInteger('--window', 1), 4)
    .option('--stride <n>', 'occlusion: step between windows', parseInteger('--stride', 1), 1)
    .option('--baseline <value>', 'occlusion: value written into the window', parseNumber('--baseline'), 0)
    .option('--batch-size <n>', 'rows per ONNX Runtime call (bounds memory)', parseInteger('--batch-size', 1), 64)
    .addHelpText('after', `\nMethods (Captum's semantics and defaults):\n${methods}\n\nExample:\n  trustscope explain --model model.onnx --input images.npy --method occlusion --window 4 --stride 2 --out occlusion.npy`)
    .action(async (opts: ExplainCliOptions) => {
      const explainer = getExplainer(opts.method);
      const model = await loadOnnxModel(opts.model, { internalBatchSize: opts.batchSize });
      const x = await readNpy(opts.input);
      const { batch, single } = asBatch(x, model.inputShape, opts.input);
      const target = parseTarget(opts.target, batch.shape[0]);
      const started = performance.now();
      const result = await explainer.attribute(model, batch, {
        target,
        internalBatchSize: opts.batchSize,
        window: opts.window,
        stride: opts.stride,
        baseline: opts.baseline,
      } as Parameters<typeof explainer.attribute>[2]);
      const values = single ? reshape(result.values, x.shape) : result.values;
      await writeNpy(opts.out, values);
      const targets = result.targets ? ` (target class ${[...new Set(result.targets)].join(', ')})` : '';
      console.log(`${explainer.name}: ${batch.shape[0]} image(s)${targets} in ${((performance.now() - started) / 1000).toFixed(2)} s → ${opts.out} ${shapeToString(values.shape)}`);
    });
}
