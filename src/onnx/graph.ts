/**
 * The in-memory ONNX graph. It mirrors ONNX's GraphProto closely enough to round-trip a
 * `torch.onnx.export` file, but with plain arrays and maps so that graph passes stay readable.
 */

/** ONNX TensorProto.DataType codes for the element types trustscope handles. */
export enum DataType {
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  INT32 = 6,
  INT64 = 7,
  BOOL = 9,
  DOUBLE = 11,
}

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

/** A constant tensor: an initializer or a Constant node's value. */
export interface TensorValue {
  readonly dataType: DataType;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

export type Attribute =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'tensor'; readonly value: TensorValue };

export interface Node {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** '' marks an omitted optional input, as in ONNX. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, Attribute>>;
}

/** A dimension: a size, or a symbolic name (e.g. 'N' for a dynamic batch). */
export type Dim = number | string;

export interface ValueInfo {
  readonly name: string;
  readonly dataType: DataType;
  readonly shape?: readonly Dim[];
}

export interface Graph {
  readonly name: string;
  readonly nodes: readonly Node[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  readonly initializers: ReadonlyMap<string, TensorValue>;
  /** Version of the default ('' / ai.onnx) operator set. */
  readonly opsetVersion: number;
}

export const attr = {
  int: (value: number): Attribute => ({ type: 'int', value }),
  float: (value: number): Attribute => ({ type: 'float', value }),
  string: (value: string): Attribute => ({ type: 'string', value }),
  ints: (value: readonly number[]): Attribute => ({ type: 'ints', value }),
  floats: (value: readonly number[]): Attribute => ({ type: 'floats', value }),
  tensor: (value: TensorValue): Attribute => ({ type: 'tensor', value }),
};

function wrongType(node: Node, name: string, wanted: string): Error {
  return new Error(`node '${node.name}' (${node.opType}): attribute '${name}' should be ${wanted}`);
}

export function intAttr(node: Node, name: string, fallback: number): number {
  const a = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== 'int') throw wrongType(node, name, 'an int');
  return a.value;
}

export function floatAttr(node: Node, name: string, fallback: number): number {
  const a = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type === 'float' || a.type === 'int') return a.value;
  throw wrongType(node, name, 'a float');
}

export function intsAttr(node: Node, name: string): readonly number[] | undefined {
  const a = node.attributes[name];
  if (a === undefined) return undefined;
  if (a.type !== 'ints') throw wrongType(node, name, 'a list of ints');
  return a.value;
}

export function stringAttr(node: Node, name: string, fallback: string): string {
  const a = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== 'string') throw wrongType(node, name, 'a string');
  return a.value;
}

export function tensorAttr(node: Node, name: string): TensorValue | undefined {
  const a = node.attributes[name];
  if (a === undefined) return undefined;
  if (a.type !== 'tensor') throw wrongType(node, name, 'a tensor');
  return a.value;
}

export function floatTensorValue(dims: readonly number[], data: Float32Array | readonly number[]): TensorValue {
  return { dataType: DataType.FLOAT, dims: [...dims], data: data instanceof Float32Array ? data : Float32Array.from(data) };
}

export function int64TensorValue(dims: readonly number[], data: readonly number[]): TensorValue {
  return { dataType: DataType.INT64, dims: [...dims], data: BigInt64Array.from(data.map((v) => BigInt(v))) };
}

/** Numbers of any constant tensor, as JS numbers. */
export function tensorValueNumbers(t: TensorValue): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Nodes sorted so that every node comes after the producers of its inputs. */
export function topologicalOrder(graph: Graph): Node[] {
  const available = new Set<string>(['']);
  for (const i of graph.inputs) available.add(i.name);
  for (const k of graph.initializers.keys()) available.add(k);
  const pending = [...graph.nodes];
  const ordered: Node[] = [];
  while (pending.length > 0) {
    const before = pending.length;
    for (let i = 0; i < pending.length; ) {
      const n = pending[i];
      if (n.inputs.every((v) => available.has(v))) {
        ordered.push(n);
        for (const o of n.outputs) available.add(o);
        pending.splice(i, 1);
      } else i++;
    }
    if (pending.length === before) {
      const stuck = pending[0];
      const missing = stuck.inputs.filter((v) => !available.has(v));
      throw new Error(`graph '${graph.name}': node '${stuck.name}' (${stuck.opType}) uses undefined value(s) ${missing.join(', ')}`);
    }
  }
  return ordered;
}

/** Map from value name to the node that produces it. */
export function producers(graph: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o) m.set(o, n);
  return m;
}

/** Graph inputs that are fed at run time (ONNX lets initializers also appear as inputs). */
export function runtimeInputs(graph: Graph): ValueInfo[] {
  return graph.inputs.filter((i) => !graph.initializers.has(i.name));
}

/** Every value name the graph defines (inputs, initializers, node outputs). */
export function definedValues(graph: Graph): Set<string> {
  const s = new Set<string>();
  for (const i of graph.inputs) s.add(i.name);
  for (const k of graph.initializers.keys()) s.add(k);
  for (const n of graph.nodes) for (const o of n.outputs) if (o) s.add(o);
  return s;
}

/** Hands out value and node names that do not collide with the graph's own. */
export class NameScope {
  private readonly used: Set<string>;
  private counter = 0;

  constructor(taken: Iterable<string>) {
    this.used = new Set(taken);
  }

  fresh(hint: string): string {
    let name = hint;
    while (this.used.has(name)) name = `${hint}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): void {
    this.used.add(name);
  }
}
