/**
 * The predicted class as the cotangent of a gradient graph, chosen inside the graph.
 *
 * Explaining the predicted class (every method's default target) used to cost a forward pass of
 * its own before the gradient pass: 0.5–0.7 s of CPU on ResNet-18 at 224², 16 images. But the
 * gradient graph computes the logits itself, and the cotangent is needed only after them. So the
 * cotangent input is replaced by nodes that read the graph's own output [N, K], in groups of
 * `group` rows (DeepLIFT's rules take input/baseline pairs: both rows explain the input's class):
 *
 *   Reshape [N/g, g, K] → Gather row 0 of each group → ArgMax (keepdims) [N/g, 1, 1]
 *   → Equal against [g, K] class positions (broadcast [N/g, g, K]) → Reshape [N, K] → Cast float
 *
 * ArgMax returns the first index of a tie (select_last_index = 0, the default), the rule of
 * argmaxRows in tensor.ts that the forward-pass path applies, so ties choose alike. The one-hot is
 * also a graph output: the caller reads the classes from it and checks them against argmaxRows of
 * the logits the same run returns (NaN logits are where ONNX's ArgMax and JS's comparison could
 * part). Equal on int64 and Cast exist from opset 7; older graphs keep the forward-pass path.
 */
import type { Graph, Node } from '../onnx/graph.js';
import { DataType, attr, int64TensorValue } from '../onnx/graph.js';
import type { GradientGraph } from '../onnx/autodiff/gradient.js';
import type { Tensor } from '../tensor/tensor.js';

/** Lowest opset whose Equal takes int64 (Equal-7). */
export const PREDICTED_COTANGENT_MIN_OPSET = 7;

/**
 * `gradient` (built for outputs [output]) with its cotangent input computed in the graph: per group
 * of `group` rows, the one-hot of the argmax of the group's first row of `output` ([N, classes]);
 * the one-hot comes out under the name the cotangent input had. Null when the opset is too old.
 */
export function withPredictedCotangent(gradient: GradientGraph, output: string, classes: number, group = 1): GradientGraph | null {
  const { graph } = gradient;
  if (graph.opsetVersion < PREDICTED_COTANGENT_MIN_OPSET || gradient.cotangents.length !== 1) return null;
  const cotangent = gradient.cotangents[0];
  const producer = graph.nodes.findIndex((n) => n.outputs.includes(output));
  if (producer < 0) throw new Error(`withPredictedCotangent: no node computes '${output}' in '${graph.name}'`);
  const taken = new Set([...graph.nodes.flatMap((n) => [n.name, ...n.outputs]), ...graph.inputs.map((i) => i.name), ...graph.initializers.keys()]);
  const fresh = (base: string): string => {
    let name = `${cotangent}_${base}`;
    while (taken.has(name)) name += '_';
    taken.add(name);
    return name;
  };
  const initializers = new Map(graph.initializers);
  const constant = (base: string, dims: number[], values: number[]): string => {
    const name = fresh(base);
    initializers.set(name, int64TensorValue(dims, values));
    return name;
  };
  const chosen: Node[] = [];
  const op = (opType: string, inputs: string[], attributes: Node['attributes'] = {}, out = fresh(opType.toLowerCase())): string => {
    chosen.push({ name: fresh(`${opType}_node`), opType, domain: '', inputs, outputs: [out], attributes });
    return out;
  };
  const grouped = op('Reshape', [output, constant('group_shape', [3], [-1, group, classes])]);
  const first = op('Gather', [grouped, constant('first_row', [1], [0])], { axis: attr.int(1) });
  const index = op('ArgMax', [first], { axis: attr.int(2), keepdims: attr.int(1) });
  const positions = constant('class_positions', [group, classes], Array.from({ length: group * classes }, (_, i) => i % classes));
  const isPredicted = op('Equal', [index, positions]);
  const rows = op('Reshape', [isPredicted, constant('row_shape', [2], [-1, classes])]);
  op('Cast', [rows], { to: attr.int(DataType.FLOAT) }, cotangent);
  const predicted: Graph = {
    ...graph,
    nodes: [...graph.nodes.slice(0, producer + 1), ...chosen, ...graph.nodes.slice(producer + 1)],
    initializers,
    inputs: graph.inputs.filter((i) => i.name !== cotangent),
    outputs: [...graph.outputs, { name: cotangent, dataType: DataType.FLOAT, shape: ['N', classes] }],
  };
  return { ...gradient, graph: predicted };
}

/** The class of each row of a one-hot [N, K] cotangent (−1 for a row without a one). */
export function classesOfOneHot(oneHot: Tensor): number[] {
  const [n, k] = oneHot.shape;
  return Array.from({ length: n }, (_, i) => {
    for (let j = 0; j < k; j++) if (oneHot.data[i * k + j] === 1) return j;
    return -1;
  });
}
