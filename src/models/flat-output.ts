/**
 * A model's output as [N, K] rows: dense outputs (segmentation logits) are flattened in the graph,
 * so every method, metric and batching path works on [N, K] cotangents.
 */
import type { Graph, Node } from '../onnx/graph.js';
import { DataType, attr } from '../onnx/graph.js';
import { inferShapes } from '../onnx/shapes.js';
import { sizeOf } from '../tensor/tensor.js';

/**
 * The graph's output shape per example, and the graph whose output is [N, K]: a dense output
 * [N, K, H, W] (or any rank ≥ 3) gets a Flatten(axis=1) appended, so forward/vjp return
 * [N, K·H·W] rows (C order: index k·H·W + y·W + x) and every method, metric and batching path
 * keeps working on [N, K] cotangents. Flatten's gradient is a reshape back (autodiff/flatten.ts).
 */
export function flatOutput(graph: Graph): { graph: Graph; outputShape: number[] } {
  const out = graph.outputs[0];
  const inferred = inferShapes(graph).shapes.get(out.name) ?? out.shape?.map((d) => (typeof d === 'number' ? d : -1));
  const perExample = inferred?.slice(1);
  if (!inferred || inferred.length < 2 || perExample!.some((d) => !(d >= 1))) {
    throw new Error(`model output '${out.name}' must have shape [N, K] or [N, K, H, W] with static sizes after the batch (got ${JSON.stringify(inferred)})`);
  }
  if (inferred.length === 2) return { graph, outputShape: perExample! };
  const taken = new Set([...graph.nodes.flatMap((n) => n.outputs), ...graph.inputs.map((i) => i.name), ...graph.initializers.keys()]);
  let name = `${out.name}_flat`;
  while (taken.has(name)) name += '_';
  const flatten: Node = { name: `${name}_node`, opType: 'Flatten', domain: '', inputs: [out.name], outputs: [name], attributes: { axis: attr.int(1) } };
  return {
    graph: { ...graph, nodes: [...graph.nodes, flatten], outputs: [{ name, dataType: DataType.FLOAT, shape: ['N', sizeOf(perExample!)] }, ...graph.outputs.slice(1)] },
    outputShape: perExample!,
  };
}
