/**
 * Starts trustscope's side of a benchmark row in its own process (row-worker.ts) and reads its one
 * JSON line: a process per row and thread count, so that the peak resident set (VmHWM) is that
 * row's, as the PyTorch side's ru_maxrss is its own (torch-reference.ts). Starting node costs a
 * fraction of a second per row, outside the timed runs.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { decodeModel } from '../src/onnx/proto.js';
import { memoryRows, type BenchRow } from './memory-rows.js';
import { methods, type Workload } from './workloads.js';

export interface RowWorkerResult {
  /** Wall milliseconds of each timed run. */
  runs: number[];
  /** Process CPU milliseconds (user + system, all threads) of each timed run. */
  cpuMs: number[];
  /** Peak resident set of the whole process (VmHWM), MB. */
  peakRssMb: number;
  /** integrated-gradients: trustscope's relative completeness error per image (extras.completeness.relativeGap). */
  completeness?: number[];
  /** FLOPs of one run (see flop-meter.ts); `effective` when incremental occlusion skipped part of them. */
  flops: number;
  effective: boolean;
  uncounted: string[];
}

/**
 * The rows a worker chooses its row from: the family's rows, built around the .onnx file run.ts
 * wrote (building every family's model in every worker — workloads() — costs 1–2 s of CPU per
 * process, minutes over a full run), or the memory rows.
 */
export async function rowsFor(o: Pick<OurSideRun, 'vggBatch' | 'family' | 'model'>): Promise<BenchRow[]> {
  if (!o.family) return memoryRows();
  const graph = decodeModel(await readFile(o.model), o.model);
  return methods({ ...o.family, graph }, o.vggBatch);
}

export interface OurSideRun {
  label: string;
  vggBatch: number;
  /** The row's family (a Workload's), or none for a memory row. */
  family?: Pick<Workload, 'family' | 'channels' | 'size' | 'classes'>;
  /** The .onnx file of the row's model (what the PyTorch side loads too). */
  model: string;
  threads: number;
  repeats: number;
  warmup: number;
  /** .npy files of the images and the targets (as the PyTorch side reads them). */
  input: string;
  targets: string;
  /** Where to write the last run's attribution (.npy). */
  save?: string;
}

const WORKER = fileURLToPath(new URL('./row-worker.js', import.meta.url));

export function runOurSide(o: OurSideRun): Promise<RowWorkerResult> {
  const args = [WORKER, '--label', o.label, '--vgg-batch', `${o.vggBatch}`, '--model', o.model, '--threads', `${o.threads}`, '--repeats', `${o.repeats}`, '--warmup', `${o.warmup}`, '--input', o.input, '--targets', o.targets];
  if (o.family) args.push('--family', JSON.stringify(o.family));
  if (o.save) args.push('--save', o.save);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 << 20, timeout: 60 * 60_000 }, (err, stdout, stderr) => {
      if (err) {
        const why = stderr.trim().split('\n').slice(-3).join(' / ') || err.message;
        reject(new Error(`trustscope row '${o.label}' (${o.threads} threads) failed: ${why}`));
        return;
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as RowWorkerResult);
      } catch {
        reject(new Error(`row worker printed no JSON result: ${line.slice(0, 200)}`));
      }
    });
  });
}
