/** The engine's first rules (Conv, MaxPool, Relu, Gemm, Flatten/Reshape) against finite differences. */
import { describe, expect, it } from 'vitest';
import { attr, int64TensorValue, type Graph } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { convGradientForms } from '../../../src/onnx/autodiff/conv.js';
import { maxPoolGradientForms } from '../../../src/onnx/autodiff/max-pool.js';
import { createSession } from '../../../src/onnx/runtime.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { Random } from '../../../src/tensor/random.js';
import { expectGradientsMatch, opGraph, randomValue } from './fd-harness.js';

const ints = attr.ints;

/** Builds with one form of the square-window MaxPool rule, then restores the default. */
function withPoolForm<T>(form: typeof maxPoolGradientForms.firstMax, build: () => T): T {
  const before = maxPoolGradientForms.firstMax;
  maxPoolGradientForms.firstMax = form;
  try {
    return build();
  } finally {
    maxPoolGradientForms.firstMax = before;
  }
}

function opTypes(g: Graph): string[] {
  return g.nodes.map((n) => n.opType);
}

describe('Conv', () => {
  const cases: { label: string; x: number[]; w: number[]; attrs: Record<string, ReturnType<typeof attr.int>> }[] = [
    { label: 'plain 3×3 pad 1', x: [2, 3, 7, 7], w: [4, 3, 3, 3], attrs: { pads: ints([1, 1, 1, 1]) } },
    { label: 'groups 2, stride 2, asymmetric pads', x: [2, 4, 7, 6], w: [6, 2, 3, 3], attrs: { group: attr.int(2), strides: ints([2, 2]), pads: ints([0, 1, 2, 0]) } },
    { label: 'depthwise, dilation 2', x: [2, 4, 7, 7], w: [4, 1, 3, 3], attrs: { group: attr.int(4), dilations: ints([2, 2]), pads: ints([2, 1, 2, 1]) } },
    { label: 'stride 2 not dividing the size', x: [2, 3, 8, 9], w: [4, 3, 3, 3], attrs: { strides: ints([2, 2]), pads: ints([1, 0, 0, 1]) } },
    { label: 'stride 3 × 2, dilation 2, 2×3 kernel', x: [1, 2, 11, 10], w: [3, 2, 2, 3], attrs: { strides: ints([3, 2]), dilations: ints([2, 2]), pads: ints([1, 2, 0, 1]) } },
    { label: 'auto_pad SAME_UPPER stride 2', x: [2, 3, 7, 8], w: [2, 3, 3, 3], attrs: { strides: ints([2, 2]), auto_pad: attr.string('SAME_UPPER') } },
    { label: 'auto_pad SAME_LOWER', x: [1, 3, 6, 5], w: [2, 3, 2, 2], attrs: { auto_pad: attr.string('SAME_LOWER') } },
  ];
  for (const form of ['im2col', 'conv'] as const) {
    for (const c of cases) {
      it(`${c.label}: weights and bias as graph inputs (ConvTranspose path, ${form} weight gradient)`, async () => {
        convGradientForms.weight = form;
        try {
          const g = opGraph('Conv', [{ name: 'x', shape: c.x }, { name: 'w', shape: c.w }, { name: 'b', shape: [c.w[0]] }], c.attrs);
          const grad = buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x', 'w'] }).graph;
          expect(opTypes(grad)).toContain('ConvTranspose');
          // im2col applies to ungrouped convs only; its signature is the MatMul.
          const grouped = (c.attrs.group?.value ?? 1) !== 1;
          expect(opTypes(grad).includes('MatMul')).toBe(form === 'im2col' && !grouped);
          await expectGradientsMatch(g, { label: `Conv ${c.label} (${form})` });
        } finally {
          convGradientForms.weight = 'auto';
        }
      });
    }
  }

  it('≥ 8 input channels, stride 1, weights as graph inputs: flipped-Conv path with the flip in the graph', async () => {
    const g = opGraph('Conv', [{ name: 'x', shape: [2, 8, 6, 7] }, { name: 'w', shape: [5, 8, 3, 3] }, { name: 'b', shape: [5] }], { pads: ints([2, 0, 1, 2]), dilations: ints([2, 1]) });
    const grad = buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x', 'w'] }).graph;
    expect(opTypes(grad)).not.toContain('ConvTranspose');
    await expectGradientsMatch(g, { label: 'Conv flipped in-graph' });
  });

  it('≥ 8 input channels, stride 1, frozen weights: flipped-Conv path, with asymmetric pads and dilation', async () => {
    for (const [k, attrs] of [
      [3, { pads: ints([1, 1, 1, 1]) }],
      [3, { pads: ints([2, 0, 1, 2]), dilations: ints([2, 1]) }],
    ] as const) {
      const g = opGraph('Conv', [{ name: 'x', shape: [2, 8, 6, 7] }, { name: 'w', value: randomValue([5, 8, k, k], 7, 0.3) }, { name: 'b', value: randomValue([5], 8) }], attrs);
      const grad = buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] }).graph;
      expect(opTypes(grad)).not.toContain('ConvTranspose');
      expect([...grad.initializers.keys()].some((n) => n.includes('flipped'))).toBe(true);
      await expectGradientsMatch(g, { wrtInitializers: ['w', 'b'], label: `Conv flipped ${JSON.stringify(attrs)}` });
    }
  });

  it('a batch dimension only known at run time', async () => {
    const g = opGraph('Conv', [{ name: 'x', shape: ['N', 2, 5, 5] }, { name: 'w', value: randomValue([3, 2, 3, 3], 3) }], { strides: ints([2, 2]), group: attr.int(1) });
    await expectGradientsMatch(g, { batch: 3, wrtInitializers: ['w'], label: 'Conv dynamic batch' });
  });
});

