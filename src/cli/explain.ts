/** `trustscope explain`: attributions for any ONNX image classifier, written as .npy. */
import type { Command } from 'commander';
import type { Tensor } from '../tensor/tensor.js';
import { reshape, shapeToString } from '../tensor/tensor.js';
import { readNpy, writeNpy } from '../data/formats/npy.js';
import { loadOnnxModel } from '../models/import/onnx-file.js';
import { explainers, getExplainer } from '../attribution/registry.js';
import type { Target } from '../attribution/explainer.js';
import { INTEGRATION_RULES } from '../attribution/integrated-gradients.js';
import type { IntegrationRule } from '../attribution/integrated-gradients.js';
import { writeOverlays } from './png-overlays.js';
import { explainClasses, outputSum } from '../attribution/targets.js';
import { SEGMENTATIONS, type SegmentationKind } from '../attribution/segmentation/feature-masks.js';
import { concatRows } from '../tensor/tensor.js';
import { UsageError, parseInteger, parseNumber } from './errors.js';

interface ExplainCliOptions {
  model: string;
  input: string;
  method: string;
  out: string;
  target?: string;
  targets?: string;
  targetOutputs?: string;
  segments: SegmentationKind;
  nSegments: number;
  compactness: number;
  layer?: string;
  reluAttributions?: boolean;
  signed?: boolean;
  png?: string;
  upsample: 'none' | 'nearest' | 'bilinear';
  attentionLayer?: number;
  head?: number;
  attentionValues?: string;
  window: number;
  stride: number;
  baseline: number;
  batchSize: number;
  steps: number;
  rule: IntegrationRule;
  ntSamples: number;
  patch: number;
  coalitions?: number;
  exact?: boolean;
  stdevs?: number;
  noiseFraction?: number;
  baselines?: string;
  masks: number;
  cell: number;
  probability: number;
  seed: number;
}

function parseRule(value: string): IntegrationRule {
  if (!(INTEGRATION_RULES as readonly string[]).includes(value)) throw new UsageError(`--rule must be one of ${INTEGRATION_RULES.join(', ')} (got '${value}')`);
  return value as IntegrationRule;
}

function parseNonNegative(name: string) {
  const number = parseNumber(name);
  return (value: string): number => {
    const n = number(value);
    if (n < 0) throw new UsageError(`${name} must be a number ≥ 0 (got '${value}')`);
    return n;
  };
}

function parseProbability(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) throw new UsageError(`--probability must be a number in (0, 1] (got '${value}')`);
  return n;
}

function parseUpsample(value: string): 'none' | 'nearest' | 'bilinear' {
  if (value === 'none' || value === 'nearest' || value === 'bilinear') return value;
  throw new UsageError(`--upsample must be none, nearest or bilinear (got '${value}')`);
}

