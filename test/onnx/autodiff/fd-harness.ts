/**
 * Finite-difference check of the ONNX autodiff. For a forward graph it
 *  (a) compares ONNX Runtime's forward pass with the float64 reference interpreter,
 *  (b) builds the gradient graph of L = sum(output ⊙ cotangent) w.r.t. every float input and the
 *      chosen initializers and runs it in ONNX Runtime with a random cotangent,
 *  (c) computes central differences of L in float64 with the reference interpreter, and
 *  (d) reports the relative L2 error of each gradient.
 * Relative L2 rather than max error: near-ties (max-pool windows, ReLU kinks) make single elements
 * of any two float32 engines disagree while the gradient as a whole agrees (see DESIGN.md).
 */
import { expect } from 'vitest';
import type { Attribute, Dim, Graph, TensorValue } from '../../../src/onnx/graph.js';
import { DataType, floatTensorValue } from '../../../src/onnx/graph.js';
import { DEFAULT_OPSET, GraphEditor } from '../../../src/onnx/editor.js';
import { buildGradientGraph } from '../../../src/onnx/autodiff/gradient.js';
import { createSession } from '../../../src/onnx/runtime.js';
import { Random } from '../../../src/tensor/random.js';
import { tensor, type Tensor } from '../../../src/tensor/tensor.js';
import { refTensor, runReference, sizeOfShape, type RefTensor } from '../reference-interpreter.js';

export interface GradientCheckOptions {
  /** Output to differentiate (default: the graph's first output). */
  readonly output?: string;
  /** Initializers to differentiate w.r.t., besides every float graph input. */
  readonly wrtInitializers?: readonly string[];
  /** Graph inputs to leave out of `wrt` (still fed with random values). */
  readonly constantInputs?: readonly string[];
  readonly seed?: number;
  /** Size substituted for symbolic dimensions such as the batch 'N'. */
  readonly batch?: number;
  /** Fixed values for some inputs (e.g. denominators kept away from zero). */
  readonly values?: Readonly<Record<string, Float32Array | readonly number[]>>;
  /** Finite-difference step relative to max(1, |x|). */
  readonly epsilon?: number;
  /** At most this many coordinates of each wrt value are probed (a seeded random subset). */
  readonly maxProbes?: number;
  /** Names the case in the FD_REPORT log line. */
  readonly label?: string;
}

export interface GradientCheckResult {
  /** Relative L2 error of ORT's forward output against the float64 interpreter. */
  readonly forwardError: number;
  /** Relative L2 error of each gradient against finite differences, by wrt name. */
  readonly errors: Readonly<Record<string, number>>;
  readonly gradients: Readonly<Record<string, Tensor>>;
  readonly outputShape: readonly number[];
}

