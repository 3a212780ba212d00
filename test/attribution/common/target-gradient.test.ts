/**
 * The predicted class chosen inside the gradient graph (no forward pass first) gives the same maps
 * and the same reported classes as an explicit target of the forward pass's predicted class, for
 * every method that takes the gradient at the inputs, at several batch sizes and row chunkings,
 * with ties in the logits resolved to the first class as argmaxRows does.
 */
import { describe, expect, it, vi } from 'vitest';
import { gradCam } from '../../../src/attribution/grad-cam.js';
import { guidedBackprop } from '../../../src/attribution/guided-backprop.js';
import { inputXGradient } from '../../../src/attribution/input-x-gradient.js';
import { saliency } from '../../../src/attribution/saliency.js';
import { targetVjp } from '../../../src/attribution/common/target-gradient.js';
import { deepLift } from '../../../src/attribution/deeplift.js';
import type { Explainer, ExplainOptions } from '../../../src/attribution/explainer.js';
import { OnnxModel } from '../../../src/models/model.js';
import { tinyCnn } from '../../../src/models/zoo/tiny-cnn.js';
import { argmaxRows } from '../../../src/tensor/tensor.js';
import { linearModel, randomTensor } from '../../helpers/models.js';

/** Runs `f` with every OnnxModel's forward() refusing (variants made by withBackwardRules too): proves no forward pass ran for the target. */
async function withoutForward<T>(f: () => Promise<T>): Promise<T> {
  const spy = vi.spyOn(OnnxModel.prototype, 'forward').mockRejectedValue(new Error('forward pass run for the target'));
  try {
    return await f();
  } finally {
    spy.mockRestore();
  }
}

const graph = tinyCnn({ size: 8, seed: 3, classes: 5 });
const methods: [Explainer<ExplainOptions & { layer?: string }>, Record<string, unknown>][] = [
  [saliency, {}],
  [inputXGradient, {}],
  [guidedBackprop, {}],
  [gradCam, { layer: 'relu2' }],
];

describe('the predicted class chosen inside the gradient graph', () => {
  for (const [method, options] of methods) {
    it(`${method.name}: same maps and classes as an explicit target of the forward pass's prediction (batches 1, 3, 7; 2 rows per ORT call)`, async () => {
      for (const n of [1, 3, 7]) {
        const x = randomTensor([n, 1, 8, 8], 10 + n);
        const reference = new OnnxModel(graph, { internalBatchSize: 2 });
        const predicted = argmaxRows(await reference.forward(x));
        const explicit = await method.attribute(reference, x, { ...options, target: predicted });
        const implicit = await withoutForward(() => method.attribute(new OnnxModel(graph, { internalBatchSize: 2 }), x, options));
        expect(implicit.targets, `n=${n}`).toEqual(predicted);
        expect(Array.from(implicit.values.data), `n=${n}`).toEqual(Array.from(explicit.values.data));
      }
    });
  }

  it('ties in the logits go to the first tied class, as argmaxRows (exact ties by equal weight rows)', async () => {
    // Logits of a row with pixel sum s: class 0 −s, classes 1 and 3 both 0.5·s (always tied),
    // class 2 zero. s > 0: 1 and 3 tie for the maximum (→ 1); s = 0: all four tie (→ 0).
    const d = 6;
    const w = new Float32Array(4 * d);
    for (let j = 0; j < d; j++) {
      w[0 * d + j] = -1;
      w[1 * d + j] = 0.5;
      w[3 * d + j] = 0.5;
    }
    const linear = () => new OnnxModel(linearModel([1, 2, 3], w, [0, 0, 0, 0]), { internalBatchSize: 3 });
    const x = randomTensor([5, 1, 2, 3], 2, -1, 1);
    const fill = (row: number, v: number) => x.data.fill(v, row * d, (row + 1) * d);
    fill(0, 0.5);
    fill(1, -0.5);
    fill(2, 0);
    const expected = argmaxRows(await linear().forward(x));
    expect(expected.slice(0, 3)).toEqual([1, 0, 0]);
    const run = await withoutForward(() => targetVjp(linear(), x, undefined));
    expect(run.classes).toEqual(expected);
    // The gradient is the chosen class's weight row: class 1's, not class 3's (equal here), once.
    expect(Array.from(run.inputGrad.data.subarray(0, d))).toEqual(Array.from(w.subarray(d, 2 * d)));
  });

  it('DeepLIFT (input/baseline row pairs): the input row’s class for both rows, as an explicit target; an explicit target takes the forward-pass path', async () => {
    for (const n of [1, 4]) {
      const x = randomTensor([n, 1, 8, 8], 20 + n);
      const reference = new OnnxModel(graph, { internalBatchSize: 2 });
      const predicted = argmaxRows(await reference.forward(x));
      const explicit = await deepLift.attribute(reference, x, { target: predicted, baseline: 0.2 });
      const implicit = await withoutForward(() => deepLift.attribute(new OnnxModel(graph, { internalBatchSize: 2 }), x, { baseline: 0.2 }));
      expect(implicit.targets, `n=${n}`).toEqual(predicted);
      expect(Array.from(implicit.values.data), `n=${n}`).toEqual(Array.from(explicit.values.data));
      expect(implicit.extras?.convergenceDelta).toEqual(explicit.extras?.convergenceDelta);
    }
  });
});
