/**
 * Training: one Adam step on softmax regression against the update written out by hand (the
 * cross-entropy gradient (p − y)·x / B and Adam's first step −lr·g/(|g| + ε)), a short real run on
 * the synthetic EM set, reproducibility, saving/reloading, and the input checks.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accuracy, trainClassifier, trainableParameters } from '../../src/models/train.js';
import { OnnxModel } from '../../src/models/model.js';
import { loadOnnxModel, saveOnnxGraph } from '../../src/models/import/onnx-file.js';
import { tinyCnn } from '../../src/models/zoo/tiny-cnn.js';
import { generateEmDefects } from '../../src/data/synthetic/em-defects.js';
import type { Graph } from '../../src/onnx/graph.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, maxAbsDiff, randomTensor, tempDir, uniformValues } from '../helpers/models.js';

function init(g: Graph, name: string): Float32Array {
  return g.initializers.get(name)!.data as Float32Array;
}

describe('trainClassifier: one full-batch Adam step on softmax regression, by hand', () => {
  const D = 6;
  const K = 3;
  const N = 10;
  const W = uniformValues(K * D, 1, -0.5, 0.5);
  const b = uniformValues(K, 2, -0.5, 0.5);
  const x = randomTensor([N, 1, 2, 3], 3, -1, 1);
  const labels = [0, 1, 2, 2, 1, 0, 0, 1, 2, 1];

  /** Softmax probabilities, mean cross-entropy, accuracy and the gradients, in float64. */
  function byHand() {
    const gW = new Float64Array(K * D);
    const gb = new Float64Array(K);
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < N; i++) {
      const z = Array.from({ length: K }, (_, c) => b[c] + Array.from({ length: D }, (_, j) => W[c * D + j] * x.data[i * D + j]).reduce((s, v) => s + v, 0));
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const sum = e.reduce((s, v) => s + v, 0);
      const p = e.map((v) => v / sum);
      loss -= Math.log(p[labels[i]]);
      if (z.indexOf(m) === labels[i]) correct++;
      for (let c = 0; c < K; c++) {
        const d = (p[c] - (c === labels[i] ? 1 : 0)) / N;
        gb[c] += d;
        for (let j = 0; j < D; j++) gW[c * D + j] += d * x.data[i * D + j];
      }
    }
    return { loss: loss / N, accuracy: correct / N, gW, gb };
  }

  it('moves every weight by −lr·g/(|g| + 1e-8) and reports the loss and accuracy before the step', async () => {
    const lr = 0.01;
    const ref = byHand();
    const r = await trainClassifier(linearModel([1, 2, 3], W, b), x, labels, { epochs: 1, batchSize: N, learningRate: lr, seed: 5 });
    const W1 = init(r.graph, 'fc.weight');
    const b1 = init(r.graph, 'fc.bias');
    const expectedW = Array.from(W, (w, i) => w - (lr * ref.gW[i]) / (Math.abs(ref.gW[i]) + 1e-8));
    const expectedB = Array.from(b, (v, i) => v - (lr * ref.gb[i]) / (Math.abs(ref.gb[i]) + 1e-8));
    expect(maxAbsDiff(W1, expectedW)).toBeLessThan(2e-6);
    expect(maxAbsDiff(b1, expectedB)).toBeLessThan(2e-6);
    expect(r.history).toHaveLength(1);
    expect(r.history[0].loss).toBeCloseTo(ref.loss, 5);
    expect(r.history[0].accuracy).toBe(ref.accuracy);
    // The input graph is not modified.
    expect(init(linearModel([1, 2, 3], W, b), 'fc.weight')).toEqual(W);
  });

  it('adds weightDecay·w to the gradient before the Adam step', async () => {
    const lr = 0.01;
    const wd = 0.5;
    const ref = byHand();
    const r = await trainClassifier(linearModel([1, 2, 3], W, b), x, labels, { epochs: 1, batchSize: N, learningRate: lr, weightDecay: wd, seed: 5 });
    const expectedW = Array.from(W, (w, i) => {
      const g = ref.gW[i] + wd * w;
      return w - (lr * g) / (Math.abs(g) + 1e-8);
    });
    expect(maxAbsDiff(init(r.graph, 'fc.weight'), expectedW)).toBeLessThan(2e-6);
  });

  it('reports progress after every step, with the fraction rising to 1', async () => {
    const seen: { epoch: number; step: number; fraction: number; loss: number }[] = [];
    await trainClassifier(linearModel([1, 2, 3], W, b), x, labels, { epochs: 2, batchSize: 4, seed: 5, onProgress: (p) => seen.push(p) });
    // 10 images in batches of 4: 3 steps per epoch.
    expect(seen.map((p) => [p.epoch, p.step])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    expect(seen.map((p) => p.fraction)).toEqual([1, 2, 3, 4, 5, 6].map((k) => k / 6));
    expect(seen.every((p) => Number.isFinite(p.loss) && p.loss > 0)).toBe(true);
  });
});

