/**
 * `trustscope evaluate`: is the explanation real? Runs registered metrics (evaluate/registry.ts) on
 * one method. The metrics' list, their flags and --help come from the registry and the metrics'
 * option declarations; the method flags are still listed here.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { readNpy } from '../data/formats/npy.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { loadOnnxModel } from '../models/import/onnx-file.js';
import { explainers, getExplainer } from '../attribution/registry.js';
import { mergeOptionSpecs } from '../options/option-spec.js';
import { evaluateExplanations, evaluationJson, parseMetrics } from '../evaluate/evaluate.js';
import type { Tensor } from '../tensor/tensor.js';
import type { EvaluateOptions, EvaluationResult } from '../evaluate/evaluate.js';
import { unmetNeed } from '../evaluate/metric.js';
import type { MetricName } from '../evaluate/registry.js';
import { METRIC_NAMES, getMetric, metrics } from '../evaluate/registry.js';
import { renderEvaluationPage } from '../report/evaluation-page.js';
import { addDeclaredOptions, declaredValues } from './declared-options.js';
import { UsageError, parseInteger, parseNumber } from './errors.js';
import { stageProgress } from './progress.js';
import { asBatch, asMasks } from './inputs.js';

interface EvaluateCliOptions {
  model: string;
  input: string;
  method: string;
  out: string;
  mask?: string;
  metrics?: string;
  target?: string;
  layer?: string;
  window: number;
  stride: number;
  baseline: number;
  steps: number;
  ntSamples: number;
  stdevs?: number;
  masks: number;
  signed?: boolean;
  seed: number;
  batchSize: number;
  examples: number;
  patch: number;
  progress: boolean;
}

function parsePositive(name: string) {
  const number = parseNumber(name);
  return (value: string): number => {
    const n = number(value);
    if (!(n > 0)) throw new UsageError(`${name} must be a number > 0 (got '${value}')`);
    return n;
  };
}

function parseTarget(value: string | undefined, rows: number): number | number[] | undefined {
  if (value === undefined) return undefined;
  const classes = value.split(',').map((s) => {
    const n = Number(s.trim());
    if (s.trim() === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`--target must be a class index or a comma-separated list of them (got '${value}')`);
    return n;
  });
  if (classes.length === 1) return classes[0];
  if (classes.length !== rows) throw new UsageError(`--target lists ${classes.length} classes for ${rows} images; give one class, or one per image`);
  return classes;
}

/** Every metric's declared options as one flag list (throws if two metrics give one flag two meanings). */
const MERGED = mergeOptionSpecs([...metrics.values()].map((m) => ({ owner: m.name, options: m.options })));
const BY_DEFAULT = METRIC_NAMES.filter((n) => getMetric(n).runByDefault);
const NEED_MASK = METRIC_NAMES.filter((n) => getMetric(n).needs.includes('mask'));

