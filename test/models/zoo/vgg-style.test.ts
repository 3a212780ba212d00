import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../../src/models/model.js';
import { vggStyle } from '../../../src/models/zoo/vgg-style.js';
import { Random } from '../../../src/tensor/random.js';
import { oneHot, tensor } from '../../../src/tensor/tensor.js';

function noise(shape: number[], seed: number) {
  const rng = new Random(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(shape, Float32Array.from({ length: n }, () => rng.next()));
}

describe('vggStyle', () => {
  it('builds VGG-named stages of conv3×3 + ReLU, 2×2 max-pools, GAP and a linear head', () => {
    const g = vggStyle({ size: 64 });
    const convs = g.nodes.filter((n) => n.opType === 'Conv').map((n) => n.name);
    expect(convs).toEqual(['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv4_1', 'conv4_2', 'conv5_1', 'conv5_2']);
    expect(g.nodes.filter((n) => n.opType === 'MaxPool').map((n) => n.name)).toEqual(['pool1', 'pool2', 'pool3', 'pool4', 'pool5']);
    expect(g.nodes.slice(-3).map((n) => n.opType)).toEqual(['GlobalAveragePool', 'Flatten', 'Gemm']);
    expect(g.initializers.get('conv1_1.weight')?.dims).toEqual([16, 3, 3, 3]);
    expect(g.initializers.get('conv5_2.weight')?.dims).toEqual([128, 128, 3, 3]);
    expect(g.initializers.get('fc.weight')?.dims).toEqual([10, 128]);
  });

  it('takes one convolution per stage when asked, and rejects images too small for the pools', () => {
    const g = vggStyle({ size: 32, widths: [8, 16], convsPerStage: [1, 2] });
    expect(g.nodes.filter((n) => n.opType === 'Conv').map((n) => n.name)).toEqual(['conv1_1', 'conv2_1', 'conv2_2']);
    expect(() => vggStyle({ size: 16 })).toThrow(/too small/);
    expect(() => vggStyle({ widths: [8, 16], convsPerStage: [1] })).toThrow(/2 stages/);
  });

  it("starts from torchvision's VGG initialisation (kaiming-normal fan_out, zero biases), or the builder default on request", () => {
    const g = vggStyle({ size: 64 });
    const w = g.initializers.get('conv3_1.weight')!;
    const data = Array.from(w.data as Float32Array);
    const std = Math.sqrt(data.reduce((a, v) => a + v * v, 0) / data.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / (64 * 9)), 2);
    expect(Array.from(g.initializers.get('conv3_1.bias')!.data as Float32Array).every((v) => v === 0)).toBe(true);
    const fc = Array.from(g.initializers.get('fc.weight')!.data as Float32Array);
    expect(Math.sqrt(fc.reduce((a, v) => a + v * v, 0) / fc.length)).toBeCloseTo(0.01, 2);

    const plain = vggStyle({ size: 64, init: 'pytorch' });
    const bound = 1 / Math.sqrt(32 * 9);
    const pw = Array.from(plain.initializers.get('conv3_1.weight')!.data as Float32Array);
    expect(pw.every((v) => Math.abs(v) <= bound)).toBe(true);
    expect(Array.from(plain.initializers.get('conv3_1.bias')!.data as Float32Array).some((v) => v !== 0)).toBe(true);
  });

  it('is deterministic in its seed', () => {
    const a = vggStyle({ size: 64, seed: 3 }).initializers.get('conv2_1.weight')!.data;
    const b = vggStyle({ size: 64, seed: 3 }).initializers.get('conv2_1.weight')!.data;
    const c = vggStyle({ size: 64, seed: 4 }).initializers.get('conv2_1.weight')!.data;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('runs forward ([N, 10]) and vjp at 64×64', async () => {
    const model = new OnnxModel(vggStyle({ size: 64 }));
    expect(model.inputShape).toEqual([3, 64, 64]);
    expect(model.outputSize).toBe(10);
    expect(model.layers).toContain('conv3_2_out');

    const x = noise([2, 3, 64, 64], 1);
    const y = await model.forward(x);
    expect(y.shape).toEqual([2, 10]);
    expect(Array.from(y.data).every(Number.isFinite)).toBe(true);

    const one = tensor([1, 3, 64, 64], x.data.slice(0, 3 * 64 * 64));
    const { output, inputGrad } = await model.vjp(one, oneHot([7], 10));
    // Same logits as in the batch of two (up to float32 rounding: ORT may pick other kernels per batch size).
    output.data.forEach((v, k) => expect(v).toBeCloseTo(y.data[k], 5));
    expect(inputGrad.shape).toEqual([1, 3, 64, 64]);
    expect(Array.from(inputGrad.data).every(Number.isFinite)).toBe(true);
    expect(Array.from(inputGrad.data).some((v) => v !== 0)).toBe(true);

    // The gradient predicts the change of the logit along a small step (central difference; the
    // tolerance allows for float32 rounding of logits around 1e-2 and for ReLU kinks).
    const eps = 1e-3;
    const step = noise([1, 3, 64, 64], 2);
    const at = async (sign: number) => (await model.forward(tensor(one.shape, one.data.map((v, i) => v + sign * eps * step.data[i])))).data[7];
    const change = ((await at(1)) - (await at(-1))) / 2;
    let predicted = 0;
    for (let i = 0; i < step.data.length; i++) predicted += inputGrad.data[i] * step.data[i] * eps;
    expect(Math.abs(predicted)).toBeGreaterThan(1e-6);
    expect(Math.abs(change - predicted)).toBeLessThan(0.1 * Math.abs(predicted));
  });
});
