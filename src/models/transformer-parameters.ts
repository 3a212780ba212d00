/**
 * Parameters of transformer layers that the Conv/Gemm/MatMul/BatchNorm scan in model.ts does not see:
 * - LayerNormalization's scale and bias (roles 'scale', 'bias');
 * - the bias of a Linear layer exported as MatMul followed by Add (torch's form for inputs of
 *   rank ≥ 3): a float initializer added to a MatMul's output takes the MatMul as its layer;
 * - learned embeddings (a ViT's CLS token and position embedding): float initializers of rank ≥ 2
 *   that are added to, concatenated with, or expanded/tiled into activations (role 'embedding').
 *   Rank ≥ 2 keeps scalar and per-channel constants (GELU's 1/√2, attention's 1/√d) out.
 * Training updates all of them; the randomisation check re-draws them (see model.ts).
 */
import type { Graph } from '../onnx/graph.js';
import { DataType, producers } from '../onnx/graph.js';
import type { ParameterInfo } from './model.js';

const EMBEDDING_READERS = new Set(['Add', 'Concat', 'Expand', 'Tile']);

export function transformerParameters(graph: Graph, known: ReadonlySet<string>): ParameterInfo[] {
  const found: ParameterInfo[] = [];
  const seen = new Set(known);
  const made = producers(graph);
  const add = (p: ParameterInfo) => {
    if (seen.has(p.name)) return;
    seen.add(p.name);
    found.push(p);
  };
  const floatInit = (v: string) => {
    const t = v ? graph.initializers.get(v) : undefined;
    return t && t.dataType === DataType.FLOAT ? t : undefined;
  };
  for (const n of graph.nodes) {
    if (n.opType === 'LayerNormalization') {
      (['scale', 'bias'] as const).forEach((role, i) => {
        const t = floatInit(n.inputs[i + 1]);
        if (t) add({ name: n.inputs[i + 1], shape: t.dims, layer: n.name, opType: n.opType, role, fanIn: 1 });
      });
      continue;
    }
    if (!EMBEDDING_READERS.has(n.opType)) continue;
    n.inputs.forEach((v, i) => {
      const t = floatInit(v);
      if (!t) return;
      const other = n.opType === 'Add' ? made.get(n.inputs[1 - i]) : undefined;
      const weight = other?.opType === 'MatMul' ? graph.initializers.get(other.inputs[1]) : undefined;
      if (other && weight && weight.dims.length >= 2) {
        // Linear bias: same fan-in as its MatMul weight [in, out].
        add({ name: v, shape: t.dims, layer: other.name, opType: 'MatMul', role: 'bias', fanIn: weight.dims[weight.dims.length - 2] });
      } else if (t.dims.length >= 2 && (n.opType !== 'Expand' || i === 0) && (n.opType !== 'Tile' || i === 0)) {
        add({ name: v, shape: t.dims, layer: n.name, opType: n.opType, role: 'embedding', fanIn: 1 });
      }
    });
  }
  return found;
}
