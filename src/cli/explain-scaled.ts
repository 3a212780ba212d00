/**
 * `trustscope explain --workers N` and `explain --queue redis://…`: the same attributions.npy and
 * run.json as the single-process run, computed by worker threads or by queue workers. The client
 * reads and checks every input as the plain run does, plans one item per image (file, row, target,
 * id), cuts the items into jobs, and merges the returned rows by id. Each image is explained alone
 * with its own seed stream (worker-job.ts), so the output does not depend on how the work was split;
 * for deterministic methods it equals the plain run's to float rounding (batched and one-image ORT
 * calls may round differently), for sampling methods it is a different, equally seeded draw.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Explainer } from '../attribution/explainer.js';
import { encodeNpy } from '../data/formats/npy.js';
import { describeNormalisation, type Normalisation } from '../data/normalise.js';
import { pixelSizeRecord, type FileCalibration } from '../data/spatial-calibration.js';
import type { Task } from '../models/task.js';
import { compiledScript } from '../scale/compiled-script.js';
import { ItemRows } from '../scale/item-rows.js';
import { runPool } from '../scale/pool.js';
import type { QueuedJob } from '../scale/queue-client.js';
import { redactUrl } from '../scale/redis-url.js';
import { encodeFloat32 } from '../scale/row-codec.js';
import { reshape, shapeToString, tensor } from '../tensor/tensor.js';
import { UsageError } from './errors.js';
import { readInputImages } from './manifest.js';
import { parseTarget } from './method-options.js';
import { loadModelForImages } from './model-for-images.js';
import { writeOverlays, OVERLAYS } from './png-overlays.js';
import { sha256File } from './provenance.js';
import { progressFor, runInFolder } from './run.js';
import { DEFAULT_QUEUE_JOB_SIZE, type ScaleFlags } from './scale-options.js';
import { regressionTargetOr, resolveTask, targetNoun } from './task-option.js';
import type { ExplainItem, ExplainJob, ExplainSpec, FileRef } from './worker-job.js';
import { isDenseModel } from '../models/dense-output.js';

export interface ScaledExplainFlags extends ScaleFlags {
  model: string;
  input?: string;
  manifest?: string;
  method: string;
  out: string;
  force?: boolean;
  target?: string;
  png?: boolean;
  normalise?: Normalisation;
  dataset?: string;
  batchSize: number;
  seed: number;
  task?: string;
  quiet?: boolean;
  progress?: boolean;
  jsonProgress?: boolean;
}

/** Flags of the plain run a scaled run does not take yet: one line, not a silently different run. */
export function refuseUnscaledFlags(opts: Record<string, unknown>): void {
  const unscaled: [string, string][] = [['targets', '--targets'], ['targetOutputs', '--target-outputs'], ['targetClass', '--target-class'], ['targetRegion', '--target-region'], ['targetPixel', '--target-pixel'], ['tile', '--tile'], ['manifest', '--manifest']];
  for (const [key, flag] of unscaled) if (opts[key] !== undefined && opts[key] !== false) throw new UsageError(`${flag} does not run with --workers/--queue yet; drop one of them`);
}

const JOB_SLICES_PER_WORKER = 8;

/** Cuts items into jobs of `size` consecutive items, each job carrying only the files its items read. */
export function explainJobs(spec: ExplainSpec, files: readonly FileRef[], items: readonly ExplainItem[], size: number, ship?: (item: ExplainItem) => Float32Array): ExplainJob[] {
  const jobs: ExplainJob[] = [];
  for (let start = 0; start < items.length; start += size) {
    const slice = items.slice(start, start + size);
    const used = [...new Set(slice.map((it) => it.file))];
    const local = slice.map((it) => ({ ...it, file: used.indexOf(it.file) }));
    const job: ExplainJob = { spec, files: used.map((f) => files[f]), items: local };
    if (ship) {
      const rows = slice.map(ship);
      const data = new Float32Array(rows.reduce((a, r) => a + r.length, 0));
      let at = 0;
      for (const r of rows) (data.set(r, at), (at += r.length));
      job.data = encodeFloat32(data);
      job.files = [];
      job.items = slice.map((it) => ({ ...it, file: -1 }));
    }
    jobs.push(job);
  }
  return jobs;
}