describe('MaxPool', () => {
  it('2×2 on odd sizes (last row and column dropped): non-overlapping path', async () => {
    const g = opGraph('MaxPool', [{ name: 'x', shape: [2, 3, 7, 9] }], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
    expect(opTypes(buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] }).graph)).not.toContain('ScatterElements');
    await expectGradientsMatch(g, { label: 'MaxPool 2×2 odd' });
  });

  it('overlapping 3×3 stride 2, with and without padding: scatter path', async () => {
    for (const pads of [[0, 0, 0, 0], [1, 1, 1, 1], [0, 1, 1, 0]]) {
      const g = opGraph('MaxPool', [{ name: 'x', shape: [2, 3, 9, 8] }], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints(pads) });
      expect(opTypes(buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] }).graph)).toContain('ScatterElements');
      await expectGradientsMatch(g, { label: `MaxPool 3×3/2 pads ${pads}` });
    }
  });

  it('after ReLU (ties at zero in all-negative windows carry no gradient)', async () => {
    const e = new GraphEditor('relu_pool');
    const x = e.input('x', [2, 3, 6, 6]);
    e.output(e.op('MaxPool', [e.op('Relu', [x])], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }));
    await expectGradientsMatch(e.build(), { label: 'Relu → MaxPool' });
  });

  it('tie rule (square windows): the first maximum in row-major window order takes the gradient, as PyTorch', async () => {
    // Window 1 holds two 1s, window 2 three 2s.
    const g = opGraph('MaxPool', [{ name: 'x', shape: [1, 1, 2, 4] }], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
    const grad = buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] });
    const session = await createSession(grad.graph);
    const out = await session.run({
      x: tensor([1, 1, 2, 4], [1, 1, 0, 2, 0, 0.5, 2, 2]),
      [grad.cotangents[0]]: tensor([1, 1, 1, 2], [3, 5]),
    });
    expect(Array.from(out[grad.gradients[0]].data)).toEqual([3, 0, 0, 5, 0, 0, 0, 0]);
  });

  // Every form of the square-window rule (MaxUnpool through Indices, ArgMax, Split) against the same references.
  for (const form of ['unpool', 'argmax', 'split'] as const) {
    it(`tie rule (square windows, ${form} form) against a brute-force first-maximum reference: k 2 and 3, odd sizes, opsets 12/17/18, run-time batch`, async () => {
      // Values in {0, 1, 2}: most windows tie. Each case: [N, C, H, W], k, opset.
      const cases = [
        { shape: [2, 3, 7, 9], k: 2, opset: 17 },
        { shape: [2, 2, 9, 10], k: 3, opset: 17 },
        { shape: [1, 3, 6, 6], k: 2, opset: 12 },
        { shape: [2, 2, 5, 8], k: 2, opset: 18 },
      ];
      for (const [i, c] of cases.entries()) {
        const g = opGraph('MaxPool', [{ name: 'x', shape: ['N', ...c.shape.slice(1)] }], { kernel_shape: ints([c.k, c.k]), strides: ints([c.k, c.k]) }, c.opset);
        const grad = withPoolForm(form, () => buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] }));
        expect(opTypes(grad.graph)).not.toContain('ScatterElements');
        expect(opTypes(grad.graph).includes('MaxUnpool')).toBe(form === 'unpool');
        const rng = new Random(40 + i);
        const x = tensor(c.shape, Array.from({ length: c.shape.reduce((a, b) => a * b) }, () => rng.int(0, 3)));
        const pooled = [c.shape[0], c.shape[1], Math.floor(c.shape[2] / c.k), Math.floor(c.shape[3] / c.k)];
        const dy = tensor(pooled, Array.from({ length: pooled.reduce((a, b) => a * b) }, (_, j) => 1 + (j % 5)));
        const out = await (await createSession(grad.graph)).run({ x, [grad.cotangents[0]]: dy });
        expect(Array.from(out[grad.gradients[0]].data), JSON.stringify(c)).toEqual(Array.from(firstMaxPoolGradient(x.data, c.shape, [c.k, c.k], dy.data, false)));
      }
    });

    it(`ReLU → MaxPool with ties (fused mask, ${form} form): the first maximum takes the gradient, none where the window is ≤ 0`, async () => {
      for (const reluReadElsewhere of [false, true]) {
        const e = new GraphEditor('relu_pool_ties');
        const x = e.input('x', [2, 3, 6, 6]);
        const r = e.op('Relu', [x]);
        const pooled = e.op('MaxPool', [r], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
        e.output(pooled);
        if (reluReadElsewhere) e.output(e.op('Neg', [r])); // defeats the fusion: both forms must agree
        const g = e.build();
        const grad = withPoolForm(form, () => buildGradientGraph(g, { outputs: [pooled], wrt: ['x'] }));
        const shape = [2, 3, 6, 6];
        // Values in {−1, 0, 1}: ties at 1, at 0 (dead windows), and all-negative windows.
        const rng = new Random(7);
        const xs = tensor(shape, Array.from({ length: 216 }, () => rng.int(-1, 2)));
        const dy = tensor([2, 3, 3, 3], Array.from({ length: 54 }, (_, j) => 1 + (j % 4)));
        const feeds: Record<string, ReturnType<typeof tensor>> = { x: xs, [grad.cotangents[0]]: dy };
        const out = await (await createSession(grad.graph)).run(feeds);
        expect(Array.from(out[grad.gradients[0]].data), `ReLU read elsewhere: ${reluReadElsewhere}`).toEqual(Array.from(firstMaxPoolGradient(xs.data, shape, [2, 2], dy.data, true)));
      }
    });
  }

  it('non-square windows: the first tied maximum takes the gradient (unpool); a graph to be differentiated again keeps the mask form, every tied maximum', async () => {
    const g = opGraph('MaxPool', [{ name: 'x', shape: [1, 1, 1, 4] }], { kernel_shape: ints([1, 2]), strides: ints([1, 2]) });
    const feeds = (grad: { cotangents: readonly string[] }) => ({ x: tensor([1, 1, 1, 4], [2, 2, 0, 1]), [grad.cotangents[0]]: tensor([1, 1, 1, 2], [3, 5]) });
    const first = buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] });
    expect(opTypes(first.graph)).toContain('MaxUnpool');
    expect(Array.from((await (await createSession(first.graph)).run(feeds(first)))[first.gradients[0]].data)).toEqual([3, 0, 0, 5]);
    const again = buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'], differentiable: true });
    expect(opTypes(again.graph)).not.toContain('MaxUnpool');
    expect(Array.from((await (await createSession(again.graph)).run(feeds(again)))[again.gradients[0]].data)).toEqual([3, 3, 0, 5]);
  });

  it('unpool form, every non-overlapping window: k 4 and 5, non-square 2×3 and 4×1, sizes not multiples of k, spatial sizes known only at run time, storage_order 1', async () => {
    // Values in {0, 1, 2}: most windows tie. Each case: [N, C, H, W], kernel, extra attributes.
    const cases: { shape: number[]; k: [number, number]; dynamic?: boolean; columnMajor?: boolean }[] = [
      { shape: [2, 3, 16, 16], k: [4, 4] },
      { shape: [1, 2, 11, 13], k: [4, 4] },
      { shape: [2, 2, 10, 11], k: [5, 5], columnMajor: true },
      { shape: [2, 3, 7, 8], k: [2, 3] },
      { shape: [1, 2, 9, 5], k: [4, 1], dynamic: true },
      { shape: [2, 1, 12, 12], k: [4, 4], dynamic: true },
    ];
    for (const [i, c] of cases.entries()) {
      const inputShape = c.dynamic ? ['N', c.shape[1], 'H', 'W'] : ['N', ...c.shape.slice(1)];
      const attrs = { kernel_shape: ints(c.k), strides: ints(c.k), ...(c.columnMajor ? { storage_order: attr.int(1) } : {}) };
      const g = opGraph('MaxPool', [{ name: 'x', shape: inputShape }], attrs, 17);
      const grad = buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] });
      expect(opTypes(grad.graph), JSON.stringify(c)).toContain('MaxUnpool');
      const rng = new Random(60 + i);
      const x = tensor(c.shape, Array.from({ length: c.shape.reduce((a, b) => a * b) }, () => rng.int(0, 3)));
      const pooled = [c.shape[0], c.shape[1], Math.floor(c.shape[2] / c.k[0]), Math.floor(c.shape[3] / c.k[1])];
      const dy = tensor(pooled, Array.from({ length: pooled.reduce((a, b) => a * b) }, (_, j) => 1 + (j % 5)));
      const out = await (await createSession(grad.graph)).run({ x, [grad.cotangents[0]]: dy });
      expect(Array.from(out[grad.gradients[0]].data), JSON.stringify(c)).toEqual(Array.from(firstMaxPoolGradient(x.data, c.shape, c.k, dy.data, false)));
    }
  });

  it('unpool form against finite differences (no ties): 4×4 after a ReLU, 3×2 on a conv', async () => {
    const e = new GraphEditor('relu_pool4');
    e.output(e.op('MaxPool', [e.op('Relu', [e.input('x', [2, 2, 9, 8])])], { kernel_shape: ints([4, 4]), strides: ints([4, 4]) }));
    await expectGradientsMatch(e.build(), { label: 'Relu → MaxPool 4×4 (unpool)' });
    const f = new GraphEditor('conv_pool32');
    const conv = f.op('Conv', [f.input('x', [2, 2, 7, 7]), f.input('w', [3, 2, 2, 2])]);
    f.output(f.op('MaxPool', [conv], { kernel_shape: ints([3, 2]), strides: ints([3, 2]) }));
    await expectGradientsMatch(f.build(), { label: 'Conv → MaxPool 3×2 (unpool)' });
  });
});

