/**
 * β-smoothing (Dombrowski et al. 2019, "Explanations can be manipulated and geometry is to blame"):
 * every ReLU becomes softplus_β(x) = softplus(β·x)/β. A ReLU network is piecewise linear, so its
 * input gradient is piecewise constant and its Hessian is zero almost everywhere: gradient descent
 * on a loss that contains the input gradient (an attack on a saliency map) gets no signal. The
 * softplus network is smooth, tends to the ReLU network as β → ∞, and its input gradient has the
 * curvature the attack follows; the perturbation found on it is then judged on the original network.
 *
 * ONNX's Softplus has no β, so the rewrite is Mul(Softplus(Mul(x, β)), 1/β). Only ReLU is rewritten
 * (MaxPool and the linear layers are piecewise linear too, but their kinks are measure-zero and
 * their gradient is not a step function of the input).
 */
import type { Graph, Node } from './graph.js';
import { floatTensorValue } from './graph.js';
import { GraphEditor } from './editor.js';

export interface SmoothedGraph {
  readonly graph: Graph;
  /** How many ReLU nodes were replaced (0: the network had no ReLU; smoothing changed nothing). */
  readonly replaced: number;
}

/** The graph with every ReLU replaced by softplus_β; the values keep their names, so outputs and layers are unchanged. */
export function smoothRelus(graph: Graph, beta: number): SmoothedGraph {
  if (!(beta > 0) || !Number.isFinite(beta)) throw new Error(`softplus smoothing: β must be a positive number (got ${beta}); larger β is closer to the ReLU network`);
  const relus = graph.nodes.filter((n) => n.opType === 'Relu');
  if (relus.length === 0) return { graph, replaced: 0 };
  const e = GraphEditor.from(graph);
  const betaValue = e.initializer('softplus_beta', floatTensorValue([], [beta]));
  const inverse = e.initializer('softplus_inverse_beta', floatTensorValue([], [1 / beta]));
  // The editor appends; the replacement nodes are spliced in place of each ReLU so the order stays topological.
  const appended = e.nodes.length;
  const replacements = new Map<Node, Node[]>();
  for (const relu of relus) {
    const scaled = e.op('Mul', [relu.inputs[0], betaValue], {}, `${relu.name}_beta`);
    const soft = e.op('Softplus', [scaled], {}, `${relu.name}_softplus`);
    const mul: Node = { name: e.freshNodeName(`${relu.name}_smoothed`), opType: 'Mul', domain: '', inputs: [soft, inverse], outputs: [relu.outputs[0]], attributes: {} };
    replacements.set(relu, [...e.nodes.splice(appended), mul]);
  }
  const nodes = e.nodes.flatMap((n) => replacements.get(n) ?? [n]);
  return { graph: { ...e.build(), nodes }, replaced: relus.length };
}
