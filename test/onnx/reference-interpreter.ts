/**
 * A float64 reference interpreter for ONNX graphs, for tests only. Every op is written directly
 * from the ONNX operator specification with plain nested loops, deliberately sharing no code with
 * src/ (not even the shape inference or the Conv geometry), so that when ONNX Runtime, the autodiff
 * and this file agree, they agree for independent reasons. Speed is not a goal; small graphs are.
 * Conv and the pools handle 2-D spatial inputs (NCHW) only.
 */
import type { Graph, Node, TensorValue } from '../../src/onnx/graph.js';
import { floatAttr, intAttr, intsAttr, stringAttr, tensorAttr, topologicalOrder } from '../../src/onnx/graph.js';
import { convTranspose, resize } from './reference-ops-upsample.js';
import { evaluateTransformerOp } from './reference-ops-transformer.js';
import { evaluateCnnOp } from './reference-ops-cnn.js';
import { einsumReference } from './reference-ops-einsum.js';
import { evaluatePointwiseOp } from './reference-ops-pointwise.js';
import { depthToSpaceReference, padReference, spaceToDepthReference } from './reference-ops-rearrange.js';
import { evaluateLogicOp } from './reference-ops-logic.js';

export interface RefTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

export function refTensor(shape: readonly number[], data: ArrayLike<number>): RefTensor {
  if (data.length !== sizeOfShape(shape)) throw new Error(`reference: ${data.length} values for shape [${shape.join(', ')}]`);
  return { shape: [...shape], data: Float64Array.from(data) };
}

function fromTensorValue(t: TensorValue): RefTensor {
  return { shape: [...t.dims], data: Float64Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v)) };
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Numpy / ONNX multidirectional broadcasting of two shapes. */
function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[i - (r - a.length)] ?? 1;
    const db = b[i - (r - b.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`reference: cannot broadcast [${a.join(', ')}] with [${b.join(', ')}]`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each flat index of `outShape`, the flat index of the element of `inShape` it reads. */
function broadcastSource(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = sizeOfShape(outShape);
  const map = new Int32Array(n);
  const offset = outShape.length - inShape.length;
  const inStrides = rowMajorStrides(inShape);
  for (let i = 0; i < n; i++) {
    let rest = i;
    let src = 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      const idx = rest % outShape[d];
      rest = (rest - idx) / outShape[d];
      if (d >= offset && inShape[d - offset] !== 1) src += idx * inStrides[d - offset];
    }
    map[i] = src;
  }
  return map;
}

function elementwise(a: RefTensor, b: RefTensor, f: (x: number, y: number) => number): RefTensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const ia = broadcastSource(a.shape, shape);
  const ib = broadcastSource(b.shape, shape);
  const out = new Float64Array(ia.length);
  for (let i = 0; i < out.length; i++) out[i] = f(a.data[ia[i]], b.data[ib[i]]);
  return { shape, data: out };
}

function unary(x: RefTensor, f: (v: number) => number): RefTensor {
  return { shape: [...x.shape], data: x.data.map(f) };
}

function normaliseAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`reference: axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** One spatial axis of a sliding window: the first output element's window starts at -padBegin. */
interface WindowAxis {
  kernel: number;
  stride: number;
  dilation: number;
  padBegin: number;
  padEnd: number;
  out: number;
}

/** Conv / pool window geometry per spatial axis, from kernel_shape, strides, dilations, pads, auto_pad, ceil_mode. */
function windowAxes(node: Node, spatial: readonly number[], kernel: readonly number[]): WindowAxis[] {
  const r = spatial.length;
  const strides = intsAttr(node, 'strides') ?? new Array<number>(r).fill(1);
  const dilations = intsAttr(node, 'dilations') ?? new Array<number>(r).fill(1);
  const pads = intsAttr(node, 'pads') ?? new Array<number>(2 * r).fill(0);
  const autoPad = stringAttr(node, 'auto_pad', 'NOTSET');
  const ceil = intAttr(node, 'ceil_mode', 0) === 1;
  return spatial.map((size, i) => {
    const k = kernel[i];
    const s = strides[i];
    const d = dilations[i];
    const span = (k - 1) * d + 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      // Output = ceil(in / stride); an odd total padding puts the extra element at the end (UPPER) or start (LOWER).
      const out = Math.ceil(size / s);
      const total = Math.max(0, (out - 1) * s + span - size);
      const half = Math.floor(total / 2);
      const padBegin = autoPad === 'SAME_UPPER' ? half : total - half;
      return { kernel: k, stride: s, dilation: d, padBegin, padEnd: total - padBegin, out };
    }
    if (autoPad === 'VALID') return { kernel: k, stride: s, dilation: d, padBegin: 0, padEnd: 0, out: Math.floor((size - span) / s) + 1 };
    const [padBegin, padEnd] = [pads[i], pads[i + r]];
    const room = size + padBegin + padEnd - span;
    let out = (ceil ? Math.ceil(room / s) : Math.floor(room / s)) + 1;
    // With ceil_mode a last window that would start beyond the input and its begin padding is dropped.
    if (ceil && (out - 1) * s >= size + padBegin) out--;
    return { kernel: k, stride: s, dilation: d, padBegin, padEnd, out };
  });
}

function requireRank4(x: RefTensor, node: Node): void {
  if (x.shape.length !== 4) throw new Error(`reference: ${node.opType} '${node.name}' supports 2-D spatial (rank-4) inputs only`);
}

function conv(node: Node, x: RefTensor, w: RefTensor, bias?: RefTensor): RefTensor {
  requireRank4(x, node);
  const [n, c, h, wd] = x.shape;
  const [m, cg, kh, kw] = w.shape;
  const group = intAttr(node, 'group', 1);
  if (cg * group !== c) throw new Error(`reference: Conv '${node.name}': ${c} input channels, weights for ${cg}×${group}`);
  const [ay, ax] = windowAxes(node, [h, wd], intsAttr(node, 'kernel_shape') ?? [kh, kw]);
  const out = new Float64Array(n * m * ay.out * ax.out);
  const perGroup = m / group;
  let o = 0;
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < m; oc++) {
      const g = Math.floor(oc / perGroup);
      for (let oy = 0; oy < ay.out; oy++)
        for (let ox = 0; ox < ax.out; ox++) {
          let sum = bias ? bias.data[oc] : 0;
          for (let ic = 0; ic < cg; ic++) {
            const xPlane = (b * c + g * cg + ic) * h;
            const wPlane = (oc * cg + ic) * kh;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * ay.stride - ay.padBegin + ky * ay.dilation;
              if (iy < 0 || iy >= h) continue;
              const xRow = (xPlane + iy) * wd;
              const wRow = (wPlane + ky) * kw;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * ax.stride - ax.padBegin + kx * ax.dilation;
                if (ix >= 0 && ix < wd) sum += x.data[xRow + ix] * w.data[wRow + kx];
              }
            }
          }
          out[o++] = sum;
        }
    }
  return { shape: [n, m, ay.out, ax.out], data: out };
}

function pool(node: Node, x: RefTensor, kind: 'max' | 'average'): RefTensor {
  return poolWithIndices(node, x, kind).values;
}

/**
 * Max or average pooling; for max, also ONNX's Indices: the flat index (n, c, y, x row-major, storage
 * order 0) of each window's first maximum in row-major window order (PyTorch's and ORT's tie rule).
 */
function poolWithIndices(node: Node, x: RefTensor, kind: 'max' | 'average'): { values: RefTensor; indices: RefTensor } {
  requireRank4(x, node);
  const [n, c, h, wd] = x.shape;
  const kernel = intsAttr(node, 'kernel_shape');
  if (!kernel) throw new Error(`reference: ${node.opType} '${node.name}' needs kernel_shape`);
  const [ay, ax] = windowAxes(node, [h, wd], kernel);
  const includePad = intAttr(node, 'count_include_pad', 0) === 1;
  const out = new Float64Array(n * c * ay.out * ax.out);
  const where = new Float64Array(out.length);
  let o = 0;
  for (let plane = 0; plane < n * c; plane++)
    for (let oy = 0; oy < ay.out; oy++)
      for (let ox = 0; ox < ax.out; ox++) {
        let best = -Infinity;
        let bestAt = -1;
        let sum = 0;
        let count = 0;
        for (let ky = 0; ky < ay.kernel; ky++) {
          const iy = oy * ay.stride - ay.padBegin + ky * ay.dilation;
          for (let kx = 0; kx < ax.kernel; kx++) {
            const ix = ox * ax.stride - ax.padBegin + kx * ax.dilation;
            const inside = iy >= 0 && iy < h && ix >= 0 && ix < wd;
            // count_include_pad counts pad cells but never cells beyond the padding (ceil_mode overhang).
            const inPadded = iy >= -ay.padBegin && iy < h + ay.padEnd && ix >= -ax.padBegin && ix < wd + ax.padEnd;
            if (inside) {
              const at = (plane * h + iy) * wd + ix;
              const v = x.data[at];
              // Strictly greater keeps the first maximum; NaN wins and stays, as Math.max would have it.
              if (bestAt < 0 || v > best || Number.isNaN(v)) {
                if (!Number.isNaN(best)) [best, bestAt] = [v, at];
              }
              sum += v;
            }
            if (inside || (includePad && inPadded)) count++;
          }
        }
        where[o] = bestAt;
        out[o++] = kind === 'max' ? best : sum / count;
      }
  const shape = [n, c, ay.out, ax.out];
  return { values: { shape, data: out }, indices: { shape, data: where } };
}

/** MaxUnpool: each value written at its flat index in a zero tensor of `outputShape` (a later write wins, as in ORT). */
function maxUnpool(x: RefTensor, indices: RefTensor, outputShape: readonly number[]): RefTensor {
  const out = new Float64Array(sizeOfShape(outputShape));
  for (let i = 0; i < x.data.length; i++) out[indices.data[i]] = x.data[i];
  return { shape: [...outputShape], data: out };
}

function globalAveragePool(x: RefTensor): RefTensor {
  const [n, c] = x.shape;
  const plane = sizeOfShape(x.shape.slice(2));
  const out = new Float64Array(n * c);
  for (let i = 0; i < n * c; i++) {
    let sum = 0;
    for (let j = 0; j < plane; j++) sum += x.data[i * plane + j];
    out[i] = sum / plane;
  }
  return { shape: [n, c, ...x.shape.slice(2).map(() => 1)], data: out };
}

function gemm(node: Node, a: RefTensor, b: RefTensor, c?: RefTensor): RefTensor {
  const transA = intAttr(node, 'transA', 0) === 1;
  const transB = intAttr(node, 'transB', 0) === 1;
  const alpha = floatAttr(node, 'alpha', 1);
  const beta = floatAttr(node, 'beta', 1);
  const [m, k] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const nOut = transB ? b.shape[0] : b.shape[1];
  const at = (i: number, j: number) => (transA ? a.data[j * m + i] : a.data[i * k + j]);
  const bt = (i: number, j: number) => (transB ? b.data[j * k + i] : b.data[i * nOut + j]);
  // C broadcasts unidirectionally to [M, N].
  const cSrc = c ? broadcastSource(c.shape, [m, nOut]) : undefined;
  const out = new Float64Array(m * nOut);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < nOut; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += at(i, p) * bt(p, j);
      out[i * nOut + j] = alpha * sum + (c && cSrc ? beta * c.data[cSrc[i * nOut + j]] : 0);
    }
  return { shape: [m, nOut], data: out };
}

/** numpy.matmul: 1-D operands are promoted (and the added axis removed again), batch axes broadcast. */
function matmul(a: RefTensor, b: RefTensor): RefTensor {
  const as = a.shape.length === 1 ? [1, a.shape[0]] : [...a.shape];
  const bs = b.shape.length === 1 ? [b.shape[0], 1] : [...b.shape];
  const [m, k] = as.slice(-2);
  const [k2, n] = bs.slice(-2);
  if (k !== k2) throw new Error(`reference: MatMul inner dimensions ${k} and ${k2} differ`);
  const batch = broadcastShapes(as.slice(0, -2), bs.slice(0, -2));
  const srcA = broadcastSource(as.slice(0, -2), batch);
  const srcB = broadcastSource(bs.slice(0, -2), batch);
  const out = new Float64Array(srcA.length * m * n);
  for (let t = 0; t < srcA.length; t++) {
    const offA = srcA[t] * m * k;
    const offB = srcB[t] * k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a.data[offA + i * k + p] * b.data[offB + p * n + j];
        out[(t * m + i) * n + j] = sum;
      }
  }
  const shape = [...batch, m, n];
  if (b.shape.length === 1) shape.splice(shape.length - 1, 1);
  if (a.shape.length === 1) shape.splice(shape.length - (b.shape.length === 1 ? 1 : 2), 1);
  return { shape, data: out };
}

function reshape(node: Node, x: RefTensor, target: RefTensor): RefTensor {
  const allowZero = intAttr(node, 'allowzero', 0) === 1;
  const shape = Array.from(target.data, (d, i) => (d === 0 && !allowZero ? x.shape[i] : d));
  const inferAt = shape.indexOf(-1);
  if (inferAt >= 0) shape[inferAt] = sizeOfShape(x.shape) / sizeOfShape(shape.filter((_, i) => i !== inferAt));
  if (sizeOfShape(shape) !== x.data.length) throw new Error(`reference: Reshape '${node.name}' cannot view [${x.shape.join(', ')}] as [${shape.join(', ')}]`);
  return { shape, data: x.data.slice() };
}

function transpose(node: Node, x: RefTensor): RefTensor {
  const rank = x.shape.length;
  const perm = intsAttr(node, 'perm') ?? x.shape.map((_, i) => rank - 1 - i);
  const shape = perm.map((p) => x.shape[p]);
  const inStrides = rowMajorStrides(x.shape);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    let rest = i;
    let src = 0;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rest % shape[d];
      rest = (rest - idx) / shape[d];
      src += idx * inStrides[perm[d]];
    }
    out[i] = x.data[src];
  }
  return { shape, data: out };
}

function concat(node: Node, parts: RefTensor[]): RefTensor {
  const axis = normaliseAxis(intAttr(node, 'axis', 0), parts[0].shape.length);
  const outer = sizeOfShape(parts[0].shape.slice(0, axis));
  const blocks = parts.map((p) => sizeOfShape(p.shape.slice(axis)));
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis], 0);
  const out = new Float64Array(sizeOfShape(shape));
  let o = 0;
  for (let i = 0; i < outer; i++)
    parts.forEach((p, k) => {
      for (let j = 0; j < blocks[k]; j++) out[o++] = p.data[i * blocks[k] + j];
    });
  return { shape, data: out };
}

function batchNormalization(node: Node, x: RefTensor, scale: RefTensor, bias: RefTensor, mean: RefTensor, variance: RefTensor): RefTensor {
  if (intAttr(node, 'training_mode', 0) === 1) throw new Error(`reference: BatchNormalization '${node.name}' in training mode`);
  const eps = floatAttr(node, 'epsilon', 1e-5);
  const c = x.shape[1];
  const inner = sizeOfShape(x.shape.slice(2));
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const ch = Math.floor(i / inner) % c;
    out[i] = ((x.data[i] - mean.data[ch]) / Math.sqrt(variance.data[ch] + eps)) * scale.data[ch] + bias.data[ch];
  }
  return { shape: [...x.shape], data: out };
}

/**
 * Softmax / LogSoftmax. Opset ≥ 13 normalises along the one `axis` (default -1); earlier opsets
 * coerce the input to 2-D [prod(d[:axis]), prod(d[axis:])] and normalise each row; their default
 * axis is 1.
 */
function softmax(node: Node, x: RefTensor, opset: number, log: boolean): RefTensor {
  const rank = x.shape.length;
  const axis = normaliseAxis(intAttr(node, 'axis', opset >= 13 ? -1 : 1), rank);
  const end = opset >= 13 ? axis + 1 : rank;
  const outer = sizeOfShape(x.shape.slice(0, axis));
  const mid = sizeOfShape(x.shape.slice(axis, end));
  const inner = sizeOfShape(x.shape.slice(end));
  const out = new Float64Array(x.data.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const at = (j: number) => (o * mid + j) * inner + i;
      let max = -Infinity;
      for (let j = 0; j < mid; j++) max = Math.max(max, x.data[at(j)]);
      let sum = 0;
      for (let j = 0; j < mid; j++) sum += Math.exp(x.data[at(j)] - max);
      for (let j = 0; j < mid; j++) {
        const shifted = x.data[at(j)] - max;
        out[at(j)] = log ? shifted - Math.log(sum) : Math.exp(shifted) / sum;
      }
    }
  return { shape: [...x.shape], data: out };
}

function constant(node: Node): RefTensor {
  const value = tensorAttr(node, 'value');
  if (value) return fromTensorValue(value);
  const a = node.attributes;
  if (a.value_float?.type === 'float') return { shape: [], data: Float64Array.of(a.value_float.value) };
  if (a.value_int?.type === 'int') return { shape: [], data: Float64Array.of(a.value_int.value) };
  if (a.value_floats?.type === 'floats') return { shape: [a.value_floats.value.length], data: Float64Array.from(a.value_floats.value) };
  if (a.value_ints?.type === 'ints') return { shape: [a.value_ints.value.length], data: Float64Array.from(a.value_ints.value) };
  throw new Error(`reference: Constant '${node.name}' has no value attribute this interpreter reads`);
}

function dropout(node: Node, x: RefTensor, trainingMode?: RefTensor): RefTensor[] {
  if (trainingMode && trainingMode.data[0] !== 0) throw new Error(`reference: Dropout '${node.name}' in training mode is random`);
  // Inference: the output is the input and the mask keeps everything.
  return [{ shape: [...x.shape], data: x.data.slice() }, { shape: [...x.shape], data: new Float64Array(x.data.length).fill(1) }];
}

function evaluateNode(node: Node, inputs: (RefTensor | undefined)[], opset: number): RefTensor[] {
  const need = (i: number): RefTensor => {
    const v = inputs[i];
    if (!v) throw new Error(`reference: ${node.opType} '${node.name}' is missing input ${i}`);
    return v;
  };
  switch (node.opType) {
    case 'Conv': return [conv(node, need(0), need(1), inputs[2])];
    case 'ConvTranspose': return [convTranspose(node, need(0), need(1), inputs[2])];
    case 'Resize': return [resize(node, need(0), inputs[2], inputs[3])];
    case 'Relu': return [unary(need(0), (v) => Math.max(v, 0))];
    case 'LeakyRelu': {
      const alpha = floatAttr(node, 'alpha', 0.01);
      return [unary(need(0), (v) => (v >= 0 ? v : alpha * v))];
    }
    case 'Sigmoid': return [unary(need(0), (v) => 1 / (1 + Math.exp(-v)))];
    case 'Tanh': return [unary(need(0), Math.tanh)];
    case 'MaxPool': {
      const { values, indices } = poolWithIndices(node, need(0), 'max');
      return node.outputs[1] ? [values, indices] : [values];
    }
    case 'MaxUnpool': {
      const shape = inputs[2] ? Array.from(need(2).data) : undefined;
      if (!shape) throw new Error(`reference: MaxUnpool '${node.name}' needs its output_shape input`);
      return [maxUnpool(need(0), need(1), shape)];
    }
    case 'AveragePool': return [pool(node, need(0), 'average')];
    case 'GlobalAveragePool': return [globalAveragePool(need(0))];
    case 'Gemm': return [gemm(node, need(0), need(1), inputs[2])];
    case 'MatMul': return [matmul(need(0), need(1))];
    case 'Add': return [elementwise(need(0), need(1), (a, b) => a + b)];
    case 'Sub': return [elementwise(need(0), need(1), (a, b) => a - b)];
    case 'Mul': return [elementwise(need(0), need(1), (a, b) => a * b)];
    case 'Div': return [elementwise(need(0), need(1), (a, b) => a / b)];
    case 'Neg': return [unary(need(0), (v) => -v)];
    case 'Flatten': {
      const shape = need(0).shape;
      const axis = intAttr(node, 'axis', 1);
      const a = axis < 0 ? axis + shape.length : axis;
      return [{ shape: [sizeOfShape(shape.slice(0, a)), sizeOfShape(shape.slice(a))], data: need(0).data.slice() }];
    }
    case 'Reshape': return [reshape(node, need(0), need(1))];
    case 'Transpose': return [transpose(node, need(0))];
    case 'Concat': return [concat(node, inputs.filter((v): v is RefTensor => v !== undefined))];
    case 'BatchNormalization': return [batchNormalization(node, need(0), need(1), need(2), need(3), need(4))];
    case 'Dropout': return dropout(node, need(0), inputs[2]);
    case 'Identity': return [{ shape: [...need(0).shape], data: need(0).data.slice() }];
    case 'Softmax': return [softmax(node, need(0), opset, false)];
    case 'LogSoftmax': return [softmax(node, need(0), opset, true)];
    case 'Constant': return [constant(node)];
    case 'Einsum': return [einsumReference(node, inputs.map((_, i) => need(i)))];
    case 'Pad': return [padReference(node, opset, need(0), inputs[1], inputs[2], inputs[3])];
    case 'DepthToSpace': return [depthToSpaceReference(node, need(0))];
    case 'SpaceToDepth': return [spaceToDepthReference(node, need(0))];
    case 'LayerNormalization': case 'Erf': case 'Sqrt': case 'Exp': case 'Pow': case 'Split': case 'Slice': case 'Gather': case 'ReduceMean':
    case 'ReduceSum': case 'Expand': case 'Tile': case 'Unsqueeze': case 'Squeeze': case 'Shape': return evaluateTransformerOp(node, inputs, opset)!;
    default: {
      const cnn = evaluateCnnOp(node, inputs, opset) ?? evaluatePointwiseOp(node, inputs);
      if (cnn) return cnn;
      const logic = evaluateLogicOp(node, inputs);
      if (logic) return logic;
      throw new Error(`reference: op '${node.opType}' (node '${node.name}') is not implemented`);
    }
  }
}

/**
 * Runs the graph in float64. `feeds` holds the run-time inputs; `overrides` replaces initializers
 * (finite differences perturb weights this way). Returns every value the graph computed.
 */
export function runReference(
  graph: Graph,
  feeds: Readonly<Record<string, RefTensor>>,
  overrides: Readonly<Record<string, RefTensor>> = {},
): Map<string, RefTensor> {
  const values = new Map<string, RefTensor>();
  for (const [name, t] of graph.initializers) values.set(name, overrides[name] ?? fromTensorValue(t));
  for (const [name, t] of Object.entries(feeds)) values.set(name, t);
  for (const input of graph.inputs) {
    if (!values.has(input.name)) throw new Error(`reference: no value fed for input '${input.name}'`);
  }
  for (const node of topologicalOrder(graph)) {
    const ins = node.inputs.map((v) => (v ? values.get(v) : undefined));
    const outs = evaluateNode(node, ins, graph.opsetVersion);
    node.outputs.forEach((name, i) => {
      if (name && outs[i]) values.set(name, outs[i]);
    });
  }
  return values;
}
