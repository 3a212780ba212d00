/**
 * The Model contract every method and metric talks to, and its one implementation over an ONNX
 * graph. Methods build batches; the model splits them by `internalBatchSize`, runs them in ONNX
 * Runtime and joins the results, so memory stays bounded whatever the method asks for.
 */
import type { Tensor } from '../tensor/tensor.js';
import { concatRows, firstNonFinite, shapeToString, sizeOf, sliceRows, tensor } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import type { Graph, Node, TensorValue, ValueInfo } from '../onnx/graph.js';
import { DataType, attr, floatTensorValue, runtimeInputs } from '../onnx/graph.js';
import { buildGradientGraph } from '../onnx/autodiff/gradient.js';
import { inferShapes } from '../onnx/shapes.js';
import { SessionCache } from '../onnx/runtime.js';
import { modelParameters, reinitialValues, type ParameterChange, type ParameterInfo } from './model-parameters.js';
// The parameter types live with parameter discovery; callers keep importing them from here.
export type { ParameterChange, ParameterInfo } from './model-parameters.js';
import { ruleOverrides, rowsPerGroup, type BackwardRules } from '../onnx/autodiff/backward-rules.js';
import { DEFAULT_MEMORY_BUDGET, rowCost, rowsPerCall, type RowCost } from './memory-budget.js';
import { ParameterFamily } from './parameter-family.js';
import type { Session } from '../onnx/runtime.js';
import { IncrementalOcclusion } from './incremental-occlusion.js';
import { PREDICTED_COTANGENT_MIN_OPSET, withPredictedCotangent } from './predicted-cotangent.js';
import { flatOutput } from './flat-output.js';

export interface LayerInfo {
  readonly name: string;
  readonly node: string;
  readonly opType: string;
  readonly shape?: readonly number[];
}

export interface Model {
  /** Shape of one example, without the batch: [C, H, W] for images, [F] for tables. */
  readonly inputShape: readonly number[];
  /**
   * Shape of one example's output, without the batch: [K] for classes or regression outputs,
   * [K, H, W] for per-pixel outputs (segmentation logits). forward/vjp always speak the flat form.
   */
  readonly outputShape: readonly number[];
  /** Flat size of one example's output (the product of outputShape): the K of every [N, K] tensor. */
  readonly outputSize: number;
  /** Inner values usable for activations and Grad-CAM. */
  readonly layers: readonly string[];
  readonly parameters: readonly ParameterInfo[];
  forward(x: Tensor): Promise<Tensor>;
  /** d(sum(output ⊙ cotangent))/d(input); one backward pass per batch. */
  vjp(x: Tensor, cotangent: Tensor): Promise<{ output: Tensor; inputGrad: Tensor }>;
  /** The same w.r.t. a named inner value. */
  layerVjp(x: Tensor, layer: string, cotangent: Tensor): Promise<{ output: Tensor; activation: Tensor; grad: Tensor }>;
  withParameters(change: ParameterChange): Model;
  /**
   * Outputs [n·P, K] of each image with each window placement replaced by the baseline (row i·P + p),
   * by incremental inference (incremental-occlusion.ts); null when the graph has no local prefix to
   * exploit, and the caller then scores full copies. Optional: wrappers without it take the full path.
   */
  forwardOccluded?(x: Tensor, placements: readonly (readonly [number, number])[], window: readonly [number, number], baseline: Float32Array): Promise<Tensor | null>;
  /**
   * The same model whose vjp/layerVjp use replaced backward rules (guided backprop's ReLU,
   * DeepLIFT's rescale rules on input/baseline row pairs); optional, see backward-rules.ts.
   */
  withBackwardRules?(kind: BackwardRules): Model;
  /**
   * vjp / layerVjp for each row's predicted class (the argmax of its own output, first index on
   * ties), chosen inside the gradient graph, so no forward pass runs first (predicted-cotangent.ts);
   * `cotangent` is the one-hot used. Rules that take rows in groups (DeepLIFT's input/baseline
   * pairs) explain each group's first row's class on all its rows. Null when the model cannot (an
   * opset below 7). Optional: wrappers without them resolve the class with a forward pass.
   */
  predictedVjp?(x: Tensor): Promise<{ output: Tensor; inputGrad: Tensor; cotangent: Tensor } | null>;
  predictedLayerVjp?(x: Tensor, layer: string): Promise<{ output: Tensor; activation: Tensor; grad: Tensor; cotangent: Tensor } | null>;
}

