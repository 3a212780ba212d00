/**
 * Dense (per-pixel) outputs: OnnxModel accepts [N, K, H, W] and speaks the flat [N, K·H·W] form,
 * checked against the float64 interpreter and central finite differences, and against the closed
 * form of a 1×1-conv segmenter.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/models/model.js';
import { tinySegmenter } from '../../src/models/zoo/tiny-segmenter.js';
import { refTensor, runReference } from '../onnx/reference-interpreter.js';
import { pointwiseSegmenter, randomTensor, relativeL2 } from '../helpers/models.js';
import { tensor } from '../../src/tensor/tensor.js';
import { denseShape, isDenseModel, pixelProbabilities, predictedPixelClasses } from '../../src/models/dense-output.js';

describe('OnnxModel with a dense output', () => {
  const graph = tinySegmenter({ size: 6, classes: 3, width: 3, seed: 4 });
  const model = new OnnxModel(graph, { internalBatchSize: 2 });
  const x = randomTensor([3, 1, 6, 6], 5, -1, 1);
  const logits = graph.outputs[0].name;
  const reference = (xs: Float64Array) => runReference(graph, { input: refTensor(x.shape, xs) }).get(logits)!.data;

  it('reports the per-example output shape and the flat size', () => {
    expect(model.outputShape).toEqual([3, 6, 6]);
    expect(model.outputSize).toBe(108);
    // the dense logits stay addressable as a layer; the user's graph output is what the model returns
    expect(model.layers).toContain(logits);
  });

  it('forward returns [N, K·H·W] rows in C order (k·H·W + y·W + x), batched over internalBatchSize', async () => {
    const y = await model.forward(x);
    expect(y.shape).toEqual([3, 108]);
    expect(relativeL2(y.data, reference(Float64Array.from(x.data)))).toBeLessThan(1e-5);
    expect((await model.forward(tensor([0, 1, 6, 6]))).shape).toEqual([0, 108]);
  });

  it('vjp with an [N, K·H·W] cotangent matches central finite differences (float64)', async () => {
    const cot = randomTensor([3, 108], 7, -1, 1);
    const { output, inputGrad } = await model.vjp(x, cot);
    expect(output.shape).toEqual([3, 108]);
    const loss = (xs: Float64Array) => reference(xs).reduce((s, v, i) => s + v * cot.data[i], 0);
    const base = Float64Array.from(x.data);
    const fd = new Float64Array(base.length);
    const eps = 1e-6;
    for (let i = 0; i < base.length; i++) {
      const plus = base.slice();
      const minus = base.slice();
      plus[i] += eps;
      minus[i] -= eps;
      fd[i] = (loss(plus) - loss(minus)) / (2 * eps);
    }
    expect(relativeL2(inputGrad.data, fd)).toBeLessThan(1e-4);
  });

  it('refuses a cotangent of the dense shape with the flat shape it needs', async () => {
    await expect(model.vjp(x, tensor([3, 3, 6, 6]))).rejects.toThrow('must be [3, 108]');
  });

  it('withParameters copies keep the dense shape', async () => {
    const copy = model.withParameters({ kind: 'reinitialise', parameters: ['classifier.weight'], seed: 1 });
    expect(copy.outputShape).toEqual([3, 6, 6]);
    expect((await copy.forward(x)).shape).toEqual([3, 108]);
  });

  it('a 1×1-conv segmenter: the gradient of one pixel logit is W[k, :] at that pixel and 0 elsewhere', async () => {
    const w = [0.5, -2, 1.5, 3]; // W [K=2, C=2]
    const seg = new OnnxModel(pointwiseSegmenter([2, 3, 4], w, [0.1, -0.2]));
    const xs = randomTensor([1, 2, 3, 4], 3);
    const cot = new Float32Array(2 * 12);
    const k = 1, py = 2, px = 1;
    cot[k * 12 + py * 4 + px] = 1;
    const { output, inputGrad } = await seg.vjp(xs, tensor([1, 24], cot));
    const expected = new Float32Array(24);
    expected[0 * 12 + py * 4 + px] = w[k * 2 + 0];
    expected[1 * 12 + py * 4 + px] = w[k * 2 + 1];
    expect(Array.from(inputGrad.data)).toEqual(Array.from(expected));
    const at = (c: number) => xs.data[c * 12 + py * 4 + px];
    expect(output.data[k * 12 + py * 4 + px]).toBeCloseTo(w[2] * at(0) + w[3] * at(1) - 0.2, 5);
  });
});

describe('reading a flat dense output (dense-output.ts)', () => {
  const shape = { classes: 3, height: 1, width: 2 };
  // pixel 0: logits (1, 3, 3) → tie between 1 and 2, first wins; pixel 1: (0, ln 2, ln 5)
  const out = tensor([1, 6], [1, 0, 3, Math.log(2), 3, Math.log(5)]);

  it('predicted classes are the argmax over K per pixel, the first maximum on ties (torch.argmax)', () => {
    expect(Array.from(predictedPixelClasses(out, shape))).toEqual([1, 2]);
    expect(() => predictedPixelClasses(tensor([1, 5]), shape)).toThrow(/need \[1, 6\]/);
  });

  it('per-pixel probabilities are a softmax over K, one row per pixel', () => {
    const p = pixelProbabilities(out, shape);
    const e = [Math.exp(1), Math.exp(3), Math.exp(3)];
    const s = e[0] + e[1] + e[2];
    [e[0] / s, e[1] / s, e[2] / s, 1 / 8, 2 / 8, 5 / 8].forEach((v, i) => expect(p[i]).toBeCloseTo(v, 6));
  });

  it('denseShape refuses a vector model, naming the caller', () => {
    expect(isDenseModel({ outputShape: [3, 4, 4] })).toBe(true);
    expect(() => denseShape({ outputShape: [10] }, 'the IoU check')).toThrow('the IoU check needs a model with per-pixel outputs [K, H, W]; this one gives [10] per image');
  });
});
