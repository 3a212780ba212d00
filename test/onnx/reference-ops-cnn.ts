/**
 * Float64 reference implementations of the further ops torch.onnx.export writes for CNN families
 * (MobileNet's Clip/HardSigmoid/HardSwish, Elu, Softplus, PRelu, Log, Abs, variadic Max/Min, Where,
 * Greater/Less, ReduceMax/ReduceMin, GlobalMaxPool, InstanceNormalization, GroupNormalization), for
 * the reference interpreter. Written from the ONNX operator specification with plain loops and, like
 * the interpreter, sharing no code with src/.
 */
import type { Node } from '../../src/onnx/graph.js';
import { floatAttr, intAttr, intsAttr } from '../../src/onnx/graph.js';
import type { RefTensor } from './reference-interpreter.js';
import { axisOf, ravel, size, unravel } from './reference-index.js';

/** The numpy broadcast of several shapes. */
function broadcastShape(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[i - (rank - s.length)] ?? 1;
      if (v !== 1 && d !== 1 && v !== d) throw new Error(`reference: cannot broadcast ${shapes.map((x) => `[${x.join(', ')}]`).join(' with ')}`);
      if (v !== 1) d = v;
    }
    out.push(d);
  }
  return out;
}

/** The element of `t` read at multi-index `idx` of a broadcast result of rank idx.length. */
function at(t: RefTensor, idx: readonly number[]): number {
  const offset = idx.length - t.shape.length;
  let flat = 0;
  for (let d = 0; d < t.shape.length; d++) flat = flat * t.shape[d] + (t.shape[d] === 1 ? 0 : idx[d + offset]);
  return t.data[flat];
}

/** f applied elementwise over the broadcast of all operands. */
function broadcastMap(operands: readonly RefTensor[], f: (values: number[]) => number): RefTensor {
  const shape = broadcastShape(operands.map((o) => o.shape));
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = f(operands.map((o) => at(o, idx)));
  }
  return { shape, data: out };
}

function pointwise(x: RefTensor, f: (v: number) => number): RefTensor {
  return { shape: [...x.shape], data: x.data.map(f) };
}

/** Clip: bounds are attributes up to opset 10 and optional scalar inputs from 11; min(max(x, lo), hi). */
function clip(node: Node, x: RefTensor, lo: RefTensor | undefined, hi: RefTensor | undefined, opset: number): RefTensor {
  const has = (name: string) => node.attributes[name] !== undefined;
  const low = opset < 11 ? (has('min') ? floatAttr(node, 'min', 0) : -Infinity) : lo ? lo.data[0] : -Infinity;
  const high = opset < 11 ? (has('max') ? floatAttr(node, 'max', 0) : Infinity) : hi ? hi.data[0] : Infinity;
  return pointwise(x, (v) => Math.min(Math.max(v, low), high));
}

/** softplus(x) = ln(1 + eˣ), written so that neither branch overflows. */
function softplus(v: number): number {
  return Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
}

function reduceExtreme(node: Node, x: RefTensor, axesInput: RefTensor | undefined, max: boolean): RefTensor {
  const rank = x.shape.length;
  const given = intsAttr(node, 'axes') ?? (axesInput ? Array.from(axesInput.data) : []);
  if (given.length === 0 && intAttr(node, 'noop_with_empty_axes', 0) === 1) return { shape: [...x.shape], data: x.data.slice() };
  const axes = given.length === 0 ? x.shape.map((_, i) => i) : given.map((a) => axisOf(a, rank));
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(size(keptShape)).fill(max ? -Infinity : Infinity);
  for (let i = 0; i < x.data.length; i++) {
    const o = ravel(unravel(i, x.shape).map((v, d) => (axes.includes(d) ? 0 : v)), keptShape);
    out[o] = max ? Math.max(out[o], x.data[i]) : Math.min(out[o], x.data[i]);
  }
  const keep = intAttr(node, 'keepdims', 1) === 1;
  return { shape: keep ? keptShape : x.shape.filter((_, i) => !axes.includes(i)), data: out };
}

function globalMaxPool(x: RefTensor): RefTensor {
  const [n, c] = x.shape;
  const inner = size(x.shape.slice(2));
  const out = new Float64Array(n * c);
  for (let p = 0; p < n * c; p++) {
    let m = -Infinity;
    for (let j = 0; j < inner; j++) m = Math.max(m, x.data[p * inner + j]);
    out[p] = m;
  }
  return { shape: [n, c, ...x.shape.slice(2).map(() => 1)], data: out };
}

