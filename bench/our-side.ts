/**
 * Starts trustscope's side of a benchmark row in its own process (row-worker.ts) and reads its one
 * JSON line: a process per row and thread count, so that the peak resident set (VmHWM) is that
 * row's, as the PyTorch side's ru_maxrss is its own (torch-reference.ts). Starting node costs a
 * fraction of a second per row, outside the timed runs.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { memoryRows, type BenchRow } from './memory-rows.js';
import { workloads } from './workloads.js';

export interface RowWorkerResult {
  /** Wall milliseconds of each timed run. */
  runs: number[];
  /** Process CPU milliseconds (user + system, all threads) of each timed run. */
  cpuMs: number[];
  /** Peak resident set of the whole process (VmHWM), MB. */
  peakRssMb: number;
  /** FLOPs of one run (see flop-meter.ts); `effective` when incremental occlusion skipped part of them. */
  flops: number;
  effective: boolean;
  uncounted: string[];
}

/** Every row the worker can run, found by label: the workloads and the memory rows. */
export function benchRows(vggBatch: number): BenchRow[] {
  return [...workloads(vggBatch), ...memoryRows()];
}

export interface OurSideRun {
  label: string;
  vggBatch: number;
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
  const args = [WORKER, '--label', o.label, '--vgg-batch', `${o.vggBatch}`, '--threads', `${o.threads}`, '--repeats', `${o.repeats}`, '--warmup', `${o.warmup}`, '--input', o.input, '--targets', o.targets];
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
