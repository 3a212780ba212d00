/**
 * TF.js layers models built with tfjs itself (every supported layer), saved as model.json +
 * weights.bin and loaded through the path API: forward equals tfjs's predict and the input gradient
 * equals tf.grad, with the NHWC ↔ NCHW transpose of the inputs and gradients.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type * as TF from '@tensorflow/tfjs';
import { loadTfjsModel } from '../../../src/models/import/tfjs-model.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { tempDir, uniformValues } from '../../helpers/models.js';
import { nhwcToNchw, saveTfjsModel, seedWeights, tfjs, tfjsReference } from './tfjs-reference.js';

const dir = tempDir();
afterAll(async () => (await dir).cleanup());

function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** Saves, loads through trustscope, and compares forward and input gradient with TF.js's own. */
async function compareWithTfjs(model: TF.LayersModel, name: string, nhwc: number[], { seed = 1, gradient = true } = {}): Promise<void> {
  const file = await saveTfjsModel(model, (await dir).path(name));
  const ours = await loadTfjsModel(file);
  try {
    const x = uniformValues(nhwc.reduce((a, b) => a * b, 1), seed, -1, 1);
    const k = ours.outputSize;
    const cot = uniformValues(nhwc[0] * k, seed + 1, -1, 1);
    const ref = await tfjsReference((v) => model.predict(v) as TF.Tensor, x, nhwc, cot, gradient);
    const image = nhwc.length === 4;
    const input = tensor(image ? [nhwc[0], nhwc[3], nhwc[1], nhwc[2]] : nhwc, image ? nhwcToNchw(x, nhwc) : x);
    const { output, inputGrad } = await ours.vjp(input, tensor([nhwc[0], k], cot));
    const scale = Math.max(...Array.from(ref.output, Math.abs));
    const maxDiff = Math.max(...Array.from(ref.output, (v, i) => Math.abs(output.data[i] - v)));
    expect(maxDiff / scale, `${name}: forward`).toBeLessThan(1e-5);
    if (!ref.grad) return;
    const want = image ? nhwcToNchw(ref.grad, nhwc) : ref.grad;
    expect(relativeL2(inputGrad.data, want), `${name}: input gradient`).toBeLessThan(1e-4);
  } finally {
    await ours.dispose();
  }
}

