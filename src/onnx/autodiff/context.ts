/**
 * What a vector–Jacobian rule sees: the forward node, static shapes, and an emitter that appends
 * backward nodes to the gradient graph. Opset-dependent spellings (ReduceSum's axes moved from an
 * attribute to an input in opset 13…) live here so that rules stay opset-agnostic.
 */
import type { Attribute, Node, TensorValue } from '../graph.js';
import { attr } from '../graph.js';
import type { GraphEditor } from '../editor.js';
import type { Shape, ShapeInfo } from '../shapes.js';
import { GradientUnavailableError } from './gradient-error.js';

/** Who produces and who reads each value of the forward graph, for rules that fuse neighbours. */
export interface GraphIndex {
  readonly producers: ReadonlyMap<string, Node>;
  readonly consumers: ReadonlyMap<string, readonly Node[]>;
  /** Values the gradient graph also outputs or differentiates (their gradients arrive from outside). */
  readonly outputs: ReadonlySet<string>;
}

/** Gradients w.r.t. each input of a node (null where none flows), given those of its outputs. */
export type VjpRule = (ctx: VjpContext, gradOutputs: readonly (string | null)[]) => (string | null)[];

export class VjpContext {
  private readonly shapeOps = new Map<string, string>();

  constructor(
    readonly node: Node,
    private readonly editor: GraphEditor,
    private readonly info: ShapeInfo,
    private readonly live: ReadonlySet<string>,
    private readonly index: GraphIndex,
    /** Op types whose ordinary rule is replaced in this graph (GradientSpec.rules). */
    private readonly overridden: ReadonlySet<string> = new Set(),
    /** GradientSpec.differentiable: emit only ops with rules of their own. */
    readonly differentiable: boolean = false,
  ) {}

  /** Whether op type `opType` back-propagates by a replaced rule here (then no fusion may assume the ordinary one). */
  hasOverride(opType: string): boolean {
    return this.overridden.has(opType);
  }

  /** The forward node producing a value (undefined for inputs and initializers). */
  producer(value: string): Node | undefined {
    return this.index.producers.get(value);
  }

  /** The forward nodes reading a value (graph outputs are not nodes: see isGraphOutput). */
  consumers(value: string): readonly Node[] {
    return this.index.consumers.get(value) ?? [];
  }

  isGraphOutput(value: string): boolean {
    return this.index.outputs.has(value);
  }

  get opset(): number {
    return this.editor.opsetVersion;
  }

  /** Whether input i of the node needs a gradient (it depends on a value we differentiate for). */
  needsGrad(i: number): boolean {
    const v = this.node.inputs[i];
    return v !== undefined && v !== '' && this.live.has(v);
  }

  tryShape(value: string): Shape | undefined {
    return this.info.shapes.get(value);
  }

  /** Static shape of a value; -1 marks a dimension known only at run time (the batch). */
  shape(value: string): Shape {
    const s = this.info.shapes.get(value);
    if (!s) throw new Error(`autodiff: the shape of '${value}' (at node '${this.node.name}', ${this.node.opType}) is unknown: ${this.whyUnknown(value)}`);
    return s;
  }

  /**
   * Where static shape inference lost `value`'s shape: the first node upstream whose inputs have
   * known shapes but whose output has none (then it is that node's run-time arguments, not the
   * model input, that are to blame), or a graph input without a static shape.
   */
  private whyUnknown(value: string): string {
    const seen = new Set<string>();
    let v = value;
    for (;;) {
      seen.add(v);
      const node = this.producer(v);
      if (!node) return `the graph input '${v}' has no static shape; give the model input a static shape except for the batch (loadOnnxModel's inputShape option, or withInputShape)`;
      const lost = node.inputs.find((i) => i && !this.info.shapes.has(i) && !seen.has(i));
      if (lost === undefined) {
        const args = node.inputs.slice(1).filter((i) => i && !this.info.constants.has(i));
        const unfolded = args.length > 0 ? `; its inputs ${args.map((i) => `'${i}'`).join(', ')} are not constants shape inference could fold` : '';
        return `shape inference stopped at node '${node.name}' (${node.opType}), whose inputs' shapes are known${unfolded}`;
      }
      v = lost;
    }
  }

  /** A constant initializer's value, when the named value is one (frozen weights). */
  initializer(value: string): TensorValue | undefined {
    return this.editor.initializers.get(value);
  }

  constantInts(value: string): (number | null)[] | undefined {
    return this.info.constants.get(value);
  }

  fail(reason: string): never {
    throw new GradientUnavailableError(`autodiff: node '${this.node.name}' (${this.node.opType}): ${reason}`);
  }

  op(opType: string, inputs: readonly string[], attributes: Record<string, Attribute> = {}): string {
    return this.editor.op(opType, inputs, attributes, `${this.node.name}_grad_${opType}`);
  }

  ops(opType: string, inputs: readonly string[], attributes: Record<string, Attribute>, outputCount: number): string[] {
    return this.editor.node(opType, inputs, attributes, outputCount, `${this.node.name}_grad_${opType}`);
  }

  constFloat(values: readonly number[], dims?: readonly number[]): string {
    return this.editor.constFloat(values, dims);
  }

  constInt64(values: readonly number[], dims?: readonly number[]): string {
    return this.editor.constInt64(values, dims);
  }

  addInitializer(hint: string, value: TensorValue): string {
    return this.editor.initializer(hint, value);
  }

  /** Shape(x) as a run-time int64 tensor, emitted once per value. */
  shapeOf(value: string): string {
    let s = this.shapeOps.get(value);
    if (!s) {
      s = this.op('Shape', [value]);
      this.shapeOps.set(value, s);
    }
    return s;
  }

  /** Reshape to the shape of `like` (a constant when static, Shape(like) otherwise). */
  reshapeLike(x: string, like: string): string {
    const s = this.tryShape(like);
    const target = s && s.every((d) => d >= 0) ? this.constInt64(s) : this.shapeOf(like);
    return this.op('Reshape', [x, target]);
  }

  reduceSum(x: string, axes: readonly number[], keepdims: boolean): string {
    if (axes.length === 0) return x;
    const keep = { keepdims: attr.int(keepdims ? 1 : 0) };
    if (this.opset >= 13) return this.op('ReduceSum', [x, this.constInt64(axes)], keep);
    return this.op('ReduceSum', [x], { ...keep, axes: attr.ints(axes) });
  }

  unsqueeze(x: string, axes: readonly number[]): string {
    if (this.opset >= 13) return this.op('Unsqueeze', [x, this.constInt64(axes)]);
    return this.op('Unsqueeze', [x], { axes: attr.ints(axes) });
  }

  /**
   * Sums a gradient of the broadcast result back to the shape of the operand `input`
   * (ONNX multidirectional broadcasting: leading axes added, size-1 axes stretched).
   */
  unbroadcast(grad: string, gradShape: Shape, input: string): string {
    const target = this.shape(input);
    const extra = gradShape.length - target.length;
    const axes: number[] = [];
    for (let i = 0; i < gradShape.length; i++) {
      if (i < extra) axes.push(i);
      else if (target[i - extra] === 1 && gradShape[i] !== 1) axes.push(i);
    }
    if (axes.length === 0) return grad;
    const summed = this.reduceSum(grad, axes, true);
    return extra > 0 || target.length !== gradShape.length ? this.reshapeLike(summed, input) : summed;
  }

  zero(): string {
    return this.constFloat([0]);
  }
}
