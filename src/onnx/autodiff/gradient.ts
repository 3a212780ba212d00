/**
 * Reverse-mode differentiation at the graph level: walks the forward graph backwards from the
 * outputs, asks each node's VJP rule for its inputs' gradients (as new ONNX nodes), sums the
 * contributions that meet at a value, and returns one graph computing forward values and gradients.
 */
import type { Graph, Node } from '../graph.js';
import { DataType, attr, topologicalOrder, floatTensorValue, producers } from '../graph.js';
import { GraphEditor } from '../editor.js';
import { inferShapes } from '../shapes.js';
import { VjpContext, type GraphIndex, type VjpRule } from './context.js';
import { vjpRules } from './rules.js';
import { GradientUnavailableError } from './gradient-error.js';

/** Ops whose outputs are integers (shapes, sizes, indices): they carry no gradient. */
const INTEGER_OUTPUT_OPS: ReadonlySet<string> = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero']);

export interface GradientSpec {
  /** Values to differentiate; each gets a cotangent input of its shape. */
  readonly outputs: readonly string[];
  /** Values to differentiate with respect to: graph inputs, initializers, or inner values. */
  readonly wrt: readonly string[];
  /** Forward values to return alongside the gradients (default: `outputs`). */
  readonly keep?: readonly string[];
  /**
   * Backward rules that replace the ordinary VJP rule of an op type (guided backprop's ReLU,
   * DeepLIFT's rescale rules; see backward-rules.ts). Rules that fuse neighbours check these.
   */
  readonly rules?: ReadonlyMap<string, VjpRule>;
  /**
   * The backward graph will itself be differentiated (input-gradient penalties, manipulation losses):
   * rules then emit only ops that have rules of their own, not their fastest forms (MaxUnpool, the
   * blocked ReLU mask, whose BatchNormalizations would carry an overflowing gradient).
   */
  readonly differentiable?: boolean;
}

export interface GradientGraph {
  readonly graph: Graph;
  /** Name of the cotangent input for each of spec.outputs, in order. */
  readonly cotangents: readonly string[];
  /** Name of the gradient output for each of spec.wrt, in order. */
  readonly gradients: readonly string[];
  /** Output names of spec.keep, in order (the forward values themselves). */
  readonly kept: readonly string[];
}

export function buildGradientGraph(forward: Graph, spec: GradientSpec): GradientGraph {
  const order = topologicalOrder(forward);
  const info = inferShapes(forward);
  const editor = GraphEditor.from(forward);
  editor.outputs.length = 0;

  // Values that depend on a wrt value: only these carry gradient. Shapes, sizes and indices do not
  // (integer outputs), nor does anything shape inference folds from them (constants: `x.shape[-1]
  // ** -0.5` in an attention scale is Shape → Gather → Cast → Pow, and gradient must not flow into it).
  const live = new Set<string>(spec.wrt);
  for (const n of order) {
    if (INTEGER_OUTPUT_OPS.has(n.opType) || !n.inputs.some((v) => live.has(v))) continue;
    for (const o of n.outputs) if (o && !info.constants.has(o)) live.add(o);
  }
  for (const o of spec.outputs) {
    if (!live.has(o)) throw new Error(`autodiff: output '${o}' does not depend on any of ${spec.wrt.join(', ')}`);
  }

  const consumers = new Map<string, Node[]>();
  for (const n of order) for (const v of n.inputs) if (v) consumers.set(v, [...(consumers.get(v) ?? []), n]);
  const index: GraphIndex = { producers: producers(forward), consumers, outputs: new Set([...spec.outputs, ...spec.wrt]) };

  const overridden = new Set(spec.rules?.keys() ?? []);
  const contributions = new Map<string, string[]>();
  const cotangents = spec.outputs.map((o) => {
    const name = editor.names.fresh(`${o}_cotangent`);
    const shape = info.shapes.get(o);
    editor.input(name, shape?.map((d) => (d < 0 ? 'N' : d)));
    contributions.set(o, [name]);
    return name;
  });

  const total = (value: string): string | null => {
    const parts = contributions.get(value);
    if (!parts || parts.length === 0) return null;
    if (parts.length === 1) return parts[0];
    const sum = parts.length === 2 ? editor.op('Add', parts, {}, `${value}_grad_sum`) : editor.op('Sum', parts, {}, `${value}_grad_sum`);
    contributions.set(value, [sum]);
    return sum;
  };

  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    // Nodes upstream of every wrt value carry no gradient (this is also what stops the walk at
    // an inner value such as a Grad-CAM layer).
    if (!node.inputs.some((v) => live.has(v))) continue;
    const gradOutputs = node.outputs.map((o) => (o ? total(o) : null));
    if (gradOutputs.every((g) => g === null)) continue;
    const rule = spec.rules?.get(node.opType) ?? vjpRules.get(node.opType);
    if (!rule) {
      throw new GradientUnavailableError(
        `autodiff: no gradient rule for op '${node.opType}' (node '${node.name}'); ` +
          `supported ops: ${[...vjpRules.keys()].sort().join(', ')}`,
      );
    }
    const ctx = new VjpContext(node, editor, info, live, index, overridden, spec.differentiable ?? false);
    const grads = rule(ctx, gradOutputs);
    node.inputs.forEach((v, i) => {
      const g = grads[i];
      if (g && ctx.needsGrad(i)) {
        const list = contributions.get(v) ?? [];
        list.push(g);
        contributions.set(v, list);
      }
    });
  }

  const kept = (spec.keep ?? spec.outputs).map((v) => {
    const shape = info.shapes.get(v);
    editor.output(v, shape?.map((d) => (d < 0 ? 'N' : d)));
    return v;
  });

  const gradients = spec.wrt.map((w) => {
    const g = total(w);
    const shape = info.shapes.get(w);
    const name = editor.names.fresh(`${w}_grad`);
    if (g === null) {
      // Nothing flows from the outputs to w: its gradient is exactly zero.
      editor.nodes.push({
        name: editor.freshNodeName(`${w}_zero_grad`),
        opType: 'ConstantOfShape',
        domain: '',
        inputs: [editor.op('Shape', [w])],
        outputs: [name],
        attributes: { value: attr.tensor(floatTensorValue([1], [0])) },
      });
    } else {
      editor.nodes.push({ name: editor.freshNodeName(`${w}_grad_identity`), opType: 'Identity', domain: '', inputs: [g], outputs: [name], attributes: {} });
    }
    editor.output(name, shape?.map((d) => (d < 0 ? 'N' : d)), DataType.FLOAT);
    return name;
  });

  return { graph: editor.build(), cotangents, gradients, kept };
}