function relativeL2(actual: ArrayLike<number>, expected: ArrayLike<number>, indices?: readonly number[]): number {
  let diff = 0;
  let norm = 0;
  const each = indices ?? Array.from({ length: expected.length }, (_, i) => i);
  for (const i of each) {
    diff += (actual[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  // An exactly zero reference gradient: report the absolute size of what ORT produced instead.
  return norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
}

function normals(n: number, rng: Random): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

export async function checkGradients(graph: Graph, options: GradientCheckOptions = {}): Promise<GradientCheckResult> {
  const rng = new Random(options.seed ?? 1234);
  const batch = options.batch ?? 2;
  const output = options.output ?? graph.outputs[0].name;
  const epsilon = options.epsilon ?? 1e-4;
  const initializerNames = options.wrtInitializers ?? [];
  const skip = new Set(options.constantInputs ?? []);

  const feeds: Record<string, Float32Array> = {};
  const shapes: Record<string, number[]> = {};
  for (const input of graph.inputs) {
    if (graph.initializers.has(input.name)) continue;
    if (input.dataType !== DataType.FLOAT) throw new Error(`fd-harness: input '${input.name}' is not float32`);
    const shape = (input.shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : batch));
    shapes[input.name] = shape;
    const fixed = options.values?.[input.name];
    feeds[input.name] = fixed ? Float32Array.from(fixed) : normals(sizeOfShape(shape), rng);
    if (feeds[input.name].length !== sizeOfShape(shape)) throw new Error(`fd-harness: wrong number of values for '${input.name}'`);
  }
  const wrtInputs = Object.keys(feeds).filter((n) => !skip.has(n));
  for (const name of initializerNames) {
    const init = graph.initializers.get(name);
    if (!init || !(init.data instanceof Float32Array)) throw new Error(`fd-harness: '${name}' is not a float32 initializer`);
  }

  const refFeeds: Record<string, RefTensor> = Object.fromEntries(Object.entries(feeds).map(([n, v]) => [n, refTensor(shapes[n], v)]));
  const reference = runReference(graph, refFeeds).get(output);
  if (!reference) throw new Error(`fd-harness: the reference interpreter did not compute '${output}'`);

  // (a) forward parity
  const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([n, v]) => [n, tensor(shapes[n], v)]));
  // One thread: these graphs are tiny, and idle pool threads spinning after each run would only
  // compete with the interpreter for the cores.
  const forward = await createSession(graph, { threads: 1 });
  const ortOut = (await forward.run(ortFeeds, [output]))[output];
  expect(ortOut.shape).toEqual(reference.shape);
  const forwardError = relativeL2(ortOut.data, reference.data);

  // (b) gradients from the generated graph
  const wrt = [...wrtInputs, ...initializerNames];
  const gradGraph = buildGradientGraph(graph, { outputs: [output], wrt });
  const cotangent = normals(reference.data.length, rng);
  const session = await createSession(gradGraph.graph, { threads: 1 });
  const result = await session.run({ ...ortFeeds, [gradGraph.cotangents[0]]: tensor(reference.shape, cotangent) }, gradGraph.gradients);

  // (c) central differences of L in float64
  const loss = (feedOverride: Record<string, RefTensor>, initOverride: Record<string, RefTensor>): number => {
    const out = runReference(graph, { ...refFeeds, ...feedOverride }, initOverride).get(output)!;
    let sum = 0;
    for (let i = 0; i < out.data.length; i++) sum += out.data[i] * cotangent[i];
    return sum;
  };

  const errors: Record<string, number> = {};
  const gradients: Record<string, Tensor> = {};
  wrt.forEach((name, k) => {
    const isInput = name in feeds;
    const shape = isInput ? shapes[name] : [...graph.initializers.get(name)!.dims];
    const base = Float64Array.from(isInput ? feeds[name] : (graph.initializers.get(name)!.data as Float32Array));
    const ortGrad = result[gradGraph.gradients[k]];
    expect(ortGrad.shape, `gradient shape of '${name}'`).toEqual(shape);
    gradients[name] = ortGrad;

    let probes = Array.from({ length: base.length }, (_, i) => i);
    if (options.maxProbes !== undefined && probes.length > options.maxProbes) probes = rng.shuffle(probes).slice(0, options.maxProbes);
    const fd = new Float64Array(base.length);
    for (const i of probes) {
      const h = epsilon * Math.max(1, Math.abs(base[i]));
      const at = (v: number): number => {
        const data = base.slice();
        data[i] = v;
        const t = refTensor(shape, data);
        return isInput ? loss({ [name]: t }, {}) : loss({}, { [name]: t });
      };
      const plus = base[i] + h;
      const minus = base[i] - h;
      fd[i] = (at(plus) - at(minus)) / (plus - minus);
    }
    errors[name] = relativeL2(ortGrad.data, fd, probes);
  });

  if (process.env.FD_REPORT) {
    const list = Object.entries(errors).map(([n, e]) => `${n}=${e.toExponential(1)}`).join(' ');
    console.log(`[fd] ${options.label ?? graph.name}: forward=${forwardError.toExponential(1)} ${list}`);
  }
  return { forwardError, errors, gradients, outputShape: reference.shape };
}

