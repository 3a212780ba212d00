/**
 * The windowed MaxPool gradient (max-pool-windows.ts: strided Slices, placement by output phase) for overlapping and padded windows below opset 16: against finite differences
 * for every window geometry torch exports, and against a brute-force PyTorch-rule reference
 * (first maximum in row-major window order; padding never wins) on inputs full of ties, where
 * finite differences are one-sided. The scatter form (opset ≥ 16) must agree with it exactly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { attr, type Attribute } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { maxPoolGradientForms } from '../../../src/onnx/autodiff/max-pool.js';
import { inferShapes } from '../../../src/onnx/shapes.js';
import { createSession } from '../../../src/onnx/runtime.js';
import { Random } from '../../../src/tensor/random.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { expectGradientsMatch, opGraph } from './fd-harness.js';

const ints = attr.ints;

afterEach(() => {
  maxPoolGradientForms.overlapping = 'auto';
});

interface Geometry {
  label: string;
  shape: number[];
  attrs: Record<string, Attribute>;
}

const GEOMETRIES: Geometry[] = [
  { label: 'ResNet stem 3×3/2 pad 1', shape: [2, 3, 9, 8], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) } },
  { label: '3×3/2 no padding', shape: [2, 2, 9, 10], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]) } },
  { label: '3×3/1 pad 1 (same size)', shape: [1, 2, 6, 7], attrs: { kernel_shape: ints([3, 3]), strides: ints([1, 1]), pads: ints([1, 1, 1, 1]) } },
  { label: 'asymmetric pads, 3×2 kernel, strides 2×1', shape: [2, 2, 8, 7], attrs: { kernel_shape: ints([3, 2]), strides: ints([2, 1]), pads: ints([0, 1, 1, 0]) } },
  { label: 'dilation 2', shape: [1, 3, 9, 9], attrs: { kernel_shape: ints([2, 2]), strides: ints([1, 1]), dilations: ints([2, 2]) } },
  { label: 'ceil_mode 3×3/2', shape: [2, 2, 8, 8], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: attr.int(1) } },
  { label: 'auto_pad SAME_UPPER 3×3/2', shape: [1, 2, 7, 8], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), auto_pad: attr.string('SAME_UPPER') } },
  { label: '2×2/3 pad 1 (phases no offset reaches)', shape: [1, 2, 8, 7], attrs: { kernel_shape: ints([2, 2]), strides: ints([3, 3]), pads: ints([1, 1, 1, 1]) } },
  { label: 'non-overlapping 2×2/2 with padding 1', shape: [2, 2, 6, 6], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) } },
];

/** Brute-force MaxPool backward with PyTorch's rules, for any 2-D window geometry. */
function referenceGradient(x: Float32Array, [n, c, h, w]: number[], out: number[], g: Geometry, dy: Float32Array, relu: boolean): Float32Array {
  const ints2 = (k: string, d: number[]) => ((g.attrs[k] as { value: number[] } | undefined)?.value ?? d).map(Number);
  const [kh, kw] = ints2('kernel_shape', []);
  const [sh, sw] = ints2('strides', [1, 1]);
  const [dh, dw] = ints2('dilations', [1, 1]);
  let [ph, pw] = ints2('pads', [0, 0, 0, 0]);
  if ((g.attrs.auto_pad as { value: string } | undefined)?.value === 'SAME_UPPER') {
    ph = Math.floor(Math.max(0, (out[0] - 1) * sh + dh * (kh - 1) + 1 - h) / 2);
    pw = Math.floor(Math.max(0, (out[1] - 1) * sw + dw * (kw - 1) + 1 - w) / 2);
  }
  const read = (i: number) => (relu ? Math.max(x[i], 0) : x[i]);
  const dx = new Float32Array(x.length);
  for (let plane = 0; plane < n * c; plane++) {
    for (let i = 0; i < out[0]; i++) {
      for (let j = 0; j < out[1]; j++) {
        let best = -1;
        for (let a = 0; a < kh; a++) {
          for (let b = 0; b < kw; b++) {
            const r = i * sh + a * dh - ph;
            const q = j * sw + b * dw - pw;
            if (r < 0 || r >= h || q < 0 || q >= w) continue;
            const idx = plane * h * w + r * w + q;
            if (best < 0 || read(idx) > read(best)) best = idx;
          }
        }
        if (!relu || x[best] > 0) dx[best] += dy[plane * out[0] * out[1] + i * out[1] + j];
      }
    }
  }
  return dx;
}

function opTypes(graph: { nodes: readonly { opType: string }[] }): string[] {
  return graph.nodes.map((n) => n.opType);
}

