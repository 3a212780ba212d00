/**
 * Second-order reverse mode: the generated input-gradient graph is itself differentiated w.r.t. the
 * weights (what the right-for-the-right-reasons penalty needs). The first-order graph is run by the
 * float64 reference interpreter under finite differences of the weights, so the ORT second-order
 * gradients are checked against an independent computation of the same quantity.
 */
import { describe, expect, it } from 'vitest';
import { attr, floatTensorValue } from '../../../src/onnx/graph.js';
import { GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { OnnxModel } from '../../../src/models/model.js';
import { tinyCnn } from '../../../src/models/zoo/tiny-cnn.js';
import { trainableParameters } from '../../../src/models/train.js';
import { expectGradientsMatch } from './fd-harness.js';

/** The demo's architecture at 8×8: log-softmax → its input gradient → Σ(mask ⊙ ∂/∂x)², as one graph. */
function penaltyGraph() {
  const forward = tinyCnn({ size: 8, width: 2, hidden: 4, seed: 3 });
  const model = new OnnxModel(forward);
  const e = GraphEditor.from(forward);
  const logProbs = e.op('LogSoftmax', [model.outputName], { axis: attr.int(1) }, 'log_probs');
  const first = buildGradientGraph(e.build(), { outputs: [logProbs], wrt: [model.inputName], keep: [], differentiable: true });
  const g = GraphEditor.from(first.graph);
  g.outputs.length = 0;
  // The top-left 3×3 corner is the marked region.
  const mask = g.initializer('mask', floatTensorValue([1, 1, 8, 8], Array.from({ length: 64 }, (_, i) => (i % 8 < 3 && i < 24 ? 1 : 0))));
  const masked = g.op('Mul', [first.gradients[0], mask]);
  const penalty = g.op('ReduceSum', [g.op('Mul', [masked, masked])], { keepdims: attr.int(0) });
  g.output(penalty, []);
  return { graph: g.build(), weights: trainableParameters(forward), ops: new Set(first.graph.nodes.map((n) => n.opType)) };
}

describe('second-order gradients (input gradient differentiated w.r.t. the weights)', () => {
  it('the first-order graph holds the ops whose rules second order needs', () => {
    const { ops } = penaltyGraph();
    for (const op of ['ConvTranspose', 'Where', 'SpaceToDepth', 'Split', 'Equal', 'Concat', 'Transpose', 'Gemm', 'Exp']) expect(ops.has(op), op).toBe(true);
  });

  it('Σ(mask ⊙ ∂ log p/∂x)² w.r.t. every conv and dense weight matches finite differences', async () => {
    const { graph, weights } = penaltyGraph();
    const r = await expectGradientsMatch(graph, { wrtInitializers: weights, batch: 2, label: 'second order tiny CNN', maxProbes: 40 }, 2e-3);
    expect(Object.keys(r.errors)).toEqual(expect.arrayContaining(weights));
  });
});
