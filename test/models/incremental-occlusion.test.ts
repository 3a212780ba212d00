/**
 * Incremental occlusion (Krypton) against full recomputation: the same occlusion map, to float32
 * rounding, on a VGG-style chain with max-pools, a ResNet-style net (stride-2 stem, padded 3×3
 * max-pool, blocks with Add and a strided 1×1 shortcut), and a mixed net (odd non-square input,
 * stride-2 5×5 conv, BatchNormalization, LeakyRelu, dilated conv, per-channel Mul, padded
 * AveragePool, grouped conv); with the stopping rule cutting early and late; and graphs with no local
 * prefix fall back to the full path.
 */
import { describe, expect, it } from 'vitest';
import { occlusion } from '../../src/attribution/occlusion.js';
import { OnnxModel } from '../../src/models/model.js';
import { IncrementalOcclusion } from '../../src/models/incremental-occlusion.js';
import { vggStyle } from '../../src/models/zoo/vgg-style.js';
import { resNet } from '../../src/models/zoo/resnet.js';
import { ModelBuilder } from '../../src/onnx/builder.js';
import { attr, floatTensorValue, type Graph } from '../../src/onnx/graph.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, uniformValues } from '../helpers/models.js';

function mixedNet(): Graph {
  const b = new ModelBuilder('mixed', 3);
  const c = (name: string, n: number, lo: number, hi: number, seed: number) => b.editor.initializer(name, floatTensorValue([n], uniformValues(n, seed, lo, hi)));
  let x = b.input('input', [2, 29, 31]);
  x = b.conv(x, 'conv1', 6, { kernel: 5, stride: 2, pad: 2 });
  x = b.op('BatchNormalization', 'bn1', [x, c('bn.s', 6, 0.5, 1.5, 1), c('bn.b', 6, -0.2, 0.2, 2), c('bn.m', 6, -0.1, 0.1, 3), c('bn.v', 6, 0.5, 2, 4)], b.shape(x), { epsilon: attr.float(1e-5) });
  x = b.op('LeakyRelu', 'lrelu1', [x], b.shape(x), { alpha: attr.float(0.1) });
  x = b.conv(x, 'conv2', 8, { kernel: 3, pad: 2, dilation: 2 });
  const scale = b.editor.initializer('scale', floatTensorValue([8, 1, 1], uniformValues(8, 5, 0.5, 2)));
  x = b.op('Mul', 'scale1', [x, scale], b.shape(x));
  const [n, ch, h, w] = b.shape(x);
  const pooled = (d: number) => Math.floor((d + 2 - 3) / 2) + 1;
  x = b.op('AveragePool', 'avg1', [x], [n, ch, pooled(h), pooled(w)], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]), count_include_pad: attr.int(1) });
  x = b.sigmoid(x, 'sig1');
  x = b.relu(b.conv(x, 'conv3', 8, { kernel: 3, pad: 1, groups: 2 }), 'relu3');
  x = b.flatten(b.globalAveragePool(x, 'gap'), 'flatten');
  return b.output(b.linear(x, 'fc', 4));
}

/** A padded AveragePool that divides by the real pixels only (count_include_pad 0): its pads cannot be written into the crops, so it keeps the op's own. */
function exclusiveAveragePoolNet(): Graph {
  const b = new ModelBuilder('exclusive-avg', 4);
  let x = b.input('input', [2, 23, 23]);
  x = b.relu(b.conv(x, 'conv1', 4, { kernel: 3, pad: 1 }), 'relu1');
  const [n, ch, h, w] = b.shape(x);
  const pooled = (d: number) => Math.floor((d + 2 - 3) / 2) + 1;
  x = b.op('AveragePool', 'avg1', [x], [n, ch, pooled(h), pooled(w)], { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]), count_include_pad: attr.int(0) });
  x = b.relu(b.conv(x, 'conv2', 6, { kernel: 3, pad: 1 }), 'relu2');
  x = b.flatten(b.globalAveragePool(x, 'gap'), 'flatten');
  return b.output(b.linear(x, 'fc', 3));
}

