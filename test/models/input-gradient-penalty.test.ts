/**
 * The right-for-the-right-reasons training graph on softmax regression, where everything is known
 * in closed form: z = Wx + b, ∂ Σ_k s_k log p_k/∂x = Wᵀ(s − (Σ_k s_k)·p) for a selector s (all ones:
 * Ross et al.'s sum over classes; one-hot: the label's log-probability). The graph's penalty must
 * equal Σ (mask ⊙ that)², and its weight gradients those of CE + λ/B·penalty by float64 central
 * differences of the closed form.
 */
import { describe, expect, it } from 'vitest';
import { attr } from '../../src/onnx/graph.js';
import { createSession } from '../../src/onnx/runtime.js';
import { inputGradientPenaltyGraph } from '../../src/models/input-gradient-penalty.js';
import { weightsAsInputs } from '../../src/models/train.js';
import { OnnxModel } from '../../src/models/model.js';
import { tensor } from '../../src/tensor/tensor.js';
import { linearModel, randomTensor, uniformValues } from '../helpers/models.js';

const D = 6;
const K = 3;
const N = 5;
const W = uniformValues(K * D, 11, -0.8, 0.8);
const b = uniformValues(K, 12, -0.5, 0.5);
const x = randomTensor([N, 1, 2, 3], 13, -1, 1);
const labels = [0, 2, 1, 1, 0];
const mask = Float32Array.from([1, 1, 0, 0, 1, 0]);
const lambda = 0.7;

/** CE (mean) and the penalty in float64, for a selector per row. */
function closedForm(w: ArrayLike<number>, bias: ArrayLike<number>, selector: (i: number) => number[]) {
  let ce = 0;
  let penalty = 0;
  for (let i = 0; i < N; i++) {
    const z = Array.from({ length: K }, (_, c) => bias[c] + Array.from({ length: D }, (_, j) => w[c * D + j] * x.data[i * D + j]).reduce((s, v) => s + v, 0));
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((s, v) => s + v, 0);
    const p = e.map((v) => v / sum);
    ce -= Math.log(p[labels[i]]) / N;
    const s = selector(i);
    const total = s.reduce((a, v) => a + v, 0);
    for (let j = 0; j < D; j++) {
      let g = 0;
      for (let c = 0; c < K; c++) g += w[c * D + j] * (s[c] - total * p[c]);
      penalty += (mask[j] * g) ** 2;
    }
  }
  return { ce, penalty, loss: ce + (lambda / N) * penalty };
}

async function run(selector: (i: number) => number[]) {
  const graph = linearModel([1, 2, 3], W, b);
  const model = new OnnxModel(graph);
  const weights = weightsAsInputs(graph);
  const logProbs = weights.editor.op('LogSoftmax', [model.outputName], { axis: attr.int(1) });
  const pg = inputGradientPenaltyGraph(weights.editor.build(), model.inputName, logProbs, mask, weights.names);
  const session = await createSession(pg.gradients.graph);
  const onehot = new Float32Array(N * K);
  labels.forEach((l, i) => (onehot[i * K + l] = -1 / N));
  const out = await session.run({
    [model.inputName]: x,
    ...weights.feeds(),
    [pg.selector]: tensor([N, K], Float32Array.from({ length: N * K }, (_, q) => selector(Math.floor(q / K))[q % K])),
    [pg.gradients.cotangents[0]]: tensor([N, K], onehot),
    [pg.gradients.cotangents[1]]: tensor([], [lambda / N]),
  });
  await session.release();
  const grads = Object.fromEntries(weights.names.map((n, k) => [n, out[pg.gradients.gradients[k]].data]));
  return { penalty: out[pg.value].data[0], grads };
}

function centralDifferences(selector: (i: number) => number[]) {
  const h = 1e-6;
  const at = (w: Float64Array, bias: Float64Array) => closedForm(w, bias, selector).loss;
  const w0 = Float64Array.from(W);
  const b0 = Float64Array.from(b);
  const dW = Array.from(w0, (_, i) => {
    const [p, m] = [w0.slice(), w0.slice()];
    p[i] += h;
    m[i] -= h;
    return (at(p, b0) - at(m, b0)) / (2 * h);
  });
  const db = Array.from(b0, (_, i) => {
    const [p, m] = [b0.slice(), b0.slice()];
    p[i] += h;
    m[i] -= h;
    return (at(w0, p) - at(w0, m)) / (2 * h);
  });
  return { 'fc.weight': dW, 'fc.bias': db };
}

