/**
 * A small, defensive layer over h5wasm (the HDF5 C library compiled to WebAssembly) for readers of
 * HDF5-based formats.
 *
 * HDF5 runs in a worker thread and every call into it is synchronous with a time limit: the C
 * library can loop forever on a hostile file (a corrupt global heap makes H5Aread spin; h5py hangs
 * on the same file), and a loop inside WebAssembly cannot be interrupted in the thread that runs
 * it. When a call does not answer in time the worker is terminated (which frees all its memory)
 * and the next file gets a fresh one. Besides that:
 *
 * - h5wasm's convenience classes ignore the status of reads (a failed read of a corrupt chunk would
 *   return whatever was in the buffer): here every status is checked, and HDF5's error stack —
 *   which its default handler prints to stderr — is captured, so a failure becomes one line with
 *   the deepest HDF5 message;
 * - every allocation is bounded before it happens (a header claiming 2^40 elements is an error);
 * - `withH5File` always closes the file and unlinks the temporary copy, and if HDF5 kept the file
 *   open (an object id leaked by an error inside h5wasm's C++ glue) closes that stream too.
 *   `h5RuntimeState()` reports what is open, for tests.
 *
 * The worker and h5wasm (4 MB of WebAssembly) load on first use, so commands that read no HDF5
 * file never pay for them; the worker is unref'd and never keeps the process alive.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Metadata } from 'h5wasm';
import { H5_WORKER_SOURCE } from './h5-worker.js';

/** HDF5 datatype classes (H5T_class_t). */
export const H5T = { INTEGER: 0, FLOAT: 1, STRING: 3, COMPOUND: 6, ENUM: 8 } as const;

/** HDF5 object types from h5wasm's get_type (H5G_obj_t). */
const H5G_GROUP = 0;
const H5G_DATASET = 1;

/** An HDF5 problem: one line (the deepest message of HDF5's error stack when there is one). */
export class H5Problem extends Error {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'H5Problem';
  }
}

/** Time limits: loading the library, and one call (plus time per byte for data reads). */
export interface H5Limits {
  readonly startMs: number;
  readonly callMs: number;
  /** Extra milliseconds per MB of data read or file opened. */
  readonly msPerMB: number;
  /**
   * A worker whose WebAssembly heap has grown past this many bytes is replaced after the file (the
   * heap never shrinks, and HDF5 itself allocates what a corrupt header claims before checking it:
   * one corrupt global-heap object in a 16 kB file took 120 MB).
   */
  readonly recycleBytes: number;
}

export const DEFAULT_H5_LIMITS: H5Limits = { startMs: 60_000, callMs: 10_000, msPerMB: 100, recycleBytes: 512 * 2 ** 20 };

interface Reply {
  seq: number;
  ok: boolean;
  value?: unknown;
  error?: string;
  diagnostic?: string;
}

/** Where h5wasm's ES module is, found the way Node resolves a bare name (h5wasm exports no CommonJS entry). */
function h5wasmUrl(): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths('h5wasm') ?? []) {
    const pkgFile = join(dir, 'h5wasm', 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports?: Record<string, { import?: string }>; module?: string };
    const entry = pkg.exports?.['.']?.import ?? pkg.module;
    if (entry) return pathToFileURL(join(dir, 'h5wasm', entry)).href;
  }
  throw new H5Problem('cannot find the h5wasm package (npm install h5wasm)');
}

