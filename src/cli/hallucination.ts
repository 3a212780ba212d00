/** `trustscope hallucination`: which features of an image-to-image model's output are not grounded in its input? */
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadModelForImages } from './model-for-images.js';
import { hallucinationCheck } from '../trust/hallucination.js';
import { reshape, shapeToString } from '../tensor/tensor.js';
import { UsageError, parseInteger, parseNumber } from './errors.js';
import { addDatasetOption, checkFinite, readImages, readValues } from './inputs.js';
import { addNormaliseOption, addRunOptions, runInFolder } from './run.js';
import type { Normalisation } from '../data/normalise.js';

interface HallucinationCliOptions {
  model: string;
  input: string;
  features: string;
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
    .requiredOption('--features <F.npy>', 'feature masks over the output image, (F,H,W), 1 inside each feature')
    .option('--reference-feature <i>', 'index of a feature known to be real (its support is the yardstick)', parseInteger('--reference-feature', 0), 0)
    .option('--threshold <r>', "flag a feature whose support is below this fraction of the reference's", parseNumber('--threshold'), 0.05);
  addNormaliseOption(command);
  addDatasetOption(command);
  addRunOptions(command, { out: 'trustscope-hallucination', what: `${HALLUCINATION}: the per-feature supports and flags`, seed: false });
  command
    .addHelpText('after', '\n--out is always a folder.\nSupport of a feature = Σ |x ⊙ ∂(sum of the outputs in the feature)/∂x| per output pixel (input × gradient).')
    .action(async (opts: HallucinationCliOptions) => {
      await runInFolder(
        'hallucination',
        opts,
        async (folder) => {
          const model = await loadModelForImages(opts.model, { files: [opts.input], dataset: opts.dataset });
          try {
            folder.input(opts.model);
            const image = (await readImages(opts.input, model.inputShape, opts.normalise, { dataset: opts.dataset })).batch;
            if (image.shape[0] !== 1) throw new UsageError(`${opts.input} holds ${image.shape[0]} images; give one image`);
            folder.input(opts.input);
            let features = await readValues(opts.features);
            if (features.shape.length === 2) features = reshape(features, [1, ...features.shape]);
            if (features.shape.length !== 3 || features.shape[0] === 0) throw new UsageError(`${opts.features} has shape ${shapeToString(features.shape)}; give feature masks (F, H, W) over the output image, F ≥ 1`);
            checkFinite(features, opts.features, 'feature');
            if (opts.referenceFeature >= features.shape[0]) {
              throw new UsageError(`--reference-feature ${opts.referenceFeature} is not a feature of ${opts.features} (it has ${features.shape[0]}: 0..${features.shape[0] - 1})`);
            }
            folder.input(opts.features);
            const r = await hallucinationCheck(model, image, features, { reference: opts.referenceFeature, threshold: opts.threshold });
            await folder.write(HALLUCINATION, JSON.stringify(r, null, 2) + '\n');
            for (const f of r.features) console.log(`feature ${f.feature}: support ${f.support.toPrecision(3)} (${(100 * f.ratio).toFixed(1)}% of the reference)${f.flagged ? '  FLAG: not grounded in the input' : ''}`);
            console.log(`→ ${join(opts.out, HALLUCINATION)}`);
          } finally {
            await model.dispose();
          }
        },
      );
    });
}
