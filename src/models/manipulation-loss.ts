/**
 * The loss of the explanation-manipulation attack (Dombrowski et al. 2019) as one ONNX graph, and
 * its gradient w.r.t. the input — second-order reverse mode, as for right-for-the-right-reasons
 * (input-gradient-penalty.ts), but differentiated w.r.t. the input instead of the weights:
 *
 *   h(x)  = the explanation: ∂ (selector · g(x)) / ∂x, its absolute value, or times x
 *   ĥ(x)  = h(x) / mean|h(x)|                          (per image: the map's scale is not the attack's business)
 *   L(x)  = Σ_images  mean_pixels (ĥ(x) − ĥ_t)²  +  γ · Σ_outputs (g(x) − g(x₀))²
 *
 * One ORT call returns L, its gradient ∂L/∂x, the normalised map, the outputs and both terms per
 * image. The graph is built on whatever network it is given: the attack hands it the β-smoothed
 * network (onnx/softplus-smoothing.ts), whose Hessian is not zero almost everywhere.
 */
import type { Graph } from '../onnx/graph.js';
import { attr, floatTensorValue } from '../onnx/graph.js';
import { GraphEditor } from '../onnx/editor.js';
import { buildGradientGraph } from '../onnx/autodiff/gradient.js';
import { createSession, type Session } from '../onnx/runtime.js';
import { tensor, type Tensor } from '../tensor/tensor.js';

/** Which gradient explanation the attack moves: the signed gradient, |gradient| (saliency's default), or gradient × input. */
export type GradientMap = 'gradient' | 'abs-gradient' | 'gradient-x-input';

export const GRADIENT_MAPS: readonly GradientMap[] = ['gradient', 'abs-gradient', 'gradient-x-input'];

/** Added to mean|h| so that an all-zero map (a dead network) normalises to zero instead of NaN. */
const NORM_FLOOR = 1e-12;

export interface ManipulationLossGraph {
  /** Computes L and its gradient ∂L/∂x (and the kept values). */
  readonly graph: Graph;
  /** Computes L only (the first-order graph plus the loss), before the second differentiation: for checking ∂L/∂x independently. */
  readonly lossGraph: Graph;
  /** Graph inputs: the images, the first-order cotangent (one-hot of the explained class), the target map ĥ_t, the reference outputs g(x₀). */
  readonly inputs: { readonly x: string; readonly selector: string; readonly target: string; readonly reference: string };
  /** Graph outputs: ∂L/∂x, the normalised map ĥ, the outputs g(x), the map and output terms per image [N], and the total L. */
  readonly outputs: { readonly gradient: string; readonly map: string; readonly output: string; readonly mapLoss: string; readonly outputLoss: string; readonly loss: string };
}

function reduceSum(e: GraphEditor, x: string, axes: readonly number[], keepdims: boolean, hint: string): string {
  const keep = { keepdims: attr.int(keepdims ? 1 : 0) };
  if (e.opsetVersion >= 13) return e.op('ReduceSum', [x, e.constInt64(axes)], keep, hint);
  return e.op('ReduceSum', [x], { ...keep, axes: attr.ints(axes) }, hint);
}

/**
 * The attack's loss graph on `forward` (input `input` [N, …static], output `output` [N, K]).
 * `gamma` weighs the output term against the map term.
 */
