/**
 * `trustscope explain`: attributions for any ONNX image classifier, written as .npy.
 *
 * Only the command's own flags are written here (what to read, what to explain, where to write, the
 * model's batch size, the seed). Every method flag comes from the methods' declared options
 * (attribution/*.ts), merged over the registry: a new method or option appears in `--help` and
 * works by itself, and a flag the chosen method does not take is a one-line error.
 */
import type { Command } from 'commander';
import type { Tensor } from '../tensor/tensor.js';
import { concatRows, reshape, shapeToString } from '../tensor/tensor.js';
import { readNpy, writeNpy } from '../data/formats/npy.js';
import { loadOnnxModel } from '../models/import/onnx-file.js';
import { explainers, getExplainer } from '../attribution/registry.js';
import type { Explainer, Target } from '../attribution/explainer.js';
import { explainClasses, outputSum } from '../attribution/targets.js';
import { mergeOptionSpecs, OptionError, validateOptionValue, type MergedOption } from '../options/option-spec.js';
import { addDeclaredOptions, attributeOf, declaredValues } from './declared-options.js';
import { writeOverlays } from './png-overlays.js';
import { UsageError, parseInteger } from './errors.js';

/** The seed every command defaults to, so the same command line gives the same numbers everywhere. */
export const DEFAULT_SEED = 1;

interface ExplainCliOptions {
  model: string;
  input: string;
  method: string;
  out: string;
  target?: string;
  targets?: string;
  targetOutputs?: string;
  png?: string;
  batchSize: number;
  seed: number;
}

function parseIndexList(flag: string) {
  return (value: string): number[] => {
    const list = value.split(',').map((s) => Number(s.trim()));
    if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 0)) throw new UsageError(`${flag} must be a comma-separated list of indices ≥ 0 (got '${value}')`);
    return list;
  };
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

/**
 * The chosen method's options from the command line: its declared defaults and the flags given,
 * checked against its own declarations (a merged flag parses with the first owner's choices; a
 * method may accept fewer, as guided-grad-cam's --upsample does), with array files read.
 */
