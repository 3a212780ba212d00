/**
 * Static shape inference for the ops trustscope supports. Dimensions are numbers; -1 means "known
 * only at run time" (the dynamic batch). Small integer tensors computed from shapes
 * (Shape → Gather → Concat → Reshape, as torch.onnx.export writes `x.view(x.size(0), -1)`) are folded
 * so that Reshape targets are known. An op it does not know leaves its outputs unknown rather than
 * failing: forward-only use still works, and the autodiff reports the gap if it needs the shape.
 */
import type { Graph, Node } from './graph.js';
import { intAttr, intsAttr, tensorAttr, tensorValueNumbers, topologicalOrder } from './graph.js';
import { einsumSizes, parseEinsum } from './einsum-equation.js';
import { gatherConstant, sliceIndices, splitSizes, transposeConstant } from './index-arithmetic.js';

export { sliceIndices, splitSizes } from './index-arithmetic.js';

export type Shape = number[];

export interface ShapeInfo {
  shapes: Map<string, Shape>;
  /** Values of small integer tensors known at build time; null marks an element known only at run time. */
  constants: Map<string, (number | null)[]>;
}

function broadcast(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    out.push(x === 1 ? y : y === 1 ? x : x === -1 ? y : x);
  }
  return out;
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

function poolOutput(node: Node, x: Shape, kernel: readonly number[]): Shape {
  const strides = intsAttr(node, 'strides') ?? kernel.map(() => 1);
  const dil = intsAttr(node, 'dilations') ?? kernel.map(() => 1);
  const pads = intsAttr(node, 'pads') ?? kernel.map(() => 0).concat(kernel.map(() => 0));
  const ceil = intAttr(node, 'ceil_mode', 0) === 1;
  const autoPad = node.attributes.auto_pad?.type === 'string' ? node.attributes.auto_pad.value : 'NOTSET';
  const spatial = kernel.map((k, i) => {
    const size = x[2 + i];
    if (size < 0) return -1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(size / strides[i]);
    const span = dil[i] * (k - 1) + 1;
    const total = size + pads[i] + pads[i + kernel.length] - span;
    if (autoPad === 'VALID') return Math.floor((size - span) / strides[i]) + 1;
    if (!ceil) return Math.floor(total / strides[i]) + 1;
    // ceil_mode drops a last window that would start in the end padding (as ORT and PyTorch do).
    const out = Math.ceil(total / strides[i]) + 1;
    return (out - 1) * strides[i] >= size + pads[i] ? out - 1 : out;
  });
  return spatial;
}

function reshapeTarget(x: Shape, target: (number | null)[], allowZero: boolean): Shape {
  // Elements: a size; 0 copies the input's dimension; -1 is inferred; null is known only at run time.
  const out: (number | null)[] = target.map((d, i) => (d === 0 && !allowZero ? x[i] : d));
  const dynamic = x[0] === -1;
  // With a dynamic batch, a run-time or inferred leading element is the batch itself.
  if (dynamic && (out[0] === null || out[0] === -1)) out[0] = -1;
  const inferAt = out.findIndex((d, i) => d === -1 && !(dynamic && i === 0));
  const known = (d: number | null, i: number) => d !== null && (d >= 0 || (dynamic && i === 0));
  if (inferAt >= 0 && out.every((d, i) => i === inferAt || known(d, i))) {
    const rest = out.reduce<number>((p, d, i) => (i === inferAt || (dynamic && i === 0) ? p : p * (d as number)), 1);
    const total = x.reduce((p, d, i) => (dynamic && i === 0 ? p : p * d), 1);
    if (x.every((d, i) => d >= 0 || (dynamic && i === 0)) && (dynamic ? out[0] === -1 : true)) out[inferAt] = total / rest;
  }
  return out.map((d) => (d === null ? -1 : d));
}

