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

/**
 * Captum's BasicModel_MultiLayer (captum/testing/helpers/basic_models.py): linear0 = identity,
 * linear1 3→4 with weights all ones and bias [−10, 1, 1, 1], ReLU, linear2 4→2 with weights all ones
 * and bias [−1, 1].
 */
export function basicModelMultiLayer(): Graph {
  const e = new GraphEditor('basic_multilayer');
  const x = e.input('x', ['N', 3]);
  const w0 = e.initializer('linear0.weight', floatTensorValue([3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]));
  const b0 = e.initializer('linear0.bias', floatTensorValue([3], [0, 0, 0]));
  const w1 = e.initializer('linear1.weight', floatTensorValue([4, 3], new Array(12).fill(1)));
  const b1 = e.initializer('linear1.bias', floatTensorValue([4], [-10, 1, 1, 1]));
  const w2 = e.initializer('linear2.weight', floatTensorValue([2, 4], new Array(8).fill(1)));
  const b2 = e.initializer('linear2.bias', floatTensorValue([2], [-1, 1]));
  const h0 = e.op('Gemm', [x, w0, b0], { transB: attr.int(1) }, 'linear0');
  const h1 = e.op('Gemm', [h0, w1, b1], { transB: attr.int(1) }, 'linear1');
  const r = e.op('Relu', [h1], {}, 'relu');
  const y = e.op('Gemm', [r, w2, b2], { transB: attr.int(1) }, 'linear2');
  e.output(y, ['N', 2]);
  return e.build();
}

/** BasicModel: f(x) = 1 − ReLU(1 − x), elementwise on x [N, 6]; output [N, 6]. */
export function basicModel(): Graph {
  const e = new GraphEditor('basic');
  const x = e.input('x', ['N', 6]);
  const one = e.initializer('one', floatTensorValue([1], [1]));
  const inner = e.op('Relu', [e.op('Sub', [one, x], {}, 'one_minus_x')], {}, 'relu');
  e.output(e.op('Sub', [one, inner], {}, 'out'), ['N', 6]);
  return e.build();
}

