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
import { completenessReport } from './explain-completeness.js';
import { join } from 'node:path';
import type { Command } from 'commander';
import { concatRows, reshape, shapeToString } from '../tensor/tensor.js';
import { encodeNpy } from '../data/formats/npy.js';
import { loadModelForImages } from './model-for-images.js';
import { getExplainer } from '../attribution/registry.js';
import type { Target } from '../attribution/explainer.js';
import { explainClasses, outputSum } from '../attribution/targets.js';
import { writeOverlays, OVERLAYS } from './png-overlays.js';
import { UsageError, parseInteger } from './errors.js';
import { addDatasetOption } from './inputs.js';
import { addManifestOption, readInputImages } from './manifest.js';
import type { Normalisation } from '../data/normalise.js';
import { describeNormalisation } from '../data/normalise.js';
import { pixelSizeRecord, type FileCalibration } from '../data/spatial-calibration.js';
import { NO_PIXEL_SIZE } from '../report/scale-bar.js';
import { addMethodOptions, methodNames, methodOptions, methodsHelp, parseIndexList, parseTarget, readMethodFiles } from './method-options.js';
import { addNormaliseOption, addProgressOptions, addRunOptions, runInFolder } from './run.js';
import { addSegmentationTargetOptions, describeExplained, explainedRegion, parseSegmentationFlags, segmenterTarget, SEGMENTATION_DEFAULT_HELP, type SegmentationTargetFlags } from './segmentation-target.js';
import { addTaskOption, regressionTargetOr, resolveTask, targetNoun } from './task-option.js';
import type { Task } from '../models/task.js';
import { addTileOptions, parseTileFlags, type TileFlags } from './tile-options.js';
import { runTiledExplain } from './explain-tiled.js';
import { addScaleOptions, scaledRun, type ScaleFlags } from './scale-options.js';
import { runScaledExplain } from './explain-scaled.js';

/** The file explain writes into --out. */
export const ATTRIBUTIONS = 'attributions.npy';

interface ExplainCliOptions extends SegmentationTargetFlags, TileFlags, ScaleFlags {
  model: string;
  input?: string;
  manifest?: string;
  method: string;
  out: string;
  force?: boolean;
  target?: string;
  targets?: string;
  targetOutputs?: string;
  png?: boolean;
  normalise?: Normalisation;
  dataset?: string;
  batchSize: number;
  seed: number;
  task?: string;
  groups?: string;
}

