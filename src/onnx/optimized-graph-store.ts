/**
 * Optimised ONNX Runtime graphs kept on disk between processes (issue 21: a CLI call on ResNet-18
 * spent most of its time optimising the generated backward graph, again on every call).
 *
 * runtime.ts asks ORT to write the graph it optimised (`optimizedModelFilePath`); the store keeps it
 * under a key and a later process loads it with optimisation off — ORT's "offline mode", which is
 * only valid for the same ORT version, optimisation level and hardware (level 'all' writes NCHWc
 * layout nodes tied to the CPU's vector width). So the key is the graph's fingerprint
 * (graph-fingerprint.ts: every variant — forward, vjp, a layer's vjp, other backward rules — is a
 * different graph) hashed with those settings and the CPU's model name and feature flags.
 *
 * An entry is `MAGIC ‖ payload length ‖ CRC-32(payload) ‖ payload`: a truncated or damaged file
 * fails the check, is deleted and rebuilt, never loaded (CRC-32 rather than a cryptographic hash:
 * it guards against accidents, not attacks, at a tenth of the cost on 90 MB). Files are written to a temporary name and renamed, so a reader
 * never sees half a file, and two processes storing the same key both leave a complete one. The
 * folder is bounded (least recently used first, by mtime; a hit touches its file).
 *
 * Nothing here throws on a file-system problem: the store is an optimisation, and an unwritable or
 * full cache folder only costs the time it would have saved (the counts in `stats` say so).
 */
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { readdir, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { cpus, homedir } from 'node:os';
import { join } from 'node:path';
import { ensureDirectory, writeFileAtomic } from '../io/atomic-write.js';

const MAGIC = new TextEncoder().encode('TSOPTG01');
/** MAGIC, then the payload's length (float64) and CRC-32 (uint32), little-endian. */
const HEADER = MAGIC.length + 12;
const SUFFIX = '.ortgraph';
/** Scratch and temporary files older than this belong to a process that died mid-write. */
const STALE_SCRATCH_MS = 60 * 60 * 1000;

export interface StoreEntry {
  readonly key: string;
  readonly path: string;
}

export interface OptimizedGraphStoreOptions {
  /** Bound of the folder's size (default 2 GB); the least recently used entries go first. */
  maxBytes?: number;
  /**
   * Graphs with fewer bytes of constants are not stored (default 1 MB): a small graph's session takes
   * a few milliseconds to build, no more than hashing and reading a file (bench/session-cost.ts).
   */
  minModelBytes?: number;
}

export interface StoreStats {
  hits: number;
  misses: number;
  /** Entries that failed their check (or that ORT refused) and were deleted. */
  corrupt: number;
  written: number;
  /** Writes or reads that failed (unwritable folder, full disk); the session was built as usual. */
  errors: number;
}

export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
export const DEFAULT_MIN_MODEL_BYTES = 1024 ** 2;

let hardwareIdentity: string | undefined;
/** The CPU as the optimised graph depends on it: model name and feature flags (Linux), and the architecture. */
function hardware(): string {
  if (hardwareIdentity === undefined) {
    let flags = '';
    try {
      flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '';
    } catch {
      // Not Linux: the model name and architecture are what we have.
    }
    hardwareIdentity = `${process.arch}|${cpus()[0]?.model ?? '?'}|${flags}`;
  }
  return hardwareIdentity;
}

export class OptimizedGraphStore {
  readonly stats: StoreStats = { hits: 0, misses: 0, corrupt: 0, written: 0, errors: 0 };
  private readonly pending = new Set<Promise<void>>();
  private readonly maxBytes: number;
  private readonly minModelBytes: number;

  constructor(
    readonly dir: string,
    options: OptimizedGraphStoreOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.minModelBytes = options.minModelBytes ?? DEFAULT_MIN_MODEL_BYTES;
  }

  /**
   * The entry of a graph (its fingerprint, and its bytes of constants) under the runtime's settings,
   * or undefined when the graph is too small to be worth storing.
   */
  entryFor(fingerprint: string, constantBytes: number, settings: string): StoreEntry | undefined {
    if (constantBytes < this.minModelBytes) return undefined;
    const key = createHash('sha256').update(`${fingerprint}\n${settings}\n${hardware()}`).digest('hex');
    return { key, path: join(this.dir, `${key}${SUFFIX}`) };
  }

  /** The stored optimised graph, or undefined on a miss or a damaged file (which is deleted). */
  async read(entry: StoreEntry): Promise<Uint8Array | undefined> {
    let file: Buffer;
    try {
      file = await readFile(entry.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.stats.errors++;
      this.stats.misses++;
      return undefined;
    }
    const payload = file.subarray(HEADER);
    const intact =
      file.length > HEADER &&
      MAGIC.every((b, i) => file[i] === b) &&
      file.readDoubleLE(MAGIC.length) === payload.length &&
      file.readUInt32LE(MAGIC.length + 8) === crc32(payload);
    if (!intact) {
      this.stats.corrupt++;
      this.stats.misses++;
      await unlink(entry.path).catch(() => undefined);
      return undefined;
    }
    this.stats.hits++;
    // Least recently used is judged by mtime: a hit makes the entry young again.
    const now = new Date();
    await utimes(entry.path, now, now).catch(() => undefined);
    return payload;
  }

  /** Where ORT should write the optimised graph of a miss (a fresh name in the store's folder). */
  async scratchPath(entry: StoreEntry): Promise<string | undefined> {
    try {
      await ensureDirectory(this.dir);
    } catch {
      this.stats.errors++;
      return undefined;
    }
    return join(this.dir, `.${entry.key}.${process.pid}.${randomBytes(6).toString('hex')}.scratch`);
  }

  /**
   * Stores the graph ORT wrote at `scratch` under `entry` in the background: the caller's session is
   * ready, and copying 90 MB (ResNet-18's backward graph) then overlaps its first run instead of
   * delaying it. Node stays alive until the write ends; `settled()` waits for it.
   */
  keepLater(entry: StoreEntry, scratch: string): void {
    const p = this.keep(entry, scratch).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Resolves when every background write has ended. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Stores the graph ORT wrote at `scratch` under `entry` (checksummed, atomically), then bounds the folder. */
  async keep(entry: StoreEntry, scratch: string): Promise<void> {
    try {
      const payload = await readFile(scratch);
      const file = Buffer.alloc(HEADER + payload.length);
      file.set(MAGIC, 0);
      file.writeDoubleLE(payload.length, MAGIC.length);
      file.writeUInt32LE(crc32(payload), MAGIC.length + 8);
      file.set(payload, HEADER);
      await writeFileAtomic(entry.path, file);
      this.stats.written++;
    } catch {
      this.stats.errors++;
    } finally {
      await unlink(scratch).catch(() => undefined);
    }
    await this.prune();
  }

  /** Deletes a scratch file whose session failed (ORT may have written part of it). */
  async discard(scratch: string): Promise<void> {
    await unlink(scratch).catch(() => undefined);
  }

  /** Deletes an entry ORT could not load (written by another ORT build, or damaged in a way the checksum cannot see). */
  async forget(entry: StoreEntry): Promise<void> {
    this.stats.corrupt++;
    await unlink(entry.path).catch(() => undefined);
  }

  /** Removes the least recently used entries until the folder holds at most maxBytes, and stale scratch files. */
  async prune(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    const entries: { path: string; size: number; mtime: number }[] = [];
    const now = Date.now();
    for (const name of names) {
      const path = join(this.dir, name);
      const s = await stat(path).catch(() => undefined);
      if (!s?.isFile()) continue;
      // Scratch files of ORT and temporary files of writeFileAtomic left by a process that died.
      if (name.endsWith('.scratch') || name.endsWith('.tmp')) {
        if (now - s.mtimeMs > STALE_SCRATCH_MS) await unlink(path).catch(() => undefined);
      } else if (name.endsWith(SUFFIX)) entries.push({ path, size: s.size, mtime: s.mtimeMs });
    }
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    for (const e of entries.sort((a, b) => a.mtime - b.mtime)) {
      if (total <= this.maxBytes) break;
      await unlink(e.path).catch(() => undefined);
      total -= e.size;
    }
  }
}

/**
 * The store the CLI uses, when asked for: `optimized-graphs/` in trustscope's cache folder —
 * `$TRUSTSCOPE_CACHE_DIR`, else `$XDG_CACHE_HOME/trustscope`, else `~/.cache/trustscope`. Off unless
 * TRUSTSCOPE_CACHE=1 or TRUSTSCOPE_CACHE_DIR is set: measured on ResNet-18 with onnxruntime-node 1.30
 * (bench/session-cost.ts), a hit saves only ~65 ms of CPU per saliency call (ORT's optimisation is
 * a small part of building a session; parsing and packing the weights is most of it), while the
 * first call pays ~0.3 s more and the folder gets a copy of the weights per graph variant.
 * TRUSTSCOPE_NO_CACHE (anything but '' or '0') turns it off whatever else is set.
 * TRUSTSCOPE_CACHE_MAX_MB bounds its size (default 2048).
 */
export function optimizedGraphStoreFromEnv(env: NodeJS.ProcessEnv = process.env): OptimizedGraphStore | undefined {
  const set = (v: string | undefined) => v !== undefined && v !== '' && v !== '0';
  if (set(env.TRUSTSCOPE_NO_CACHE)) return undefined;
  if (!set(env.TRUSTSCOPE_CACHE) && !env.TRUSTSCOPE_CACHE_DIR) return undefined;
  const root = env.TRUSTSCOPE_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'trustscope');
  const dir = join(root, 'optimized-graphs');
  const mb = env.TRUSTSCOPE_CACHE_MAX_MB === undefined ? undefined : Number(env.TRUSTSCOPE_CACHE_MAX_MB);
  if (mb !== undefined && !(mb >= 0)) throw new Error(`TRUSTSCOPE_CACHE_MAX_MB must be a number of megabytes ≥ 0 (got '${env.TRUSTSCOPE_CACHE_MAX_MB}'); unset it for the default 2048`);
  return new OptimizedGraphStore(dir, mb === undefined ? {} : { maxBytes: mb * 1024 ** 2 });
}