class H5Worker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private seq = 0;
  dead = false;
  maximumMemory = 2 ** 31;

  constructor(startMs: number) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(H5_WORKER_SOURCE, { eval: true, workerData: { port: port2, signal: this.signal, moduleUrl: h5wasmUrl() }, transferList: [port2], stdout: true, stderr: true });
    this.worker.unref();
    this.port.unref();
    // h5wasm prints nothing useful outside HDF5's error stack (captured in the worker): discard it.
    this.worker.stdout.resume();
    this.worker.stderr.resume();
    this.worker.on('error', () => {
      this.dead = true;
    });
    const info = this.request({ op: 'init' }, startMs) as { maximumMemory: number };
    this.maximumMemory = info.maximumMemory;
  }

  /**
   * One request, answered synchronously; a worker that does not answer in `timeoutMs` is
   * terminated. Requests are numbered: the worker writes the number of the request it answered into
   * the shared word, so a late wake-up from an earlier answer is never taken for this one.
   */
  request(message: Record<string, unknown>, timeoutMs: number, transfer: ArrayBuffer[] = []): unknown {
    if (this.dead) throw new H5Problem('the HDF5 worker has stopped');
    const seq = (this.seq = (this.seq % 0x7ffffffe) + 1);
    this.port.postMessage({ ...message, seq }, transfer);
    const deadline = performance.now() + timeoutMs;
    for (let seen = Atomics.load(this.signal, 0); seen !== seq; seen = Atomics.load(this.signal, 0)) {
      const left = deadline - performance.now();
      if (left <= 0 || this.dead) {
        this.kill();
        throw new H5Problem(`the HDF5 library did not answer within ${(timeoutMs / 1000).toFixed(1)} s (a corrupt file can make it loop)`);
      }
      Atomics.wait(this.signal, 0, seen, left);
    }
    for (let received = receiveMessageOnPort(this.port); received; received = receiveMessageOnPort(this.port)) {
      const reply = received.message as Reply;
      if (reply.seq !== seq) continue;
      if (!reply.ok) throw new H5Problem(reply.diagnostic ?? reply.error ?? 'unknown HDF5 failure');
      return reply.value;
    }
    this.kill();
    throw new H5Problem('the HDF5 worker signalled an answer but sent none');
  }

  kill(): void {
    this.dead = true;
    void this.worker.terminate();
  }
}

let shared: H5Worker | undefined;
let workerStarts = 0;

