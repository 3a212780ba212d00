/**
 * .onnx bytes <-> Graph, through onnx-proto's generated protobuf code (never hand-rolled protobuf).
 * Graphs with sub-graphs (If/Loop) or external data are refused with a clear message.
 */
import onnxProto from 'onnx-proto';
import type { Attribute, Dim, Graph, Node, TensorData, TensorValue, ValueInfo } from './graph.js';
import { DataType } from './graph.js';

const { onnx } = onnxProto;
type Long = { toNumber(): number };

function num(v: number | Long | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function bytesOf(raw: Uint8Array): ArrayBuffer {
  // Copy so that typed-array views are aligned and do not alias the protobuf buffer. (A Node
  // Buffer's slice() is a view of the whole file, so copy through Uint8Array's own slice.)
  return Uint8Array.prototype.slice.call(raw).buffer as ArrayBuffer;
}

function decodeTensor(t: onnxProto.onnx.ITensorProto): TensorValue {
  const dataType = (t.dataType ?? 0) as DataType;
  const dims = (t.dims ?? []).map(num);
  const count = dims.reduce((a, b) => a * b, 1);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new Error(`tensor '${t.name}': external data files are not supported; re-export with the weights inside the .onnx file`);
  }
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  let data: TensorData;
  switch (dataType) {
    case DataType.FLOAT:
      data = raw ? new Float32Array(bytesOf(raw)) : Float32Array.from(t.floatData ?? []);
      break;
    case DataType.DOUBLE:
      data = raw ? new Float64Array(bytesOf(raw)) : Float64Array.from(t.doubleData ?? []);
      break;
    case DataType.INT64:
      data = raw ? new BigInt64Array(bytesOf(raw)) : BigInt64Array.from((t.int64Data ?? []).map((v) => BigInt(num(v))));
      break;
    case DataType.INT32:
      data = raw ? new Int32Array(bytesOf(raw)) : Int32Array.from(t.int32Data ?? []);
      break;
    case DataType.BOOL:
    case DataType.UINT8:
      data = raw ? new Uint8Array(bytesOf(raw)) : Uint8Array.from(t.int32Data ?? []);
      break;
    case DataType.INT8:
      data = raw ? new Int8Array(bytesOf(raw)) : Int8Array.from(t.int32Data ?? []);
      break;
    default:
      throw new Error(`tensor '${t.name}': element type ${dataType} is not supported (float32, float64, int8/32/64, uint8, bool are)`);
  }
  if (data.length !== count) {
    throw new Error(`tensor '${t.name}': ${data.length} values for dims [${dims.join(', ')}]`);
  }
  return { dataType, dims, data };
}

function encodeTensor(name: string, t: TensorValue): onnxProto.onnx.ITensorProto {
  const view = t.data;
  return {
    name,
    dataType: t.dataType,
    dims: [...t.dims],
    // A view, not a copy: the writer copies the bytes once into the encoded model (85 MB of weights
    // for ResNet-18's backward graph, where the extra copy cost ~20% of encoding).
    rawData: new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
  };
}

function decodeAttribute(a: onnxProto.onnx.IAttributeProto, where: string): Attribute | null {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.INT:
      return { type: 'int', value: num(a.i) };
    case T.FLOAT:
      return { type: 'float', value: a.f ?? 0 };
    case T.STRING:
      return { type: 'string', value: decoder.decode(a.s ?? new Uint8Array()) };
    case T.INTS:
      return { type: 'ints', value: (a.ints ?? []).map(num) };
    case T.FLOATS:
      return { type: 'floats', value: [...(a.floats ?? [])] };
    case T.STRINGS:
      return { type: 'strings', value: (a.strings ?? []).map((s) => decoder.decode(s)) };
    case T.TENSOR:
      return { type: 'tensor', value: decodeTensor(a.t ?? {}) };
    case T.GRAPH:
    case T.GRAPHS:
      throw new Error(`${where}: control flow with sub-graphs (If/Loop/Scan) is not supported`);
    default:
      return null;
  }
}

