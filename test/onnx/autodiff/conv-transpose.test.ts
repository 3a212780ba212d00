/** ConvTranspose (strides, pads, output_padding, dilations, groups) against finite differences. */
import { describe, expect, it } from 'vitest';
import { attr, type Attribute } from '../../../src/onnx/graph.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { convGradientForms } from '../../../src/onnx/autodiff/conv.js';
import { expectGradientsMatch, opGraph, randomValue } from './fd-harness.js';

const ints = attr.ints;

// Weights are [C_in, C_out / group, kh, kw].
const cases: { label: string; x: number[]; w: number[]; group?: number; attrs: Record<string, Attribute> }[] = [
  { label: '3×3 stride 1 pad 1', x: [2, 3, 5, 5], w: [3, 4, 3, 3], attrs: { pads: ints([1, 1, 1, 1]) } },
  { label: '4×4 stride 2 pad 1 (the 2× decoder upsampler)', x: [2, 3, 4, 4], w: [3, 2, 4, 4], attrs: { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) } },
  { label: '2×2 stride 2, no pads', x: [2, 2, 3, 4], w: [2, 3, 2, 2], attrs: { strides: ints([2, 2]) } },
  { label: '3×3 stride 2 pad 1 output_padding 1', x: [2, 2, 4, 5], w: [2, 3, 3, 3], attrs: { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) } },
  { label: 'strides 3×2, dilation 2, 2×3 kernel, asymmetric pads, output_padding [2, 1]', x: [1, 2, 4, 3], w: [2, 2, 2, 3], attrs: { strides: ints([3, 2]), dilations: ints([2, 2]), pads: ints([1, 0, 2, 1]), output_padding: ints([2, 1]) } },
  { label: 'groups 2, stride 2', x: [2, 4, 3, 3], w: [4, 3, 3, 3], group: 2, attrs: { strides: ints([2, 2]), pads: ints([0, 1, 1, 0]), group: attr.int(2) } },
];

describe('ConvTranspose', () => {
  for (const form of ['im2col', 'conv'] as const) {
    for (const c of cases) {
      it(`${c.label}: gradients w.r.t. input, weights and bias (${form} weight gradient)`, async () => {
        convGradientForms.weight = form;
        try {
          const outChannels = c.w[1] * (c.group ?? 1);
          const g = opGraph('ConvTranspose', [{ name: 'x', shape: c.x }, { name: 'w', shape: c.w }, { name: 'b', shape: [outChannels] }], c.attrs);
          const r = await expectGradientsMatch(g, { label: `ConvTranspose ${c.label} (${form})` });
          expect(Object.keys(r.errors).sort()).toEqual(['b', 'w', 'x']);
        } finally {
          convGradientForms.weight = 'auto';
        }
      });
    }
  }

  it('frozen weights (initializers), dynamic batch: input gradient only, by a plain Conv', async () => {
    const g = opGraph('ConvTranspose', [{ name: 'x', shape: ['N', 3, 4, 4] }, { name: 'w', value: randomValue([3, 2, 4, 4], 5, 0.3) }, { name: 'b', value: randomValue([2], 6) }], {
      strides: ints([2, 2]),
      pads: ints([1, 1, 1, 1]),
    });
    const grad = buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] }).graph;
    expect(grad.nodes.map((n) => n.opType)).toContain('Conv');
    await expectGradientsMatch(g, { batch: 3, label: 'ConvTranspose frozen weights', wrtInitializers: ['w', 'b'] });
  });

  it('auto_pad is refused with a message naming the fix', () => {
    const g = opGraph('ConvTranspose', [{ name: 'x', shape: [1, 1, 3, 3] }, { name: 'w', shape: [1, 1, 3, 3] }], { strides: ints([2, 2]), auto_pad: attr.string('SAME_UPPER') });
    expect(() => buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] })).toThrow(/explicit pads/);
  });
});
