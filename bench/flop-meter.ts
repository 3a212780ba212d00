/**
 * FLOPs a method actually asks of the model: wraps an OnnxModel so that every forward, activations,
 * vjp and layerVjp call records its rows under the graph that call runs, then counts each graph once
 * per row with countFlops (src/onnx/flops.ts; its count is exactly linear in the batch). The graphs
 * are rebuilt here with the same specs OnnxModel.vjp/layerVjp give buildGradientGraph, so "FLOPs of
 * the backward graph" means the nodes of the generated graph, not a rule of thumb.
 *
 * Occlusion's incremental path (forwardOccluded) recomputes only what each window reaches; its rows
 * are counted as the full forward passes they replace and flagged `effective`, so its GFLOP/s reads
 * as "full-recompute work per second" (it can exceed the machine's peak: that is the point of it).
 */
import type { OnnxModel } from '../src/models/model.js';
import type { Graph } from '../src/onnx/graph.js';
import { DataType } from '../src/onnx/graph.js';
import { buildGradientGraph } from '../src/onnx/autodiff/gradient.js';
import { ruleOverrides } from '../src/onnx/autodiff/backward-rules.js';
import { countFlops } from '../src/onnx/flops.js';
import type { Tensor } from '../src/tensor/tensor.js';

interface PassRecord {
  graph: () => Graph;
  rows: number;
  effective: boolean;
}

export interface MeteredFlops {
  /** FLOPs of the recorded calls. */
  total: number;
  /** Whether part of `total` is work the incremental occlusion path skipped (see the file comment). */
  effective: boolean;
  /** Nodes countFlops could not count, per graph ('pass: node (Op)'). */
  uncounted: string[];
}

export class FlopMeter {
  private readonly passes = new Map<string, PassRecord>();
  private readonly perRow = new Map<string, { flops: number; uncounted: string[] }>();

  /** Forgets the recorded calls (keeps the per-row counts of the graphs already seen). */
  reset(): void {
    this.passes.clear();
  }

  private record(key: string, rows: number, graph: () => Graph, effective = false): void {
    const p = this.passes.get(key);
    if (p) p.rows += rows;
    else this.passes.set(key, { graph, rows, effective });
  }

  /** The model, with its calls recorded here; everything else passes straight through. */
  wrap(model: OnnxModel): OnnxModel {
    const forwardGraph = (): Graph => ({ ...model.graph, outputs: [model.graph.outputs[0]] });
    const rules = () => ruleOverrides(model.backwardRules);
    const tag = `${model.backwardRules}|`;
    const recorded: Record<string, (...args: never[]) => unknown> = {
      forward: async (x: Tensor) => {
        this.record(`${tag}forward`, x.shape[0], forwardGraph);
        return model.forward(x);
      },
      activations: async (x: Tensor, layers: readonly string[]) => {
        const values = layers.map((l) => model.resolveLayer(l));
        this.record(`${tag}activations:${values.join('|')}`, x.shape[0], () => ({ ...forwardGraph(), outputs: values.map((name) => ({ name, dataType: DataType.FLOAT })) }));
        return model.activations(x, layers);
      },
      vjp: async (x: Tensor, cotangent: Tensor) => {
        this.record(`${tag}vjp`, x.shape[0], () => buildGradientGraph(forwardGraph(), { outputs: [model.outputName], wrt: [model.inputName], rules: rules() }).graph);
        return model.vjp(x, cotangent);
      },
      layerVjp: async (x: Tensor, layer: string, cotangent: Tensor) => {
        const value = model.resolveLayer(layer);
        this.record(`${tag}layer:${value}`, x.shape[0], () => buildGradientGraph(forwardGraph(), { outputs: [model.outputName], wrt: [value], keep: [model.outputName, value], rules: rules() }).graph);
        return model.layerVjp(x, layer, cotangent);
      },
      // The predicted-class forms run the same gradient graphs (plus an ArgMax and a one-hot, not counted).
      predictedVjp: async (x: Tensor) => {
        this.record(`${tag}vjp`, x.shape[0], () => buildGradientGraph(forwardGraph(), { outputs: [model.outputName], wrt: [model.inputName], rules: rules() }).graph);
        return model.predictedVjp(x);
      },
      predictedLayerVjp: async (x: Tensor, layer: string) => {
        const value = model.resolveLayer(layer);
        this.record(`${tag}layer:${value}`, x.shape[0], () => buildGradientGraph(forwardGraph(), { outputs: [model.outputName], wrt: [value], keep: [model.outputName, value], rules: rules() }).graph);
        return model.predictedLayerVjp(x, layer);
      },
      forwardOccluded: async (x: Tensor, placements: readonly (readonly [number, number])[], window: readonly [number, number], baseline: Float32Array) => {
        const out = await model.forwardOccluded(x, placements, window, baseline);
        // null: no local prefix, and the caller scores full copies through forward (recorded there).
        if (out) this.record(`${tag}occluded`, x.shape[0] * placements.length, forwardGraph, true);
        return out;
      },
      withBackwardRules: (kind: Parameters<OnnxModel['withBackwardRules']>[0]) => this.wrap(model.withBackwardRules(kind)),
      withParameters: (change: Parameters<OnnxModel['withParameters']>[0]) => this.wrap(model.withParameters(change)),
    };
    return new Proxy(model, {
      get(target, prop) {
        if (typeof prop === 'string' && Object.hasOwn(recorded, prop)) return recorded[prop];
        const value = Reflect.get(target, prop);
        // Methods run on the model itself, so its own inner calls are not recorded twice.
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  /** FLOPs of the calls recorded since the last reset. */
  flops(): MeteredFlops {
    let total = 0;
    let effective = false;
    const uncounted: string[] = [];
    for (const [key, p] of this.passes) {
      let per = this.perRow.get(key);
      if (!per) {
        const c = countFlops(p.graph(), { batch: 1 });
        per = { flops: c.total, uncounted: c.uncounted.map((n) => `${key}: ${n}`) };
        this.perRow.set(key, per);
      }
      total += per.flops * p.rows;
      effective ||= p.effective;
      uncounted.push(...per.uncounted);
    }
    return { total, effective, uncounted };
  }
}
