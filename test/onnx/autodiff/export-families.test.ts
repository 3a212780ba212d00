/**
 * Small models built the way torch.onnx.export writes the families whose ops gained rules (a
 * MobileNetV3 block, a U-Net-style block with InstanceNorm/GroupNorm/PRelu, a GroupNormalization-18
 * head), differentiated through OnnxModel.vjp — the path every gradient method takes — and checked
 * against central differences of the float64 reference interpreter.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../../src/onnx/graph.js';
import { attr, floatTensorValue, int64TensorValue } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { OnnxModel } from '../../../src/models/model.js';
import { Random } from '../../../src/tensor/random.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { randomValue, referenceInputGradient, relativeError } from './fd-harness.js';
import { refTensor, runReference } from '../reference-interpreter.js';

const ints = attr.ints;

function weights(e: GraphEditor, seed: number) {
  const rng = new Random(seed);
  return (name: string, dims: number[], scale = 0.4): string => {
    e.initializers.set(name, randomValue(dims, rng.uint32(), scale));
    e.names.reserve(name);
    return name;
  };
}

/** Conv → ReLU6 (Clip) → depthwise Conv → HardSwish → squeeze-excite with HardSigmoid → 1×1 Conv → GlobalMaxPool → Gemm. */
function mobileNetV3Block(): Graph {
  const e = new GraphEditor('mobilenet_v3_block', 14);
  const w = weights(e, 31);
  const x = e.input('x', ['N', 3, 8, 8]);
  const stem = e.op('Conv', [x, w('stem.w', [8, 3, 3, 3], 0.6), w('stem.b', [8], 0.3)], { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) });
  const relu6 = e.op('Clip', [stem, e.constFloat([0]), e.constFloat([6])]);
  const dw = e.op('Conv', [relu6, w('dw.w', [8, 1, 3, 3], 0.8)], { pads: ints([1, 1, 1, 1]), group: attr.int(8) });
  const act = e.op('HardSwish', [dw]);
  const squeezed = e.op('GlobalAveragePool', [act]);
  const reduce = e.op('Relu', [e.op('Conv', [squeezed, w('se1.w', [4, 8, 1, 1]), w('se1.b', [4], 0.2)])]);
  const gate = e.op('HardSigmoid', [e.op('Conv', [reduce, w('se2.w', [8, 4, 1, 1], 1.5), w('se2.b', [8], 0.5)])], { alpha: attr.float(1 / 6), beta: attr.float(0.5) });
  const excited = e.op('Mul', [act, gate]);
  const project = e.op('Conv', [excited, w('proj.w', [6, 8, 1, 1])]);
  const pooled = e.op('Flatten', [e.op('GlobalMaxPool', [project])], { axis: attr.int(1) });
  e.output(e.op('Gemm', [pooled, w('fc.w', [3, 6]), w('fc.b', [3], 0.1)], { transB: attr.int(1) }));
  return e.build();
}

/**
 * Conv → InstanceNorm → PRelu; Conv → torch's GroupNorm export (Reshape/InstanceNorm/Reshape/Mul/Add)
 * → Elu; d = Max of the two − 0.4; Where(d > 0, log(1 + softplus(d)), exp(d)) + |d|; ReduceMax
 * and ReduceMin over space, concatenated → Gemm.
 */