async function methodOptions(command: Command, merged: readonly MergedOption[], explainer: Explainer, modelPath: string): Promise<Record<string, unknown>> {
  const [values] = declaredValues(command, merged, [{ owner: explainer.name, options: explainer.options }]);
  const given = (flag: string) => command.getOptionValueSource(attributeOf(flag)) === 'cli';
  // The one rule between two options: the noise level is either absolute or relative.
  if (given('--stdevs') && given('--noise-fraction')) throw new UsageError('give --stdevs or --noise-fraction, not both');
  for (const spec of explainer.options) {
    try {
      validateOptionValue({ ...spec, key: spec.flag }, values[spec.key]);
    } catch (e) {
      if (e instanceof OptionError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (explainer.needs.layer && (values.layer === undefined || values.layer === '')) {
    const flag = explainer.options.find((s) => s.key === 'layer')?.flag ?? '--layer';
    throw new UsageError(`--method ${explainer.name} needs ${flag} <name> (a conv or ReLU output); list the names with 'trustscope layers --model ${modelPath}'`);
  }
  for (const spec of explainer.options) {
    if (spec.kind === 'array-file' && typeof values[spec.key] === 'string') values[spec.key] = await readNpy(values[spec.key] as string);
  }
  return values;
}

export function registerExplain(program: Command): void {
  const registered = [...explainers.values()];
  const merged = mergeOptionSpecs(registered.map((e) => ({ owner: e.name, options: e.options })));
  const methods = registered.map((e) => `  ${e.name}: ${e.description}`).join('\n');
  const command = program
    .command('explain')
    .description('attribute a model\'s outputs to its input pixels and write the maps as float32 .npy')
    .requiredOption('--model <file.onnx>', 'ONNX image model with NCHW float input')
    .requiredOption('--input <file.npy>', 'one image (C,H,W) or a batch (N,C,H,W)')
    .requiredOption('--method <name>', `attribution method: ${[...explainers.keys()].join(' | ')}`)
    .requiredOption('--out <file.npy>', 'where to write the attributions (the input\'s shape, or one channel for map methods)')
    .option('--target <class[,class…]>', 'class to explain: one for all images or one per image (default: the predicted class)')
    .option('--targets <class,class…>', 'several classes for every image in one call; --out then holds (T, N, …) maps (or (T, C, H, W) for one image), class-major in the order given')
    .option('--target-outputs <i,j…>', 'regression or dense (flattened) outputs: explain the sum of these outputs (e.g. the pixels of a region)')
    .option('--png <dir>', 'also write one overlay picture per image (grey image, inferno map) into this folder')
    .option('--batch-size <n>', "rows per ONNX Runtime call: the model splits every batch a method builds (bounds memory)", parseInteger('--batch-size', 1), 64)
    .option('--seed <n>', 'seed of the random draws of the methods that draw (noise, baselines, masks, coalitions)', parseInteger('--seed', 0), DEFAULT_SEED);
  addDeclaredOptions(command, merged);
  command
    .addHelpText(
      'after',
      `\nMethod options apply to the methods named in their help; any other method refuses them.\n\nMethods (Captum's semantics and defaults):\n${methods}\n\nExample:\n  trustscope explain --model model.onnx --input images.npy --method occlusion --window 4 --stride 2 --out occlusion.npy\n  trustscope explain --model model.onnx --input images.npy --method integrated-gradients --steps 100 --rule riemann_trapezoid --out ig.npy\n  trustscope explain --model model.onnx --input images.npy --method smoothgrad --nt-samples 25 --noise-fraction 0.15 --out sg.npy\n  trustscope explain --model model.onnx --input images.npy --method gradient-shap --baselines background.npy --nt-samples 50 --stdevs 0.1 --out gshap.npy\n  trustscope explain --model model.onnx --input images.npy --method rise --rise-masks 4000 --cell 7 --probability 0.5 --out rise.npy`,
    )
    .action(async (opts: ExplainCliOptions) => {
      const explainer = getExplainer(opts.method);
      const options = await methodOptions(command, merged, explainer, opts.model);
      const given = [opts.target, opts.targets, opts.targetOutputs].filter((v) => v !== undefined).length;
      if (given > 1) throw new UsageError('give one of --target, --targets and --target-outputs');
      // The model is the only batcher: --batch-size bounds its ONNX Runtime calls, whatever the method builds.
      const model = await loadOnnxModel(opts.model, { internalBatchSize: opts.batchSize });
      const x = await readNpy(opts.input);
      const { batch, single } = asBatch(x, model.inputShape, opts.input);
      const several = opts.targets === undefined ? undefined : parseIndexList('--targets')(opts.targets);
      several?.forEach((c) => {
        if (c >= model.outputSize) throw new UsageError(`--targets lists class ${c} but the model has ${model.outputSize} outputs (0..${model.outputSize - 1})`);
      });
      let target = parseTarget(opts.target, batch.shape[0]);
      if (opts.targetOutputs !== undefined) {
        const outputs = parseIndexList('--target-outputs')(opts.targetOutputs);
        const bad = outputs.find((o) => o >= model.outputSize);
        if (bad !== undefined) throw new UsageError(`--target-outputs lists output ${bad} but the model has ${model.outputSize} outputs (0..${model.outputSize - 1})`);
        target = outputSum(outputs, batch.shape[0], model.outputSize);
      }
      const started = performance.now();
      const run = { ...options, seed: opts.seed };
      const perClass = several ? await explainClasses(explainer, model, batch, several, run) : undefined;
      const result = perClass ? { ...perClass[0], values: concatRows(perClass.map((r) => r.values)), targets: several } : await explainer.attribute(model, batch, { ...run, target });
      // Several classes: (T, N, …), or (T, …) for one image; otherwise (N, …), or (…) for one image.
      const rowShape = result.values.shape.slice(1);
      const values = perClass
        ? reshape(result.values, single ? [perClass.length, ...rowShape] : [perClass.length, batch.shape[0], ...rowShape])
        : single ? reshape(result.values, rowShape) : result.values;
      await writeNpy(opts.out, values);
      const pictures = opts.png ? await writeOverlays(opts.png, opts.out, batch, perClass ? perClass[0].values : result.values) : [];
      const targets = result.targets ? ` (target class ${[...new Set(result.targets)].join(', ')})` : '';
      const delta = result.extras?.convergenceDelta as number[] | undefined;
      const deltaText = delta && delta.length > 0 ? `, max |convergence delta| ${Math.max(...delta.map(Math.abs)).toExponential(2)}` : '';
      console.log(`${explainer.name}: ${batch.shape[0]} image(s)${targets}${deltaText} in ${((performance.now() - started) / 1000).toFixed(2)} s → ${opts.out} ${shapeToString(values.shape)}${pictures.length ? ` and ${pictures.length} overlay(s) in ${opts.png}` : ''}`);
    });
}
