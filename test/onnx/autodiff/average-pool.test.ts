/** AveragePool (strides, pads, count_include_pad, ceil_mode, auto_pad) and GlobalAveragePool. */
import { describe, it } from 'vitest';
import { attr, type Attribute } from '../../../src/onnx/graph.js';
import { expectGradientsMatch, opGraph } from './fd-harness.js';

const ints = attr.ints;

const cases: { label: string; x: number[]; attrs: Record<string, Attribute> }[] = [
  { label: '2×2 stride 2', x: [2, 3, 6, 6], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) } },
  { label: '2×2 stride 2 on 7×7 (last row/column in no window)', x: [2, 2, 7, 7], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) } },
  { label: '3×3 stride 2 pads 1 (overlapping, border windows)', x: [2, 2, 7, 8], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) } },
  { label: '3×2 kernel, strides 1×2, asymmetric pads', x: [1, 2, 6, 7], attrs: { kernel_shape: ints([3, 2]), strides: ints([1, 2]), pads: ints([0, 1, 2, 0]) } },
  { label: '3×3 stride 1 pads 2 (windows mostly padding)', x: [1, 2, 4, 5], attrs: { kernel_shape: ints([3, 3]), pads: ints([2, 2, 2, 2]) } },
  { label: 'ceil_mode, 3×3 stride 2 pads 1 on 6×5', x: [1, 2, 6, 5], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), ceil_mode: attr.int(1) } },
  { label: 'ceil_mode with a dropped last window, 2×2 stride 2 end pad 1 on 4×4', x: [1, 2, 4, 4], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]), pads: ints([0, 0, 1, 1]), ceil_mode: attr.int(1) } },
  { label: 'auto_pad SAME_UPPER 3×3 stride 2', x: [1, 2, 7, 6], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), auto_pad: attr.string('SAME_UPPER') } },
  { label: 'auto_pad SAME_LOWER 2×2 stride 1', x: [1, 2, 5, 6], attrs: { kernel_shape: ints([2, 2]), auto_pad: attr.string('SAME_LOWER') } },
];

describe('AveragePool', () => {
  for (const c of cases) {
    it(`${c.label}, count_include_pad 0 and 1`, async () => {
      for (const include of [0, 1]) {
        const g = opGraph('AveragePool', [{ name: 'x', shape: c.x }], { ...c.attrs, count_include_pad: attr.int(include) });
        await expectGradientsMatch(g, { label: `AveragePool ${c.label} include_pad=${include}` });
      }
    });
  }

  it('a batch dimension only known at run time', async () => {
    const g = opGraph('AveragePool', [{ name: 'x', shape: ['N', 2, 5, 5] }], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) });
    await expectGradientsMatch(g, { batch: 3, label: 'AveragePool dynamic batch' });
  });
});

describe('GlobalAveragePool', () => {
  it('static and dynamic batch, square and odd spatial sizes', async () => {
    for (const shape of [[2, 3, 4, 4], [1, 2, 5, 3], ['N', 3, 3, 7]] as const) {
      await expectGradientsMatch(opGraph('GlobalAveragePool', [{ name: 'x', shape }]), { batch: 2, label: `GlobalAveragePool [${shape}]` });
    }
  });
});
