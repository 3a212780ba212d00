/**
 * A mutable graph under construction: the zoo's builder and the autodiff both append nodes through
 * this one class, so names never collide and constants are declared the same way everywhere.
 */
import type { Attribute, Graph, Node, TensorValue, ValueInfo } from './graph.js';
import { DataType, NameScope, definedValues, floatTensorValue, int64TensorValue } from './graph.js';

export const DEFAULT_OPSET = 17;

export class GraphEditor {
  readonly nodes: Node[];
  readonly inputs: ValueInfo[];
  readonly outputs: ValueInfo[];
  readonly initializers: Map<string, TensorValue>;
  readonly names: NameScope;
  private readonly nodeNames: NameScope;
  private readonly constantCache = new Map<string, string>();

  constructor(
    readonly name: string,
    readonly opsetVersion: number = DEFAULT_OPSET,
    base?: Graph,
  ) {
    this.nodes = base ? [...base.nodes] : [];
    this.inputs = base ? [...base.inputs] : [];
    this.outputs = base ? [...base.outputs] : [];
    this.initializers = base ? new Map(base.initializers) : new Map();
    this.names = new NameScope(base ? definedValues(base) : []);
    this.nodeNames = new NameScope(base ? base.nodes.map((n) => n.name) : []);
  }

  static from(graph: Graph): GraphEditor {
    return new GraphEditor(graph.name, graph.opsetVersion, graph);
  }

  input(name: string, shape: ValueInfo['shape'], dataType: DataType = DataType.FLOAT): string {
    this.names.reserve(name);
    this.inputs.push({ name, dataType, shape });
    return name;
  }

  output(name: string, shape?: ValueInfo['shape'], dataType: DataType = DataType.FLOAT): void {
    this.outputs.push({ name, dataType, shape });
  }

  /** Adds a node; returns its output value names (fresh names derived from `hint`). */
  node(opType: string, inputs: readonly string[], attributes: Record<string, Attribute> = {}, outputCount = 1, hint?: string): string[] {
    const base = hint ?? opType;
    const nodeName = this.nodeNames.fresh(base);
    const outputs = Array.from({ length: outputCount }, (_, i) => this.names.fresh(outputCount === 1 ? `${base}_out` : `${base}_out${i}`));
    this.nodes.push({ name: nodeName, opType, domain: '', inputs: [...inputs], outputs, attributes });
    return outputs;
  }

  /** A node name not yet used (for nodes whose output names are chosen by the caller). */
  freshNodeName(hint: string): string {
    return this.nodeNames.fresh(hint);
  }

  /** Single-output shorthand for node(). */
  op(opType: string, inputs: readonly string[], attributes: Record<string, Attribute> = {}, hint?: string): string {
    return this.node(opType, inputs, attributes, 1, hint)[0];
  }

  initializer(hint: string, value: TensorValue): string {
    const name = this.names.fresh(hint);
    this.initializers.set(name, value);
    return name;
  }

  /** A float32 constant, shared between uses with the same values. */
  constFloat(values: readonly number[], dims: readonly number[] = values.length === 1 ? [] : [values.length]): string {
    const key = `f:${dims.join('x')}:${values.join(',')}`;
    const cached = this.constantCache.get(key);
    if (cached) return cached;
    const name = this.initializer('const_f', floatTensorValue(dims, values));
    this.constantCache.set(key, name);
    return name;
  }

  /** An int64 1-D constant (shapes, axes, pads), shared between uses. */
  constInt64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i:${dims.join('x')}:${values.join(',')}`;
    const cached = this.constantCache.get(key);
    if (cached) return cached;
    const name = this.initializer('const_i', int64TensorValue(dims, values));
    this.constantCache.set(key, name);
    return name;
  }

  build(): Graph {
    return {
      name: this.name,
      nodes: [...this.nodes],
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      initializers: new Map(this.initializers),
      opsetVersion: this.opsetVersion,
    };
  }
}
