/**
 * Cutting a graph at inner values: the part that computes `outputs` when `inputs` (graph inputs or
 * inner values) are fed. How an encoder–decoder's training graph yields its encoder alone (image →
 * latent) and its decoder alone (latent → spectrum), with the same weights and no copy of the code
 * that built them. Only the nodes and initializers the outputs need are kept.
 */
import type { Dim, Graph, Node, ValueInfo } from './graph.js';
import { DataType, producers } from './graph.js';

export interface CutValue {
  name: string;
  /** Shape with 'N' for the batch; needed for an inner value turned into an input. */
  shape: readonly Dim[];
}

export function subgraph(graph: Graph, inputs: readonly CutValue[], outputs: readonly CutValue[], name = graph.name): Graph {
  const fed = new Set(inputs.map((i) => i.name));
  const made = producers(graph);
  const graphInputs = new Set(graph.inputs.map((i) => i.name));
  const needed = new Set<Node>();
  const usedInitializers = new Set<string>();
  const stack = outputs.map((o) => o.name);
  const seen = new Set<string>();
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v === '' || seen.has(v)) continue;
    seen.add(v);
    if (fed.has(v)) continue;
    if (graph.initializers.has(v)) {
      usedInitializers.add(v);
      continue;
    }
    const node = made.get(v);
    if (!node) {
      if (graphInputs.has(v)) throw new Error(`subgraph: output(s) ${outputs.map((o) => o.name).join(', ')} need the graph input '${v}', which is not among the fed values (${[...fed].join(', ')})`);
      throw new Error(`subgraph: value '${v}' is not defined in graph '${graph.name}'`);
    }
    if (needed.has(node)) continue;
    needed.add(node);
    stack.push(...node.inputs);
  }
  const asInfo = (c: CutValue): ValueInfo => ({ name: c.name, dataType: DataType.FLOAT, shape: [...c.shape] });
  return {
    name,
    nodes: graph.nodes.filter((n) => needed.has(n)),
    inputs: inputs.map(asInfo),
    outputs: outputs.map(asInfo),
    initializers: new Map([...graph.initializers].filter(([k]) => usedInitializers.has(k))),
    opsetVersion: graph.opsetVersion,
  };
}