/** Infers what it can; see the file comment. */
export function inferShapes(graph: Graph): ShapeInfo {
  const shapes = new Map<string, Shape>();
  const constants = new Map<string, (number | null)[]>();
  for (const i of graph.inputs) if (i.shape) shapes.set(i.name, i.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)));
  for (const [name, t] of graph.initializers) {
    shapes.set(name, [...t.dims]);
    if (t.data.length <= 64 && !(t.data instanceof Float32Array)) constants.set(name, tensorValueNumbers(t));
  }
  // Small float constants (Resize scales from a Constant node or an initializer); kept apart from
  // `constants`, whose integer folding (Div truncates) must never see them.
  const floats = new Map<string, number[]>();
  for (const [name, t] of graph.initializers) if (t.data instanceof Float32Array && t.data.length <= 64) floats.set(name, Array.from(t.data));
  const s = (v: string): Shape | undefined => (v ? shapes.get(v) : undefined);
  const c = (v: string): (number | null)[] | undefined => (v ? constants.get(v) : undefined);

  for (const node of topologicalOrder(graph)) {
    const [x0, x1, x2] = node.inputs.map(s);
    const set = (shape: Shape | undefined, k = 0) => {
      if (shape && node.outputs[k]) shapes.set(node.outputs[k], shape);
    };
    switch (node.opType) {
      case 'Relu': case 'LeakyRelu': case 'Sigmoid': case 'Tanh': case 'Erf': case 'Neg': case 'Exp': case 'Log':
      case 'Sqrt': case 'Abs': case 'Identity': case 'Softmax': case 'LogSoftmax': case 'Sign': case 'Reciprocal':
      case 'Cast': case 'Elu': case 'Softplus': case 'HardSigmoid': case 'HardSwish': case 'Clip': case 'Not': case 'Gelu':
      case 'Floor': case 'Ceil': case 'Round': case 'Selu': case 'Celu': case 'Softsign':
        set(x0);
        if ((node.opType === 'Identity' || node.opType === 'Cast') && c(node.inputs[0])) constants.set(node.outputs[0], c(node.inputs[0])!);
        break;
      case 'Dropout':
        set(x0);
        set(x0, 1);
        break;
      case 'BatchNormalization':
        set(x0);
        break;
      case 'LayerNormalization': case 'InstanceNormalization': case 'GroupNormalization':
        set(x0);
        break;
      case 'Add': case 'Sub': case 'Mul': case 'Div': case 'Pow': case 'Equal': case 'Greater': case 'Less':
      case 'GreaterOrEqual': case 'LessOrEqual': case 'And': case 'Or': case 'PRelu':
        if (x0 && x1) set(broadcast(x0, x1));
        if (['Add', 'Sub', 'Mul', 'Div', 'Equal'].includes(node.opType) && c(node.inputs[0]) && c(node.inputs[1])) {
          const [a, b] = [c(node.inputs[0])!, c(node.inputs[1])!];
          if (a.length === b.length || a.length === 1 || b.length === 1) {
            const n = Math.max(a.length, b.length);
            constants.set(node.outputs[0], Array.from({ length: n }, (_, i) => {
              const p = a[a.length === 1 ? 0 : i];
              const q = b[b.length === 1 ? 0 : i];
              if (p === null || q === null) return null;
              if (node.opType === 'Equal') return p === q ? 1 : 0;
              return node.opType === 'Add' ? p + q : node.opType === 'Sub' ? p - q : node.opType === 'Mul' ? p * q : Math.trunc(p / q);
            }));
          }
        }
        break;
      case 'Where': {
        if (x0 && x1 && x2) set(broadcast(broadcast(x0, x1), x2));
        // torch's expand(n, -1, -1) picks its target shape with Where(Equal(shape, -1), 1, shape).
        const [cond, a, b] = node.inputs.map(c);
        if (cond && a && b && cond.length === a.length && a.length === b.length) {
          constants.set(node.outputs[0], cond.map((k, i) => (k === null ? null : k ? a[i] : b[i])));
        }
        break;
      }
      case 'Sum': case 'Max': case 'Min': case 'Mean':
        // Variadic, broadcasting all their inputs.
        set(node.inputs.map(s).reduce<Shape | undefined>((a, b) => (a && b ? broadcast(a, b) : undefined), s(node.inputs[0])));
        break;
      case 'Conv': {
        if (!x0 || !x1) break;
        set([x0[0], x1[0], ...poolOutput(node, x0, intsAttr(node, 'kernel_shape') ?? x1.slice(2))]);
        break;
      }
      case 'ConvTranspose': {
        if (!x0 || !x1) break;
        const kernel = intsAttr(node, 'kernel_shape') ?? x1.slice(2);
        const strides = intsAttr(node, 'strides') ?? kernel.map(() => 1);
        const pads = intsAttr(node, 'pads') ?? kernel.map(() => 0).concat(kernel.map(() => 0));
        const dil = intsAttr(node, 'dilations') ?? kernel.map(() => 1);
        const outPad = intsAttr(node, 'output_padding') ?? kernel.map(() => 0);
        const explicit = intsAttr(node, 'output_shape');
        const group = intAttr(node, 'group', 1);
        const spatial = explicit ?? kernel.map((k, i) => (x0[2 + i] < 0 ? -1 : strides[i] * (x0[2 + i] - 1) + outPad[i] + (k - 1) * dil[i] + 1 - pads[i] - pads[i + kernel.length]));
        set([x0[0], x1[1] * group, ...spatial]);
        break;
      }
      case 'MaxPool': case 'AveragePool': case 'LpPool':
        if (x0) {
          const pooled = [x0[0], x0[1], ...poolOutput(node, x0, intsAttr(node, 'kernel_shape') ?? [])];
          set(pooled);
          set(pooled, 1); // MaxPool's Indices, when asked for (the autodiff's unpool form)
        }
        break;
      case 'MaxUnpool': {
        // The output_shape input (the pooled value's Shape in the autodiff's form) when it is known,
        // else ONNX's default: (in − 1)·stride − pads + kernel.
        const given = c(node.inputs[2]);
        if (given && given.length === (x0?.length ?? given.length)) set(given.map((d, i) => (d === null ? (i === 0 && x0 ? x0[0] : -1) : d)));
        else if (x0) {
          const kernel = intsAttr(node, 'kernel_shape') ?? [];
          const strides = intsAttr(node, 'strides') ?? kernel.map(() => 1);
          const pads = intsAttr(node, 'pads') ?? kernel.map(() => 0).concat(kernel.map(() => 0));
          set([x0[0], x0[1], ...kernel.map((k, i) => (x0[2 + i] < 0 ? -1 : (x0[2 + i] - 1) * strides[i] - pads[i] - pads[i + kernel.length] + k))]);
        }
        break;
      }
      case 'GlobalAveragePool': case 'GlobalMaxPool':
        if (x0) set([x0[0], x0[1], ...x0.slice(2).map(() => 1)]);
        break;
      case 'Gemm': {
        if (!x0 || !x1) break;
        const m = intAttr(node, 'transA', 0) ? x0[1] : x0[0];
        const n = intAttr(node, 'transB', 0) ? x1[0] : x1[1];
        set([m, n]);
        break;
      }
      case 'MatMul': {
        if (!x0 || !x1) break;
        const a = x0.length === 1 ? [1, x0[0]] : x0;
        const b = x1.length === 1 ? [x1[0], 1] : x1;
        const batch = broadcast(a.slice(0, -2), b.slice(0, -2));
        const out = [...batch, a[a.length - 2], b[b.length - 1]];
        if (x0.length === 1) out.splice(out.length - 2, 1);
        if (x1.length === 1) out.splice(out.length - 1, 1);
        set(out);
        break;
      }
      case 'Flatten': {
        if (!x0) break;
        const axis = normAxis(intAttr(node, 'axis', 1), x0.length);
        const prod = (d: Shape) => (d.some((v) => v < 0) ? -1 : d.reduce((p, v) => p * v, 1));
        set([prod(x0.slice(0, axis)), prod(x0.slice(axis))]);
        break;
      }
      case 'Reshape': {
        const target = c(node.inputs[1]);
        if (x0 && target) set(reshapeTarget(x0, target, intAttr(node, 'allowzero', 0) === 1));
        if (c(node.inputs[0])) constants.set(node.outputs[0], c(node.inputs[0])!);
        break;
      }
      case 'Transpose': {
        if (!x0) break;
        const perm = intsAttr(node, 'perm') ?? x0.map((_, i) => x0.length - 1 - i);
        set(perm.map((p) => x0[p]));
        const data = c(node.inputs[0]);
        if (data && x0.every((d) => d >= 0)) constants.set(node.outputs[0], transposeConstant(data, x0, perm));
        break;
      }
      case 'Concat': {
        const parts = node.inputs.map(s);
        if (parts.some((p) => !p)) break;
        const axis = normAxis(intAttr(node, 'axis', 0), parts[0]!.length);
        const out = [...parts[0]!];
        out[axis] = parts.some((p) => p![axis] < 0) ? -1 : parts.reduce((sum, p) => sum + p![axis], 0);
        set(out);
        const vals = node.inputs.map(c);
        if (vals.every((v) => v)) constants.set(node.outputs[0], vals.flatMap((v) => v!));
        break;
      }
      case 'Constant': {
        const value = tensorAttr(node, 'value');
        if (value) {
          set([...value.dims]);
          if (value.data instanceof Float32Array && value.data.length <= 64) floats.set(node.outputs[0], Array.from(value.data));
          if (value.data.length <= 64 && !(value.data instanceof Float32Array)) constants.set(node.outputs[0], tensorValueNumbers(value));
        } else if (node.attributes.value_float) set([]);
        else if (node.attributes.value_int) {
          set([]);
          constants.set(node.outputs[0], [(node.attributes.value_int as { value: number }).value]);
        } else if (node.attributes.value_ints) {
          const v = intsAttr(node, 'value_ints') ?? [];
          set([v.length]);
          constants.set(node.outputs[0], [...v]);
        }
        break;
      }
      case 'Shape': {
        if (!x0) break;
        set([x0.length]);
        constants.set(node.outputs[0], x0.map((d) => (d < 0 ? null : d)));
        break;
      }
      case 'Gather': {
        const idx = c(node.inputs[1]);
        const axis = intAttr(node, 'axis', 0);
        if (x0 && x1) {
          const a = normAxis(axis, x0.length);
          set([...x0.slice(0, a), ...x1, ...x0.slice(a + 1)]);
        }
        const data = c(node.inputs[0]);
        if (data && idx && x0?.length === 1) constants.set(node.outputs[0], idx.map((i) => (i === null ? null : data[i < 0 ? i + data.length : i])));
        break;
      }
      case 'Unsqueeze': case 'Squeeze': {
        if (!x0) break;
        const axes = intsAttr(node, 'axes') ?? (c(node.inputs[1]) as number[] | undefined);
        if (node.opType === 'Unsqueeze' && axes) {
          const rank = x0.length + axes.length;
          const norm = axes.map((a) => normAxis(a, rank));
          const out: Shape = [];
          let k = 0;
          for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : x0[k++]);
          set(out);
        } else if (node.opType === 'Squeeze') {
          const norm = axes ? axes.map((a) => normAxis(a, x0.length)) : x0.map((d, i) => (d === 1 ? i : -1));
          set(x0.filter((_, i) => !norm.includes(i)));
        }
        if (c(node.inputs[0])) constants.set(node.outputs[0], c(node.inputs[0])!);
        break;
      }
      case 'ReduceSum': case 'ReduceMean': case 'ReduceMax': case 'ReduceMin': case 'ReduceProd': case 'ReduceL2': {
        if (!x0) break;
        const keep = intAttr(node, 'keepdims', 1) === 1;
        const axesIn = intsAttr(node, 'axes') ?? (c(node.inputs[1]) as number[] | undefined);
        if ((!axesIn || axesIn.length === 0) && intAttr(node, 'noop_with_empty_axes', 0) === 1) {
          set(x0);
          break;
        }
        const axes = (axesIn && axesIn.length > 0 ? axesIn : x0.map((_, i) => i)).map((a) => normAxis(a, x0.length));
        set(keep ? x0.map((d, i) => (axes.includes(i) ? 1 : d)) : x0.filter((_, i) => !axes.includes(i)));
        break;
      }
      case 'Pad': {
        const given = intsAttr(node, 'pads') ?? c(node.inputs[1]);
        const axesIn = node.inputs[3] ? c(node.inputs[3]) : undefined;
        if (!x0 || !given || given.some((p) => p === null) || (node.inputs[3] && !axesIn)) break;
        // Opset 18's axes input: pads lists only those axes (all begins, then all ends).
        const axes = (axesIn ?? x0.map((_, i) => i)).map((a) => normAxis(a as number, x0.length));
        const pads = new Array<number>(2 * x0.length).fill(0);
        axes.forEach((a, i) => {
          pads[a] = given[i] as number;
          pads[a + x0.length] = given[i + axes.length] as number;
        });
        set(x0.map((d, i) => (d < 0 ? -1 : d + pads[i] + pads[i + x0.length])));
        break;
      }
      case 'Expand': {
        const target = c(node.inputs[1]);
        if (x0 && target) set(broadcast(x0, target.map((d) => (d === null ? -1 : d))));
        break;
      }
      case 'Slice': {
        // Bounds are attributes before opset 10, inputs from then on.
        const old = graph.opsetVersion < 10;
        const starts = old ? intsAttr(node, 'starts') : c(node.inputs[1]);
        const ends = old ? intsAttr(node, 'ends') : c(node.inputs[2]);
        const axes = ((old ? intsAttr(node, 'axes') : c(node.inputs[3])) ?? starts?.map((_, i) => i)) as number[] | undefined;
        const steps = ((old ? undefined : c(node.inputs[4])) ?? starts?.map(() => 1)) as number[] | undefined;
        if (!x0 || !starts || !ends || !axes || !steps) break;
        const out = [...x0];
        axes.forEach((a0, k) => {
          const a = normAxis(a0, x0.length);
          const dim = x0[a];
          if (dim < 0 || starts[k] === null || ends[k] === null) return void (out[a] = -1);
          out[a] = sliceIndices(dim, starts[k]!, ends[k]!, steps[k]).length;
        });
        set(out);
        // torch's F.pad export reverses a [k, 2] pads table with a step −1 Slice: fold any rank.
        const data = c(node.inputs[0]);
        if (data && x0.every((d) => d >= 0) && starts.every((v) => v !== null) && ends.every((v) => v !== null)) {
          const picks = x0.map((d, a) => {
            const k = axes.findIndex((a0) => normAxis(a0, x0.length) === a);
            return k < 0 ? Array.from({ length: d }, (_, i) => i) : sliceIndices(d, starts[k]!, ends[k]!, steps[k]);
          });
          constants.set(node.outputs[0], gatherConstant(data, x0, picks));
        }
        break;
      }
      case 'Split': {
        if (!x0) break;
        const axis = normAxis(intAttr(node, 'axis', 0), x0.length);
        const sizes = splitSizes(node, x0[axis], c(node.inputs[1]), graph.opsetVersion);
        sizes?.forEach((size, k) => set(x0.map((d, i) => (i === axis ? size : d)), k));
        break;
      }
      case 'Tile': {
        const repeats = c(node.inputs[1]);
        if (x0 && repeats) set(x0.map((d, i) => (d < 0 || repeats[i] === null ? -1 : d * repeats[i]!)));
        break;
      }
      case 'Resize': case 'Upsample': {
        // Upsample (opset 9) takes its scales as input 1; Resize as input 2, or sizes as input 3.
        const sizes = node.opType === 'Resize' ? c(node.inputs[3]) : undefined;
        const scales = floats.get(node.inputs[node.opType === 'Resize' ? 2 : 1] ?? '');
        // torch's F.interpolate(size=…) builds sizes as Concat(Slice(Shape(x), 0, 2), [H, W]): the batch element is a run-time value.
        if (x0 && sizes && sizes.length === x0.length) set(sizes.map((d) => (d === null ? -1 : d)));
        else if (x0 && scales && scales.length === x0.length) set(x0.map((d, i) => (d < 0 ? -1 : Math.floor(d * scales[i]))));
        break;
      }
      case 'DepthToSpace': case 'SpaceToDepth': {
        if (!x0 || x0.length !== 4) break;
        const b = intAttr(node, 'blocksize', 1);
        const up = node.opType === 'DepthToSpace';
        const [n, ch, h, w] = x0;
        const scale = (d: number, f: (v: number) => number) => (d < 0 ? -1 : f(d));
        set(up ? [n, scale(ch, (v) => v / (b * b)), scale(h, (v) => v * b), scale(w, (v) => v * b)] : [n, scale(ch, (v) => v * b * b), scale(h, (v) => v / b), scale(w, (v) => v / b)]);
        break;
      }
      case 'Einsum': {
        const operandShapes = node.inputs.map(s);
        if (operandShapes.some((x) => !x)) break;
        const equation = node.attributes.equation?.type === 'string' ? node.attributes.equation.value : '';
        try {
          const eq = parseEinsum(equation, operandShapes.map((x) => x!.length));
          const sizes = einsumSizes(eq, operandShapes as Shape[]);
          set(eq.output.map((l) => sizes.get(l) ?? -1));
        } catch {
          // An equation this parser refuses leaves the shape unknown; the autodiff reports it.
        }
        break;
      }
      case 'ScatterElements':
        set(x0);
        break;
      case 'ConstantOfShape': {
        const target = c(node.inputs[0]);
        if (target) set(target.map((d) => (d === null ? -1 : d)));
        const fill = tensorAttr(node, 'value');
        const count = target?.reduce<number | null>((p, d) => (p === null || d === null ? null : p * d), 1);
        if (count !== null && count !== undefined && count <= 64) constants.set(node.outputs[0], new Array<number>(count).fill(fill ? tensorValueNumbers(fill)[0] : 0));
        break;
      }
      default:
        break;
    }
  }
  return { shapes, constants };
}
