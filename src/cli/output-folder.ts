/**
 * The folder a command writes into, with its `run.json` manifest. Every writing command:
 * 1. `prepareOutputFolder` before any compute: creates the folder (one level at a time; see
 *    io/atomic-write.ts on /proc), proves it is writable with a probe file, and refuses a folder
 *    holding another command's results unless --force — so an unwritable --out fails in
 *    milliseconds, not after minutes of compute, and `demo` cannot overwrite half of an audit;
 * 2. writes its files through `folder.write` (atomic: temp file + rename); a JSON object written
 *    this way gains a `provenance` field and an HTML page a provenance footer (provenance.ts), so
 *    every result carries what it takes to reproduce it, whichever command wrote it;
 * 3. `folder.finish(extras)` writes run.json (command, arguments, versions, input hashes, outputs,
 *    timings, and the full provenance) and removes files the previous run of the same command listed but this run did not
 *    write, so nothing stale sits beside current results.
 * On an error or Ctrl-C, `folder.abandon()` removes the levels it created if they hold nothing;
 * results already in the folder are never touched until the new ones are complete.
 */
import { readFile, readdir, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ensureDirectory, fsErrorReason, writeFileAtomic } from '../io/atomic-write.js';
import { expandPaths } from '../io/paths.js';
import { withProvenanceFooter } from '../report/html.js';
import { UsageError } from './errors.js';
import { jsonOptions, machine, modelRecord, onnxRuntimeVersion, sha256File, StageClock, TOOL_VERSION, withProvenanceField, type InputRecord, type Provenance } from './provenance.js';

export { TOOL_VERSION } from './provenance.js';
export const MANIFEST = 'run.json';

/** Files other commands write, recognised even in folders from before run.json existed. */
const KNOWN_RESULTS: Readonly<Record<string, string>> = {
  'audit.json': 'audit',
  'demo.json': 'demo',
  'evaluation.json': 'evaluate',
  'structure-property.json': 'structure-property',
};

export interface RunManifest {
  tool: 'trustscope';
  version: string;
  command: string;
  arguments: string[];
  started: string;
  finished: string;
  seconds: number;
  node: string;
  platform: string;
  inputs: InputRecord[];
  outputs: string[];
  provenance: Provenance;
  [extra: string]: unknown;
}

export interface OutputFolder {
  readonly path: string;
  /** Writes one result file atomically and records it for run.json. */
  write(name: string, data: Uint8Array | string): Promise<string>;
  /** Records a file written by another writer (e.g. writeNpy) under this folder. */
  record(name: string): string;
  /** Records an input file; its size and SHA-256 go into run.json. */
  input(path: string): void;
  finish(extras?: Record<string, unknown>): Promise<RunManifest>;
  abandon(): Promise<void>;
}

async function readManifest(dir: string): Promise<Partial<RunManifest> | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Partial<RunManifest>;
  } catch {
    return undefined;
  }
}

async function foreignResults(dir: string, command: string): Promise<string | undefined> {
  const manifest = await readManifest(dir);
  if (manifest?.command) return manifest.command !== command ? `results of 'trustscope ${manifest.command}'` : undefined;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const other = names.find((n) => KNOWN_RESULTS[n] && KNOWN_RESULTS[n] !== command);
  return other ? `results of 'trustscope ${KNOWN_RESULTS[other]}' (${other})` : undefined;
}

/** Levels of `dir` that do not exist yet, deepest first. */
async function missingLevels(dir: string): Promise<string[]> {
  const out: string[] = [];
  let current = resolve(dir);
  for (;;) {
    try {
      await stat(current);
      return out;
    } catch {
      out.push(current);
      const parent = dirname(current);
      if (parent === current) return out;
      current = parent;
    }
  }
}

/** Folders being written right now, for the Ctrl-C handler. */
const open = new Set<OutputFolder>();

/** The folders being written right now (what Ctrl-C would abandon). */
export function openFolderPaths(): string[] {
  return [...open].map((f) => f.path);
}

/**
 * Abandons every folder being written (Ctrl-C): what this run wrote is removed and any later write
 * into them is refused. Returns their paths, for the "nothing was written to …" line.
 */
export async function abandonOpenFolders(): Promise<string[]> {
  const folders = [...open];
  await Promise.all(folders.map((f) => f.abandon()));
  return folders.map((f) => f.path);
}

export interface FolderOptions {
  force?: boolean;
  /** The arguments as typed (main's argv). */
  argv?: readonly string[];
  /** Every parsed option, defaults included, for the provenance. */
  options?: Record<string, unknown>;
  seed?: number;
  /** Fed by the command's progress reporter: wall time per stage. */
  stages?: StageClock;
}

