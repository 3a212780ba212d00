/** `trustscope hallucination`: which features of an image-to-image model's output are not grounded in its input? */
import type { Command } from 'commander';
import { readNpy } from '../data/formats/npy.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { loadOnnxModel } from '../models/import/onnx-file.js';
import { hallucinationCheck } from '../trust/hallucination.js';
import { reshape } from '../tensor/tensor.js';
import { UsageError, parseInteger, parseNumber } from './errors.js';
import { asBatch } from './inputs.js';

interface HallucinationCliOptions {
  model: string;
  input: string;
  features: string;
  reference: number;
  threshold: number;
  out: string;
}

export function registerHallucination(program: Command): void {
  program
    .command('hallucination')
    .description('image-to-image models: attribute each output feature (a region of the output) to the input and flag features with < 5% of a reference feature\'s support')
    .requiredOption('--model <file.onnx>', 'image-to-image model whose output is the image, flattened (N, C·H·W)')
    .requiredOption('--input <X.npy>', 'one input image (C,H,W) or (1,C,H,W)')
    .requiredOption('--features <F.npy>', 'feature masks over the output image, (F,H,W), 1 inside each feature')
    .option('--reference <i>', 'index of a feature known to be real (its support is the yardstick)', parseInteger('--reference', 0), 0)
    .option('--threshold <r>', 'flag a feature whose support is below this fraction of the reference\'s', parseNumber('--threshold'), 0.05)
    .requiredOption('--out <H.json>', 'where to write the per-feature supports and flags')
    .addHelpText('after', '\nSupport of a feature = Σ |x ⊙ ∂(sum of the outputs in the feature)/∂x| per output pixel (input × gradient).')
    .action(async (opts: HallucinationCliOptions) => {
      const model = await loadOnnxModel(opts.model);
      try {
        const image = asBatch(await readNpy(opts.input), model.inputShape, opts.input);
        if (image.shape[0] !== 1) throw new UsageError(`${opts.input} holds ${image.shape[0]} images; give one image`);
        let features = await readNpy(opts.features);
        if (features.shape.length === 2) features = reshape(features, [1, ...features.shape]);
        const r = await hallucinationCheck(model, image, features, { reference: opts.reference, threshold: opts.threshold });
        await writeFileAtomic(opts.out, JSON.stringify(r, null, 2) + '\n');
        for (const f of r.features) console.log(`feature ${f.feature}: support ${f.support.toPrecision(3)} (${(100 * f.ratio).toFixed(1)}% of the reference)${f.flagged ? '  FLAG: not grounded in the input' : ''}`);
      } finally {
        await model.dispose();
      }
    });
}
