/**
 * Conv input gradients by Conv forms (flipped grouped/depthwise Conv, sub-pixel phases, zero
 * insertion) against finite differences, and against the ConvTranspose form they replace.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { attr, type Attribute, type Graph } from '../../../src/onnx/graph.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { convInputGradientForms, phaseTaps, type StridedInputGradientForm } from '../../../src/onnx/autodiff/conv-input-gradient.js';
import { expectGradientsMatch, gradientsAt, opGraph, randomValue } from './fd-harness.js';
import { createSession } from '../../../src/onnx/runtime.js';
import { Random } from '../../../src/tensor/random.js';
import { tensor } from '../../../src/tensor/tensor.js';

const ints = attr.ints;
/** Finite differences on a seeded subset of coordinates: the exhaustive check is the agreement with ConvTranspose below. */
const PROBES = 96;
const defaults = { ...convInputGradientForms };

afterEach(() => Object.assign(convInputGradientForms, defaults));

function setForms(strided: StridedInputGradientForm, grouped: 'flip' | 'transpose' = 'flip'): void {
  Object.assign(convInputGradientForms, { grouped, stridedDepthwise: strided, stridedDense: strided });
}

/** A Conv with frozen weights and bias (initializers, as attribution graphs have them). */
function frozenConv(x: number[], w: number[], attrs: Record<string, Attribute>, seed = 7): Graph {
  return opGraph('Conv', [{ name: 'x', shape: x }, { name: 'w', value: randomValue(w, seed, 0.4) }, { name: 'b', value: randomValue([w[0]], seed + 1) }], attrs);
}

function opTypes(g: Graph): string[] {
  return buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] }).graph.nodes.map((n) => n.opType);
}

interface Case {
  label: string;
  x: number[];
  w: number[];
  attrs: Record<string, Attribute>;
}

const depthwise = (c: number) => ({ group: attr.int(c) });

const stride1: Case[] = [
  { label: 'depthwise 3×3 pad 1, odd size', x: [2, 8, 7, 7], w: [8, 1, 3, 3], attrs: { ...depthwise(8), pads: ints([1, 1, 1, 1]) } },
  { label: 'depthwise 3×3, asymmetric pads, dilation 2, even × odd', x: [2, 8, 8, 7], w: [8, 1, 3, 3], attrs: { ...depthwise(8), pads: ints([2, 0, 1, 2]), dilations: ints([2, 1]) } },
  { label: 'depthwise 2×3, pads wider than the kernel (rows to crop)', x: [1, 4, 5, 6], w: [4, 1, 2, 3], attrs: { ...depthwise(4), pads: ints([3, 0, 1, 4]) } },
  { label: 'groups 2 (2 in, 3 out per group)', x: [2, 4, 6, 5], w: [6, 2, 3, 3], attrs: { group: attr.int(2), pads: ints([1, 1, 1, 1]) } },
  { label: 'ungrouped 1×1, pad 1', x: [2, 8, 4, 5], w: [6, 8, 1, 1], attrs: { pads: ints([1, 0, 1, 1]) } },
];

