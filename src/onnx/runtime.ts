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
import type { OptimizedGraphStore } from './optimized-graph-store.js';
import { constantBytes, graphFingerprint } from './graph-fingerprint.js';

/** Whether a session's graph came from the optimised-graph store ('hit'), was optimised and stored ('miss'), or no store was used ('off'). */
export type SessionCacheOutcome = 'hit' | 'miss' | 'off';

export interface Session {
  readonly optimizedGraph?: SessionCacheOutcome;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Readonly<Record<string, Tensor>>, fetches?: readonly string[]): Promise<Record<string, Tensor>>;
  /** Frees ORT's memory for this session now (a VGG gradient session holds gigabytes). */
  release(): Promise<void>;
}

/** ORT's graph optimisation levels (onnxruntime's `graphOptimizationLevel`). */
export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface RuntimeOptions {
  /** Threads for one operator; defaults to ORT's choice (all cores). */
  threads?: number;
  /**
   * Graph optimisation before the first run (default 'all'; chosen by measurement, see
   * bench/session-cost.ts: 'all' builds ResNet-18's backward session no slower than 'extended' and
   * its NCHWc layout runs it fastest).
   */
  optimizationLevel?: OptimizationLevel;
  /**
   * Whether ORT's idle intra-op threads spin-wait for the next operator (ORT's
   * `session.intra_op.allow_spinning`). Default: SPINNING_DEFAULT, or TRUSTSCOPE_ORT_SPINNING=0/1.
   * Spinning burns a core between operators; on a machine that is busy with anything else it steals
   * the cycles the other threads need (README, "Spinning").
   */
  spinning?: boolean;
}

/** ORT's own default (spin) unless measured otherwise; see RuntimeOptions.spinning. */
export const SPINNING_DEFAULT = true;

/** Spinning for a session: TRUSTSCOPE_ORT_SPINNING (0 or 1) first, then the option, then the default. */
export function spinningFor(options: RuntimeOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  const forced = env.TRUSTSCOPE_ORT_SPINNING;
  if (forced === '0' || forced === '1') return forced === '1';
  return options.spinning ?? SPINNING_DEFAULT;
}

let defaultOptions: RuntimeOptions = {};
let optimizedGraphs: OptimizedGraphStore | undefined;

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

function describeError(name: string, e: unknown): Error {
  const message = (e as Error).message ?? String(e);
  return new Error(`ONNX Runtime rejected graph '${name}': ${message.split('\n')[0]}`);
}

/**
 * Where ORT's optimised graphs are kept between processes (optimized-graph-store.ts), or undefined
 * for none: the default, by measurement (bench/session-cost.ts); the CLI installs one when the
 * environment asks for it, a library user passes one. Process-wide, like the threads.
 */
export function useOptimizedGraphStore(store: OptimizedGraphStore | undefined): void {
  optimizedGraphs = store;
}

export function optimizedGraphStore(): OptimizedGraphStore | undefined {
  return optimizedGraphs;
}

function sessionOptions(options: RuntimeOptions, level: OptimizationLevel): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: level,
    executionMode: 'sequential',
    interOpNumThreads: 1,
    logSeverityLevel: LOG_SEVERITY.severity,
    ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    ...(spinningFor(options) ? {} : { extra: { session: { intra_op: { allow_spinning: '0' } } } }),
  };
}

/** The settings an optimised graph depends on besides the graph: part of its store key. */
function optimizedGraphSettings(options: RuntimeOptions, level: OptimizationLevel): string {
  return `onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}|level ${level}|threads ${options.threads ?? 'default'}`;
}

/**
 * An ORT session for `graph`. With an optimised-graph store (and a level above 'disabled'), the graph
 * ORT optimised in an earlier process is loaded with optimisation off — ORT's "offline mode", valid
 * on the same ORT version and hardware, which the key holds — instead of encoding and optimising it
 * again; a miss encodes, optimises and asks ORT to write the result, which the store keeps for next
 * time (in the background, while the session runs). A stored graph ORT cannot load is dropped and
 * rebuilt, never an error.
 */
async function inferenceSession(graph: Graph, options: RuntimeOptions): Promise<{ session: ort.InferenceSession; cache: SessionCacheOutcome }> {
  const level = options.optimizationLevel ?? 'all';
  const store = level === 'disabled' ? undefined : optimizedGraphs;
  const entry = store?.entryFor(graphFingerprint(graph), constantBytes(graph), optimizedGraphSettings(options, level));
  if (!store || !entry) return { session: await ort.InferenceSession.create(encodeModel(graph), sessionOptions(options, level)), cache: 'off' };
  const stored = await store.read(entry);
  if (stored) {
    try {
      return { session: await ort.InferenceSession.create(stored, sessionOptions(options, 'disabled')), cache: 'hit' };
    } catch {
      await store.forget(entry);
    }
  }
  const scratch = await store.scratchPath(entry);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(encodeModel(graph), { ...sessionOptions(options, level), ...(scratch ? { optimizedModelFilePath: scratch } : {}) });
  } catch (e) {
    if (scratch) await store.discard(scratch);
    throw e;
  }
  if (scratch) store.keepLater(entry, scratch);
  return { session, cache: 'miss' };
}

export async function createSession(graph: Graph, options: RuntimeOptions = defaultOptions): Promise<Session> {
  return wrapSession(graph.name, () => inferenceSession(graph, options));
}

/**
 * A session for an already encoded model, bypassing the optimised-graph store (`name` is the
 * graph's, for messages): for the benchmark, which times encoding and session creation apart.
 */
export async function sessionFromBytes(bytes: Uint8Array, name: string, options: RuntimeOptions = defaultOptions): Promise<Session> {
  const level = options.optimizationLevel ?? 'all';
  return wrapSession(name, async () => ({ session: await ort.InferenceSession.create(bytes, sessionOptions(options, level)), cache: 'off' as const }));
}

async function wrapSession(name: string, build: () => Promise<{ session: ort.InferenceSession; cache: SessionCacheOutcome }>): Promise<Session> {
  let session: ort.InferenceSession;
  let optimizedGraph: SessionCacheOutcome;
  try {
    ({ session, cache: optimizedGraph } = await build());
  } catch (e) {
    throw describeError(name, e);
  }
  return {
    optimizedGraph,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, fetches) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = new ort.Tensor('float32', t.data, [...t.shape]);
      let result: ort.InferenceSession.ReturnType;
      try {
        result = fetches ? await session.run(ortFeeds, [...fetches]) : await session.run(ortFeeds);
      } catch (e) {
        throw describeError(name, e);
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
