/** buildGradientGraph as a whole: missing rules are reported clearly, and a small CNN differentiates end to end. */
import { describe, expect, it } from 'vitest';
import { attr, floatTensorValue } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { Random } from '../../../src/tensor/random.js';
import { expectGradientsMatch, randomValue } from './fd-harness.js';

describe('unsupported ops', () => {
  for (const op of ['Sin', 'Hardmax']) {
    it(`${op} without a rule: the error names the op and the node`, () => {
      const e = new GraphEditor(`no_rule_${op}`);
      const x = e.input('x', [2, 3]);
      e.output(e.op(op, [e.op('Relu', [x])], {}, `my_${op.toLowerCase()}`));
      const g = e.build();
      expect(() => buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] })).toThrow(
        new RegExp(`no gradient rule for op '${op}' \\(node 'my_${op.toLowerCase()}'\\)`),
      );
    });
  }

  it('an op without a rule upstream of every wrt value is never asked for one', () => {
    const e = new GraphEditor('rule_not_needed');
    const x = e.input('x', [2, 3]);
    const w = e.input('w', [3, 4]);
    // Gemm's weight gradient needs no shapes (shape inference does not know Sin).
    e.output(e.op('Gemm', [e.op('Sin', [x]), w]));
    const g = e.build();
    expect(() => buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['w'] })).not.toThrow();
  });
});

describe('values computed from shapes carry no gradient', () => {
  it("an attention scale t.shape[-1] ** -0.5 (Shape → Gather → Cast → Pow) is a constant to the gradient", async () => {
    const e = new GraphEditor('shape_scale', 13);
    const x = e.input('x', ['N', 3, 4]);
    const size = e.op('Gather', [e.op('Shape', [x]), e.constInt64([2], [])], { axis: attr.int(0) });
    const scale = e.op('Pow', [e.op('Cast', [size], { to: attr.int(1) }), e.constFloat([-0.5])]);
    e.output(e.op('Mul', [e.op('Mul', [x, x]), scale]));
    const g = e.build();
    const grad = buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] }).graph;
    // No rule runs on the shape chain (Cast, Pow, Gather, Shape get no gradient nodes).
    expect(grad.nodes.filter((n) => /_grad_/.test(n.name) && /Pow|Cast|Gather|Shape/.test(n.name.split('_grad_')[0]))).toEqual([]);
    await expectGradientsMatch(g, { label: 'shape-derived scale', batch: 2 });
  });
});

describe('end to end', () => {
  it('Conv → BatchNormalization → LeakyRelu → AveragePool → Flatten → Gemm → LogSoftmax', async () => {
    const rng = new Random(5);
    const e = new GraphEditor('small_cnn');
    const x = e.input('x', ['N', 3, 8, 8]);
    const init = (name: string, dims: number[], scale = 0.3) => {
      e.initializers.set(name, randomValue(dims, rng.uint32(), scale));
      e.names.reserve(name);
      return name;
    };
    const conv = e.op('Conv', [x, init('conv.w', [6, 3, 3, 3]), init('conv.b', [6], 0.1)], { pads: attr.ints([1, 1, 1, 1]), strides: attr.ints([2, 2]) });
    const variance = e.initializer('bn.var', floatTensorValue([6], Array.from({ length: 6 }, () => rng.uniform(0.5, 1.5))));
    const bn = e.op('BatchNormalization', [conv, init('bn.scale', [6], 1), init('bn.bias', [6], 0.1), init('bn.mean', [6], 0.1), variance]);
    const act = e.op('LeakyRelu', [bn], { alpha: attr.float(0.1) });
    const pool = e.op('AveragePool', [act], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
    const flat = e.op('Flatten', [pool], { axis: attr.int(1) });
    const logits = e.op('Gemm', [flat, init('fc.w', [5, 24]), init('fc.b', [5], 0.1)], { transB: attr.int(1) });
    e.output(e.op('LogSoftmax', [logits], { axis: attr.int(1) }));
    await expectGradientsMatch(e.build(), {
      batch: 2,
      wrtInitializers: ['conv.w', 'conv.b', 'bn.scale', 'bn.bias', 'fc.w', 'fc.b'],
      label: 'small CNN end to end',
    });
  });
});
