/**
 * `trustscope explain`: attributions for any ONNX image classifier, written as .npy into an output
 * folder with its run.json.
 *
 * Only the command's own flags are written here (what to read, what to explain, the model's batch
 * size); the output folder, --force and --seed come from run.ts, and every method flag from the
 * methods' declared options (method-options.ts, shared with `evaluate`): a new method or option
 * appears in `--help` and works by itself, and a flag the chosen method does not take is a one-line
 * error.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { concatRows, reshape, shapeToString } from '../tensor/tensor.js';
import { encodeNpy } from '../data/formats/npy.js';
import { loadOnnxModel } from '../models/import/onnx-file.js';
import { getExplainer } from '../attribution/registry.js';
import type { Target } from '../attribution/explainer.js';
import { explainClasses, outputSum } from '../attribution/targets.js';
import { writeOverlays, OVERLAYS } from './png-overlays.js';
import { UsageError, parseInteger } from './errors.js';
import { readImages } from './inputs.js';
import type { Normalisation } from '../data/normalise.js';
import { describeNormalisation } from '../data/normalise.js';
import { addMethodOptions, methodNames, methodOptions, methodsHelp, parseIndexList, parseTarget, readMethodFiles } from './method-options.js';
import { addNormaliseOption, addProgressOptions, addRunOptions, runInFolder } from './run.js';
import { addTileOptions, parseTileFlags, type TileFlags } from './tile-options.js';
import { runTiledExplain } from './explain-tiled.js';

/** The file explain writes into --out. */
export const ATTRIBUTIONS = 'attributions.npy';

interface ExplainCliOptions extends TileFlags {
  model: string;
  input: string;
  method: string;
  out: string;
  force?: boolean;
  target?: string;
  targets?: string;
  targetOutputs?: string;
  png?: boolean;
  normalise?: Normalisation;
  batchSize: number;
  seed: number;
  groups?: string;
}