export function registerExplain(program: Command): void {
  const command = program
    .command('explain')
    .description("attribute a model's outputs to its input pixels; writes the maps as float32 attributions.npy (and run.json) into --out")
    .requiredOption('--model <file.onnx>', 'ONNX image model with NCHW float input, or a TF.js model.json (converted on load; takes NCHW too)')
    .option('--input <file.npy>', 'one image (C,H,W) or a batch (N,C,H,W)')
    .requiredOption('--method <name>', `attribution method: ${methodNames()}`)
    .option('--target <k[,k…]>', 'class (or, for a regressor, output index) to explain: one for all images or one per image (default: the predicted class; a one-output regressor: output 0)')
    .option('--targets <class,class…>', `several classes for every image in one call; ${ATTRIBUTIONS} then holds (T, N, …) maps (or (T, C, H, W) for one image), class-major in the order given`)
    .option('--target-outputs <i,j…>', 'regression or dense (flattened) outputs: explain the sum of these outputs (e.g. the pixels of a region)');
  addSegmentationTargetOptions(command)
    .option('--png', `also write one overlay picture per image (grey image, inferno map) into <out>/${OVERLAYS}/`)
    .option('--batch-size <n>', 'rows per ONNX Runtime call: the model splits every batch a method builds (bounds memory)', parseInteger('--batch-size', 1), 64);
  addRunOptions(command, { out: 'trustscope-explain', what: `${ATTRIBUTIONS} (the input's shape, or one channel for map methods); with --png also ${OVERLAYS}/` });
  addNormaliseOption(command);
  addDatasetOption(command);
  addManifestOption(command, ' (other columns are read but not used by explain)');
  addTaskOption(command);
  addTileOptions(command)
    .option('--groups <G.npy>', 'with --tile: specimen (lot) id per image; tile answers are also aggregated per group in tiles.json')
    .addHelpText('after', '\nWith --tile, each image is cut into overlapping model-sized tiles, explained in chunks and stitched with a smooth (Hann) blend: --out gets the full-resolution map (attributions.npy, or attributions-<i>.npy per image), tiles.json (the grid, every tile\'s answer, the mean/vote/spread per image and per --groups) and, with --png, one overlay per micrograph at ≤ 2048 px. The explained class is one per image: --target, or the class with the highest mean tile probability.');
  addProgressOptions(command);
  addScaleOptions(command);
  addMethodOptions(command);
  command
    .addHelpText(
      'after',
      `\n--out is always a folder (a name ending in .npy is a folder too). Method options apply to the methods named in their help; any other method refuses them.\n\nTargets: classifiers explain the predicted class unless --target/--targets say otherwise; ${SEGMENTATION_DEFAULT_HELP}. --target-class C explains class C over its predicted mask, --target-region all|MASKFILE over the whole image or a region, --target-pixel Y,X at one pixel; the region explained is outlined in the --png overlays and named in run.json.\n\nMethods (Captum's semantics and defaults):\n${methodsHelp()}\n\nExamples:\n  trustscope explain --model model.onnx --input images.npy --method occlusion --window 4 --stride 2 --out occlusion\n  trustscope explain --model model.onnx --input images.npy --method integrated-gradients --steps 100 --rule riemann_trapezoid --out ig\n  trustscope explain --model model.onnx --input images.npy --method smoothgrad --nt-samples 25 --noise-fraction 0.15 --png --out sg\n  trustscope explain --model model.onnx --input images.npy --method gradient-shap --baselines background.npy --nt-samples 50 --stdevs 0.1 --out gshap\n  trustscope explain --model model.onnx --input images.npy --method rise --rise-masks 4000 --cell 7 --probability 0.5 --out rise`,
    )
    .action(async (opts: ExplainCliOptions) => {
      // Every flag is checked before the output folder is made and before any file is read.
      const explainer = getExplainer(opts.method);
      const options = methodOptions(command, explainer, opts.model);
      const given = [opts.target, opts.targets, opts.targetOutputs].filter((v) => v !== undefined).length;
      if (given > 1) throw new UsageError('give one of --target, --targets and --target-outputs');
      const overlap = parseTileFlags(command, opts);
      if (scaledRun(opts)) return runScaledExplain(command, opts, explainer, options);
      if (opts.groups !== undefined && !opts.tile) throw new UsageError('--groups aggregates tile answers per specimen; it applies with --tile');
      if (opts.tile) {
        if (opts.input === undefined) throw new UsageError('--tile reads its micrographs from --input (a file, a folder or a pattern), not from --manifest');
        return runTiledExplain(command, { ...opts, input: opts.input }, explainer, options, overlap);
      }
      const several = opts.targets === undefined ? undefined : parseIndexList('--targets')(opts.targets);
      const outputs = opts.targetOutputs === undefined ? undefined : parseIndexList('--target-outputs')(opts.targetOutputs);
      const segmentation = parseSegmentationFlags(opts);
      // Per input file its pixel size (run.json; the overlays' scale bars).
      let calibrations: FileCalibration[] = [];
      let task: Task | undefined;
      // run.json's per-image completeness (IG, DeepLIFT), filled by the run.
      let completeness: Record<string, unknown> | undefined;
      await runInFolder(
        'explain',
        opts,
        async (folder) => {
          // The model is the only batcher: --batch-size bounds its ONNX Runtime calls, whatever the method builds.
          const model = await loadModelForImages(opts.model, { files: [opts.input], manifest: opts.manifest, dataset: opts.dataset }, { internalBatchSize: opts.batchSize });
          try {
            folder.input(opts.model);
            task = resolveTask(opts.task, model.outputShape);
            const noun = targetNoun(task);
            const { batch, single, files, calibrations: read } = await readInputImages(opts, model.inputShape);
            calibrations = read;
            files.forEach((f) => folder.input(f));
            const run = { ...(await readMethodFiles(explainer, options, (p) => folder.input(p))), seed: opts.seed };
            const dense = outputs ? undefined : await segmenterTarget(model, batch, segmentation, opts, (p) => folder.input(p));
            several?.forEach((c) => {
              if (c >= model.outputSize) throw new UsageError(`--targets lists ${noun} ${c} but the model has ${model.outputSize} outputs (0..${model.outputSize - 1})`);
            });
            let target: Target | undefined = parseTarget(opts.target, batch.shape[0], noun);
            if (!outputs && !several) target = regressionTargetOr(task, target as number | number[] | undefined, model.outputSize);
            if (outputs) {
              const bad = outputs.find((o) => o >= model.outputSize);
              if (bad !== undefined) throw new UsageError(`--target-outputs lists output ${bad} but the model has ${model.outputSize} outputs (0..${model.outputSize - 1})`);
              target = outputSum(outputs, batch.shape[0], model.outputSize);
            }
            if (dense) target = dense.target;
            const started = performance.now();
            const perClass = several ? await explainClasses(explainer, model, batch, several, run) : undefined;
            const result = perClass ? { ...perClass[0], values: concatRows(perClass.map((r) => r.values)), targets: several } : await explainer.attribute(model, batch, { ...run, target });
            // Several classes: (T, N, …), or (T, …) for one image; otherwise (N, …), or (…) for one image.
            const rowShape = result.values.shape.slice(1);
            const values = perClass
              ? reshape(result.values, single ? [perClass.length, ...rowShape] : [perClass.length, batch.shape[0], ...rowShape])
              : single ? reshape(result.values, rowShape) : result.values;
            await folder.write(ATTRIBUTIONS, encodeNpy(values));
            const outlined = dense && ((i: number) => explainedRegion(dense, i, model.outputShape));
            const pictures = opts.png ? await writeOverlays(folder, batch, perClass ? perClass[0].values : result.values, calibrations, outlined) : [];
            const targets = result.targets ? ` (target ${noun} ${[...new Set(result.targets)].join(', ')})` : dense ? ` (${describeExplained(dense)})` : '';
            const complete = completenessReport(explainer.name, result);
            completeness = complete.record;
            // A warning, not an error: the map is written, and the user decides (stderr, so --quiet does not hide it).
            for (const w of complete.warnings) console.error(`trustscope: warning: ${w}`);
            console.log(`${explainer.name}: ${batch.shape[0]} image(s)${targets}${complete.text} in ${((performance.now() - started) / 1000).toFixed(2)} s → ${join(opts.out, ATTRIBUTIONS)} ${shapeToString(values.shape)}${pictures.length ? ` and ${pictures.length} overlay(s) in ${join(opts.out, OVERLAYS)}` : ''}`);
            if (pictures.length && calibrations.every((c) => !c.calibration)) console.log(NO_PIXEL_SIZE);
            return dense?.descriptions;
          } finally {
            await model.dispose();
          }
        },
        (explained) => ({
          method: explainer.name,
          options,
          task,
          normalise: opts.normalise ? describeNormalisation(opts.normalise) : 'none',
          pixelSizes: pixelSizeRecord(calibrations),
          ...(explained ? { explained } : {}),
          ...(completeness ? { completeness } : {}),
        }),
      );
    });
}
