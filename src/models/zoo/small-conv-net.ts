/**
 * The memory-budget reference net: 1×S×S → conv 8 (3×3, pad 1) → ReLU → MaxPool 4 → conv 8 (3×3,
 * pad 1) → ReLU → GAP → Linear 2. Its activations grow with S² while its weights stay tiny, so
 * it measures what a big single-channel image (1024×1024) costs in the backward pass
 * (test/models/memory-budget.test.ts, bench/memory-ig.ts).
 */
import type { Graph } from '../../onnx/graph.js';
import { ModelBuilder } from '../../onnx/builder.js';

export function smallConvNet(size: number, seed = 1): Graph {
  const b = new ModelBuilder('small-conv', seed);
  const x = b.input('x', [1, size, size]);
  const c1 = b.relu(b.conv(x, 'conv1', 8, { kernel: 3, pad: 1 }), 'relu1');
  const c2 = b.relu(b.conv(b.maxPool(c1, 'pool1', 4), 'conv2', 8, { kernel: 3, pad: 1 }), 'relu2');
  return b.output(b.linear(b.flatten(b.globalAveragePool(c2, 'gap'), 'flatten'), 'fc', 2));
}
