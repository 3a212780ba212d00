/**
 * A tiny fully convolutional segmenter for tests and demos: two 3×3 conv–ReLU stages at full
 * resolution, then a 1×1 conv to K per-pixel class logits [N, K, H, W] (no pooling, so every
 * pixel's logit depends only on its 5×5 neighbourhood — attributions have a known support).
 */
import type { Graph } from '../../onnx/graph.js';
import { ModelBuilder } from '../../onnx/builder.js';

export interface TinySegmenterOptions {
  channels?: number;
  size?: number;
  classes?: number;
  width?: number;
  seed?: number;
}

export function tinySegmenter(options: TinySegmenterOptions = {}): Graph {
  const { channels = 1, size = 16, classes = 2, width = 4, seed = 0 } = options;
  const b = new ModelBuilder('tiny-segmenter', seed);
  let x = b.input('input', [channels, size, size]);
  x = b.conv(x, 'conv1', width, { kernel: 3, pad: 1 });
  x = b.relu(x, 'relu1');
  x = b.conv(x, 'conv2', width, { kernel: 3, pad: 1 });
  x = b.relu(x, 'relu2');
  x = b.conv(x, 'classifier', classes, { kernel: 1 });
  return b.output(x);
}