const strided: Case[] = [
  { label: 'depthwise 3×3/2 pad 1, even size (MobileNetV2)', x: [2, 8, 8, 8], w: [8, 1, 3, 3], attrs: { ...depthwise(8), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) } },
  { label: 'depthwise 3×3/2 pad 1, odd size', x: [2, 8, 7, 9], w: [8, 1, 3, 3], attrs: { ...depthwise(8), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) } },
  { label: 'depthwise 3×3/2, 2×3 image (1×2 output)', x: [1, 8, 2, 3], w: [8, 1, 3, 3], attrs: { ...depthwise(8), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) } },
  { label: 'depthwise 3×3/2, asymmetric pads', x: [2, 4, 9, 8], w: [4, 1, 3, 3], attrs: { ...depthwise(4), strides: ints([2, 2]), pads: ints([0, 1, 2, 0]) } },
  { label: 'depthwise 3×3/2, dilation 2 (every tap in one phase: the others are zeros)', x: [1, 4, 9, 10], w: [4, 1, 3, 3], attrs: { ...depthwise(4), strides: ints([2, 2]), dilations: ints([2, 2]), pads: ints([1, 2, 1, 0]) } },
  { label: 'depthwise 5×5/3, dilation 2, pads 3', x: [1, 4, 13, 11], w: [4, 1, 5, 5], attrs: { ...depthwise(4), strides: ints([3, 3]), dilations: ints([2, 2]), pads: ints([3, 3, 3, 3]) } },
  { label: 'dense 7×7/2 pad 3 onto 3 channels (ResNet stem)', x: [2, 3, 10, 11], w: [8, 3, 7, 7], attrs: { strides: ints([2, 2]), pads: ints([3, 3, 3, 3]) } },
  { label: 'dense 3×3/2 pad 1', x: [2, 8, 7, 8], w: [16, 8, 3, 3], attrs: { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) } },
  { label: 'dense 1×1/2 (three phases are zeros)', x: [2, 8, 7, 6], w: [16, 8, 1, 1], attrs: { strides: ints([2, 2]) } },
  { label: 'groups 2, stride 2, auto_pad SAME_UPPER', x: [2, 4, 7, 8], w: [6, 2, 3, 3], attrs: { group: attr.int(2), strides: ints([2, 2]), auto_pad: attr.string('SAME_UPPER') } },
];

describe('phaseTaps', () => {
  it('splits a 3×3/2 pad-1 kernel into 1 + 2 taps and a 1×1/2 kernel into 1 + 0', () => {
    expect(phaseTaps(0, 3, 2, 1, 1)).toEqual([{ k: 1, q: 0 }]);
    expect(phaseTaps(1, 3, 2, 1, 1)).toEqual([{ k: 2, q: 0 }, { k: 0, q: 1 }]);
    expect(phaseTaps(0, 1, 2, 1, 0)).toEqual([{ k: 0, q: 0 }]);
    expect(phaseTaps(1, 1, 2, 1, 0)).toEqual([]);
  });

  it('gives every tap to exactly one phase', () => {
    for (const [k, s, d, p] of [[3, 2, 1, 1], [7, 2, 1, 3], [5, 3, 2, 3], [3, 2, 2, 1], [4, 3, 1, 0]]) {
      const all = Array.from({ length: s }, (_, r) => phaseTaps(r, k, s, d, p).map((t) => t.k)).flat().sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: k }, (_, i) => i));
    }
  });
});

describe('Conv input gradient, stride 1, by a flipped (grouped) Conv', () => {
  for (const c of stride1) {
    it(c.label, async () => {
      const g = frozenConv(c.x, c.w, c.attrs);
      expect(opTypes(g)).not.toContain('ConvTranspose');
      await expectGradientsMatch(g, { wrtInitializers: ['w', 'b'], label: `Conv input gradient flipped ${c.label}`, maxProbes: PROBES });
    });
  }
});