describe('trainClassifier on the synthetic EM defects', () => {
  const train = generateEmDefects({ count: 600, seed: 1 });
  const test = generateEmDefects({ count: 300, seed: 2 });
  let graph: Graph;
  let history: { epoch: number; loss: number; accuracy: number }[];
  const dir = tempDir();

  beforeAll(async () => {
    const r = await trainClassifier(tinyCnn({ seed: 3 }), train.images, train.labels, { epochs: 3, batchSize: 32, learningRate: 2e-3, seed: 4 });
    graph = r.graph;
    history = r.history;
  });
  afterAll(async () => (await dir).cleanup());

  it('lowers the loss every epoch and ends well above chance, on held-out images too', async () => {
    expect(history).toHaveLength(3);
    expect(history[0].loss).toBeGreaterThan(history[1].loss);
    expect(history[1].loss).toBeGreaterThan(history[2].loss);
    // Chance is ln 2 = 0.693 for two balanced classes.
    expect(history[0].loss).toBeLessThan(0.75);
    expect(history[2].loss).toBeLessThan(0.45);
    expect(history[2].accuracy).toBeGreaterThan(0.85);
    const model = new OnnxModel(graph);
    expect(accuracy(await model.forward(test.images), test.labels)).toBeGreaterThan(0.85);
  });

  it('changes exactly the trainable parameters', () => {
    const before = tinyCnn({ seed: 3 });
    expect(trainableParameters(before)).toEqual(['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias', 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    for (const [name, t] of before.initializers) {
      expect(graph.initializers.get(name)!.dims).toEqual(t.dims);
      expect(maxAbsDiff(init(graph, name), t.data as Float32Array), name).toBeGreaterThan(0);
    }
    expect(graph.nodes).toEqual(before.nodes);
    expect(graph.inputs).toEqual(before.inputs);
  });

  it('saves a standard .onnx that reloads with identical outputs and that onnxruntime opens directly', async () => {
    const { path } = await dir;
    const file = path('trained/model.onnx');
    await saveOnnxGraph(file, graph);
    const reloaded = await loadOnnxModel(file);
    const x = test.images;
    const a = await new OnnxModel(graph).forward(x);
    const b = await reloaded.forward(x);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    for (const [name, t] of graph.initializers) expect(Array.from(init(reloaded.graph, name)), name).toEqual(Array.from(t.data as Float32Array));

    const session = await ort.InferenceSession.create(file);
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['fc2_out']);
    const out = await session.run({ input: new ort.Tensor('float32', x.data.slice(0, 5 * 1024), [5, 1, 32, 32]) });
    expect(Array.from(out.fc2_out.data as Float32Array)).toEqual(Array.from(a.data.slice(0, 10)));
  });
});

describe('trainClassifier reproducibility', () => {
  const data = generateEmDefects({ count: 96, seed: 7 });
  const run = (seed: number) => trainClassifier(tinyCnn({ size: 32, seed: 1 }), data.images, data.labels, { epochs: 1, batchSize: 32, seed });

  it('gives bitwise identical weights and history for the same seed, different ones for another seed', async () => {
    const a = await run(9);
    const b = await run(9);
    const c = await run(10);
    for (const name of a.graph.initializers.keys()) expect(init(b.graph, name), name).toEqual(init(a.graph, name));
    expect(b.history).toEqual(a.history);
    // Another seed shuffles the minibatches differently.
    expect(init(c.graph, 'fc2.weight')).not.toEqual(init(a.graph, 'fc2.weight'));
  });
});

describe('trainClassifier input checks', () => {
  const g = linearModel([1, 2, 2], uniformValues(8, 1), [0, 0]);
  const x = randomTensor([3, 1, 2, 2], 2);

  it('rejects a label count that does not match the images', async () => {
    await expect(trainClassifier(g, x, [0, 1], { epochs: 1, seed: 0 })).rejects.toThrow('training: 3 images but 2 labels');
  });

  it('rejects labels that are not class indices, naming the first one', async () => {
    await expect(trainClassifier(g, x, [0, 2, 1], { epochs: 1, seed: 0 })).rejects.toThrow('label 2 at index 1 is not a class index in [0, 2)');
    await expect(trainClassifier(g, x, [0, 1, -1], { epochs: 1, seed: 0 })).rejects.toThrow(/label -1 at index 2/);
    await expect(trainClassifier(g, x, [0.5, 1, 1], { epochs: 1, seed: 0 })).rejects.toThrow(/label 0.5 at index 0/);
  });

  it('rejects images holding NaN or ±Infinity (which would silently turn every weight into NaN)', async () => {
    const bad = randomTensor([3, 1, 2, 2], 2);
    bad.data[5] = NaN;
    await expect(trainClassifier(g, bad, [0, 1, 1], { epochs: 1, seed: 0 })).rejects.toThrow('training: images hold a non-finite value (NaN) at flat index 5');
    bad.data[5] = Infinity;
    await expect(trainClassifier(g, bad, [0, 1, 1], { epochs: 1, seed: 0 })).rejects.toThrow(/non-finite value \(Infinity\) at flat index 5/);
  });

  it('rejects images of the wrong shape', async () => {
    await expect(trainClassifier(g, randomTensor([3, 1, 3, 3], 2), [0, 1, 1], { epochs: 1, seed: 0 })).rejects.toThrow(
      'training: images have shape [3, 1, 3, 3] but the model takes [N, 1, 2, 2]',
    );
  });
});

describe('accuracy', () => {
  it('counts rows whose argmax (first of ties) equals the label', () => {
    const logits = tensor([4, 3], [0.1, 0.9, 0.0, 2, 1, 0, 5, 5, 1, -1, -2, -0.5]);
    // argmax per row: 1, 0, 0 (tie → first), 2
    expect(accuracy(logits, [1, 0, 0, 2])).toBe(1);
    expect(accuracy(logits, [1, 1, 1, 2])).toBe(0.5);
    expect(accuracy(logits, [0, 1, 1, 0])).toBe(0);
    expect(accuracy(tensor([0, 3]), [])).toBeNaN();
  });
});
