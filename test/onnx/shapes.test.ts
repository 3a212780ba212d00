/**
 * Shape inference on the chains torch.onnx.export writes around Pad and Resize: F.pad's pads table
 * reversed by a step −1 Slice and transposed (opsets 11–17), Resize scales from a Constant node,
 * F.interpolate(size=…)'s sizes from Concat(Slice(Shape(x)), [H, W]) with a run-time batch; and the
 * autodiff's error when inference stops, which must name that node, not the model input.
 */
import { describe, expect, it } from 'vitest';
import { attr, floatTensorValue, int64TensorValue, type TensorValue } from '../../src/onnx/graph.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { buildGradientGraph } from '../../src/onnx/autodiff/gradient.js';
import { inferShapes } from '../../src/onnx/shapes.js';
import { createSession } from '../../src/onnx/runtime.js';
import { tensor } from '../../src/tensor/tensor.js';

function constant(e: GraphEditor, value: TensorValue): string {
  return e.node('Constant', [], { value: attr.tensor(value) }, 1, 'Constant')[0];
}

describe('shape inference folds exporter chains', () => {
  it("F.pad's pads: [[l, r], [t, b]] → Slice step −1 → Transpose → Reshape(−1) → Pad (checked against ORT)", async () => {
    const e = new GraphEditor('pad_chain', 11);
    const x = e.input('x', ['N', 2, 5, 6]);
    // torch writes the pads of the last axes first, then reverses the row order and flattens the transpose.
    const table = constant(e, int64TensorValue([4, 2], [1, 2, 0, 3, 0, 0, 0, 0]));
    const reversed = e.op('Slice', [table, constant(e, int64TensorValue([1], [-1])), constant(e, int64TensorValue([1], [-(2 ** 53)])), constant(e, int64TensorValue([1], [0])), constant(e, int64TensorValue([1], [-1]))]);
    const pads = e.op('Reshape', [e.op('Transpose', [reversed], { perm: attr.ints([1, 0]) }), constant(e, int64TensorValue([1], [-1]))]);
    const padded = e.op('Pad', [x, pads], { mode: attr.string('constant') });
    e.output(padded);
    const graph = e.build();
    const info = inferShapes(graph);
    expect(info.constants.get(pads)).toEqual([0, 0, 0, 1, 0, 0, 3, 2]);
    expect(info.shapes.get(padded)).toEqual([-1, 2, 8, 9]);
    const out = await (await createSession(graph)).run({ x: tensor([1, 2, 5, 6]) });
    expect(out[padded].shape).toEqual([1, 2, 8, 9]);
  });

  it('Resize scales from a Constant node, and sizes from Concat(Slice(Shape(x)), [H, W]) with a run-time batch', () => {
    const e = new GraphEditor('resize_chains', 13);
    const x = e.input('x', ['N', 2, 4, 6]);
    const up = e.op('Resize', [x, '', constant(e, floatTensorValue([4], [1, 1, 2, 1.5]))], { mode: attr.string('nearest') });
    const head = e.op('Slice', [e.op('Shape', [x]), e.constInt64([0]), e.constInt64([2]), e.constInt64([0])]);
    const sizes = e.op('Concat', [head, e.constInt64([5, 7])], { axis: attr.int(0) });
    const sized = e.op('Resize', [x, '', '', sizes], { mode: attr.string('linear') });
    e.output(up);
    e.output(sized);
    const info = inferShapes(e.build());
    expect(info.shapes.get(up)).toEqual([-1, 2, 8, 9]);
    expect(info.shapes.get(sized)).toEqual([-1, 2, 5, 7]);
  });

  it('when inference stops, the autodiff names the node where it stopped, not the model input', () => {
    const e = new GraphEditor('unfoldable', 13);
    const x = e.input('x', ['N', 1, 4, 4]);
    const scale = e.input('scale', [4]);
    const up = e.op('Resize', [x, '', scale], { mode: attr.string('nearest') });
    e.output(e.op('Conv', [up, e.initializer('w', floatTensorValue([1, 1, 1, 1], [2]))]));
    const graph = e.build();
    expect(() => buildGradientGraph(graph, { outputs: [graph.outputs[0].name], wrt: ['x'] })).toThrow(/shape inference stopped at node '.*Resize.*' \(Resize\).*'scale'/);
    expect(() => buildGradientGraph(graph, { outputs: [graph.outputs[0].name], wrt: ['x'] })).not.toThrow(/give the model input/);
  });
});
