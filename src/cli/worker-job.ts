/**
 * One job of a scaled `explain` (--workers or --queue), as a worker runs it: a list of items (rows of
 * the run's image files), each explained alone with its own seed stream (scale/item-seed.ts). Alone:
 * a row's map then depends only on its image, its target and the run's seed — not on which rows
 * share its batch or its worker — which is what makes 1, 2 or N workers and the queue give
 * identical bytes.
 *
 * What a worker reads: the model and image files named in the job, by path, each checked against the
 * SHA-256 the client recorded (a file that changed or is missing fails its items, with one line
 * each, instead of explaining the wrong data); with --ship-data the image rows travel in the job
 * and only the model is read. Workers keep the last model and the last two image files in memory.
 */
import { stat } from 'node:fs/promises';
import { getExplainer } from '../attribution/registry.js';
import type { Normalisation } from '../data/normalise.js';
import type { OnnxModel } from '../models/model.js';
import { configureRuntime } from '../onnx/runtime.js';
import type { ItemFailure, ItemResult } from '../scale/item-rows.js';
import { itemSeed } from '../scale/item-seed.js';
import { decodeFloat32 } from '../scale/row-codec.js';
import { tensor, type Tensor } from '../tensor/tensor.js';
import { readImageFile } from './inputs.js';
import { readMethodFiles } from './method-options.js';
import { loadModelForImages } from './model-for-images.js';
import { sha256File } from './provenance.js';
import type { AuditJob } from './audit-job.js';

function isAuditJob(job: unknown): job is AuditJob {
  return typeof job === 'object' && job !== null && (job as { kind?: unknown }).kind === 'audit';
}

export interface FileRef {
  path: string;
  sha256: string;
}

/** What every job of one run shares. */
export interface ExplainSpec {
  model: FileRef;
  method: string;
  /** The method's option values as parsed from the command line (file options as paths). */
  options: Record<string, unknown>;
  /** Files the method options name (baselines…), checked like the images. */
  optionFiles: FileRef[];
  seed: number;
  batchSize: number;
  normalise?: Normalisation;
  dataset?: string;
}

export interface ExplainItem {
  /** The row of the merged output (the image's index over all input files). */
  id: number;
  /** Index into the job's `files`. */
  file: number;
  /** The image's row in that file. */
  row: number;
  /** Class or output explained; absent: the predicted class. */
  target?: number;
}

export interface ExplainJob {
  spec: ExplainSpec;
  files: FileRef[];
  items: ExplainItem[];
  /** --ship-data: the items' image rows (float32, base64) in item order, each of `rowShape`. */
  data?: string;
  rowShape?: number[];
}

/** Thrown for a file a worker cannot use: its items fail, the rest of the run goes on. */
class ItemDataError extends Error {}

interface Loaded {
  /** The model's identity: its bytes, the rows per ORT call and the dataset it is read with. */
  key: string;
  model: OnnxModel;
  /** The method and options the files were read for (a job with another method keeps the model). */
  optionsKey: string;
  options: Record<string, unknown>;
}

let loaded: Loaded | undefined;
const images = new Map<string, Tensor>();
const hashes = new Map<string, string>();

/** The file's SHA-256, recomputed only when its size or modification time changed. */
export async function checkedHash(ref: FileRef): Promise<void> {
  let info;
  try {
    info = await stat(ref.path);
  } catch (e) {
    throw new ItemDataError(`${ref.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} on this worker; workers must see the same files at the same paths (a shared folder) or the client must send the images with --ship-data`);
  }
  const key = `${ref.path}\0${info.size}\0${info.mtimeMs}`;
  let sha = hashes.get(key);
  if (sha === undefined) {
    sha = (await sha256File(ref.path)).sha256;
    hashes.set(key, sha);
  }
  if (sha !== ref.sha256) throw new ItemDataError(`${ref.path} changed since the run started (SHA-256 ${sha.slice(0, 12)}…, expected ${ref.sha256.slice(0, 12)}…); restore it or start a new run`);
}

/**
 * The job's model and method options. The model — with its ONNX Runtime sessions and gradient graphs,
 * the session cost issue 21 measured at ~0.5 s of CPU per call on ResNet-18 — stays loaded for every
 * later job on the same model, whatever method or options it asks for; only the options are re-read.
 */
