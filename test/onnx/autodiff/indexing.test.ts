/** Split, Slice and Gather against finite differences, across the opsets that moved their arguments. */
import { describe, expect, it } from 'vitest';
import { attr, int64TensorValue } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { expectGradientsMatch, opGraph } from './fd-harness.js';

const ints = (name: string, values: number[], dims = [values.length]) => ({ name, value: int64TensorValue(dims, values) });
// torch writes INT64_MAX for an open end; 2^62 is as good and survives the trip through a JS number.
const BIG = 2 ** 62;

/** A graph that uses every Split output except those in `unused`, so each gets a different cotangent. */
function splitGraph(opset: number, shape: number[], attrs: Record<string, ReturnType<typeof attr.int>>, outputs: number, splitInput?: number[], unused: number[] = []) {
  const e = new GraphEditor(`split_${opset}`, opset);
  const x = e.input('x', shape);
  const inputs = splitInput ? [x, e.constInt64(splitInput)] : [x];
  const parts = e.node('Split', inputs, attrs, outputs);
  // Tanh keeps each part's gradient distinct from a plain copy of the cotangent.
  parts.forEach((p, k) => !unused.includes(k) && e.output(e.op('Tanh', [p])));
  return e.build();
}

describe('Split', () => {
  it('split sizes as an attribute (opset 12), as an input (opset 13), num_outputs (opset 18), equal parts', async () => {
    const cases = [
      { opset: 12, attrs: { axis: attr.int(1), split: attr.ints([1, 3, 2]) }, outputs: 3 },
      { opset: 13, attrs: { axis: attr.int(-1) }, outputs: 2, splitInput: [4, 1] },
      { opset: 18, attrs: { axis: attr.int(1), num_outputs: attr.int(4) }, outputs: 4 },
      { opset: 17, attrs: { axis: attr.int(2) }, outputs: 5 },
    ];
    for (const c of cases) {
      // num_outputs 4 on 7: parts of ceil(7/4) = 2, the last one smaller (1).
      const shape = c.opset === 13 ? [2, 3, 5] : c.opset === 18 ? [2, 7, 5] : [2, 6, 5];
      const g = splitGraph(c.opset, shape, c.attrs, c.outputs, c.splitInput);
      for (const out of g.outputs) await expectGradientsMatch(g, { output: out.name, label: `Split opset ${c.opset} → ${out.name}` });
    }
  });

  it('outputs without a cotangent get zeros (the fused QKV projection where only Q is used)', async () => {
    const e = new GraphEditor('split_unused');
    const x = e.input('x', ['N', 4, 6]);
    const [q, , v] = e.node('Split', [x], { axis: attr.int(2) }, 3);
    e.output(e.op('Mul', [q, v]));
    await expectGradientsMatch(e.build(), { batch: 2, label: 'Split with an unused part' });
  });
});

describe('Slice', () => {
  const cases: { label: string; shape: number[]; starts: number[]; ends: number[]; axes?: number[]; steps?: number[] }[] = [
    { label: 'contiguous crop on two axes', shape: [3, 5, 4], starts: [1, 0], ends: [4, 3], axes: [1, 2] },
    { label: 'negative starts and ends, default axes', shape: [4, 5], starts: [-3, 1], ends: [-1, BIG] },
    { label: 'clamped out-of-range bounds', shape: [4, 5], starts: [-10, 2], ends: [10, 100], axes: [0, -1] },
    { label: 'step 2', shape: [2, 7], starts: [1], ends: [7], axes: [1], steps: [2] },
    { label: 'negative step reversing a whole axis', shape: [3, 4], starts: [-1], ends: [-BIG], axes: [0], steps: [-1] },
    { label: 'negative step −2 from the middle', shape: [2, 9], starts: [7], ends: [0], axes: [1], steps: [-2] },
  ];
  for (const c of cases) {
    it(c.label, async () => {
      const operands = [{ name: 'x', shape: c.shape }, ints('starts', c.starts), ints('ends', c.ends), c.axes ? ints('axes', c.axes) : null, c.steps ? ints('steps', c.steps) : null];
      await expectGradientsMatch(opGraph('Slice', operands), { label: `Slice ${c.label}` });
    });
  }

  it('attribute form (opset 9)', async () => {
    const g = opGraph('Slice', [{ name: 'x', shape: [3, 6] }], { starts: attr.ints([1, -4]), ends: attr.ints([3, -1]), axes: attr.ints([0, 1]) }, 9);
    await expectGradientsMatch(g, { label: 'Slice opset 9' });
  });

  it('the CLS token of [N, T, D] with a run-time batch (full range on the batch axis)', async () => {
    const g = opGraph('Slice', [{ name: 'x', shape: ['N', 5, 3] }, ints('starts', [0, 0]), ints('ends', [BIG, 1]), ints('axes', [0, 1])]);
    await expectGradientsMatch(g, { batch: 2, label: 'Slice CLS' });
  });
});

describe('Gather', () => {
  const cases: { label: string; shape: (number | string)[]; axis: number; indices: number[]; dims: number[] }[] = [
    { label: 'scalar index on the token axis (the CLS token)', shape: ['N', 5, 3], axis: 1, indices: [0], dims: [] },
    { label: 'repeated and negative indices (gradients add up)', shape: [4, 3], axis: 0, indices: [1, -1, 1, 0], dims: [4] },
    { label: '2-D indices on the last axis', shape: [2, 3, 5], axis: -1, indices: [4, 0, 2, 2, 1, 3], dims: [2, 3] },
    { label: 'a contiguous run (Pad path)', shape: [2, 6, 2], axis: 1, indices: [2, 3, 4], dims: [3] },
  ];
  for (const c of cases) {
    it(c.label, async () => {
      const g = opGraph('Gather', [{ name: 'x', shape: c.shape }, ints('idx', c.indices, c.dims)], { axis: attr.int(c.axis) });
      await expectGradientsMatch(g, { batch: 2, label: `Gather ${c.label}` });
    });
  }

  it('run-time indices are refused with a message', () => {
    const e = new GraphEditor('gather_runtime');
    const x = e.input('x', [4, 3]);
    const idx = e.input('idx', [2], 7);
    const y = e.op('Gather', [x, idx]);
    e.output(y);
    expect(() => buildGradientGraph(e.build(), { outputs: [y], wrt: ['x'] })).toThrow(/computed at run time; only constant indices/);
  });
});
