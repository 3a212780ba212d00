/**
 * What a model's learnable parameters are (the Conv/Gemm/MatMul/ConvTranspose weights and biases,
 * BatchNorm's four tensors, and the transformer parameters of transformer-parameters.ts), with the
 * fan-in their initialiser needs, and how each is re-drawn (the randomisation check, remedy retraining).
 */
import type { Graph, Node } from '../onnx/graph.js';
import { DataType, intAttr } from '../onnx/graph.js';
import { defaultInitialValues } from '../onnx/builder.js';
import type { Random } from '../tensor/random.js';
import { sizeOf } from '../tensor/tensor.js';
import { transformerParameters } from './transformer-parameters.js';

export interface ParameterInfo {
  /** Initializer name. */
  readonly name: string;
  readonly shape: readonly number[];
  /** Name of the node (layer) that uses it. */
  readonly layer: string;
  readonly opType: string;
  /** What the parameter is to its layer; decides how it is re-initialised. */
  readonly role: 'weight' | 'bias' | 'scale' | 'mean' | 'variance' | 'embedding';
  /** Fan-in used by the default initialiser (weights and biases of Conv/Gemm/MatMul). */
  readonly fanIn: number;
}

export type ParameterChange =
  | { readonly kind: 'replace'; readonly values: ReadonlyMap<string, Float32Array> }
  /** Re-draw these parameters with the zoo's initialiser (PyTorch's default), seeded. */
  | { readonly kind: 'reinitialise'; readonly parameters: readonly string[]; readonly seed: number };

const FAN_IN_OPS = new Set(['Conv', 'Gemm', 'MatMul', 'ConvTranspose']);

function fanInOf(node: Node, weightShape: readonly number[]): number {
  // Gemm stores W as [out, in] only with transB = 1 (torch.nn.Linear); MatMul(x, W) takes W as [in, out].
  if (node.opType === 'Gemm') return weightShape.length === 2 && intAttr(node, 'transB', 0) === 1 ? weightShape[1] : weightShape[0];
  if (node.opType === 'MatMul') return weightShape.length >= 2 ? weightShape[weightShape.length - 2] : weightShape[0];
  return weightShape.slice(1).reduce((a, b) => a * b, 1);
}

/** Every learnable float initializer of the graph, with its layer, role and fan-in. */
export function modelParameters(graph: Graph): ParameterInfo[] {
  const params: ParameterInfo[] = [];
  for (const n of graph.nodes) {
    if (!FAN_IN_OPS.has(n.opType) && n.opType !== 'BatchNormalization') continue;
    const weight = graph.initializers.get(n.inputs[1] ?? '');
    const fanIn = weight ? fanInOf(n, weight.dims) : 1;
    const roles = n.opType === 'BatchNormalization' ? (['scale', 'bias', 'mean', 'variance'] as const) : (['weight', 'bias'] as const);
    n.inputs.slice(1).forEach((v, i) => {
      const t = graph.initializers.get(v);
      const role = roles[i];
      if (t && role && t.dataType === DataType.FLOAT) params.push({ name: v, shape: t.dims, layer: n.name, opType: n.opType, role, fanIn });
    });
  }
  params.push(...transformerParameters(graph, new Set(params.map((p) => p.name))));
  return params;
}

/** BatchNorm goes back to its identity state; every other parameter is re-drawn. */
export function reinitialValues(p: ParameterInfo, rng: Random): Float32Array {
  const n = sizeOf(p.shape);
  if (p.role === 'scale' || p.role === 'variance') return new Float32Array(n).fill(1);
  if (p.role === 'mean' || p.opType === 'BatchNormalization' || p.opType === 'LayerNormalization') return new Float32Array(n);
  // Learned embeddings (CLS token, position embedding) start as timm starts them: N(0, 0.02²).
  if (p.role === 'embedding') return Float32Array.from({ length: n }, () => rng.normal(0, 0.02));
  return defaultInitialValues(p.shape, p.fanIn, rng);
}