async function modelFor(spec: ExplainSpec, firstImage: string | undefined): Promise<Loaded> {
  const key = `${spec.model.sha256}:${spec.batchSize}:${spec.dataset ?? ''}`;
  const optionsKey = `${spec.method}:${JSON.stringify(spec.options)}`;
  if (loaded?.key === key && loaded.optionsKey === optionsKey) return loaded;
  try {
    await checkedHash(spec.model);
    for (const f of spec.optionFiles) await checkedHash(f);
  } catch (e) {
    // Without the model no item can run: the whole job fails (and the queue retries it elsewhere).
    throw new Error((e as Error).message);
  }
  if (loaded?.key !== key) {
    if (loaded) await loaded.model.dispose();
    loaded = undefined;
    const model = await loadModelForImages(spec.model.path, { files: firstImage ? [firstImage] : [], dataset: spec.dataset }, { internalBatchSize: spec.batchSize });
    loaded = { key, model, optionsKey: '', options: {} };
  }
  loaded.options = await readMethodFiles(getExplainer(spec.method), spec.options);
  loaded.optionsKey = optionsKey;
  return loaded;
}

async function imageBatch(ref: FileRef, spec: ExplainSpec, modelShape: readonly number[]): Promise<Tensor> {
  const key = `${ref.path}\0${ref.sha256}`;
  const cached = images.get(key);
  if (cached) return cached;
  await checkedHash(ref);
  let batch: Tensor;
  try {
    batch = (await readImageFile(ref.path, modelShape, spec.normalise, spec.dataset !== undefined ? { dataset: spec.dataset } : {})).batch;
  } catch (e) {
    throw new ItemDataError((e as Error).message.split('\n')[0]);
  }
  // Two files: a job's items usually come from one file, at most straddling into the next.
  if (images.size >= 2) images.delete(images.keys().next().value as string);
  images.set(key, batch);
  return batch;
}

function row(batch: Tensor, r: number, path: string): Tensor {
  const n = batch.shape[0];
  if (r >= n) throw new ItemDataError(`${path} holds ${n} image(s) on this worker but the run expects row ${r}; the file differs from the client's`);
  const size = batch.data.length / n;
  return tensor([1, ...batch.shape.slice(1)], batch.data.slice(r * size, (r + 1) * size));
}

/** Any job of a scaled run (explain's images or audit's checks), dispatched on its kind. */
export async function runWorkerJob(job: ExplainJob | AuditJob, threads?: number): Promise<ItemResult> {
  if (isAuditJob(job)) {
    // Loaded on the first audit job: an explain-only worker never reads the audit's modules.
    const { runAuditJob } = await import('./audit-job.js');
    return runAuditJob(job, threads);
  }
  return runExplainJob(job, threads);
}

/** Explains the job's items one by one; items whose file cannot be used fail alone. */
export async function runExplainJob(job: ExplainJob, threads?: number): Promise<ItemResult> {
  if (threads !== undefined) configureRuntime({ threads });
  const { spec } = job;
  const explainer = getExplainer(spec.method);
  const { model, options } = await modelFor(spec, job.files[0]?.path);
  const shipped = job.data !== undefined ? decodeFloat32(job.data) : undefined;
  const rows: Float32Array[] = [];
  const ids: number[] = [];
  const failures: ItemFailure[] = [];
  let rowShape: number[] = [];
  for (const [k, item] of job.items.entries()) {
    let x: Tensor;
    try {
      if (shipped) {
        const shape = job.rowShape ?? [...model.inputShape];
        const size = shape.reduce((a, b) => a * b, 1);
        x = tensor([1, ...shape], shipped.slice(k * size, (k + 1) * size));
      } else {
        const ref = job.files[item.file];
        x = row(await imageBatch(ref, spec, model.inputShape), item.row, ref.path);
      }
    } catch (e) {
      if (!(e instanceof ItemDataError)) throw e;
      failures.push({ id: item.id, message: e.message });
      continue;
    }
    const result = await explainer.attribute(model, x, { ...options, target: item.target, seed: itemSeed(spec.seed, item.id) });
    rowShape = result.values.shape.slice(1);
    rows.push(result.values.data);
    ids.push(item.id);
  }
  const size = rowShape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(rows.length * size);
  rows.forEach((r, k) => values.set(r, k * size));
  return { ids, rowShape, values, failures };
}
