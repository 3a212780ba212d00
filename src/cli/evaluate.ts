/**
 * `trustscope evaluate`: is the explanation real? Runs registered metrics (evaluate/registry.ts) on
 * one method and writes evaluation.json, index.html and run.json into --out. The metrics' list, their
 * flags and --help come from the registry and the metrics' option declarations; the method flags are
 * the methods' declared options, shared with `explain` (method-options.ts): the same names, the same
 * meaning.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Tensor } from '../tensor/tensor.js';
import { loadModelForImages } from './model-for-images.js';
import { getExplainer } from '../attribution/registry.js';
import { mergeOptionSpecs } from '../options/option-spec.js';
import { evaluateExplanations, evaluationJson, parseMetrics } from '../evaluate/evaluate.js';
import type { EvaluateOptions, EvaluationResult } from '../evaluate/evaluate.js';
import { unmetNeed } from '../evaluate/metric.js';
import type { MetricName } from '../evaluate/registry.js';
import { METRIC_NAMES, getMetric, metrics } from '../evaluate/registry.js';
import { renderEvaluationPage } from '../report/evaluation-page.js';
import { addDeclaredOptions, declaredValues } from './declared-options.js';
import { UsageError, parseInteger } from './errors.js';
import { addDatasetOption, asMasks, readValues } from './inputs.js';
import { addManifestOption, manifestColumns, readInputImages, refuseManifestWith } from './manifest.js';
import { describeNormalisation, type Normalisation } from '../data/normalise.js';
import { pixelSizeRecord, sharedCalibration, type FileCalibration } from '../data/spatial-calibration.js';
import { addMethodOptions, methodNames, methodOptions, parseTarget, readMethodFiles } from './method-options.js';
import { addNormaliseOption, addProgressOptions, addRunOptions, progressFor, runInFolder } from './run.js';
import { addSegmentationTargetOptions, describeExplained, parseSegmentationFlags, segmenterTarget, SEGMENTATION_DEFAULT_HELP, type SegmentationTargetFlags } from './segmentation-target.js';
import { addTaskOption, regressionTargetOr, resolveTask, targetNoun } from './task-option.js';
import type { Task } from '../models/task.js';

interface EvaluateCliOptions extends SegmentationTargetFlags {
  model: string;
  input?: string;
  manifest?: string;
  method: string;
  out: string;
  force?: boolean;
  roi?: string;
  metrics?: string;
  target?: string;
  seed: number;
  batchSize: number;
  examples: number;
  progress: boolean;
  normalise?: Normalisation;
  dataset?: string;
  task?: string;
}

/** Every metric's declared options as one flag list (throws if two metrics give one flag two meanings). */
export const METRIC_FLAGS = mergeOptionSpecs([...metrics.values()].map((m) => ({ owner: m.name, options: m.options })));
const BY_DEFAULT = METRIC_NAMES.filter((n) => getMetric(n).runByDefault);
const NEED_MASK = METRIC_NAMES.filter((n) => getMetric(n).needs.includes('mask'));

/** The "Metrics:" block of --help: name, one line of description (wrapped), and when it runs. */
function metricsHelp(): string {
  const width = Math.max(...METRIC_NAMES.map((n) => n.length)) + 2;
  const lines = METRIC_NAMES.map((name) => {
    const m = getMetric(name);
    const when = [m.runByDefault ? '' : 'opt-in', m.needs.includes('mask') ? 'needs --roi' : '', m.needs.includes('two-or-more-inputs') ? 'needs 2+ images' : ''].filter(Boolean);
    const words = `${m.description}${when.length ? ` (${when.join('; ')})` : ''}`.split(' ');
    const wrapped: string[] = [''];
    for (const w of words) {
      if (wrapped[wrapped.length - 1].length + w.length + 1 > 96 - width) wrapped.push('');
      wrapped[wrapped.length - 1] += (wrapped[wrapped.length - 1] ? ' ' : '') + w;
    }
    return `  ${name.padEnd(width)} ${wrapped.join(`\n  ${' '.repeat(width)} `)}`;
  });
  return `\nMetrics:\n${lines.join('\n')}`;
}

