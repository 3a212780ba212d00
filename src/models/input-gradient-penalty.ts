/**
 * The training graph of "right for the right reasons" (Ross, Hughes & Doshi-Velez 2017): besides the
 * log-probabilities, the graph computes the input gradient ∂ log p_y/∂x (a first-order backward
 * graph, the class picked by a one-hot `selector` input) and the penalty Σ (mask ⊙ ∂ log p_y/∂x)²
 * over the batch; it then differentiates *that* graph w.r.t. the weights — second-order reverse
 * mode, the backward graph itself run backwards (test/onnx/autodiff/second-order.test.ts checks it
 * against finite differences). One ORT call returns log-probabilities, the penalty and the weight
 * gradients of CE·(its cotangent) + penalty·(its cotangent).
 */
import type { Graph } from '../onnx/graph.js';
import { attr, floatTensorValue } from '../onnx/graph.js';
import { GraphEditor } from '../onnx/editor.js';
import { buildGradientGraph, type GradientGraph } from '../onnx/autodiff/gradient.js';
import { inferShapes } from '../onnx/shapes.js';

export interface InputGradientPenaltyGraph {
  /** Cotangents: [log-probabilities (the CE's), penalty (λ/B)]; gradients: one per weight. */
  readonly gradients: GradientGraph;
  /** The [B, K] input choosing which log-probability's input gradient is penalised (one-hot of the label). */
  readonly selector: string;
  /** The scalar penalty Σ (mask ⊙ ∂ log p_y/∂x)² (without λ). */
  readonly value: string;
}

/** The mask as [1, C or 1, H, W], after checking it against the model's input [C, H, W]. */
function maskDims(mask: Float32Array, input: readonly number[]): number[] {
  const [c, h, w] = input;
  if (mask.length === h * w) return [1, 1, h, w];
  if (mask.length === c * h * w) return [1, c, h, w];
  throw new Error(`input-gradient penalty: the mask has ${mask.length} values but the model takes [${c}, ${h}, ${w}]; give an [H, W] or [C, H, W] mask`);
}

export function inputGradientPenaltyGraph(training: Graph, input: string, logProbs: string, mask: Float32Array, weights: readonly string[]): InputGradientPenaltyGraph {
  const inputShape = inferShapes(training).shapes.get(input)?.slice(1) ?? [];
  const dims = maskDims(mask, inputShape);
  const first = buildGradientGraph(training, { outputs: [logProbs], wrt: [input], keep: [logProbs], differentiable: true });
  const e = GraphEditor.from(first.graph);
  e.outputs.length = 0;
  const maskValue = e.initializer('right_reasons_mask', floatTensorValue(dims, mask));
  const masked = e.op('Mul', [first.gradients[0], maskValue], {}, 'right_reasons_masked');
  const value = e.op('ReduceSum', [e.op('Mul', [masked, masked])], { keepdims: attr.int(0) }, 'right_reasons_penalty');
  e.output(logProbs);
  e.output(value, []);
  const gradients = buildGradientGraph(e.build(), { outputs: [logProbs, value], wrt: weights, keep: [logProbs, value] });
  return { gradients, selector: first.cotangents[0], value };
}