function relativeL2(a: ArrayLike<number>, e: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < e.length; i++) {
    d += (a[i] - e[i]) ** 2;
    n += e[i] ** 2;
  }
  return Math.sqrt(d / n);
}

describe('input-gradient penalty graph (second-order reverse mode) on softmax regression', () => {
  const selectors: [string, (i: number) => number[]][] = [
    ['all classes (Ross et al.)', () => [1, 1, 1]],
    ['the label only', (i) => Array.from({ length: K }, (_, c) => (c === labels[i] ? 1 : 0))],
  ];
  for (const [name, selector] of selectors) {
    it(`${name}: the penalty is Σ(mask ⊙ ∂/∂x)² and the weight gradients match central differences`, async () => {
      const r = await run(selector);
      const ref = closedForm(W, b, selector);
      expect(Math.abs(r.penalty - ref.penalty) / ref.penalty).toBeLessThan(1e-5);
      const fd = centralDifferences(selector);
      for (const name of ['fc.weight', 'fc.bias'] as const) expect(relativeL2(r.grads[name], fd[name]), name).toBeLessThan(1e-4);
    });
  }

  it('a mask that does not fit the input is refused with the fix', () => {
    const graph = linearModel([1, 2, 3], W, b);
    const weights = weightsAsInputs(graph);
    const logProbs = weights.editor.op('LogSoftmax', [new OnnxModel(graph).outputName], { axis: attr.int(1) });
    expect(() => inputGradientPenaltyGraph(weights.editor.build(), 'x', logProbs, new Float32Array(5), weights.names)).toThrow(
      /the mask has 5 values but the model takes \[1, 2, 3\]; give an \[H, W\] or \[C, H, W\] mask/,
    );
  });
});

describe('trainClassifier with inputGradientPenalty (a real run, small)', () => {
  it('moves the input gradient out of the masked corner, where the unpenalised run puts it', async () => {
    const { generateEmDefects, cornerMask } = await import('../../src/data/synthetic/em-defects.js');
    const { tinyCnn } = await import('../../src/models/zoo/tiny-cnn.js');
    const { trainClassifier } = await import('../../src/models/train.js');
    const size = 16;
    const data = generateEmDefects({ count: 400, seed: 4, size, artifact: 'with-defect', artifactSize: 3, radius: [2, 3], contrast: [0.2, 0.4] });
    const corner = cornerMask(size, 3);
    /** Share of Σ|∂ Σ_k log p_k/∂x| that falls in the corner, over the training tiles. */
    const cornerShare = async (graph: import('../../src/onnx/graph.js').Graph) => {
      const model = new OnnxModel(graph);
      const logits = await model.forward(data.images);
      const cot = new Float32Array(logits.data.length);
      for (let i = 0; i < logits.shape[0]; i++) {
        const z = [logits.data[2 * i], logits.data[2 * i + 1]];
        const m = Math.max(...z);
        const e = z.map((v) => Math.exp(v - m));
        // ∂ Σ_k log p_k/∂z = 1 − K·p.
        for (let c = 0; c < 2; c++) cot[2 * i + c] = 1 - (2 * e[c]) / (e[0] + e[1]);
      }
      const { inputGrad } = await model.vjp(data.images, tensor(logits.shape, cot));
      let inCorner = 0;
      let all = 0;
      inputGrad.data.forEach((v, q) => {
        all += Math.abs(v);
        if (corner[q % (size * size)] > 0.5) inCorner += Math.abs(v);
      });
      await model.dispose();
      return inCorner / all;
    };
    const recipe = { epochs: 4, batchSize: 32, learningRate: 3e-3, seed: 2 };
    const plain = await trainClassifier(tinyCnn({ size, seed: 1 }), data.images, data.labels, recipe);
    const penalised = await trainClassifier(tinyCnn({ size, seed: 1 }), data.images, data.labels, { ...recipe, inputGradientPenalty: { mask: corner, lambda: 100 } });
    const [before, after] = [await cornerShare(plain.graph), await cornerShare(penalised.graph)];
    // The corner is 9 of 256 pixels (3.5%): the plain run puts over 3× that share of its gradient
    // there (measured 15.8%), the penalised run under half of it (1.3%).
    const area = 9 / 256;
    expect(before).toBeGreaterThan(3 * area);
    expect(after).toBeLessThan(area / 2);
  }, 300_000);
});