export interface OnnxModelOptions {
  /** Rows per ONNX Runtime call; bounds memory. */
  internalBatchSize?: number;
  /** Bytes of activations per ONNX Runtime call (default 512 MB): caps the rows of big inputs further. */
  memoryBudget?: number;
  /** Backward rules of vjp/layerVjp (default 'gradient'). */
  backwardRules?: BackwardRules;
}

export class OnnxModel implements Model {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly outputSize: number;
  readonly layers: readonly string[];
  readonly layerInfo: readonly LayerInfo[];
  readonly parameters: readonly ParameterInfo[];
  readonly inputName: string;
  readonly outputName: string;
  readonly internalBatchSize: number;
  readonly memoryBudget: number;
  readonly backwardRules: BackwardRules;
  private readonly sessions = new SessionCache();
  private readonly variants = new Map<BackwardRules, OnnxModel>();
  private cost?: RowCost;
  /** Set on copies made by withParameters: they run the family's weights-as-inputs sessions (parameter-family.ts). */
  private family?: ParameterFamily;
  /** A family member that switched to constant-weight sessions of its own (see useOwnSessionsFor). */
  private detached = false;
  /** The family this model's own withParameters copies join (created on first use, freed by dispose). */
  private ownFamily?: ParameterFamily;
  private parameterFeeds?: Record<string, Tensor>;
  private incremental?: IncrementalOcclusion;
  /** The graph run: the one given, with a Flatten appended when its output is dense (flatOutput). */
  readonly graph: Graph;
  /** The graph as given; copies (withParameters, withBackwardRules) start from it, so they flatten alike. */
  private readonly givenGraph: Graph;

  constructor(graph: Graph, options: OnnxModelOptions = {}) {
    const inputs = runtimeInputs(graph);
    if (inputs.length !== 1) {
      throw new Error(`model '${graph.name}' has ${inputs.length} run-time inputs (${inputs.map((i) => i.name).join(', ')}); trustscope needs exactly one`);
    }
    const input = inputs[0];
    if (input.dataType !== DataType.FLOAT) throw new Error(`model input '${input.name}' must be float32`);
    if (!input.shape || input.shape.slice(1).some((d) => typeof d !== 'number' || d < 0)) {
      throw new Error(`model input '${input.name}' needs a static shape except for the batch (got ${JSON.stringify(input.shape)})`);
    }
    if (graph.outputs.length < 1) throw new Error(`model '${graph.name}' has no output`);
    this.givenGraph = graph;
    const flat = flatOutput(graph);
    graph = flat.graph;
    this.graph = graph;
    this.outputShape = flat.outputShape;
    this.inputName = input.name;
    this.outputName = graph.outputs[0].name;
    this.inputShape = input.shape.slice(1) as number[];
    this.internalBatchSize = Math.max(1, options.internalBatchSize ?? 64);
    this.memoryBudget = options.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
    if (!(this.memoryBudget > 0)) throw new Error(`memoryBudget must be a positive number of bytes (got ${options.memoryBudget})`);
    this.backwardRules = options.backwardRules ?? 'gradient';
    ruleOverrides(this.backwardRules);

    const info = inferShapes(graph);
    this.outputSize = sizeOf(this.outputShape);

    const layerInfo: LayerInfo[] = [];
    for (const n of graph.nodes) {
      if (n.opType === 'Constant') continue;
      for (const o of n.outputs) if (o && o !== this.outputName) layerInfo.push({ name: o, node: n.name, opType: n.opType, shape: info.shapes.get(o) });
    }
    this.layerInfo = layerInfo;
    this.layers = layerInfo.map((l) => l.name);

    this.parameters = modelParameters(graph);
  }

  private check(x: Tensor, what = 'input'): void {
    const want = this.inputShape;
    if (x.shape.length !== want.length + 1 || x.shape.slice(1).some((d, i) => d !== want[i])) {
      throw new Error(`${what} has shape ${shapeToString(x.shape)} but the model takes [N, ${want.join(', ')}]; reshape the data or pick the matching model`);
    }
    const bad = firstNonFinite(x.data);
    if (bad >= 0) throw new Error(`${what} holds a non-finite value (${x.data[bad]}) at flat index ${bad}; clean the data first`);
  }

