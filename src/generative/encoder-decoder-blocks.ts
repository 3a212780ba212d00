/**
 * Building blocks of encoder–decoder models (im2spec, spec2im, VAEs) on the zoo's ModelBuilder:
 * a convolutional image encoder trunk, its mirror-image transposed-convolution decoder, and
 * fully connected stacks for vectors such as spectra. Generic on purpose (any generator under
 * generative/ may use them); every layer is named `<prefix>_<part>` so that the same prefix in two
 * graphs gives the same weight names, which is how trained weights move between a training graph
 * and its encoder-only or decoder-only inference graphs.
 */
import type { ModelBuilder } from '../onnx/builder.js';

export interface ImageCodecShape {
  channels: number;
  /** Image side; a multiple of 4 (two 2× stages). */
  size: number;
  /** Channels of the first stage (the second has twice as many). */
  width: number;
}

export function checkImageCodecShape(shape: ImageCodecShape, who: string): void {
  if (!Number.isInteger(shape.size) || shape.size < 8 || shape.size % 4 !== 0) throw new Error(`${who}: image size ${shape.size} must be a multiple of 4 and ≥ 8 (two 2× stages)`);
  for (const [k, v] of Object.entries({ channels: shape.channels, width: shape.width })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${who}: ${k} must be a positive integer (got ${v})`);
  }
}

/** conv3–ReLU–maxpool2 twice, then flatten: [N, C, S, S] → [N, 2w·(S/4)²]. */
export function imageEncoderTrunk(b: ModelBuilder, x: string, prefix: string, shape: ImageCodecShape): string {
  let h = b.relu(b.conv(x, `${prefix}_conv1`, shape.width, { kernel: 3, pad: 1 }), `${prefix}_relu1`);
  h = b.maxPool(h, `${prefix}_pool1`, 2);
  h = b.relu(b.conv(h, `${prefix}_conv2`, 2 * shape.width, { kernel: 3, pad: 1 }), `${prefix}_relu2`);
  h = b.maxPool(h, `${prefix}_pool2`, 2);
  return b.flatten(h, `${prefix}_flatten`);
}

/**
 * The mirror of the trunk: Linear to 2w·(S/4)², ReLU, reshape to [2w, S/4, S/4], two DCGAN
 * upsamplers (ConvTranspose 4×4, stride 2, pad 1), a sigmoid (images in [0, 1]) and a flatten to
 * [N, C·S·S], the layout every trustscope model returns.
 */
export function imageDecoderHead(b: ModelBuilder, z: string, prefix: string, shape: ImageCodecShape): string {
  const quarter = shape.size / 4;
  const c = 2 * shape.width;
  let h = b.relu(b.linear(z, `${prefix}_fc`, c * quarter * quarter), `${prefix}_fc_relu`);
  h = b.op('Reshape', `${prefix}_unflatten`, [h, b.editor.constInt64([-1, c, quarter, quarter])], [-1, c, quarter, quarter]);
  h = b.relu(b.convTranspose(h, `${prefix}_up1`, shape.width, { kernel: 4, stride: 2, pad: 1 }), `${prefix}_up1_relu`);
  h = b.convTranspose(h, `${prefix}_up2`, shape.channels, { kernel: 4, stride: 2, pad: 1 });
  return b.flatten(b.sigmoid(h, `${prefix}_sigmoid`), `${prefix}_image`);
}

/** Linear layers of the given widths with ReLU between them (none after the last): [N, F] → [N, widths.at(-1)]. */
export function denseStack(b: ModelBuilder, x: string, prefix: string, widths: readonly number[]): string {
  let h = x;
  widths.forEach((w, i) => {
    h = b.linear(h, `${prefix}_fc${i + 1}`, w);
    if (i < widths.length - 1) h = b.relu(h, `${prefix}_fc${i + 1}_relu`);
  });
  return h;
}
