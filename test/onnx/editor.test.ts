/** GraphEditor: collision-free names, shared constants, and editing a copy of a graph. */
import { describe, expect, it } from 'vitest';
import { GraphEditor, DEFAULT_OPSET } from '../../src/onnx/editor.js';
import { DataType, tensorValueNumbers } from '../../src/onnx/graph.js';
import { createSession } from '../../src/onnx/runtime.js';
import { tensor } from '../../src/tensor/tensor.js';

describe('GraphEditor', () => {
  it('gives fresh value and node names that never collide', () => {
    const e = new GraphEditor('g');
    e.input('x', ['N', 2]);
    const a = e.node('Relu', ['x'], {}, 1, 'act');
    const b = e.node('Relu', [a[0]], {}, 1, 'act');
    const c = e.node('Split', [b[0]], {}, 2, 'split');
    expect(a).toEqual(['act_out']);
    expect(b[0]).not.toBe('act_out');
    expect(c).toEqual(['split_out0', 'split_out1']);
    const g = e.build();
    const names = g.nodes.map((n) => n.name);
    expect(new Set(names).size).toBe(3);
    expect(names[0]).toBe('act');
    // An initializer asked for under a taken name gets another.
    expect(e.initializer('x', { dataType: DataType.FLOAT, dims: [], data: Float32Array.of(1) })).not.toBe('x');
  });

  it('shares constants with equal values and dims, and keeps different ones apart', () => {
    const e = new GraphEditor('g');
    const f1 = e.constFloat([1, 2]);
    expect(e.constFloat([1, 2])).toBe(f1);
    expect(e.constFloat([1, 2], [2, 1])).not.toBe(f1);
    expect(e.constFloat([2, 1])).not.toBe(f1);
    const i1 = e.constInt64([1, 2]);
    expect(i1).not.toBe(f1);
    expect(e.constInt64([1, 2])).toBe(i1);
    expect(tensorValueNumbers(e.initializers.get(i1)!)).toEqual([1, 2]);
    expect(e.initializers.get(i1)!.dataType).toBe(DataType.INT64);
    expect(e.initializers.get(e.constFloat([3]))!.dims).toEqual([]);
  });

  it('edits a copy: from(graph) leaves the original graph untouched, and the result runs', async () => {
    const e = new GraphEditor('base');
    e.input('x', ['N', 3]);
    e.output(e.op('Relu', ['x']), ['N', 3]);
    const base = e.build();
    expect(base.opsetVersion).toBe(DEFAULT_OPSET);
    const edit = GraphEditor.from(base);
    const scaled = edit.op('Mul', [base.outputs[0].name, edit.constFloat([2])]);
    edit.outputs.splice(0, 1);
    edit.output(scaled, ['N', 3]);
    const g = edit.build();
    expect(base.nodes).toHaveLength(1);
    expect(base.initializers.size).toBe(0);
    expect(base.outputs.map((o) => o.name)).toEqual(['Relu_out']);
    const s = await createSession(g);
    const y = (await s.run({ x: tensor([1, 3], [-1, 0.5, 2]) }))[scaled];
    expect(Array.from(y.data)).toEqual([0, 1, 4]);
  });
});