function encodeAttribute(name: string, a: Attribute): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'string':
      return { name, type: T.STRING, s: encoder.encode(a.value) };
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] };
    case 'floats':
      return { name, type: T.FLOATS, floats: [...a.value] };
    case 'strings':
      return { name, type: T.STRINGS, strings: a.value.map((s) => encoder.encode(s)) };
    case 'tensor':
      return { name, type: T.TENSOR, t: encodeTensor('', a.value) };
  }
}

function decodeValueInfo(v: onnxProto.onnx.IValueInfoProto): ValueInfo {
  const tt = v.type?.tensorType;
  const shape: Dim[] | undefined = tt?.shape?.dim?.map((d) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? num(d.dimValue) : '?'));
  return { name: v.name ?? '', dataType: (tt?.elemType ?? DataType.FLOAT) as DataType, shape };
}

function encodeValueInfo(v: ValueInfo): onnxProto.onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.dataType,
        shape: v.shape ? { dim: v.shape.map((d) => (typeof d === 'number' && d >= 0 ? { dimValue: d } : { dimParam: String(d) })) } : undefined,
      },
    },
  };
}

export function decodeModel(bytes: Uint8Array, source = 'model'): Graph {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`${source}: not a valid ONNX file (${(e as Error).message})`);
  }
  const g = model.graph;
  if (!g) throw new Error(`${source}: the ONNX file holds no graph`);
  const defaultOpset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const initializers = new Map<string, TensorValue>();
  for (const t of g.initializer ?? []) initializers.set(t.name ?? '', decodeTensor(t));
  const nodes: Node[] = (g.node ?? []).map((n, k) => {
    const name = n.name || `${n.opType}_${k}`;
    const attributes: Record<string, Attribute> = {};
    for (const a of n.attribute ?? []) {
      const decoded = decodeAttribute(a, `node '${name}' (${n.opType})`);
      if (decoded) attributes[a.name ?? ''] = decoded;
    }
    return { name, opType: n.opType ?? '', domain: n.domain ?? '', inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])], attributes };
  });
  return {
    name: g.name || 'graph',
    nodes,
    inputs: (g.input ?? []).map(decodeValueInfo),
    outputs: (g.output ?? []).map(decodeValueInfo),
    initializers,
    opsetVersion: defaultOpset ? num(defaultOpset.version) : 13,
  };
}

export function encodeModel(graph: Graph): Uint8Array {
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'trustscope',
    opsetImport: [{ domain: '', version: graph.opsetVersion }],
    graph: {
      name: graph.name,
      node: graph.nodes.map((n) => ({
        name: n.name,
        opType: n.opType,
        domain: n.domain,
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attributes).map(([k, a]) => encodeAttribute(k, a)),
      })),
      initializer: [...graph.initializers].map(([name, t]) => encodeTensor(name, t)),
      input: graph.inputs.map(encodeValueInfo),
      output: graph.outputs.map(encodeValueInfo),
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}

/** Where an .onnx file came from (run.json's provenance): the exporter, its version and the opsets it targets. */
export interface ModelOrigin {
  producer: string;
  producerVersion: string;
  irVersion: number;
  /** Default-domain opset (ai.onnx). */
  opset: number;
  /** Every imported opset, domain → version ('' is ai.onnx). */
  opsets: Record<string, number>;
}

export function decodeModelOrigin(bytes: Uint8Array, source = 'model'): ModelOrigin {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`${source}: not a valid ONNX file (${(e as Error).message})`);
  }
  const opsets: Record<string, number> = {};
  for (const o of model.opsetImport ?? []) opsets[o.domain && o.domain !== 'ai.onnx' ? o.domain : ''] = num(o.version);
  return {
    producer: model.producerName ?? '',
    producerVersion: model.producerVersion ?? '',
    irVersion: num(model.irVersion),
    opset: opsets[''] ?? 13,
    opsets,
  };
}

/**
 * The source of the encoder: part of the optimised-graph store's key (graph-fingerprint.ts), so that
 * a change to how graphs are written (IR version, a field) never loads a graph optimised from old bytes.
 */
export const ENCODER_SOURCE = [encodeModel, encodeTensor, encodeAttribute, encodeValueInfo].map(String).join('\n');
