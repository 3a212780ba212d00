/** LayerNormalization (opset 17) against finite differences: input, scale and bias gradients. */
import { describe, expect, it } from 'vitest';
import { attr } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { expectGradientsMatch, opGraph, randomValue } from './fd-harness.js';

describe('LayerNormalization', () => {
  const cases: { label: string; x: (number | string)[]; normalised: number[]; attrs: Record<string, ReturnType<typeof attr.int>> }[] = [
    { label: 'tokens [N, T, D], default axis −1', x: ['N', 3, 6], normalised: [6], attrs: {} },
    { label: 'axis 1 of [2, 3, 4] (normalises 3×4), epsilon 0.1', x: [2, 3, 4], normalised: [3, 4], attrs: { axis: attr.int(1), epsilon: attr.float(0.1) } },
    { label: 'axis −2 of [2, 2, 3, 5]', x: [2, 2, 3, 5], normalised: [3, 5], attrs: { axis: attr.int(-2) } },
  ];
  for (const c of cases) {
    it(`${c.label}: x, scale and bias as inputs`, async () => {
      const g = opGraph('LayerNormalization', [{ name: 'x', shape: c.x }, { name: 'scale', shape: c.normalised }, { name: 'bias', shape: c.normalised }], c.attrs);
      const r = await expectGradientsMatch(g, { label: `LayerNorm ${c.label}`, batch: 2 });
      expect(r.gradients.scale.shape).toEqual(c.normalised);
    });
  }

  it('frozen scale and bias as initializers, gradients w.r.t. them too; no bias input', async () => {
    const g = opGraph('LayerNormalization', [{ name: 'x', shape: [4, 5] }, { name: 'scale', value: randomValue([5], 3) }, { name: 'bias', value: randomValue([5], 4) }]);
    await expectGradientsMatch(g, { wrtInitializers: ['scale', 'bias'], label: 'LayerNorm frozen' });
    const noBias = opGraph('LayerNormalization', [{ name: 'x', shape: [4, 5] }, { name: 'scale', value: randomValue([5], 3) }]);
    await expectGradientsMatch(noBias, { wrtInitializers: ['scale'], label: 'LayerNorm without bias' });
  });

  it('nearly constant rows (small variance, epsilon matters)', async () => {
    const x = Float32Array.from({ length: 12 }, (_, i) => 1 + 0.01 * Math.sin(i));
    const g = opGraph('LayerNormalization', [{ name: 'x', shape: [3, 4] }, { name: 'scale', shape: [4] }], { epsilon: attr.float(1e-3) });
    await expectGradientsMatch(g, { values: { x }, epsilon: 1e-6, label: 'LayerNorm small variance' });
  });

  it('refuses gradients through the Mean output', () => {
    const e = new GraphEditor('ln_mean');
    const x = e.input('x', [2, 4]);
    const s = e.input('s', [4]);
    const [, mean] = e.node('LayerNormalization', [x, s], {}, 2);
    e.output(mean);
    expect(() => buildGradientGraph(e.build(), { outputs: [mean], wrt: ['x'] })).toThrow(/Mean \/ InvStdDev outputs are not supported/);
  });
});
