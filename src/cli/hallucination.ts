/** `trustscope hallucination`: which features of an image-to-image model's output are not grounded in its input? */
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadModelForImages } from './model-for-images.js';
import { hallucinationCheck, regionFeatures, type OutputFeature } from '../trust/hallucination.js';
import { addTaskOption, resolveTask } from './task-option.js';
import { isDenseTask } from '../models/task.js';
import { reshape, shapeToString } from '../tensor/tensor.js';
import { UsageError, parseInteger, parseNumber } from './errors.js';
import { addDatasetOption, checkFinite, readImages, readValues } from './inputs.js';
import { addNormaliseOption, addRunOptions, runInFolder } from './run.js';
import type { Normalisation } from '../data/normalise.js';

interface HallucinationCliOptions {
  model: string;
  input: string;
  features?: string;
  featurePixels?: string;
  featureImage?: boolean;
  channel?: number;
  task?: string;
  referenceFeature: number;
  threshold: number;
  out: string;
  normalise?: Normalisation;
  dataset?: string;
  force?: boolean;
}

export const HALLUCINATION = 'hallucination.json';

export function registerHallucination(program: Command): void {
  const command = program
    .command('hallucination')
    .description("image-to-image models: attribute each output feature (a region of the output) to the input and flag features with < 5% of a reference feature's support")
    .requiredOption('--model <file.onnx>', 'image-to-image model whose output is the image, flattened (N, C·H·W)')
    .requiredOption('--input <X.npy>', 'one input image (C,H,W) or (1,C,H,W)')
    .option('--features <F.npy>', 'region features: masks over the output image, (F,H,W), 1 inside each feature (features 0..F-1)')
    .option('--feature-pixels <y,x[;y,x…]>', 'one-pixel features (row, column), numbered after the --features masks')
    .option('--feature-image', 'the whole output image as one feature, numbered last')
    .option('--channel <c>', 'every feature over this output channel only (default: all channels together)', parseInteger('--channel', 0))
    .option('--reference-feature <i>', 'index of a feature known to be real (its support is the yardstick)', parseInteger('--reference-feature', 0), 0)
    .option('--threshold <r>', "flag a feature whose support is below this fraction of the reference's", parseNumber('--threshold'), 0.05);
  addNormaliseOption(command);
  addDatasetOption(command);
  addTaskOption(command);
  addRunOptions(command, { out: 'trustscope-hallucination', what: `${HALLUCINATION}: the per-feature supports and flags`, seed: false });
  command
    .addHelpText('after', '\n--out is always a folder.\nFeatures are the reducers a segmenter\'s targets take — a region mask, one pixel, the whole image — in the order --features, --feature-pixels, --feature-image; --reference-feature indexes that list.\nSupport of a feature = Σ |x ⊙ ∂(sum of the outputs in the feature)/∂x| per output pixel (input × gradient).')
    .action(async (opts: HallucinationCliOptions) => {
      if (opts.features === undefined && opts.featurePixels === undefined && !opts.featureImage) throw new UsageError('give the features to check: --features F.npy (region masks), --feature-pixels Y,X;…, and/or --feature-image');
      if (opts.featurePixels !== undefined) parsePixels(opts.featurePixels);
      await runInFolder(
        'hallucination',
        opts,
        async (folder) => {
          const model = await loadModelForImages(opts.model, { files: [opts.input], dataset: opts.dataset });
          try {
            folder.input(opts.model);
            // What is attributed are regions of an output image: an image-to-image model, or a segmenter's per-pixel scores.
            // Without --task the output is taken for an image (a flat one is sized by the --features masks).
            const task = opts.task === undefined ? 'image-to-image' : resolveTask(opts.task, model.outputShape);
            if (!isDenseTask(task)) throw new UsageError(`the hallucination check attributes regions of an output image; a ${task} model has none: give an image-to-image model (--task image-to-image)`);
            const image = (await readImages(opts.input, model.inputShape, opts.normalise, { dataset: opts.dataset })).batch;
            if (image.shape[0] !== 1) throw new UsageError(`${opts.input} holds ${image.shape[0]} images; give one image`);
            folder.input(opts.input);
            const features: OutputFeature[] = [];
            let outputImage: [number, number] | undefined;
            if (opts.features !== undefined) {
              let masks = await readValues(opts.features);
              if (masks.shape.length === 2) masks = reshape(masks, [1, ...masks.shape]);
              if (masks.shape.length !== 3 || masks.shape[0] === 0) throw new UsageError(`${opts.features} has shape ${shapeToString(masks.shape)}; give feature masks (F, H, W) over the output image, F ≥ 1`);
              checkFinite(masks, opts.features, 'feature');
              const plane = masks.shape[1] * masks.shape[2];
              if (model.outputShape.length === 3 && plane !== model.outputShape[1] * model.outputShape[2]) {
                throw new UsageError(`${opts.features} has ${masks.shape[1]}×${masks.shape[2]} masks but the model's output image is ${model.outputShape[1]}×${model.outputShape[2]}; give masks of the output's size`);
              }
              features.push(...regionFeatures(masks));
              outputImage = [masks.shape[1], masks.shape[2]];
              folder.input(opts.features);
            }
            for (const [y, x] of opts.featurePixels === undefined ? [] : parsePixels(opts.featurePixels)) features.push({ kind: 'pixel', y, x });
            if (opts.featureImage) features.push({ kind: 'image' });
            const channelled = opts.channel === undefined ? features : features.map((f) => ({ ...f, channel: opts.channel }));
            if (opts.referenceFeature >= channelled.length) {
              const of = features.every((f) => f.kind === 'region') ? ` of ${opts.features}` : '';
              throw new UsageError(`--reference-feature ${opts.referenceFeature} is not a feature${of} (it has ${channelled.length}: 0..${channelled.length - 1})`);
            }
            let r;
            try {
              r = await hallucinationCheck(model, image, channelled, { reference: opts.referenceFeature, threshold: opts.threshold, ...(outputImage ? { outputImage } : {}) });
            } catch (e) {
              throw new UsageError((e as Error).message.replace(/^hallucination check: /, ''));
            }
            await folder.write(HALLUCINATION, JSON.stringify(r, null, 2) + '\n');
            for (const f of r.features) console.log(`feature ${f.feature} (${f.kind}): support ${f.support.toPrecision(3)} (${(100 * f.ratio).toFixed(1)}% of the reference)${f.flagged ? '  FLAG: not grounded in the input' : ''}`);
            console.log(`→ ${join(opts.out, HALLUCINATION)}`);
          } finally {
            await model.dispose();
          }
        },
      );
    });
}

/** `--feature-pixels 3,4;10,2`: (row, column) pairs of integers ≥ 0. */
function parsePixels(text: string): [number, number][] {
  return text.split(';').map((pair) => {
    const parts = pair.split(',').map((p) => p.trim());
    const [y, x] = parts.map(Number);
    if (parts.length !== 2 || parts.some((p) => p === '') || ![y, x].every((v) => Number.isInteger(v) && v >= 0)) throw new UsageError(`--feature-pixels takes Y,X pairs separated by ';' (row, column; integers ≥ 0), got '${pair}'`);
    return [y, x];
  });
}