export function registerExplain(program: Command): void {
  const command = program
    .command('explain')
    .description("attribute a model's outputs to its input pixels; writes the maps as float32 attributions.npy (and run.json) into --out")
    .requiredOption('--model <file.onnx>', 'ONNX image model with NCHW float input')
    .requiredOption('--input <file.npy>', 'one image (C,H,W) or a batch (N,C,H,W)')
    .requiredOption('--method <name>', `attribution method: ${methodNames()}`)
    .option('--target <class[,class…]>', 'class to explain: one for all images or one per image (default: the predicted class)')
    .option('--targets <class,class…>', `several classes for every image in one call; ${ATTRIBUTIONS} then holds (T, N, …) maps (or (T, C, H, W) for one image), class-major in the order given`)
    .option('--target-outputs <i,j…>', 'regression or dense (flattened) outputs: explain the sum of these outputs (e.g. the pixels of a region)')
    .option('--png', `also write one overlay picture per image (grey image, inferno map) into <out>/${OVERLAYS}/`)
    .option('--batch-size <n>', 'rows per ONNX Runtime call: the model splits every batch a method builds (bounds memory)', parseInteger('--batch-size', 1), 64);
  addRunOptions(command, { out: 'trustscope-explain', what: `${ATTRIBUTIONS} (the input's shape, or one channel for map methods); with --png also ${OVERLAYS}/` });
  addNormaliseOption(command);
  addTileOptions(command)
    .option('--groups <G.npy>', 'with --tile: specimen (lot) id per image; tile answers are also aggregated per group in tiles.json')
    .addHelpText('after', '\nWith --tile, each image is cut into overlapping model-sized tiles, explained in chunks and stitched with a smooth (Hann) blend: --out gets the full-resolution map (attributions.npy, or attributions-<i>.npy per image), tiles.json (the grid, every tile\'s answer, the mean/vote/spread per image and per --groups) and, with --png, one overlay per micrograph at ≤ 2048 px. The explained class is one per image: --target, or the class with the highest mean tile probability.');
  addProgressOptions(command);
  addMethodOptions(command);
  command
    .addHelpText(
      'after',
      `\n--out is always a folder (a name ending in .npy is a folder too). Method options apply to the methods named in their help; any other method refuses them.\n\nMethods (Captum's semantics and defaults):\n${methodsHelp()}\n\nExamples:\n  trustscope explain --model model.onnx --input images.npy --method occlusion --window 4 --stride 2 --out occlusion\n  trustscope explain --model model.onnx --input images.npy --method integrated-gradients --steps 100 --rule riemann_trapezoid --out ig\n  trustscope explain --model model.onnx --input images.npy --method smoothgrad --nt-samples 25 --noise-fraction 0.15 --png --out sg\n  trustscope explain --model model.onnx --input images.npy --method gradient-shap --baselines background.npy --nt-samples 50 --stdevs 0.1 --out gshap\n  trustscope explain --model model.onnx --input images.npy --method rise --rise-masks 4000 --cell 7 --probability 0.5 --out rise`,
    )
    .action(async (opts: ExplainCliOptions) => {
      // Every flag is checked before the output folder is made and before any file is read.
      const explainer = getExplainer(opts.method);
      const options = methodOptions(command, explainer, opts.model);
      const given = [opts.target, opts.targets, opts.targetOutputs].filter((v) => v !== undefined).length;
      if (given > 1) throw new UsageError('give one of --target, --targets and --target-outputs');
      const overlap = parseTileFlags(command, opts);
      if (opts.groups !== undefined && !opts.tile) throw new UsageError('--groups aggregates tile answers per specimen; it applies with --tile');
      if (opts.tile) return runTiledExplain(command, opts, explainer, options, overlap);
      const several = opts.targets === undefined ? undefined : parseIndexList('--targets')(opts.targets);
      const outputs = opts.targetOutputs === undefined ? undefined : parseIndexList('--target-outputs')(opts.targetOutputs);
      await runInFolder(
        'explain',
        opts,
        async (folder) => {
          // The model is the only batcher: --batch-size bounds its ONNX Runtime calls, whatever the method builds.
          const model = await loadOnnxModel(opts.model, { internalBatchSize: opts.batchSize });
          try {
            folder.input(opts.model);
            const { batch, single } = await readImages(opts.input, model.inputShape, opts.normalise);
            folder.input(opts.input);
            const run = { ...(await readMethodFiles(explainer, options, (p) => folder.input(p))), seed: opts.seed };
            several?.forEach((c) => {
              if (c >= model.outputSize) throw new UsageError(`--targets lists class ${c} but the model has ${model.outputSize} outputs (0..${model.outputSize - 1})`);
            });
            let target: Target | undefined = parseTarget(opts.target, batch.shape[0]);
            if (outputs) {
              const bad = outputs.find((o) => o >= model.outputSize);
              if (bad !== undefined) throw new UsageError(`--target-outputs lists output ${bad} but the model has ${model.outputSize} outputs (0..${model.outputSize - 1})`);
              target = outputSum(outputs, batch.shape[0], model.outputSize);
            }
            const started = performance.now();
            const perClass = several ? await explainClasses(explainer, model, batch, several, run) : undefined;
            const result = perClass ? { ...perClass[0], values: concatRows(perClass.map((r) => r.values)), targets: several } : await explainer.attribute(model, batch, { ...run, target });
            // Several classes: (T, N, …), or (T, …) for one image; otherwise (N, …), or (…) for one image.
            const rowShape = result.values.shape.slice(1);
            const values = perClass
              ? reshape(result.values, single ? [perClass.length, ...rowShape] : [perClass.length, batch.shape[0], ...rowShape])
              : single ? reshape(result.values, rowShape) : result.values;
            await folder.write(ATTRIBUTIONS, encodeNpy(values));
            const pictures = opts.png ? await writeOverlays(folder, batch, perClass ? perClass[0].values : result.values) : [];
            const targets = result.targets ? ` (target class ${[...new Set(result.targets)].join(', ')})` : '';
            const delta = result.extras?.convergenceDelta as number[] | undefined;
            const deltaText = delta && delta.length > 0 ? `, max |convergence delta| ${Math.max(...delta.map(Math.abs)).toExponential(2)}` : '';
            console.log(`${explainer.name}: ${batch.shape[0]} image(s)${targets}${deltaText} in ${((performance.now() - started) / 1000).toFixed(2)} s → ${join(opts.out, ATTRIBUTIONS)} ${shapeToString(values.shape)}${pictures.length ? ` and ${pictures.length} overlay(s) in ${join(opts.out, OVERLAYS)}` : ''}`);
          } finally {
            await model.dispose();
          }
        },
        () => ({ method: explainer.name, options, normalise: opts.normalise ? describeNormalisation(opts.normalise) : 'none' }),
      );
    });
}
