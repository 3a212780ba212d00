/** The gradient graph whose cotangent is the one-hot of its own output's argmax (predicted-cotangent.ts). */
import { describe, expect, it } from 'vitest';
import { buildGradientGraph } from '../../src/onnx/autodiff/gradient.js';
import { classesOfOneHot, withPredictedCotangent } from '../../src/models/predicted-cotangent.js';
import { createSession } from '../../src/onnx/runtime.js';
import { argmaxRows, oneHot, tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor, uniformValues } from '../helpers/models.js';
import { refTensor, runReference } from '../onnx/reference-interpreter.js';

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

  it('the float64 reference interpreter evaluates the new nodes alike, in groups of 1 and 2 rows (a group explains its first row’s class), ties included', async () => {
    const x = randomTensor([6, 1, 2, 3], 9, -1, 1);
    x.data.fill(0, 2 * D, 3 * D); // row 2: logits = bias only
    const tied = linearModel([1, 2, 3], weights, [0, 0, 0, 0]);
    const tiedPlain = buildGradientGraph(tied, { outputs: [tied.outputs[0].name], wrt: [tied.inputs[0].name] });
    for (const [g, group] of [[plain, 1], [plain, 2], [tiedPlain, 1], [tiedPlain, 2]] as const) {
      const predicted = withPredictedCotangent(g, graph.outputs[0].name, K, group)!;
      const ort = await (await createSession(predicted.graph)).run({ [graph.inputs[0].name]: x });
      const ref = runReference(predicted.graph, { [graph.inputs[0].name]: refTensor(x.shape, x.data) });
      expect(Array.from(ref.get(g.cotangents[0])!.data), `group ${group}`).toEqual(Array.from(ort[g.cotangents[0]].data));
      const logits = ort[graph.outputs[0].name];
      const firsts = argmaxRows(logits).filter((_, r) => r % group === 0);
      expect(classesOfOneHot(ort[g.cotangents[0]])).toEqual(firsts.flatMap((c) => new Array<number>(group).fill(c)));
      const grad = ref.get(g.gradients[0])!.data;
      ort[g.gradients[0]].data.forEach((v, i) => expect(Math.abs(v - grad[i])).toBeLessThan(1e-5));
    }
  });

  it('is null below opset 7 (Equal on int64), and a row without a one reads as class −1', () => {
    expect(withPredictedCotangent({ ...plain, graph: { ...plain.graph, opsetVersion: 6 } }, graph.outputs[0].name, K)).toBeNull();
    expect(classesOfOneHot(tensor([2, 3], [0, 0, 1, 0, 0, 0]))).toEqual([2, -1]);
  });
});
