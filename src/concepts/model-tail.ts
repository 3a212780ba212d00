/**
 * The part of a network after a named layer, as a model of its own whose input is that layer's
 * value: ICE's fidelity runs it on NMF-reconstructed activations. Works when every path from the
 * input to the output passes through the layer; a skip connection around it is refused.
 */
import { OnnxModel } from '../models/model.js';
import type { Graph, Node } from '../onnx/graph.js';
import { DataType, producers } from '../onnx/graph.js';

export function modelTail(model: OnnxModel, layer: string): OnnxModel {
  const value = model.resolveLayer(layer);
  const shape = model.layerShape(value);
  if (!shape || shape.slice(1).some((d) => !(d >= 1))) throw new Error(`layer '${layer}' has no static shape; cannot run the network from it`);
  const graph = model.graph;
  const made = producers(graph);
  const needed = new Set<Node>();
  const stack = [graph.outputs[0].name];
  const seen = new Set<string>();
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v) || v === value || v === '') continue;
    seen.add(v);
    if (v === model.inputName) {
      throw new Error(`the network reads its input after layer '${layer}' as well (a skip connection around it); pick a layer every path goes through`);
    }
    const node = made.get(v);
    if (!node) continue; // an initializer
    needed.add(node);
    stack.push(...node.inputs);
  }
  const tail: Graph = {
    ...graph,
    name: `${graph.name} after ${layer}`,
    nodes: graph.nodes.filter((n) => needed.has(n)),
    inputs: [{ name: value, dataType: DataType.FLOAT, shape: ['N', ...shape.slice(1)] }],
    outputs: [graph.outputs[0]],
  };
  return new OnnxModel(tail, { internalBatchSize: model.internalBatchSize, memoryBudget: model.memoryBudget });
}