/**
 * PyTorch's MaxPool2d backward for kh×kw windows, stride = kernel, brute force: each window's
 * gradient goes to its first maximum in row-major order. With `relu`, the pool reads max(x, 0) and
 * the gradient then passes ReLU only where x > 0 (torch's ReLU gradient at 0 is 0).
 */
function firstMaxPoolGradient(x: Float32Array, [n, c, h, w]: number[], [kh, kw]: readonly number[], dy: Float32Array, relu: boolean): Float32Array {
  const dx = new Float32Array(x.length);
  const oh = Math.floor(h / kh);
  const ow = Math.floor(w / kw);
  const read = (i: number) => (relu ? Math.max(x[i], 0) : x[i]);
  for (let plane = 0; plane < n * c; plane++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let best = -1;
        for (let a = 0; a < kh; a++) {
          for (let b = 0; b < kw; b++) {
            const idx = plane * h * w + (i * kh + a) * w + (j * kw + b);
            if (best < 0 || read(idx) > read(best)) best = idx;
          }
        }
        if (!relu || x[best] > 0) dx[best] += dy[plane * oh * ow + i * ow + j];
      }
    }
  }
  return dx;
}

describe('Relu', () => {
  it('elementwise, and after a Conv', async () => {
    await expectGradientsMatch(opGraph('Relu', [{ name: 'x', shape: [2, 3, 4, 5] }]), { label: 'Relu' });
    const e = new GraphEditor('conv_relu');
    const x = e.input('x', [2, 3, 5, 5]);
    const w = e.input('w', [4, 3, 3, 3]);
    e.output(e.op('Relu', [e.op('Conv', [x, w], { pads: ints([1, 1, 1, 1]) })]));
    await expectGradientsMatch(e.build(), { label: 'Conv → Relu' });
  });
});

