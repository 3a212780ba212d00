/** Expand, Tile, Unsqueeze and Squeeze against finite differences. */
import { describe, it } from 'vitest';
import { attr, int64TensorValue } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { expectGradientsMatch, opGraph } from './fd-harness.js';

const ints = (name: string, values: number[]) => ({ name, value: int64TensorValue([values.length], values) });

describe('Expand', () => {
  it('stretches size-1 axes and adds leading ones', async () => {
    await expectGradientsMatch(opGraph('Expand', [{ name: 'x', shape: [3, 1] }, ints('shape', [2, 3, 4])]), { label: 'Expand [3,1]→[2,3,4]' });
    await expectGradientsMatch(opGraph('Expand', [{ name: 'x', shape: [1, 1, 4] }, ints('shape', [3, 2, 1])]), { label: 'Expand [1,1,4]→[3,2,4]' });
  });

  it('a CLS token [1, 1, D] expanded to the run-time batch, then concatenated with the patch tokens', async () => {
    const e = new GraphEditor('cls_expand');
    const tokens = e.input('tokens', ['N', 4, 3]);
    const cls = e.input('cls', [1, 1, 3]);
    const first = e.op('Slice', [tokens, e.constInt64([0]), e.constInt64([1]), e.constInt64([1])]);
    const expanded = e.op('Expand', [cls, e.op('Shape', [first])]);
    e.output(e.op('Concat', [expanded, tokens], { axis: attr.int(1) }));
    await expectGradientsMatch(e.build(), { batch: 3, label: 'CLS Expand + Concat' });
  });
});

describe('Tile', () => {
  it('repeats along several axes', async () => {
    await expectGradientsMatch(opGraph('Tile', [{ name: 'x', shape: [2, 3] }, ints('r', [3, 2])]), { label: 'Tile 3×2' });
    await expectGradientsMatch(opGraph('Tile', [{ name: 'x', shape: ['N', 1, 3] }, ints('r', [1, 4, 1])]), { batch: 2, label: 'Tile tokens' });
  });
});

describe('Unsqueeze and Squeeze', () => {
  it('axes as an input (opset 13+) and as an attribute (opset 11)', async () => {
    await expectGradientsMatch(opGraph('Unsqueeze', [{ name: 'x', shape: [2, 3] }, ints('axes', [0, -1])]), { label: 'Unsqueeze' });
    await expectGradientsMatch(opGraph('Squeeze', [{ name: 'x', shape: [2, 1, 3, 1] }, ints('axes', [1])]), { label: 'Squeeze' });
    await expectGradientsMatch(opGraph('Unsqueeze', [{ name: 'x', shape: [2, 3] }], { axes: attr.ints([1]) }, 11), { label: 'Unsqueeze opset 11' });
    await expectGradientsMatch(opGraph('Squeeze', [{ name: 'x', shape: [1, 3, 1] }], {}, 11), { label: 'Squeeze all unit axes' });
  });
});
