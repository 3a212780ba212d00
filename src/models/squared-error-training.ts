/**
 * The training graph of a squared-error fit (a regressor's targets, an autoencoder's own pixels):
 * the model with its weights as inputs, (output − target)² per output, and its gradient w.r.t. every
 * weight, in one ONNX Runtime session. The callers feed the mean's cotangent 1/(B·width).
 */
import type { Graph } from '../onnx/graph.js';
import { buildGradientGraph, type GradientGraph } from '../onnx/autodiff/gradient.js';
import { createSession, type Session } from '../onnx/runtime.js';
import { weightsAsInputs, type WeightsAsInputs } from './train.js';

export interface SquaredErrorTraining {
  readonly weights: WeightsAsInputs;
  /** Input name of the targets [N, width]. */
  readonly target: string;
  /** Output name of the per-element squared errors [N, width]. */
  readonly squared: string;
  readonly grads: GradientGraph;
  readonly session: Session;
}

export async function squaredErrorTraining(graph: Graph, outputName: string, width: number): Promise<SquaredErrorTraining> {
  const weights = weightsAsInputs(graph);
  const { names, editor } = weights;
  const target = editor.input('train_target', ['N', width]);
  const diff = editor.op('Sub', [outputName, target], {}, 'train_error');
  const squared = editor.op('Mul', [diff, diff], {}, 'train_squared_error');
  const grads = buildGradientGraph(editor.build(), { outputs: [squared], wrt: names, keep: [squared] });
  return { weights, target, squared, grads, session: await createSession(grads.graph) };
}