export function manipulationLossGraph(forward: Graph, input: string, output: string, map: GradientMap, gamma: number): ManipulationLossGraph {
  if (!(gamma >= 0) || !Number.isFinite(gamma)) throw new Error(`manipulation loss: γ must be a number ≥ 0 (got ${gamma})`);
  const info = forward.inputs.find((i) => i.name === input);
  if (!info?.shape) throw new Error(`manipulation loss: the graph has no input '${input}' with a shape`);
  const pixels = info.shape.slice(1).reduce<number>((a, d) => a * (typeof d === 'number' ? d : NaN), 1);
  if (!Number.isFinite(pixels)) throw new Error(`manipulation loss: input '${input}' needs a static shape except for the batch`);
  const mapAxes = info.shape.slice(1).map((_, i) => i + 1);

  const first = buildGradientGraph(forward, { outputs: [output], wrt: [input], keep: [output], differentiable: true });
  const e = GraphEditor.from(first.graph);
  e.outputs.length = 0;
  const target = e.input('manipulation_target_map', info.shape);
  const reference = e.input('manipulation_reference_output', ['N', 'K']);
  const gradient = first.gradients[0];
  const raw = map === 'gradient' ? gradient : map === 'abs-gradient' ? e.op('Abs', [gradient], {}, 'manipulation_abs_map') : e.op('Mul', [gradient, input], {}, 'manipulation_ixg_map');
  const scale = e.op('Add', [e.op('Mul', [reduceSum(e, e.op('Abs', [raw]), mapAxes, true, 'manipulation_map_l1'), e.constFloat([1 / pixels])]), e.constFloat([NORM_FLOOR])]);
  const normalised = e.op('Div', [raw, scale], {}, 'manipulation_map');
  const mapDiff = e.op('Sub', [normalised, target]);
  const mapLoss = e.op('Mul', [reduceSum(e, e.op('Mul', [mapDiff, mapDiff]), mapAxes, false, 'manipulation_map_sq'), e.constFloat([1 / pixels])], {}, 'manipulation_map_loss');
  const outDiff = e.op('Sub', [output, reference]);
  const outputLoss = reduceSum(e, e.op('Mul', [outDiff, outDiff]), [1], false, 'manipulation_output_loss');
  const perImage = e.op('Add', [mapLoss, e.op('Mul', [outputLoss, e.constFloat([gamma])])]);
  const loss = reduceSum(e, perImage, [0], false, 'manipulation_loss');
  e.output(loss, []);
  const keep = [loss, normalised, output, mapLoss, outputLoss];
  const lossGraph = e.build();
  const second = buildGradientGraph(lossGraph, { outputs: [loss], wrt: [input], keep });
  // The loss's own cotangent is fixed at 1 (we want ∂L/∂x itself), so it becomes a constant.
  const g = GraphEditor.from(second.graph);
  const cotangent = second.cotangents[0];
  const at = g.inputs.findIndex((i) => i.name === cotangent);
  g.inputs.splice(at, 1);
  g.initializers.set(cotangent, floatTensorValue([], [1]));
  return {
    graph: g.build(),
    lossGraph,
    inputs: { x: input, selector: first.cotangents[0], target, reference },
    outputs: { gradient: second.gradients[0], map: normalised, output, mapLoss, outputLoss, loss },
  };
}

export interface ManipulationLossValues {
  /** ∂L/∂x, shape of the images. */
  readonly gradient: Tensor;
  /** ĥ(x), normalised to mean |ĥ| = 1 per image. */
  readonly map: Tensor;
  readonly output: Tensor;
  readonly mapLoss: Tensor;
  readonly outputLoss: Tensor;
  readonly loss: number;
}

/** The loss graph in an ORT session: one call per attack step. */
export class ManipulationLoss {
  private constructor(
    readonly spec: ManipulationLossGraph,
    /** The output term's weight the graph was built with. */
    readonly gamma: number,
    private readonly session: Session,
  ) {}

  static async create(forward: Graph, input: string, output: string, map: GradientMap, gamma: number): Promise<ManipulationLoss> {
    const spec = manipulationLossGraph(forward, input, output, map, gamma);
    return new ManipulationLoss(spec, gamma, await createSession(spec.graph));
  }

  async run(x: Tensor, selector: Tensor, target: Tensor, reference: Tensor): Promise<ManipulationLossValues> {
    const { inputs, outputs } = this.spec;
    const r = await this.session.run({ [inputs.x]: x, [inputs.selector]: selector, [inputs.target]: target, [inputs.reference]: reference });
    return { gradient: r[outputs.gradient], map: r[outputs.map], output: r[outputs.output], mapLoss: r[outputs.mapLoss], outputLoss: r[outputs.outputLoss], loss: r[outputs.loss].data[0] };
  }

  dispose(): Promise<void> {
    return this.session.release();
  }
}

/** A normalised map (mean |ĥ| = 1 per row) of `values` [N, …], as the loss graph normalises: for targets. */
export function normaliseMaps(values: Tensor): Tensor {
  const n = values.shape[0];
  const d = values.data.length / Math.max(n, 1);
  const out = new Float32Array(values.data.length);
  for (let i = 0; i < n; i++) {
    let l1 = 0;
    for (let j = i * d; j < (i + 1) * d; j++) l1 += Math.abs(values.data[j]);
    const s = l1 / d + NORM_FLOOR;
    for (let j = i * d; j < (i + 1) * d; j++) out[j] = values.data[j] / s;
  }
  return tensor(values.shape, out);
}
