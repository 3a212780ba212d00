/** `trustscope evaluate`: is the explanation real? Sanity checks and metrics for one method. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { readNpy } from '../data/formats/npy.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { loadOnnxModel } from '../models/import/onnx-file.js';
import { explainers, getExplainer } from '../attribution/registry.js';
import { METRIC_NAMES, evaluateExplanations, evaluationJson, parseMetrics } from '../evaluate/evaluate.js';
import type { MetricName } from '../evaluate/evaluate.js';
import type { RandomisationMode } from '../evaluate/randomisation.js';
import type { Replacement } from '../evaluate/perturbation.js';
import { renderEvaluationPage } from '../report/evaluation-page.js';
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
  modes: string;
  passRatio: number;
  examples: number;
  deletionBaseline: string;
  deletionSteps?: number;
  patch: number;
  deletionPatch: number;
  topK?: number;
  radius: number;
  samples: number;
  attack: string;
  progress: boolean;
}

function parseRatio(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n <= 1)) throw new UsageError(`--pass-ratio must be a number in (0, 1] (got '${value}')`);
  return n;
}

function parsePositive(name: string) {
  const number = parseNumber(name);
  return (value: string): number => {
    const n = number(value);
    if (!(n > 0)) throw new UsageError(`${name} must be a number > 0 (got '${value}')`);
    return n;
  };
}

function parseModes(value: string): RandomisationMode[] {
  const modes = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const m of modes) if (m !== 'cascading' && m !== 'independent') throw new UsageError(`--modes takes cascading and/or independent (got '${m}')`);
  if (modes.length === 0) throw new UsageError('--modes needs cascading and/or independent');
  return [...new Set(modes)] as RandomisationMode[];
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

const DELETION_BASELINES = ['zero', 'mean', 'blur'];

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('is the explanation real? weight-randomisation sanity checks, localisation, faithfulness, robustness and complexity of one method; writes evaluation.json and index.html')
    .requiredOption('--model <file.onnx>', 'ONNX image model with NCHW float input')
    .requiredOption('--input <file.npy>', 'one image (C,H,W) or a batch (N,C,H,W)')
    .requiredOption('--method <name>', `attribution method: ${[...explainers.keys()].join(' | ')}`)
    .requiredOption('--out <dir>', 'folder for evaluation.json and index.html')
    .option('--mask <file.npy>', 'region of interest, 1 inside: (H,W) for all images or (N,H,W); needed by localisation')
    .option('--metrics <list>', `comma-separated: ${METRIC_NAMES.join(',')} (default: all; localisation only with --mask)`)
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
    .option('--seed <n>', 'seed for the method, the re-drawn weights, the baseline noise and the metric samples', parseInteger('--seed', 0), 0)
    .option('--modes <list>', 'randomisation: cascading and/or independent', 'cascading,independent')
    .option('--pass-ratio <r>', 'randomisation: pass when the last cascade step\'s Spearman ρ ≤ r × the trained-vs-trained ρ', parseRatio, 0.5)
    .option('--examples <n>', 'randomisation: images shown with their randomised maps in index.html', parseInteger('--examples', 0), 3)
    .option('--deletion-baseline <kind>', `faithfulness: what removed pixels become: ${DELETION_BASELINES.join(' | ')}`, 'zero')
    .option('--deletion-steps <n>', 'faithfulness: points on the deletion/insertion curves minus one (default min(features, 50))', parseInteger('--deletion-steps', 1))
    .option('--patch <n>', 'kernel-shap, lime: side of the square patches that form the features', parseInteger('--patch', 1), 4)
    .option('--deletion-patch <n>', 'faithfulness: side of the square patches removed together', parseInteger('--deletion-patch', 1), 1)
    .option('--top-k <n>', 'localisation: pixels in the top-k intersection (default 5% of the pixels)', parseInteger('--top-k', 1))
    .option('--radius <r>', 'robustness: L∞ radius of the input perturbations, in input units', parsePositive('--radius'), 0.2)
    .option('--samples <n>', 'robustness: perturbations per image', parseInteger('--samples', 1), 20)
    .option('--attack <kind>', 'robustness: adversarial flip by fgsm | pgd (L∞, ε in input units)', 'fgsm')
    .option('--batch-size <n>', 'rows per ONNX Runtime call (bounds memory)', parseInteger('--batch-size', 1), 64)
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      `\nChecks:\n  randomisation  re-draw the weights layer by layer (cascading from the top, and independently) and compare maps\n                 (Spearman ρ of |a|, SSIM, HOG distance, top-3 hotspots) with a trained-vs-trained baseline; random-logit test\n  localisation   inside/outside ratio, attribution localisation, relevance mass and rank accuracy, pointing game, top-k, ROC AUC\n  faithfulness   deletion and insertion curves with their areas, faithfulness correlation\n  robustness     max- and average sensitivity, local Lipschitz estimate; smallest FGSM/PGD ε that flips the prediction\n  complexity     sparseness (Gini), entropy, effective complexity\n\nExample:\n  trustscope evaluate --model model.onnx --input defects.npy --mask defect-masks.npy --method saliency --out eval\n  trustscope evaluate --model model.onnx --input x.npy --method integrated-gradients --metrics randomisation,complexity --modes cascading --out eval-ig`,
    )
    .action(async (opts: EvaluateCliOptions) => {
      const explainer = getExplainer(opts.method);
      if ((explainer.name === 'grad-cam' || explainer.name === 'grad-cam-pp') && !opts.layer) {
        throw new UsageError(`--method ${explainer.name} needs --layer <name>; list the names with 'trustscope layers --model ${opts.model}'`);
      }
      if (!DELETION_BASELINES.includes(opts.deletionBaseline)) throw new UsageError(`--deletion-baseline must be one of ${DELETION_BASELINES.join(', ')} (got '${opts.deletionBaseline}')`);
      let metrics: MetricName[];
      try {
        metrics = opts.metrics === undefined ? METRIC_NAMES.filter((m) => m !== 'localisation' || opts.mask !== undefined) : parseMetrics(opts.metrics);
      } catch (e) {
        throw new UsageError(`--metrics: ${(e as Error).message}`);
      }
      if (metrics.includes('localisation') && !opts.mask) throw new UsageError('--metrics localisation needs --mask MASK.npy (1 inside the region of interest)');
      const modes = parseModes(opts.modes);
      if (opts.attack !== 'fgsm' && opts.attack !== 'pgd') throw new UsageError(`--attack must be fgsm or pgd (got '${opts.attack}')`);
      const model = await loadOnnxModel(opts.model, { internalBatchSize: opts.batchSize });
      const inputs = asBatch(await readNpy(opts.input), model.inputShape, opts.input);
      const [n, , h, w] = inputs.shape;
      const mask = opts.mask ? asMasks(await readNpy(opts.mask), n, h, w, opts.mask) : undefined;
      const target = parseTarget(opts.target, n);
      const bar = stageProgress(opts.progress && process.stderr.isTTY === true);
      const started = performance.now();
      let result;
      try {
        result = await evaluateExplanations(model, explainer, inputs, {
          metrics,
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
          randomisation: { modes, passRatio: opts.passRatio, keepMaps: opts.examples },
          localisation: { topK: opts.topK },
          deletion: { baseline: opts.deletionBaseline as Replacement, steps: opts.deletionSteps, patch: opts.deletionPatch },
          faithfulnessCorrelation: { patch: opts.deletionPatch },
          robustness: { radius: opts.radius, samples: opts.samples },
          adversarial: { attack: opts.attack },
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
      console.log(`\n${explainer.name} on ${n} image(s) in ${((performance.now() - started) / 1000).toFixed(1)} s → ${join(opts.out, 'evaluation.json')}, ${join(opts.out, 'index.html')}`);
    });
}