export function registerEvaluate(program: Command): void {
  const command = program
    .command('evaluate')
    .description(`is the explanation real? ${METRIC_NAMES.join(', ')} of one method; writes evaluation.json, index.html and run.json into --out`)
    .requiredOption('--model <file.onnx>', 'ONNX image model with NCHW float input, or a TF.js model.json (converted on load; takes NCHW too)')
    .option('--input <file.npy>', 'one image (C,H,W) or a batch (N,C,H,W)')
    .requiredOption('--method <name>', `attribution method: ${methodNames()}`)
    .option('--roi <file.npy>', `region of interest, 1 inside: (H,W) for all images or (N,H,W); needed by ${NEED_MASK.join(', ')}`)
    .option('--metrics <list>', `comma-separated: ${METRIC_NAMES.join(',')} (default: ${BY_DEFAULT.join(',')}; ${NEED_MASK.join(', ')} only with --roi)`)
    .option('--target <k[,k…]>', 'class (or, for a regressor, output index) to explain: one for all images or one per image (default: the predicted class; a one-output regressor: output 0)')
    .option('--examples <n>', 'randomisation: images shown with their randomised maps in index.html', parseInteger('--examples', 0), 3)
    .option('--batch-size <n>', 'rows per ONNX Runtime call: the model splits every batch a method or metric builds (bounds memory)', parseInteger('--batch-size', 1), 64);
  addSegmentationTargetOptions(command);
  addRunOptions(command, { out: 'trustscope-evaluate', what: 'evaluation.json and index.html' });
  addProgressOptions(command);
  addNormaliseOption(command);
  addDatasetOption(command);
  addManifestOption(command, '[,roi] (roi: a mask file per image, replacing --roi)');
  addTaskOption(command);
  // One flag per declared method option (attribution/*.ts) and per declared metric option
  // (evaluate/metrics/*.ts), help and validation included; no flag belongs to both (a test checks).
  addMethodOptions(command);
  addDeclaredOptions(command, METRIC_FLAGS);
  command
    .addHelpText(
      'after',
      `\n--out is always a folder. Method options apply to the methods named in their help (the methods are described in 'trustscope explain --help').\n\nTargets: ${SEGMENTATION_DEFAULT_HELP}; --target-class/--target-region/--target-pixel choose another (as in explain). Every metric judges that one target.\n${metricsHelp()}\n\nExamples:\n  trustscope evaluate --model model.onnx --input defects.npy --roi defect-masks.npy --method saliency --out eval\n  trustscope evaluate --model model.onnx --input x.npy --method integrated-gradients --steps 20 --metrics randomisation,complexity --modes cascading --out eval-ig\n  trustscope evaluate --model model.onnx --input x.npy --method saliency --metrics road,infidelity,sufficiency --road-percentages 20,50,80 --out eval-road`,
    )
    .action(async (opts: EvaluateCliOptions) => {
      // Every flag is checked before the output folder is made and before any file is read.
      const explainer = getExplainer(opts.method);
      const methodValues = methodOptions(command, explainer, opts.model);
      refuseManifestWith(opts.manifest, { '--input': opts.input, '--roi': opts.roi });
      const roiGiven = opts.roi !== undefined || (opts.manifest !== undefined && (await manifestColumns(opts.manifest)).includes('roi'));
      const segmentation = parseSegmentationFlags(opts);
      let names: MetricName[];
      try {
        // The default set leaves out what this request cannot run: metrics needing --roi without it, and metrics for other methods.
        names = opts.metrics === undefined ? BY_DEFAULT.filter((n) => (!getMetric(n).needs.includes('mask') || roiGiven) && (getMetric(n).supports?.(explainer) ?? true)) : parseMetrics(opts.metrics);
      } catch (e) {
        throw new UsageError(`--metrics: ${(e as Error).message}`);
      }
      const chosen = names.map((n) => getMetric(n));
      const needsMask = chosen.find((m) => m.needs.includes('mask'));
      if (needsMask && !roiGiven) throw new UsageError(`--metrics ${needsMask.name} needs --roi ROI.npy (1 inside the region of interest)`);
      const unsupported = chosen.find((m) => m.supports && !m.supports(explainer));
      if (unsupported) throw new UsageError(`--metrics ${unsupported.name} does not support the method ${explainer.name}`);
      // The chosen metrics' options: declared defaults, overridden by their flags; a flag of a metric not chosen is an error.
      const values = declaredValues(command, METRIC_FLAGS, chosen.map((m) => ({ owner: m.name, options: m.options })));
      const metricOptions: Record<string, Record<string, unknown>> = Object.fromEntries(chosen.map((m, i) => [m.name, values[i]]));
      // Per input file its pixel size (run.json; the page's scale bars).
      let calibrations: FileCalibration[] = [];
      let task: Task | undefined;
      await runInFolder(
        'evaluate',
        opts,
        async (folder) => {
          // The model is the only batcher: --batch-size bounds its ONNX Runtime calls.
          const model = await loadModelForImages(opts.model, { files: [opts.input], manifest: opts.manifest, dataset: opts.dataset }, { internalBatchSize: opts.batchSize });
          let result: EvaluationResult;
          let batch: Tensor;
          let explained: string | undefined;
          const bar = progressFor(opts);
          const started = performance.now();
          try {
            folder.input(opts.model);
            task = resolveTask(opts.task, model.outputShape);
            const images = await readInputImages(opts, model.inputShape);
            batch = images.batch;
            calibrations = images.calibrations;
            images.files.forEach((f) => folder.input(f));
            const [n, , h, w] = batch.shape;
            const mask = images.roi ?? (opts.roi ? asMasks(await readValues(opts.roi), n, h, w, opts.roi) : undefined);
            if (opts.roi) folder.input(opts.roi);
            const explain = await readMethodFiles(explainer, methodValues, (p) => folder.input(p));
            // A metric asked for by name must have what it needs; the default set leaves such a metric out.
            const runnable = chosen.filter((m) => {
              const why = unmetNeed(m, { inputs: batch, mask, task });
              if (why && opts.metrics !== undefined) throw new UsageError(`--metrics ${why}`);
              return why === undefined;
            });
            const dense = await segmenterTarget(model, batch, segmentation, opts, (p) => folder.input(p));
            explained = dense && describeExplained(dense);
            const target = dense ? dense.target : regressionTargetOr(task, parseTarget(opts.target, n, targetNoun(task)), model.outputSize);
            // The report shows --examples images with their randomised maps: randomisation keeps those maps.
            if (metricOptions.randomisation) metricOptions.randomisation.keepMaps = opts.examples;
            result = await evaluateExplanations(model, explainer, batch, {
              metrics: runnable.map((m) => m.name),
              mask,
              target,
              task,
              seed: opts.seed,
              explain,
              metricOptions: metricOptions as EvaluateOptions['metricOptions'],
              onProgress: (stage, fraction) => bar.update(stage, fraction),
            });
          } finally {
            bar.stop();
            await model.dispose();
          }
          const html = await renderEvaluationPage({ result, inputs: batch, modelName: opts.model, examples: opts.examples, explained, calibration: sharedCalibration(calibrations) });
          await folder.write('evaluation.json', JSON.stringify(evaluationJson(result), null, 2) + '\n');
          await folder.write('index.html', html);
          for (const v of result.verdicts) console.log(`${v.passes === null ? 'ℹ' : v.passes ? '✔' : '✘'} ${v.check}: ${v.text}`);
          if (explained) console.log(`explained: ${explained}`);
          console.log(`\n${explainer.name} on ${result.images} image(s) in ${((performance.now() - started) / 1000).toFixed(1)} s → ${join(opts.out, 'evaluation.json')}, ${join(opts.out, 'index.html')}`);
        },
        () => ({ method: explainer.name, options: methodValues, metrics: names, task, normalise: opts.normalise ? describeNormalisation(opts.normalise) : 'none', pixelSizes: pixelSizeRecord(calibrations) }),
      );
    });
}

