/**
 * Reads ONNX Runtime's profiling trace (the Chrome-trace JSON that `enableProfiling` writes) and
 * sums kernel time by op type and by node, counting only the timed runs (the warm-up's events,
 * which include the arena growing, are left out by their position among the `model_run` events).
 */
import '../src/onnx/ort-privacy.js';
import * as ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import type { Graph } from '../src/onnx/graph.js';
import { encodeModel } from '../src/onnx/proto.js';

/**
 * An ORT session as the profiling benches open it: level 'all', sequential, `threads` intra-op
 * threads, ORT's logging silenced; `extra` session options on top, and a trace when `profilePrefix`.
 */
export function profiledSession(graph: Graph, threads: number, extra: ort.InferenceSession.SessionOptions = {}, profilePrefix?: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(encodeModel(graph), {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    interOpNumThreads: 1,
    intraOpNumThreads: threads,
    logSeverityLevel: 4,
    ...extra,
    ...(profilePrefix ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
  });
}

interface TraceEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string; provider?: string };
}

export interface KernelSummary {
  /** Wall time of one model run (ORT's `model_run` event), median over the timed runs, ms. */
  runMs: number;
  /** Sum of kernel time per run, ms (less than runMs by ORT's own scheduling and fences). */
  kernelMs: number;
  /** Per op type: ms per run and the node count. */
  byOp: { op: string; ms: number; nodes: number }[];
  /** Per node: ms per run. */
  byNode: { node: string; op: string; ms: number }[];
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Summary of the last `timedRuns` runs in the trace at `path`. */
export async function summariseProfile(path: string, timedRuns: number): Promise<KernelSummary> {
  const events = JSON.parse(await readFile(path, 'utf8')) as TraceEvent[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  if (runs.length < timedRuns) throw new Error(`profile ${path} holds ${runs.length} runs, expected at least ${timedRuns}`);
  const timed = runs.slice(runs.length - timedRuns);
  const start = timed[0].ts;
  const perOp = new Map<string, { us: number; nodes: Set<string> }>();
  const perNode = new Map<string, { op: string; us: number }>();
  let total = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || e.ts < start || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? '?';
    const node = e.name.slice(0, -'_kernel_time'.length);
    total += e.dur;
    const o = perOp.get(op) ?? { us: 0, nodes: new Set<string>() };
    o.us += e.dur;
    o.nodes.add(node);
    perOp.set(op, o);
    const n = perNode.get(node) ?? { op, us: 0 };
    n.us += e.dur;
    perNode.set(node, n);
  }
  const ms = (us: number) => us / 1000 / timedRuns;
  return {
    runMs: median(timed.map((r) => r.dur / 1000)),
    kernelMs: ms(total),
    byOp: [...perOp].map(([op, v]) => ({ op, ms: ms(v.us), nodes: v.nodes.size })).sort((a, b) => b.ms - a.ms),
    byNode: [...perNode].map(([node, v]) => ({ node, op: v.op, ms: ms(v.us) })).sort((a, b) => b.ms - a.ms),
  };
}
