/**
 * Re-parameterised copies of one model share their ONNX Runtime sessions.
 *
 * The randomisation check asks for a new model per cascade step (Model.withParameters). With the
 * weights as initializers, each copy needs its own gradient graph and ORT session (session creation
 * costs 5–90 ms on the tiny CNN on a busy 2-core machine, more than the saliency pass itself). Here
 * the copies of a model form a family: one set of sessions whose parameters are graph *inputs*
 * (as train.ts does for training), and each member feeds its own values at run time. One gradient
 * graph and one session per (backward rules, pass) serves every member.
 *
 * The price: ORT cannot pre-pack fed weights (its blocked NCHWc kernels and Conv+ReLU fusion want
 * initializers), and the autodiff cannot fold weight-derived constants (flipped Conv weights,
 * BatchNorm's 1/√var), so each run costs more: measured on a busy 2-core machine, +15–35% for a
 * saliency pass (tiny CNN, 64 images; VGG-style net, 8 images), +15% for IG and +80% for occlusion
 * on the tiny CNN. So a copy stays in the family only while each of its calls fits one ORT run
 * (OnnxModel.useOwnSessionsFor): a saliency or Grad-CAM pass per cascade step shares, IG steps or
 * occlusion windows move the copy to constant-weight sessions of its own. The model a user loads
 * always keeps its constant-weight sessions. Results agree with constant-weight sessions to float32
 * rounding (relative L2 ~1e-7), not bit for bit (different kernels).
 */
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import type { Graph, TensorValue, ValueInfo } from '../onnx/graph.js';
import { DataType } from '../onnx/graph.js';
import type { GradientGraph } from '../onnx/autodiff/gradient.js';
import { SessionCache } from '../onnx/runtime.js';

export class ParameterFamily {
  /** Sessions of every member, keyed by the member's backward rules and the pass. */
  readonly sessions = new SessionCache();
  private readonly parameterSet: ReadonlySet<string>;
  private readonly gradients = new Map<string, GradientGraph>();

  /** `parameters`: the initializers fed at run time (the model's Model.parameters names). */
  constructor(readonly parameters: readonly string[]) {
    this.parameterSet = new Set(parameters);
  }

  /** Whether a change of these initializers stays within the family (only fed values differ). */
  covers(changed: Iterable<string>): boolean {
    for (const name of changed) if (!this.parameterSet.has(name)) return false;
    return true;
  }

  /** `graph` with the family's parameters turned from initializers into graph inputs. */
  fed(graph: Graph): Graph {
    const initializers = new Map<string, TensorValue>(graph.initializers);
    const listed = new Set(graph.inputs.map((i) => i.name));
    const inputs: ValueInfo[] = [...graph.inputs];
    for (const name of this.parameters) {
      const value = graph.initializers.get(name);
      if (!value) throw new Error(`parameter family: the graph has no initializer '${name}'`);
      initializers.delete(name);
      if (!listed.has(name)) inputs.push({ name, dataType: DataType.FLOAT, shape: [...value.dims] });
    }
    return { ...graph, inputs, initializers };
  }

  /** A member's parameter values (from its graph's initializers) as run-time feeds. */
  feeds(graph: Graph): Record<string, Tensor> {
    const feeds: Record<string, Tensor> = {};
    for (const name of this.parameters) {
      const value = graph.initializers.get(name);
      if (!value || !(value.data instanceof Float32Array)) throw new Error(`parameter family: '${name}' is not a float32 initializer of the member's graph`);
      feeds[name] = tensor(value.dims, value.data);
    }
    return feeds;
  }

  /** One gradient graph per key for the whole family (the members differ only in fed values). */
  gradient(key: string, build: () => GradientGraph): GradientGraph {
    let g = this.gradients.get(key);
    if (!g) this.gradients.set(key, (g = build()));
    return g;
  }

  /** Frees the family's sessions; members stay usable (sessions are created again on demand). */
  dispose(): Promise<void> {
    return this.sessions.dispose();
  }
}
