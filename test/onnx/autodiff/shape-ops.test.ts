/** Transpose, Concat, Identity, Dropout (inference) and Constant against finite differences. */
import { describe, expect, it } from 'vitest';
import { attr, DataType, floatTensorValue } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { expectGradientsMatch, opGraph, randomValue } from './fd-harness.js';

const boolValue = (v: boolean) => ({ dataType: DataType.BOOL, dims: [], data: Uint8Array.of(v ? 1 : 0) });

describe('Transpose', () => {
  it('explicit perms and the default (reversed) perm', async () => {
    for (const perm of [[0, 2, 3, 1], [3, 1, 0, 2], undefined]) {
      const g = opGraph('Transpose', [{ name: 'x', shape: [2, 3, 4, 5] }], perm ? { perm: attr.ints(perm) } : {});
      await expectGradientsMatch(g, { label: `Transpose ${perm ?? 'default'}` });
    }
  });
});

describe('Concat', () => {
  it('along channels, the last axis (negative) and the first axis, with a frozen middle part', async () => {
    const layouts: { axis: number; shapes: number[][] }[] = [
      { axis: 1, shapes: [[2, 1, 3], [2, 4, 3], [2, 2, 3]] },
      { axis: -1, shapes: [[3, 2], [3, 1], [3, 4]] },
      { axis: 0, shapes: [[1, 4], [2, 4], [3, 4]] },
    ];
    for (const { axis, shapes } of layouts) {
      const g = opGraph('Concat', [{ name: 'a', shape: shapes[0] }, { name: 'frozen', value: randomValue(shapes[1], 2) }, { name: 'c', shape: shapes[2] }], { axis: attr.int(axis) });
      await expectGradientsMatch(g, { label: `Concat axis ${axis}` });
    }
  });

  it('the same value twice', async () => {
    const e = new GraphEditor('concat_self');
    const x = e.input('x', [2, 3]);
    e.output(e.op('Concat', [x, x], { axis: attr.int(1) }));
    await expectGradientsMatch(e.build(), { label: 'Concat(x, x)' });
  });
});

describe('Identity, Dropout, Constant', () => {
  it('Identity passes the gradient through', async () => {
    await expectGradientsMatch(opGraph('Identity', [{ name: 'x', shape: [3, 4] }]), { label: 'Identity' });
  });

  it('Dropout in inference mode is the identity: no extra inputs, ratio + training_mode = false, mask output requested', async () => {
    await expectGradientsMatch(opGraph('Dropout', [{ name: 'x', shape: [2, 5] }]), { label: 'Dropout plain' });
    const ratio = { name: 'ratio', value: floatTensorValue([], [0.3]) };
    const off = { name: 'training', value: boolValue(false) };
    await expectGradientsMatch(opGraph('Dropout', [{ name: 'x', shape: [2, 5] }, ratio, off]), { label: 'Dropout training_mode=false' });
    const e = new GraphEditor('dropout_mask');
    const x = e.input('x', [2, 3]);
    const [y] = e.node('Dropout', [x], {}, 2);
    e.output(y);
    await expectGradientsMatch(e.build(), { label: 'Dropout with mask output' });
  });

  it('Dropout in training mode is refused, naming the node', () => {
    const g = opGraph('Dropout', [{ name: 'x', shape: [2, 5] }, { name: 'ratio', value: floatTensorValue([], [0.5]) }, { name: 'training', value: boolValue(true) }]);
    expect(() => buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] })).toThrow(/node 'Dropout' \(Dropout\).*training mode/);
  });

  it('Dropout with a run-time training_mode is refused', () => {
    const e = new GraphEditor('dropout_runtime');
    const x = e.input('x', [2, 5]);
    const t = e.input('training', [], DataType.BOOL);
    e.output(e.op('Dropout', [x, '', t]));
    const g = e.build();
    expect(() => buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] })).toThrow(/training_mode 'training' is not a constant/);
  });

  it('Constant nodes feed the graph but take no gradient', async () => {
    const e = new GraphEditor('constant');
    const x = e.input('x', [2, 3]);
    const c = e.op('Constant', [], { value: attr.tensor(randomValue([2, 3], 4)) });
    const s = e.op('Constant', [], { value_float: attr.float(1.5) });
    e.output(e.op('Mul', [e.op('Add', [x, c]), s]));
    await expectGradientsMatch(e.build(), { label: 'Constant' });
  });
});