/** The "Metrics:" block of --help: name, one line of description (wrapped), and when it runs. */
function metricsHelp(): string {
  const width = Math.max(...METRIC_NAMES.map((n) => n.length)) + 2;
  const lines = METRIC_NAMES.map((name) => {
    const m = getMetric(name);
    const when = [m.runByDefault ? '' : 'opt-in', m.needs.includes('mask') ? 'needs --mask' : '', m.needs.includes('two-or-more-inputs') ? 'needs 2+ images' : ''].filter(Boolean);
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
    .description(`is the explanation real? ${METRIC_NAMES.join(', ')} of one method; writes evaluation.json and index.html`)
    .requiredOption('--model <file.onnx>', 'ONNX image model with NCHW float input')
    .requiredOption('--input <file.npy>', 'one image (C,H,W) or a batch (N,C,H,W)')
    .requiredOption('--method <name>', `attribution method: ${[...explainers.keys()].join(' | ')}`)
    .requiredOption('--out <dir>', 'folder for evaluation.json and index.html')
    .option('--mask <file.npy>', `region of interest, 1 inside: (H,W) for all images or (N,H,W); needed by ${NEED_MASK.join(', ')}`)
    .option('--metrics <list>', `comma-separated: ${METRIC_NAMES.join(',')} (default: ${BY_DEFAULT.join(',')}; ${NEED_MASK.join(', ')} only with --mask)`)
    .option('--target <class[,class…]>', 'class to explain: one for all images or one per image (default: the predicted class)')
    .option('--layer <name>', 'grad-cam, grad-cam-pp: inner layer to explain')
    .option('--window <n>', 'occlusion: window side in pixels', parseInteger('--window', 1), 4)
    .option('--stride <n>', 'occlusion: step between windows', parseInteger('--stride', 1), 1)
    .option('--baseline <value>', 'occlusion: patch value; integrated-gradients: start of the path', parseNumber('--baseline'), 0)
    .option('--steps <n>', 'integrated-gradients: integration steps', parseInteger('--steps', 1), 50)
    .option('--nt-samples <n>', 'smoothgrad, smoothgrad-sq, vargrad, gradient-shap: samples per image', parseInteger('--nt-samples', 1), 5)
    .option('--stdevs <sigma>', 'smoothgrad…, gradient-shap: noise σ in input units', parsePositive('--stdevs'))
    .option('--masks <n>', 'rise: number of random masks', parseInteger('--masks', 1), 2000)
    .option('--signed', "saliency: keep the gradient's sign")
    .option('--patch <n>', 'kernel-shap, lime: side of the square patches that form the features', parseInteger('--patch', 1), 4)
    .option('--seed <n>', 'seed for the method, the re-drawn weights, the baseline noise and the metric samples', parseInteger('--seed', 0), 0)
    .option('--examples <n>', 'randomisation: images shown with their randomised maps in index.html', parseInteger('--examples', 0), 3);
  // One flag per declared metric option (evaluate/metrics/*.ts), help and validation included.
  addDeclaredOptions(command, MERGED);
  command
    .option('--batch-size <n>', 'rows per ONNX Runtime call (bounds memory)', parseInteger('--batch-size', 1), 64)
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      `${metricsHelp()}\n\nExample:\n  trustscope evaluate --model model.onnx --input defects.npy --mask defect-masks.npy --method saliency --out eval\n  trustscope evaluate --model model.onnx --input x.npy --method integrated-gradients --metrics randomisation,complexity --modes cascading --out eval-ig\n  trustscope evaluate --model model.onnx --input x.npy --method saliency --metrics road,infidelity,sufficiency --road-percentages 20,50,80 --out eval-road`,
    )
    .action(async (opts: EvaluateCliOptions) => {
      const explainer = getExplainer(opts.method);
      if ((explainer.name === 'grad-cam' || explainer.name === 'grad-cam-pp') && !opts.layer) {
        throw new UsageError(`--method ${explainer.name} needs --layer <name>; list the names with 'trustscope layers --model ${opts.model}'`);
      }
      let names: MetricName[];
      try {
        names = opts.metrics === undefined ? BY_DEFAULT.filter((n) => !getMetric(n).needs.includes('mask') || opts.mask !== undefined) : parseMetrics(opts.metrics);
      } catch (e) {
        throw new UsageError(`--metrics: ${(e as Error).message}`);
      }
      const chosen = names.map((n) => getMetric(n));
      const needsMask = chosen.find((m) => m.needs.includes('mask'));
      if (needsMask && !opts.mask) throw new UsageError(`--metrics ${needsMask.name} needs --mask MASK.npy (1 inside the region of interest)`);
      // The chosen metrics' options: declared defaults, overridden by their flags; a flag of a metric not chosen is an error.
      const values = declaredValues(command, MERGED, chosen.map((m) => ({ owner: m.name, options: m.options })));
      const metricOptions: Record<string, Record<string, unknown>> = Object.fromEntries(chosen.map((m, i) => [m.name, values[i]]));
      // The report shows --examples images with their randomised maps: randomisation keeps those maps.
      if (metricOptions.randomisation) metricOptions.randomisation.keepMaps = opts.examples;
      const model = await loadOnnxModel(opts.model, { internalBatchSize: opts.batchSize });
      let result: EvaluationResult;
      let inputs: Tensor;
      const bar = stageProgress(opts.progress && process.stderr.isTTY === true);
      const started = performance.now();
      try {
        const batch = asBatch(await readNpy(opts.input), model.inputShape, opts.input);
        inputs = batch;
        const [n, , h, w] = batch.shape;
        const mask = opts.mask ? asMasks(await readNpy(opts.mask), n, h, w, opts.mask) : undefined;
        // A metric asked for by name must have what it needs; the default set leaves such a metric out.
        const runnable = chosen.filter((m) => {
          const why = unmetNeed(m, { inputs: batch, mask });
          if (why && opts.metrics !== undefined) throw new UsageError(`--metrics ${why}`);
          return why === undefined;
        });
        const target = parseTarget(opts.target, n);
        result = await evaluateExplanations(model, explainer, batch, {
          metrics: runnable.map((m) => m.name),
          mask,
          target,
          seed: opts.seed,
          explain: {
            internalBatchSize: opts.batchSize,
            layer: opts.layer,
            window: opts.window,
            stride: opts.stride,
            baseline: opts.baseline,
            steps: opts.steps,
            ntSamples: opts.ntSamples,
            // kernel-shap and lime read `samples` as coalitions: leave them their default (25 × features).
            samples: opts.method === 'kernel-shap' || opts.method === 'lime' ? undefined : opts.ntSamples,
            patch: opts.patch,
            stdevs: opts.stdevs,
            masks: opts.masks,
            abs: opts.signed !== true,
          },
          metricOptions: metricOptions as EvaluateOptions['metricOptions'],
          onProgress: (stage, fraction) => bar.update(stage, fraction),
        });
      } finally {
        bar.stop();
        await model.dispose();
      }
      const html = await renderEvaluationPage({ result, inputs, modelName: opts.model, examples: opts.examples });
      await writeFileAtomic(join(opts.out, 'evaluation.json'), JSON.stringify(evaluationJson(result), null, 2) + '\n');
      await writeFileAtomic(join(opts.out, 'index.html'), html);
      for (const v of result.verdicts) console.log(`${v.passes === null ? 'ℹ' : v.passes ? '✔' : '✘'} ${v.check}: ${v.text}`);
      console.log(`\n${explainer.name} on ${result.images} image(s) in ${((performance.now() - started) / 1000).toFixed(1)} s → ${join(opts.out, 'evaluation.json')}, ${join(opts.out, 'index.html')}`);
    });
}