/**
 * Normalises each of `groups` consecutive blocks of channels of each sample over the block and
 * the spatial axes (biased variance), then applies per-channel scale and bias (`perChannel`) or
 * per-group ones.
 */
function normaliseGroups(x: RefTensor, groups: number, eps: number, scale: RefTensor, bias: RefTensor, perChannel: boolean): RefTensor {
  const [n, c] = x.shape;
  if (c % groups !== 0) throw new Error(`reference: ${c} channels do not split into ${groups} groups`);
  const spatial = size(x.shape.slice(2));
  const perGroup = (c / groups) * spatial;
  const out = new Float64Array(x.data.length);
  for (let s = 0; s < n; s++) {
    for (let g = 0; g < groups; g++) {
      const start = (s * groups + g) * perGroup;
      let mean = 0;
      for (let j = 0; j < perGroup; j++) mean += x.data[start + j] / perGroup;
      let variance = 0;
      for (let j = 0; j < perGroup; j++) variance += (x.data[start + j] - mean) ** 2 / perGroup;
      for (let j = 0; j < perGroup; j++) {
        const channel = g * (c / groups) + Math.floor(j / spatial);
        const k = perChannel ? channel : g;
        out[start + j] = ((x.data[start + j] - mean) / Math.sqrt(variance + eps)) * scale.data[k] + bias.data[k];
      }
    }
  }
  return { shape: [...x.shape], data: out };
}

/** Evaluates one of this file's ops, or returns undefined when the op is not one of them. */
export function evaluateCnnOp(node: Node, inputs: (RefTensor | undefined)[], opset: number): RefTensor[] | undefined {
  const need = (i: number): RefTensor => {
    const v = inputs[i];
    if (!v) throw new Error(`reference: ${node.opType} '${node.name}' is missing input ${i}`);
    return v;
  };
  const present = () => inputs.filter((v): v is RefTensor => v !== undefined);
  switch (node.opType) {
    case 'Clip': return [clip(node, need(0), inputs[1], inputs[2], opset)];
    case 'HardSigmoid': {
      const alpha = floatAttr(node, 'alpha', 0.2);
      const beta = floatAttr(node, 'beta', 0.5);
      return [pointwise(need(0), (v) => Math.max(0, Math.min(1, alpha * v + beta)))];
    }
    case 'HardSwish': return [pointwise(need(0), (v) => v * Math.max(0, Math.min(1, v / 6 + 0.5)))];
    case 'Log': return [pointwise(need(0), Math.log)];
    case 'Abs': return [pointwise(need(0), Math.abs)];
    case 'Elu': {
      const alpha = floatAttr(node, 'alpha', 1);
      return [pointwise(need(0), (v) => (v >= 0 ? v : alpha * (Math.exp(v) - 1)))];
    }
    case 'Softplus': return [pointwise(need(0), softplus)];
    case 'PRelu': {
      const out = broadcastMap([need(0), need(1)], ([v, slope]) => (v < 0 ? slope * v : v));
      if (out.shape.join() !== need(0).shape.join()) throw new Error(`reference: PRelu slope does not broadcast to the input`);
      return [out];
    }
    case 'Max': return [broadcastMap(present(), (vs) => Math.max(...vs))];
    case 'Min': return [broadcastMap(present(), (vs) => Math.min(...vs))];
    case 'Where': return [broadcastMap([need(0), need(1), need(2)], ([c, a, b]) => (c !== 0 ? a : b))];
    case 'Greater': return [broadcastMap([need(0), need(1)], ([a, b]) => (a > b ? 1 : 0))];
    case 'Less': return [broadcastMap([need(0), need(1)], ([a, b]) => (a < b ? 1 : 0))];
    case 'ReduceMax': return [reduceExtreme(node, need(0), inputs[1], true)];
    case 'ReduceMin': return [reduceExtreme(node, need(0), inputs[1], false)];
    case 'GlobalMaxPool': return [globalMaxPool(need(0))];
    case 'InstanceNormalization': {
      const x = need(0);
      return [normaliseGroups(x, x.shape[1], floatAttr(node, 'epsilon', 1e-5), need(1), need(2), true)];
    }
    case 'GroupNormalization': {
      const x = need(0);
      const groups = intAttr(node, 'num_groups', 0);
      // Opset 18 gives scale and bias per group, opset 21 per channel (the two agree when G = C).
      const perChannel = need(1).data.length === x.shape[1];
      return [normaliseGroups(x, groups, floatAttr(node, 'epsilon', 1e-5), need(1), need(2), perChannel)];
    }
    default: return undefined;
  }
}