  /** Rows per ONNX Runtime call: internalBatchSize, capped by memoryBudget (see memory-budget.ts). */
  rowsPerCall(pass: 'forward' | 'backward'): number {
    this.cost ??= rowCost({ ...this.graph, outputs: [this.graph.outputs[0]] });
    const group = pass === 'backward' ? rowsPerGroup(this.backwardRules) : 1;
    return rowsPerCall(this.internalBatchSize, this.cost[pass], this.memoryBudget, group);
  }

  /** Runs `step` on row chunks of at most rowsPerCall(pass) rows and joins each named result. */
  private async batched<K extends string>(rows: number, step: (start: number, end: number) => Promise<Record<K, Tensor>>, pass: 'forward' | 'backward' = 'forward'): Promise<Record<K, Tensor>> {
    const parts: Record<string, Tensor[]> = {};
    const size = this.rowsPerCall(pass);
    // An empty batch still runs once, so that every result comes back with its [0, …] shape.
    for (let start = 0; start === 0 || start < rows; start += size) {
      const end = Math.min(rows, start + size);
      const out = await step(start, end);
      for (const [k, v] of Object.entries(out) as [string, Tensor][]) (parts[k] ??= []).push(v);
    }
    const joined: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(parts)) joined[k] = v.length === 1 ? v[0] : concatRows(v);
    return joined as Record<K, Tensor>;
  }

  private forwardGraph(): Graph {
    const out = this.graph.outputs[0];
    const graph = { ...this.graph, outputs: [out] };
    return this.shared ? this.shared.fed(graph) : graph;
  }

  /** The family whose sessions this model runs, unless it has sessions of its own. */
  private get shared(): ParameterFamily | undefined {
    return this.detached ? undefined : this.family;
  }

  /**
   * Fed weights cost ORT its pre-packed, blocked kernels: 15–80% more per run on the tiny CNN and
   * the VGG-style net (figures in parameter-family.ts). A call that fits one ORT run (a saliency or
   * Grad-CAM pass) is cheaper shared than paying a gradient graph and session; the first call that
   * needs several runs (IG steps, occlusion windows) moves the copy to constant-weight sessions of
   * its own for good. Decided by row counts only, so a given sequence of calls always takes the same path.
   */
  private useOwnSessionsFor(rows: number, pass: 'forward' | 'backward'): void {
    if (this.shared && rows > this.rowsPerCall(pass)) this.detached = true;
  }

  /** A cached session; family members share theirs (keyed by backward rules too). */
  private session(key: string, build: () => Graph): Promise<Session> {
    return this.shared ? this.shared.sessions.get(`${this.backwardRules}|${key}`, build) : this.sessions.get(key, build);
  }

  /** Feeds of one ORT call: a family member adds its parameter values. */
  private feeds(feeds: Record<string, Tensor>): Record<string, Tensor> {
    if (!this.shared) return feeds;
    this.parameterFeeds ??= this.shared.feeds(this.graph);
    return { ...feeds, ...this.parameterFeeds };
  }

  private gradientGraph(key: string, build: () => ReturnType<typeof buildGradientGraph>): ReturnType<typeof buildGradientGraph> {
    return this.shared ? this.shared.gradient(`${this.backwardRules}|${key}`, build) : buildOnce(this, key, build);
  }

  async forward(x: Tensor): Promise<Tensor> {
    this.check(x);
    if (x.shape[0] === 0) return tensor([0, this.outputSize]);
    this.useOwnSessionsFor(x.shape[0], 'forward');
    const session = await this.session('forward', () => this.forwardGraph());
    const r = await this.batched(x.shape[0], async (s, e) => ({ y: (await session.run(this.feeds({ [this.inputName]: sliceRows(x, s, e) })))[this.outputName] }));
    return r.y;
  }

  /**
   * Inner values (layers or node names) from one forward pass, without building a backward graph:
   * for methods that only read activations (attention maps), and usable on models whose ops have
   * no gradient rule.
   */
  /** See Model.forwardOccluded. */
  async forwardOccluded(x: Tensor, placements: readonly (readonly [number, number])[], window: readonly [number, number], baseline: Float32Array): Promise<Tensor | null> {
    this.check(x);
    if (this.inputShape.length !== 3) return null;
    this.incremental ??= new IncrementalOcclusion(this.graph, this.inputName, this.outputName, { placementsPerBatch: Math.min(64, this.rowsPerCall('forward')) });
    return this.incremental.forwardOccluded(x, placements, window, baseline);
  }

  async activations(x: Tensor, layers: readonly string[]): Promise<Tensor[]> {
    this.check(x);
    const values = layers.map((l) => this.resolveLayer(l));
    const key = `activations:${values.join('|')}`;
    this.useOwnSessionsFor(x.shape[0], 'forward');
    const graph = (): Graph => ({ ...this.forwardGraph(), outputs: values.map((name) => ({ name, dataType: DataType.FLOAT })) });
    const session = await this.session(key, graph);
    const r = await this.batched(x.shape[0], async (s, e) => (await session.run(this.feeds({ [this.inputName]: sliceRows(x, s, e) }), values)) as Record<string, Tensor>);
    return values.map((v) => r[v]);
  }

  private checkCotangent(x: Tensor, cotangent: Tensor): void {
    if (cotangent.shape.length !== 2 || cotangent.shape[0] !== x.shape[0] || cotangent.shape[1] !== this.outputSize) {
      throw new Error(`cotangent has shape ${shapeToString(cotangent.shape)} but must be [${x.shape[0]}, ${this.outputSize}] (one row per input, one column per output)`);
    }
  }

  vjp(x: Tensor, cotangent: Tensor): Promise<{ output: Tensor; inputGrad: Tensor }> {
    return this.gradientRun(x, cotangent).then(({ output, grad }) => ({ output, inputGrad: grad }));
  }

  /** See Model.predictedVjp. */
  async predictedVjp(x: Tensor): Promise<{ output: Tensor; inputGrad: Tensor; cotangent: Tensor } | null> {
    if (!this.choosesPredictedInGraph()) return null;
    const { output, grad, cotangent } = await this.gradientRun(x, 'predicted');
    return { output, inputGrad: grad, cotangent: cotangent! };
  }

  /** See Model.predictedVjp. */
  async predictedLayerVjp(x: Tensor, layer: string): Promise<{ output: Tensor; activation: Tensor; grad: Tensor; cotangent: Tensor } | null> {
    if (!this.choosesPredictedInGraph()) return null;
    const { output, activation, grad, cotangent } = await this.gradientRun(x, 'predicted', layer);
    return { output, activation: activation!, grad, cotangent: cotangent! };
  }

  private choosesPredictedInGraph(): boolean {
    return this.graph.opsetVersion >= PREDICTED_COTANGENT_MIN_OPSET;
  }

  /**
   * One backward pass per row chunk: the gradient w.r.t. the input, or w.r.t. `layer` (then its
   * activation comes back too), for a given cotangent or for the predicted class chosen in the graph.
   */
  private async gradientRun(x: Tensor, cotangent: Tensor | 'predicted', layer?: string): Promise<{ output: Tensor; grad: Tensor; activation?: Tensor; cotangent?: Tensor }> {
    this.check(x);
    if (cotangent !== 'predicted') this.checkCotangent(x, cotangent);
    this.checkGroups(x);
    const value = layer === undefined ? this.inputName : this.resolveLayer(layer);
    const key = layer === undefined ? 'vjp' : `layer:${value}`;
    const keep = layer === undefined ? {} : { keep: [this.outputName, value] };
    const rules = ruleOverrides(this.backwardRules);
    this.useOwnSessionsFor(x.shape[0], 'backward');
    const plain = () => this.gradientGraph(key, () => buildGradientGraph(this.forwardGraph(), { outputs: [this.outputName], wrt: [value], ...keep, rules }));
    // The predicted-class graph is the plain one with its cotangent input computed inside (no second autodiff).
    const g = cotangent === 'predicted' ? this.gradientGraph(`${key}:predicted`, () => withPredictedCotangent(plain(), this.outputName, this.outputSize, rowsPerGroup(this.backwardRules))!) : plain();
    const sessionKey = cotangent === 'predicted' ? `${key}:predicted` : key;
    const session = await this.session(sessionKey, () => g.graph);
    return this.batched<string>(x.shape[0], async (s, e) => {
      const feeds: Record<string, Tensor> = { [this.inputName]: sliceRows(x, s, e) };
      if (cotangent !== 'predicted') feeds[g.cotangents[0]] = sliceRows(cotangent, s, e);
      const out = await session.run(this.feeds(feeds));
      const results: Record<string, Tensor> = { output: out[this.outputName], grad: out[g.gradients[0]] };
      if (layer !== undefined) results.activation = out[value];
      if (cotangent === 'predicted') results.cotangent = out[g.cotangents[0]];
      return results;
    }, 'backward') as Promise<{ output: Tensor; grad: Tensor; activation?: Tensor; cotangent?: Tensor }>;
  }

  private checkGroups(x: Tensor): void {
    const group = rowsPerGroup(this.backwardRules);
    if (x.shape[0] % group !== 0) {
      throw new Error(`a model with ${this.backwardRules} backward rules takes rows in groups of ${group} (input, baseline); got ${x.shape[0]} rows`);
    }
  }

  /** This model with other backward rules for vjp/layerVjp; cached, so sessions are built once per kind. */
  withBackwardRules(kind: BackwardRules): OnnxModel {
    if (kind === this.backwardRules) return this;
    let m = this.variants.get(kind);
    if (!m) {
      m = new OnnxModel(this.givenGraph, { internalBatchSize: this.internalBatchSize, memoryBudget: this.memoryBudget, backwardRules: kind });
      m.family = this.family;
      this.variants.set(kind, m);
    }
    return m;
  }

  layerShape(layer: string): readonly number[] | undefined {
    return this.layerInfo.find((l) => l.name === layer)?.shape;
  }

  /** Accepts a value name or the name of the node producing it. */
  resolveLayer(layer: string): string {
    if (this.layers.includes(layer)) return layer;
    const byNode = this.layerInfo.find((l) => l.node === layer);
    if (byNode) return byNode.name;
    throw new Error(`unknown layer '${layer}'; list the model's layers with 'trustscope layers --model M.onnx'`);
  }

  layerVjp(x: Tensor, layer: string, cotangent: Tensor): Promise<{ output: Tensor; activation: Tensor; grad: Tensor }> {
    return this.gradientRun(x, cotangent, layer).then(({ output, activation, grad }) => ({ output, activation: activation!, grad }));
  }

  /**
   * Frees the ONNX Runtime sessions now rather than at garbage collection; the model stays usable.
   * Copies made by withParameters share their origin's sessions: disposing a copy frees nothing
   * shared, disposing the origin frees them all.
   */
  async dispose(): Promise<void> {
    await Promise.all([...this.variants.values()].map((m) => m.dispose()));
    await this.ownFamily?.dispose();
    await this.incremental?.dispose();
    return this.sessions.dispose();
  }

  withParameters(change: ParameterChange): OnnxModel {
    const initializers = new Map<string, TensorValue>(this.givenGraph.initializers);
    const replace = (name: string, values: Float32Array) => {
      const old = initializers.get(name);
      if (!old) throw new Error(`withParameters: the model has no parameter '${name}'`);
      if (old.data.length !== values.length) throw new Error(`withParameters: '${name}' needs ${old.data.length} values, got ${values.length}`);
      initializers.set(name, floatTensorValue(old.dims, values));
    };
    const changed: string[] = [];
    if (change.kind === 'replace') {
      for (const [name, values] of change.values) {
        replace(name, values);
        changed.push(name);
      }
    } else {
      const rng = new Random(change.seed);
      for (const name of change.parameters) {
        const p = this.parameters.find((q) => q.name === name);
        if (!p) throw new Error(`withParameters: '${name}' is not a parameter of this model (see model.parameters)`);
        replace(name, reinitialValues(p, rng));
        changed.push(name);
      }
    }
    const copy = new OnnxModel({ ...this.givenGraph, initializers }, { internalBatchSize: this.internalBatchSize, memoryBudget: this.memoryBudget, backwardRules: this.backwardRules });
    // Copies that differ from this model only in parameter values share one set of weights-as-inputs
    // sessions (parameter-family.ts): no gradient graph or session per copy. Any other change
    // (a constant that is not a parameter) gets sessions of its own.
    const family = this.family ?? (this.ownFamily ??= new ParameterFamily(this.parameters.map((p) => p.name)));
    if (family.covers(changed)) {
      copy.family = family;
      copy.cost = this.cost;
    }
    return copy;
  }
}

const gradientGraphs = new WeakMap<OnnxModel, Map<string, ReturnType<typeof buildGradientGraph>>>();
function buildOnce(model: OnnxModel, key: string, build: () => ReturnType<typeof buildGradientGraph>) {
  let m = gradientGraphs.get(model);
  if (!m) gradientGraphs.set(model, (m = new Map()));
  let g = m.get(key);
  if (!g) m.set(key, (g = build()));
  return g;
}

export type { ValueInfo };