function parseSegments(value: string): SegmentationKind {
  if ((SEGMENTATIONS as readonly string[]).includes(value)) return value as SegmentationKind;
  throw new UsageError(`--segments must be one of ${SEGMENTATIONS.join(', ')} (got '${value}')`);
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
    .option('--targets <class,class…>', 'several classes for every image in one call; --out then holds (T, N, …) maps (or (T, C, H, W) for one image), class-major in the order given')
    .option('--target-outputs <i,j…>', 'regression or dense (flattened) outputs: explain the sum of these outputs (e.g. the pixels of a region)')
    .option('--segments <kind>', `kernel-shap, lime: features as ${SEGMENTATIONS.join(' | ')} (SLIC superpixels per image)`, parseSegments, 'patches')
    .option('--n-segments <K>', 'kernel-shap, lime with --segments slic: desired number of superpixels', parseInteger('--n-segments', 1), 50)
    .option('--compactness <m>', 'kernel-shap, lime with --segments slic: SLIC compactness on [0, 1]-scaled intensities (larger: squarer segments)', parseNumber('--compactness'), 0.1)
    .option('--window <n>', 'occlusion: window side in pixels', parseInteger('--window', 1), 4)
    .option('--stride <n>', 'occlusion: step between windows', parseInteger('--stride', 1), 1)
    .option('--baseline <value>', 'occlusion: value written into the window; integrated-gradients: start of the path', parseNumber('--baseline'), 0)
    .option('--steps <n>', "integrated-gradients: integration steps (Captum's n_steps)", parseInteger('--steps', 1), 50)
    .option('--rule <name>', `integrated-gradients: ${INTEGRATION_RULES.join(' | ')} (Captum's method)`, parseRule, 'gausslegendre')
    .option('--patch <n>', 'kernel-shap, lime: side of the square patches that form the features', parseInteger('--patch', 1), 4)
    .option('--coalitions <n>', 'kernel-shap, lime: sampled coalitions per image (default: 25 × features)', parseInteger('--coalitions', 3))
    .option('--exact', 'kernel-shap: enumerate all 2^M coalitions (M ≤ 12 features) for exact Shapley values')
    .option('--nt-samples <n>', "smoothgrad, smoothgrad-sq, vargrad: noisy copies per image (Captum's nt_samples); gradient-shap: samples per image (Captum's n_samples)", parseInteger('--nt-samples', 1), 5)
    .option('--stdevs <sigma>', "smoothgrad, smoothgrad-sq, vargrad: noise standard deviation in input units (default: 1.0, Captum's); gradient-shap: the same, default 0.0", parseNonNegative('--stdevs'))
    .option('--noise-fraction <f>', 'smoothgrad, smoothgrad-sq, vargrad: instead of --stdevs, σ = f × (max − min) of each image (SmoothGrad paper: 0.1–0.2)', parseNonNegative('--noise-fraction'))
    .option('--baselines <file.npy>', 'gradient-shap: baseline distribution (B, C, H, W) or one baseline (C, H, W) to draw from (default: --baseline, i.e. one all-zero image)')
    .option('--masks <n>', 'rise: number of random masks N', parseInteger('--masks', 1), 2000)
    .option('--cell <n>', 'rise: grid cells per side s of each mask', parseInteger('--cell', 1), 8)
    .option('--probability <p>', 'rise: probability p that a grid cell is kept', parseProbability, 0.5)
    .option('--seed <n>', 'random seed for the noise (smoothgrad…, gradient-shap), the baseline draws (gradient-shap) and the masks (rise)', parseInteger('--seed', 0), 0)
    .option('--layer <name>', "grad-cam, grad-cam-pp: inner value or node name of a 4-D layer (list them with 'trustscope layers --model M.onnx')")
    .option('--png <dir>', 'also write one overlay picture per image (grey image, inferno map) into this folder')
    .option('--signed', "saliency: keep the gradient's sign (Captum's abs=False; default |gradient|)")
    .option('--relu-attributions', "grad-cam, grad-cam-pp: ReLU the map (Captum's relu_attributions; default keeps negative evidence)")
    .option('--attention-layer <i>', 'attention: the layer shown; attention-rollout: the last layer rolled out (index from 0, negative from the end; default −1, the last)', parseInteger('--attention-layer'))
    .option('--head <h>', 'attention: one head (default: the mean over heads)', parseInteger('--head', 0))
    .option('--attention-values <names>', "attention, attention-rollout: comma-separated attention-probability values [N, heads, T, T] in block order (default: the model's Softmax outputs of that shape)")
    .option('--upsample <mode>', 'grad-cam, grad-cam-pp, attention, attention-rollout: none | nearest | bilinear resize to the input size; the map has one channel [N, 1, H, W]', parseUpsample, 'nearest')
    .option('--batch-size <n>', 'rows per ONNX Runtime call (bounds memory)', parseInteger('--batch-size', 1), 64)
    .addHelpText('after', `\nMethods (Captum's semantics and defaults):\n${methods}\n\nExample:\n  trustscope explain --model model.onnx --input images.npy --method occlusion --window 4 --stride 2 --out occlusion.npy\n  trustscope explain --model model.onnx --input images.npy --method integrated-gradients --steps 100 --rule riemann_trapezoid --out ig.npy\n  trustscope explain --model model.onnx --input images.npy --method smoothgrad --nt-samples 25 --noise-fraction 0.15 --seed 1 --out sg.npy\n  trustscope explain --model model.onnx --input images.npy --method gradient-shap --baselines background.npy --nt-samples 50 --stdevs 0.1 --out gshap.npy\n  trustscope explain --model model.onnx --input images.npy --method rise --masks 4000 --cell 7 --probability 0.5 --out rise.npy`)
    .action(async (opts: ExplainCliOptions) => {
      const explainer = getExplainer(opts.method);
      if (opts.stdevs !== undefined && opts.noiseFraction !== undefined) throw new UsageError('give --stdevs or --noise-fraction, not both');
      if (explainer.name === 'gradient-shap' && opts.noiseFraction !== undefined) throw new UsageError('--method gradient-shap takes --stdevs, not --noise-fraction');
      if (['grad-cam', 'grad-cam-pp', 'guided-grad-cam'].includes(explainer.name) && !opts.layer) {
        throw new UsageError(`--method ${explainer.name} needs --layer <name> (a conv or ReLU output); list the names with 'trustscope layers --model ${opts.model}'`);
      }
      const model = await loadOnnxModel(opts.model, { internalBatchSize: opts.batchSize });
      const x = await readNpy(opts.input);
      const { batch, single } = asBatch(x, model.inputShape, opts.input);
      const given = [opts.target, opts.targets, opts.targetOutputs].filter((v) => v !== undefined).length;
      if (given > 1) throw new UsageError('give one of --target, --targets and --target-outputs');
      if (!(opts.compactness > 0)) throw new UsageError(`--compactness must be a number > 0 (got ${opts.compactness})`);
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
      const baselines = opts.baselines === undefined ? opts.baseline : await readNpy(opts.baselines);
      const started = performance.now();
      const methodOptions = {
        internalBatchSize: opts.batchSize,
        window: opts.window,
        stride: opts.stride,
        baseline: opts.baseline,
        steps: opts.steps,
        rule: opts.rule,
        ntSamples: opts.ntSamples,
        stdevs: opts.stdevs,
        noiseFraction: opts.noiseFraction,
        samples: opts.method === 'kernel-shap' || opts.method === 'lime' ? opts.coalitions : opts.ntSamples,
        patch: opts.patch,
        exact: opts.exact === true,
        baselines,
        masks: opts.masks,
        cell: opts.cell,
        probability: opts.probability,
        seed: opts.seed,
        layer: opts.layer,
        relu: opts.reluAttributions === true,
        abs: opts.signed !== true,
        upsample: opts.upsample,
        attentionLayer: opts.attentionLayer,
        head: opts.head,
        attentionValues: opts.attentionValues?.split(',').map((v) => v.trim()),
        segments: opts.segments,
        nSegments: opts.nSegments,
        compactness: opts.compactness,
      };
      const perClass = several ? await explainClasses(explainer, model, batch, several, methodOptions as Parameters<typeof explainer.attribute>[2]) : undefined;
      const result = perClass
        ? { ...perClass[0], values: concatRows(perClass.map((r) => r.values)), targets: several }
        : await explainer.attribute(model, batch, { target, ...methodOptions } as Parameters<typeof explainer.attribute>[2]);
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
