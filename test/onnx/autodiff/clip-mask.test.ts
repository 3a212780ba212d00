/** The blocked ReLU6 mask (clip-mask.ts): exactly 1[0 < y < hi] at the edge values, and the same gradients as the Where form. */
import { afterEach, describe, expect, it } from 'vitest';
import { attr, floatTensorValue, type Graph } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { clipMaskForms } from '../../../src/onnx/autodiff/clip-mask.js';
import { createSession } from '../../../src/onnx/runtime.js';
import { Random } from '../../../src/tensor/random.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { expectGradientsMatch, gradientsAt, randomValue } from './fd-harness.js';

const CHANNELS = 16;

afterEach(() => {
  clipMaskForms.mask = 'blocked';
});

/** Conv (frozen weights, 16 channels: ORT holds its output blocked) → Clip(0, hi), as MobileNetV2's ReLU6. */
function convClip(hi: number, weights: 'identity' | 'random', lo = 0): Graph {
  const e = new GraphEditor('conv_clip');
  const x = e.input('x', [2, CHANNELS, 3, 4]);
  const identity = Array.from({ length: CHANNELS * CHANNELS }, (_, i) => (i % (CHANNELS + 1) === 0 ? 1 : 0));
  const w = e.initializer('w', weights === 'identity' ? floatTensorValue([CHANNELS, CHANNELS, 1, 1], identity) : randomValue([CHANNELS, CHANNELS, 3, 3], 5, 0.5));
  const conv = e.op('Conv', [x, w], weights === 'identity' ? {} : { pads: attr.ints([1, 1, 1, 1]) });
  e.output(e.op('Clip', [conv, e.constFloat([lo]), e.constFloat([hi])]));
  return e.build();
}

function opTypes(g: Graph): string[] {
  return buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] }).graph.nodes.map((n) => n.opType);
}

describe('blocked ReLU6 mask', () => {
  it('is exactly 1[0 < y < hi] at zero, subnormals, just below and at hi, for several hi', async () => {
    clipMaskForms.mask = 'blocked';
    for (const hi of [6, 1, 0.75, 1024, Math.fround(3.5e-5)]) {
      const below = new Float32Array([hi]);
      new Uint32Array(below.buffer)[0] -= 1; // the float just below hi
      const edges = [0, -0, 2 ** -149, 1e-40, 1.1754942e-38, 1e-7, hi / 2, below[0], hi, hi * 2, -1, -(2 ** -149)];
      const n = 2 * CHANNELS * 12;
      const x = Float32Array.from({ length: n }, (_, i) => edges[i % edges.length]);
      const g = convClip(hi, 'identity');
      expect(opTypes(g), `hi ${hi}`).not.toContain('Where');
      const grad = (await gradientsAt(g, { x: { shape: [2, CHANNELS, 3, 4], data: x } }, new Float32Array(n).fill(1), ['x'])).x;
      // The forward pass's own y (whatever the engine does with subnormals, the mask must follow y).
      const session = await createSession(g, { threads: 1 });
      const out = g.outputs[0].name;
      const y = (await session.run({ x: tensor([2, CHANNELS, 3, 4], x) }, [out]))[out].data;
      expect(y.some((v) => v > 0 && v < 2 ** -126), 'subnormal y survive').toBe(true);
      const expected = Array.from(y, (v) => (v > 0 && v < hi ? 1 : 0));
      expect(grad.map((v) => Math.abs(v)), `hi ${hi}`).toEqual(expected);
    }
  });

  it('gives the same gradients as the Where form, and matches finite differences', async () => {
    const rng = new Random(3);
    const n = 2 * CHANNELS * 12;
    // Scale 4: a good share of the pre-activations land beyond 0 and 6.
    const x = Float32Array.from({ length: n }, () => rng.normal() * 4);
    const cot = Float32Array.from({ length: n }, () => rng.normal());
    const g = convClip(6, 'random');
    clipMaskForms.mask = 'where';
    expect(opTypes(g)).toContain('Where');
    const where = (await gradientsAt(g, { x: { shape: [2, CHANNELS, 3, 4], data: x } }, cot, ['x'])).x;
    clipMaskForms.mask = 'blocked';
    expect(opTypes(g)).not.toContain('Where');
    const blocked = (await gradientsAt(g, { x: { shape: [2, CHANNELS, 3, 4], data: x } }, cot, ['x'])).x;
    expect(blocked).toEqual(where);
    await expectGradientsMatch(g, { label: 'Conv → Clip(0, 6), blocked mask' });
  });

  it('falls back to Where for a lower bound other than 0, and in graphs to be differentiated again', () => {
    clipMaskForms.mask = 'blocked';
    expect(opTypes(convClip(6, 'random', -1))).toContain('Where');
    const g = convClip(6, 'random');
    const second = buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'], differentiable: true }).graph;
    expect(second.nodes.map((n) => n.opType)).toContain('Where');
  });
});
