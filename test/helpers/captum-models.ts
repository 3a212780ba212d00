/**
 * Models from Captum's own tests (captum/tests/helpers/basic_models.py), rebuilt from their
 * definitions with the graph editor, so that Captum's published expected values can be checked.
 */
import type { Graph } from '../../src/onnx/graph.js';
import { attr, floatTensorValue } from '../../src/onnx/graph.js';
import { GraphEditor } from '../../src/onnx/editor.js';

/**
 * BasicModel_ConvNet_One_Conv: conv1 = Conv2d(1, 2, 3) with all-ones weights and bias (−50, −75),
 * ReLU, view(−1, 8), fc1 = Linear(8, 4) with weight rows (1,1,1,1,1,−1,−1,−1) and zero bias, ReLU.
 * Value names conv1_out, relu1_out, flatten_out, fc1_out, relu2_out.
 */
export function captumOneConv(): Graph {
  const e = new GraphEditor('captum-one-conv');
  const x = e.input('x', ['N', 1, 4, 4]);
  e.initializer('conv1.weight', floatTensorValue([2, 1, 3, 3], new Array(18).fill(1)));
  e.initializer('conv1.bias', floatTensorValue([2], [-50, -75]));
  e.initializer('fc1.weight', floatTensorValue([4, 8], Array.from({ length: 32 }, (_, i) => (i % 8 < 5 ? 1 : -1))));
  e.initializer('fc1.bias', floatTensorValue([4], [0, 0, 0, 0]));
  const conv = e.op('Conv', [x, 'conv1.weight', 'conv1.bias'], { kernel_shape: attr.ints([3, 3]) }, 'conv1');
  const relu1 = e.op('Relu', [conv], {}, 'relu1');
  const flat = e.op('Flatten', [relu1], { axis: attr.int(1) }, 'flatten');
  const fc = e.op('Gemm', [flat, 'fc1.weight', 'fc1.bias'], { transB: attr.int(1) }, 'fc1');
  const y = e.op('Relu', [fc], {}, 'relu2');
  e.output(y, ['N', 4]);
  return e.build();
}