export async function runScaledExplain(command: Command, opts: ScaledExplainFlags, explainer: Explainer, options: Record<string, unknown>): Promise<void> {
  refuseUnscaledFlags(opts as unknown as Record<string, unknown>);
  let calibrations: FileCalibration[] = [];
  let task: Task | undefined;
  let where = '';
  await runInFolder(
    'explain',
    opts,
    async (folder) => {
      const model = await loadModelForImages(opts.model, { files: [opts.input], dataset: opts.dataset }, { internalBatchSize: opts.batchSize });
      let batch;
      let single: boolean;
      let targets: (number | undefined)[];
      try {
        if (isDenseModel(model)) throw new UsageError('--workers/--queue explain classifiers and regressors; a segmenter runs without them for now');
        task = resolveTask(opts.task, model.outputShape);
        const read = await readInputImages(opts, model.inputShape);
        ({ batch, single } = read);
        calibrations = read.calibrations;
        const n = batch.shape[0];
        const given = regressionTargetOr(task, parseTarget(opts.target, n, targetNoun(task)), model.outputSize);
        targets = Array.from({ length: n }, (_, i) => (typeof given === 'number' ? given : given?.[i]));
      } finally {
        await model.dispose();
      }
      // The jobs name files by absolute path (workers have their own working folder) and content hash.
      folder.input(opts.model);
      const modelRef: FileRef = { path: resolve(opts.model), sha256: (await sha256File(opts.model)).sha256 };
      const files: FileRef[] = [];
      for (const c of calibrations) {
        folder.input(c.file);
        files.push({ path: resolve(c.file), sha256: (await sha256File(c.file)).sha256 });
      }
      const optionFiles: FileRef[] = [];
      for (const spec of explainer.options) {
        const path = options[spec.key];
        if (spec.kind !== 'array-file' || typeof path !== 'string') continue;
        folder.input(path);
        optionFiles.push({ path: resolve(path), sha256: (await sha256File(path)).sha256 });
      }
      const spec: ExplainSpec = { model: modelRef, method: explainer.name, options, optionFiles, seed: opts.seed, batchSize: opts.batchSize, ...(opts.normalise ? { normalise: opts.normalise } : {}), ...(opts.dataset !== undefined ? { dataset: opts.dataset } : {}) };
      const items: ExplainItem[] = [];
      calibrations.forEach((c, f) => {
        for (let r = 0; r < c.images; r++) items.push({ id: items.length, file: f, row: r, ...(targets[items.length] !== undefined ? { target: targets[items.length] } : {}) });
      });
      const n = items.length;
      const rowSize = batch.data.length / n;
      const rows = new ItemRows(n);
      const progress = progressFor(opts);
      const started = performance.now();
      let note = '';
      if (opts.queue !== undefined) {
        const size = opts.jobSize ?? DEFAULT_QUEUE_JOB_SIZE;
        const ship = opts.shipData ? (it: ExplainItem) => batch.data.subarray(it.id * rowSize, (it.id + 1) * rowSize) : undefined;
        const jobs = explainJobs(spec, files, items, size, ship);
        // The run's identity: same command on the same files → same job ids → a re-run resumes.
        const runKey = createHash('sha256').update(JSON.stringify({ spec, files, items, size, ship: opts.shipData === true })).digest('hex').slice(0, 16);
        const queued: QueuedJob<ExplainJob>[] = jobs.map((data, k) => ({ id: `explain-${runKey}-${k}`, data, items: data.items.map((it) => it.id) }));
        // BullMQ loads only for a queued run (it is not small).
        const { runOnQueue } = await import('../scale/queue-client.js');
        const summary = await runOnQueue({
          url: opts.queue,
          jobs: queued,
          rows,
          timeoutSeconds: opts.queueTimeout,
          onProgress: (done, total) => progress.update(`explaining on the queue (${jobs.length} jobs)`, done / total),
          onNote: (line) => console.error(`trustscope: ${line}`),
        });
        where = `${jobs.length} job(s) on ${redactUrl(opts.queue)}`;
        note = summary.resumed > 0 ? `, ${summary.resumed} resumed` : '';
      } else {
        const workers = opts.workers ?? 1;
        const size = opts.jobSize ?? Math.max(1, Math.ceil(n / (workers * JOB_SLICES_PER_WORKER)));
        const jobs = explainJobs(spec, files, items, size);
        const budget = await runPool({
          script: compiledScript(import.meta.url, 'worker-thread'),
          workers,
          workerData: {},
          jobs,
          onResult: (result) => {
            rows.add(result);
            progress.update(`explaining on ${workers} worker thread(s)`, rows.finished / n);
          },
        });
        where = `${budget.workers} worker thread(s) × ${budget.threadsPerWorker} ONNX Runtime thread(s)${budget.oversubscribed ? ` (more than the ${budget.cores} cores)` : ''}`;
      }
      progress.stop();
      const merged = rows.merged();
      const values = single ? reshape(tensor(merged.shape, merged.values), merged.shape.slice(1)) : tensor(merged.shape, merged.values);
      await folder.write('attributions.npy', encodeNpy(values));
      const pictures = opts.png ? await writeOverlays(folder, batch, tensor(merged.shape, merged.values), calibrations) : [];
      const failed = rows.failed();
      for (const f of failed.slice(0, 5)) console.error(`trustscope: warning: image ${f.id} not explained: ${f.message}`);
      if (failed.length > 5) console.error(`trustscope: warning: ${failed.length - 5} more image(s) not explained (all listed in run.json)`);
      console.log(`${explainer.name}: ${n - failed.length} of ${n} image(s) on ${where}${note} in ${((performance.now() - started) / 1000).toFixed(2)} s → ${join(opts.out, 'attributions.npy')} ${shapeToString(values.shape)}${failed.length ? ` (${failed.length} failed: NaN rows)` : ''}${pictures.length ? ` and ${pictures.length} overlay(s) in ${join(opts.out, OVERLAYS)}` : ''}`);
      return { failed, duplicates: rows.duplicates };
    },
    (result) => ({
      method: explainer.name,
      options,
      task,
      normalise: opts.normalise ? describeNormalisation(opts.normalise) : 'none',
      pixelSizes: pixelSizeRecord(calibrations),
      scale: { mode: opts.queue !== undefined ? 'queue' : 'workers', where, seedStreams: 'per image: Random.forKey(seed, "item <index>")', duplicatesDropped: result.duplicates },
      ...(result.failed.length ? { failed: result.failed } : {}),
    }),
  );
}
