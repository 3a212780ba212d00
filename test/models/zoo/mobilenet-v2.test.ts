/**
 * The MobileNetV2 as torch.onnx.export writes torchvision's mobilenet_v2 (BN folded, ReLU6 as Clip):
 * torchvision's parameter count and layer layout, and an input gradient — through grouped (depthwise)
 * convolutions, Clip and the residual Adds — that matches central finite differences on a small
 * instance, along one random direction, with a step small enough to stay between Clip kinks.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../../src/models/model.js';
import { makeDivisible, mobileNetV2 } from '../../../src/models/zoo/mobilenet-v2.js';
import { floatTensorValue, intAttr } from '../../../src/onnx/graph.js';
import { Random } from '../../../src/tensor/random.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { randomTensor } from '../../helpers/models.js';
import { refTensor, runReference } from '../../onnx/reference-interpreter.js';

describe('mobileNetV2', () => {
  it("has torchvision's layers and parameter count (BN folded into conv biases)", () => {
    const g = mobileNetV2();
    const convs = g.nodes.filter((n) => n.opType === 'Conv');
    expect(convs.length).toBe(52);
    // 17 depthwise convolutions, one per inverted residual block, each with group = its channels.
    const depthwise = convs.filter((n) => intAttr(n, 'group', 1) > 1);
    expect(depthwise.length).toBe(17);
    for (const n of depthwise) expect(g.initializers.get(n.inputs[1])?.dims[1]).toBe(1);
    // Residual Adds where stride 1 and width unchanged: 1 + 2 + 3 + 2 + 2 of the table's repeats.
    expect(g.nodes.filter((n) => n.opType === 'Add').length).toBe(10);
    expect(g.nodes.filter((n) => n.opType === 'Clip').length).toBe(35);
    expect(g.initializers.get('classifier.1.weight')?.dims).toEqual([1000, 1280]);
    // torchvision's mobilenet_v2 has 3,504,872 parameters; folding a BN leaves one conv bias per channel
    // in place of BN's weight and bias, so the export has 3,504,872 − (BN channels).
    const convBiasChannels = convs.reduce((a, n) => a + (g.initializers.get(n.inputs[2])?.dims[0] ?? 0), 0);
    expect(convBiasChannels).toBe(17_056);
    const params = [...g.initializers.entries()].filter(([name]) => name.endsWith('.weight') || name.endsWith('.bias')).reduce((a, [, t]) => a + t.dims.reduce((x, y) => x * y, 1), 0);
    expect(params).toBe(3_504_872 - 17_056);
    expect(makeDivisible(32 * 0.35)).toBe(16);
    expect(makeDivisible(24 * 0.5)).toBe(16);
    expect(() => mobileNetV2({ size: 8 })).toThrow(/too small/);
  });

  it('input gradient equals central finite differences (float64 reference interpreter) along a direction', async () => {
    // Nonzero biases: with the folded identity BN's zero biases, a channel whose inputs are all
    // clipped to 0 sits exactly on the next Clip's kink, where one-sided slopes differ.
    const initial = mobileNetV2({ size: 32, widthMultiplier: 0.25, stages: 4, classes: 3, seed: 2 });
    const rng = new Random(5);
    const initializers = new Map(initial.initializers);
    for (const [name, t] of initial.initializers) if (name.endsWith('.bias')) initializers.set(name, floatTensorValue(t.dims, t.data.length ? Float32Array.from(t.data, () => rng.uniform(-0.1, 0.1)) : []));
    const graph = { ...initial, initializers };
    const model = new OnnxModel(graph);
    expect(model.layers).toContain('features.11_out');
    const x = randomTensor([1, 3, 32, 32], 3);
    const v = randomTensor([1, 3, 32, 32], 4, -1, 1);
    const cot = Float32Array.of(1, -0.5, 0.25);
    const { inputGrad } = await model.vjp(x, tensor([1, 3], cot));
    await model.dispose();
    const analytic = inputGrad.data.reduce((s, g, i) => s + g * v.data[i], 0);
    expect(Math.abs(analytic)).toBeGreaterThan(1e-4);
    // Float64 differences (the reference interpreter): in float32 no step is both below the Clip
    // kinks and above rounding (h = 1e-4 is 8% off, 1e-3 40%); in float64 h = 1e-6 is both
    // (1e-5 and 1e-7 give the same digits).
    const output = graph.outputs[0].name;
    const f = (t: number) => {
      const y = runReference(graph, { input: refTensor(x.shape, Float64Array.from(x.data, (xi, i) => xi + t * v.data[i])) }).get(output)!.data;
      return cot.reduce((s, c, i) => s + c * y[i], 0);
    };
    const h = 1e-6;
    const numeric = (f(h) - f(-h)) / (2 * h);
    expect(Math.abs(numeric - analytic)).toBeLessThan(1e-4 * Math.abs(analytic));
  });
});
