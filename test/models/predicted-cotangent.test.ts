/** The gradient graph whose cotangent is the one-hot of its own output's argmax (predicted-cotangent.ts). */
import { describe, expect, it } from 'vitest';
import { buildGradientGraph } from '../../src/onnx/autodiff/gradient.js';
import { classesOfOneHot, withPredictedCotangent } from '../../src/models/predicted-cotangent.js';
import { createSession } from '../../src/onnx/runtime.js';
import { argmaxRows, oneHot, tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor, uniformValues } from '../helpers/models.js';

const K = 4;
const D = 6;
const weights = uniformValues(K * D, 3);
const graph = linearModel([1, 2, 3], weights, [0.1, -0.2, 0.3, 0]);
const plain = buildGradientGraph(graph, { outputs: [graph.outputs[0].name], wrt: [graph.inputs[0].name] });

describe('withPredictedCotangent', () => {
  it('feeds no cotangent, returns the one-hot of each row’s argmax, and equals the plain graph fed that one-hot', async () => {
    const predicted = withPredictedCotangent(plain, graph.outputs[0].name, K)!;
    expect(predicted.graph.inputs.map((i) => i.name)).toEqual([graph.inputs[0].name]);
    expect(predicted.graph.outputs.map((o) => o.name)).toContain(plain.cotangents[0]);
    const x = randomTensor([5, 1, 2, 3], 8, -1, 1);
    const out = await (await createSession(predicted.graph)).run({ [graph.inputs[0].name]: x });
    const classes = argmaxRows(out[graph.outputs[0].name]);
    expect(classesOfOneHot(out[plain.cotangents[0]])).toEqual(classes);
    expect(Array.from(out[plain.cotangents[0]].data)).toEqual(Array.from(oneHot(classes, K).data));
    const fed = await (await createSession(plain.graph)).run({ [graph.inputs[0].name]: x, [plain.cotangents[0]]: oneHot(classes, K) });
    expect(Array.from(out[plain.gradients[0]].data)).toEqual(Array.from(fed[plain.gradients[0]].data));
  });

  it('is null below opset 7 (Equal on int64), and a row without a one reads as class −1', () => {
    expect(withPredictedCotangent({ ...plain, graph: { ...plain.graph, opsetVersion: 6 } }, graph.outputs[0].name, K)).toBeNull();
    expect(classesOfOneHot(tensor([2, 3], [0, 0, 1, 0, 0, 0]))).toEqual([2, -1]);
  });
});
