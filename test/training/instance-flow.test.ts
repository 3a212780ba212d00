/**
 * Instance flow, recorded: after each epoch the recorder holds the argmax of that epoch's weights,
 * computed here by hand from the weights (softmax regression: logits = W·x + b); checkpoints give
 * the same record; the final epoch's predictions are the trained model's.
 */
import { describe, expect, it } from 'vitest';
import { trainClassifier } from '../../src/models/train.js';
import { OnnxModel } from '../../src/models/model.js';
import type { Graph } from '../../src/onnx/graph.js';
import { argmaxRows } from '../../src/tensor/tensor.js';
import { instanceFlowRecorder, predictionsOfCheckpoints } from '../../src/training/instance-flow.js';
import { flowOfSet } from '../../src/training/flow-table.js';
import { linearModel, randomTensor, uniformValues } from '../helpers/models.js';

const D = 6;
const K = 3;
const names = ['a', 'b', 'c'];
const x = randomTensor([30, 1, 2, 3], 1, -1, 1);
const labels = Array.from({ length: 30 }, (_, i) => (x.data[i * D] > 0.3 ? 0 : x.data[i * D + 1] > 0 ? 1 : 2));
const test = randomTensor([9, 1, 2, 3], 2, -1, 1);
const testLabels = [0, 1, 2, 0, 1, 2, 0, 1, 2];

/** argmax of W·x + b per row, in float64 from the graph's weights. */
function byHand(g: Graph, images: Float32Array, n: number): number[] {
  const w = g.initializers.get('fc.weight')!.data as Float32Array;
  const b = g.initializers.get('fc.bias')!.data as Float32Array;
  return Array.from({ length: n }, (_, i) => {
    const z = Array.from({ length: K }, (_, c) => b[c] + Array.from({ length: D }, (_, j) => w[c * D + j] * images[i * D + j]).reduce((s, v) => s + v, 0));
    return z.indexOf(Math.max(...z));
  });
}

describe('instanceFlowRecorder', () => {
  it('records every instance of every set after each epoch with that epoch\u2019s weights', async () => {
    const graphs: Graph[] = [];
    const recorder = instanceFlowRecorder([{ name: 'train', images: x, labels }, { name: 'test', images: test, labels: testLabels }], names, async (_, g) => void graphs.push(g));
    const start = linearModel([1, 2, 3], uniformValues(K * D, 3, -0.5, 0.5), uniformValues(K, 4, -0.5, 0.5));
    const result = await trainClassifier(start, x, labels, { epochs: 4, batchSize: 8, learningRate: 0.05, seed: 5, onEpochEnd: recorder.onEpochEnd });
    const record = recorder.result();
    expect(record.epochs).toEqual([1, 2, 3, 4]);
    expect(record.instances).toHaveLength(39);
    expect(record.instances[30]).toMatchObject({ id: 'test-0', set: 'test', label: 0 });
    expect(graphs).toHaveLength(4);
    for (let e = 0; e < 4; e++) {
      const train = record.instances.slice(0, 30).map((i) => i.predicted[e]);
      const held = record.instances.slice(30).map((i) => i.predicted[e]);
      expect(train).toEqual(byHand(graphs[e], x.data, 30));
      expect(held).toEqual(byHand(graphs[e], test.data, 9));
    }
    // The weights move between epochs, and the last epoch's are the returned model's.
    expect(graphs[0].initializers.get('fc.weight')!.data).not.toEqual(graphs[3].initializers.get('fc.weight')!.data);
    const final = new OnnxModel(result.graph);
    expect(record.instances.slice(0, 30).map((i) => i.predicted[3])).toEqual(argmaxRows(await final.forward(x)));
    await final.dispose();
    // Counts per class and epoch sum to the class size.
    for (const c of flowOfSet(record, 'train').classes) for (const row of c.counts) expect(row.reduce((s, v) => s + v)).toBe(labels.filter((l) => l === c.classIndex).length);

    // The same record from the saved checkpoints (out of order on purpose).
    const models = graphs.map((g, e) => ({ epoch: e + 1, model: new OnnxModel(g) }));
    const again = await predictionsOfCheckpoints([...models].reverse(), [{ name: 'train', images: x, labels }, { name: 'test', images: test, labels: testLabels }], names);
    expect(again).toEqual(record);
    for (const m of models) await m.model.dispose();
  });

  it('refuses labels outside the classes and a model with another number of outputs', async () => {
    expect(() => instanceFlowRecorder([{ name: 'train', images: x, labels: labels.map(() => 3) }], names)).toThrow(/label 3 at row 0 is not a class index in \[0, 3\)/);
    const recorder = instanceFlowRecorder([{ name: 'train', images: x, labels }], ['a', 'b', 'c', 'd']);
    const g = linearModel([1, 2, 3], uniformValues(K * D, 3), uniformValues(K, 4));
    await expect(recorder.onEpochEnd(0, () => g)).rejects.toThrow(/3 outputs but 4 class names/);
  });
});
