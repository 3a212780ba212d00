/**
 * Provenance: what it takes to reproduce a run's numbers, gathered in one place and written into
 * run.json, into every JSON output (as its `provenance` field) and into the footer of every HTML page.
 * It records the trustscope version, the command with every option (defaults included) and the seed,
 * each input file's size and SHA-256, each model's SHA-256, producer and opset, the ONNX Runtime
 * and Node versions, the machine (OS, CPU, cores) and the wall time per stage.
 * `trustscope verify` (verify.ts) re-runs a folder from this record.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { decodeModelOrigin, type ModelOrigin } from '../onnx/proto.js';

export const TOOL_VERSION = '0.1.0';

export interface InputRecord {
  path: string;
  bytes: number;
  sha256: string;
}

export interface ModelRecord extends InputRecord, Partial<ModelOrigin> {}

export interface Machine {
  os: string;
  release: string;
  arch: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
}

export interface Provenance {
  trustscope: string;
  command: string;
  /** The arguments as typed; `options` holds every option after parsing, defaults included. */
  arguments: string[];
  /** The folder relative paths in `arguments` are relative to. */
  cwd: string;
  options: Record<string, unknown>;
  seed?: number;
  models: ModelRecord[];
  inputs: InputRecord[];
  onnxruntime: string;
  node: string;
  machine: Machine;
  started: string;
  /** Wall time so far (run.json: the whole run). */
  seconds: number;
  /** Wall seconds per progress stage, in the order they ran. */
  stages: Record<string, number>;
}

export async function sha256File(path: string): Promise<InputRecord> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { path, bytes, sha256: hash.digest('hex') };
}

let ortVersion: string | undefined;

/** The onnxruntime-node package's version, read from its package.json (only runtime.ts loads ORT itself). */
export function onnxRuntimeVersion(): string {
  if (ortVersion === undefined) {
    try {
      const require = createRequire(import.meta.url);
      ortVersion = String((JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version?: string }).version ?? 'unknown');
    } catch {
      ortVersion = 'unknown';
    }
  }
  return ortVersion;
}

export function machine(): Machine {
  const cores = cpus();
  return { os: platform(), release: release(), arch: arch(), cpu: cores[0]?.model.trim() ?? 'unknown', cores: cores.length, memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10 };
}

/** An .onnx input's producer and opsets; a file that does not decode keeps only its hash. */
export async function modelRecord(input: InputRecord): Promise<ModelRecord> {
  try {
    return { ...input, ...decodeModelOrigin(await readFile(input.path), input.path) };
  } catch {
    return input;
  }
}

/** Parsed options as JSON: functions and undefined dropped, typed arrays as plain arrays. */
export function jsonOptions(options: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(options, (_k, v: unknown) => {
      if (typeof v === 'function' || typeof v === 'bigint') return undefined;
      if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
      return v;
    }) ?? '{}',
  ) as Record<string, unknown>;
}

/**
 * Wall time per stage, fed by the commands' progress reporters (run.ts): the time between a stage's
 * first update and the next stage's first update is charged to it; a stage that comes back (the
 * same check on a second model) accumulates.
 */
export class StageClock {
  private readonly seconds = new Map<string, number>();
  private current: string | undefined;
  private since = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  update(stage: string): void {
    if (stage === this.current) return;
    this.settle();
    this.current = stage;
  }

  /** Seconds per stage up to now (the running stage included). */
  snapshot(): Record<string, number> {
    this.settle();
    return Object.fromEntries([...this.seconds].map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
  }

  private settle(): void {
    const t = this.now();
    if (this.current !== undefined) this.seconds.set(this.current, (this.seconds.get(this.current) ?? 0) + (t - this.since) / 1000);
    this.since = t;
  }
}

let activeClock: StageClock | undefined;

/** The clock of the run in progress (runInFolder sets it; progress reporters feed it). */
export function setActiveStageClock(clock: StageClock | undefined): void {
  activeClock = clock;
}

export function activeStageClock(): StageClock | undefined {
  return activeClock;
}

/** Adds `provenance` to a JSON output's text (an object), keeping its indentation; other JSON is left as it is. */
export function withProvenanceField(text: string, provenance: Provenance): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return text;
  const indent = /^\{\n( +)"/.exec(text)?.[1].length;
  return JSON.stringify({ ...(value as Record<string, unknown>), provenance }, null, indent) + (text.endsWith('\n') ? '\n' : '');
}
