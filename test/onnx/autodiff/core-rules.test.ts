/** The engine's first rules (Conv, MaxPool, Relu, Gemm, Flatten/Reshape) against finite differences. */
import { describe, expect, it } from 'vitest';
import { attr, int64TensorValue, type Graph } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { convGradientForms } from '../../../src/onnx/autodiff/conv.js';
import { createSession } from '../../../src/onnx/runtime.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { expectGradientsMatch, opGraph, randomValue } from './fd-harness.js';

const ints = attr.ints;

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
  it('2×2 on odd sizes (last row and column dropped): mask path', async () => {
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

  it('tie rule (mask path): every input equal to its window maximum receives the full window gradient', async () => {
    // Window 1 holds two 1s, window 2 three 2s. PyTorch would give each window's gradient to the
    // first maximum only; trustscope's mask form gives it to every tied maximum, as documented in
    // max-pool.ts. (Overlapping pools take the scatter path, where ORT's Indices pick a single one.)
    const g = opGraph('MaxPool', [{ name: 'x', shape: [1, 1, 2, 4] }], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
    const grad = buildGradientGraph(g, { outputs: [g.outputs[0].name], wrt: ['x'] });
    const session = await createSession(grad.graph);
    const out = await session.run({
      x: tensor([1, 1, 2, 4], [1, 1, 0, 2, 0, 0.5, 2, 2]),
      [grad.cotangents[0]]: tensor([1, 1, 1, 2], [3, 5]),
    });
    expect(Array.from(out[grad.gradients[0]].data)).toEqual([3, 3, 0, 5, 0, 0, 5, 5]);
  });
});

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
