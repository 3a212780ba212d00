/**
 * The lecture notebook's tiny CNN for 1×32×32 micrographs: two conv–ReLU–maxpool stages, then a
 * small fully connected head. The flatten keeps position information, which is what lets a
 * shortcut model key on a corner.
 */
import type { Graph } from '../../onnx/graph.js';
import { ModelBuilder } from '../../onnx/builder.js';

export interface TinyCnnOptions {
  channels?: number;
  size?: number;
  classes?: number;
  width?: number;
  hidden?: number;
  seed?: number;
}

export function tinyCnn(options: TinyCnnOptions = {}): Graph {
  const { channels = 1, size = 32, classes = 2, width = 8, hidden = 32, seed = 0 } = options;
  const b = new ModelBuilder('tiny-cnn', seed);
  let x = b.input('input', [channels, size, size]);
  x = b.conv(x, 'conv1', width, { kernel: 3, pad: 1 });
  x = b.relu(x, 'relu1');
  x = b.maxPool(x, 'pool1', 2);
  x = b.conv(x, 'conv2', 2 * width, { kernel: 3, pad: 1 });
  x = b.relu(x, 'relu2');
  x = b.maxPool(x, 'pool2', 2);
  x = b.flatten(x, 'flatten');
  x = b.linear(x, 'fc1', hidden);
  x = b.relu(x, 'relu3');
  x = b.linear(x, 'fc2', classes, { centred: true });
  return b.output(x);
}
