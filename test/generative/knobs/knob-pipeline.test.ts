/**
 * Gradients through the composed R∘G w.r.t. the attribute input (ONNX Runtime running the
 * autodiff's graph, float32) checked against central finite differences of the same composed graph
 * run by the float64 reference interpreter (test/onnx, no code shared with src/), on the demo's own
 * network shapes: the prediction's gradient, and Eq. 2's whole objective's gradient.
 */
import { describe, expect, it } from 'vitest';
import { knobDecoder, knobEncoder, propertyNet, ATTRIBUTES, LATENT } from '../../../src/generative/knobs/knob-networks.js';
import { counterfactualGraph, regressorOfGenerator, checkKnobModels } from '../../../src/generative/knobs/knob-pipeline.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { createSession } from '../../../src/onnx/runtime.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { DataType, floatTensorValue, type Graph } from '../../../src/onnx/graph.js';
import { randomTensor, relativeL2 } from '../../helpers/models.js';
import { refTensor, runReference } from '../../onnx/reference-interpreter.js';

const SIZE = 16;
const K = 3;
/**
 * PyTorch's initialiser makes an untrained net almost flat (gradients ~1e-7, below float32 finite
 * differences); weights scaled up give O(1) gradients through every layer.
 */
function amplified(graph: Graph, factor: number): Graph {
  const initializers = new Map([...graph.initializers].map(([k, v]) => [k, v.dataType === DataType.FLOAT && v.dims.length > 1 ? floatTensorValue(v.dims, Float32Array.from(v.data as Float32Array, (x) => x * factor)) : v]));
  return { ...graph, initializers };
}
const models = {
  regressor: amplified(propertyNet({ outputs: 1, size: SIZE, width: 8, hidden: 8, seed: 1 }), 3),
  encoder: knobEncoder({ size: SIZE, width: 4, latent: 4, seed: 2 }),
  decoder: amplified(knobDecoder({ size: SIZE, width: 8, latent: 4, attributes: K, seed: 3 }), 3),
};
const z = randomTensor([2, 4, 2, 2], 4, -1, 1);
const a0 = randomTensor([2, K], 5, 0.2, 0.8);

describe('gradients through R∘G w.r.t. the attributes', () => {
  it('the prediction’s gradient matches central finite differences (relative L2 < 1e-2)', async () => {
    checkKnobModels(models, K);
    const { graph, prediction } = regressorOfGenerator(models);
    const grads = buildGradientGraph(graph, { outputs: [prediction], wrt: [ATTRIBUTES] });
    const session = await createSession(grads.graph);
    const out = await session.run({ [LATENT]: z, [ATTRIBUTES]: a0, [grads.cotangents[0]]: tensor([2, 1], [1, 1]) });
    const h = 1e-5;
    const fd: number[] = [];
    for (let i = 0; i < 2 * K; i++) {
      const at = (d: number) => {
        const a = Float64Array.from(a0.data);
        a[i] += d;
        return runReference(graph, { [LATENT]: refTensor(z.shape, z.data), [ATTRIBUTES]: refTensor([2, K], a) }).get(prediction)!.data[Math.floor(i / K)];
      };
      fd.push((at(h) - at(-h)) / (2 * h));
    }
    const analytic = Array.from(out[grads.gradients[0]].data);
    expect(Math.max(...analytic.map(Math.abs))).toBeGreaterThan(1e-3);
    expect(relativeL2(analytic, fd)).toBeLessThan(1e-3);
  });

  it("Eq. 2's objective λ(R − p')² + mean(G − I)²: its gradient matches finite differences", async () => {
    const cf = counterfactualGraph(models);
    const session = await createSession(cf.graph);
    const reference = randomTensor([2, 1, SIZE, SIZE], 6);
    const target = tensor([2, 1], [0.3, -0.2]);
    const lambda = 5;
    const pixels = SIZE * SIZE;
    const feeds = (a: Float32Array) => ({
      [LATENT]: z,
      [ATTRIBUTES]: tensor([2, K], a),
      [cf.reference]: reference,
      [cf.target]: target,
      [cf.cotangents[0]]: tensor([2, 1], [lambda, lambda]),
      [cf.cotangents[1]]: tensor([2, 1, SIZE, SIZE], new Float32Array(2 * pixels).fill(1 / pixels)),
    });
    const objective = (a: Float64Array, row: number) => {
      const out = runReference(cf.graph, {
        [LATENT]: refTensor(z.shape, z.data),
        [ATTRIBUTES]: refTensor([2, K], a),
        [cf.reference]: refTensor(reference.shape, reference.data),
        [cf.target]: refTensor(target.shape, target.data),
        // Cotangents feed only the backward nodes; any value does for the forward terms read here.
        ...Object.fromEntries(cf.cotangents.map((c, i) => [c, refTensor(i === 0 ? [2, 1] : reference.shape, new Float64Array(i === 0 ? 2 : 2 * pixels))])),
      });
      let img = 0;
      for (let p = 0; p < pixels; p++) img += out.get(cf.imageSquared)!.data[row * pixels + p];
      return lambda * out.get(cf.predictionSquared)!.data[row] + img / pixels;
    };
    const analytic = Array.from((await session.run(feeds(Float32Array.from(a0.data))))[cf.attributeGradient].data);
    const h = 1e-5;
    const fd: number[] = [];
    for (let i = 0; i < 2 * K; i++) {
      const up = Float64Array.from(a0.data);
      const down = Float64Array.from(a0.data);
      up[i] += h;
      down[i] -= h;
      fd.push((objective(up, Math.floor(i / K)) - objective(down, Math.floor(i / K))) / (2 * h));
    }
    expect(relativeL2(analytic, fd)).toBeLessThan(1e-3);
  });

  it('refuses a generator without the z / attributes inputs, naming the fix', () => {
    const renamed = { ...models, decoder: { ...models.decoder, inputs: models.decoder.inputs.map((i) => (i.name === ATTRIBUTES ? { ...i, name: 'cond' } : i)) } };
    expect(() => checkKnobModels(renamed, K)).toThrow(/two inputs named 'z' and 'attributes'.*rename them at export/);
    expect(() => checkKnobModels(models, K + 1)).toThrow(/takes 3 attributes but 4 names/);
  });
});