function unetStyleBlock(): Graph {
  const e = new GraphEditor('unet_style_block', 13);
  const w = weights(e, 32);
  const x = e.input('x', ['N', 2, 6, 6]);
  const c1 = e.op('Conv', [x, w('c1.w', [4, 2, 3, 3], 0.5)], { pads: ints([1, 1, 1, 1]) });
  const in1 = e.op('InstanceNormalization', [c1, w('in.scale', [4], 0.8), w('in.b', [4], 0.2)]);
  const a = e.op('PRelu', [in1, e.initializer('prelu.slope', floatTensorValue([4, 1, 1], [0.25, 0.6, -0.2, 0.1]))]);
  const c2 = e.op('Conv', [a, w('c2.w', [4, 4, 3, 3], 0.4)], { pads: ints([1, 1, 1, 1]) });
  const grouped = e.op('Reshape', [c2, e.constInt64([0, 2, -1])]);
  const gn = e.op('InstanceNormalization', [grouped, e.constFloat([1, 1], [2]), e.constFloat([0, 0], [2])]);
  const back = e.op('Reshape', [gn, e.op('Shape', [c2])]);
  const affine = e.op('Add', [e.op('Mul', [back, w('gn.w', [4, 1, 1], 0.8)]), w('gn.b', [4, 1, 1], 0.2)]);
  const b = e.op('Elu', [affine]);
  const d = e.op('Sub', [e.op('Max', [a, b]), e.constFloat([0.4])]);
  const smooth = e.op('Log', [e.op('Add', [e.op('Softplus', [d]), e.constFloat([1])])]);
  const t = e.op('Add', [e.op('Where', [e.op('Greater', [d, e.constFloat([0])]), smooth, e.op('Exp', [d])]), e.op('Abs', [d])]);
  const axes = { axes: ints([2, 3]), keepdims: attr.int(0) };
  const pooled = e.op('Concat', [e.op('ReduceMax', [t], axes), e.op('ReduceMin', [t], axes)], { axis: attr.int(1) });
  e.output(e.op('Gemm', [pooled, w('fc.w', [3, 8], 0.6)], { transB: attr.int(1) }));
  return e.build();
}

/** Opset 18: Conv → GroupNormalization (per-group parameters) → HardSwish → ReduceMax with an axes input → Min(·, 2) → Gemm. */
function groupNorm18Head(): Graph {
  const e = new GraphEditor('group_norm_18_head', 18);
  const w = weights(e, 33);
  const x = e.input('x', ['N', 3, 5, 5]);
  const c = e.op('Conv', [x, w('c.w', [6, 3, 3, 3], 0.5)], { pads: ints([1, 1, 1, 1]) });
  const gn = e.op('GroupNormalization', [c, w('gn.scale', [3], 0.8), w('gn.bias', [3], 0.3)], { num_groups: attr.int(3) });
  const act = e.op('HardSwish', [e.op('Mul', [gn, e.constFloat([2.5])])]);
  const axes = e.initializer('axes', int64TensorValue([2], [2, 3]));
  const pooled = e.op('Min', [e.op('ReduceMax', [act, axes], { keepdims: attr.int(0) }), e.constFloat([2])]);
  e.output(e.op('Gemm', [pooled, w('fc.w', [2, 6])], { transB: attr.int(1) }));
  return e.build();
}

describe('exported families through OnnxModel.vjp against float64 finite differences', () => {
  for (const build of [mobileNetV3Block, unetStyleBlock, groupNorm18Head]) {
    it(build.name, async () => {
      const graph = build();
      const model = new OnnxModel(graph);
      const rng = new Random(7);
      const batch = 2;
      const shape = [batch, ...model.inputShape];
      const x = Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => rng.normal());
      const cot = Float32Array.from({ length: batch * model.outputSize }, () => rng.normal());
      const { output, inputGrad } = await model.vjp(tensor(shape, x), tensor([batch, model.outputSize], cot));
      const reference = runReference(graph, { x: refTensor(shape, x) }).get(graph.outputs[0].name)!;
      expect(relativeError(output.data, reference.data), 'forward').toBeLessThan(1e-5);
      const expected = referenceInputGradient(graph, 'x', shape, x, cot);
      const error = relativeError(inputGrad.data, expected);
      if (process.env.FD_REPORT) console.log(`[fd] ${build.name} via OnnxModel.vjp: x=${error.toExponential(1)}`);
      expect(error).toBeLessThan(1e-4);
    });
  }
});
