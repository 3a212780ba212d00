import { describe, expect, it } from 'vitest';
import { countFlops } from '../../src/onnx/flops.js';
import { ModelBuilder } from '../../src/onnx/builder.js';
import { GraphEditor } from '../../src/onnx/editor.js';
import { attr, floatTensorValue, type Graph } from '../../src/onnx/graph.js';
import { buildGradientGraph } from '../../src/onnx/autodiff/gradient.js';
import { resNet } from '../../src/models/zoo/resnet.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { vggStyle } from '../../src/models/zoo/vgg-style.js';

/** One-op graph: input x of `shape` (batch first, symbolic) into `op` with constant weights. */
function oneOp(opType: string, shape: number[], weights: Record<string, number[]>, attributes = {}): Graph {
  const e = new GraphEditor('one');
  const x = e.input('x', ['N', ...shape.slice(1)]);
  const inputs = [x, ...Object.entries(weights).map(([name, dims]) => e.initializer(name, floatTensorValue(dims, new Float32Array(dims.reduce((p, d) => p * d, 1)))))];
  const y = e.op(opType, inputs, attributes, 'y');
  e.output(y);
  return e.build();
}

describe('countFlops', () => {
  it('counts a grouped, strided, dilated, padded convolution by hand', () => {
    // 8 → 12 channels in 2 groups, 3×3 kernel, stride 2, dilation 2, pad 1 on 17×19:
    // output 12 × floor((17 + 2 − 5)/2 + 1) = 8 × floor((19 + 2 − 5)/2 + 1) = 9; each output sums 4 × 3 × 3 products.
    const g = oneOp('Conv', [1, 8, 17, 19], { w: [12, 4, 3, 3], b: [12] }, { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), dilations: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]), group: attr.int(2) });
    const outputs = 12 * 8 * 9;
    const c = countFlops(g, { batch: 5 });
    expect(c.macs).toBe(5 * outputs * 4 * 9);
    expect(c.total).toBe(5 * (2 * outputs * 4 * 9 + outputs));
    expect(c.uncounted).toEqual([]);
  });

  it('counts ConvTranspose, Gemm and a broadcast batched MatMul by hand', () => {
    // ConvTranspose: every input element meets (C_out/group) × k² weights: 6 × 5 × 5 inputs × 4 × 2 × 2.
    const ct = oneOp('ConvTranspose', [1, 6, 5, 5], { w: [6, 4, 2, 2] }, { strides: attr.ints([2, 2]) });
    expect(countFlops(ct).macs).toBe(6 * 5 * 5 * 4 * 2 * 2);
    // Gemm with transB: [3, 7] × [5, 7]ᵀ + c → 3 × 5 outputs of 7 products, plus the bias adds.
    const gemm = oneOp('Gemm', [3, 7], { w: [5, 7], c: [5] }, { transB: attr.int(1) });
    expect(countFlops(gemm, { batch: 3 })).toMatchObject({ macs: 3 * 5 * 7, total: 2 * 3 * 5 * 7 + 3 * 5 });
    // MatMul [N, 4, 6, 8] × [8, 3] (broadcast over two batch axes): N·4·6·3 outputs of 8 products.
    const mm = oneOp('MatMul', [1, 4, 6, 8], { w: [8, 3] });
    expect(countFlops(mm, { batch: 2 }).macs).toBe(2 * 4 * 6 * 3 * 8);
  });

  it('matches ResNet-18 at 224² analytically, and the published 1.81 GMAC', () => {
    // conv1 7×7/2 → 112², then per stage s (out side 56/2^s): the 3×3 convs (the first reads the previous
    // width), a 1×1 stride-2 downsample from stage 2 on, and the 512 → 1000 linear layer.
    let macs = 112 * 112 * 64 * 3 * 49;
    const widths = [64, 128, 256, 512];
    widths.forEach((w, s) => {
      const side = 56 >> s;
      const before = s === 0 ? 64 : widths[s - 1];
      macs += side * side * w * 9 * (before + 3 * w);
      if (s > 0) macs += side * side * w * before;
    });
    macs += 512 * 1000;
    const c = countFlops(resNet(), { batch: 1 });
    expect(c.macs).toBe(macs);
    expect(Math.abs(c.macs / 1.814e9 - 1)).toBeLessThan(0.005);
    // Everything else (bias, ReLU, pools, adds) is a few per cent on top.
    expect(c.total / (2 * c.macs)).toBeGreaterThan(1);
    expect(c.total / (2 * c.macs)).toBeLessThan(1.02);
    expect(c.uncounted).toEqual([]);
  });

  it('is linear in the batch and skips dead and constant-only nodes', () => {
    const g = tinyCnn();
    const one = countFlops(g, { batch: 1 }).total;
    expect(countFlops(g, { batch: 7 }).total).toBe(7 * one);
    // A node whose inputs are all initializers is folded by ORT at session creation; one no output needs is removed.
    const e = GraphEditor.from(g);
    const [w] = g.initializers.keys();
    e.op('Mul', [w, w], {}, 'folded');
    e.op('Relu', [g.inputs[0].name], {}, 'dead');
    expect(countFlops(e.build(), { batch: 1 }).total).toBe(one);
    // Noise drawn inside the graph has no run-time input either, but is drawn on every run: it is not
    // folded away (shape inference does not know RandomNormal, so it is named as uncounted, not dropped).
    const noisy = GraphEditor.from(g);
    const noise = noisy.op('RandomNormal', [], { shape: attr.ints([1, 1, 32, 32]) }, 'noise');
    noisy.outputs.push({ name: noisy.op('Add', [g.inputs[0].name, noise], {}, 'noisy'), dataType: g.inputs[0].dataType });
    expect(countFlops(noisy.build(), { batch: 1 }).uncounted).toEqual(['noise (RandomNormal)', 'noisy (Add)']);
  });

  it('counts an input-gradient graph as forward plus a backward of the same multiply–adds', () => {
    // The backward of a Conv w.r.t. its input (ConvTranspose or flipped Conv) and of a linear layer
    // (MatMul with the weight) cost exactly the forward's multiply–adds: 2× in all.
    for (const graph of [tinyCnn(), vggStyle({ size: 64 }), resNet({ size: 64 })]) {
      const forward = countFlops(graph, { batch: 2 });
      const grad = buildGradientGraph(graph, { outputs: [graph.outputs[0].name], wrt: [graph.inputs[0].name] });
      const backward = countFlops(grad.graph, { batch: 2 });
      expect(backward.uncounted).toEqual([]);
      expect(backward.macs).toBe(2 * forward.macs);
      expect(backward.total).toBeGreaterThan(1.9 * forward.total);
      expect(backward.total).toBeLessThan(2.3 * forward.total);
    }
  });

  it('names what it cannot count, and refuses symbolic spatial sizes in one line', () => {
    const b = new ModelBuilder('m', 0);
    const x = b.input('x', [1, 4, 4]);
    const g = b.output(b.relu(x, 'r'));
    const symbolic = { ...g, inputs: [{ ...g.inputs[0], shape: ['N', 1, 'H', 4] }] };
    expect(() => countFlops(symbolic)).toThrow(/symbolic size at axis 2; fix it with withInputShape/);
    expect(countFlops(g, { inputShapes: { x: [3, 1, 4, 4] } }).total).toBe(48);
  });
});