function worker(limits: H5Limits): H5Worker {
  if (!shared || shared.dead) {
    try {
      workerStarts++;
      shared = new H5Worker(limits.startMs);
    } catch (e) {
      shared = undefined;
      throw e instanceof H5Problem ? e : new H5Problem(`cannot start the HDF5 library (h5wasm): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return shared;
}

export interface H5DatasetInfo {
  readonly path: string;
  /** Datatype class (H5T), element size in bytes, byte order, signedness. */
  readonly type: number;
  readonly size: number;
  readonly signed: boolean;
  readonly littleEndian: boolean;
  readonly shape: readonly number[];
  readonly elements: number;
  readonly filtered: boolean;
  /** Variable-length strings (pointers in memory) and the character set (1 = UTF-8). */
  readonly vlen: boolean;
  readonly cset?: number;
  readonly members?: readonly { name: string; offset: number; type: number; size: number }[];
  readonly enumMembers?: Readonly<Record<string, number>>;
}

/** An open HDF5 file; valid only inside the `withH5File` callback. */
export class H5File {
  /** Paths ('/a/b') of every object reachable from the root, in HDF5's name order. */
  private listing?: string[];

  constructor(
    private readonly w: H5Worker,
    private readonly limits: H5Limits,
    private readonly id: bigint,
    /** The file's size: the bound for allocations of unfiltered data. */
    readonly bytes: number,
  ) {}

  /** One time-limited request; any failure becomes an H5Problem naming `path` and what was being done. */
  private ask(path: string, what: string, message: Record<string, unknown>, extraBytes = 0): unknown {
    try {
      return this.w.request(message, this.limits.callMs + (extraBytes / 1e6) * this.limits.msPerMB);
    } catch (e) {
      throw new H5Problem(`${what}: ${e instanceof Error ? e.message : String(e)}`, path);
    }
  }

  private call(path: string, what: string, fn: string, ...args: unknown[]): unknown {
    return this.ask(path, what, { op: 'call', fn, args: [this.id, ...args] });
  }

  /** Every object path in the file (hard links followed once; soft and external links skipped). */
  paths(): readonly string[] {
    if (!this.listing) {
      const names = this.call('/', 'cannot list the file', 'get_names', '/', true) as string[];
      this.listing = names.map((n) => `/${n}`);
    }
    return this.listing;
  }

  children(path: string): readonly string[] {
    return this.call(path, 'cannot list the group', 'get_names', path, false) as string[];
  }

  /** 'group', 'dataset' or undefined (missing, a link, a named type…). */
  kind(path: string): 'group' | 'dataset' | undefined {
    const t = this.call(path, 'cannot open', 'get_type', path) as number;
    return t === H5G_GROUP ? 'group' : t === H5G_DATASET ? 'dataset' : undefined;
  }

  attributeNames(path: string): readonly string[] {
    return this.call(path, 'cannot read the attributes', 'get_attribute_names', path) as string[];
  }

  /**
   * An attribute as a JS value: numbers (a scalar, or an array) or strings (fixed or variable
   * length; a scalar or an array); undefined for other types.
   */
  attribute(path: string, name: string): unknown {
    const what = `cannot read the attribute '${name}'`;
    const meta = this.call(path, what, 'get_attribute_metadata', path, name) as Metadata;
    const n = meta.total_size;
    const isString = meta.type === H5T.STRING;
    const isNumber = meta.type === H5T.INTEGER || meta.type === H5T.FLOAT || meta.type === H5T.ENUM;
    if (!isString && !isNumber) return undefined;
    const vlen = isString && meta.vlen;
    const nbytes = n * (vlen ? 4 : meta.size);
    if (!Number.isSafeInteger(nbytes) || nbytes < 0 || nbytes > this.bytes) throw new H5Problem(`the attribute '${name}' claims ${nbytes} bytes in a ${this.bytes}-byte file`, path);
    const got = this.ask(path, what, { op: 'attribute', id: this.id, path, name, nbytes, count: n, vlen }) as { bytes?: Uint8Array; strings?: string[] };
    let values: unknown[];
    if (got.strings) values = got.strings;
    else if (isString) values = fixedStrings(got.bytes!, n, meta.size, meta.cset).map((v) => v.replace(/\s+$/, ''));
    else {
      const data = decodeNumbers(got.bytes!, meta.type === H5T.ENUM ? H5T.INTEGER : meta.type, meta.size, meta.signed);
      if (!data) return undefined;
      values = Array.from(data as ArrayLike<number | bigint>, (v) => Number(v));
    }
    return meta.shape && meta.shape.length === 0 ? values[0] : values;
  }

  dataset(path: string): H5DatasetInfo {
    const meta = this.call(path, 'cannot open the dataset', 'get_dataset_metadata', path) as Metadata;
    const shape = meta.shape ?? [];
    const elements = meta.shape ? meta.total_size : 0;
    if (!Number.isSafeInteger(elements) || elements < 0 || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new H5Problem(`impossible shape [${shape.join(', ')}]`, path);
    const filters = this.call(path, 'cannot read the dataset filters', 'get_dataset_filters', path) as unknown[];
    return {
      path,
      type: meta.type,
      size: meta.size,
      signed: meta.signed,
      littleEndian: meta.littleEndian,
      shape,
      elements,
      filtered: filters.length > 0,
      vlen: meta.vlen,
      cset: meta.cset,
      members: meta.compound_type?.members.map((m) => ({ name: m.name, offset: m.offset, type: m.type, size: m.size })),
      enumMembers: meta.enum_type?.members,
    };
  }

  /**
   * The raw bytes (little-endian) of a dataset, or of the hyperslab `offset`/`count` of it. The size
   * is checked first: at most the file's size for unfiltered data, and at most `maxFilteredRatio`
   * times it for compressed data (deflate cannot expand more than ~1032×).
   */
  read(info: H5DatasetInfo, slab?: { offset: readonly number[]; count: readonly number[] }, maxFilteredRatio = 1032): Uint8Array {
    const elements = slab ? slab.count.reduce((a, b) => a * b, 1) : info.elements;
    const nbytes = this.checkSize(info, elements, info.size, maxFilteredRatio);
    if (nbytes === 0) return new Uint8Array(0);
    const got = this.ask(info.path, 'cannot read the data', { op: 'read', id: this.id, path: info.path, nbytes, count: slab?.count, offset: slab?.offset, vlen: false }, nbytes) as { bytes?: Uint8Array };
    if (!got.bytes || got.bytes.length !== nbytes) throw new H5Problem('cannot read the data: the HDF5 worker returned no data', info.path);
    return got.bytes;
  }

  /** A string dataset (fixed or variable length), e.g. Velox's JSON blobs. */
  strings(info: H5DatasetInfo): string[] {
    if (info.type !== H5T.STRING) throw new H5Problem('expected a string dataset', info.path);
    if (!info.vlen) return fixedStrings(this.read(info), info.elements, info.size, info.cset);
    const nbytes = this.checkSize(info, info.elements, 4, 1);
    if (nbytes === 0) return [];
    const got = this.ask(info.path, 'cannot read the strings', { op: 'read', id: this.id, path: info.path, nbytes, vlen: true }, nbytes) as { strings?: string[] };
    if (!got.strings) throw new H5Problem('cannot read the strings: the HDF5 worker returned none', info.path);
    return got.strings;
  }

  private checkSize(info: H5DatasetInfo, elements: number, size: number, maxFilteredRatio: number): number {
    const nbytes = elements * size;
    const available = info.filtered ? this.bytes * maxFilteredRatio : this.bytes;
    if (!Number.isSafeInteger(nbytes) || nbytes > available) {
      throw new H5Problem(`the dataset claims ${elements} elements of ${size} bytes (${nbytes} bytes) but the file has ${this.bytes} bytes${info.filtered ? ' (compressed)' : ''}; it is truncated or corrupt`, info.path);
    }
    if (nbytes > this.w.maximumMemory / 2) throw new H5Problem(`the dataset needs ${nbytes} bytes, more than the HDF5 library's memory allows (${this.w.maximumMemory / 2} bytes)`, info.path);
    return nbytes;
  }
}

function fixedStrings(raw: Uint8Array, n: number, size: number, cset: number | undefined): string[] {
  const decoder = new TextDecoder(cset === 1 ? 'utf-8' : 'latin1');
  return Array.from({ length: n }, (_, i) => {
    const one = raw.subarray(i * size, (i + 1) * size);
    const end = one.indexOf(0);
    return decoder.decode(end < 0 ? one : one.subarray(0, end));
  });
}

/** Typed view of little-endian element bytes, or undefined for sizes without a JS array type. */
export function decodeNumbers(bytes: Uint8Array, type: number, size: number, signed: boolean): ArrayLike<number> | ArrayLike<bigint> | undefined {
  const buf = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  if (type === H5T.FLOAT) {
    if (size === 4) return new Float32Array(buf);
    if (size === 8) return new Float64Array(buf);
    return undefined;
  }
  if (type !== H5T.INTEGER) return undefined;
  if (size === 1) return signed ? new Int8Array(buf) : new Uint8Array(buf);
  if (size === 2) return signed ? new Int16Array(buf) : new Uint16Array(buf);
  if (size === 4) return signed ? new Int32Array(buf) : new Uint32Array(buf);
  if (size === 8) return signed ? new BigInt64Array(buf) : new BigUint64Array(buf);
  return undefined;
}

/**
 * Opens `bytes` as an HDF5 file for the duration of `use`, then closes and removes it whatever
 * happens. Errors from HDF5, h5wasm or the worker surface as H5Problem.
 */
export async function withH5File<T>(bytes: Uint8Array, use: (file: H5File) => T, limits: H5Limits = DEFAULT_H5_LIMITS): Promise<T> {
  const w = worker(limits);
  // A copy of our own to hand over (Buffer.slice would share, and transferring would detach, the caller's memory).
  const copy = new Uint8Array(bytes);
  let opened: { id: bigint; name: string };
  try {
    opened = w.request({ op: 'open', bytes: copy.buffer }, limits.callMs + (bytes.length / 1e6) * limits.msPerMB, [copy.buffer]) as { id: bigint; name: string };
  } catch (e) {
    throw new H5Problem(`HDF5 cannot open it: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return use(new H5File(w, limits, opened.id, bytes.length));
  } finally {
    if (!w.dead) {
      try {
        const heapBytes = w.request({ op: 'close', id: opened.id, name: opened.name }, limits.callMs) as number;
        if (heapBytes > limits.recycleBytes) w.kill();
      } catch {
        // a worker that cannot close the file has been terminated, which frees it
      }
    }
  }
}

/** What the HDF5 worker holds now (open streams, temporary files, heap size), for tests. */
export async function h5RuntimeState(limits: H5Limits = DEFAULT_H5_LIMITS): Promise<{ openStreams: number; tempFiles: number; heapBytes: number; forcedCloses: number; workerStarts: number }> {
  const state = worker(limits).request({ op: 'state' }, limits.callMs) as { openStreams: number; tempFiles: number; heapBytes: number; forcedCloses: number };
  return { ...state, workerStarts };
}