describe('Conv input gradient, strided', () => {
  for (const form of ['phases', 'zero-insert'] as const) {
    for (const c of strided) {
      it(`${c.label} (${form})`, async () => {
        setForms(form);
        const g = frozenConv(c.x, c.w, c.attrs);
        const ops = opTypes(g);
        expect(ops).not.toContain('ConvTranspose');
        expect(ops).toContain('Transpose');
        await expectGradientsMatch(g, { label: `Conv input gradient ${form} ${c.label}`, maxProbes: PROBES });
      });
    }
  }

  it('interleaves by DepthToSpace as well as by Transpose', async () => {
    for (const form of ['phases', 'zero-insert'] as const) {
      setForms(form);
      convInputGradientForms.interleave = 'depth-to-space';
      const c = strided[1];
      const g = frozenConv(c.x, c.w, c.attrs);
      expect(opTypes(g)).toContain('DepthToSpace');
      await expectGradientsMatch(g, { label: `Conv input gradient ${form} by DepthToSpace ${c.label}`, maxProbes: PROBES });
    }
  });

  it('agrees with the ConvTranspose form to float32 rounding (phases and zero insertion, dense and depthwise)', async () => {
    const rng = new Random(11);
    for (const c of strided) {
      const g = frozenConv(c.x, c.w, c.attrs);
      const n = c.x.reduce((a, b) => a * b, 1);
      const x = Float32Array.from({ length: n }, () => rng.normal());
      const shape = { x: { shape: c.x, data: x } };
      setForms('transpose', 'transpose');
      const reference = await gradientsAtAnyCotangent(g, shape, rng);
      for (const [form, interleave] of [['phases', 'transpose'], ['zero-insert', 'transpose'], ['phases', 'depth-to-space']] as const) {
        setForms(form);
        convInputGradientForms.interleave = interleave;
        const ours = (await gradientsAt(g, shape, reference.cotangent, ['x'])).x;
        expect(relativeL2(ours, reference.x), `${c.label} (${form}, ${interleave})`).toBeLessThan(1e-6);
      }
    }
  });

  it('weights fed as graph inputs keep ConvTranspose (the sub-kernels are folded at build time)', () => {
    setForms('phases');
    const g = opGraph('Conv', [{ name: 'x', shape: [1, 8, 8, 8] }, { name: 'w', shape: [8, 1, 3, 3] }], { ...depthwise(8), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) });
    expect(opTypes(g)).toContain('ConvTranspose');
  });
});

function relativeL2(a: readonly number[], b: readonly number[]): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

/** The ConvTranspose-form input gradient for a random cotangent of the right size. */
async function gradientsAtAnyCotangent(g: Graph, feeds: Parameters<typeof gradientsAt>[1], rng: Random): Promise<{ x: number[]; cotangent: Float32Array }> {
  const session = await createSession(g, { threads: 1 });
  const out = g.outputs[0].name;
  const y = (await session.run({ x: tensor([...feeds.x.shape], Float32Array.from(feeds.x.data)) }, [out]))[out];
  const cotangent = Float32Array.from({ length: y.data.length }, () => rng.normal());
  return { x: (await gradientsAt(g, feeds, cotangent, ['x'])).x, cotangent };
}

describe('Conv input gradient in a graph differentiated again', () => {
  it('keeps the path to the weights: Σ(∂y/∂x)² w.r.t. a depthwise and a ≥ 8-channel conv matches finite differences', async () => {
    const e = new GraphEditor('second_order_conv');
    const x = e.input('x', [2, 8, 5, 5]);
    const dw = e.initializer('dw', randomValue([8, 1, 3, 3], 3, 0.4));
    const pw = e.initializer('pw', randomValue([8, 8, 3, 3], 4, 0.3));
    const h = e.op('Conv', [x, dw], { group: attr.int(8), pads: ints([1, 1, 1, 1]) });
    const y = e.op('Conv', [e.op('Mul', [h, h]), pw], { pads: ints([1, 1, 1, 1]) });
    const out = e.op('ReduceSum', [y], { keepdims: attr.int(0) });
    e.output(out, []);
    const first = buildGradientGraph(e.build(), { outputs: [out], wrt: ['x'], keep: [], differentiable: true });
    expect(first.graph.nodes.map((n) => n.opType)).toContain('ConvTranspose');
    const g = GraphEditor.from(first.graph);
    g.outputs.length = 0;
    const grad = first.gradients[0];
    g.output(g.op('ReduceSum', [g.op('Mul', [grad, grad])], { keepdims: attr.int(0) }), []);
    await expectGradientsMatch(g.build(), { wrtInitializers: ['dw', 'pw'], constantInputs: [first.cotangents[0]], label: 'second order depthwise + dense conv', maxProbes: 40 }, 2e-3);
  });
});