describe('windowed MaxPool gradient (overlapping or padded windows, any opset ≥ 10)', () => {
  for (const g of GEOMETRIES) {
    for (const opset of [11, 13]) {
      it(`${g.label}, opset ${opset}: finite differences`, async () => {
        const graph = opGraph('MaxPool', [{ name: 'x', shape: g.shape }], g.attrs, opset);
        const built = buildGradientGraph(graph, { outputs: [graph.outputs[0].name], wrt: ['x'] }).graph;
        const ops = opTypes(built);
        // Non-overlapping unpadded pools take the mask path (Resize or SpaceToDepth); every geometry here must not.
        for (const other of ['ScatterElements', 'Resize', 'SpaceToDepth']) expect(ops).not.toContain(other);
        await expectGradientsMatch(graph, { label: `MaxPool windows ${g.label} opset ${opset}` });
      });
    }
  }

  it('ties: the first maximum in row-major window order takes the gradient, as PyTorch (plain and after a fused ReLU), and the scatter form agrees', async () => {
    for (const [k, g] of GEOMETRIES.entries()) {
      for (const relu of [false, true]) {
        const results: number[][] = [];
        for (const [form, opset] of [['windows', 13], ['windows', 18], ['scatter', 17]] as const) {
          maxPoolGradientForms.overlapping = form;
          const e = new GraphEditor('pool_ties', opset);
          const x = e.input('x', ['N', ...g.shape.slice(1)]);
          const pooled = e.op('MaxPool', [relu ? e.op('Relu', [x]) : x], g.attrs);
          e.output(pooled);
          const graph = e.build();
          const outShape = inferShapes(graph).shapes.get(pooled)!.slice(2);
          const grad = buildGradientGraph(graph, { outputs: [pooled], wrt: ['x'] });
          const rng = new Random(50 + k);
          const size = g.shape.reduce((a, b) => a * b);
          // Values in {−1, 0, 1, 2}: most windows tie, some are all ≤ 0.
          const xs = tensor(g.shape, Array.from({ length: size }, () => rng.int(-1, 3)));
          const dyShape = [g.shape[0], g.shape[1], ...outShape];
          const dy = tensor(dyShape, Array.from({ length: dyShape.reduce((a, b) => a * b) }, (_, j) => 1 + (j % 5)));
          const out = await (await createSession(grad.graph)).run({ x: xs, [grad.cotangents[0]]: dy });
          // + 0 turns −0 (the scatter form zero-fills with x·0) into +0.
          const got = Array.from(out[grad.gradients[0]].data, (v) => v + 0);
          const label = `${g.label} relu=${relu} ${form} opset ${opset}`;
          expect(got, label).toEqual(Array.from(referenceGradient(xs.data, g.shape, outShape, g, dy.data, relu)));
          results.push(got);
        }
        expect(results[2]).toEqual(results[0]);
      }
    }
  });

  it('1-D pool (MaxPool1d 3/2 pad 1) at opset 11 equals the scatter form (ORT Indices) at opset 17', async () => {
    // The float64 reference interpreter pools 2-D only; ORT's own argmax is the second method here.
    const rng = new Random(61);
    const x = tensor([2, 3, 9], Array.from({ length: 54 }, () => rng.normal()));
    const dy = tensor([2, 3, 5], Array.from({ length: 30 }, () => rng.normal()));
    const grads: number[][] = [];
    for (const [form, opset] of [['windows', 11], ['scatter', 17]] as const) {
      maxPoolGradientForms.overlapping = form;
      const graph = opGraph('MaxPool', [{ name: 'x', shape: [2, 3, 9] }], { kernel_shape: ints([3]), strides: ints([2]), pads: ints([1, 1]) }, opset);
      const grad = buildGradientGraph(graph, { outputs: [graph.outputs[0].name], wrt: ['x'] });
      const out = await (await createSession(grad.graph)).run({ x, [grad.cotangents[0]]: dy });
      grads.push(Array.from(out[grad.gradients[0]].data, (v) => v + 0));
    }
    expect(grads[0]).toEqual(grads[1]);
    expect(grads[0].some((v) => v !== 0)).toBe(true);
  });

  it('a pool whose spatial size is known only at run time names the fix', () => {
    const graph = opGraph('MaxPool', [{ name: 'x', shape: ['N', 3, 'H', 'W'] }], GEOMETRIES[0].attrs, 13);
    expect(() => buildGradientGraph(graph, { outputs: [graph.outputs[0].name], wrt: ['x'] })).toThrow(/static.*inputShape/);
  });
});
