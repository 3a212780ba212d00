/**
 * The only file that touches ONNX Runtime. The browser build swaps this file for one over
 * onnxruntime-web; everything else sees Graph in, Tensor out.
 */
// First import: switches ORT's telemetry off before onnxruntime-node loads (see ort-privacy.ts).
import './ort-privacy.js';
import * as ort from 'onnxruntime-node';
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../tensor/tensor.js';
import type { Graph } from './graph.js';
import { encodeModel } from './proto.js';

export interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Readonly<Record<string, Tensor>>, fetches?: readonly string[]): Promise<Record<string, Tensor>>;
  /** Frees ORT's memory for this session now (a VGG gradient session holds gigabytes). */
  release(): Promise<void>;
}

export interface RuntimeOptions {
  /** Threads for one operator; defaults to ORT's choice (all cores). */
  threads?: number;
}

let defaultOptions: RuntimeOptions = {};

/**
 * ORT's own log lines only repeat the errors that our exceptions already carry (describeError), or
 * warn about things a user cannot act on (an unused initializer), and they are ANSI-coloured even in
 * a pipe. Only fatal lines stay; TRUSTSCOPE_DEBUG brings warnings back. The env level must be set
 * before the first session, when the binding creates ORT's environment.
 */
const LOG_SEVERITY = process.env.TRUSTSCOPE_DEBUG ? { level: 'warning', severity: 2 } as const : { level: 'fatal', severity: 4 } as const;
ort.env.logLevel = LOG_SEVERITY.level;

/** Process-wide runtime settings (e.g. `--threads` from the CLI, or the benchmark's 1-vs-2 runs). */
export function configureRuntime(options: RuntimeOptions): void {
  defaultOptions = { ...options };
}

function toTensor(name: string, value: ort.Tensor): Tensor {
  const dims = value.dims.map(Number);
  const data = value.data;
  if (data instanceof Float32Array) return tensor(dims, data);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return tensor(dims, Float32Array.from(data, (v) => Number(v)));
  if (ArrayBuffer.isView(data)) return tensor(dims, Float32Array.from(data as unknown as ArrayLike<number>));
  throw new Error(`runtime: output '${name}' has type ${value.type}, which trustscope cannot read`);
}

function describeError(graph: Graph, e: unknown): Error {
  const message = (e as Error).message ?? String(e);
  return new Error(`ONNX Runtime rejected graph '${graph.name}': ${message.split('\n')[0]}`);
}

export async function createSession(graph: Graph, options: RuntimeOptions = defaultOptions): Promise<Session> {
  const bytes = encodeModel(graph);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      interOpNumThreads: 1,
      logSeverityLevel: LOG_SEVERITY.severity,
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    });
  } catch (e) {
    throw describeError(graph, e);
  }
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, fetches) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, [...t.shape]);
      let result: ort.InferenceSession.ReturnType;
      try {
        result = fetches ? await session.run(ortFeeds, [...fetches]) : await session.run(ortFeeds);
      } catch (e) {
        throw describeError(graph, e);
      }
      const out: Record<string, Tensor> = {};
      for (const [name, value] of Object.entries(result)) out[name] = toTensor(name, value);
      return out;
    },
    release: () => session.release(),
  };
}

/** Caches sessions by a caller-chosen key: creating one costs 3–30 ms, running one far less. */
export class SessionCache {
  private readonly sessions = new Map<string, Promise<Session>>();

  /** `options` (default: the process-wide settings) apply to every session this cache creates. */
  constructor(private readonly options?: RuntimeOptions) {}

  get(key: string, build: () => Graph): Promise<Session> {
    let s = this.sessions.get(key);
    if (!s) {
      s = createSession(build(), this.options ?? defaultOptions);
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  /** Releases every cached session; later calls create them afresh. */
  async dispose(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => null))?.release()));
  }
}
