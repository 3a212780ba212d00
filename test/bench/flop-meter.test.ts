import { describe, expect, it } from 'vitest';
import { FlopMeter } from '../../bench/flop-meter.js';
import { integratedGradients } from '../../src/attribution/integrated-gradients.js';
import { gradCam } from '../../src/attribution/grad-cam.js';
import { deepLift } from '../../src/attribution/deeplift.js';
import { ruleOverrides } from '../../src/onnx/autodiff/backward-rules.js';
import { OnnxModel } from '../../src/models/model.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { buildGradientGraph } from '../../src/onnx/autodiff/gradient.js';
import { countFlops } from '../../src/onnx/flops.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';

function images(n: number): ReturnType<typeof tensor> {
  const rng = new Random(3);
  return tensor([n, 1, 32, 32], Float32Array.from({ length: n * 32 * 32 }, () => rng.next()));
}

describe('FlopMeter', () => {
  const graph = tinyCnn();
  const x = images(2);

  it('counts the rows IG sends through the generated backward graph: (steps + 2 end points) × images', async () => {
    const own = new OnnxModel(graph);
    const meter = new FlopMeter();
    const a = await integratedGradients.attribute(meter.wrap(own), x, { target: [0, 1], steps: 4 });
    const vjp = buildGradientGraph(graph, { outputs: [graph.outputs[0].name], wrt: [graph.inputs[0].name] }).graph;
    expect(meter.flops()).toEqual({ total: countFlops(vjp, { batch: 6 * 2 }).total, effective: false, uncounted: [] });
    // The wrapper changes nothing the method sees.
    const plain = await integratedGradients.attribute(own, x, { target: [0, 1], steps: 4 });
    expect(Array.from(a.values.data)).toEqual(Array.from(plain.values.data));
    meter.reset();
    expect(meter.flops().total).toBe(0);
    await own.dispose();
  });

  it('counts a layer gradient graph for Grad-CAM, which stops at the layer', async () => {
    const own = new OnnxModel(graph);
    const meter = new FlopMeter();
    await gradCam.attribute(meter.wrap(own), x, { target: [1, 0], layer: 'conv2_out' });
    const layer = buildGradientGraph(graph, { outputs: [graph.outputs[0].name], wrt: ['conv2_out'], keep: [graph.outputs[0].name, 'conv2_out'] }).graph;
    const counted = meter.flops().total;
    expect(counted).toBe(countFlops(layer, { batch: 2 }).total);
    // Less than a full input gradient: the backward pass stops at conv2.
    const vjp = buildGradientGraph(graph, { outputs: [graph.outputs[0].name], wrt: [graph.inputs[0].name] }).graph;
    expect(counted).toBeLessThan(countFlops(vjp, { batch: 2 }).total);
    await own.dispose();
  });

  it("follows withBackwardRules: DeepLIFT's rows go through the rescale-rule graph (input and baseline rows in pairs)", async () => {
    const own = new OnnxModel(graph);
    const meter = new FlopMeter();
    const a = await deepLift.attribute(meter.wrap(own), x, { target: [0, 1] });
    const rules = buildGradientGraph(graph, { outputs: [graph.outputs[0].name], wrt: [graph.inputs[0].name], rules: ruleOverrides('deeplift') }).graph;
    expect(meter.flops().total).toBe(countFlops(rules, { batch: 2 * 2 }).total);
    expect(Array.from(a.values.data)).toEqual(Array.from((await deepLift.attribute(own, x, { target: [0, 1] })).values.data));
    await own.dispose();
  });
});
