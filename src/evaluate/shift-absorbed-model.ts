/**
 * Kindermans et al. (2017, "The (un)reliability of saliency methods"): a second network that takes
 * inputs shifted by a constant c and computes exactly what the first computes on the unshifted ones,
 * because its first layer's bias absorbs the shift: b' = b − W·c (for a Conv, c times each output
 * channel's summed kernel). A zero-padded Conv would see the padding unshifted, so its padding moves
 * into a Pad node that pads with c instead (then Conv(Pad_c(x + c)) − W·c = Conv(Pad_0(x)): exact at
 * the borders too). Gradients are the same function of the unshifted input, so an attribution that
 * changes between the two networks answers to the shift, not to the model.
 */
import { attr, floatAttr, floatTensorValue, int64TensorValue, intAttr, intsAttr, stringAttr, type Graph, type Node, type TensorValue } from '../onnx/graph.js';
import { OnnxModel } from '../models/model.js';

/** The node that reads the model input first, walking through ops that only move values (Flatten, Reshape). */
function firstLayer(graph: Graph, input: string): Node {
  const SHAPE_ONLY = new Set(['Flatten', 'Reshape', 'Identity']);
  let value = input;
  for (;;) {
    const readers = graph.nodes.filter((n) => n.inputs.includes(value));
    if (readers.length !== 1) throw new Error(`input invariance: the model input feeds ${readers.length} nodes; the shift can only be folded into one first layer`);
    const [node] = readers;
    if (SHAPE_ONLY.has(node.opType) && node.inputs[0] === value) {
      value = node.outputs[0];
      continue;
    }
    if ((node.opType === 'Conv' || node.opType === 'Gemm') && node.inputs[0] === value) return node;
    throw new Error(`input invariance: the first layer is ${node.opType}; the shift can be folded only into a Conv or Gemm (a linear first layer with a bias)`);
  }
}

function weightOf(graph: Graph, node: Node): TensorValue {
  const w = graph.initializers.get(node.inputs[1]);
  if (!w || !(w.data instanceof Float32Array)) throw new Error(`input invariance: the weights of '${node.name}' are not a float initializer`);
  return w;
}

/** W·c per output unit: c times the sum of the weights feeding it. */
function absorbed(node: Node, w: TensorValue, shift: number): Float32Array {
  const data = w.data as Float32Array;
  if (node.opType === 'Conv') {
    const out = w.dims[0];
    const per = data.length / out;
    return Float32Array.from({ length: out }, (_, o) => shift * data.subarray(o * per, (o + 1) * per).reduce((a, b) => a + b, 0));
  }
  // Gemm: Y = α·X·op(W) + β·C; op(W) is W [in, out], or Wᵀ when transB (torch.nn.Linear stores [out, in]).
  if (intAttr(node, 'transA', 0) !== 0) throw new Error(`input invariance: Gemm '${node.name}' transposes its input (transA); not supported`);
  const [rows, cols] = w.dims;
  const transB = intAttr(node, 'transB', 0) === 1;
  const out = transB ? rows : cols;
  const alpha = floatAttr(node, 'alpha', 1);
  const sums = new Float32Array(out);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) sums[transB ? r : c] += data[r * cols + c];
  return sums.map((s) => alpha * shift * s);
}

/**
 * The model that, given x + shift, outputs exactly what `model` outputs given x. Throws when the
 * first layer is not a Conv or Gemm reading the input (directly or through Flatten/Reshape).
 */
export function shiftAbsorbedModel(model: OnnxModel, shift: number): OnnxModel {
  const graph = model.graph;
  const node = firstLayer(graph, model.inputName);
  const w = weightOf(graph, node);
  const delta = absorbed(node, w, shift);
  const initializers = new Map(graph.initializers);
  const nodes = [...graph.nodes];
  const at = nodes.indexOf(node);
  const biasName = node.inputs[2];
  const beta = node.opType === 'Gemm' ? floatAttr(node, 'beta', 1) : 1;
  const oldBias = biasName ? initializers.get(biasName) : undefined;
  if (biasName && (!oldBias || !(oldBias.data instanceof Float32Array))) throw new Error(`input invariance: the bias of '${node.name}' is not a float initializer`);
  if (oldBias && oldBias.data.length !== delta.length) throw new Error(`input invariance: the bias of '${node.name}' broadcasts (${oldBias.data.length} values for ${delta.length} units); not supported`);
  const base = oldBias ? (oldBias.data as Float32Array) : new Float32Array(delta.length);
  // β scales the bias in Gemm: store (β·b − W·c) / β so that β times it is the absorbed bias.
  const newBias = floatTensorValue(oldBias ? oldBias.dims : [delta.length], base.map((b, i) => b - delta[i] / beta));
  const newBiasName = `${node.name}_shift_absorbed_bias`;
  initializers.set(newBiasName, newBias);
  let replaced: Node = { ...node, inputs: [node.inputs[0], node.inputs[1], newBiasName] };
  if (node.opType === 'Conv') {
    const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
    if (autoPad !== 'NOTSET' && autoPad !== 'VALID') throw new Error(`input invariance: Conv '${node.name}' pads with auto_pad=${autoPad}; export with explicit pads`);
    const pads = intsAttr(node, 'pads') ?? [];
    if (autoPad === 'NOTSET' && pads.some((p) => p !== 0)) {
      // The padding moves into a Pad that pads with the shift, so that the border sees x + c as well.
      const half = pads.length / 2;
      const padded = `${node.name}_shift_padded`;
      const padNode: Node =
        graph.opsetVersion >= 11
          ? { name: `${node.name}_shift_pad`, opType: 'Pad', domain: '', inputs: [node.inputs[0], `${padded}_pads`, `${padded}_value`], outputs: [padded], attributes: { mode: attr.string('constant') } }
          : { name: `${node.name}_shift_pad`, opType: 'Pad', domain: '', inputs: [node.inputs[0]], outputs: [padded], attributes: { mode: attr.string('constant'), pads: attr.ints([0, 0, ...pads.slice(0, half), 0, 0, ...pads.slice(half)]), value: attr.float(shift) } };
      if (graph.opsetVersion >= 11) {
        initializers.set(`${padded}_pads`, int64TensorValue([2 * (half + 2)], [0, 0, ...pads.slice(0, half), 0, 0, ...pads.slice(half)]));
        initializers.set(`${padded}_value`, floatTensorValue([], [shift]));
      }
      const { pads: _p, ...rest } = replaced.attributes;
      replaced = { ...replaced, inputs: [padded, ...replaced.inputs.slice(1)], attributes: rest };
      nodes.splice(at, 1, padNode, replaced);
      return new OnnxModel({ ...graph, nodes, initializers }, { internalBatchSize: model.internalBatchSize, memoryBudget: model.memoryBudget });
    }
  }
  nodes[at] = replaced;
  return new OnnxModel({ ...graph, nodes, initializers }, { internalBatchSize: model.internalBatchSize, memoryBudget: model.memoryBudget });
}
