/**
 * A small convolutional autoencoder for greyscale tiles (1×32×32 by default), the zoo's
 * reconstruction model for out-of-distribution detection: trained on in-distribution tiles only,
 * it reconstructs what it has seen and fails on what it has not (noise, spots, new textures).
 *
 * Encoder: conv–ReLU–maxpool twice, then a stride-2 conv to a `code`×(size/8)² bottleneck.
 * Decoder: three 2× upsampling stages, either learnt (ConvTranspose 4×4 stride 2 pad 1, the DCGAN
 * upsampler) or fixed (nearest Resize ×2 then a 3×3 conv, free of checkerboard artefacts).
 * The output is flattened to [N, C·H·W] so that the autoencoder is an ordinary Model
 * (outputSize = pixels; reshape rows to the input shape for images).
 */
import type { Graph } from '../../onnx/graph.js';
import { ModelBuilder } from '../../onnx/builder.js';

export interface AutoencoderOptions {
  channels?: number;
  size?: number;
  /** Channels of the first encoder stage (the second has twice as many). */
  width?: number;
  /** Channels of the bottleneck map, (size/8)×(size/8) pixels each. */
  code?: number;
  decoder?: 'transpose' | 'resize';
  /** 'sigmoid' for data in [0, 1] (the EM tiles), 'linear' for unbounded data. */
  output?: 'sigmoid' | 'linear';
  seed?: number;
}

/** The value holding the bottleneck activation (usable as a layer for latent-space scores). */
export const AUTOENCODER_CODE_LAYER = 'code_relu_out';

export function convAutoencoder(options: AutoencoderOptions = {}): Graph {
  const { channels = 1, size = 32, width = 8, code = 16, decoder = 'transpose', output = 'sigmoid', seed = 0 } = options;
  if (!Number.isInteger(size) || size < 8 || size % 8 !== 0) throw new Error(`autoencoder: size ${size} must be a multiple of 8 (three 2× stages)`);
  for (const [k, v] of Object.entries({ channels, width, code })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`autoencoder: ${k} must be a positive integer (got ${v})`);
  }
  const b = new ModelBuilder('conv-autoencoder', seed);
  let x = b.input('input', [channels, size, size]);
  x = b.relu(b.conv(x, 'enc1', width, { kernel: 3, pad: 1 }), 'enc1_relu');
  x = b.maxPool(x, 'pool1', 2);
  x = b.relu(b.conv(x, 'enc2', 2 * width, { kernel: 3, pad: 1 }), 'enc2_relu');
  x = b.maxPool(x, 'pool2', 2);
  x = b.relu(b.conv(x, 'code', code, { kernel: 3, stride: 2, pad: 1 }), 'code_relu');

  const stages: [string, number][] = [['dec1', 2 * width], ['dec2', width], ['dec3', channels]];
  stages.forEach(([name, out], i) => {
    if (decoder === 'transpose') x = b.convTranspose(x, name, out, { kernel: 4, stride: 2, pad: 1 });
    else x = b.conv(b.upsample(x, `${name}_up`, 2), name, out, { kernel: 3, pad: 1 });
    if (i < stages.length - 1) x = b.relu(x, `${name}_relu`);
  });
  if (output === 'sigmoid') x = b.sigmoid(x, 'reconstruction');
  return b.output(b.flatten(x, 'flatten'));
}