describe('Gemm', () => {
  const [M, K, N] = [3, 4, 5];
  for (const transA of [0, 1])
    for (const transB of [0, 1]) {
      it(`transA=${transA} transB=${transB}, alpha/beta, bias [N], [1,N], [M,N], none`, async () => {
        const a = { name: 'a', shape: transA ? [K, M] : [M, K] };
        const b = { name: 'b', shape: transB ? [N, K] : [K, N] };
        for (const bias of [[N], [1, N], [M, N], null]) {
          const attrs = { transA: attr.int(transA), transB: attr.int(transB), alpha: attr.float(0.7), beta: attr.float(-1.3) };
          const g = opGraph('Gemm', [a, b, bias ? { name: 'c', shape: bias } : null], attrs);
          await expectGradientsMatch(g, { label: `Gemm tA=${transA} tB=${transB} bias=${bias ? `[${bias}]` : 'none'}` });
        }
      });
    }

  it('a Linear layer: frozen weight [out, in] with transB and a dynamic batch', async () => {
    const g = opGraph('Gemm', [{ name: 'x', shape: ['N', 6] }, { name: 'w', value: randomValue([3, 6], 11) }, { name: 'b', value: randomValue([3], 12) }], { transB: attr.int(1) });
    await expectGradientsMatch(g, { wrtInitializers: ['w', 'b'], batch: 4, label: 'Gemm linear' });
  });
});

describe('Flatten and Reshape', () => {
  it('Flatten at axes 0, 1, 2 and -1', async () => {
    for (const axis of [0, 1, 2, -1]) {
      await expectGradientsMatch(opGraph('Flatten', [{ name: 'x', shape: [2, 3, 2, 2] }], { axis: attr.int(axis) }), { label: `Flatten axis ${axis}` });
    }
  });

  it('Reshape with 0 (copy) and -1 (inferred) targets', async () => {
    for (const target of [[2, -1], [0, 4, -1], [-1]]) {
      const g = opGraph('Reshape', [{ name: 'x', shape: [2, 3, 4] }, { name: 'shape', value: int64TensorValue([target.length], target) }]);
      await expectGradientsMatch(g, { label: `Reshape [${target}]` });
    }
  });
});