describe('TF.js layers models → ONNX', () => {
  it('sequential: rescaling, conv (same, odd size, stride 2), depthwise ×2, batch norm, ReLU(6), zero padding, separable, pools, flatten, dense softmax', async () => {
    const tf = await tfjs();
    const m = tf.sequential();
    m.add(tf.layers.rescaling({ inputShape: [9, 11, 3], scale: 0.5, offset: 0.25 }));
    m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: true }));
    m.add(tf.layers.batchNormalization({ epsilon: 0.01 }));
    m.add(tf.layers.reLU({ maxValue: 6 }));
    m.add(tf.layers.zeroPadding2d({ padding: [[1, 0], [0, 2]] }));
    m.add(tf.layers.separableConv2d({ filters: 5, kernelSize: 2, depthMultiplier: 2, padding: 'same', activation: 'tanh' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }));
    m.add(tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'valid' }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dropout({ rate: 0.5 }));
    m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
    seedWeights(m, 3);
    await compareWithTfjs(m, 'sequential', [2, 9, 11, 3]);
  });

  it('dilated convolutions and same-padded average pooling (forward only: TF.js has no gradient for dilation > 1)', async () => {
    const tf = await tfjs();
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [10, 9, 2], filters: 3, kernelSize: 3, dilationRate: [2, 1], padding: 'same', activation: 'relu' }));
    m.add(tf.layers.separableConv2d({ filters: 4, kernelSize: 2, dilationRate: 2, padding: 'same' }));
    // (No dilated DepthwiseConv2D: TF.js's layer ignores its dilation_rate; trustscope follows Keras and applies it.)
    m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'valid' }));
    m.add(tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 3 }));
    seedWeights(m, 4);
    await compareWithTfjs(m, 'dilated', [2, 10, 9, 2], { gradient: false });
  });

  it("same-padded average pooling: the gradient is the true derivative of TF's forward (TF.js's own gradient is not)", async () => {
    // TF's 'same' average excludes the padding from each border window's count; TF.js's CPU
    // AvgPoolGrad divides by the full window everywhere, so its border gradients disagree with its
    // own forward. The model is linear, so a central difference of our forward is exact to rounding.
    const tf = await tfjs();
    const m = tf.sequential();
    m.add(tf.layers.averagePooling2d({ inputShape: [5, 6, 2], poolSize: 3, strides: 2, padding: 'same' }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 2 }));
    seedWeights(m, 11);
    await compareWithTfjs(m, 'avg-same', [1, 5, 6, 2], { gradient: false });
    const ours = await loadTfjsModel((await dir).path('avg-same/model.json'));
    try {
      const x = tensor([1, 2, 5, 6], uniformValues(60, 12, -1, 1));
      const cot = tensor([1, 2], [0.7, -1.3]);
      const { inputGrad } = await ours.vjp(x, cot);
      const eps = 0.01;
      for (let i = 0; i < 60; i++) {
        const plus = Float32Array.from(x.data);
        const minus = Float32Array.from(x.data);
        plus[i] += eps;
        minus[i] -= eps;
        const [yp, ym] = [await ours.forward(tensor(x.shape, plus)), await ours.forward(tensor(x.shape, minus))];
        const fd = (0.7 * (yp.data[0] - ym.data[0]) - 1.3 * (yp.data[1] - ym.data[1])) / (2 * eps);
        expect(inputGrad.data[i]).toBeCloseTo(fd, 4);
      }
    } finally {
      await ours.dispose();
    }
  });

  it('functional: branches, add / multiply / average / maximum / concatenate, activations, global pools, leaky ReLU, ELU, softmax layer', async () => {
    const tf = await tfjs();
    const input = tf.input({ shape: [8, 8, 3] });
    const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'elu' }).apply(input) as TF.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'sigmoid' }).apply(input) as TF.SymbolicTensor;
    const c = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'swish' }).apply(input) as TF.SymbolicTensor;
    const sum = tf.layers.add().apply([a, b]) as TF.SymbolicTensor;
    const prod = tf.layers.multiply().apply([sum, c]) as TF.SymbolicTensor;
    const diff = tf.layers.add().apply([prod, a, b]) as TF.SymbolicTensor;
    const avg = tf.layers.average().apply([diff, b, c]) as TF.SymbolicTensor;
    const max = tf.layers.maximum().apply([avg, a]) as TF.SymbolicTensor;
    const cat = tf.layers.concatenate({ axis: -1 }).apply([max, b]) as TF.SymbolicTensor;
    const leaky = tf.layers.leakyReLU({ alpha: 0.2 }).apply(cat) as TF.SymbolicTensor;
    const pooled = tf.layers.maxPooling2d({ poolSize: 2 }).apply(leaky) as TF.SymbolicTensor;
    const elu = tf.layers.elu().apply(pooled) as TF.SymbolicTensor;
    const gap = tf.layers.globalAveragePooling2d({}).apply(elu) as TF.SymbolicTensor;
    const gmp = tf.layers.globalMaxPooling2d({}).apply(leaky) as TF.SymbolicTensor;
    const both = tf.layers.concatenate().apply([gap, gmp]) as TF.SymbolicTensor;
    const h = tf.layers.dense({ units: 6, activation: 'hardSigmoid' }).apply(both) as TF.SymbolicTensor;
    const h2 = tf.layers.activation({ activation: 'softplus' }).apply(h) as TF.SymbolicTensor;
    const h3 = tf.layers.dense({ units: 5, activation: 'selu' }).apply(h2) as TF.SymbolicTensor;
    const h4 = tf.layers.dense({ units: 5, activation: 'softsign' }).apply(h3) as TF.SymbolicTensor;
    const out = tf.layers.softmax().apply(tf.layers.dense({ units: 3, activation: 'relu6' }).apply(h4) as TF.SymbolicTensor) as TF.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    seedWeights(m, 5);
    await compareWithTfjs(m, 'functional', [3, 8, 8, 3]);
  });

  it('reshape between convolutions keeps TF’s NHWC order; a shared layer; dense on a vector model', async () => {
    const tf = await tfjs();
    const input = tf.input({ shape: [6, 6, 2] });
    const conv = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'valid', activation: 'tanh' }).apply(input) as TF.SymbolicTensor;
    const reshaped = tf.layers.reshape({ targetShape: [8, 2, 3] }).apply(conv) as TF.SymbolicTensor;
    const shared = tf.layers.conv2d({ filters: 3, kernelSize: 2, padding: 'same', activation: 'gelu' });
    const twice = shared.apply(shared.apply(reshaped) as TF.SymbolicTensor) as TF.SymbolicTensor;
    const flat = tf.layers.flatten().apply(twice) as TF.SymbolicTensor;
    const out = tf.layers.dense({ units: 4 }).apply(flat) as TF.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: out });
    seedWeights(m, 7);
    await compareWithTfjs(m, 'reshape', [2, 6, 6, 2]);

    const v = tf.sequential();
    v.add(tf.layers.dense({ inputShape: [7], units: 5, activation: 'relu' }));
    v.add(tf.layers.batchNormalization());
    v.add(tf.layers.dense({ units: 2 }));
    seedWeights(v, 9);
    await compareWithTfjs(v, 'vector', [4, 7]);
  });
});