const MODELS: [string, () => Graph, readonly number[], number, number][] = [
  ['VGG-style chain with max-pools (33×33)', () => vggStyle({ size: 33, widths: [4, 8, 8], classes: 3, seed: 1 }), [3, 33, 33], 6, 3],
  ['ResNet-style with Add and strided shortcuts (37×37)', () => resNet({ size: 37, widths: [4, 8], blocks: 1, classes: 3, seed: 2 }), [3, 37, 37], 8, 4],
  ['mixed: BN, dilation, AveragePool, groups (29×31)', mixedNet, [2, 29, 31], 5, 3],
  ['AveragePool without the pads in its count (23×23)', exclusiveAveragePoolNet, [2, 23, 23], 4, 3],
];

function relativeL2(a: Float32Array, b: Float32Array): number {
  let d = 0, n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d / n);
}

describe('incremental occlusion equals full recomputation', () => {
  for (const [label, build, chw, window, stride] of MODELS) {
    it(label, async () => {
      const model = new OnnxModel(build());
      const x = randomTensor([2, ...chw], 7);
      const options = { window, stride, baseline: 0.25, target: [0, 1] };
      const fast = await occlusion.attribute(model, x, { ...options, incremental: 'auto' });
      const full = await occlusion.attribute(model, x, { ...options, incremental: 'off' });
      expect(fast.extras?.incremental).toBe(true);
      expect(full.extras?.incremental).toBe(false);
      // A map entry is a difference of two outputs (f(x) − f(occluded)), so its rounding is that of the outputs, not of the (often tiny) drop.
      const scale = Math.max(...Array.from((await model.forward(x)).data, Math.abs));
      expect(maxAbsDiff(fast.values.data, full.values.data)).toBeLessThan(1e-5 * scale);
      expect(relativeL2(fast.values.data, full.values.data)).toBeLessThan(1e-2);
      await model.dispose();
    });
  }

  it('cuts early or late by the stopping rule and still matches, at every placement', async () => {
    const graph = resNet({ size: 37, widths: [4, 8], blocks: 1, classes: 3, seed: 2 });
    const model = new OnnxModel(graph);
    const x = randomTensor([1, 3, 37, 37], 9);
    const placements: [number, number][] = [[0, 0], [0, 31], [31, 0], [31, 31], [15, 16], [36, 36]];
    const baseline = new Float32Array(x.data.length);
    const copies = new Float32Array(placements.length * x.data.length);
    placements.forEach(([y0, x0], p) => {
      const copy = copies.subarray(p * x.data.length, (p + 1) * x.data.length);
      copy.set(x.data);
      for (let c = 0; c < 3; c++) for (let y = y0; y < Math.min(37, y0 + 6); y++) for (let xx = x0; xx < Math.min(37, x0 + 6); xx++) copy[c * 37 * 37 + y * 37 + xx] = 0;
    });
    const reference = await model.forward({ shape: [placements.length, 3, 37, 37], data: copies } as Tensor);
    const steps: number[] = [];
    for (const ratio of [0.1, 0.5, 1]) {
      const inc = new IncrementalOcclusion(model.graph, model.inputName, model.outputName, { maxAreaRatio: ratio, placementsPerBatch: 4 });
      steps.push(inc.plan([6, 6])!.steps.length);
      const out = (await inc.forwardOccluded(x, placements, [6, 6], baseline))!;
      expect(out.shape).toEqual(reference.shape);
      expect(relativeL2(out.data, reference.data)).toBeLessThan(1e-6);
      await inc.dispose();
    }
    expect(steps[0]).toBeLessThan(steps[1]);
    expect(steps[1]).toBeLessThan(steps[2]);
    await model.dispose();
  });

  it('falls back to full copies when the graph has no local prefix', async () => {
    const model = new OnnxModel(linearModel([1, 4, 4], uniformValues(32, 1), [0, 0]));
    const x = randomTensor([1, 1, 4, 4], 3);
    const r = await occlusion.attribute(model, x, { window: 2, stride: 1, target: [1] });
    expect(r.extras?.incremental).toBe(false);
    await model.dispose();
  });
});