/** checkGradients, then asserts the forward pass and every gradient agree within `tolerance`. */
export async function expectGradientsMatch(graph: Graph, options: GradientCheckOptions = {}, tolerance = 1e-3): Promise<GradientCheckResult> {
  const result = await checkGradients(graph, options);
  expect(result.forwardError, `forward of '${graph.name}'`).toBeLessThan(1e-5);
  for (const [name, error] of Object.entries(result.errors)) {
    expect(error, `relative L2 error of d/d'${name}' in '${graph.name}'`).toBeLessThan(tolerance);
  }
  return result;
}

/** A graph operand: a run-time input with a shape, or an initializer with a value. */
export type Operand = { readonly name: string; readonly shape: readonly Dim[] } | { readonly name: string; readonly value: TensorValue };

/** A one-node graph `opType(operands…)` whose first output is the graph output; null operands are omitted inputs. */
export function opGraph(opType: string, operands: readonly (Operand | null)[], attributes: Record<string, Attribute> = {}, opset = DEFAULT_OPSET): Graph {
  const e = new GraphEditor(`${opType}_test`, opset);
  const inputs = operands.map((o) => {
    if (!o) return '';
    if ('value' in o) {
      e.names.reserve(o.name);
      e.initializers.set(o.name, o.value);
      return o.name;
    }
    return e.input(o.name, o.shape);
  });
  e.output(e.op(opType, inputs, attributes));
  return e.build();
}

/** A seeded float32 tensor value drawn from N(0, scale²). */
export function randomValue(dims: readonly number[], seed: number, scale = 1): TensorValue {
  const rng = new Random(seed);
  return floatTensorValue(dims, Array.from({ length: sizeOfShape(dims) }, () => rng.normal() * scale));
}

/**
 * The gradients of sum(output ⊙ cotangent) w.r.t. `wrt` at exact values, from ONNX Runtime (no
 * finite differences): for the tie and kink conventions, where a difference quotient is one-sided.
 */
export async function gradientsAt(
  graph: Graph,
  feeds: Readonly<Record<string, { shape: readonly number[]; data: readonly number[] | Float32Array }>>,
  cotangent: readonly number[] | Float32Array,
  wrt: readonly string[],
): Promise<Record<string, number[]>> {
  const output = graph.outputs[0].name;
  const grad = buildGradientGraph(graph, { outputs: [output], wrt });
  const session = await createSession(grad.graph, { threads: 1 });
  const ortFeeds: Record<string, Tensor> = Object.fromEntries(Object.entries(feeds).map(([n, v]) => [n, tensor([...v.shape], Float32Array.from(v.data))]));
  const forward = await createSession(graph, { threads: 1 });
  const shape = (await forward.run(ortFeeds, [output]))[output].shape;
  const result = await session.run({ ...ortFeeds, [grad.cotangents[0]]: tensor([...shape], Float32Array.from(cotangent)) }, grad.gradients);
  return Object.fromEntries(wrt.map((w, k) => [w, Array.from(result[grad.gradients[k]].data)]));
}

/**
 * Central differences, in float64 through the reference interpreter, of sum(output ⊙ cotangent)
 * w.r.t. one run-time input: what a model-level gradient (OnnxModel.vjp) is checked against.
 */
export function referenceInputGradient(graph: Graph, input: string, shape: readonly number[], x: ArrayLike<number>, cotangent: ArrayLike<number>, epsilon = 1e-4): Float64Array {
  const output = graph.outputs[0].name;
  const base = Float64Array.from(x);
  const loss = (data: Float64Array): number => {
    const out = runReference(graph, { [input]: refTensor(shape, data) }).get(output)!;
    let sum = 0;
    for (let i = 0; i < out.data.length; i++) sum += out.data[i] * cotangent[i];
    return sum;
  };
  const grad = new Float64Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const h = epsilon * Math.max(1, Math.abs(base[i]));
    const plus = base.slice();
    plus[i] += h;
    const minus = base.slice();
    minus[i] -= h;
    grad[i] = (loss(plus) - loss(minus)) / (plus[i] - minus[i]);
  }
  return grad;
}

/** Relative L2 distance of `actual` from `expected`. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  return relativeL2(actual, expected);
}
