/**
 * The local prefix and the incremental plan on zoo graphs and on graphs built to end it early.
 */
import { describe, expect, it } from 'vitest';
import { analyseLocalPrefix, planIncremental } from '../../src/onnx/local-prefix.js';
import { resNet } from '../../src/models/zoo/resnet.js';
import { vggStyle } from '../../src/models/zoo/vgg-style.js';
import { ModelBuilder } from '../../src/onnx/builder.js';
import { attr } from '../../src/onnx/graph.js';

describe('analyseLocalPrefix', () => {
  it('a ResNet runs local up to the global average pool, Add of two branches included', () => {
    const p = analyseLocalPrefix(resNet({ size: 37, widths: [4, 8], blocks: 1, classes: 3 }), 'input');
    const names = p.steps.map((s) => s.node.name);
    expect(names[0]).toBe('conv1');
    expect(names).toContain('layer1.0.add');
    expect(names).toContain('layer2.0.downsample');
    expect(names[names.length - 1]).toBe('layer2.0');
    expect(p.endsAt).toMatch(/^GlobalAveragePool 'avgpool'/);
    expect(p.shapes.get('maxpool_out')).toEqual([4, 10, 10]);
  });

  it('ends at a ceil_mode pool and at a channel-mixing constant, naming why', () => {
    const b = new ModelBuilder('stops', 1);
    let x = b.input('input', [2, 9, 9]);
    x = b.relu(b.conv(x, 'conv1', 4, { kernel: 3, pad: 1 }), 'relu1');
    x = b.op('MaxPool', 'pool', [x], [-1, 4, 5, 5], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) });
    x = b.flatten(x, 'flatten');
    const p = analyseLocalPrefix(b.output(b.linear(x, 'fc', 2)), 'input');
    expect(p.steps.map((s) => s.node.name)).toEqual(['conv1', 'relu1']);
    expect(p.endsAt).toBe("MaxPool 'pool' (ceil_mode 1)");
  });
});

describe('planIncremental', () => {
  it('follows a VGG chain until the affected box passes the area ratio, and cuts there', () => {
    const graph = vggStyle({ size: 64, widths: [4, 8, 8], classes: 3 });
    const p = analyseLocalPrefix(graph, 'input');
    const all = planIncremental(graph, p, [8, 8], 1)!;
    expect(all.steps.length).toBe(p.steps.length);
    expect(all.cut).toEqual(['pool3_out']);
    // 8×8 at 64²: conv1_1 touches 10×10 of 64² (2%), conv1_2 12×12 (3.5%), pool1 6×6 of 32² (3.5%), conv2_1 8×8 (6%)…
    const early = planIncremental(graph, p, [8, 8], 0.05)!;
    expect(early.steps.map((s) => s.node.name)).toEqual(['conv1_1', 'relu1_1', 'conv1_2', 'relu1_2', 'pool1']);
    expect(early.cut).toEqual(['pool1_out']);
    expect(planIncremental(graph, p, [64, 64], 0.5)).toBeNull();
  });
});