export async function prepareOutputFolder(path: string, command: string, options: FolderOptions = {}): Promise<OutputFolder> {
  const created = await missingLevels(path);
  try {
    await ensureDirectory(path);
  } catch (e) {
    throw new UsageError(`cannot write to --out ${path}: ${(e as Error).message}`);
  }
  const probe = join(path, `.trustscope-probe-${process.pid}`);
  try {
    await writeFile(probe, '');
    await unlink(probe);
  } catch (e) {
    await removeEmpty(created);
    throw new UsageError(`cannot write to --out ${path}: ${fsErrorReason(e)}`);
  }
  const foreign = await foreignResults(path, command);
  if (foreign && !options.force) {
    throw new UsageError(`--out ${path} holds ${foreign}; choose another folder, or add --force to write '${command}' results beside them`);
  }
  const previous = await readManifest(path);
  const started = new Date();
  const outputs = new Set<string>();
  const inputs = new Set<string>();
  let done = false;
  let abandoned = false;
  // After an abandon (a failure, Ctrl-C) the command may still be running: its late writes are refused.
  const refuseIfAbandoned = () => {
    if (abandoned) throw new Error(`the run was abandoned; nothing more is written to ${path}`);
  };
  // Each input is hashed once, however many outputs carry the provenance.
  const hashes = new Map<string, Promise<InputRecord>>();
  const hashed = (p: string) => {
    if (!hashes.has(p)) hashes.set(p, sha256File(p));
    return hashes.get(p)!;
  };
  const stages = options.stages ?? new StageClock();
  const provenance = async (): Promise<Provenance> => {
    // A folder or pattern given as input is recorded file by file, each with its hash.
    const files = [...new Set((await Promise.all([...inputs].map(expandPaths))).flat())];
    const records = await Promise.all(files.map(hashed));
    return {
      trustscope: TOOL_VERSION,
      command,
      arguments: [...(options.argv ?? [])],
      cwd: process.cwd(),
      options: jsonOptions(options.options ?? {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      models: await Promise.all(records.filter((r) => r.path.toLowerCase().endsWith('.onnx')).map(modelRecord)),
      inputs: records,
      onnxruntime: onnxRuntimeVersion(),
      node: process.version,
      machine: machine(),
      started: started.toISOString(),
      seconds: (Date.now() - started.getTime()) / 1000,
      stages: stages.snapshot(),
    };
  };
  // JSON objects get a `provenance` field, HTML pages a footer; run.json is written by finish().
  const stamped = async (name: string, data: Uint8Array | string): Promise<Uint8Array | string> => {
    if (typeof data !== 'string') return data;
    if (/\.json$/i.test(name) && name !== MANIFEST) return withProvenanceField(data, await provenance());
    if (/\.html?$/i.test(name)) return withProvenanceFooter(data, await provenance());
    return data;
  };
  const folder: OutputFolder = {
    path,
    async write(name, data) {
      refuseIfAbandoned();
      const file = join(path, name);
      await writeFileAtomic(file, await stamped(name, data));
      outputs.add(name);
      return file;
    },
    record(name) {
      refuseIfAbandoned();
      outputs.add(name);
      return join(path, name);
    },
    input(file) {
      inputs.add(file);
    },
    async finish(extras = {}) {
      refuseIfAbandoned();
      const record = await provenance();
      const manifest: RunManifest = {
        tool: 'trustscope',
        version: TOOL_VERSION,
        command,
        arguments: record.arguments,
        started: record.started,
        finished: new Date().toISOString(),
        seconds: record.seconds,
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        inputs: record.inputs,
        outputs: [...outputs].sort(),
        ...extras,
        provenance: record,
      };
      await writeFileAtomic(join(path, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
      // Files the previous run of this command wrote and this one did not: stale, so removed.
      if (previous?.command === command && Array.isArray(previous.outputs)) {
        const stale = previous.outputs.filter((old): old is string => typeof old === 'string' && !outputs.has(old) && !old.includes('..'));
        for (const old of stale) await unlink(join(path, old)).catch(() => undefined);
        await removeEmptySubfolders(path, stale);
      }
      done = true;
      open.delete(folder);
      return manifest;
    },
    async abandon() {
      open.delete(folder);
      if (done) return;
      abandoned = true;
      // A failed run leaves no partial set of new results: the files it wrote go, then the folders it made.
      const written = [...outputs];
      outputs.clear();
      for (const name of written) await unlink(join(path, name)).catch(() => undefined);
      await removeEmptySubfolders(path, written);
      await removeEmpty(created);
    },
  };
  open.add(folder);
  return folder;
}

async function removeEmpty(levels: readonly string[]): Promise<void> {
  for (const level of levels) {
    try {
      await rmdir(level);
    } catch {
      return;
    }
  }
}

/** Removes the sub-folders (e.g. overlays/) of the given output names once they are empty. */
async function removeEmptySubfolders(root: string, names: readonly string[]): Promise<void> {
  const subfolders = new Set<string>();
  for (const name of names) {
    for (let d = dirname(name); d !== '.' && d !== '/' && d !== ''; d = dirname(d)) subfolders.add(d);
  }
  // Deepest first, so that a parent is tried after its children.
  for (const d of [...subfolders].sort((a, b) => b.length - a.length)) await rmdir(join(root, d)).catch(() => undefined);
}
